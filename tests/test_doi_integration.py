"""The DOI lifecycle's faults against PostgreSQL, Redis, real Celery workers and the DataCite test
server: DataCite down during approval, a worker killed in the middle of a registration, two
approvals racing, a sync already running elsewhere; and versions and withdrawal end to end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from core.errors import Conflict
from deposit import services as deposit_services
from deposit.workflow import Action
from repository.models import PersistentIdentifier, Record
from tests.conftest import DATACITE_PASSWORD, DATACITE_PREFIX, DATACITE_USERNAME, require_service, wait_for
from tests.factories import deposit_with_file

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent


def local(doi: str) -> PersistentIdentifier:
    return PersistentIdentifier.objects.get(doi=doi)


def submitted(depositor, communities):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    return deposit_services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)


def approve(deposit, moderator):
    deposit_services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    return deposit_services.deposit_act(deposit=deposit, action=Action.approve, actor=moderator)


def test_datacite_down_during_approval_the_record_is_published_and_the_doi_ends_findable_once(
    celery_worker, datacite, depositor, moderator, communities
):
    deposit = submitted(depositor, communities)
    doi = deposit.pid.doi
    wait_for(lambda: datacite.dois.get(doi) and datacite.dois[doi].state == "draft", message="the reservation")

    datacite.fail_ratio(1.0)  # DataCite is down: every request fails
    deposit = approve(deposit, moderator)
    assert deposit.status == "published" and Record.objects.filter(doi=doi).count() == 1

    wait_for(lambda: local(doi).attempts >= 2, timeout=30, message="failed attempts recorded")
    pid = local(doi)
    assert pid.state == "draft" and pid.sync == "pending" and "500" in pid.last_error
    assert pid.next_attempt_at is not None

    datacite.fail_ratio(0)  # back
    wait_for(lambda: local(doi).state == "findable", timeout=60, message="the DOI findable once DataCite is back")
    pid = local(doi)
    assert pid.sync == "done" and pid.last_error == "" and pid.next_attempt_at is None
    assert list(datacite.dois) == [doi] and datacite.dois[doi].state == "findable"
    assert PersistentIdentifier.objects.count() == Record.objects.count() == 1


# --- A worker killed in the middle of a registration -------------------------------------------


def start_worker(queue: str, datacite_url: str, log_path: Path, **extra_env) -> subprocess.Popen:
    from django.conf import settings

    require_service("Redis", settings.CELERY_BROKER_URL)
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DATACITE_API_URL": datacite_url,
        "DATACITE_USERNAME": DATACITE_USERNAME,
        "DATACITE_PASSWORD": DATACITE_PASSWORD,
        "DATACITE_PREFIX": DATACITE_PREFIX,
        "DOI_RETRY_BASE_SECONDS": "1",
        "DOI_RETRY_MAX_SECONDS": "2",
        **extra_env,
    }
    with open(log_path, "w") as log:  # the worker writes to its own copy of the descriptor
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "threads",
                "--concurrency",
                "2",
                "-Q",
                queue,
                "--without-mingle",
                "--without-gossip",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while "ready." not in log_path.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"The Celery worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    return proc


@pytest.fixture
def own_queue(monkeypatch):
    """This test's tasks go to a queue of its own, which only the workers it starts consume."""
    from repository.tasks import pid_sync_task

    queue = f"estran-doi-kill-{os.getpid()}-{time.monotonic_ns()}"
    monkeypatch.setattr(pid_sync_task, "delay", lambda pid_id: pid_sync_task.apply_async(args=[pid_id], queue=queue))
    return queue


def test_a_worker_killed_in_the_middle_of_a_registration_leaves_one_doi_after_a_redrive(
    own_queue, datacite, depositor, moderator, communities, tmp_path
):
    from repository.services import pids_redrive

    log_path = tmp_path / "first-worker.log"
    worker = start_worker(own_queue, datacite.url, log_path, DATACITE_TIMEOUT="30")
    try:
        deposit = submitted(depositor, communities)
        doi = deposit.pid.doi
        wait_for(lambda: local(doi).state == "draft", message="the reservation")

        datacite.delay(6)  # DataCite is slow: the registration is in flight when the worker dies
        approve(deposit, moderator)
        wait_for(
            lambda: log_path.read_text().count("] received") >= 2,
            timeout=15,
            message="the worker to take the registration",
        )
        time.sleep(1.0)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    pid = local(doi)
    assert pid.state == "draft" and pid.sync == "pending"  # nothing recorded: DataCite's answer was lost
    # DataCite finishes the request the dead worker sent (or not): either way, a re-drive is safe.
    time.sleep(6)
    datacite.delay(0)

    second = start_worker(own_queue, datacite.url, tmp_path / "second-worker.log")
    try:
        # The killed task's row lock died with its connection; the re-drive finds the row.
        assert pids_redrive(now=timezone.now() + timedelta(minutes=5)) == 1
        wait_for(lambda: local(doi).state == "findable", timeout=60, message="the re-driven registration")
    finally:
        second.terminate()
        second.wait(timeout=20)
    assert list(datacite.dois) == [doi] and datacite.dois[doi].state == "findable"
    assert PersistentIdentifier.objects.count() == Record.objects.count() == 1
    publishes = [r for r in datacite.requests if r["doi"] == doi and r["event"] == "publish"]
    # the one the dead worker sent (DataCite did it; the answer was lost) and the re-driven one
    assert len(publishes) == 2 and all(r["status"] == 200 for r in publishes)


