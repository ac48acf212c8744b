"""Bags of 1,000 records (issue 19): the export's memory stays flat as it goes through them, a second
run writes no bag, and after one record changed it writes that one bag."""

from __future__ import annotations

import ctypes
import gc
import hashlib
from pathlib import Path

import pytest

from preservation.destinations import FolderDestination
from preservation.services import bags_export
from repository.metadata import MetadataDocument
from repository.services import pid_mint, record_publish, record_withdraw
from repository.storage import get_store, new_object_key
from tests.repository.landing_support import full_metadata

pytestmark = pytest.mark.django_db

RECORDS = 1000
malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim  # glibc: return free heap pages to the system
DATA = b"station,depth,temp\n1,10,12.5\n"


def rss_bytes() -> int:
    """This process's resident memory now (not its peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.fixture
def thousand_records(depositor, communities):
    store, key = get_store(), new_object_key()
    upload_id = store.create_multipart_upload(key=key)
    etag = store.put_part(key=key, upload_id=upload_id, part_number=1, stream=iter([DATA]))
    store.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, etag)])
    document = MetadataDocument.model_validate(full_metadata("Station series"))
    file = {
        "name": "stations.csv",
        "size": len(DATA),
        "md5": hashlib.md5(DATA).hexdigest(),
        "sha256": hashlib.sha256(DATA).hexdigest(),
        "storage_key": key,
    }
    return [
        record_publish(pid=pid_mint(), document=document, community=communities["ocean"], owner=depositor, files=[file])
        for _ in range(RECORDS)
    ]


def test_a_thousand_records_are_bagged_in_flat_memory_and_then_only_what_changed(thousand_records, tmp_path, moderator):
    bags = tmp_path / "bags"
    to = FolderDestination(bags)
    memory: dict[int, int] = {}

    def measure(index, _doi, _written) -> None:
        # Every 50 bags, what the process holds: unreachable objects collected and the allocator's
        # free pages given back first, so that what is measured is what is kept, not how the heap
        # happens to be fragmented at that moment.
        if index % 50 == 0:
            gc.collect()
            malloc_trim(0)
            memory[index] = rss_bytes()

    report = bags_export(to=to, progress=measure)
    assert len(report.written) == RECORDS and not report.failed
    assert len([p for p in bags.iterdir() if p.is_dir()]) == RECORDS
    # Past the first hundred (imports, caches, the first batch of rows), the next 900 bags add no
    # more than a few megabytes: nothing is kept per record but its state entry.
    grown = max(memory[i] for i in range(100, RECORDS + 1, 50)) - memory[100]
    print(f"memory grew by {grown / 1e6:.1f} MB over 900 bags")  # noqa: T201 - the log's record of it
    assert grown < 16 * 1024 * 1024, f"memory grew by {grown / 1e6:.1f} MB over 900 bags"

    again = bags_export(to=to)
    assert (again.written, again.unchanged) == ([], RECORDS)

    changed = thousand_records[RECORDS // 2]
    record_withdraw(record=changed, actor=moderator, reason="duplicate", note="Twice the same series.")
    assert bags_export(to=to).written == [changed.doi]
