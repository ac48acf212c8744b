"""The local object store: multipart uploads assembled in part order, MD5 ETags, key confinement,
signed part URLs, and the health check."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from repository.storage import LocalObjectStore, PartsMismatch, StorageError, get_store, new_object_key


@pytest.fixture
def store(tmp_path):
    return LocalObjectStore(tmp_path / "objects")


def put(store, upload_id, number, data: bytes, chunks: int = 1) -> str:
    step = max(1, len(data) // chunks)
    pieces = [data[i : i + step] for i in range(0, len(data), step)] or [b""]
    return store.put_part(key="", upload_id=upload_id, part_number=number, stream=iter(pieces))


def read(store, key) -> bytes:
    with store.open(key) as fh:
        return fh.read()


def test_get_store_is_the_local_store_under_the_configured_root(settings):
    store = get_store()
    assert isinstance(store, LocalObjectStore)
    assert store.root == settings.LOCAL_STORAGE_ROOT


def test_an_unknown_backend_is_refused(settings):
    settings.STORAGE_BACKEND = "floppy"
    with pytest.raises(ValueError, match="floppy"):
        get_store()


def test_object_keys_are_generated_and_unique():
    keys = {new_object_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(k.startswith("files/") and "/" not in k.removeprefix("files/") for k in keys)


def test_multipart_upload_assembles_the_parts_in_part_order(store):
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    assert upload_id.isalnum()
    parts = {1: b"first-", 2: b"second-", 3: b"third"}
    etags = {}
    for number in (3, 1, 2):  # any order of arrival
        etags[number] = put(store, upload_id, number, parts[number], chunks=2)

    listed = store.list_parts(key=key, upload_id=upload_id)
    assert [(p.part_number, p.etag, p.size) for p in listed] == [
        (n, hashlib.md5(parts[n]).hexdigest(), len(parts[n])) for n in (1, 2, 3)
    ]

    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(n, etags[n]) for n in (1, 2, 3)])
    assert read(store, key) == b"first-second-third"
    assert store.size(key) == len(b"first-second-third")
    data = b"first-second-third"
    assert store.checksums(key) == (hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest(), len(data))
    # the parts are gone once assembled
    with pytest.raises(FileNotFoundError):
        store.list_parts(key=key, upload_id=upload_id)
    assert not (store.root / "uploads" / upload_id).exists()


def test_the_etag_is_the_md5_of_the_part(store):
    upload_id = store.create_multipart_upload(key=new_object_key())
    data = bytes(range(256)) * 1000
    assert put(store, upload_id, 1, data, chunks=7) == hashlib.md5(data).hexdigest()


def test_a_part_sent_again_replaces_the_previous_one(store):
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    put(store, upload_id, 1, b"old bytes")
    etag = put(store, upload_id, 1, b"new")
    assert [(p.part_number, p.etag, p.size) for p in store.list_parts(key=key, upload_id=upload_id)] == [(1, etag, 3)]
    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, etag)])
    assert read(store, key) == b"new"


def test_quoted_etags_are_accepted_at_completion(store):
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    etag = put(store, upload_id, 1, b"abc")
    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, f'"{etag}"')])
    assert read(store, key) == b"abc"


def test_completing_with_a_wrong_etag_raises_parts_mismatch_and_keeps_the_parts(store):
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    etag = put(store, upload_id, 1, b"abc")
    with pytest.raises(PartsMismatch, match="Part 1"):
        store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, "0" * 32)])
    assert [p.etag for p in store.list_parts(key=key, upload_id=upload_id)] == [etag]
    with pytest.raises(FileNotFoundError):
        store.open(key)


def test_completing_with_a_part_never_uploaded_raises_parts_mismatch(store):
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    etag = put(store, upload_id, 1, b"abc")
    with pytest.raises(PartsMismatch, match="Part 2"):
        store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, etag), (2, etag)])


def test_completing_an_unknown_upload_raises_file_not_found(store):
    with pytest.raises(FileNotFoundError):
        store.complete_multipart_upload(key=new_object_key(), upload_id="0" * 32, parts=[(1, "x")])


def test_completing_again_after_the_parts_were_assembled_succeeds_and_keeps_the_object(store):
    """A completion whose answer (or whose database commit) was lost is sent again: the parts are
    gone, the object is there, and the store answers as if it had assembled it."""
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    etags = [(1, put(store, upload_id, 1, b"first-")), (2, put(store, upload_id, 2, b"second"))]
    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=etags)
    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=etags)
    assert read(store, key) == b"first-second"
    assert sorted(p.name for p in (store.root / "files").iterdir()) == [key.removeprefix("files/")]


def test_completions_racing_each_other_assemble_one_whole_object(store):
    import threading

    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    parts = {n: bytes([n]) * (256 * 1024) for n in range(1, 9)}
    etags = [(n, put(store, upload_id, n, data)) for n, data in parts.items()]
    start, errors = threading.Barrier(4), []

    def complete():
        try:
            start.wait(timeout=10)
            store.complete_multipart_upload(key=key, upload_id=upload_id, parts=etags)
        except Exception as exc:  # noqa: BLE001 - any failure in the thread is asserted below  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=complete) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert read(store, key) == b"".join(parts[n] for n in sorted(parts))
    assert not (store.root / "uploads" / upload_id).exists()
    assert [p.name for p in (store.root / "files").iterdir()] == [key.removeprefix("files/")]  # no leftovers


def test_abort_removes_the_parts(store):
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    put(store, upload_id, 1, b"abc")
    store.abort_multipart_upload(key=key, upload_id=upload_id)
    assert not (store.root / "uploads" / upload_id).exists()
    with pytest.raises(FileNotFoundError):
        store.list_parts(key=key, upload_id=upload_id)
    with pytest.raises(FileNotFoundError):
        put(store, upload_id, 2, b"late")
    store.abort_multipart_upload(key=key, upload_id=upload_id)  # twice is fine


def test_delete_removes_an_object_and_is_idempotent(store):
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, put(store, upload_id, 1, b"x"))])
    store.delete(key)
    with pytest.raises(FileNotFoundError):
        store.open(key)
    store.delete(key)


@pytest.mark.parametrize("key", ["../x", "files/../../x", "/etc/passwd", "", ".", "files/../.."])
def test_keys_cannot_escape_the_root(store, key, tmp_path):
    with pytest.raises(ValueError, match="escapes"):
        store.open(key)
    with pytest.raises(ValueError, match="escapes"):
        store.delete(key)
    with pytest.raises(ValueError, match="escapes"):
        store.size(key)
    upload_id = store.create_multipart_upload(key=key)
    etag = put(store, upload_id, 1, b"evil")
    with pytest.raises(ValueError, match="escapes"):
        store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, etag)])
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("upload_id", ["../x", "..", "a/b", "", "abc-def"])
def test_malformed_upload_ids_are_refused(store, upload_id):
    with pytest.raises(ValueError, match="Malformed upload id"):
        put(store, upload_id, 1, b"x")
    with pytest.raises(ValueError, match="Malformed upload id"):
        store.list_parts(key="", upload_id=upload_id)
    with pytest.raises(ValueError, match="Malformed upload id"):
        store.abort_multipart_upload(key="", upload_id=upload_id)


# --- signed part URLs ---------------------------------------------------------------------------


def _signature(url: str) -> str:
    return parse_qs(urlparse(url).query)["signature"][0]


def test_a_part_url_points_at_the_part_endpoint_and_verifies(store, settings):
    upload_id = store.create_multipart_upload(key="files/k")
    url = store.part_url(key="files/k", upload_id=upload_id, part_number=7, max_bytes=1024)
    parsed = urlparse(url)
    assert url.startswith(settings.SITE_URL + "/")
    assert parsed.path == f"/storage/uploads/{upload_id}/parts/7"
    signature = _signature(url)
    assert LocalObjectStore.verify_part_signature(upload_id=upload_id, part_number=7, signature=signature)
    assert not LocalObjectStore.verify_part_signature(upload_id=upload_id, part_number=8, signature=signature)
    assert not LocalObjectStore.verify_part_signature(upload_id="0" * 32, part_number=7, signature=signature)
    assert not LocalObjectStore.verify_part_signature(upload_id=upload_id, part_number=7, signature=signature[:-1])
    assert not LocalObjectStore.verify_part_signature(upload_id=upload_id, part_number=7, signature="")


def test_an_expired_part_url_is_refused(store, settings):
    upload_id = store.create_multipart_upload(key="files/k")
    signature = _signature(store.part_url(key="files/k", upload_id=upload_id, part_number=1, max_bytes=1024))
    assert LocalObjectStore.verify_part_signature(upload_id=upload_id, part_number=1, signature=signature)
    settings.UPLOAD_PART_URL_TTL_SECONDS = -1
    assert not LocalObjectStore.verify_part_signature(upload_id=upload_id, part_number=1, signature=signature)


def test_a_part_url_signed_with_another_secret_is_refused(store, settings):
    upload_id = store.create_multipart_upload(key="files/k")
    signature = _signature(store.part_url(key="files/k", upload_id=upload_id, part_number=1, max_bytes=1024))
    settings.SECRET_KEY = "another-secret-key-entirely-" + "x" * 30
    assert not LocalObjectStore.verify_part_signature(upload_id=upload_id, part_number=1, signature=signature)


# --- health check -------------------------------------------------------------------------------


def test_check_writes_and_cleans_up_a_probe(store):
    store.check()
    assert store.root.is_dir()
    assert list(store.root.iterdir()) == []


def test_check_raises_storage_error_when_the_root_cannot_be_created(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError):
        LocalObjectStore(blocker).check()
    with pytest.raises(StorageError):
        LocalObjectStore(blocker / "below").check()


@pytest.mark.django_db
def test_a_part_larger_than_its_signed_size_is_refused_and_nothing_is_stored(client, settings):
    store = get_store()  # the store the part endpoint writes to
    upload_id = store.create_multipart_upload(key="files/k")
    url = urlparse(store.part_url(key="files/k", upload_id=upload_id, part_number=1, max_bytes=10))
    path = f"{url.path}?{url.query}"
    refused = client.put(path, data=b"x" * 11, content_type="application/octet-stream")
    assert refused.status_code == 413
    assert store.list_parts(key="files/k", upload_id=upload_id) == []
    assert store.list_parts(key="files/k", upload_id=upload_id) == []
    accepted = client.put(path, data=b"x" * 10, content_type="application/octet-stream")
    assert accepted.status_code == 200
    assert [p.size for p in store.list_parts(key="files/k", upload_id=upload_id)] == [10]


def stored(store, data: bytes) -> str:
    key = new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, put(store, upload_id, 1, data))])
    return key


def test_a_range_read_gives_the_bytes_asked_for_and_stops_at_the_end(store):
    key = stored(store, b"0123456789")
    assert store.read_range(key, 0, 4) == b"0123"
    assert store.read_range(key, 6, 100) == b"6789"
    assert store.read_range(key, 10, 5) == b""
    assert store.read_range(key, 3, 0) == b""
    assert store.read_range(stored(store, b""), 0, 10) == b""
    with pytest.raises(FileNotFoundError):
        store.read_range(new_object_key(), 0, 10)


def test_the_local_copy_of_an_object_is_its_own_file_whatever_its_size(store):
    key = stored(store, b"x" * 100)
    with store.local_copy(key, max_bytes=10) as path:  # read in place: nothing is copied
        assert Path(path).resolve().is_relative_to(store.root.resolve())
        assert Path(path).read_bytes() == b"x" * 100
    assert read(store, key) == b"x" * 100  # and nothing is deleted
    with pytest.raises(FileNotFoundError), store.local_copy(new_object_key()):
        pass


def test_a_small_object_is_put_whole_and_replaces_the_one_there(store):
    key = new_object_key()
    store.put_object(key=key, data=b"first")
    store.put_object(key=key, data=b"second")
    with store.open(key) as fh:
        assert fh.read() == b"second"
    assert [p.name for p in store._path(key).parent.iterdir()] == [store._path(key).name]  # no temporary left
    with pytest.raises(ValueError, match="escapes the storage root"):
        store.put_object(key="../outside", data=b"x")