# --- Concurrency ---------------------------------------------------------------------------------


def test_two_approvals_racing_make_one_record_and_one_doi(
    celery_worker, datacite, depositor, moderator, admin, communities, monkeypatch
):
    from django.db import connections

    from repository import services as repository_services

    deposit = submitted(depositor, communities)
    deposit = deposit_services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    original = repository_services.record_publish

    def slow_publish(**kwargs):
        time.sleep(0.5)  # the first approval holds the deposit's lock while the second arrives
        return original(**kwargs)

    monkeypatch.setattr(repository_services, "record_publish", slow_publish)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve_as(user):
        try:
            barrier.wait(5)
            deposit_services.deposit_act(deposit=deposit, action=Action.approve, actor=user)
            outcomes.append("published")
        except Conflict as exc:
            outcomes.append(f"refused: {exc.message}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve_as, args=(user,)) for user in (moderator, admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(o.split(":")[0] for o in outcomes) == ["published", "refused"], outcomes
    assert Record.objects.count() == 1 and PersistentIdentifier.objects.count() == 1
    doi = Record.objects.get().doi
    wait_for(lambda: local(doi).state == "findable", message="the DOI findable")
    assert list(datacite.dois) == [doi]


def test_a_sync_already_running_elsewhere_is_left_to_it(datacite, depositor, communities):
    """Two tasks for one DOI (a re-drive and a retry): the second neither waits for the first's call
    to DataCite nor sends anything."""
    from django.db import connections, transaction

    from repository.services import pid_sync

    pid = submitted(depositor, communities).pid
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                PersistentIdentifier.objects.select_for_update().get(pk=pid.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    assert locked.wait(5)
    # A session worker may also hold a task for this DOI (enqueued at submission): it is locked out
    # too, so nothing reaches DataCite while the row is held.
    sent_before = len(datacite.requests)
    started = time.monotonic()
    assert pid_sync(pid_id=pid.pk) is None
    assert time.monotonic() - started < 2
    assert len(datacite.requests) == sent_before
    release.set()
    thread.join()
    # Released: synced by this call, or by a session worker that took the row first (None meanwhile).
    synced = wait_for(lambda: pid_sync(pid_id=pid.pk), timeout=20, message="the DOI's row to be free")
    assert synced.state == "draft"


# --- Versions and withdrawal, end to end ---------------------------------------------------------


def test_versions_and_a_withdrawal_reach_datacite_through_the_worker(
    celery_worker, datacite, depositor, moderator, communities, live_server, settings
):
    import requests

    from repository.services import record_withdraw

    settings.SITE_URL = live_server.url
    v1 = approve(submitted(depositor, communities), moderator).record
    new = deposit_services.deposit_new_version(record=v1, actor=depositor)
    deposit_services.file_add_bytes(deposit=new, actor=depositor, name="ctd.csv", chunks=[b"v2\n"], size=3)
    new = deposit_services.deposit_act(deposit=new, action=Action.submit, actor=depositor)
    v2 = approve(new, moderator).record
    concept_doi = Record.objects.get(pk=v2.pk).concept.pid.doi
    wait_for(
        lambda: all(local(d).state == "findable" and local(d).sync == "done" for d in (v1.doi, v2.doi, concept_doi)),
        timeout=60,
        message="three findable DOIs",
    )
    assert b"IsPreviousVersionOf" in datacite.dois[v1.doi].xml and b"IsNewVersionOf" in datacite.dois[v2.doi].xml

    record_withdraw(record=v2, actor=moderator, reason="data_error", note="Calibration error.")
    wait_for(lambda: datacite.dois[v2.doi].state == "registered", message="v2 hidden")
    resolved = requests.get(f"{live_server.url}/doi/{v2.doi}", timeout=10)
    assert resolved.status_code == 410 and "Calibration error." in resolved.text
    latest = requests.get(f"{live_server.url}/doi/{concept_doi}", timeout=10)
    assert latest.status_code == 200 and latest.url == f"{live_server.url}/records/{v1.pk}"
    assert sorted(datacite.dois) == sorted([v1.doi, v2.doi, concept_doi])
