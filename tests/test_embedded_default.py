"""The embedded default, as `make run` starts it: SQLite, the file-system broker with a real worker
process, local storage and the local demo DOI provider. A deposit goes from creation to a published
record whose demo DOI the worker marks findable, through the REST API over HTTP."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import wait_for
from tests.factories import complete_metadata

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def embedded(tmp_path):
    port = _free_port()
    site = f"http://127.0.0.1:{port}"
    # Nothing from the test environment: only what the embedded default needs to live in tmp_path.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/root"),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'estran.sqlite3'}",
        "CELERY_BROKER_FOLDER": str(tmp_path / "broker"),
        "LOCAL_STORAGE_ROOT": str(tmp_path / "storage"),
        "SITE_URL": site,
    }
    manage = [sys.executable, "manage.py"]

    def run(*args):
        done = subprocess.run([*manage, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("migrate", "--noinput")
    demo = run("estran_load_demo", "--token")
    depositor_token = re.search(r"API token for depositor \(shown once\): (\S+)", demo).group(1)
    out = run("estran_createuser", "--username", "curator2", "--email", "curator2@example.org", "--token")
    moderator_token = re.search(r"API token \(shown once\): (\S+)", out).group(1)
    run("estran_grant_moderator", "--username", "curator2", "--community", "ocean")

    logs = tmp_path / "logs"
    logs.mkdir()
    # The processes write to their own copies of the descriptors: ours are closed once they started.
    with open(logs / "web.log", "w") as web_log, open(logs / "worker.log", "w") as worker_log:
        procs = [
            subprocess.Popen(
                [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
                cwd=ROOT,
                env=env,
                stdout=web_log,
                stderr=subprocess.STDOUT,
            ),
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool",
                    "solo",
                    "--without-mingle",
                    "--without-gossip",
                    "--without-heartbeat",
                    "-l",
                    "info",
                ],
                cwd=ROOT,
                env=env,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
            ),
        ]
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{site}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                pytest.fail("The embedded default did not start:\n" + (logs / "web.log").read_text()[-2000:])
            time.sleep(0.3)
        yield {"site": site, "depositor": depositor_token, "moderator": moderator_token, "logs": logs}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()


def test_the_embedded_default_publishes_a_deposit_with_a_demo_doi_through_its_own_worker(embedded):
    site = embedded["site"]
    health = requests.get(f"{site}/healthz", timeout=5).json()
    assert health["checks"]["database"]["vendor"] == "sqlite"
    assert health["checks"]["broker"]["transport"] == "filesystem"
    assert health["checks"]["storage"]["backend"] == "local"

    dep = requests.Session()
    dep.headers["Authorization"] = f"Bearer {embedded['depositor']}"
    deposit = dep.post(
        f"{site}/api/deposits", json={"community": "ocean", "metadata": complete_metadata()}, timeout=10
    ).json()
    data = b"station,depth,temperature\nA1,5,13.2\n"
    upload = dep.post(
        f"{site}/api/deposits/{deposit['id']}/uploads", json={"name": "ctd.csv", "size": len(data)}, timeout=10
    ).json()
    put = requests.put(upload["parts"][0]["url"], data=data, timeout=10)
    assert put.status_code == 200
    done = dep.post(
        f"{site}/api/uploads/{upload['id']}/complete",
        json={"parts": [{"part_number": 1, "etag": put.headers["ETag"]}]},
        timeout=10,
    )
    assert done.json()["state"] == "ready"
    submitted = dep.post(f"{site}/api/deposits/{deposit['id']}/actions", json={"action": "submit"}, timeout=10).json()
    assert submitted["doi"].startswith("10.5072/estran.") and submitted["doi_is_demo"] is True

    mod = requests.Session()
    mod.headers["Authorization"] = f"Bearer {embedded['moderator']}"
    for action in ("claim", "approve"):
        answer = mod.post(f"{site}/api/deposits/{deposit['id']}/actions", json={"action": action}, timeout=10)
        assert answer.status_code == 200, answer.text
    record_id = answer.json()["record_id"]

    # The worker, fed by the file-system broker, carries the demo DOI to findable.
    record = wait_for(
        lambda: (
            (r := requests.get(f"{site}/api/records/{record_id}", timeout=5).json())["doi_state"] == "findable" and r
        ),
        timeout=60,
        message="the worker to register the demo DOI",
    )
    assert record["doi"] == submitted["doi"]
    landing = requests.get(f"{site}/doi/{record['doi']}", timeout=5)
    assert landing.url == f"{site}/records/{record_id}"
    assert "not registered (demo)" in landing.text
    assert "repository.pids.sync" in (embedded["logs"] / "worker.log").read_text()
