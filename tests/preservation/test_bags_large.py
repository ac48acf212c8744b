"""A file larger than what the export may hold in memory goes from the store to the bag and from the
bag back to a store as a stream; a bag spanning several S3 parts is whole when fetched back; bags
copied by hand (no state file) are found and imported."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from contextlib import contextmanager

import bagit
import pytest

from preservation.destinations import PART_SIZE, STATE_FILE, FolderDestination, S3Destination
from preservation.package import bag_name
from preservation.services import bags_export, bags_import
from repository.metadata import MetadataDocument
from repository.models import Concept, PersistentIdentifier, Record, RecordFile, RecordRevision
from repository.services import pid_mint, record_publish
from repository.storage import get_store, new_object_key
from tests.preservation.test_bags_scale import rss_bytes
from tests.repository.landing_support import full_metadata

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024


@contextmanager
def peak_growth():
    """How much more resident memory than at its start the process held at most inside the `with`
    (sampled every 5 ms by a thread)."""
    start, peak, done = rss_bytes(), [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_bytes())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield lambda: peak[0] - start
    finally:
        done.set()
        sampler.join()


def stored(chunks: list[bytes], name: str = "glider/section.nc") -> dict:
    """One object in the store, sent chunk by chunk; the record's file entry for it."""
    store, key = get_store(), new_object_key()
    md5, sha256 = hashlib.md5(), hashlib.sha256()
    for chunk in chunks:
        md5.update(chunk)
        sha256.update(chunk)
    upload_id = store.create_multipart_upload(key=key)
    etag = store.put_part(key=key, upload_id=upload_id, part_number=1, stream=iter(chunks))
    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, etag)])
    return {
        "name": name,
        "size": sum(len(c) for c in chunks),
        "md5": md5.hexdigest(),
        "sha256": sha256.hexdigest(),
        "storage_key": key,
    }


def published(file: dict, depositor, communities) -> Record:
    document = MetadataDocument.model_validate(full_metadata("Glider section"))
    return record_publish(
        pid=pid_mint(), document=document, community=communities["ocean"], owner=depositor, files=[file]
    )


def forget_records() -> None:
    RecordRevision.objects.all().delete()
    RecordFile.objects.all().delete()
    PersistentIdentifier.objects.all().delete()
    Record.objects.all().delete()
    Concept.objects.all().delete()


def test_a_large_file_is_streamed_into_the_bag_and_back_into_a_store(depositor, communities, settings, tmp_path):
    size = 48 * MiB
    chunks = [os.urandom(MiB) for _ in range(size // MiB)]
    record = published(stored(chunks), depositor, communities)
    sha256 = record.files.get().sha256
    del chunks
    bags = tmp_path / "bags"
    with peak_growth() as grown:
        assert bags_export(to=FolderDestination(bags)).written == [record.doi]
    assert grown() < size // 2
    bag = bagit.Bag(str(bags / bag_name(record.doi)))
    bag.validate()
    assert int(bag.info["Payload-Oxum"].split(".")[0]) > size

    # Bags copied by hand: no state file, the folders are the bags.
    (bags / STATE_FILE).unlink()
    forget_records()
    settings.LOCAL_STORAGE_ROOT = tmp_path / "successor-storage"
    with peak_growth() as grown:
        report = bags_import(source=FolderDestination(bags))
    assert report.imported == [record.doi] and not report.failed
    assert grown() < size // 2
    imported = Record.objects.get(doi=record.doi).files.get()
    assert (imported.size, imported.sha256) == (size, sha256)
    assert get_store().checksums(imported.storage_key)[1:] == (sha256, size)


def test_a_bag_file_of_several_s3_parts_is_whole_when_fetched_back(s3, depositor, communities):
    name = "glider/100% section #2 é.nc"  # what a manifest line and an S3 key must carry as is
    record = published(stored([b"x" * (PART_SIZE + MiB)], name), depositor, communities)
    bucket = s3.create_bucket("estran-bags-large")
    where = S3Destination(f"s3://{bucket}/bags")
    assert bags_export(to=where).written == [record.doi]
    with where.fetch_bag(bag_name(record.doi)) as path:
        bagit.Bag(str(path)).validate()
        assert (path / "data/files" / name).stat().st_size == PART_SIZE + MiB
