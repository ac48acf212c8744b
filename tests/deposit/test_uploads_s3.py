"""Uploads through the REST API with the S3 store (moto's server on loopback): the bytes go from the
client to presigned S3 URLs (plain HTTP PUTs, as a browser sends them), never through the web
process; resumption from the parts S3 holds; limits refused up front; verification after
completion (in the request for small files, by the worker for the others); downloads (a presigned
S3 redirect, and HTTP Range with the local store); the fixity audit; and the upload benchmark, run
small so that it cannot rot."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.core import mail

from deposit import services
from deposit.models import DepositFile, UploadSession
from deposit.workflow import Action, Status
from repository.fixity import fixity_audit
from repository.models import Record, RecordFile
from repository.storage import PartsMismatch, get_store
from tests.conftest import BENCH_FULL, wait_for
from tests.factories import complete_metadata, deposit_with_file

MiB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]


def post(client, path, payload=None):
    return client.post(path, data=json.dumps(payload or {}), content_type="application/json")


@pytest.fixture
def owner(api_client, depositor, communities):
    return api_client(depositor)


@pytest.fixture
def deposit_id(owner):
    response = post(owner, "/api/deposits", {"community": "ocean", "metadata": complete_metadata()})
    assert response.status_code == 201, response.content
    return response.json()["id"]


def open_upload(client, deposit_id, name, data: bytes, sha256: str | None = None):
    sha256 = hashlib.sha256(data).hexdigest() if sha256 is None else sha256
    return post(client, f"/api/deposits/{deposit_id}/uploads", {"name": name, "size": len(data), "sha256": sha256})


def send(upload: dict, data: bytes, numbers=None, parts=None) -> dict[int, str]:
    """PUT parts straight to their URLs with plain HTTP, as a browser does; {part_number: ETag}."""
    size, etags = upload["part_size"], {}
    for part in parts or upload["parts"]:
        n = part["part_number"]
        if numbers is None or n in numbers:
            response = requests.put(
                part["url"], data=data[(n - 1) * size : n * size], headers=part.get("headers") or {}, timeout=30
            )
            assert response.status_code == 200, response.text
            etags[n] = response.headers["ETag"]
    return etags


def complete(client, upload_id, etags: dict[int, str], **extra):
    parts = [{"part_number": n, "etag": e} for n, e in sorted(etags.items())]
    return post(client, f"/api/uploads/{upload_id}/complete", {"parts": parts, **extra})


def eleven_mib() -> bytes:
    return os.urandom(11 * MiB)  # with 5 MiB parts: 5 + 5 + 1


# --- the whole upload ---------------------------------------------------------------------------


def test_a_multi_part_file_goes_to_s3_through_presigned_urls_and_a_worker_verifies_it(
    s3, owner, deposit_id, django_capture_on_commit_callbacks
):
    data = eleven_mib()
    opened = open_upload(owner, deposit_id, "glider_section.nc", data)
    assert opened.status_code == 201, opened.content
    upload = opened.json()
    assert (upload["part_size"], upload["part_count"], upload["stored_parts"]) == (5 * MiB, 3, [])
    for part in upload["parts"]:
        assert part["url"].startswith(f"{s3.url}/estran-test/files/")  # S3 itself, not Estran
        assert "X-Amz-Signature=" in part["url"] and part["headers"] == {}

    etags = send(upload, data)
    with django_capture_on_commit_callbacks() as callbacks:
        done = complete(owner, upload["id"], etags)
    assert done.status_code == 202, done.content  # larger than UPLOAD_VERIFY_INLINE_MAX_SIZE
    assert done.json()["state"] == "verifying"
    assert len(callbacks) == 1  # the verification task, sent once the completion commits
    assert UploadSession.objects.get(pk=upload["id"]).state == "completed"
    problems = owner.get(f"/api/deposits/{deposit_id}").json()["problems"]
    assert {
        "step": "files",
        "field": "files.glider_section.nc",
        "message": "“glider_section.nc” is verifying.",
    } in problems

    file = services.file_verify_queued(file_id=upload["file_id"])  # what the worker runs
    assert (file.state, file.error) == ("ready", "")
    assert services.file_verify_queued(file_id=upload["file_id"]) is None  # a duplicate task does nothing
    [listed] = owner.get(f"/api/deposits/{deposit_id}/files").json()
    assert (listed["state"], listed["size"]) == ("ready", len(data))
    assert listed["md5"] == hashlib.md5(data).hexdigest()
    assert listed["sha256"] == hashlib.sha256(data).hexdigest()
    stored = s3.client().get_object(Bucket="estran-test", Key=file.storage_key)["Body"].read()
    assert stored == data


def test_a_small_file_is_verified_in_the_completion_request(s3, owner, deposit_id):
    data = b"depth,temp\n1,12.5\n"
    upload = open_upload(owner, deposit_id, "ctd.csv", data).json()
    done = complete(owner, upload["id"], send(upload, data))
    assert done.status_code == 200, done.content
    assert (done.json()["state"], done.json()["sha256"]) == ("ready", hashlib.sha256(data).hexdigest())


def test_parts_signed_with_their_sha256_carry_it_to_s3(s3, owner, deposit_id):
    data = eleven_mib()
    upload = open_upload(owner, deposit_id, "signed.bin", data, sha256="").json()
    size = upload["part_size"]
    asked = [
        {"part_number": n, "sha256": hashlib.sha256(data[(n - 1) * size : n * size]).hexdigest()} for n in (1, 2, 3)
    ]
    signed = post(owner, f"/api/uploads/{upload['id']}/parts", {"parts": asked})
    assert signed.status_code == 200, signed.content
    parts = signed.json()["parts"]
    for part, want in zip(parts, asked, strict=True):
        assert part["part_number"] == want["part_number"]
        assert "x-amz-checksum-sha256" in part["url"].split("X-Amz-SignedHeaders=")[1].split("&")[0]
        assert part["headers"]["x-amz-checksum-sha256"] == (
            __import__("base64").b64encode(bytes.fromhex(want["sha256"])).decode()
        )
    etags = send(upload, data, parts=parts)
    done = complete(owner, upload["id"], etags, sha256=hashlib.sha256(data).hexdigest())  # declared at the end
    assert done.status_code == 202
    file = services.file_verify_queued(file_id=upload["file_id"])
    assert file.state == "ready" and file.declared_sha256 == hashlib.sha256(data).hexdigest()


def sign_all(client, upload: dict, data: bytes, good: bytes | None = None) -> list[dict]:
    """Every part's URL signed for its SHA-256 (part 2's for `good` instead, when given)."""
    size = upload["part_size"]
    chunks = {n: data[(n - 1) * size : n * size] for n in range(1, upload["part_count"] + 1)}
    if good is not None:
        chunks[2] = good
    asked = [{"part_number": n, "sha256": hashlib.sha256(c).hexdigest()} for n, c in chunks.items()]
    signed = post(client, f"/api/uploads/{upload['id']}/parts", {"parts": asked})
    assert signed.status_code == 200, signed.content
    return signed.json()["parts"]


def composite_sha256(data: bytes, part_size: int) -> str:
    """S3's composite checksum of an object assembled from parts of `part_size`: the SHA-256 of the
    parts' SHA-256s, base64, a dash and the number of parts."""
    digests = [hashlib.sha256(data[i : i + part_size]).digest() for i in range(0, len(data), part_size)]
    return f"{base64.b64encode(hashlib.sha256(b''.join(digests)).digest()).decode()}-{len(digests)}"


