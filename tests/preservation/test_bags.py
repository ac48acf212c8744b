"""Preservation packages (issue 19): every record written as a BagIt bag that bagit.py's own
validator accepts, holding its files, every export format, identifiers, revisions, fixity and review
history; and a round trip — a corpus with versions, a withdrawal, a lifted embargo, a review with
changes requested and comments, files on S3 — exported, the repository emptied (a new bucket, the
records' tables flushed, the people gone but one), imported back: nothing lost."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import bagit
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from deposit import services as deposit_services
from deposit.models import Deposit, DepositEvent, ReviewRound
from deposit.workflow import Action
from moderation.conversation import comment_add
from moderation.models import Comment
from preservation.destinations import STATE_FILE, FolderDestination, S3Destination
from preservation.package import RENDERINGS, bag_name
from preservation.services import bags_export, bags_import
from repository.fixity import fixity_audit
from repository.models import (
    Concept,
    FixityCheck,
    PersistentIdentifier,
    Record,
    RecordFile,
    RecordRevision,
)
from repository.services import record_lift_embargo, record_withdraw
from repository.storage import get_store
from repository.views import EXPORTS
from tests.factories import complete_metadata, deposit_with_file
from tests.repository.doi_support import drain, publish, publish_new_version

pytestmark = pytest.mark.django_db

ORCID = "0000-0002-1825-0097"
EVENTS = ["submit", "claim", "request_changes", "resubmit", "approve", "publish"]


@pytest.fixture
def bags(tmp_path) -> Path:
    """The folder bags are written to (beside the test's own storage folder, not in it)."""
    return tmp_path / "bags"


def read(key: str) -> bytes:
    with get_store().open(key) as body:
        return body.read()


@pytest.fixture
def corpus(s3, datacite, depositor, moderator, communities):
    """On S3: a record in two versions (a concept DOI), a withdrawn one, one whose embargo was lifted
    (two revisions), and one published after changes were requested, with a conversation; the
    fixity audit run over all of them (twice)."""
    depositor.orcid = ORCID
    depositor.save(update_fields=["orcid"])
    v1 = publish(depositor, moderator, communities)
    v2 = publish_new_version(v1, depositor, moderator, title="CTD casts, corrected salinity")
    withdrawn = publish(depositor, moderator, communities, content=b"depth,temp\n2,11.0\n")
    record_withdraw(record=withdrawn, actor=moderator, reason="duplicate", note="Same casts as another record.")
    embargo_end = date.today() + timedelta(days=30)
    metadata = {
        **complete_metadata("Glider section"),
        "access": {"level": "embargoed", "embargo_until": str(embargo_end)},
    }
    embargoed = publish(depositor, moderator, communities, metadata=metadata, content=b"glider\n1\n")
    record_lift_embargo(record=embargoed, today=embargo_end)

    deposit = deposit_with_file(
        depositor, community=communities["ocean"], metadata=complete_metadata("Sediment cores"), content=b"core,1\n"
    )
    deposit = deposit_services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)
    deposit = deposit_services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    question = comment_add(deposit=deposit, author=moderator, body="Which core is this?", field="title")
    comment_add(deposit=deposit, author=depositor, body="Core 7, from the 2023 cruise.", parent=question)
    deposit = deposit_services.deposit_act(
        deposit=deposit, action=Action.request_changes, actor=moderator, note="Name the core in the title."
    )
    deposit_services.deposit_update(
        deposit=deposit, actor=depositor, metadata={**deposit.metadata, "titles": [{"title": "Sediment core 7"}]}
    )
    deposit = deposit_services.deposit_act(deposit=deposit, action=Action.resubmit, actor=depositor)
    # back to its reviewer, who approves it
    reviewed = deposit_services.deposit_act(deposit=deposit, action=Action.approve, actor=moderator).record
    drain()
    fixity_audit()
    fixity_audit()
    return {"v1": v1, "v2": v2, "withdrawn": withdrawn, "embargoed": embargoed, "reviewed": reviewed}


