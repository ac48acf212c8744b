"""Completing an upload in every failure order (issue 13), on the local store: the database refusing
the commit after the store assembled the parts, an answer the client never got, two completions
racing, and the worker killed while it verifies. Each ends with one file `ready`, its bytes
assembled once, and never `upload_gone` while the bytes are all there.

The database fails for real (a PostgreSQL trigger refusing the commit, tests/fakes/db_faults.py);
the worker is a real process of the embedded default, killed with SIGKILL (bench/soak/stack.py)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import time
from datetime import timedelta

import pytest
import requests
from django.conf import settings as django_settings
from django.test import Client

from bench.support import children_of
from deposit.models import DepositFile, UploadSession
from tests.factories import complete_metadata
from tests.fakes.db_faults import refused_writes
from tests.races import run_at_once

MiB = 1024 * 1024
DATA = b"station,depth,temperature\n" + b"A1,5,13.2\n" * 50_000  # 500 kB: one part, verified at once


def post(client, path, payload=None):
    return client.post(path, data=json.dumps(payload or {}), content_type="application/json")


@pytest.fixture
def token(depositor, communities):
    from accounts.services import api_token_create

    return api_token_create(user=depositor, name="test")[1]


def client_of(token: str) -> Client:
    """An API client that receives a 500 as a response (the server's error is the test's subject)."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", raise_request_exception=False)


def opened(client, data: bytes, name: str = "ctd.csv") -> dict:
    deposit = post(client, "/api/deposits", {"community": "ocean", "metadata": complete_metadata()}).json()
    answer = post(client, f"/api/deposits/{deposit['id']}/uploads", {"name": name, "size": len(data)})
    assert answer.status_code == 201, answer.content
    upload = answer.json()
    size = upload["part_size"]
    upload["etags"] = {}
    for part in upload["parts"]:
        n = part["part_number"]
        put = client.put(
            part["url"].removeprefix(django_settings.SITE_URL),
            data=data[(n - 1) * size : n * size],
            content_type="application/octet-stream",
        )
        assert put.status_code == 200, put.content
        upload["etags"][n] = put["ETag"]
    return upload


def complete(client, upload: dict):
    parts = [{"part_number": n, "etag": e} for n, e in sorted(upload["etags"].items())]
    return post(client, f"/api/uploads/{upload['id']}/complete", {"parts": parts})


def objects_stored() -> list[str]:
    root = django_settings.LOCAL_STORAGE_ROOT / "files"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


@pytest.mark.django_db(transaction=True)
def test_a_completion_whose_commit_fails_after_assembly_completes_when_sent_again(token):
    """The store assembled the parts, then the database refused the commit: the client hears a 500,
    the upload is still open (nothing recorded), and the completion sent again finds the store's
    work done and records it: the file is ready once, never `upload_gone`."""
    client = client_of(token)
    upload = opened(client, DATA)
    with refused_writes("deposit_uploadsession", when="NEW.state = 'completed'", at_commit=True, events="UPDATE"):
        failed = complete(client, upload)
    assert failed.status_code == 500
    session = UploadSession.objects.select_related("file").get(pk=upload["id"])
    assert (session.state, session.file.state) == ("open", "uploading")
    assert objects_stored() == [session.file.storage_key.removeprefix("files/")]  # assembled, not recorded

    again = complete(client, upload)
    assert again.status_code == 200, again.content
    assert again.json()["state"] == "ready"
    assert again.json()["sha256"] == hashlib.sha256(DATA).hexdigest()
    assert DepositFile.objects.get(pk=upload["file_id"]).state == "ready"
    assert objects_stored() == [session.file.storage_key.removeprefix("files/")]


@pytest.mark.django_db(transaction=True)
def test_a_client_that_lost_the_answer_completes_again_and_gets_the_same_file(token):
    client = client_of(token)
    upload = opened(client, DATA)
    first = complete(client, upload)
    assert first.status_code == 200
    second = complete(client, upload)  # the first answer never reached the client
    assert second.status_code == 200
    assert second.json() == first.json()
    assert client.get(f"/api/uploads/{upload['id']}").json()["state"] == "completed"
    assert list(DepositFile.objects.values_list("state", flat=True)) == ["ready"]
    assert len(objects_stored()) == 1


@pytest.mark.django_db(transaction=True)
def test_a_lost_answer_while_the_worker_verifies_answers_the_file_verifying_again(token, settings):
    """A file the worker verifies: the completion sent again answers 202 with the same file, and
    the file is recorded once."""
    settings.UPLOAD_VERIFY_INLINE_MAX_SIZE = 10
    client = client_of(token)
    upload = opened(client, DATA)
    first, second = complete(client, upload), complete(client, upload)
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["id"] == second.json()["id"] and second.json()["state"] == "verifying"
    assert DepositFile.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_completions_racing_end_in_one_ready_file(token):
    upload = opened(client_of(token), DATA)
    answers = run_at_once(lambda: complete(client_of(token), upload), times=3, timeout=60)
    assert sorted(a.status_code for a in answers) in ([200, 200, 200], [200, 200, 202], [200, 202, 202])
    assert {a.json()["id"] for a in answers} == {upload["file_id"]}
    file = DepositFile.objects.get(pk=upload["file_id"])
    assert (file.state, file.sha256) == ("ready", hashlib.sha256(DATA).hexdigest())
    assert UploadSession.objects.get(pk=upload["id"]).state == "completed"
    assert len(objects_stored()) == 1