def test_a_session_opened_for_part_checksums_has_s3_keep_the_composite_checksum(s3, owner, deposit_id):
    data = eleven_mib()
    opened = post(
        owner,
        f"/api/deposits/{deposit_id}/uploads",
        {"name": "composite.nc", "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "part_sha256": True},
    )
    assert opened.status_code == 201, opened.content
    upload = opened.json()
    assert (upload["part_sha256"], upload["parts"]) == (True, [])  # only signed part URLs for this session
    session = UploadSession.objects.get(pk=upload["id"])
    [pending] = [
        u
        for u in s3.client().list_multipart_uploads(Bucket="estran-test")["Uploads"]
        if u["UploadId"] == session.upload_id
    ]
    assert pending["ChecksumAlgorithm"] == "SHA256"

    etags = send(upload, data, parts=sign_all(owner, upload, data))
    done = complete(owner, upload["id"], etags)
    assert done.status_code == 202, done.content
    file = services.file_verify_queued(file_id=upload["file_id"])
    assert (file.state, file.sha256) == ("ready", hashlib.sha256(data).hexdigest())  # Estran's own, published

    expected = composite_sha256(data, upload["part_size"])
    got = s3.client().get_object(Bucket="estran-test", Key=file.storage_key, ChecksumMode="ENABLED")
    assert (got["ChecksumSHA256"], got["ChecksumType"]) == (expected, "COMPOSITE")
    assert got["Body"].read() == data
    attributes = s3.client().get_object_attributes(
        Bucket="estran-test", Key=file.storage_key, ObjectAttributes=["Checksum"]
    )["Checksum"]
    assert (attributes["ChecksumSHA256"], attributes["ChecksumType"]) == (expected.split("-")[0], "COMPOSITE")
    # A completion sent again (its answer lost) still recognises its object, by the parts' ETags.
    parts = [(n, e) for n, e in sorted(etags.items())]
    get_store().complete_multipart_upload(key=file.storage_key, upload_id=session.upload_id, parts=parts)
    with pytest.raises(PartsMismatch):
        get_store().complete_multipart_upload(key=file.storage_key, upload_id=session.upload_id, parts=parts[::-1])


def test_a_bad_part_of_a_session_with_part_checksums_is_still_refused(s3, owner, deposit_id):
    data = eleven_mib()
    opened = post(
        owner,
        f"/api/deposits/{deposit_id}/uploads",
        {"name": "bad.nc", "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "part_sha256": True},
    ).json()
    size = opened["part_size"]
    good = data[size : 2 * size]
    corrupted = good[:100] + bytes([good[100] ^ 0xFF]) + good[101:]
    # Part 2's URL is signed for the good bytes, and the corrupted ones are sent: real S3 answers
    # 400 BadDigest; moto takes them (tests/fakes/s3_server.py) and builds its composite from them.
    sent = data[:size] + corrupted + data[2 * size :]
    etags = send(opened, sent, parts=sign_all(owner, opened, data))
    assert complete(owner, opened["id"], etags).status_code == 202
    file = services.file_verify_queued(file_id=opened["file_id"])
    assert (file.state, file.error) == (
        "failed",
        "The SHA-256 of the received bytes does not match the one declared: the file was corrupted in transit.",
    )
    got = s3.client().get_object(Bucket="estran-test", Key=file.storage_key, ChecksumMode="ENABLED")
    assert got["ChecksumSHA256"] == composite_sha256(sent, size) != composite_sha256(data, size)


def test_a_file_the_web_process_received_reaches_s3_with_its_composite_checksum(s3, depositor, communities):
    """The simple deposit form's path (file_add_bytes) sends each part with its SHA-256 too."""
    data = b"depth,temp\n1,12.5\n"
    deposit = deposit_with_file(depositor, community=communities["ocean"], name="form.csv", content=data)
    file = deposit.files.get()
    assert (file.state, UploadSession.objects.get(file=file).part_sha256) == ("ready", True)
    got = s3.client().get_object(Bucket="estran-test", Key=file.storage_key, ChecksumMode="ENABLED")
    assert got["ChecksumSHA256"] == composite_sha256(data, len(data))


def test_a_resumed_file_keeps_its_sessions_choice_of_part_checksums(s3, owner, deposit_id):
    """The store's upload takes parts with checksums or parts without: the same file opened again
    with the other choice replaces the unfinished upload instead of resuming it."""
    data = eleven_mib()
    payload = {"name": "choice.nc", "size": len(data), "part_sha256": True}
    first = post(owner, f"/api/deposits/{deposit_id}/uploads", payload).json()
    again = post(owner, f"/api/deposits/{deposit_id}/uploads", payload).json()
    assert again["id"] == first["id"]
    plain = post(owner, f"/api/deposits/{deposit_id}/uploads", {**payload, "part_sha256": False}).json()
    assert plain["id"] != first["id"] and plain["part_sha256"] is False and len(plain["parts"]) == 3
    assert not UploadSession.objects.filter(pk=first["id"]).exists()


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ([{"part_number": 1, "sha256": "nope"}], "parts.0"),
        ([{"part_number": 4, "sha256": "0" * 64}], "parts.0.part_number"),
        ([{"part_number": 1, "sha256": "0" * 64}, {"part_number": 1, "sha256": "0" * 64}], "parts.1.part_number"),
    ],
    ids=["bad-sha256", "no-such-part", "twice"],
)
def test_signing_parts_refuses_bad_input_at_its_field(s3, owner, deposit_id, parts, field):
    upload = open_upload(owner, deposit_id, "x.bin", eleven_mib()).json()
    response = post(owner, f"/api/uploads/{upload['id']}/parts", {"parts": parts})
    assert response.status_code == 422
    assert [p["field"] for p in response.json()["problems"]] == [field]