def snapshot() -> dict:
    """Everything a record is, by DOI, with nothing that is this database's own (ids, object keys)."""
    User = get_user_model()

    def person(user_id):
        if user_id is None:
            return None
        user = User.objects.get(pk=user_id)
        return (user.public_name, user.orcid)

    records = {}
    for record in Record.objects.select_related("pid", "concept__pid", "community").order_by("doi"):
        pid = record.pid
        concept_pid = record.concept.pid
        deposit = Deposit.objects.filter(record=record).first()
        records[record.doi] = {
            "fields": {
                name: getattr(record, name)
                for name in (
                    "title",
                    "metadata",
                    "version",
                    "status",
                    "publication_date",
                    "embargo_until",
                    "withdrawn_at",
                    "withdrawal_reason",
                    "withdrawal_note",
                    "created",
                    "modified",
                    "file_count",
                    "files_size",
                    "file_extensions",
                    "folder_totals",
                    "search_latest",
                    "search_abstract",
                    "search_year",
                )
            },
            "community": record.community.slug,
            "owner": person(record.owner_id),
            "withdrawn_by": person(record.withdrawn_by_id),
            "pid": {n: getattr(pid, n) for n in ("doi", "provider", "kind", "state", "target_state", "url", "sync")},
            "concept": concept_pid and (concept_pid.doi, concept_pid.state, concept_pid.target_state, concept_pid.url),
            "versions": sorted(r.doi for r in record.concept.records.all()),
            "revisions": [
                (r.number, r.metadata, r.reason, r.created, person(r.actor_id))
                for r in RecordRevision.objects.filter(record=record).order_by("number")
            ],
            "files": [
                (f.name, f.size, f.md5, f.sha256, f.last_fixity_check_at, f.fixity_error, read(f.storage_key))
                for f in RecordFile.objects.filter(record=record).order_by("name")
            ],
            "fixity": [
                (c.record_file.name, c.checked_at, c.ok, c.problem)
                for c in FixityCheck.objects.filter(record_file__record=record).select_related("record_file")
            ],
            "deposit": deposit
            and (deposit.status, deposit.title, deposit.metadata, deposit.round, deposit.created, deposit.submitted_at),
            "events": [
                (e.action, e.from_status, e.to_status, e.note, e.created, person(e.actor_id))
                for e in DepositEvent.objects.filter(deposit__record=record).order_by("created", "pk")
            ],
            "rounds": [
                (r.number, r.metadata, r.files, r.created, person(r.submitted_by_id))
                for r in ReviewRound.objects.filter(deposit__record=record).order_by("number")
            ],
            "comments": [
                (c.body, c.field, c.round, c.created, person(c.author_id), c.parent and c.parent.body)
                for c in Comment.objects.filter(deposit__record=record).order_by("created", "pk")
            ],
        }
    return records


def assert_same(after: dict, before: dict) -> None:
    """`after == before`, said part by part when it is not."""
    assert sorted(after) == sorted(before)
    for doi, parts in before.items():
        for part, value in parts.items():
            assert after[doi][part] == value, (doi, part)


def empty_the_repository(s3, settings, *, keep) -> None:
    """What a successor starts from: a bucket of its own and no record, deposit or person (but `keep`,
    who signs in with the same ORCID iD)."""
    Comment.objects.all().delete()
    Deposit.objects.update(record=None, pid=None)
    Deposit.objects.all().delete()
    FixityCheck.objects.all().delete()
    RecordRevision.objects.all().delete()
    RecordFile.objects.all().delete()
    PersistentIdentifier.objects.update(record=None, concept=None)
    Concept.objects.update(pid=None)
    PersistentIdentifier.objects.all().delete()
    Record.objects.all().delete()
    Concept.objects.all().delete()
    get_user_model().objects.exclude(pk=keep.pk).delete()
    settings.S3_BUCKET = s3.create_bucket("estran-successor")


