"""Download all reads the small files ahead (repository/archive.py `_ReadAhead`): a ZIP of many
small files does not wait on the store one file after another, keeps at most READ_AHEAD of them in
memory, keeps the members' order and bytes among large ones streamed in their turn, and stops
reading when the client goes away. Against a real local store whose reads are slowed and counted."""

from __future__ import annotations

import hashlib
import io
import threading
import time
import zipfile

import pytest

from repository import archive
from repository.storage import LocalObjectStore


class SlowStore(LocalObjectStore):
    """The local store, each object taking `delay` seconds to open (a round trip to S3), with the
    objects opened and not yet read to the end counted."""

    def __init__(self, root, delay: float):
        super().__init__(root)
        self.delay, self.lock = delay, threading.Lock()
        self.opened: list[str] = []

    def open(self, key):
        time.sleep(self.delay)
        with self.lock:
            self.opened.append(key)
        return super().open(key)


def members_in(store: LocalObjectStore, sizes: list[int]) -> tuple[list[archive.Member], dict[str, bytes]]:
    members, contents = [], {}
    for n, size in enumerate(sizes):
        data = bytes([n % 251]) * size
        key = f"files/{n:05d}"
        path = store.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        name = f"folder{n % 3}/file{n:05d}.bin"
        members.append(archive.Member(name, size, hashlib.sha256(data).hexdigest(), key))
        contents[name] = data
    return members, contents


def test_many_small_files_are_read_a_few_at_a_time_and_the_zip_is_right(tmp_path):
    store = SlowStore(tmp_path, delay=0.02)
    members, contents = members_in(store, [4096] * 80)
    started = time.monotonic()
    data = b"".join(archive.zip_stream(members, store=store))
    elapsed = time.monotonic() - started
    with zipfile.ZipFile(io.BytesIO(data)) as unpacked:
        assert [i.filename for i in unpacked.infolist()] == [m.name for m in members]
        assert {i.filename: unpacked.read(i) for i in unpacked.infolist()} == contents
    # one after another: 80 × 20 ms = 1.6 s; eight at a time: about 0.2 s
    assert elapsed < 1.0, elapsed
    assert len(store.opened) == 80


def test_large_files_are_streamed_in_their_turn_between_small_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "READ_AHEAD_MAX_SIZE", 1000)
    monkeypatch.setattr(archive, "CHUNK_SIZE", 700)  # a large member comes in several chunks
    store = SlowStore(tmp_path, delay=0)
    members, contents = members_in(store, [10, 5000, 20, 999, 1001, 0, 3000, 1])
    data = b"".join(archive.zip_stream(members, store=store))
    with zipfile.ZipFile(io.BytesIO(data)) as unpacked:
        assert [i.filename for i in unpacked.infolist()] == [m.name for m in members]
        assert {i.filename: unpacked.read(i) for i in unpacked.infolist()} == contents
    assert len(data) == len(archive.zip_stream(members, store=store))  # the length announced


def test_at_most_read_ahead_files_are_held_and_reading_stops_when_the_client_goes(tmp_path):
    store = SlowStore(tmp_path, delay=0.01)
    members, _contents = members_in(store, [4096] * 200)
    stream = iter(archive.zip_stream(members, store=store))
    sent = 0
    for chunk in stream:
        sent += len(chunk)
        if sent > 20 * 4096:  # about twenty files sent
            break
    time.sleep(0.3)  # the reads under way land
    assert len(store.opened) <= 20 + archive.READ_AHEAD + 1
    stream.close()  # the client went away
    time.sleep(0.3)
    opened = len(store.opened)
    time.sleep(0.3)
    assert len(store.opened) == opened  # nothing more read
    assert opened < 40


@pytest.mark.parametrize("missing", [0, 5])
def test_a_small_file_missing_from_the_store_stops_the_zip_with_an_error(tmp_path, missing):
    store = SlowStore(tmp_path, delay=0)
    members, _contents = members_in(store, [100] * 10)
    (store.root / members[missing].storage_key).unlink()
    with pytest.raises(FileNotFoundError):
        b"".join(archive.zip_stream(members, store=store))
