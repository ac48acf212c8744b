"""Reconciliation: DOIs changed at DataCite behind our back (state, URL, metadata, deleted) are
reported by `estran_reconcile_dois`, recorded for the admin, and repaired with `--fix` through the
outbox; the weekly beat task reports them to the administrators."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from repository.models import PersistentIdentifier
from repository.services import pids_reconcile
from tests.repository.doi_support import drain, publish, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(datacite, depositor, moderator, communities):
    published = [publish(depositor, moderator, communities) for _ in range(3)]
    draft = submit(depositor, communities)
    drain()
    return published, draft


def reconcile(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("estran_reconcile_dois", *args, "--quiet-progress", stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_no_drift_when_datacite_matches(records):
    code, out = reconcile()
    assert code == 0 and "4 of 4 DOIs checked, 0 with drift, 0 unreachable." in out


def test_drift_is_reported_and_repaired_with_fix(records, datacite, client, admin):
    (hidden, moved, edited), draft = records
    datacite.mutate(hidden.doi, state="registered")
    datacite.mutate(moved.doi, url="https://elsewhere.example.org/dataset")
    xml = datacite.dois[edited.doi].xml.replace(b"CTD casts of the PELGAS", b"CTD casts of the PELGOS")
    datacite.mutate(edited.doi, xml=xml)
    datacite.mutate(draft.pid.doi, delete=True)

    code, out = reconcile()
    assert code == 1
    assert f"DRIFT {hidden.doi}: state: registered at the agency, findable here" in out
    assert (
        f"DRIFT {moved.doi}: URL: https://elsewhere.example.org/dataset at the agency, {moved.landing_url} here" in out
    )
    assert f"DRIFT {edited.doi}: metadata differs: titles" in out
    assert f"DRIFT {draft.pid.doi}: missing at the agency (should be draft)" in out
    assert "4 of 4 DOIs checked, 4 with drift" in out and "--fix" in out
    # Reported, not changed; and recorded for the admin.
    assert datacite.dois[hidden.doi].state == "registered"
    client.force_login(admin)
    page = client.get(reverse("admin:repository_persistentidentifier_changelist") + "?outbox=drift").content.decode()
    assert hidden.doi in page and "metadata differs: titles" in page

    code, out = reconcile("--fix")
    assert code == 0 and out.count("[queued to be sent again]") == 4
    assert PersistentIdentifier.objects.filter(sync="pending").count() == 4
    drain()
    assert datacite.dois[hidden.doi].state == "findable"
    assert datacite.dois[moved.doi].url == moved.landing_url
    assert b"PELGOS" not in datacite.dois[edited.doi].xml
    assert datacite.dois[draft.pid.doi].state == "draft"
    code, out = reconcile()
    assert code == 0 and "0 with drift" in out
    assert not PersistentIdentifier.objects.exclude(drift="").exists()


def test_formatting_is_not_drift(records, datacite):
    (record, *_), _draft = records
    from lxml import etree

    reformatted = etree.tostring(etree.fromstring(datacite.dois[record.doi].xml), pretty_print=False)
    datacite.mutate(record.doi, xml=reformatted)
    assert pids_reconcile()["drifts"] == []


def test_a_doi_deleted_here_and_still_at_datacite_is_drift(datacite, depositor, moderator, communities):
    from deposit import services as deposit_services
    from deposit.workflow import Action

    deposit = submit(depositor, communities)
    drain()
    deposit = deposit_services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    deposit = deposit_services.deposit_act(
        deposit=deposit, action=Action.reject, actor=moderator, note="No.", reason="other"
    )
    pid = deposit.pid
    deposit_services.deposit_delete(deposit=deposit, actor=depositor)
    drain()
    assert pid.doi not in datacite.dois
    from repository.pids.base import get_provider
    from repository.selectors import pid_datacite_xml

    get_provider().reserve(doi=pid.doi, xml=pid_datacite_xml(PersistentIdentifier.objects.get(pk=pid.pk)))
    result = pids_reconcile(fix=True)
    assert [d.problems for d in result["drifts"]] == [["state: draft at the agency, deleted here"]]
    drain()
    assert pid.doi not in datacite.dois


def test_registrations_under_way_are_not_reconciled(records, datacite, depositor, communities):
    pending = submit(depositor, communities).pid
    result = pids_reconcile()
    assert result["total"] == 4 and pending.doi not in [d.doi for d in result["drifts"]]


def test_an_unreachable_datacite_is_reported_not_taken_for_drift(records, datacite):
    datacite.fail_next(100, status=503)
    code, out = reconcile()
    assert code == 1 and "0 of 4 DOIs checked, 0 with drift, 4 unreachable." in out


def test_the_weekly_task_mails_the_administrators_the_drift(records, datacite, admin, settings):
    from repository.tasks import pids_reconcile_task

    (record, *_), _draft = records
    datacite.mutate(record.doi, url="https://elsewhere.example.org/")
    settings.DOI_RECONCILE_FIX = False
    assert pids_reconcile_task.apply().get() == {"total": 4, "checked": 4, "drift": 1, "unreachable": 0}
    assert len(mail.outbox) == 1 and admin.email in mail.outbox[0].to
    assert record.doi in mail.outbox[0].body and "--fix" in mail.outbox[0].body
    assert PersistentIdentifier.objects.get(doi=record.doi).sync == "done"
    settings.DOI_RECONCILE_FIX = True
    pids_reconcile_task.apply().get()
    assert PersistentIdentifier.objects.get(doi=record.doi).sync == "pending"


def test_the_admin_checks_selected_dois_against_datacite(records, datacite, client, admin):
    (record, *_), _draft = records
    datacite.mutate(record.doi, state="registered")
    client.force_login(admin)
    url = reverse("admin:repository_persistentidentifier_changelist") + "?outbox=all"
    pid = PersistentIdentifier.objects.get(doi=record.doi)
    response = client.post(url, {"action": "check_against_datacite", "_selected_action": [pid.pk]}, follow=True)
    text = response.content.decode()
    assert "1 checked, 1 differ from DataCite" in text and "state: registered at the agency, findable here" in text
