"""Upload benchmark (issue 4): Estran's upload-session protocol against boto3's `upload_file`.

Starts moto's S3 server (a process of its own) and the Estran web process under gunicorn, on
loopback, with a throw-away SQLite database; then, for each size, uploads a file of random bytes

1. through Estran's protocol with `bench/upload/client.py` (what the browser does: open a session,
   hash each part and have its URL signed for that SHA-256, PUT the parts straight to S3, 4 at a
   time, with retries, then complete), and
2. with boto3's `upload_file` (TransferConfig: the same part size, max_concurrency=4) to the same
   S3 endpoint,

and reports both throughputs, their ratio (goal: Estran / boto3 >= 0.9) and the web process's
peak resident memory during the Estran upload (goal: the same at every size: the bytes never pass
through it).

    .venv/bin/python bench/upload/run.py                       # 256 MiB and 1 GiB
    .venv/bin/python bench/upload/run.py --sizes 32MiB --json out.json

Run by hand; tests/deposit/test_uploads_s3.py runs it once with 9 MiB so that it cannot rot (`make
bench-check`: 32 MiB).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.support import children_of as _children, machine, production_env, rss_kib as _rss_kib, wait_for_web  # noqa: E402
from bench.upload.client import EstranUploader  # noqa: E402
from tests.fakes.s3_server import S3Server, free_port  # noqa: E402

MiB = 1024 * 1024
BUCKET = "estran-bench"


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+)\s*(B|KiB|MiB|GiB)?", text.strip(), re.IGNORECASE)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text}")
    unit = {"b": 1, "kib": 1024, "mib": MiB, "gib": 1024 * MiB}[(match.group(2) or "B").lower()]
    return int(match.group(1)) * unit


def human(n: int) -> str:
    return f"{n / (1024 * MiB):g} GiB" if n >= 1024 * MiB else f"{n / MiB:g} MiB"


def make_file(path: Path, size: int) -> str:
    """Random bytes, written in 8 MiB chunks (never the whole file in memory); returns the SHA-256."""
    digest = hashlib.sha256()
    with open(path, "wb") as fh:
        left = size
        while left:
            chunk = os.urandom(min(8 * MiB, left))
            digest.update(chunk)
            fh.write(chunk)
            left -= len(chunk)
    return digest.hexdigest()


def part_size_for(size: int, minimum: int = 8 * MiB) -> int:
    return max(minimum, -(-size // 10_000))  # the rule of deposit.services.part_size_for


# --- resident memory of the web process ----------------------------------------------------------


class RssSampler:
    """Peak RSS of gunicorn's workers (the processes that serve requests), sampled every 20 ms."""

    def __init__(self, master_pid: int):
        self.master_pid = master_pid
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in _children(self.master_pid):
                self.peak_kib = max(self.peak_kib, _rss_kib(pid))
            self._stop.wait(0.02)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def now_kib(self) -> int:
        return max((_rss_kib(pid) for pid in _children(self.master_pid)), default=0)


# --- the web process -----------------------------------------------------------------------------


def start_web(env: dict, workdir: Path, port: int, log) -> subprocess.Popen:
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    web = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "8",
            "--worker-class",
            "gthread",
            "--timeout",
            "300",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return wait_for_web(web, port, log_hint=str(workdir / "web.log"))


def create_token(env: dict) -> str:
    out = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "estran_createuser",
            "--username",
            "bench",
            "--email",
            "bench@example.org",
            f"--password={secrets.token_urlsafe(16)}",
            "--token",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"estran_\S+", out)
    if not match:
        raise RuntimeError(f"no token in: {out}")
    return match.group(0)


# --- one round -----------------------------------------------------------------------------------


