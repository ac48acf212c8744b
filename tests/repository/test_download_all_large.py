"""Download all of a file over 4 GiB, through a real web server process (gunicorn, as docker runs
it): the ZIP (ZIP64) opens with Python's zipfile and each member's SHA-256 is the stored one, and the
server's memory stays flat while it reads and sends the 4 GiB. The file is sparse (a hole between a
few bytes at each end): it takes no disk, yet is read as 4 GiB of bytes.

The stored file and the downloaded ZIP lie in a tmpfs (/dev/shm) when there is one: a hole there
reads as the kernel's shared zero page (25 GB/s here), where ext4 zero-fills a page cache page for
each 4 KiB of it (380 MB/s: 11 s of system time for each read of the 4 GiB, the web process's and
the read-back's). The web process still reads and sends every byte, and every byte received is
hashed."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import pytest
import requests
from django.urls import reverse

from tests.fakes import celery_worker
from tests.fakes.s3_server import free_port
from tests.repository.landing_support import record_create

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
GiB, MiB = 1024**3, 1024**2
SIZE = 4 * GiB + 3 * MiB + 5  # over ZIP's 4 GiB (0xFFFFFFFF): ZIP64 sizes, and a ZIP64 offset after it
HEAD, TAIL = b"Estran: over 4 GiB, mostly a hole\n", b"\nthe last bytes\n"
# The SHA-256 of HEAD, SIZE - len(HEAD) - len(TAIL) zero bytes and TAIL (hashing them takes 2.6 s):
# computed once and written down; the test hashes the bytes the ZIP gives back against it.
SPARSE_SHA256 = "decda9d4a37ca5f07173d0bfc75c9a60d5c7a2d20a110b3a22ac7b2c08b49129"
SMALL = b"t,s\n12.5,35.1\n"
# The web process may grow by this much while sending the ZIP (it reads 4 MiB at a time; the
# interpreter and the kernel's socket buffers account for the rest), never by the file's size.
FLAT = 48 * MiB
# docker's worker class (docker/Dockerfile), one worker (one process to watch) and a timeout much
# shorter than the download: gunicorn's default sync worker is killed by its arbiter when a response
# takes longer than the timeout (docker's 120 s: a few GB), a gthread worker is not.
GUNICORN = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "1"]
GUNICORN += ["--worker-class", "gthread", "--threads", "4", "--timeout", "5"]


def rss(pid: int) -> int:
    """The process's resident memory, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def worker_of(master: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise AssertionError("gunicorn started no worker")


@pytest.fixture
def fast_disk(tmp_path):
    """A folder in a tmpfs when there is one (see the module's docstring), else the test's own."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="estran-zip64-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def big_record(depositor, communities, settings, fast_disk):
    settings.LOCAL_STORAGE_ROOT = fast_disk / "storage"
    record = record_create(
        owner=depositor, community=communities["ocean"], files=[("runs/2024/big.bin", SIZE), ("tables/small.csv", 14)]
    )
    root = Path(settings.LOCAL_STORAGE_ROOT)
    big, small = record.files.get(name="runs/2024/big.bin"), record.files.get(name="tables/small.csv")
    (root / big.storage_key).parent.mkdir(parents=True, exist_ok=True)
    with open(root / big.storage_key, "wb") as fh:
        fh.write(HEAD)
        fh.seek(SIZE - len(TAIL))
        fh.write(TAIL)
    assert os.stat(root / big.storage_key).st_blocks * 512 < MiB  # a hole, not 4 GiB of disk
    (root / small.storage_key).parent.mkdir(parents=True, exist_ok=True)
    (root / small.storage_key).write_bytes(SMALL)
    big.sha256 = SPARSE_SHA256
    small.sha256 = hashlib.sha256(SMALL).hexdigest()
    big.save(update_fields=["sha256"])
    small.save(update_fields=["sha256"])
    return record


@pytest.fixture
def gunicorn(settings, tmp_path, big_record):
    """gunicorn on loopback (`GUNICORN`), on this test's database and store."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": celery_worker.test_database_url(),
        "LOCAL_STORAGE_ROOT": str(settings.LOCAL_STORAGE_ROOT),
        "STORAGE_BACKEND": "local",
    }
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [*GUNICORN, "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(base + "/healthz", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
        proc.base_url, proc.log_path = base, log
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def download_sparse(url: str, path: Path, on_chunk) -> tuple[int, int]:
    """GET `url` into `path`, leaving holes where the body is zeros; (Content-Length, bytes)."""
    received = 0
    zeros = bytes(4 * MiB)
    with requests.get(url, stream=True, timeout=120) as response, open(path, "wb") as out:
        assert response.status_code == 200, response.text[:500]
        length = int(response.headers["Content-Length"])
        for chunk in response.iter_content(chunk_size=4 * MiB):
            if chunk == zeros[: len(chunk)]:
                out.seek(len(chunk), os.SEEK_CUR)
            else:
                out.write(chunk)
            received += len(chunk)
            on_chunk(received)
        out.truncate()
    return length, received


def test_download_all_over_4_gib_is_a_zip64_read_back_whole_with_flat_memory(big_record, gunicorn, fast_disk):
    worker = worker_of(gunicorn.pid)
    base = gunicorn.base_url
    # Warm up: Django loaded, the views imported, a first (small) ZIP sent.
    url = base + reverse("repository:files-zip", kwargs={"pk": big_record.pk})
    small = requests.get(url + "?folder=tables", timeout=30)
    assert small.status_code == 200 and len(small.content) == int(small.headers["Content-Length"])
    before = rss(worker)

    peak = [before]
    done = threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], rss(worker))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    path = fast_disk / "all.zip"
    try:
        length, received = download_sparse(url, path, on_chunk=lambda _n: None)
    finally:
        done.set()
        watcher.join()
    assert received == length > SIZE
    assert peak[0] - before < FLAT, f"the web process grew by {(peak[0] - before) / MiB:.0f} MiB"

    stored = dict(big_record.files.values_list("name", "sha256"))
    with zipfile.ZipFile(path) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        assert set(infos) == set(stored)
        assert infos["runs/2024/big.bin"].file_size == SIZE
        assert infos["tables/small.csv"].header_offset > 4 * GiB  # found through the ZIP64 extra field
        for name, info in infos.items():
            digest = hashlib.sha256()
            with archive.open(info) as member:  # zipfile checks the CRC-32 at the end
                while chunk := member.read(8 * MiB):
                    digest.update(chunk)
            assert digest.hexdigest() == stored[name], name
