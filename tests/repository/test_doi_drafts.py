"""Deposits with a reserved DOI: deleting one deletes its draft DOI at DataCite (through the
outbox); a registered or findable DOI can never be deleted, and the interface says so."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.errors import Conflict, PermissionDenied
from deposit import services as deposit_services
from deposit.models import Deposit
from deposit.workflow import Action
from repository.models import PersistentIdentifier
from repository.services import pid_delete, pid_sync
from tests.factories import deposit_with_file
from tests.repository.doi_support import drain, publish, submit

pytestmark = pytest.mark.django_db


def sent_back(deposit, moderator):
    deposit = deposit_services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    return deposit_services.deposit_act(deposit=deposit, action=Action.request_changes, actor=moderator, note="Units?")


def test_deleting_a_deposit_deletes_its_draft_doi_at_datacite(datacite, depositor, moderator, communities):
    deposit = submit(depositor, communities)
    drain()
    assert datacite.dois[deposit.pid.doi].state == "draft"
    deposit_services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    deposit_services.deposit_act(deposit=deposit, action=Action.request_changes, actor=moderator, note="Units?")
    pid = deposit.pid
    deposit_services.deposit_delete(deposit=deposit, actor=depositor)
    assert not Deposit.objects.filter(pk=deposit.pk).exists()
    pid.refresh_from_db()
    assert (pid.target_state, pid.sync) == ("deleted", "pending")
    drain()
    pid.refresh_from_db()
    assert (pid.state, pid.sync) == ("deleted", "done")
    assert pid.doi not in datacite.dois
    assert [(r["method"], r["status"]) for r in datacite.requests if r["method"] == "DELETE"] == [("DELETE", 204)]
    # The row stays: the DOI is never minted again.
    assert PersistentIdentifier.objects.filter(doi=pid.doi).exists()


def test_a_deletion_while_datacite_is_down_waits_in_the_outbox(datacite, depositor, moderator, communities):
    deposit = submit(depositor, communities)
    drain()
    deposit = sent_back(deposit, moderator)
    pid = deposit.pid
    deposit_services.deposit_delete(deposit=deposit, actor=depositor)
    datacite.fail_next(3, status=503)
    drain()
    pid.refresh_from_db()
    assert pid.sync == "pending" and pid.attempts == 1 and pid.doi in datacite.dois
    drain(ignore_schedule=True)
    pid.refresh_from_db()
    assert pid.state == "deleted" and pid.doi not in datacite.dois


def test_a_reservation_lost_in_flight_is_still_deleted(datacite, depositor, moderator, communities):
    """The reservation reached DataCite but its answer did not reach us (a worker killed): we do not
    know the draft exists, DataCite does; the deletion asks anyway."""
    from repository.pids.base import get_provider
    from repository.selectors import pid_datacite_xml

    deposit = submit(depositor, communities)
    pid = deposit.pid
    get_provider().reserve(doi=pid.doi, xml=pid_datacite_xml(pid))  # sent, never recorded
    assert pid.state == "none"
    deposit = sent_back(deposit, moderator)
    deposit_services.deposit_delete(deposit=deposit, actor=depositor)
    drain()
    assert pid.doi not in datacite.dois


def test_a_never_submitted_draft_is_deleted_without_asking_datacite(datacite, depositor, communities):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    deposit_services.deposit_delete(deposit=deposit, actor=depositor)
    assert not Deposit.objects.filter(pk=deposit.pk).exists()
    drain()
    assert datacite.requests == []


def test_a_new_versions_minted_doi_is_deleted_without_asking_datacite(datacite, depositor, moderator, communities):
    record = publish(depositor, moderator, communities)
    drain()
    deposit = deposit_services.deposit_new_version(record=record, actor=depositor)
    pid = deposit.pid
    calls = len(datacite.requests)
    deposit_services.deposit_delete(deposit=deposit, actor=depositor)
    pid.refresh_from_db()
    assert (pid.state, pid.target_state, pid.sync) == ("deleted", "deleted", "done")
    drain()
    assert len(datacite.requests) == calls


def test_a_findable_doi_can_never_be_deleted(datacite, depositor, moderator, communities):
    record = publish(depositor, moderator, communities)
    drain()
    pid = PersistentIdentifier.objects.get(record=record)
    with pytest.raises(Conflict) as refused:
        pid_delete(pid=pid)
    assert refused.value.code == "doi_permanent" and "can never be deleted" in refused.value.message
    with pytest.raises(Conflict):
        deposit_services.deposit_delete(deposit=record.deposit, actor=depositor)
    # Even if someone forced it, DataCite refuses, and the refusal is shown, not retried.
    PersistentIdentifier.objects.filter(pk=pid.pk).update(target_state="deleted", sync="pending")
    pid_sync(pid_id=pid.pk)
    pid.refresh_from_db()
    assert pid.sync == "rejected" and "Only DOIs in draft state can be deleted." in pid.last_error
    assert datacite.dois[record.doi].state == "findable"


@pytest.mark.parametrize("status_actions", [["claim"], []])
def test_a_deposit_on_its_way_to_publication_cannot_be_deleted(
    datacite, depositor, moderator, communities, status_actions
):
    deposit = submit(depositor, communities)
    for action in status_actions:
        deposit = deposit_services.deposit_act(deposit=deposit, action=action, actor=moderator)
    with pytest.raises(Conflict) as refused:
        deposit_services.deposit_delete(deposit=deposit, actor=depositor)
    assert refused.value.code == "not_deletable"


def test_only_the_depositor_who_created_it_or_an_administrator_deletes(
    datacite, depositor, other_depositor, moderator, admin, communities
):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    for user in (other_depositor, moderator):
        with pytest.raises(PermissionDenied):
            deposit_services.deposit_delete(deposit=deposit, actor=user)
    deposit_services.deposit_delete(deposit=deposit, actor=admin)


def test_the_deposit_page_offers_deletion_and_says_what_happens_to_the_doi(
    client, datacite, depositor, moderator, communities
):
    deposit = submit(depositor, communities)
    deposit = deposit_services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    deposit_services.deposit_act(
        deposit=deposit, action=Action.reject, actor=moderator, note="Out of scope.", reason="out_of_scope"
    )
    client.force_login(depositor)
    page = client.get(reverse("deposit:detail", kwargs={"pk": deposit.pk})).content.decode()
    assert reverse("deposit:delete", kwargs={"pk": deposit.pk}) in page
    assert "its reserved DOI is deleted at DataCite" in page
    response = client.post(reverse("deposit:delete", kwargs={"pk": deposit.pk}), follow=True)
    assert response.redirect_chain[-1][0] == reverse("deposit:list")
    assert f"Its reserved DOI {deposit.pid.doi} is deleted at DataCite" in response.content.decode()


def test_a_published_deposit_page_says_its_doi_can_never_be_deleted(
    client, datacite, depositor, moderator, communities
):
    record = publish(depositor, moderator, communities)
    client.force_login(depositor)
    page = client.get(reverse("deposit:detail", kwargs={"pk": record.deposit.pk})).content.decode()
    assert reverse("deposit:delete", kwargs={"pk": record.deposit.pk}) not in page
    assert "a registered DOI can never be deleted" in page
    refused = client.post(reverse("deposit:delete", kwargs={"pk": record.deposit.pk}), follow=True)
    assert "cannot be deleted" in refused.content.decode()


def test_deletion_through_the_api(datacite, depositor, other_depositor, moderator, communities, api_client):
    deposit = submit(depositor, communities)
    url = f"/api/deposits/{deposit.pk}"
    assert api_client(other_depositor).delete(url).status_code == 404  # not theirs to see
    refused = api_client(depositor).delete(url)
    assert refused.status_code == 409 and refused.json()["code"] == "not_deletable"
    deposit_services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    deposit_services.deposit_act(deposit=deposit, action=Action.reject, actor=moderator, note="No.", reason="other")
    assert api_client(moderator).delete(url).status_code == 403
    assert api_client(depositor).delete(url).status_code == 204
    assert api_client(depositor).get(url).status_code == 404
    record = publish(depositor, moderator, communities)
    published = api_client(depositor).delete(f"/api/deposits/{record.deposit.pk}")
    assert published.status_code == 409
