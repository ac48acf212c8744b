"""Embargoes: files are inaccessible until the embargo's day; a daily beat task lifts it on the day
(a new metadata snapshot with open access, the old one kept), updates DataCite's rights, and the
record's `modified` tells harvesters. The clock is frozen with time-machine."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from lxml import etree

from repository.models import PersistentIdentifier, Record
from repository.services import records_lift_embargoes
from tests.factories import complete_metadata
from tests.repository.doi_support import drain, publish

pytestmark = pytest.mark.django_db

NS = "{http://datacite.org/schema/kernel-4}"
PUBLISHED_ON = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
EMBARGO_UNTIL = date(2027, 3, 10)


def rights_and_dates(xml: bytes) -> tuple[set[str], set[tuple[str, str]]]:
    root = etree.fromstring(xml)
    rights = {el.get("rightsURI") for el in root.iter(f"{NS}rights")}
    dates = {(el.get("dateType"), el.text) for el in root.iter(f"{NS}date")}
    return rights, dates


@pytest.fixture
def embargoed(datacite, depositor, moderator, communities):
    metadata = {**complete_metadata(), "access": {"level": "embargoed", "embargo_until": EMBARGO_UNTIL.isoformat()}}
    with time_machine.travel(PUBLISHED_ON):
        record = publish(depositor, moderator, communities, metadata=metadata)
        drain()
    return record


def download(client, record):
    return client.get(reverse("repository:file-download", kwargs={"pk": record.pk, "name": "ctd.csv"}))


def test_an_embargoed_record_is_registered_with_embargoed_access(embargoed, datacite):
    assert embargoed.embargo_until == EMBARGO_UNTIL
    rights, dates = rights_and_dates(datacite.dois[embargoed.doi].xml)
    assert "info:eu-repo/semantics/embargoedAccess" in rights
    assert ("Available", "2027-03-10") in dates


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonymous", False),
        ("other_depositor", False),
        ("other_moderator", False),
        ("depositor", True),
        ("moderator", True),
        ("admin", True),
    ],
)
def test_embargoed_files_are_served_only_to_the_depositor_moderators_and_administrators(
    embargoed, client, role, allowed, request
):
    with time_machine.travel(datetime(2027, 3, 9, 23, 59, tzinfo=UTC)):
        if role != "anonymous":  # signed in on that day (a session lasts two weeks)
            client.force_login(request.getfixturevalue(role))
        response = download(client, embargoed)
        assert response.status_code == (200 if allowed else 403)
        if not allowed:
            assert "under embargo until March 10, 2027" in response.content.decode()
            assert response["Content-Type"].startswith("text/html")
        page = client.get(embargoed.get_absolute_url()).content.decode()
        assert "under embargo until" in page


@pytest.fixture
def co_deposited(datacite, depositor, other_depositor, moderator, communities):
    """An embargoed record whose deposit `other_depositor` co-deposited (and submitted)."""
    from deposit import services as deposit_services
    from deposit.workflow import Action
    from tests.factories import deposit_with_file
    from tests.repository.doi_support import approve

    metadata = {**complete_metadata(), "access": {"level": "embargoed", "embargo_until": EMBARGO_UNTIL.isoformat()}}
    with time_machine.travel(PUBLISHED_ON):
        deposit = deposit_with_file(depositor, community=communities["ocean"], metadata=metadata)
        invitation = deposit_services.collaborator_invite(deposit=deposit, actor=depositor, email=other_depositor.email)
        deposit_services.invitation_accept(collaboration_id=invitation.pk, user=other_depositor)
        deposit = deposit_services.deposit_act(deposit=deposit, action=Action.submit, actor=other_depositor)
        record = approve(deposit, moderator).record
        drain()
    return record


def test_a_co_depositor_downloads_their_own_records_embargoed_files(co_deposited, embargoed, client, other_depositor):
    with time_machine.travel(datetime(2027, 3, 9, 12, 0, tzinfo=UTC)):
        client.force_login(other_depositor)
        assert download(client, co_deposited).status_code == 200
        assert "You can download them already." in client.get(co_deposited.get_absolute_url()).content.decode()
        # Not the embargoed files of a record they did not deposit.
        assert download(client, embargoed).status_code == 403
        assert "You can download them already." not in client.get(embargoed.get_absolute_url()).content.decode()


def test_the_daily_task_lifts_the_embargo_on_its_day(embargoed, datacite, client):
    with time_machine.travel(datetime(2027, 3, 9, 0, 5, tzinfo=UTC)):
        assert records_lift_embargoes() == 0
    with time_machine.travel(datetime(2027, 3, 10, 0, 5, tzinfo=UTC)):
        assert records_lift_embargoes() == 1
        lifted_at = datetime(2027, 3, 10, 0, 5, tzinfo=UTC)
    record = Record.objects.get(pk=embargoed.pk)
    assert record.embargo_until is None
    assert record.metadata["access"] == {"level": "open", "embargo_until": None}
    assert record.modified >= lifted_at and record.modified > record.created
    revisions = list(record.revisions.order_by("number"))
    assert [(r.number, r.reason) for r in revisions] == [(1, "published"), (2, "embargo_lifted")]
    assert revisions[0].metadata["access"]["level"] == "embargoed"  # history kept
    assert revisions[1].metadata == record.metadata
    # DataCite's rights follow, through the outbox.
    assert PersistentIdentifier.objects.get(record=record).sync == "pending"
    drain()
    rights, _dates = rights_and_dates(datacite.dois[record.doi].xml)
    assert "info:eu-repo/semantics/openAccess" in rights and "info:eu-repo/semantics/embargoedAccess" not in rights
    assert datacite.dois[record.doi].state == "findable"
    assert download(client, record).status_code == 200
    # Run again: nothing more to lift.
    with time_machine.travel(datetime(2027, 3, 11, 0, 5, tzinfo=UTC)):
        assert records_lift_embargoes() == 0


def test_files_open_on_the_day_even_before_the_task_runs(embargoed, client):
    with time_machine.travel(datetime(2027, 3, 10, 0, 0, 1, tzinfo=UTC)):
        assert download(client, embargoed).status_code == 200


def test_a_missed_day_is_caught_up(embargoed):
    assert records_lift_embargoes(today=date(2027, 4, 1)) == 1


def test_harvesters_find_the_lifted_record_by_its_modified_time(embargoed):
    with time_machine.travel(datetime(2027, 3, 10, 0, 5, tzinfo=UTC)):
        records_lift_embargoes()
    since = datetime(2027, 3, 10, tzinfo=UTC)
    assert list(Record.objects.filter(modified__gte=since).values_list("pk", flat=True)) == [embargoed.pk]


def test_lifting_and_reconciliation_are_beat_tasks(settings):
    tasks = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    lift, reconcile = tasks["repository.records.lift_embargoes"], tasks["repository.pids.reconcile"]
    assert lift.hour == {0} and len(lift.day_of_week) == 7
    assert len(reconcile.day_of_week) == 1  # weekly
    assert "repository.pids.redrive" in tasks


def test_the_lifting_task_runs_the_service(embargoed):
    from repository.tasks import records_lift_embargoes_task

    with time_machine.travel(datetime(2027, 3, 10, 0, 5, tzinfo=UTC)):
        assert records_lift_embargoes_task.apply().get() == 1
