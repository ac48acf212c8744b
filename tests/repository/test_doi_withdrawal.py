"""Withdrawal: a moderator of the record's community or an administrator withdraws a record with a
reason from a short list and free text; the DOI becomes registered (hidden) and keeps resolving,
to a tombstone page with the citation and the reason; the files are gone (410)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from lxml import etree

from core.errors import Conflict, PermissionDenied, ValidationFailed
from repository.models import PersistentIdentifier, Record
from repository.services import record_withdraw
from tests.repository.doi_support import drain, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(datacite, depositor, moderator, communities):
    record = publish(depositor, moderator, communities)
    drain()
    return record


def test_a_moderator_withdraws_a_record_and_its_doi_becomes_registered(record, datacite, moderator):
    before = record.modified
    record_withdraw(record=record, actor=moderator, reason="data_error", note="The salinity sensor drifted.")
    record.refresh_from_db()
    assert record.status == "withdrawn" and record.withdrawn_by == moderator and record.modified > before
    pid = PersistentIdentifier.objects.get(record=record)
    assert (pid.target_state, pid.sync) == ("registered", "pending")
    drain()
    pid.refresh_from_db()
    assert pid.state == "registered" and pid.sync == "done"
    stored = datacite.dois[record.doi]
    assert stored.state == "registered" and stored.url == record.landing_url
    # The final metadata says when it was withdrawn.
    dates = etree.fromstring(stored.xml).findall("{http://datacite.org/schema/kernel-4}dates/*")
    assert ("Withdrawn", record.withdrawn_at.date().isoformat()) in {(d.get("dateType"), d.text) for d in dates}


def test_the_doi_resolves_to_a_tombstone_with_the_citation_and_the_reason(record, moderator, client):
    record_withdraw(record=record, actor=moderator, reason="other", note="Deposited by mistake.")
    resolved = client.get(f"/doi/{record.doi}")
    assert resolved.url == record.get_absolute_url()
    page = client.get(resolved.url)
    assert page.status_code == 410
    text = page.content.decode()
    assert "This record was withdrawn" in text and "Other reason" in text and "Deposited by mistake." in text
    assert f"https://doi.org/{record.doi}" in text and "Le Goff, A.; Martin, P." in text
    assert "ctd.csv" not in text


def test_the_files_of_a_withdrawn_record_are_gone(record, moderator, depositor, admin, client):
    url = reverse("repository:file-download", kwargs={"pk": record.pk, "name": "ctd.csv"})
    assert client.get(url).status_code == 200
    record_withdraw(record=record, actor=moderator, reason="rights", note="")
    for user in (None, depositor, admin):
        if user:
            client.force_login(user)
        assert client.get(url).status_code == 410
        assert client.head(url).status_code == 410


def test_withdrawn_records_leave_the_lists_but_not_the_api(record, moderator, client):
    record_withdraw(record=record, actor=moderator, reason="duplicate", note="Same as 10.80000/x.")
    assert record.title not in client.get("/").content.decode()
    assert client.get("/api/records").json()["hits"] == []
    body = client.get(f"/api/records/{record.pk}").json()
    assert body["status"] == "withdrawn" and body["withdrawal"]["reason"] == "duplicate"


@pytest.mark.parametrize("role", ["depositor", "other_depositor", "other_moderator"])
def test_only_a_moderator_of_the_community_or_an_administrator_withdraws(record, role, request):
    with pytest.raises(PermissionDenied):
        record_withdraw(record=record, actor=request.getfixturevalue(role), reason="data_error")
    assert Record.objects.get(pk=record.pk).status == "published"


def test_an_administrator_withdraws_too(record, admin):
    assert record_withdraw(record=record, actor=admin, reason="sensitive").status == "withdrawn"


def test_a_reason_from_the_list_is_required_and_other_needs_an_explanation(record, moderator):
    with pytest.raises(ValidationFailed) as bad:
        record_withdraw(record=record, actor=moderator, reason="boredom")
    assert bad.value.field == "reason"
    with pytest.raises(ValidationFailed) as bad:
        record_withdraw(record=record, actor=moderator, reason="other", note="  ")
    assert bad.value.field == "note"


def test_a_record_is_withdrawn_once(record, moderator):
    record_withdraw(record=record, actor=moderator, reason="data_error")
    with pytest.raises(Conflict):
        record_withdraw(record=record, actor=moderator, reason="data_error")


def test_a_record_withdrawn_before_datacite_published_it_is_registered_not_left_a_draft(
    datacite, depositor, moderator, communities
):
    from tests.repository.doi_support import approve, submit

    deposit = submit(depositor, communities)
    drain()  # draft at DataCite
    record = approve(deposit, moderator).record
    record_withdraw(record=record, actor=moderator, reason="data_error")
    drain()
    assert datacite.dois[record.doi].state == "registered"
    assert PersistentIdentifier.objects.get(record=record).state == "registered"


def test_the_landing_page_offers_withdrawal_to_moderators_and_the_form_works(
    record, moderator, other_moderator, depositor, client
):
    url = reverse("repository:withdraw", kwargs={"pk": record.pk})
    for user in (depositor, other_moderator):
        client.force_login(user)
        assert url not in client.get(record.get_absolute_url()).content.decode()
        client.post(url, {"reason": "data_error"})
        assert Record.objects.get(pk=record.pk).status == "published"
    client.force_login(moderator)
    assert url in client.get(record.get_absolute_url()).content.decode()
    response = client.post(url, {"reason": "other", "note": ""}, follow=True)
    assert "Explain the reason" in response.content.decode()
    response = client.post(url, {"reason": "other", "note": "Superseded by a national data centre's copy."})
    assert response.url == record.get_absolute_url()
    assert Record.objects.get(pk=record.pk).status == "withdrawn"


def test_anonymous_users_cannot_post_a_withdrawal(record, client):
    response = client.post(reverse("repository:withdraw", kwargs={"pk": record.pk}), {"reason": "data_error"})
    assert response.status_code == 302 and "login" in response.url


def test_withdrawal_through_the_api(record, moderator, depositor, api_client):
    url = f"/api/records/{record.pk}/withdraw"
    assert api_client(None).post(url, {"reason": "rights"}, content_type="application/json").status_code == 401
    assert api_client(depositor).post(url, {"reason": "rights"}, content_type="application/json").status_code == 403
    bad = api_client(moderator).post(url, {"reason": "other"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "note"
    done = api_client(moderator).post(
        url, {"reason": "rights", "note": "Licence not held."}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["status"] == "withdrawn"
    again = api_client(moderator).post(url, {"reason": "rights"}, content_type="application/json")
    assert again.status_code == 409


def test_a_moderator_does_not_withdraw_a_record_they_deposited(
    datacite, moderator, admin, communities, client, api_client
):
    """Withdrawal is a moderation decision and nobody moderates their own work: the moderator who
    deposited the record asks another moderator (here an administrator)."""
    own = publish(moderator, admin, communities)
    url = reverse("repository:withdraw", kwargs={"pk": own.pk})
    client.force_login(moderator)
    assert url not in client.get(own.get_absolute_url()).content.decode()
    refused = api_client(moderator).post(
        f"/api/records/{own.pk}/withdraw", {"reason": "rights"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert Record.objects.get(pk=own.pk).status == "published"
    assert record_withdraw(record=own, actor=admin, reason="duplicate").status == "withdrawn"