def test_an_interrupted_upload_resumes_from_the_parts_s3_holds(s3, owner, deposit_id):
    data = eleven_mib()
    upload = open_upload(owner, deposit_id, "resumed.nc", data).json()
    sent = send(upload, data, numbers={1, 3})

    # the connection dropped; later the client asks what S3 already has
    again = owner.get(f"/api/uploads/{upload['id']}").json()
    assert again["state"] == "open"
    assert {p["part_number"]: f'"{p["etag"]}"' for p in again["stored_parts"]} == sent
    assert [p["size"] for p in again["stored_parts"]] == [5 * MiB, MiB]
    rest = send(again, data, numbers={2})
    done = complete(owner, upload["id"], sent | rest)
    assert done.status_code == 202, done.content
    assert services.file_verify_queued(file_id=upload["file_id"]).sha256 == hashlib.sha256(data).hexdigest()


# --- limits, refused before any byte ------------------------------------------------------------


def _s3_uploads(s3) -> set:
    return {u["UploadId"] for u in s3.client().list_multipart_uploads(Bucket="estran-test").get("Uploads", [])}


def test_a_file_over_the_limit_is_refused_in_human_units_and_nothing_reaches_s3(s3, owner, deposit_id, settings):
    settings.UPLOAD_MAX_FILE_SIZE = 50 * 10**9
    before = _s3_uploads(s3)
    response = post(owner, f"/api/deposits/{deposit_id}/uploads", {"name": "huge.nc", "size": 60 * 10**9})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "“huge.nc” is 55.9\xa0GB; files are limited to 46.6\xa0GB each."
    assert [p["field"] for p in body["problems"]] == ["size"]
    assert _s3_uploads(s3) == before
    assert not DepositFile.objects.exists()


