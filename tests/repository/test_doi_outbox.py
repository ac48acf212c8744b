"""The DOI outbox against the DataCite test server, run in this process: reservation at submission,
publication with the landing page and validated XML, exponential backoff honouring Retry-After,
rejections shown to administrators and never retried, re-drive, /healthz's outbox age."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from repository.models import PersistentIdentifier
from repository.pids.base import DOIState, RetryableError
from repository.services import pid_sync, pids_redrive
from repository.xml_validation import validate
from tests.repository.doi_support import approve, drain, publish, submit

pytestmark = pytest.mark.django_db

Sync = PersistentIdentifier.Sync


def test_submission_reserves_a_draft_doi_at_datacite_with_the_deposit_metadata(datacite, depositor, communities):
    deposit = submit(depositor, communities)
    pid = deposit.pid
    assert (pid.state, pid.target_state, pid.sync) == ("none", "draft", "pending")
    assert pid.pending_since is not None

    drain()
    pid.refresh_from_db()
    assert (pid.state, pid.sync, pid.attempts) == ("draft", "done", 0)
    stored = datacite.dois[pid.doi]
    assert stored.state == "draft" and stored.url is None
    assert b"CTD casts of the PELGAS 2024 cruise" in stored.xml


def test_the_deposit_page_shows_the_reserved_doi_with_a_citation_for_the_manuscript(
    client, datacite, depositor, communities
):
    deposit = submit(depositor, communities)
    drain()
    client.force_login(depositor)
    page = client.get(reverse("deposit:detail", kwargs={"pk": deposit.pk})).content.decode()
    assert deposit.pid.doi in page
    assert "Reserved — becomes active on publication." in page
    year = timezone.now().year
    citation = f"Le Goff, A.; Martin, P. ({year}). CTD casts of the PELGAS 2024 cruise, Bay of Biscay. Estran. https://doi.org/{deposit.pid.doi}"
    assert citation in page
    assert "not registered (demo)" not in page  # a DataCite DOI


def test_approval_makes_the_doi_findable_at_the_landing_page_with_valid_xml(
    datacite, depositor, moderator, communities
):
    deposit = submit(depositor, communities)
    drain()
    record = approve(deposit, moderator).record
    drain()
    pid = PersistentIdentifier.objects.get(record=record)
    assert (pid.state, pid.sync) == ("findable", "done")
    stored = datacite.dois[record.doi]
    assert stored.state == "findable"
    assert stored.url == record.landing_url
    assert validate(stored.xml, "datacite-4.6") == []
    assert f'<identifier identifierType="DOI">{record.doi}</identifier>'.encode() in stored.xml
    # reserved, then published: one DOI, two calls
    calls = [(r["method"], r["event"], r["status"]) for r in datacite.requests if r["doi"] == record.doi]
    assert calls == [("PUT", None, 200), ("PUT", "publish", 200)]


def test_a_failing_datacite_is_retried_with_exponential_backoff(datacite, depositor, communities, settings):
    settings.DOI_RETRY_BASE_SECONDS = 10
    settings.DOI_RETRY_MAX_SECONDS = 1000
    pid = submit(depositor, communities).pid
    datacite.fail_next(4, status=503)
    delays = []
    for attempt in range(1, 5):
        before = timezone.now()
        with pytest.raises(RetryableError):
            pid_sync(pid_id=pid.pk)
        pid.refresh_from_db()
        assert pid.attempts == attempt and pid.sync == "pending" and "503" in pid.last_error
        delays.append((pid.next_attempt_at - before).total_seconds())
        # not due yet: a task arriving early sends nothing
        count = len(datacite.requests)
        pid_sync(pid_id=pid.pk)
        assert len(datacite.requests) == count
        PersistentIdentifier.objects.filter(pk=pid.pk).update(next_attempt_at=timezone.now())
    for attempt, delay in enumerate(delays):
        base = 10 * 2**attempt
        assert base <= delay <= base * 1.25 + 1  # doubling, with at most 25 % jitter
    pid_sync(pid_id=pid.pk)
    pid.refresh_from_db()
    assert (pid.state, pid.sync, pid.last_error, pid.next_attempt_at) == ("draft", "done", "", None)


def test_the_backoff_is_capped(datacite, depositor, communities, settings):
    settings.DOI_RETRY_BASE_SECONDS = 30
    settings.DOI_RETRY_MAX_SECONDS = 60
    pid = submit(depositor, communities).pid
    PersistentIdentifier.objects.filter(pk=pid.pk).update(attempts=12)
    datacite.fail_next(1, status=500)
    before = timezone.now()
    with pytest.raises(RetryableError):
        pid_sync(pid_id=pid.pk)
    pid.refresh_from_db()
    assert (pid.next_attempt_at - before).total_seconds() <= 61


def test_retry_after_is_honoured(datacite, depositor, communities, settings):
    settings.DOI_RETRY_BASE_SECONDS = 1
    pid = submit(depositor, communities).pid
    datacite.throttle_next(1, retry_after=120)
    before = timezone.now()
    with pytest.raises(RetryableError) as caught:
        pid_sync(pid_id=pid.pk)
    assert caught.value.status == 429 and caught.value.retry_after == 120
    pid.refresh_from_db()
    assert pid.next_attempt_at >= before + timedelta(seconds=120)
    assert "429" in pid.last_error
    # Neither the task nor the re-drive calls DataCite before then.
    assert pids_redrive() == 0
    requests = len(datacite.requests)
    pid_sync(pid_id=pid.pk)
    assert len(datacite.requests) == requests
    assert pids_redrive(now=pid.next_attempt_at + timedelta(seconds=1)) == 1


def test_the_task_retries_when_the_outbox_says(datacite, depositor, communities, monkeypatch):
    from celery.exceptions import Retry

    from repository.tasks import pid_sync_task

    pid = submit(depositor, communities).pid
    datacite.throttle_next(1, retry_after=90)
    asked = {}

    def retry(countdown=None, **kwargs):
        asked["countdown"] = countdown
        return Retry()

    monkeypatch.setattr(pid_sync_task, "retry", retry)
    with pytest.raises(Retry):
        pid_sync_task.run(pid.pk)  # as a worker runs it
    assert 88 <= asked["countdown"] <= 90


def test_a_rejection_is_recorded_with_datacites_message_and_never_retried(
    datacite, depositor, communities, monkeypatch
):
    from repository import selectors
    from repository.pids.datacite import DataCiteDOIProvider

    # XML DataCite refuses (no publisher), sent as is: the server's own XSD check answers 422.
    real = selectors.pid_datacite_xml

    def without_publisher(pid):
        xml = real(pid)
        start, end = xml.index(b"<publisher>"), xml.index(b"</publisher>") + len(b"</publisher>")
        return xml[:start] + xml[end:]

    monkeypatch.setattr(selectors, "pid_datacite_xml", without_publisher)
    monkeypatch.setattr(DataCiteDOIProvider, "_check", lambda self, doi, xml: None)
    pid = submit(depositor, communities).pid
    assert pid_sync(pid_id=pid.pk).sync == "rejected"
    pid.refresh_from_db()
    assert pid.sync == Sync.rejected and pid.attempts == 1 and pid.state == "none"
    assert "DataCite refused the request (422)" in pid.last_error and "publisher" in pid.last_error
    requests = len(datacite.requests)
    assert pids_redrive(now=timezone.now() + timedelta(days=1)) == 0
    assert pid_sync(pid_id=pid.pk).sync == "rejected"
    assert len(datacite.requests) == requests


def test_xml_that_fails_the_xsd_is_refused_before_any_request(datacite, depositor, communities, monkeypatch):
    from repository import selectors

    monkeypatch.setattr(selectors, "pid_datacite_xml", lambda pid: b"<resource/>")
    pid = submit(depositor, communities).pid
    assert pid_sync(pid_id=pid.pk).sync == "rejected"
    pid.refresh_from_db()
    assert "not valid against DataCite 4.6" in pid.last_error
    assert datacite.requests == []


def test_administrators_see_failing_and_rejected_registrations_with_datacites_words(
    client, admin, datacite, depositor, communities, settings
):
    settings.DATACITE_PREFIX = "10.99999"  # a prefix the account does not hold: DataCite says 403
    rejected = submit(depositor, communities).pid
    settings.DATACITE_PREFIX = "10.80000"
    failing = submit(depositor, communities).pid
    done = submit(depositor, communities).pid
    pid_sync(pid_id=done.pk)
    pid_sync(pid_id=rejected.pk)
    datacite.fail_next(1, status=503)
    with pytest.raises(RetryableError):
        pid_sync(pid_id=failing.pk)

    client.force_login(admin)
    url = reverse("admin:repository_persistentidentifier_changelist")
    first = client.get(url)
    assert first.status_code == 302 and first.url.endswith("?outbox=unfinished")
    page = client.get(first.url).content.decode()
    assert rejected.doi in page and failing.doi in page and done.doi not in page
    assert "DataCite said" in page
    assert "You are not authorized to access this resource." in page
    assert "DataCite answered 503: Injected failure" in page
    assert "failing" in page and "rejected by the registration agency" in page
    rejected_only = client.get(url + "?outbox=rejected").content.decode()
    assert rejected.doi in rejected_only and failing.doi not in rejected_only

    # Re-drive, after the prefix is fixed: queued again at once.
    response = client.post(
        url + "?outbox=unfinished", {"action": "redrive", "_selected_action": [rejected.pk, failing.pk]}
    )
    assert response.status_code == 302
    rejected.refresh_from_db()
    failing.refresh_from_db()
    assert rejected.sync == failing.sync == "pending" and failing.next_attempt_at is None


def test_administrators_cannot_delete_a_doi_row(client, admin, datacite, depositor, communities):
    pid = submit(depositor, communities).pid
    client.force_login(admin)
    response = client.get(reverse("admin:repository_persistentidentifier_delete", args=[pid.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["anonymous", "depositor", "moderator"])
def test_only_administrators_reach_the_outbox_page(client, role, depositor, moderator):
    if role != "anonymous":
        client.force_login({"depositor": depositor, "moderator": moderator}[role])
    response = client.get(reverse("admin:repository_persistentidentifier_changelist") + "?outbox=unfinished")
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_healthz_reports_the_age_of_the_oldest_pending_registration_since_it_became_pending(
    client, datacite, depositor, moderator, communities
):
    deposit = submit(depositor, communities)
    drain()
    # Reserved long ago, published now: the outbox is young.
    PersistentIdentifier.objects.filter(pk=deposit.pid_id).update(created=timezone.now() - timedelta(days=30))
    approve(deposit, moderator)
    outbox = client.get("/healthz").json()["checks"]["doi_outbox"]
    assert outbox["pending"] == 1 and outbox["oldest_pending_seconds"] < 60
    PersistentIdentifier.objects.filter(pk=deposit.pid_id).update(pending_since=timezone.now() - timedelta(hours=3))
    outbox = client.get("/healthz").json()["checks"]["doi_outbox"]
    assert 3 * 3600 <= outbox["oldest_pending_seconds"] < 3 * 3600 + 60


def test_redrive_leaves_fresh_registrations_to_their_queued_task(datacite, depositor, communities):
    submit(depositor, communities)
    assert pids_redrive() == 0  # just queued: its task is on its way
    assert pids_redrive(now=timezone.now() + timedelta(minutes=5)) == 1


def test_the_redrive_command_lists_and_queues_rejected_ones_on_request(datacite, depositor, communities, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.DATACITE_PREFIX = "10.99999"
    pid = submit(depositor, communities).pid
    pid_sync(pid_id=pid.pk)
    out = StringIO()
    call_command("estran_redrive_dois", stdout=out)
    assert pid.doi in out.getvalue() and "rejected" in out.getvalue() and "not authorized" in out.getvalue()
    pid.refresh_from_db()
    assert pid.sync == "rejected"
    call_command("estran_redrive_dois", "--rejected", stdout=StringIO())
    pid.refresh_from_db()
    assert pid.sync == "pending"


def test_a_doi_state_never_changes_before_datacite_confirms(datacite, depositor, moderator, communities):
    record = publish(depositor, moderator, communities)
    datacite.fail_next(50, status=500)
    drain()
    pid = PersistentIdentifier.objects.get(record=record)
    assert pid.state == DOIState.none and pid.target_state == DOIState.findable and pid.sync == "pending"
    datacite.reset()
    drain(ignore_schedule=True)
    pid.refresh_from_db()
    assert pid.state == "findable" and list(datacite.dois) == [record.doi]


def test_a_registration_not_yet_sent_goes_straight_to_its_latest_target(datacite, depositor, moderator, communities):
    """Approved before the reservation was sent (DataCite was down): one call publishes it."""
    record = publish(depositor, moderator, communities)
    drain()
    calls = [(r["method"], r["event"], r["status"]) for r in datacite.requests]
    assert calls == [("PUT", "publish", 200)]
    assert datacite.dois[record.doi].state == "findable"


def test_a_rejection_is_mailed_to_the_administrators(
    datacite, depositor, communities, admin, settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    settings.DATACITE_PREFIX = "10.99999"
    pid = submit(depositor, communities).pid
    with django_capture_on_commit_callbacks(execute=True):
        pid_sync(pid_id=pid.pk)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [admin.email]
    assert pid.doi in mail.outbox[0].subject and "not authorized" in mail.outbox[0].body
