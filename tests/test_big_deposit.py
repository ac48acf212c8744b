"""A big deposit from end to end (issue 17): files in nested folders deposited through the bulk API
(opened and completed 500 at a time, each part PUT to its URL), against PostgreSQL and the local
store; submitted, read on the review page, approved and published; the review page, the approval
(publication included) and the landing page take the same number of queries as for a deposit of 10
files; "Download all" gives a ZIP whose every member, under its folders, has the bytes deposited.

300 files in `make test`; `ESTRAN_BIG_DEPOSIT_FILES=10000` runs the count of the issue (bench/bigdeposit
measures it on S3). And the benchmark itself, on 20 files in 2 folders so that it cannot rot (100
in 5 under `make bench-check`)."""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from deposit.models import DepositFile
from repository.services import PUBLISH_FILES_BATCH
from tests.conftest import BENCH_FULL
from tests.factories import complete_metadata

ROOT = Path(__file__).resolve().parents[1]
FILES = int(os.environ.get("ESTRAN_BIG_DEPOSIT_FILES", "300"))
BATCH = 500
# The benchmark's run: files, folders, requests per page measured.
BENCH_FILES, BENCH_FOLDERS, BENCH_REQUESTS = (100, 5, 3) if BENCH_FULL else (20, 2, 2)


def post(client, path, payload):
    return client.post(path, data=json.dumps(payload), content_type="application/json")


def files_in_folders(count: int) -> dict[str, bytes]:
    """`count` small files, two folders deep (`run-1/station-07/cast-00042.csv`) and one at the top."""
    files = {
        f"run-{i % 2}/station-{i % 10:02d}/cast-{i:05d}.csv": f"cast,{i}\ndepth,temp\n{i % 90},12.{i}\n".encode()
        for i in range(count - 1)
    }
    return {**files, "README.txt": f"{count} casts.\n".encode()}


def deposit_in_bulk(client, files: dict[str, bytes]) -> int:
    """A deposit of `files` through the bulk API, as a depositor's script sends it, submitted."""
    created = post(client, "/api/deposits", {"community": "ocean", "metadata": complete_metadata()})
    assert created.status_code == 201, created.content
    deposit_id = created.json()["id"]
    names = list(files)
    for first in range(0, len(names), BATCH):
        batch = [
            {"name": n, "size": len(files[n]), "sha256": hashlib.sha256(files[n]).hexdigest()}
            for n in names[first : first + BATCH]
        ]
        opened = post(client, f"/api/deposits/{deposit_id}/uploads/batch", {"files": batch}).json()
        assert (opened["opened"], opened["refused"]) == (len(batch), 0)
        uploads = []
        for result in opened["results"]:
            upload = result["upload"]
            [part] = upload["parts"]
            url = part["url"].removeprefix(django_settings.SITE_URL)
            sent = client.put(url, data=files[upload["name"]], content_type="application/octet-stream")
            assert sent.status_code == 200, sent.content
            uploads.append({"upload_id": upload["id"], "parts": [{"part_number": 1, "etag": sent["ETag"]}]})
        done = post(client, "/api/uploads/complete", {"uploads": uploads}).json()["results"]
        assert {(r["status"], r["file"]["state"]) for r in done} == {(200, "ready")}
    submitted = post(client, f"/api/deposits/{deposit_id}/actions", {"action": "submit"})
    assert submitted.status_code == 200, submitted.content
    return deposit_id


def queries(client, method: str, path: str, payload=None) -> tuple[int, object]:
    """The queries of one request (the response read whole), the page cache emptied first. A GET is
    sent once before, unmeasured: the process's first look at a page fills caches of its own (content
    types), which would count against whichever deposit came first."""
    if method == "GET":
        client.get(path)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = post(client, path, payload) if method == "POST" else client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured.captured_queries), response


def reviewed_and_published(depositor_api, moderator_api, reviewer, count: int) -> tuple[dict[str, int], int, dict]:
    """A deposit of `count` files taken from upload to publication: the queries of its review page,
    its approval and its landing page; its record's id; its files."""
    files = files_in_folders(count)
    deposit_id = deposit_in_bulk(depositor_api, files)
    assert post(moderator_api, f"/api/deposits/{deposit_id}/actions", {"action": "claim"}).status_code == 200
    counts = {}
    counts["review page"], review = queries(reviewer, "GET", f"/moderation/deposits/{deposit_id}/")
    assert "CTD casts of the PELGAS 2024 cruise" in review.content.decode()
    counts["approval"], approved = queries(
        moderator_api, "POST", f"/api/deposits/{deposit_id}/actions", {"action": "approve"}
    )
    assert approved.json()["status"] == "published"
    record_id = approved.json()["record_id"]
    counts["landing page"], _landing = queries(Client(), "GET", f"/records/{record_id}")
    return counts, record_id, files


def test_a_big_deposit_goes_from_the_bulk_api_to_download_all_in_the_queries_of_a_small_one(
    api_client, depositor, moderator
):
    depositor_api, moderator_api = api_client(depositor), api_client(moderator)
    reviewer = Client()
    reviewer.force_login(moderator)
    small, _record, _files = reviewed_and_published(depositor_api, moderator_api, reviewer, 10)
    big, record_id, files = reviewed_and_published(depositor_api, moderator_api, reviewer, FILES)
    # The same queries for 10 files as for the many, but for two kinds of paging: the landing page of
    # a record with more than a page of files (100) reads that page in a query of its own, and the
    # publication inserts the files a thousand to a statement.
    assert big["review page"] == small["review page"]
    assert big["landing page"] <= small["landing page"] + 1
    assert big["approval"] == small["approval"] + math.ceil(FILES / PUBLISH_FILES_BATCH) - 1
    assert DepositFile.objects.filter(deposit__record_id=record_id).count() == FILES

    response = Client().get(f"/records/{record_id}/files.zip")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert len(body) == int(response["Content-Length"])
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        members = archive.namelist()
        assert sorted(members) == sorted(files)  # every file under its path: the folders kept
        for name in members:
            assert hashlib.sha256(archive.read(name)).digest() == hashlib.sha256(files[name]).digest(), name
    assert len({name.rpartition("/")[0] for name in members if "/" in name}) == 10  # two deep


def test_the_big_deposit_benchmark_runs_end_to_end_on_a_few_files(tmp_path):
    out = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "S3_"))}
    finished = subprocess.run(
        [
            sys.executable,
            "bench/bigdeposit/run.py",
            "--files",
            str(BENCH_FILES),
            "--folders",
            str(BENCH_FOLDERS),
            "--requests",
            str(BENCH_REQUESTS),
            "--database",
            f"estran_bench_big_test_{os.getpid()}",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    results = json.loads(out.read_text())
    # One call opens the files (up to 500), one completes them.
    assert results["files"] == BENCH_FILES
    assert results["upload"]["api_requests_per_100_files"] == round(2 / BENCH_FILES * 100, 2)
    assert results["download_all"]["file_bytes"] == BENCH_FILES * 4096 and results["download_all"]["ratio_to_boto3"] > 0
    assert results["boto3_read"]["objects"] == BENCH_FILES
    assert results["approval_to_published_seconds"] > 0
    assert results["review_ms"]["samples"] == results["landing_rendered_ms"]["samples"] == BENCH_REQUESTS
    assert set(results["web_peak_rss_mib"]) == {"idle", "upload", "review", "approval", "landing", "download"}
    assert "approval to published" in finished.stdout