def test_choosing_the_same_file_again_resumes_an_upload_whose_record_was_lost(token, communities):
    """The store completed the upload and the record of it was lost: opening the same file again
    records the completion (the worker verifies it) instead of answering "already has a file"."""
    from deposit.services import upload_open
    from repository.storage import get_store

    client = client_of(token)
    upload = opened(client, DATA)
    session = UploadSession.objects.select_related("file__deposit", "created_by").get(pk=upload["id"])
    parts = sorted(upload["etags"].items())
    get_store().complete_multipart_upload(key=session.file.storage_key, upload_id=session.upload_id, parts=parts)
    again = upload_open(deposit=session.file.deposit, actor=session.created_by, name="ctd.csv", size=len(DATA))
    assert again.pk == session.pk and again.state == "completed"
    assert DepositFile.objects.get(pk=upload["file_id"]).state == "verifying"  # the worker's, once committed


def test_a_verification_is_handed_over_again_only_once_it_has_stalled(
    token, settings, eager_celery, django_capture_on_commit_callbacks
):
    """Thirty minutes after it was handed over, plus the time to read the file at 10 MiB/s; once,
    however many sweeps run. (The completion's own task waits for a commit that this test's
    transaction never makes: it is the one lost.)"""
    from deposit.services import files_verify_stalled

    settings.UPLOAD_VERIFY_INLINE_MAX_SIZE = 10
    upload = opened(client_of(token), DATA)
    assert complete(client_of(token), upload).status_code == 202
    queued = DepositFile.objects.get(pk=upload["file_id"]).verify_queued_at
    assert files_verify_stalled(now=queued + timedelta(minutes=29)) == 0
    assert DepositFile.objects.get(pk=upload["file_id"]).state == "verifying"
    with django_capture_on_commit_callbacks(execute=True):
        assert files_verify_stalled(now=queued + timedelta(minutes=31)) == 1  # eager: verified at once
    file = DepositFile.objects.get(pk=upload["file_id"])
    assert (file.state, file.sha256) == ("ready", hashlib.sha256(DATA).hexdigest())
    assert files_verify_stalled(now=queued + timedelta(hours=5)) == 0


# --- the worker killed while it verifies, on the embedded default ---------------------------------


@pytest.mark.serial
def test_a_verification_lost_with_its_killed_worker_is_handed_over_again_and_ends_ready(tmp_path):
    """The file-system broker deletes a message when the worker takes it: a worker killed while it
    verifies leaves the file `verifying` with no task anywhere. The sweep (beat, every ten minutes)
    hands a stalled verification over again, and the file ends ready, once."""
    from bench.soak.stack import running_stack

    data = os.urandom(160 * MiB)  # long enough to read that the kill lands during the verification
    with running_stack(
        tmp_path / "stack", email_url="consolemail://", depositors=1, extra_env={"UPLOAD_VERIFY_INLINE_MAX_SIZE": "0"}
    ) as stack:
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {stack.tokens['soak-dep-01']}"
        deposit = api.post(
            f"{stack.site}/api/deposits", json={"community": "ocean", "metadata": complete_metadata()}, timeout=30
        ).json()
        upload = api.post(
            f"{stack.site}/api/deposits/{deposit['id']}/uploads",
            json={"name": "glider.nc", "size": len(data)},
            timeout=30,
        ).json()
        size, etags = upload["part_size"], []
        for part in upload["parts"]:
            n = part["part_number"]
            put = requests.put(part["url"], data=data[(n - 1) * size : n * size], timeout=60)
            assert put.status_code == 200
            etags.append({"part_number": n, "etag": put.headers["ETag"]})
        done = api.post(f"{stack.site}/api/uploads/{upload['id']}/complete", json={"parts": etags}, timeout=60)
        assert done.status_code == 202

        worker = stack.processes["worker"]
        deadline = time.monotonic() + 30
        while not re.search(r"deposit\.files\.verify\[[^]]+\] received", stack.log("worker")):
            assert time.monotonic() < deadline, stack.log("worker")[-2000:]
            time.sleep(0.005)
        # Its embedded beat is a process of its own: killed with it, or it would outlive the test.
        for pid in [worker.pid, *children_of(worker.pid)]:
            os.kill(pid, signal.SIGKILL)
        worker.wait(timeout=10)

        def state():
            files = api.get(f"{stack.site}/api/deposits/{deposit['id']}/files", timeout=30).json()
            return files[0]["state"], files[0]["sha256"]

        assert state()[0] == "verifying"
        stack.start("worker")
        time.sleep(5)
        assert state()[0] == "verifying"  # the message went with the worker

        later = (
            "from datetime import timedelta; from django.utils import timezone; import django; django.setup(); "
            "from deposit.services import files_verify_stalled; "
            "print(files_verify_stalled(now=timezone.now() + timedelta(hours=2)))"
        )
        assert stack.run("-c", later).strip().splitlines()[-1] == "1"
        deadline = time.monotonic() + 60
        while state()[0] == "verifying":
            assert time.monotonic() < deadline, stack.log("worker")[-2000:]
            time.sleep(0.5)
        assert state() == ("ready", hashlib.sha256(data).hexdigest())
        assert "Traceback" not in stack.log("web")