def test_the_deposit_total_and_the_number_of_files_are_refused_up_front(s3, owner, deposit_id, settings):
    settings.UPLOAD_MAX_DEPOSIT_SIZE = 10 * MiB
    settings.UPLOAD_MAX_FILES = 2
    assert post(owner, f"/api/deposits/{deposit_id}/uploads", {"name": "a.nc", "size": 6 * MiB}).status_code == 201
    refused = post(owner, f"/api/deposits/{deposit_id}/uploads", {"name": "b.nc", "size": 5 * MiB})
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "A deposit holds at most 10.0\xa0MB; this one already holds 6.0\xa0MB, "
        "and “b.nc” (5.0\xa0MB) would take it over."
    )
    assert post(owner, f"/api/deposits/{deposit_id}/uploads", {"name": "b.nc", "size": MiB}).status_code == 201
    third = post(owner, f"/api/deposits/{deposit_id}/uploads", {"name": "c.nc", "size": 1})
    assert third.status_code == 422
    assert third.json()["detail"] == "A deposit holds at most 2 files."


# --- downloads ----------------------------------------------------------------------------------


def publish(depositor, moderator, communities, *, name: str, content: bytes) -> Record:
    deposit = deposit_with_file(depositor, community=communities["ocean"], name=name, content=content)
    services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)
    services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    deposit = services.deposit_act(deposit=deposit, action=Action.approve, actor=moderator)
    assert deposit.status == Status.published
    return deposit.record


def test_an_s3_download_redirects_to_a_presigned_url_with_the_original_name(
    s3, client, depositor, moderator, communities
):
    name = 'température d\'été "2024".csv'
    content = b"depth,temp\n1,12.5\n"
    record = publish(depositor, moderator, communities, name=name, content=content)
    response = client.get(f"/records/{record.pk}/files/{name}")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{s3.url}/estran-test/files/")
    assert response["Cache-Control"] == "no-store"

    served = requests.get(response["Location"], timeout=30)
    assert served.status_code == 200
    assert served.content == content
    assert served.headers["Content-Disposition"] == (
        'attachment; filename="temperature d\'ete _2024_.csv"; '
        "filename*=UTF-8''temp%C3%A9rature%20d%27%C3%A9t%C3%A9%20%222024%22.csv"
    )
    assert served.headers["Content-Type"] == "text/csv"
    assert RecordFile.objects.get(record=record).download_count == 1


@pytest.fixture
def local_record(depositor, moderator, communities):
    return publish(depositor, moderator, communities, name="series.csv", content=b"0123456789")


