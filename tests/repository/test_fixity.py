"""The fixity audit at 10,000 files (issue 17, "Integrity at that size"): a record's files made in
bulk, all on one stored object, audited in one run with the same number of queries as 10 files (one
read of the sample, one write of the outcomes), the rolling order kept, and a mismatch among them
reported once."""

from __future__ import annotations

import hashlib

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from repository.fixity import fixity_audit
from repository.metadata import MetadataDocument
from repository.models import RecordFile
from repository.services import pid_mint, record_publish
from repository.storage import get_store, new_object_key
from tests.repository.landing_support import full_metadata

pytestmark = pytest.mark.django_db

DATA = b"station,depth,temp\n1,10,12.5\n"


def stored_object() -> str:
    """One object in the store, through the store's own upload: its key."""
    store, key = get_store(), new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    etag = store.put_part(key=key, upload_id=upload_id, part_number=1, stream=iter([DATA]))
    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, etag)])
    return key


@pytest.fixture
def record_with(depositor, communities):
    """A published record holding `n` files, made in bulk, every one of them the stored object."""
    key = stored_object()

    def make(n: int):
        document = MetadataDocument.model_validate(full_metadata(f"Station series, {n} files"))
        file = {
            "name": "README",
            "size": len(DATA),
            "md5": hashlib.md5(DATA).hexdigest(),
            "sha256": hashlib.sha256(DATA).hexdigest(),
            "storage_key": key,
        }
        record = record_publish(
            pid=pid_mint(), document=document, community=communities["ocean"], owner=depositor, files=[file]
        )
        RecordFile.objects.bulk_create(
            RecordFile(record=record, **{**file, "name": f"stations/{i // 100:03d}/s{i:05d}.csv"}) for i in range(n - 1)
        )
        return record

    return make


def audited(**limits) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        result = fixity_audit(**limits)
    return result, len(queries)


def spoil(record, name: str) -> RecordFile:
    """The record now says other bytes than the store holds for this file."""
    RecordFile.objects.filter(record=record, name=name).update(sha256="0" * 64)
    return RecordFile.objects.get(record=record, name=name)


def test_an_audit_of_2000_files_takes_the_queries_of_an_audit_of_10(record_with, admin):
    # 2,000 files read and checked is the same proof as 10,000 (the count does not grow) in a fifth
    # of the time; the hourly sample's test below holds 10,000.
    small = record_with(10)
    spoiled_small = spoil(small, "stations/000/s00003.csv")
    result, queries_for_10 = audited(files=10, max_bytes=10**9)
    assert result == {"checked": 10, "mismatched": [spoiled_small.pk]}
    checked_at = dict(RecordFile.objects.filter(record=small).values_list("pk", "last_fixity_check_at"))
    assert None not in checked_at.values()

    large = record_with(2_000)
    bad = spoil(large, "stations/012/s01242.csv")
    result, queries_for_2000 = audited(files=2_000, max_bytes=10**9)
    assert queries_for_2000 == queries_for_10
    assert result == {"checked": 2_000, "mismatched": [bad.pk]}
    # the files never checked first: all of the large record's, none of the small one's again
    assert not RecordFile.objects.filter(record=large, last_fixity_check_at__isnull=True).exists()
    assert dict(RecordFile.objects.filter(record=small).values_list("pk", "last_fixity_check_at")) == checked_at
    assert RecordFile.objects.get(pk=bad.pk).fixity_error == (
        f"SHA-256 is {hashlib.sha256(DATA).hexdigest()}, the record says {'0' * 64}."
    )
    assert set(RecordFile.objects.exclude(fixity_error="").values_list("pk", flat=True)) == {spoiled_small.pk, bad.pk}
    assert len(mail.outbox) == 2
    assert "1 file(s) do not match" in mail.outbox[1].subject and "stations/012/s01242.csv" in mail.outbox[1].body


def test_the_hourly_sample_stays_within_its_bounds_at_10000_files(record_with, admin, settings):
    settings.FIXITY_AUDIT_FILES = 100
    record_with(10_000)
    first, queries = audited()
    assert first["checked"] == 100
    second, again = audited()
    assert (second["checked"], again) == (100, queries)
    checked = RecordFile.objects.filter(last_fixity_check_at__isnull=False)
    assert checked.count() == 200  # the next run takes files never checked, not the same ones
    assert audited(max_bytes=3 * len(DATA))[0]["checked"] == 3  # the byte budget stops a run