def test_every_record_becomes_a_bag_that_bagit_validates(corpus, bags):
    call_command("estran_export_bags", str(bags), "--quiet-progress")
    assert {p.name for p in bags.iterdir()} == {STATE_FILE} | {bag_name(r.doi) for r in Record.objects.all()}
    for record in Record.objects.all():
        bag = bagit.Bag(str(bags / bag_name(record.doi)))
        bag.validate()  # every file's SHA-256, the payload's size and count
        assert bag.algorithms == ["sha256"]
        assert bag.info["Estran-DOI"] == record.doi
        assert bag.info["External-Identifier"] == f"https://doi.org/{record.doi}"
        payload = set(bag.payload_files())
        assert {f"data/files/{f.name}" for f in record.files.all()} <= payload
        # every export format, PROV or any later one included, as the export URL gives it; not the
        # formatted citation, a rendering of the CSL-JSON that is there
        formats = {fmt: ext for fmt, (_t, ext, _s) in EXPORTS.items() if fmt not in RENDERINGS}
        assert {"citation"} == RENDERINGS and {"prov", "prov-turtle", "csl-json", "iso19115-3"} <= set(formats)
        assert {f"data/metadata/{fmt}.{ext}" for fmt, ext in formats.items()} <= payload
        assert "data/metadata/citation.txt" not in payload
        datacite = (Path(bag.path) / "data/metadata/datacite-xml.xml").read_bytes()
        assert record.doi.encode() in datacite
    v2 = bagit.Bag(str(bags / bag_name(corpus["v2"].doi)))
    assert v2.info["Bag-Group-Identifier"] == f"https://doi.org/{corpus['v2'].concept.pid.doi}"


def test_the_review_history_is_in_the_bag_and_the_conversation_only_when_asked(corpus, bags):
    reviewed = corpus["reviewed"]
    call_command("estran_export_bags", str(bags / "public"), "--quiet-progress")
    data = bags / "public" / bag_name(reviewed.doi) / "data/estran"
    review = json.loads((data / "review.json").read_text())
    assert [e["action"] for e in review["events"]] == EVENTS
    assert review["events"][2]["note"] == "Name the core in the title."
    assert [r["number"] for r in review["rounds"]] == [1, 2]
    assert review["comments"] is None
    agents = json.loads((data / "agents.json").read_text())
    assert all("email" not in person for person in agents)
    assert ORCID in {person["orcid"] for person in agents}

    call_command("estran_export_bags", str(bags / "full"), "--comments", "--emails", "--quiet-progress")
    data = bags / "full" / bag_name(reviewed.doi) / "data/estran"
    review = json.loads((data / "review.json").read_text())
    assert [c["body"] for c in review["comments"]] == ["Which core is this?", "Core 7, from the 2023 cruise."]
    assert review["comments"][1]["parent"] == 0
    assert "depositor@example.org" in {p["email"] for p in json.loads((data / "agents.json").read_text())}


def test_a_round_trip_through_bags_loses_nothing(corpus, s3, datacite, settings, bags, depositor):
    """Export into bags, empty the repository (its store too), import: every record, file (its bytes
    in the new bucket), checksum, DOI and its state, revision, fixity check, event, round and
    comment is back, and DataCite was not called. Then the successor's step: its own address, and
    `estran_reconcile_dois --fix` points every DOI at it."""
    before = snapshot()
    assert {p["pid"]["state"] for p in before.values()} == {"findable", "registered"}
    call_command("estran_export_bags", str(bags), "--comments", "--quiet-progress")
    empty_the_repository(s3, settings, keep=depositor)
    assert Record.objects.count() == 0
    calls = len(datacite.requests)

    call_command("estran_import_bags", str(bags), "--quiet-progress")

    assert_same(snapshot(), before)
    assert len(datacite.requests) == calls  # nothing minted, reserved or sent
    assert not PersistentIdentifier.objects.filter(sync="pending").exists()
    # The depositor was found by ORCID iD; the moderator is a new account, inactive, without password.
    assert Record.objects.get(doi=corpus["v1"].doi).owner == depositor
    moderator = get_user_model().objects.get(pk=Record.objects.get(doi=corpus["withdrawn"].doi).withdrawn_by_id)
    assert not moderator.is_active and not moderator.has_usable_password()
    # Run again, it finds every record there and changes nothing.
    call_command("estran_import_bags", str(bags), "--quiet-progress")
    assert_same(snapshot(), before)

    settings.SITE_URL = "https://data.successor.example.org"
    call_command("estran_reconcile_dois", "--fix", "--quiet-progress")
    drain()
    for record in Record.objects.all():
        assert datacite.dois[record.doi].url == record.landing_url
        assert record.landing_url.startswith("https://data.successor.example.org/")


