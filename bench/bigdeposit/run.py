"""Big-deposit benchmark (issue 17): 10,000 files of 4 KiB in 50 folders deposited through the bulk
API, reviewed, approved and published, then read back, on PostgreSQL with S3 (moto's server).

What runs, on this machine:

- PostgreSQL: a database of its own (`estran_bench_big` unless `--database`), dropped and created
  at the start, dropped at the end;
- moto's S3 server, a process of its own (as bench/upload);
- Estran's web process under gunicorn with production's settings (bench/upload's `start_web`: one
  gthread worker of 8 threads), a cache shared through the disk, no Celery worker: approval
  publishes in its request, files this small are verified in their completion request, and the
  DOI's registration waits in the broker's folder, unconsumed;
- a depositor and a moderator of the ocean community with API tokens (bench/soak/accounts.py).

Then, as a depositor's script would: the deposit is created with its metadata; its files are opened
500 at a time (POST /api/deposits/{id}/uploads/batch), each file's one part is PUT to its presigned
URL (`--threads` at a time) and the 500 are completed in one call (POST /api/uploads/complete); the
deposit is submitted. The moderator claims it, reads the review page signed in (`--requests`
times), approves it and waits until it is published. A reader then loads the landing page
(`--requests` times from the page cache, and as many times rendered, paging through its files)
and downloads all its files (files.zip), which is checked member by member; the same objects are
then read with boto3 one after another in one process. The web worker's resident memory is
sampled from /proc during each phase.

It reports the upload time per 1,000 files and the API requests per 100 files, the time from the
approval to the record being published (goal < 5 s), the landing page's p95 (goal < 150 ms), the
review page's p95 (goal < 300 ms), "download all" in MiB/s of files against boto3 (goal: a ratio
>= 0.8) and the web worker's peak resident memory in each phase (goal: flat).

    .venv/bin/python bench/bigdeposit/run.py                        # 10,000 files in 50 folders
    .venv/bin/python bench/bigdeposit/run.py --files 500 --folders 10 --json /tmp/big.json

Run by hand; tests/test_big_deposit.py runs it on 20 files so that it cannot rot (`make bench-check`: 100).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.soak.scenario import _metadata as soak_metadata  # noqa: E402
from bench.support import drop_database, ensure_database, machine, production_env, stop_web, summary  # noqa: E402
from bench.upload.run import RssSampler, start_web  # noqa: E402
from tests.fakes.s3_server import S3Server, free_port  # noqa: E402

MiB = 1024 * 1024
FILE_SIZE = 4096
BATCH = 500  # the bulk API's most files per call (deposit/services/uploads_batch.py)
BUCKET = "estran-bench-big"
TIMEOUT = 600  # seconds per request: approving 10,000 files is one request


class Api:
    """A person's calls to the REST API with their token, counted; an unexpected status stops the run."""

    def __init__(self, site: str, token: str):
        self.site = site
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.calls = 0

    def call(self, method: str, path: str, *, expect=(200,), **kwargs):
        self.calls += 1
        response = self.http.request(method, self.site + path, timeout=TIMEOUT, **kwargs)
        if response.status_code not in expect:
            raise RuntimeError(f"{method} {path}: HTTP {response.status_code}: {response.text[:500]}")
        return response.json()


def make_files(count: int, folders: int) -> dict[str, bytes]:
    """`count` files of random bytes, dealt round the folders (`station-07/cast-00042.csv`)."""
    rng = random.Random(17)
    return {f"station-{i % folders:02d}/cast-{i:05d}.csv": rng.randbytes(FILE_SIZE) for i in range(count)}


