"""The S3 object store against a real S3 API server on loopback (moto's, see tests/fakes/s3_server.py):
multipart uploads through presigned part URLs sent with plain HTTP as a browser would, resumption
from ListParts, idempotent completion, errors turned into the store's, downloads through presigned
GETs, the health check and the bucket command.

moto does not check signatures or the checksums a client sends: the tests below show what the URLs
ask of real S3 (signed headers), not that moto enforces it."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.core.management import CommandError, call_command

from repository.storage import (
    ObjectTooLarge,
    PartsMismatch,
    S3ObjectStore,
    StorageError,
    get_store,
    multipart_etag,
    new_object_key,
    sha256_hex_and_b64,
)

MiB = 1024 * 1024


@pytest.fixture
def store(s3):
    return get_store()


def put(url: str, data: bytes, headers: dict | None = None) -> requests.Response:
    return requests.put(url, data=data, headers=headers or {}, timeout=30)


def upload_parts(store, key, upload_id, parts: dict[int, bytes]) -> dict[int, str]:
    etags = {}
    for number, data in parts.items():
        response = put(store.part_url(key=key, upload_id=upload_id, part_number=number, max_bytes=len(data)), data)
        assert response.status_code == 200, response.text
        etags[number] = response.headers["ETag"]
    return etags


def read(store, key) -> bytes:
    with store.open(key) as body:
        return body.read()


def test_get_store_is_the_s3_store_with_timeouts_and_bounded_retries(store, settings):
    assert isinstance(store, S3ObjectStore)
    assert store.bucket == settings.S3_BUCKET
    config = store.client.meta.config
    assert config.signature_version == "s3v4"
    assert (config.connect_timeout, config.read_timeout) == (settings.S3_CONNECT_TIMEOUT, settings.S3_READ_TIMEOUT)
    assert config.retries == {"mode": "standard", "total_max_attempts": settings.S3_MAX_ATTEMPTS}
    assert store.client.meta.endpoint_url == settings.S3_ENDPOINT_URL


def test_a_multipart_upload_through_presigned_urls_assembles_the_parts_in_order(store, s3):
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    parts = {1: b"a" * (5 * MiB), 2: b"b" * (5 * MiB), 3: b"the end"}
    etags = {}
    for number in (3, 1, 2):  # any order, as parallel clients send them
        etags.update(upload_parts(store, key, upload_id, {number: parts[number]}))
    assert etags == {n: f'"{hashlib.md5(d).hexdigest()}"' for n, d in parts.items()}

    listed = store.list_parts(key=key, upload_id=upload_id)
    assert [(p.part_number, p.etag, p.size) for p in listed] == [
        (n, hashlib.md5(parts[n]).hexdigest(), len(parts[n])) for n in (1, 2, 3)
    ]
    assert all(p.last_modified is not None for p in listed)

    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=sorted(etags.items()))
    data = parts[1] + parts[2] + parts[3]
    assert read(store, key) == data
    assert store.size(key) == len(data)
    assert store.checksums(key) == (hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest(), len(data))
    # the bytes went to S3 directly: the server side only ever saw the multipart calls
    assert [m for m, path, _s in s3.requests if "partNumber=" in path] == ["PUT"] * 3


def test_part_urls_sign_the_exact_length_and_the_sha256_for_real_s3_to_enforce(store):
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    data = b"x" * 1000
    hex_digest, b64_digest = sha256_hex_and_b64(hashlib.sha256(data).hexdigest())
    url = store.part_url(key=key, upload_id=upload_id, part_number=1, max_bytes=len(data), sha256=hex_digest)
    query = parse_qs(urlparse(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]  # SigV4, as real S3 requires
    assert query["X-Amz-SignedHeaders"] == ["content-length;host;x-amz-checksum-sha256"]
    assert query["X-Amz-Expires"] == ["21600"]
    assert (query["uploadId"], query["partNumber"]) == ([upload_id], ["1"])
    response = put(url, data, {"x-amz-checksum-sha256": b64_digest})
    assert response.status_code == 200, response.text

    plain = store.part_url(key=key, upload_id=upload_id, part_number=2, max_bytes=7)
    assert parse_qs(urlparse(plain).query)["X-Amz-SignedHeaders"] == ["content-length;host"]


def test_an_upload_of_parts_with_their_sha256_leaves_s3_the_composite_checksum(store, s3):
    """Created with the SHA-256 algorithm, each part sent with its checksum (server-side here, as
    `put_part` sends one): S3 keeps the SHA-256 of the parts' SHA-256s, and a completion sent again
    still recognises its object."""
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key, part_sha256=True)
    [pending] = [u for u in s3.client().list_multipart_uploads(Bucket="estran-test")["Uploads"] if u["Key"] == key]
    assert pending["ChecksumAlgorithm"] == "SHA256"
    parts = {1: b"a" * 5 * MiB, 2: b"tail"}
    etags = {
        n: store.put_part(
            key=key, upload_id=upload_id, part_number=n, stream=iter([data]), sha256=hashlib.sha256(data).hexdigest()
        )
        for n, data in parts.items()
    }
    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=sorted(etags.items()))
    digests = b"".join(hashlib.sha256(data).digest() for data in parts.values())
    got = s3.client().get_object(Bucket="estran-test", Key=key, ChecksumMode="ENABLED")
    assert got["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(digests).digest()).decode() + "-2"
    assert got["Body"].read() == b"".join(parts.values())
    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=sorted(etags.items()))  # idempotent


def test_list_parts_reads_every_page(store):
    store.page_size = 2
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    upload_parts(store, key, upload_id, {n: bytes([n]) * 10 for n in range(1, 6)})
    assert [p.part_number for p in store.list_parts(key=key, upload_id=upload_id)] == [1, 2, 3, 4, 5]


def test_a_part_sent_again_replaces_the_previous_one(store):
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    upload_parts(store, key, upload_id, {1: b"old bytes"})
    etags = upload_parts(store, key, upload_id, {1: b"new"})
    assert [(p.part_number, p.size) for p in store.list_parts(key=key, upload_id=upload_id)] == [(1, 3)]
    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, etags[1])])
    assert read(store, key) == b"new"


def test_completing_with_a_part_never_uploaded_names_it_and_keeps_the_upload(store):
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    etags = upload_parts(store, key, upload_id, {1: b"a" * (5 * MiB)})
    with pytest.raises(PartsMismatch, match="Part 2 was never uploaded"):
        store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, etags[1]), (2, etags[1])])
    with pytest.raises(PartsMismatch, match="Part 1 has ETag"):
        store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, '"' + "0" * 32 + '"')])
    assert [p.part_number for p in store.list_parts(key=key, upload_id=upload_id)] == [1]
    with pytest.raises(FileNotFoundError):
        store.size(key)


def test_a_small_part_before_the_last_is_refused_by_s3_as_parts_mismatch(store):
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    etags = upload_parts(store, key, upload_id, {1: b"tiny", 2: b"last"})
    with pytest.raises(PartsMismatch):
        store.complete_multipart_upload(key=key, upload_id=upload_id, parts=sorted(etags.items()))


def test_completion_is_idempotent_when_s3_already_completed(store):
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    etags = upload_parts(store, key, upload_id, {1: b"only part"})
    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, etags[1])])
    # the answer was lost, the client completes again: S3 no longer knows the upload, the object is there
    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, etags[1])])
    assert read(store, key) == b"only part"


def test_a_completion_sent_again_recognises_its_object_by_the_multipart_etag(store):
    """After S3 completed (NoSuchUpload now), the object's ETag is the one these parts give: the
    completion succeeds; other parts named are refused rather than taken for it."""
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    etags = upload_parts(store, key, upload_id, {1: b"a" * (5 * MiB), 2: b"tail"})
    parts = sorted(etags.items())
    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=parts)
    assert store.client.head_object(Bucket=store.bucket, Key=key)["ETag"].strip('"') == multipart_etag(
        [e for _n, e in parts]
    )
    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=parts)
    with pytest.raises(PartsMismatch, match="other parts"):
        store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, parts[0][1]), (2, "0" * 32)])
    assert read(store, key) == b"a" * (5 * MiB) + b"tail"


def test_an_aborted_upload_cannot_be_completed_and_abort_is_idempotent(store):
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    etags = upload_parts(store, key, upload_id, {1: b"x"})
    assert upload_id in {u.upload_id for u in store.list_multipart_uploads()}
    store.abort_multipart_upload(key=key, upload_id=upload_id)
    store.abort_multipart_upload(key=key, upload_id=upload_id)
    assert upload_id not in {u.upload_id for u in store.list_multipart_uploads()}
    with pytest.raises(FileNotFoundError):
        store.list_parts(key=key, upload_id=upload_id)
    with pytest.raises(FileNotFoundError):
        store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, etags[1])])


def test_server_side_parts_are_retried_by_botocore_after_a_500(store, s3):
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    s3.fail_next(method="PUT", path="partNumber=1", status=500)
    etag = store.put_part(key=key, upload_id=upload_id, part_number=1, stream=iter([b"abc", b"def"]))
    assert etag == hashlib.md5(b"abcdef").hexdigest()
    assert [status for method, path, status in s3.requests if "partNumber=1" in path] == [500, 200]


def test_missing_objects_are_file_not_found_and_delete_is_idempotent(store):
    key = new_object_key()
    for call in (lambda: store.size(key), lambda: store.open(key), lambda: store.checksums(key)):
        with pytest.raises(FileNotFoundError):
            call()
    store.delete(key)
    upload_id = store.create_multipart_upload(key=key)
    store.complete_multipart_upload(
        key=key, upload_id=upload_id, parts=[(1, upload_parts(store, key, upload_id, {1: b"x"})[1])]
    )
    store.delete(key)
    with pytest.raises(FileNotFoundError):
        store.size(key)


def test_an_unreachable_store_raises_storage_error_after_bounded_retries(store, s3, settings):
    settings.S3_MAX_ATTEMPTS = 2
    store = get_store()
    with s3.outage():
        for call in (
            store.check,
            lambda: store.create_multipart_upload(key=new_object_key()),
            lambda: store.size("files/x"),
        ):
            with pytest.raises(StorageError, match=r"S3 .* failed"):
                call()


def test_a_presigned_download_serves_the_bytes_with_the_original_name(store, settings):
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    data = "température,salinité\n12.5,35.1\n".encode()
    store.complete_multipart_upload(
        key=key, upload_id=upload_id, parts=[(1, upload_parts(store, key, upload_id, {1: data})[1])]
    )
    disposition = "attachment; filename=\"temperature.csv\"; filename*=UTF-8''temp%C3%A9rature.csv"
    url = store.download_url(key, content_disposition=disposition, content_type="text/csv")
    assert parse_qs(urlparse(url).query)["X-Amz-Expires"] == [str(settings.DOWNLOAD_URL_TTL_SECONDS)]
    response = requests.get(url, timeout=30)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["Content-Disposition"] == disposition
    assert response.headers["Content-Type"] == "text/csv"
    ranged = requests.get(url, headers={"Range": "bytes=0-3"}, timeout=30)  # S3 serves ranges itself
    assert (ranged.status_code, ranged.content) == (206, data[:4])


def test_the_health_check_names_a_missing_bucket_and_the_command_creates_it(s3, settings):
    settings.S3_BUCKET = "estran-missing-" + new_object_key()[-8:]
    with pytest.raises(StorageError, match=rf"bucket “{settings.S3_BUCKET}” does not exist.*--create-bucket"):
        get_store().check()
    with pytest.raises(CommandError, match="does not exist"):
        call_command("estran_storage")
    call_command("estran_storage", "--create-bucket", "--cors")
    get_store().check()
    cors = s3.client().get_bucket_cors(Bucket=settings.S3_BUCKET)["CORSRules"][0]
    assert settings.SITE_URL in cors["AllowedOrigins"]
    assert "PUT" in cors["AllowedMethods"] and cors["ExposeHeaders"] == ["ETag"]
    assert "x-amz-checksum-sha256" in cors["AllowedHeaders"]
    call_command("estran_storage", "--create-bucket")  # twice is fine


def test_healthz_reports_a_missing_bucket(s3, settings, client, db):
    settings.S3_BUCKET = "estran-nobucket"
    response = client.get("/healthz")
    assert response.status_code == 503
    storage = response.json()["checks"]["storage"]
    assert storage["status"] == "error"
    assert "estran-nobucket" in storage["error"] and "--create-bucket" in storage["error"]


@pytest.mark.parametrize(
    "value",
    ["", "abc", "0" * 63, "g" * 64, base64.b64encode(b"short").decode()],
    ids=["empty", "short", "63-hex", "not-hex", "short-base64"],
)
def test_a_malformed_sha256_is_refused(value):
    with pytest.raises(ValueError, match="not a SHA-256"):
        sha256_hex_and_b64(value)


def test_a_sha256_is_read_as_hex_or_base64():
    digest = hashlib.sha256(b"x").digest()
    expected = (digest.hex(), base64.b64encode(digest).decode())
    assert sha256_hex_and_b64(digest.hex()) == expected
    assert sha256_hex_and_b64(digest.hex().upper()) == expected
    assert sha256_hex_and_b64(base64.b64encode(digest).decode()) == expected


def stored(store, data: bytes) -> str:
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    etag = upload_parts(store, key, upload_id, {1: data})[1]
    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, etag)])
    return key


def test_a_range_read_gives_the_bytes_asked_for_and_stops_at_the_end(store):
    key = stored(store, b"0123456789")
    assert store.read_range(key, 0, 4) == b"0123"
    assert store.read_range(key, 6, 100) == b"6789"
    assert store.read_range(key, 10, 5) == b""  # S3's InvalidRange
    assert store.read_range(key, 3, 0) == b""
    assert store.read_range(stored(store, b""), 0, 10) == b""
    with pytest.raises(FileNotFoundError):
        store.read_range(new_object_key(), 0, 10)


def test_the_local_copy_of_an_object_is_a_temporary_file_deleted_afterwards(store):
    data = bytes(range(256)) * 4096  # 1 MiB
    key = stored(store, data)
    with store.local_copy(key, max_bytes=len(data)) as path:
        assert Path(path).read_bytes() == data
    assert not Path(path).exists()
    assert read(store, key) == data


def test_a_local_copy_over_max_bytes_is_refused_without_reading_the_object(store, s3):
    key = stored(store, b"x" * 100)
    s3.reset()
    with pytest.raises(ObjectTooLarge), store.local_copy(key, max_bytes=99):
        pass
    assert [method for method, path, _status in s3.requests if key in path] == ["HEAD"]


def test_reading_a_missing_object_is_file_not_found_and_an_unreachable_store_storage_error(store, s3, settings):
    with pytest.raises(FileNotFoundError), store.local_copy(new_object_key()):
        pass
    key = stored(store, b"abc")
    settings.S3_MAX_ATTEMPTS = 2
    store = get_store()
    with s3.outage():
        with pytest.raises(StorageError, match=r"S3 .* failed"), store.local_copy(key):
            pass
        with pytest.raises(StorageError, match=r"S3 .* failed"):
            store.read_range(key, 0, 1)


def test_a_small_object_is_put_whole_in_one_request_with_its_sha256(store, s3):
    """`put_object` (a bag's metadata files): one PutObject, sent with the bytes' SHA-256 for S3 to
    check (real S3 refuses other bytes; moto neither checks nor keeps it, so the request is what is
    looked at), and no multipart upload left behind."""
    sent = []
    store.client.meta.events.register(
        "before-send.s3", lambda request, **_: sent.append((request.method, dict(request.headers)))
    )
    key = new_object_key()
    data = "record.json — ε".encode() * 100
    store.put_object(key=key, data=data)
    [(method, headers)] = sent
    assert method == "PUT" and "uploadId" not in str(headers)
    assert headers["x-amz-checksum-sha256"] == base64.b64encode(hashlib.sha256(data).digest())
    assert read(store, key) == data
    pending = s3.client().list_multipart_uploads(Bucket="estran-test").get("Uploads", [])
    assert key not in [upload["Key"] for upload in pending]
    store.put_object(key=key, data=b"")  # replaced, even by nothing
    assert read(store, key) == b""