@pytest.mark.parametrize(
    ("range_header", "body", "content_range"),
    [
        ("bytes=2-5", b"2345", "bytes 2-5/10"),
        ("bytes=7-", b"789", "bytes 7-9/10"),
        ("bytes=-3", b"789", "bytes 7-9/10"),
        ("bytes=0-99", b"0123456789", "bytes 0-9/10"),
    ],
    ids=["closed", "open-ended", "suffix", "past-the-end"],
)
def test_a_local_download_serves_a_byte_range(client, local_record, range_header, body, content_range):
    response = client.get(f"/records/{local_record.pk}/files/series.csv", HTTP_RANGE=range_header)
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == body
    assert response["Content-Range"] == content_range
    assert response["Content-Length"] == str(len(body))
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Disposition"] == "attachment; filename=\"series.csv\"; filename*=UTF-8''series.csv"


@pytest.mark.parametrize("range_header", ["bytes=10-", "bytes=10-20", "bytes=-0", "bytes=5-2"])
def test_an_unsatisfiable_range_is_answered_416(client, local_record, range_header):
    response = client.get(f"/records/{local_record.pk}/files/series.csv", HTTP_RANGE=range_header)
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */10"


def test_a_whole_local_download_announces_ranges_and_ignores_what_it_cannot_honour(client, local_record):
    url = f"/records/{local_record.pk}/files/series.csv"
    whole = client.get(url)
    assert whole.status_code == 200
    assert (whole["Accept-Ranges"], whole["Content-Length"]) == ("bytes", "10")
    assert b"".join(whole.streaming_content) == b"0123456789"
    etag = whole["ETag"]
    several = client.get(url, HTTP_RANGE="bytes=0-1,4-5")  # several ranges: the whole file
    assert several.status_code == 200 and b"".join(several.streaming_content) == b"0123456789"
    stale = client.get(url, HTTP_RANGE="bytes=2-3", HTTP_IF_RANGE='"other"')  # changed since: the whole file
    assert stale.status_code == 200 and b"".join(stale.streaming_content) == b"0123456789"
    current = client.get(url, HTTP_RANGE="bytes=2-3", HTTP_IF_RANGE=etag)
    assert current.status_code == 206 and b"".join(current.streaming_content) == b"23"
    head = client.head(url)
    assert (head.status_code, head["Content-Length"], head.content) == (200, "10", b"")


def test_a_download_is_counted_once_however_many_ranges_fetch_it(client, local_record):
    url = f"/records/{local_record.pk}/files/series.csv"
    for range_header in ("bytes=0-4", "bytes=5-9", "bytes=5-"):
        response = client.get(url, HTTP_RANGE=range_header)
        b"".join(response.streaming_content)
    assert RecordFile.objects.get(record=local_record).download_count == 1


# --- the fixity audit ---------------------------------------------------------------------------


def test_the_fixity_audit_catches_an_object_changed_in_s3_and_tells_the_administrators(
    s3, depositor, moderator, communities, admin
):
    good = publish(depositor, moderator, communities, name="good.csv", content=b"good bytes\n")
    bad = publish(depositor, moderator, communities, name="bad.csv", content=b"good bytes\n")
    bad_file = RecordFile.objects.get(record=bad)
    # someone (or some disk) changes the object behind Estran's back: same length, other bytes
    s3.client().put_object(Bucket="estran-test", Key=bad_file.storage_key, Body=b"evil bytes\n")

    result = fixity_audit()
    assert result == {"checked": 2, "mismatched": [bad_file.pk]}
    bad_file.refresh_from_db()
    assert bad_file.fixity_error.startswith(f"SHA-256 is {hashlib.sha256(b'evil bytes' + bytes([10])).hexdigest()}")
    assert bad_file.last_fixity_check_at is not None
    good_file = RecordFile.objects.get(record=good)
    assert (good_file.fixity_error, good_file.last_fixity_check_at is not None) == ("", True)

    [message] = mail.outbox
    assert message.to == [admin.email]
    assert "1 file(s) do not match" in message.subject
    assert bad.doi in message.body and "bad.csv" in message.body and bad_file.storage_key in message.body
    assert "good.csv" not in message.body


def test_the_fixity_audit_checks_a_rolling_sample_oldest_first(s3, depositor, moderator, communities, admin):
    records = [publish(depositor, moderator, communities, name=f"f{i}.csv", content=b"x" * (i + 1)) for i in range(3)]
    files = [RecordFile.objects.get(record=r) for r in records]
    assert fixity_audit(files=2)["checked"] == 2
    assert fixity_audit(files=2)["checked"] == 2  # the one never checked, then the oldest
    times = {f.pk: RecordFile.objects.get(pk=f.pk).last_fixity_check_at for f in files}
    assert times[files[2].pk] > times[files[1].pk] and times[files[0].pk] > times[files[1].pk]
    assert fixity_audit(files=10, max_bytes=1)["checked"] == 1  # the byte budget stops the run
    s3.client().delete_object(Bucket="estran-test", Key=files[1].storage_key)
    result = fixity_audit(files=10)
    assert result["mismatched"] == [files[1].pk]
    assert RecordFile.objects.get(pk=files[1].pk).fixity_error == "The store no longer holds this file."
    assert len(mail.outbox) == 1