def test_bags_go_to_an_s3_prefix_validate_when_fetched_back_and_import_from_there(corpus, s3, settings, depositor):
    bucket = s3.create_bucket("estran-bags")
    call_command("estran_export_bags", f"s3://{bucket}/preservation/2026", "--comments", "--quiet-progress")
    where = S3Destination(f"s3://{bucket}/preservation/2026")
    assert set(where.read_state().bags) == set(Record.objects.values_list("doi", flat=True))
    for record in Record.objects.all():
        with where.fetch_bag(bag_name(record.doi)) as path:
            bagit.Bag(str(path)).validate()
            for record_file in record.files.all():
                assert (path / "data/files" / record_file.name).read_bytes() == read(record_file.storage_key)

    before = snapshot()
    empty_the_repository(s3, settings, keep=depositor)
    call_command("estran_import_bags", f"s3://{bucket}/preservation/2026", "--quiet-progress")
    assert_same(snapshot(), before)


def test_a_second_export_writes_only_the_bags_that_changed(corpus, bags, moderator):
    call_command("estran_export_bags", str(bags), "--quiet-progress")
    stamps = {p.name: p.stat().st_mtime_ns for p in bags.iterdir() if p.is_dir()}
    assert bags_export(to=FolderDestination(bags)).written == []
    # (A version's withdrawal would change its siblings' bags too: their concept DOI is sent again.)
    record = corpus["embargoed"]
    record_withdraw(record=record, actor=moderator, reason="data_error", note="Wrong salinity.")
    assert bags_export(to=FolderDestination(bags)).written == [record.doi]
    changed = {p.name for p in bags.iterdir() if p.is_dir() and stamps.get(p.name) != p.stat().st_mtime_ns}
    assert changed == {bag_name(record.doi)}
    bag = bagit.Bag(str(bags / bag_name(record.doi)))
    bag.validate()
    assert json.loads((Path(bag.path) / "data/estran/record.json").read_text())["record"]["status"] == "withdrawn"


def test_a_bag_whose_file_was_altered_is_refused_at_import_and_the_others_go_on(corpus, s3, settings, bags, depositor):
    call_command("estran_export_bags", str(bags), "--quiet-progress")
    altered = bags / bag_name(corpus["v1"].doi) / "data/files/ctd.csv"
    altered.write_bytes(altered.read_bytes().replace(b"12.5", b"13.5"))
    empty_the_repository(s3, settings, keep=depositor)
    with pytest.raises(SystemExit):
        call_command("estran_import_bags", str(bags), "--quiet-progress")
    assert not Record.objects.filter(doi=corpus["v1"].doi).exists()
    assert Record.objects.count() == 4


def test_a_bag_naming_a_file_outside_itself_is_refused(corpus, s3, settings, bags, depositor):
    """A bag made valid again after its record.json was changed to name a file outside the bag (its
    manifests recomputed): the import refuses the name, reads nothing and keeps nothing of it."""
    call_command("estran_export_bags", str(bags), "--quiet-progress")
    path = bags / bag_name(corpus["v1"].doi)
    record_json = path / "data/estran/record.json"
    data = json.loads(record_json.read_text())
    data["files"][0]["name"] = "../../../../../../etc/hostname"
    record_json.write_text(json.dumps(data))
    bag = bagit.Bag(str(path))
    bag.save(manifests=True)
    bag.validate()
    empty_the_repository(s3, settings, keep=depositor)
    report = bags_import(source=FolderDestination(bags))
    assert [name for name, _problem in report.failed] == [bag_name(corpus["v1"].doi)]
    assert "is not a file name Estran keeps" in report.failed[0][1]
    assert not Record.objects.filter(doi=corpus["v1"].doi).exists() and len(report.imported) == 4
