"""Deposit services: file names, part sizes, limits, lenient drafts and strict submission, and the DOI
kept across resubmissions."""

from __future__ import annotations

import math

import pytest

from core.errors import ValidationFailed
from deposit import services
from deposit.models import DepositFile, UploadSession
from deposit.workflow import Action, Status
from repository.models import PersistentIdentifier
from repository.pids.base import get_provider, suffix_is_valid
from tests.factories import complete_metadata, deposit_with_file

MIB = 1024 * 1024


# --- file names ---------------------------------------------------------------------------------


def test_file_names_are_stored_in_nfc():
    assert services.clean_file_name("cafe\u0301.csv") == "caf\u00e9.csv"
    assert services.clean_file_name("e\u0301") == "\u00e9"
    assert services.clean_file_name("  temp.nc  ") == "temp.nc"


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        ".",
        "..",
        "../x",
        "/etc/passwd",
        "a\\b",
        "bell\x07",
        "nul\x00",
        "del\x7f",
        "c1\x85ctl",
        "new\nline",
        "x" * 256,
        None,
        42,
    ],
)
def test_bad_file_names_are_refused_naming_the_field(name):
    with pytest.raises(ValidationFailed) as caught:
        services.clean_file_name(name)
    assert caught.value.field == "name"
    assert caught.value.problems == [{"field": "name", "message": caught.value.message}]


def test_a_255_character_name_and_unicode_are_accepted():
    assert services.clean_file_name("x" * 255) == "x" * 255
    assert services.clean_file_name("Données brutes — été 2024.nc") == "Données brutes — été 2024.nc"


def test_an_uploaded_file_keeps_its_nfc_name(depositor, communities):
    deposit = services.deposit_create(owner=depositor, community=communities["ocean"])
    session = services.upload_open(deposit=deposit, actor=depositor, name="e\u0301te\u0301.csv", size=3)
    assert session.file.name == "\u00e9t\u00e9.csv"
    # the same file chosen again under the other spelling: the same upload, resumed
    assert services.upload_open(deposit=deposit, actor=depositor, name="\u00e9t\u00e9.csv", size=3).pk == session.pk
    assert deposit.files.count() == 1


# --- part sizes ---------------------------------------------------------------------------------


def test_part_size_is_at_least_the_minimum(settings):
    assert settings.UPLOAD_MIN_PART_SIZE == 8 * MIB
    assert services.part_size_for(0) == 8 * MIB
    assert services.part_size_for(1) == 8 * MIB
    assert services.part_size_for(8 * MIB * 10_000) == 8 * MIB


@pytest.mark.parametrize("size", [50 * 10**9, 100 * 10**9, 8 * MIB * 10_000 + 1, 5 * 1024**4])
def test_a_large_file_never_needs_more_than_10000_parts(size):
    part_size = services.part_size_for(size)
    assert part_size >= 8 * MIB
    assert math.ceil(size / part_size) <= 10_000


def test_a_50_gb_upload_session_has_at_most_10000_parts(depositor, communities):
    deposit = services.deposit_create(owner=depositor, community=communities["ocean"])
    session = services.upload_open(deposit=deposit, actor=depositor, name="big.nc", size=50 * 10**9)
    assert session.part_size == 8 * MIB
    assert session.part_count == math.ceil(50 * 10**9 / (8 * MIB)) <= 10_000
    assert len(services.upload_part_urls(session)) == session.part_count


def test_an_empty_file_is_one_empty_part(depositor, communities):
    deposit = deposit_with_file(depositor, community=communities["ocean"], content=b"", name="empty.txt")
    file = deposit.files.get()
    assert (file.state, file.size, file.sha256) == (
        "ready",
        0,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    )
    assert file.upload.part_count == 1


# --- limits -------------------------------------------------------------------------------------


def test_the_file_size_limit(settings, depositor, communities):
    settings.UPLOAD_MAX_FILE_SIZE = 100
    deposit = services.deposit_create(owner=depositor, community=communities["ocean"])
    services.upload_open(deposit=deposit, actor=depositor, name="ok.bin", size=100)
    with pytest.raises(ValidationFailed) as caught:
        services.upload_open(deposit=deposit, actor=depositor, name="big.bin", size=101)
    assert caught.value.field == "size"
    assert "100" in caught.value.message
    assert list(deposit.files.values_list("name", flat=True)) == ["ok.bin"]


def test_the_deposit_size_limit_counts_every_file_but_failed_ones(settings, depositor, communities):
    settings.UPLOAD_MAX_DEPOSIT_SIZE = 100
    deposit = services.deposit_create(owner=depositor, community=communities["ocean"])
    services.upload_open(deposit=deposit, actor=depositor, name="a.bin", size=60)
    with pytest.raises(ValidationFailed) as caught:
        services.upload_open(deposit=deposit, actor=depositor, name="b.bin", size=41)
    assert caught.value.field == "size"
    services.upload_open(deposit=deposit, actor=depositor, name="b.bin", size=40)
    DepositFile.objects.filter(name="a.bin").update(state=DepositFile.State.failed)
    services.upload_open(deposit=deposit, actor=depositor, name="c.bin", size=60)
    assert deposit.files.count() == 3


