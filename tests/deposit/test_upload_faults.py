"""Uploads when things go wrong, against the S3 server behind a proxy that injects faults: a part
answered 500 is sent again; S3 unreachable at completion (or during verification) loses nothing;
a missing part gives a clear error; corrupted bytes are caught by Estran's verification and never
published; abandoned uploads are aborted; deleting a draft file deletes its object; and nothing a
published record holds is ever deleted."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from datetime import timedelta

import pytest
import requests
from django.conf import settings as django_settings
from django.utils import timezone

from bench.upload.client import EstranUploader
from core.errors import Conflict
from deposit import services
from deposit.models import Deposit, DepositFile, UploadSession
from deposit.tasks import file_verify_task
from deposit.workflow import Action
from repository.models import Record, RecordFile
from repository.storage import LocalObjectStore, StorageError, get_store
from tests.conftest import wait_for
from tests.factories import complete_metadata, deposit_with_file

MiB = 1024 * 1024
BUCKET = "estran-test"


def post(client, path, payload=None):
    return client.post(path, data=json.dumps(payload or {}), content_type="application/json")


@pytest.fixture
def owner(api_client, depositor, communities):
    return api_client(depositor)


@pytest.fixture
def deposit_id(owner):
    return post(owner, "/api/deposits", {"community": "ocean", "metadata": complete_metadata()}).json()["id"]


def open_upload(client, deposit_id, name, data, sha256=None):
    sha256 = hashlib.sha256(data).hexdigest() if sha256 is None else sha256
    response = post(client, f"/api/deposits/{deposit_id}/uploads", {"name": name, "size": len(data), "sha256": sha256})
    assert response.status_code == 201, response.content
    return response.json()


def chunk(upload, data, n) -> bytes:
    size = upload["part_size"]
    return data[(n - 1) * size : n * size]


def put(upload, data, n, *, body=None, headers=None, url=None) -> requests.Response:
    url = url or upload["parts"][n - 1]["url"]
    return requests.put(url, data=chunk(upload, data, n) if body is None else body, headers=headers or {}, timeout=30)


def send_all(upload, data) -> dict[int, str]:
    etags = {}
    for part in upload["parts"]:
        response = put(upload, data, part["part_number"])
        assert response.status_code == 200, response.text
        etags[part["part_number"]] = response.headers["ETag"]
    return etags


def complete(client, upload_id, etags):
    return post(
        client,
        f"/api/uploads/{upload_id}/complete",
        {"parts": [{"part_number": n, "etag": e} for n, e in sorted(etags.items())]},
    )


def object_exists(s3, key) -> bool:
    try:
        s3.client().head_object(Bucket=BUCKET, Key=key)
    except s3.client().exceptions.ClientError:
        return False
    return True


def data_of(mib: int = 11) -> bytes:
    return os.urandom(mib * MiB)


# --- a part answered with a 500 -----------------------------------------------------------------


@pytest.mark.parametrize("stored", [False, True], ids=["lost-before-s3", "stored-but-answer-lost"])
def test_a_part_answered_500_is_sent_again_and_the_upload_completes(s3, owner, deposit_id, stored):
    data = data_of()
    upload = open_upload(owner, deposit_id, "ctd.nc", data)
    s3.fail_next(method="PUT", path="partNumber=2&", status=500, forward=stored)
    failed = put(upload, data, 2)
    assert failed.status_code == 500
    etags = {1: put(upload, data, 1).headers["ETag"], 3: put(upload, data, 3).headers["ETag"]}
    again = put(upload, data, 2)  # the client retries the same part, same URL
    assert again.status_code == 200
    etags[2] = again.headers["ETag"]
    done = complete(owner, upload["id"], etags)
    assert done.status_code == 202, done.content
    assert services.file_verify_queued(file_id=upload["file_id"]).state == "ready"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_python_client_retries_failed_parts_with_backoff_and_completes(
    s3, s3_worker, live_server, settings, depositor, communities
):
    from accounts.services import api_token_create

    settings.SITE_URL = live_server.url
    _token, raw = api_token_create(user=depositor, name="client")
    deposit = services.deposit_create(owner=depositor, metadata=complete_metadata(), community=communities["ocean"])
    data = data_of()
    path = django_settings.LOCAL_STORAGE_ROOT.parent / "upload.bin"
    path.write_bytes(data)
    s3.fail_next(method="PUT", path="partNumber=2&", status=500, count=2)
    s3.fail_next(method="PUT", path="partNumber=3&", status=503, forward=True)
    client = EstranUploader(live_server.url, raw, concurrency=4, backoff=0.05)
    result = client.upload(deposit.pk, str(path), sha256=hashlib.sha256(data).hexdigest())
    assert (result.status, result.file["state"], result.parts_sent, result.retries) == (202, "verifying", 3, 3)
    file = wait_for(
        lambda: (f := DepositFile.objects.get(pk=result.file["id"])).state != "verifying" and f,
        timeout=60,
        message="the worker's verification",
    )
    assert (file.state, file.sha256) == ("ready", hashlib.sha256(data).hexdigest())


# --- S3 unreachable -----------------------------------------------------------------------------


def test_s3_unreachable_at_completion_answers_503_and_the_upload_completes_later(s3, owner, deposit_id, settings):
    settings.S3_MAX_ATTEMPTS = 2
    data = data_of()
    upload = open_upload(owner, deposit_id, "ctd.nc", data)
    etags = send_all(upload, data)
    with s3.outage():
        refused = complete(owner, upload["id"], etags)
    assert refused.status_code == 503
    body = refused.json()
    assert body["code"] == "storage_unavailable"
    assert "nothing is lost" in body["detail"]
    assert UploadSession.objects.get(pk=upload["id"]).state == "open"
    assert DepositFile.objects.get(pk=upload["file_id"]).state == "uploading"
    assert len(owner.get(f"/api/uploads/{upload['id']}").json()["stored_parts"]) == 3  # all still there

    done = complete(owner, upload["id"], etags)
    assert done.status_code == 202, done.content
    assert services.file_verify_queued(file_id=upload["file_id"]).state == "ready"


def test_s3_unreachable_at_opening_or_resuming_answers_503(s3, owner, deposit_id, settings):
    settings.S3_MAX_ATTEMPTS = 1
    upload = open_upload(owner, deposit_id, "a.nc", b"x" * 10)
    with s3.outage():
        opened = post(owner, f"/api/deposits/{deposit_id}/uploads", {"name": "b.nc", "size": 10})
        resumed = owner.get(f"/api/uploads/{upload['id']}")
    assert (opened.status_code, opened.json()["code"]) == (503, "storage_unavailable")
    assert (resumed.status_code, resumed.json()["code"]) == (503, "storage_unavailable")
    assert list(DepositFile.objects.values_list("name", flat=True)) == ["a.nc"]  # b.nc was not half-created


def test_a_verification_that_cannot_read_s3_leaves_the_file_verifying_and_is_retried(s3, owner, deposit_id, settings):
    settings.S3_MAX_ATTEMPTS = 1
    data = data_of()
    upload = open_upload(owner, deposit_id, "ctd.nc", data)
    assert complete(owner, upload["id"], send_all(upload, data)).status_code == 202
    with s3.outage(), pytest.raises(StorageError):
        services.file_verify_queued(file_id=upload["file_id"])
    assert DepositFile.objects.get(pk=upload["file_id"]).state == "verifying"
    assert StorageError in file_verify_task.autoretry_for  # the task tries again, with backoff
    assert services.file_verify_queued(file_id=upload["file_id"]).state == "ready"


# --- missing and corrupted parts ----------------------------------------------------------------


def test_completing_with_a_missing_part_is_a_clear_422_and_the_upload_stays_open(s3, owner, deposit_id):
    data = data_of()
    upload = open_upload(owner, deposit_id, "ctd.nc", data)
    etags = {n: put(upload, data, n).headers["ETag"] for n in (1, 3)}

    omitted = complete(owner, upload["id"], etags)
    assert omitted.status_code == 422
    assert omitted.json()["detail"] == "Parts 2 are missing; send all 3 parts, numbered from 1."
    named = complete(owner, upload["id"], {**etags, 2: etags[1]})  # names a part S3 never received
    assert named.status_code == 422
    assert named.json()["detail"] == "Part 2 was never uploaded."
    assert [p["field"] for p in named.json()["problems"]] == ["parts"]
    assert UploadSession.objects.get(pk=upload["id"]).state == "open"

    etags[2] = put(upload, data, 2).headers["ETag"]
    assert complete(owner, upload["id"], etags).status_code == 202


def test_a_corrupted_part_is_caught_by_verification_the_file_fails_and_is_never_published(
    s3, owner, deposit_id, api_client, moderator
):
    data = data_of()
    upload = open_upload(owner, deposit_id, "ctd.nc", data)  # declares the SHA-256 of `data`
    good = chunk(upload, data, 2)
    corrupted = good[:100] + bytes([good[100] ^ 0xFF]) + good[101:]  # one flipped byte, same length
    # The client even signs the part for the good bytes' SHA-256 and sends the header: real S3
    # would answer 400 BadDigest here; moto does not check, so Estran's verification must.
    signed = post(
        owner,
        f"/api/uploads/{upload['id']}/parts",
        {"parts": [{"part_number": 2, "sha256": hashlib.sha256(good).hexdigest()}]},
    ).json()["parts"][0]
    response = put(upload, data, 2, body=corrupted, url=signed["url"], headers=signed["headers"])
    assert response.status_code == 200  # moto's limit, see tests/fakes/s3_server.py
    etags = {
        1: put(upload, data, 1).headers["ETag"],
        2: response.headers["ETag"],
        3: put(upload, data, 3).headers["ETag"],
    }
    assert complete(owner, upload["id"], etags).status_code == 202

    file = services.file_verify_queued(file_id=upload["file_id"])
    assert file.state == "failed"
    assert file.error == (
        "The SHA-256 of the received bytes does not match the one declared: the file was corrupted in transit."
    )
    [listed] = owner.get(f"/api/deposits/{deposit_id}/files").json()
    assert (listed["state"], listed["error"]) == ("failed", file.error)

    refused = post(owner, f"/api/deposits/{deposit_id}/actions", {"action": "submit"})
    assert refused.status_code == 422
    assert "files.ctd.nc" in [p["field"] for p in refused.json()["problems"]]
    assert Deposit.objects.get(pk=deposit_id).status == "draft"
    assert not Record.objects.exists() and not RecordFile.objects.exists()

    # uploading it again replaces the failed file
    again = open_upload(owner, deposit_id, "ctd.nc", data)
    assert complete(owner, again["id"], send_all(again, data)).status_code == 202
    assert services.file_verify_queued(file_id=again["file_id"]).state == "ready"
    assert list(DepositFile.objects.values_list("name", "state")) == [("ctd.nc", "ready")]


def test_the_local_part_endpoint_refuses_bytes_that_differ_from_the_signed_sha256(owner, deposit_id, settings, client):
    settings.UPLOAD_MIN_PART_SIZE = 5
    data = b"0123456789"
    upload = open_upload(owner, deposit_id, "local.bin", data)
    good = data[:5]
    signed = post(
        owner,
        f"/api/uploads/{upload['id']}/parts",
        {"parts": [{"part_number": 1, "sha256": hashlib.sha256(good).hexdigest()}]},
    ).json()["parts"][0]
    path = signed["url"].removeprefix(settings.SITE_URL)
    header = {"HTTP_X_AMZ_CHECKSUM_SHA256": signed["headers"]["x-amz-checksum-sha256"]}
    bad = client.put(path, data=b"01X34", content_type="application/octet-stream", **header)
    assert (bad.status_code, bad.json()["code"]) == (400, "BadDigest")
    session = UploadSession.objects.get(pk=upload["id"])
    assert LocalObjectStore().list_parts(key="", upload_id=session.upload_id) == []
    other = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    forged = client.put(path, data=good, content_type="application/octet-stream", HTTP_X_AMZ_CHECKSUM_SHA256=other)
    assert forged.status_code == 403  # the header must be the checksum the URL was signed for
    ok = client.put(path, data=good, content_type="application/octet-stream", **header)
    assert ok.status_code == 200
    # an unsigned part URL still checks a checksum header when one is sent
    plain = upload["parts"][1]["url"].removeprefix(settings.SITE_URL)
    assert (
        client.put(
            plain, data=b"56789", content_type="application/octet-stream", HTTP_X_AMZ_CHECKSUM_SHA256=other
        ).status_code
        == 400
    )


# --- clean-up -----------------------------------------------------------------------------------


def test_deleting_a_draft_file_deletes_its_object_once_the_deletion_commits(
    s3, owner, deposit_id, django_capture_on_commit_callbacks
):
    data = b"depth,temp\n1,12.5\n"
    upload = open_upload(owner, deposit_id, "ctd.csv", data)
    file = complete(owner, upload["id"], send_all(upload, data)).json()
    key = DepositFile.objects.get(pk=file["id"]).storage_key
    with django_capture_on_commit_callbacks() as callbacks:
        assert owner.delete(f"/api/deposits/{deposit_id}/files/{file['id']}").status_code == 204
    assert object_exists(s3, key)  # not before the commit
    for callback in callbacks:
        callback()
    assert not object_exists(s3, key)


def test_deleting_a_file_being_uploaded_or_aborting_aborts_the_s3_upload(
    s3, owner, deposit_id, django_capture_on_commit_callbacks
):
    data = data_of()
    first = open_upload(owner, deposit_id, "a.nc", data)
    second = open_upload(owner, deposit_id, "b.nc", data)
    put(first, data, 1)
    ids = {UploadSession.objects.get(pk=u["id"]).upload_id for u in (first, second)}
    assert ids <= {u.upload_id for u in get_store().list_multipart_uploads()}
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.delete(f"/api/deposits/{deposit_id}/files/{first['file_id']}").status_code == 204
    assert owner.delete(f"/api/uploads/{second['id']}").status_code == 204
    assert not ids & {u.upload_id for u in get_store().list_multipart_uploads()}
    assert not DepositFile.objects.exists()


def test_abandoned_uploads_are_aborted_and_their_files_marked_failed(s3, owner, deposit_id, settings, monkeypatch):
    data = data_of()
    abandoned = open_upload(owner, deposit_id, "abandoned.nc", data)
    slow = open_upload(owner, deposit_id, "slow.nc", data)
    recent = open_upload(owner, deposit_id, "recent.nc", data)
    put(abandoned, data, 1)
    put(slow, data, 1)  # a part received just now: slow, not abandoned
    long_ago = timezone.now() - timedelta(hours=settings.UPLOAD_ABANDONED_HOURS + 1)
    UploadSession.objects.filter(pk__in=[abandoned["id"], slow["id"]]).update(created=long_ago)
    # the abandoned one's last part is old too (moto dates parts now: look from two days ahead)
    later = timezone.now() + timedelta(hours=settings.UPLOAD_ABANDONED_HOURS + 1)
    UploadSession.objects.filter(pk__in=[slow["id"], recent["id"]]).update(expires_at=later + timedelta(days=1))
    UploadSession.objects.filter(pk=recent["id"]).update(created=later)  # still young then
    # an upload S3 holds that no session knows (a crash between S3's answer and our commit)
    orphan = s3.client().create_multipart_upload(Bucket=BUCKET, Key="files/orphan")["UploadId"]

    from repository import storage

    real_list_parts = storage.S3ObjectStore.list_parts
    slow_upload_id = UploadSession.objects.get(pk=slow["id"]).upload_id

    def list_parts_seen_later(self, *, key, upload_id):
        """The slow upload keeps receiving parts until `later`."""
        parts = real_list_parts(self, key=key, upload_id=upload_id)
        if upload_id == slow_upload_id:
            return [storage.StoredPart(p.part_number, p.etag, p.size, later) for p in parts]
        return parts

    monkeypatch.setattr(storage.S3ObjectStore, "list_parts", list_parts_seen_later)
    result = services.uploads_abort_abandoned(now=later)
    assert result["sessions"] == 1
    assert result["orphans"] >= 1  # and any other test's leftovers (moto dates every upload 2010)
    states = dict(UploadSession.objects.values_list("file__name", "state"))
    assert states == {"abandoned.nc": "aborted", "slow.nc": "open", "recent.nc": "open"}
    file = DepositFile.objects.get(pk=abandoned["file_id"])
    assert file.state == "failed"
    assert file.error == (
        f"The upload was not finished within {settings.UPLOAD_ABANDONED_HOURS} hours and was "
        "cancelled; upload the file again."
    )
    pending = {u.upload_id for u in get_store().list_multipart_uploads()}
    assert orphan not in pending
    assert UploadSession.objects.get(pk=abandoned["id"]).upload_id not in pending
    assert UploadSession.objects.get(pk=slow["id"]).upload_id in pending
    # the depositor uploads it again under the same name
    assert post(owner, f"/api/deposits/{deposit_id}/uploads", {"name": "abandoned.nc", "size": 3}).status_code == 201


def test_the_abandoned_upload_sweep_is_a_beat_task():
    schedule = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"deposit.uploads.abort_abandoned", "repository.files.fixity_audit", "repository.pids.redrive"} <= schedule


def test_nothing_a_published_record_holds_is_ever_deleted(
    s3, depositor, moderator, communities, django_capture_on_commit_callbacks
):
    deposit = deposit_with_file(depositor, community=communities["ocean"], content=b"published bytes\n")
    services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)
    services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    record = services.deposit_act(deposit=deposit, action=Action.approve, actor=moderator).record
    published = RecordFile.objects.get(record=record)
    key = published.storage_key

    # the published deposit's file cannot be deleted
    with pytest.raises(Conflict):
        services.file_delete(file=DepositFile.objects.get(storage_key=key), actor=depositor)
    # the one way the upload paths delete bytes refuses a published key
    assert services.object_delete_unpublished(key=key) is False
    # a new version's draft that shares a published object: deleting the draft's file keeps it
    draft = deposit_with_file(depositor, community=communities["ocean"], content=b"v2\n", name="v2.csv")
    shared = draft.files.get()
    RecordFile.objects.create(
        record=record,
        name="v2.csv",
        size=shared.size,
        md5=shared.md5,
        sha256=shared.sha256,
        storage_key=shared.storage_key,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.file_delete(file=shared, actor=depositor)
    assert object_exists(s3, shared.storage_key)
    # an unfinished upload S3 holds for a published key is aborted, and the object stays
    s3.client().create_multipart_upload(Bucket=BUCKET, Key=key)
    services.uploads_abort_abandoned(now=timezone.now() + timedelta(days=30))
    assert object_exists(s3, key)
    body = s3.client().get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert hashlib.sha256(body).hexdigest() == published.sha256