# --- with the real worker -----------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_over_http_a_large_file_is_verified_by_the_worker(live_server, s3_worker, settings, depositor, communities):
    from accounts.services import api_token_create

    settings.SITE_URL = live_server.url
    _token, raw = api_token_create(user=depositor, name="s3-worker")
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {raw}"
    deposit = api.post(
        f"{live_server.url}/api/deposits", json={"community": "ocean", "metadata": complete_metadata()}, timeout=30
    ).json()
    data = eleven_mib()
    upload = api.post(
        f"{live_server.url}/api/deposits/{deposit['id']}/uploads",
        timeout=30,
        json={"name": "profile.nc", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()},
    ).json()
    etags = send(upload, data)
    done = api.post(
        f"{live_server.url}/api/uploads/{upload['id']}/complete",
        timeout=60,
        json={"parts": [{"part_number": n, "etag": e} for n, e in etags.items()]},
    )
    assert done.status_code == 202, done.text
    file = wait_for(
        lambda: (f := DepositFile.objects.get(pk=upload["file_id"])).state != "verifying" and f,
        timeout=60,
        message="the worker's verification",
    )
    assert (file.state, file.sha256, file.md5) == (
        "ready",
        hashlib.sha256(data).hexdigest(),
        hashlib.md5(data).hexdigest(),
    )
    listed = api.get(f"{live_server.url}/api/deposits/{deposit['id']}/files", timeout=30).json()
    assert [(f["name"], f["state"]) for f in listed] == [("profile.nc", "ready")]


# --- the benchmark, small -----------------------------------------------------------------------

# Two parts of 8 MiB (one full, one short) and over the size verified in the completion request, so
# that the worker's verification is the path taken (`make bench-check`: 32 MiB, four parts).
BENCH_SIZE_MIB = 32 if BENCH_FULL else 9


def test_the_upload_benchmark_runs_end_to_end_on_a_small_file(tmp_path):
    out = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "S3_"))}
    finished = subprocess.run(
        [sys.executable, "bench/upload/run.py", "--sizes", f"{BENCH_SIZE_MIB}MiB", "--repeat", "1", "--json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    results = json.loads(out.read_text())
    [round_] = results["rounds"]
    assert round_["size"] == BENCH_SIZE_MIB * MiB
    assert round_["estran_completion"] == "202 verifying"
    assert round_["estran_mib_s"] > 0 and round_["boto3_mib_s"] > 0 and round_["ratio"] > 0
    assert round_["transfer_ratio"] > 0
    assert round_["web_peak_rss_mib"] > 0


# --- who may sign parts -------------------------------------------------------------------------

ROLES = ("anonymous", "owner", "other_depositor", "moderator", "other_moderator", "admin")


@pytest.fixture
def client_of(api_client, depositor, other_depositor, moderator, other_moderator, admin):
    users = {
        "anonymous": None,
        "owner": depositor,
        "other_depositor": other_depositor,
        "moderator": moderator,
        "other_moderator": other_moderator,
        "admin": admin,
    }
    return lambda role: api_client(users[role])


@pytest.mark.parametrize(
    ("status", "role", "code"),
    [
        pytest.param(status, role, code, id=f"{status}-{role}-{code}")
        for status, codes in {
            "draft": (401, 200, 404, 404, 404, 200),
            "submitted": (401, 409, 404, 403, 404, 409),
        }.items()
        for role, code in zip(ROLES, codes, strict=True)
    ],
)
def test_signing_part_urls_is_for_those_who_may_edit_the_deposit(status, role, code, client_of, depositor, communities):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    if status == "submitted":
        services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)
        session = UploadSession.objects.get(file__deposit=deposit)
    else:
        session = services.upload_open(deposit=deposit, actor=depositor, name="second.csv", size=10)
    response = post(
        client_of(role), f"/api/uploads/{session.pk}/parts", {"parts": [{"part_number": 1, "sha256": "0" * 64}]}
    )
    assert response.status_code == code, response.content
    if code == 200:
        assert response.json()["parts"][0]["headers"] == {
            "x-amz-checksum-sha256": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
        }
    else:
        assert "parts" not in response.json()