def test_the_file_count_limit(settings, depositor, communities):
    settings.UPLOAD_MAX_FILES = 2
    deposit = services.deposit_create(owner=depositor, community=communities["ocean"])
    for name in ("a", "b"):
        services.upload_open(deposit=deposit, actor=depositor, name=name, size=1)
    with pytest.raises(ValidationFailed) as caught:
        services.upload_open(deposit=deposit, actor=depositor, name="c", size=1)
    assert "2" in caught.value.message
    assert deposit.files.count() == 2
    assert UploadSession.objects.count() == 2


def test_a_limit_refusal_creates_nothing_in_the_store(settings, depositor, communities, tmp_path):
    settings.UPLOAD_MAX_FILE_SIZE = 1
    deposit = services.deposit_create(owner=depositor, community=communities["ocean"])
    with pytest.raises(ValidationFailed):
        services.upload_open(deposit=deposit, actor=depositor, name="big", size=2)
    uploads = settings.LOCAL_STORAGE_ROOT / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


# --- lenient drafts, strict submission ----------------------------------------------------------


def test_a_draft_keeps_anything_typed_including_an_invalid_orcid(depositor, communities):
    metadata = complete_metadata()
    metadata["creators"][0]["orcid"] = "0000-0002-1825-0098"  # wrong check digit
    metadata["unexpected"] = {"anything": [1, 2]}
    deposit = deposit_with_file(depositor, community=communities["ocean"], metadata=complete_metadata())
    deposit = services.deposit_update(deposit=deposit, actor=depositor, metadata=metadata)
    deposit.refresh_from_db()
    assert deposit.metadata == metadata
    assert deposit.revision == 2

    with pytest.raises(ValidationFailed) as caught:
        services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)
    problems = caught.value.problems
    orcid = [p for p in problems if p["field"] == "creators.0.orcid"]
    assert len(orcid) == 1
    assert orcid[0]["step"] == "people"
    assert "ORCID" in orcid[0]["message"]
    assert any(p["field"] == "unexpected" for p in problems)
    deposit.refresh_from_db()
    assert deposit.status == Status.draft
    assert deposit.pid_id is None
    assert deposit.metadata == metadata


def test_submission_lists_every_problem_against_its_step(depositor, communities):
    deposit = services.deposit_create(owner=depositor, metadata={"titles": [{"title": ""}]})
    problems = services.deposit_problems(deposit)
    by_field = {p["field"]: p["step"] for p in problems}
    assert by_field["titles.0.title"] == "describe"
    assert by_field["creators"] == "people"
    assert by_field["descriptions"] == "describe"
    assert by_field["rights"] == "links_licence"
    assert by_field["community"] == "describe"
    assert by_field["files"] == "files"
    assert all(p["message"] for p in problems)


def test_a_complete_deposit_has_no_problems(depositor, communities):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    assert services.deposit_problems(deposit) == []


# --- DOIs ---------------------------------------------------------------------------------------


def test_a_resubmission_keeps_the_doi_reserved_at_first_submission(depositor, moderator, communities):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    deposit = services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)
    doi = deposit.pid.doi
    services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    services.deposit_act(deposit=deposit, action=Action.request_changes, actor=moderator, note="Title?")

    services.deposit_update(deposit=deposit, actor=depositor, metadata=complete_metadata(title="A better title"))
    deposit = services.deposit_act(deposit=deposit, action=Action.resubmit, actor=depositor)
    assert (deposit.status, deposit.reviewer) == (Status.in_review, moderator)  # still claimed (issue 15)
    assert deposit.pid.doi == doi
    assert PersistentIdentifier.objects.count() == 1
    pid = PersistentIdentifier.objects.get()
    assert pid.document["titles"][0]["title"] == "A better title"  # the new metadata is sent again
    assert pid.sync == PersistentIdentifier.Sync.pending


def test_back_to_draft_then_submit_again_keeps_the_doi(depositor, moderator, communities):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    doi = services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor).pid.doi
    services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    services.deposit_act(deposit=deposit, action=Action.request_changes, actor=moderator, note="Title?")
    services.deposit_act(deposit=deposit, action=Action.edit, actor=depositor)
    deposit = services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)
    assert deposit.pid.doi == doi
    assert PersistentIdentifier.objects.count() == 1


def test_a_refused_submission_reserves_no_doi(depositor, communities):
    deposit = services.deposit_create(owner=depositor, metadata=complete_metadata(), community=communities["ocean"])
    with pytest.raises(ValidationFailed):
        services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)
    assert not PersistentIdentifier.objects.exists()


def test_minted_dois_carry_a_valid_check_suffix(settings):
    provider = get_provider("local")
    dois = {provider.mint() for _ in range(200)}
    assert len(dois) == 200
    for doi in dois:
        assert doi.startswith("10.5072/estran.")
        assert suffix_is_valid(doi), doi


def test_a_mistyped_doi_fails_the_check():
    doi = get_provider("local").mint()
    prefix, suffix = doi.split("/estran.")
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    for i, char in enumerate(suffix):
        if char == "-":
            continue
        for other in alphabet:
            if other == char.lower():
                continue
            if i >= len(suffix) - 2 and not other.isdigit():
                continue  # the check digits are decimal
            typo = f"{prefix}/estran.{suffix[:i]}{other}{suffix[i + 1 :]}"
            assert not suffix_is_valid(typo), typo
    assert not suffix_is_valid(f"{prefix}/other.{suffix}")
    assert not suffix_is_valid(f"{prefix}/estran.")