def accounts(env: dict) -> dict[str, str]:
    """A depositor and a moderator of the ocean community: {username: API token}."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.soak.accounts", "1", "1"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def sign_in(site: str, username: str, password: str) -> requests.Session:
    """A browser's session, signed in through the sign-in form."""
    browser = requests.Session()
    form = browser.get(f"{site}/accounts/login/", timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    if form.status_code != 200 or not token:
        raise RuntimeError(f"no sign-in form: HTTP {form.status_code}")
    answer = browser.post(
        f"{site}/accounts/login/",
        data={"login": username, "password": password, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{site}/accounts/login/"},
        timeout=60,
        allow_redirects=False,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"{username} could not sign in: HTTP {answer.status_code}")
    return browser


def upload(api: Api, deposit_id: int, files: dict[str, bytes], threads: int) -> dict:
    """Open, send and complete `files` 500 at a time; seconds spent in each step and in all."""
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}  # the script's manifest
    local = threading.local()
    seconds = {"open": 0.0, "parts": 0.0, "complete": 0.0}

    def put(session: dict) -> dict:
        if session["part_count"] != 1:
            raise RuntimeError(f"{session['name']}: {session['part_count']} parts, one expected")
        if not hasattr(local, "http"):
            local.http = requests.Session()  # part URLs carry their own signature: no token
        part = session["parts"][0]
        answer = local.http.put(part["url"], data=files[session["name"]], headers=part["headers"], timeout=TIMEOUT)
        if answer.status_code != 200:
            raise RuntimeError(f"PUT {session['name']}: HTTP {answer.status_code}: {answer.text[:300]}")
        return {"upload_id": session["id"], "parts": [{"part_number": 1, "etag": answer.headers["ETag"]}]}

    names = list(files)
    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        for first in range(0, len(names), BATCH):
            batch = names[first : first + BATCH]
            mark = time.monotonic()
            opened = api.call(
                "POST",
                f"/api/deposits/{deposit_id}/uploads/batch",
                json={"files": [{"name": n, "size": len(files[n]), "sha256": digests[n]} for n in batch]},
            )
            seconds["open"] += time.monotonic() - mark
            if opened["refused"]:
                problem = next(r["problem"] for r in opened["results"] if r["problem"])
                raise RuntimeError(f"{opened['refused']} files refused, e.g. {problem}")
            mark = time.monotonic()
            sent = list(pool.map(put, [r["upload"] for r in opened["results"]]))
            seconds["parts"] += time.monotonic() - mark
            mark = time.monotonic()
            done = api.call("POST", "/api/uploads/complete", json={"uploads": sent})
            seconds["complete"] += time.monotonic() - mark
            not_ready = [r for r in done["results"] if r["status"] != 200 or r["file"]["state"] != "ready"]
            if not_ready:
                raise RuntimeError(f"{len(not_ready)} files not ready, e.g. {not_ready[0]}")
    return {"seconds": time.monotonic() - started, **{f"{k}_seconds": v for k, v in seconds.items()}}


def timed_gets(session: requests.Session, urls: list[str]) -> list[dict]:
    """Each URL in turn: its time in ms; a status other than 200 stops the run."""
    samples = []
    for url in urls:
        began = time.perf_counter()
        answer = session.get(url, timeout=TIMEOUT)
        ms = (time.perf_counter() - began) * 1000
        if answer.status_code != 200:
            raise RuntimeError(f"GET {url}: HTTP {answer.status_code}")
        samples.append({"ms": ms, "bytes": len(answer.content)})
    return samples


def download_all(site: str, record_id: int, files: dict[str, bytes]) -> dict:
    """files.zip read as a reader's client reads it (timed), then checked: every file under its
    name, folders kept, with its bytes."""
    started = time.monotonic()
    with requests.get(f"{site}/records/{record_id}/files.zip", stream=True, timeout=TIMEOUT) as answer:
        if answer.status_code != 200:
            raise RuntimeError(f"files.zip: HTTP {answer.status_code}")
        body = io.BytesIO()
        for chunk in answer.iter_content(MiB):
            body.write(chunk)
        length = int(answer.headers["Content-Length"])
    seconds = time.monotonic() - started
    if body.tell() != length:
        raise RuntimeError(f"files.zip: {body.tell()} bytes received, {length} announced")
    with zipfile.ZipFile(body) as archive:
        names = archive.namelist()
        if sorted(names) != sorted(files):
            raise RuntimeError(f"files.zip holds {len(names)} members, not the {len(files)} files deposited")
        for name in names:
            if hashlib.sha256(archive.read(name)).digest() != hashlib.sha256(files[name]).digest():
                raise RuntimeError(f"files.zip: {name} is not the file deposited")
    return {"seconds": seconds, "zip_bytes": length}


def boto3_read_all(s3: S3Server) -> dict:
    """Every object of the bucket read whole, one after another, in this process: what a script
    would do with the store's own API (listed first, not timed)."""
    client = s3.client()
    keys = [
        obj["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        for obj in page.get("Contents", [])
    ]
    started = time.monotonic()
    read = sum(len(client.get_object(Bucket=BUCKET, Key=key)["Body"].read()) for key in keys)
    return {"seconds": time.monotonic() - started, "objects": len(keys), "bytes": read}


def print_table(r: dict) -> None:
    up, dl, rss = r["upload"], r["download_all"], r["web_peak_rss_mib"]
    rows = [
        ("upload, per 1,000 files", f"{up['seconds_per_1000_files']:.2f} s", ""),
        ("  API requests per 100 files", f"{up['api_requests_per_100_files']:.2f} (+ 100 PUTs to S3)", ""),
        ("approval to published", f"{r['approval_to_published_seconds']:.2f} s", "< 5 s"),
        ("landing page p95, rendered", f"{r['landing_rendered_ms']['p95']:.1f} ms", "< 150 ms"),
        ("landing page p95, page cache", f"{r['landing_cached_ms']['p95']:.1f} ms", ""),
        ("review page p95, signed in", f"{r['review_ms']['p95']:.1f} ms", "< 300 ms"),
        ("download all (files.zip)", f"{dl['mib_s']:.1f} MiB/s of files", ""),
        ("boto3, same objects, one process", f"{r['boto3_read']['mib_s']:.1f} MiB/s", ""),
        ("  ratio", f"{dl['ratio_to_boto3']:.2f}", ">= 0.8"),
        ("web worker peak RSS", ", ".join(f"{k} {v:.0f}" for k, v in rss.items()) + " MiB", "flat"),
    ]
    print(f"bench/bigdeposit: {r['files']:,} files of {FILE_SIZE // 1024} KiB in {r['folders']} folders, {r['date']}")
    print(f"{'':<36} {'measured':<44} goal")
    for what, value, goal in rows:
        print(f"{what:<36} {value:<44} {goal}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--folders", type=int, default=50)
    parser.add_argument("--requests", type=int, default=50, help="requests per page measured (default 50)")
    parser.add_argument("--threads", type=int, default=8, help="PUTs to S3 at a time (default 8)")
    parser.add_argument("--database", default="estran_bench_big", help="PostgreSQL database (dropped and created)")
    parser.add_argument("--database-server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--json", help="write the results to this file as well")
    parser.add_argument("--workdir", help="keep the logs, broker and cache here (default: a temporary folder)")
    args = parser.parse_args(argv)

    files = make_files(args.files, args.folders)
    payload = sum(len(d) for d in files.values())
    database_url = f"{args.database_server.rstrip('/')}/{args.database}"
    drop_database(database_url)
    ensure_database(database_url)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="estran-bench-big-"))
    workdir.mkdir(parents=True, exist_ok=True)
    log = open(workdir / "web.log", "w")  # noqa: SIM115 - the web server's output; closed in the `finally` below
    s3 = S3Server(mode="process", faults=False).start()
    s3.create_bucket(BUCKET)
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    env = {
        **production_env(site=site, database_url=database_url, workdir=workdir, storage=s3.env(bucket=BUCKET)),
        "DB_CONN_MAX_AGE": "600",
    }
    web = None
    results: dict = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "files": args.files,
        "folders": args.folders,
        "file_size": FILE_SIZE,
        "requests_per_page": args.requests,
        "put_threads": args.threads,
    }
    peaks: dict[str, float] = {}
    try:
        web = start_web(env, workdir, port, log)
        tokens = accounts(env)
        depositor, moderator = Api(site, tokens["soak-dep-01"]), Api(site, tokens["soak-mod-01"])
        reviewer_browser = sign_in(site, "soak-mod-01", "soak-password")

        def phase(name: str):
            sampler = RssSampler(web.pid)
            sampler.peak_kib = sampler.now_kib()
            peaks[name] = sampler
            return sampler

        with phase("idle"):
            time.sleep(0.5)
        title = f"Bench: {args.files:,} CTD casts in {args.folders} folders"
        deposit = depositor.call(
            "POST",
            "/api/deposits",
            expect=(201,),
            json={"community": "ocean", "metadata": soak_metadata(title, "Casts of a big deposit. " * 4)},
        )
        with phase("upload"):
            sent = upload(depositor, deposit["id"], files, args.threads)
        upload_calls = depositor.calls
        results["upload"] = {
            **{k: round(v, 2) for k, v in sent.items()},
            "seconds_per_1000_files": round(sent["seconds"] / args.files * 1000, 2),
            "api_requests_per_100_files": round((upload_calls - 1) / args.files * 100, 2),
        }
        depositor.call("POST", f"/api/deposits/{deposit['id']}/actions", json={"action": "submit"})
        moderator.call("POST", f"/api/deposits/{deposit['id']}/actions", json={"action": "claim"})
        review_url = f"{site}/moderation/deposits/{deposit['id']}/"
        with phase("review"):
            review = timed_gets(reviewer_browser, [review_url] * args.requests)
        results["review_ms"] = summary(review)
        results["review_page_bytes"] = review[-1]["bytes"]

        with phase("approval"):
            mark = time.monotonic()
            approved = moderator.call("POST", f"/api/deposits/{deposit['id']}/actions", json={"action": "approve"})
            results["approve_request_seconds"] = round(time.monotonic() - mark, 2)
            while approved["status"] != "published":  # publication in the request today; a worker's, later
                if time.monotonic() - mark > TIMEOUT:
                    raise RuntimeError(f"not published after {TIMEOUT} s: {approved['status']}")
                time.sleep(0.2)
                approved = moderator.call("GET", f"/api/deposits/{deposit['id']}")
            results["approval_to_published_seconds"] = round(time.monotonic() - mark, 2)
        record_id = approved["record_id"]
        landing_url = f"{site}/records/{record_id}"

        reader = requests.Session()
        with phase("landing"):
            first = timed_gets(reader, [landing_url])
            cached = timed_gets(reader, [landing_url] * args.requests)
            pages = -(-args.files // 100)  # the landing page lists 100 files a page
            rendered = timed_gets(reader, [f"{landing_url}?files_page={1 + k % pages}" for k in range(args.requests)])
        results["landing_first_view_ms"] = round(first[0]["ms"], 1)
        results["landing_cached_ms"] = summary(cached)
        results["landing_rendered_ms"] = summary(rendered)
        results["landing_page_bytes"] = rendered[0]["bytes"]

        with phase("download"):
            zipped = download_all(site, record_id, files)
        read = boto3_read_all(s3)
        zip_mib_s = payload / MiB / zipped["seconds"]
        boto3_mib_s = read["bytes"] / MiB / read["seconds"]
        results["download_all"] = {
            "seconds": round(zipped["seconds"], 2),
            "zip_bytes": zipped["zip_bytes"],
            "file_bytes": payload,
            "mib_s": round(zip_mib_s, 2),
            "ratio_to_boto3": round(zip_mib_s / boto3_mib_s, 3),
        }
        results["boto3_read"] = {**read, "seconds": round(read["seconds"], 2), "mib_s": round(boto3_mib_s, 2)}
        results["web_peak_rss_mib"] = {name: round(s.peak_kib / 1024, 1) for name, s in peaks.items()}
        print_table(results)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2))
    finally:
        if web is not None:
            stop_web(web)
        s3.stop()
        log.close()
        drop_database(database_url)
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()
