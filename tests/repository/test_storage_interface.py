"""What the store interface (repository.storage.ObjectStore) gives every store: a temporary local
copy of an object for readers that need a file, bounded in size, and the check of the parts named at
completion. Exercised through a store whose objects are in-memory streams, as S3's bodies are."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from repository.storage import ObjectStore, ObjectTooLarge, PartsMismatch, StorageError, StoredPart


class StreamStore(ObjectStore):
    """Objects served as streams with no file behind them; `said`: the size the store says an object
    has (by default, that of the bytes it serves); `broken`: what reading the stream raises."""

    def __init__(self, objects: dict[str, bytes], *, said: int | None = None, broken: Exception | None = None):
        self.objects, self.said, self.broken, self.opened = objects, said, broken, 0

    def size(self, key):
        if key not in self.objects:
            raise FileNotFoundError(key)
        return len(self.objects[key]) if self.said is None else self.said

    def open(self, key):
        if key not in self.objects:
            raise FileNotFoundError(key)
        self.opened += 1
        stream = io.BytesIO(self.objects[key])
        if self.broken is not None:
            broken = self.broken

            def read(*args):
                raise broken

            stream.read = read
        return stream


def test_a_local_copy_holds_the_bytes_and_is_deleted_on_leaving():
    data = bytes(range(256)) * 40_000  # 10 MB: more than one chunk of the copy
    store = StreamStore({"files/a": data})
    with store.local_copy("files/a") as path:
        assert Path(path).read_bytes() == data
    assert not Path(path).exists() and not Path(path).parent.exists()


def test_a_local_copy_is_deleted_when_the_reader_fails():
    store = StreamStore({"files/a": b"abc"})
    with pytest.raises(RuntimeError), store.local_copy("files/a") as path:
        raise RuntimeError("the reader fell over")
    assert not Path(path).exists()


def test_an_object_larger_than_max_bytes_is_refused_before_a_byte_is_read():
    store = StreamStore({"files/a": b"x" * 101})
    with pytest.raises(ObjectTooLarge), store.local_copy("files/a", max_bytes=100):
        pass
    assert store.opened == 0
    with store.local_copy("files/a", max_bytes=101) as path:
        assert Path(path).stat().st_size == 101


def test_max_bytes_holds_while_copying_whatever_size_the_store_says():
    store = StreamStore({"files/a": b"x" * 101}, said=100)
    with pytest.raises(ObjectTooLarge), store.local_copy("files/a", max_bytes=100):
        pass
    assert store.opened == 1


def test_a_missing_object_is_file_not_found_not_a_store_failure():
    with pytest.raises(FileNotFoundError), StreamStore({}).local_copy("files/nothing"):
        pass


def test_a_stream_that_breaks_mid_copy_is_a_store_failure():
    store = StreamStore({"files/a": b"abc"}, broken=ConnectionResetError("reset by peer"))
    with pytest.raises(StorageError, match="reset by peer"), store.local_copy("files/a"):
        pass


def test_the_parts_named_at_completion_are_checked_against_the_stored_ones_in_order():
    stored = {1: StoredPart(1, "aa", 5), 2: StoredPart(2, "bb", 5)}
    ObjectStore._check_parts(stored, [(1, '"aa"'), (2, "bb")])  # quoted or not
    with pytest.raises(PartsMismatch, match="Part 2 has ETag bb, not cc"):
        ObjectStore._check_parts(stored, [(1, "aa"), (2, "cc"), (3, "dd")])
    with pytest.raises(PartsMismatch, match="Part 3 was never uploaded"):
        ObjectStore._check_parts(stored, [(1, "aa"), (2, "bb"), (3, "dd")])
