"""Private reviewer links: the depositors give a secret, expiring, revocable link; whoever holds it
reads the unpublished deposit and downloads its files without an account; nothing else is reachable
through it; expired, revoked and unknown tokens all get the same 404; publication closes it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.errors import Conflict, PermissionDenied, ValidationFailed
from deposit import policy, services
from deposit.models import DepositFile, ReviewerLink
from deposit.services.reviewer_links import token_hash
from repository.models import RecordUsage
from tests.factories import complete_metadata, deposit_with_file

CONTENT = b"depth,temp\n1,12.5\n2,12.1\n"


@pytest.fixture
def deposit(depositor, communities):
    return deposit_with_file(depositor, community=communities["ocean"], content=CONTENT)


@pytest.fixture
def co_depositor(other_depositor, depositor, deposit):
    collaboration = services.collaborator_invite(deposit=deposit, actor=depositor, email="other_depositor@example.org")
    services.invitation_accept(collaboration_id=collaboration.pk, user=other_depositor)
    return other_depositor


@pytest.fixture
def stranger(db):
    from accounts.services import user_create

    return user_create(username="stranger", email="stranger@example.org", password="x", display_name="A Stranger")


def _link(deposit, actor, label="Journal of Marine Systems, MS 2026-123", days=30):
    return services.reviewer_link_create(deposit=deposit, actor=actor, label=label, expires_in_days=days)


def _page(client, token):
    return client.get(reverse("reviewer:page", kwargs={"token": token}))


def _file_url(token, file_pk):
    return reverse("reviewer:file", kwargs={"token": token, "file_pk": file_pk})


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _without_request_details(html: str) -> str:
    """A page's HTML less what every page varies in: its CSRF token and its own address."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'\?next=[^"]*"', '"', html)  # the sign-in link's way back
    return re.sub(r'name="next" type="hidden" value="[^"]*"', "", html)


# --- Tokens ---------------------------------------------------------------------------------------


def test_a_link_stores_only_the_hash_of_a_token_of_256_random_url_safe_bits(depositor, deposit):
    link, token = _link(deposit, depositor)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    stored = ReviewerLink.objects.filter(pk=link.pk).values().get()
    assert token not in {str(v) for v in stored.values()}
    assert stored["token_hash"] == token_hash(token) != token
    assert stored["label"] == "Journal of Marine Systems, MS 2026-123"
    assert stored["expires_at"] - stored["created_at"] == pytest.approx(timedelta(days=30), abs=timedelta(seconds=5))
    other = _link(deposit, depositor)[1]
    assert other != token


@pytest.mark.parametrize(
    ("label", "days", "field"),
    [("   ", 30, "label"), ("x" * 201, 30, "label"), ("JMS", 0, "expires_in_days"), ("JMS", 367, "expires_in_days")],
)
def test_a_link_needs_a_label_and_lasts_from_one_day_to_a_year(depositor, deposit, label, days, field):
    with pytest.raises(ValidationFailed) as refused:
        _link(deposit, depositor, label=label, days=days)
    assert refused.value.field == field
    assert not ReviewerLink.objects.exists()


# --- Who gives links -----------------------------------------------------------------------------


def test_the_owner_and_a_co_depositor_manage_links_and_nobody_else(
    depositor, co_depositor, stranger, moderator, admin, deposit
):
    from django.contrib.auth.models import AnonymousUser

    assert policy.may_manage_reviewer_links(deposit, depositor)
    assert policy.may_manage_reviewer_links(deposit, co_depositor)
    for user in (stranger, moderator, admin, AnonymousUser()):
        assert not policy.may_manage_reviewer_links(deposit, user)
    link, _token = _link(deposit, co_depositor)
    for user in (stranger, moderator, admin):
        with pytest.raises(PermissionDenied):
            _link(deposit, user)
        with pytest.raises(PermissionDenied):
            services.reviewer_link_revoke(link=link, actor=user)
    assert ReviewerLink.objects.get().revoked_at is None
    services.reviewer_link_revoke(link=link, actor=depositor)
    assert ReviewerLink.objects.get().revoked_by == depositor


def test_the_deposit_page_lists_the_links_to_its_depositors_only(client, depositor, moderator, deposit):
    services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    _link(deposit, depositor, label="Ocean Science, MS 77")
    url = reverse("deposit:detail", kwargs={"pk": deposit.pk})
    client.force_login(depositor)
    page = client.get(url).content.decode()
    assert 'id="reviewer-links"' in page and "Ocean Science, MS 77" in page
    assert "0 views, 0 downloads" in page and "never used" in page
    client.force_login(moderator)
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="reviewer-links"' not in page.content.decode() and "Ocean Science" not in page.content.decode()


def test_the_depositor_creates_a_link_in_a_form_and_sees_it_once(client, depositor, stranger, moderator, deposit):
    url = reverse("deposit:reviewer-link-create", kwargs={"pk": deposit.pk})
    client.force_login(depositor)
    answer = client.post(url, {"label": "Earth System Data, ESSD-2026-4", "expires_in_days": "14"})
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    shown = re.search(r'id="new-reviewer-link">([^<]+)<', answer.content.decode()).group(1)
    link = ReviewerLink.objects.get()
    assert shown.startswith("http") and token_hash(shown.rsplit("/", 2)[-2]) == link.token_hash
    assert link.created_by == depositor and link.label == "Earth System Data, ESSD-2026-4"
    assert link.expires_at.date() == (timezone.now() + timedelta(days=14)).date()
    # A refusal is said at the top of the deposit's page, naming the field.
    refused = client.post(url, {"label": "  ", "expires_in_days": "400"}, follow=True)
    page = refused.content.decode()
    assert "For whom: This field is required." in page
    assert "Valid for (days): Ensure this value is less than or equal to 366." in page
    assert ReviewerLink.objects.count() == 1
    # The deposit's page never shows the link again.
    assert shown not in client.get(reverse("deposit:detail", kwargs={"pk": deposit.pk})).content.decode()
    # Someone who does not see the deposit gets a 404; a moderator who does, a refusal: no link either way.
    client.force_login(stranger)
    assert client.post(url, {"label": "x", "expires_in_days": "3"}).status_code == 404
    services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    client.force_login(moderator)
    refused = client.post(url, {"label": "x", "expires_in_days": "3"}, follow=True)
    assert "Only the depositor and co-depositors can give out reviewer links." in refused.content.decode()
    assert ReviewerLink.objects.count() == 1


def test_revoking_in_the_form_closes_the_link_at_once(client, depositor, deposit):
    link, token = _link(deposit, depositor)
    client.force_login(depositor)
    answer = client.post(
        reverse("deposit:reviewer-link-revoke", kwargs={"pk": deposit.pk, "link_pk": link.pk}), follow=True
    )
    assert "is revoked" in answer.content.decode()
    client.logout()
    assert _page(client, token).status_code == 404


# --- What a reviewer sees ------------------------------------------------------------------------


def test_the_link_shows_the_deposit_read_only_and_confidential_without_an_account(client, depositor, deposit):
    deposit.metadata["point_of_contact"] = {"name": "Anne Le Goff", "organisation": "Ifremer"}  # the community's
    deposit.save(update_fields=["metadata"])
    _link(deposit, depositor)
    link, token = _link(deposit, depositor)
    page = _page(client, token)
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert page["Referrer-Policy"] == "no-referrer"
    html = page.content.decode()
    assert "Confidential: a view before publication." in html
    assert "CTD casts of the PELGAS 2024 cruise, Bay of Biscay" in html
    assert "Le Goff, Anne" in html and "Sea water temperature" in html and "Bay of Biscay" in html
    assert "Creative Commons Attribution 4.0" in html  # the licence by its title, not its code
    assert "ctd.csv" in html and _file_url(token, deposit.files.get().pk) in html
    assert 'class="file-preview"' in html  # the moderation's preview of the CSV
    # Nothing names the depositor's account or leads to it, the deposit's pages or the moderation.
    assert "depositor@example.org" not in html and "Depositor" not in html
    for address in (f"/deposits/{deposit.pk}", "/moderation/deposits", "/account/"):
        assert address not in html
    assert "Journal of Marine Systems" not in html  # nor which reviewers the depositors chose
    link.refresh_from_db()
    assert link.view_count == 1 and link.last_used_at is not None


def test_a_reviewer_downloads_a_file_counted_on_the_link_not_in_public_usage(client, depositor, deposit):
    link, token = _link(deposit, depositor)
    file = deposit.files.get()
    answer = client.get(_file_url(token, file.pk))
    assert answer.status_code == 200 and _body(answer) == CONTENT
    assert "attachment" in answer["Content-Disposition"] and "ctd.csv" in answer["Content-Disposition"]
    assert answer["Cache-Control"] == "private, no-store" and answer["Referrer-Policy"] == "no-referrer"
    ranged = client.get(_file_url(token, file.pk), HTTP_RANGE="bytes=6-")
    assert ranged.status_code == 206 and _body(ranged) == CONTENT[6:]
    link.refresh_from_db()
    assert (link.view_count, link.download_count) == (0, 1)  # a resumed download is the same one
    assert not RecordUsage.objects.exists()


def test_a_token_reaches_only_the_files_of_its_own_deposit(client, depositor, other_depositor, communities, deposit):
    theirs = deposit_with_file(other_depositor, community=communities["ocean"], content=b"secret,data\n")
    _mine, token = _link(deposit, depositor)
    _theirs_link, their_token = _link(theirs, other_depositor)
    their_file = theirs.files.get()
    assert client.get(_file_url(token, their_file.pk)).status_code == 404
    assert client.get(_file_url(their_token, their_file.pk)).status_code == 200
    assert "secret,data" not in _page(client, token).content.decode()


def test_a_file_not_verified_yet_is_neither_listed_nor_served(client, depositor, deposit):
    file = deposit.files.get()
    DepositFile.objects.filter(pk=file.pk).update(state=DepositFile.State.verifying)
    _link_row, token = _link(deposit, depositor)
    assert "ctd.csv" not in _page(client, token).content.decode()
    assert client.get(_file_url(token, file.pk)).status_code == 404


# --- Expiry, revocation, guesses: one 404 -------------------------------------------------------


def test_expired_revoked_and_guessed_tokens_get_the_same_404(client, depositor, deposit):
    _expiring, expiring = _link(deposit, depositor, days=1)
    revoked_link, revoked = _link(deposit, depositor)
    services.reviewer_link_revoke(link=revoked_link, actor=depositor)
    guessed = "A" * 43
    malformed = "not-a-token"
    file = deposit.files.get()
    assert _page(client, expiring).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        answers = {token: _page(client, token) for token in (expiring, revoked, guessed, malformed)}
        downloads = [client.get(_file_url(token, file.pk)) for token in (expiring, revoked, guessed)]
    bodies = set()
    for answer in [*answers.values(), *downloads]:
        assert answer.status_code == 404
        assert answer["Cache-Control"] == "private, no-store" and answer["X-Robots-Tag"] == "noindex, nofollow"
        bodies.add(_without_request_details(answer.content.decode()))
    assert len(bodies) == 1 and "Page not found" in bodies.pop()


def test_a_link_expires_at_its_time_and_not_before(client, depositor, deposit):
    link, token = _link(deposit, depositor, days=30)
    with time_machine.travel(link.expires_at - timedelta(minutes=1)):
        assert _page(client, token).status_code == 200
    with time_machine.travel(link.expires_at + timedelta(seconds=1)):
        assert _page(client, token).status_code == 404
        assert ReviewerLink.objects.get(pk=link.pk).state == "expired"


# --- Publication --------------------------------------------------------------------------------


def _publish(deposit, depositor, moderator):
    services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    services.deposit_act(deposit=deposit, action="claim", actor=moderator)
    services.deposit_act(deposit=deposit, action="approve", actor=moderator)
    deposit.refresh_from_db()
    return deposit


def test_publication_closes_the_open_links_and_their_address_leads_to_the_record(client, depositor, moderator, deposit):
    open_link, token = _link(deposit, depositor)
    revoked_link, revoked = _link(deposit, depositor)
    services.reviewer_link_revoke(link=revoked_link, actor=depositor)
    file = deposit.files.get()
    deposit = _publish(deposit, depositor, moderator)
    open_link.refresh_from_db()
    revoked_link.refresh_from_db()
    assert open_link.closed_at is not None and open_link.state == "closed"
    assert revoked_link.closed_at is None and revoked_link.state == "revoked"
    closed = _page(client, token)
    assert closed.status_code == 410 and closed["X-Robots-Tag"] == "noindex, nofollow"
    html = closed.content.decode()
    assert deposit.record.get_absolute_url() in html and deposit.record.doi in html
    assert client.get(_file_url(token, file.pk)).status_code == 404  # the record's own page serves its files now
    assert _page(client, revoked).status_code == 404
    with pytest.raises(Conflict):
        _link(deposit, depositor)


def test_no_link_is_given_for_a_rejected_deposit(depositor, moderator, deposit):
    services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    services.deposit_act(deposit=deposit, action="claim", actor=moderator)
    services.deposit_act(deposit=deposit, action="reject", actor=moderator, reason="other", note="No.")
    deposit.refresh_from_db()
    with pytest.raises(Conflict):
        _link(deposit, depositor)


def test_a_link_given_during_review_shows_the_deposit_as_it_stands(client, depositor, moderator, deposit):
    services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    services.deposit_act(deposit=deposit, action="claim", actor=moderator)
    _link_row, token = _link(deposit, depositor)
    deposit.metadata = complete_metadata("A title changed before publication")
    deposit.save(update_fields=["metadata", "title"])
    assert "A title changed before publication" in _page(client, token).content.decode()


# --- The API ------------------------------------------------------------------------------------


def test_the_api_lists_gives_and_revokes_links_for_the_depositors_only(
    api_client, client, settings, depositor, co_depositor, moderator, stranger, deposit
):
    base = f"/api/deposits/{deposit.pk}/reviewer-links"
    owner = api_client(depositor)
    created = owner.post(
        base, {"label": "Ocean Science, MS 77", "expires_in_days": 10}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["state"] == "open" and body["label"] == "Ocean Science, MS 77" and body["created_by"] == "depositor"
    assert body["url"].startswith(settings.SITE_URL + "/review/")
    assert client.get(body["url"].removeprefix(settings.SITE_URL)).status_code == 200
    listed = api_client(co_depositor).get(base).json()
    assert [(item["id"], item["views"]) for item in listed] == [(body["id"], 1)]
    assert "url" not in listed[0]  # the clear link is in the creation's answer only
    services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    assert api_client(moderator).get(base).status_code == 403  # sees the deposit, not its links
    assert api_client(stranger).get(base).status_code == 404  # does not see the deposit at all
    assert api_client(moderator).delete(f"{base}/{body['id']}").status_code == 403
    assert api_client(None).get(base).status_code == 401
    refused = owner.post(base, {"label": " ", "expires_in_days": 10}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == "label"
    assert owner.delete(f"{base}/{body['id']}").status_code == 204
    assert owner.get(base).json()[0]["state"] == "revoked"


def test_on_s3_a_reviewer_download_is_a_presigned_redirect_counted_on_the_link(s3, client, depositor, communities):
    deposit = deposit_with_file(depositor, community=communities["ocean"], content=CONTENT, name="casts.csv")
    link, token = _link(deposit, depositor)
    answer = client.get(_file_url(token, deposit.files.get().pk))
    assert answer.status_code == 302 and answer["Location"].startswith(f"{s3.url}/")
    assert answer["Cache-Control"] == "private, no-store" and answer["Referrer-Policy"] == "no-referrer"
    served = requests.get(answer["Location"], timeout=30)
    assert served.status_code == 200 and served.content == CONTENT
    assert "casts.csv" in served.headers["Content-Disposition"]
    link.refresh_from_db()
    assert link.download_count == 1


def test_the_reviewer_page_runs_the_same_queries_for_one_file_or_twenty(
    client, depositor, deposit, django_assert_max_num_queries
):
    _link_row, token = _link(deposit, depositor)
    _page(client, token)  # warm the caches (content types)
    with CaptureQueriesContext(connection) as one_file:
        assert _page(client, token).status_code == 200
    for n in range(19):
        services.file_add_bytes(
            deposit=deposit, actor=depositor, name=f"cast_{n:02}.csv", chunks=[CONTENT], size=len(CONTENT)
        )
    with django_assert_max_num_queries(len(one_file)):
        page = _page(client, token)
    assert page.content.decode().count('class="file-preview"') == 20


def test_deleting_the_deposit_deletes_its_links_and_their_address_leads_nowhere(client, depositor, deposit):
    _link_row, token = _link(deposit, depositor)
    services.deposit_delete(deposit=deposit, actor=depositor)
    assert not ReviewerLink.objects.exists()
    assert _page(client, token).status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"label": "x" * 201}, "label"), ({"label": "JMS", "expires_in_days": 367}, "expires_in_days")],
)
def test_the_api_refuses_a_label_or_a_lifetime_out_of_bounds_at_its_field(
    api_client, depositor, deposit, payload, field
):
    answer = api_client(depositor).post(
        f"/api/deposits/{deposit.pk}/reviewer-links", payload, content_type="application/json"
    )
    assert answer.status_code == 422
    assert field in answer.json()["problems"][0]["field"]
    assert not ReviewerLink.objects.exists()