def estran_upload(site: str, token: str, deposit_id: int, path: Path, sha256: str, concurrency: int) -> dict:
    client = EstranUploader(site, token, concurrency=concurrency)
    result = client.upload(deposit_id, str(path), sha256=sha256)
    result.phases.update({f"threads_{k}": v for k, v in client.busy.items()})
    return {
        "seconds": result.seconds,
        "status": result.status,
        "state": result.file["state"],
        "parts": result.parts_sent,
        "retries": result.retries,
        "upload_id": result.upload_id,
        "file_id": result.file["id"],
        "phases": {k: round(v, 2) for k, v in result.phases.items()},
    }


def boto3_client(s3: S3Server, concurrency: int, checksums: str):
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=s3.url,
        region_name=s3.region,
        aws_access_key_id=s3.access_key,
        aws_secret_access_key=s3.secret_key,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            max_pool_connections=concurrency * 2,
            request_checksum_calculation=checksums,
        ),
    )


def boto3_upload(client, path: Path, key: str, part_size: int, concurrency: int) -> tuple[float, float]:
    """(seconds in all, seconds until CompleteMultipartUpload is sent: the transfer)."""
    from boto3.s3.transfer import TransferConfig

    config = TransferConfig(
        multipart_threshold=part_size, multipart_chunksize=part_size, max_concurrency=concurrency, use_threads=True
    )
    marks = []
    handler = lambda **kwargs: marks.append(time.monotonic())  # noqa: E731
    client.meta.events.register("before-call.s3.CompleteMultipartUpload", handler)
    started = time.monotonic()
    try:
        client.upload_file(str(path), BUCKET, key, Config=config)
    finally:
        client.meta.events.unregister("before-call.s3.CompleteMultipartUpload", handler)
    seconds = time.monotonic() - started
    client.delete_object(Bucket=BUCKET, Key=key)
    return seconds, (marks[0] - started) if marks else seconds


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="256MiB,1GiB", help="comma-separated sizes (default 256MiB,1GiB)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="uploads per size and method; the median counts")
    parser.add_argument("--json", help="write the results to this file as well")
    parser.add_argument("--workdir", help="keep the database, logs and files here (default: a temporary folder)")
    args = parser.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",")]

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="estran-bench-upload-"))
    workdir.mkdir(parents=True, exist_ok=True)
    log = open(workdir / "web.log", "w")  # noqa: SIM115 - the web server's output; closed in the `finally` below
    s3 = S3Server(mode="process", faults=False).start()
    s3.create_bucket(BUCKET)
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    # No worker: the verification tasks of large files wait in the broker's folder, unconsumed.
    env = production_env(
        site=site,
        database_url=f"sqlite:///{workdir / 'estran.sqlite3'}",
        workdir=workdir,
        storage={**s3.env(bucket=BUCKET), "LOCAL_STORAGE_ROOT": str(workdir / "storage")},
    )
    web = None
    results = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "concurrency": args.concurrency,
        "rounds": [],
    }
    try:
        web = start_web(env, workdir, port, log)
        token = create_token(env)
        import requests

        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {token}"
        deposit = api.post(f"{site}/api/deposits", json={"community": "ocean"}, timeout=30)
        deposit.raise_for_status()
        deposit_id = deposit.json()["id"]
        sampler_idle = RssSampler(web.pid)
        results["web_rss_idle_mib"] = round(sampler_idle.now_kib() / 1024, 1)

        # boto3 as it comes ("when_supported": CRC32 on every part, and on the upload, which
        # makes moto's completion cheaper) and with no checksum on the upload, as Estran creates it.
        boto_default = boto3_client(s3, args.concurrency, "when_supported")
        boto_plain = boto3_client(s3, args.concurrency, "when_required")

        # Warm-up, not measured: the web worker's first S3 client, connection pools, imports.
        warm = workdir / "warm-up.bin"
        make_file(warm, 8 * MiB)
        first = estran_upload(site, token, deposit_id, warm, "", args.concurrency)
        api.delete(f"{site}/api/deposits/{deposit_id}/files/{first['file_id']}", timeout=60).raise_for_status()
        boto3_upload(boto_default, warm, "bench/warm-up", 8 * MiB, args.concurrency)
        warm.unlink()
        results["web_rss_warm_mib"] = round(sampler_idle.now_kib() / 1024, 1)

        for index, size in enumerate(sizes):
            path = workdir / f"data-{index}.bin"
            sha256 = make_file(path, size)  # hashed before the clock starts, as a pipeline's manifest
            part_size = part_size_for(size)
            runs = {"estran": [], "boto3": [], "boto3_no_checksum": []}
            transfer = {"estran": [], "boto3": [], "boto3_no_checksum": []}
            peak_kib, last = 0, None
            for repeat in range(args.repeat):
                with RssSampler(web.pid) as sampler:
                    last = estran_upload(site, token, deposit_id, path, sha256, args.concurrency)
                peak_kib = max(peak_kib, sampler.peak_kib)
                runs["estran"].append(last["seconds"])
                transfer["estran"].append(last["phases"]["open"] + last["phases"]["parts"])
                # free moto's memory for the next upload (and check that deleting a draft file works)
                api.delete(f"{site}/api/deposits/{deposit_id}/files/{last['file_id']}", timeout=60).raise_for_status()
                key = f"bench/{index}-{repeat}"
                for name, client in (("boto3", boto_default), ("boto3_no_checksum", boto_plain)):
                    total, moved = boto3_upload(client, path, key, part_size, args.concurrency)
                    runs[name].append(total)
                    transfer[name].append(moved)
            path.unlink()
            med = {k: statistics.median(v) for k, v in runs.items()}
            med_transfer = {k: statistics.median(v) for k, v in transfer.items()}
            round_ = {
                "size": size,
                "size_human": human(size),
                "part_size_mib": part_size / MiB,
                "repeat": args.repeat,
                "seconds": {k: [round(x, 2) for x in v] for k, v in runs.items()},
                "transfer_seconds": {k: [round(x, 2) for x in v] for k, v in transfer.items()},
                "estran_mib_s": round(size / MiB / med["estran"], 1),
                "boto3_mib_s": round(size / MiB / med["boto3"], 1),
                "boto3_no_checksum_mib_s": round(size / MiB / med["boto3_no_checksum"], 1),
                "estran_transfer_mib_s": round(size / MiB / med_transfer["estran"], 1),
                "boto3_transfer_mib_s": round(size / MiB / med_transfer["boto3"], 1),
                "ratio": round(med["boto3"] / med["estran"], 3),
                "ratio_same_checksums": round(med["boto3_no_checksum"] / med["estran"], 3),
                "transfer_ratio": round(med_transfer["boto3"] / med_transfer["estran"], 3),
                "estran_last_phases_seconds": last["phases"],
                "estran_completion": f"{last['status']} {last['state']}",
                "estran_retries": last["retries"],
                "web_peak_rss_mib": round(peak_kib / 1024, 1),
            }
            results["rounds"].append(round_)
            print(
                f"{round_['size_human']:>8} (medians of {args.repeat}): "
                f"transfer Estran {round_['estran_transfer_mib_s']} MiB/s, "
                f"boto3 {round_['boto3_transfer_mib_s']} MiB/s, "
                f"ratio {round_['transfer_ratio']}; "
                f"end to end Estran {round_['estran_mib_s']} MiB/s, boto3 {round_['boto3_mib_s']} MiB/s "
                f"(ratio {round_['ratio']}), boto3 without checksums {round_['boto3_no_checksum_mib_s']} MiB/s "
                f"(ratio {round_['ratio_same_checksums']}); web process peak RSS {round_['web_peak_rss_mib']} MiB; "
                f"seconds {round_['seconds']}, transfer {round_['transfer_seconds']}; "
                f"last Estran upload {last['phases']}, completion {round_['estran_completion']}",
                flush=True,
            )
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2))
    finally:
        if web is not None:
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(timeout=30)
        s3.stop()
        log.close()
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()
