"""The fixity history preservation packages carry (issue 19): each check of the audit appended to its
file's history, and the history of a file kept to its last FIXITY_HISTORY_PER_FILE checks."""

from __future__ import annotations

import pytest

from repository.fixity import fixity_audit
from repository.models import FIXITY_HISTORY_PER_FILE, FixityCheck
from repository.storage import get_store
from tests.repository.doi_support import publish

pytestmark = pytest.mark.django_db


def test_each_check_is_kept_in_the_files_history_and_only_the_last_ones(depositor, moderator, communities):
    record = publish(depositor, moderator, communities)
    fixity_audit()
    first = FixityCheck.objects.get(record_file__record=record)
    assert first.ok and first.problem == "" and first.checked_at == record.files.get().last_fixity_check_at
    for _ in range(FIXITY_HISTORY_PER_FILE + 2):
        fixity_audit()
    checks = FixityCheck.objects.filter(record_file__record=record)
    assert checks.count() == FIXITY_HISTORY_PER_FILE
    assert not checks.filter(pk=first.pk).exists()  # the oldest went first
    assert max(c.checked_at for c in checks) == record.files.get().last_fixity_check_at


def test_a_mismatch_is_kept_in_the_history_with_what_was_wrong(depositor, moderator, communities, admin):
    record = publish(depositor, moderator, communities)
    record_file = record.files.get()
    path = get_store().root / record_file.storage_key
    path.write_bytes(b"depth,temp\n1,99.9\n")
    fixity_audit()
    check = FixityCheck.objects.get(record_file=record_file)
    assert not check.ok and "SHA-256" in check.problem
