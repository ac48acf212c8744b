"""The landing page a deposit will have, before publication (issue 15): `/deposits/<id>/preview-landing`
renders the landing page's template from the deposit's metadata as it is now, under a banner, kept
out of search engines (no JSON-LD, no canonical link, noindex), its citation with the reserved DOI;
for the deposit's editors and its community's moderators only; linked from the wizard's review step
and from the review page."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from deposit import services
from deposit.workflow import Action
from tests.factories import complete_metadata, deposit_with_file

CSV = b"station,temperature\nS001,12.5\nS002,<b>hot</b>\n"


def preview_url(deposit) -> str:
    return reverse("deposit:landing-preview", kwargs={"pk": deposit.pk})


@pytest.fixture
def draft(depositor, communities):
    return deposit_with_file(depositor, community=communities["ocean"], content=CSV)


@pytest.fixture
def submitted(draft, depositor):
    return services.deposit_act(deposit=draft, action=Action.submit, actor=depositor)


def get(user, url):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize(
    ("role", "on_draft", "on_submitted"),
    [
        (None, 302, 302),
        ("depositor", 200, 200),
        ("other_depositor", 404, 404),
        ("moderator", 404, 200),  # moderators see a deposit once it was submitted
        ("other_moderator", 404, 404),
        ("admin", 200, 200),
    ],
)
def test_who_may_see_the_page_before_publication(draft, depositor, role, on_draft, on_submitted, request):
    user = request.getfixturevalue(role) if role else None
    response = get(user, preview_url(draft))
    assert response.status_code == on_draft
    if on_draft == 302:
        assert response["Location"].startswith(reverse("account_login"))
    services.deposit_act(deposit=draft, action=Action.submit, actor=depositor)
    assert get(user, preview_url(draft)).status_code == on_submitted


def test_the_page_is_the_landing_page_under_a_banner_with_the_reserved_doi(submitted, depositor):
    submitted.refresh_from_db()
    doi = submitted.pid.doi
    response = get(depositor, preview_url(submitted))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Preview — not published; the DOI is not active yet." in html
    assert 'class="landing landing-preview"' in html and "CTD casts of the PELGAS 2024 cruise" in html
    # the citation quotes the reserved DOI, shown as text, not as a link that does not resolve yet
    assert f"https://doi.org/{doi}" in html and f'href="https://doi.org/{doi}"' not in html
    assert "reserved, not active yet" in html
    # nothing a crawler or a reference manager could take for a published record
    assert 'content="noindex, nofollow"' in html and response["X-Robots-Tag"] == "noindex, nofollow"
    assert "application/ld+json" not in html and 'rel="canonical"' not in html and "citation_doi" not in html
    assert response["Cache-Control"] == "private, no-store"
    # no action on a record that does not exist, no export of it
    assert "Withdraw this record" not in html and "/export/" not in html and "COUNTER" not in html
    # the file, with its stored preview shown at once (escaped), and no download yet
    assert "ctd.csv" in html and "<td>12.5</td>" in html and "&lt;b&gt;hot&lt;/b&gt;" in html
    assert "Downloadable once published" in html and "data-preview-url" not in html


def test_a_draft_never_submitted_has_no_doi_yet(draft, depositor):
    html = get(depositor, preview_url(draft)).content.decode()
    assert "A DOI is reserved for this deposit when you submit it." in html and "doi.org/10." not in html


def test_an_embargoed_deposit_shows_its_files_locked_without_preview(depositor, communities):
    until = datetime.date.today() + datetime.timedelta(days=200)
    metadata = {**complete_metadata(), "access": {"level": "embargoed", "embargo_until": until.isoformat()}}
    deposit = deposit_with_file(depositor, community=communities["ocean"], metadata=metadata, content=CSV)
    html = get(depositor, preview_url(deposit)).content.decode()
    assert "under embargo until" in html and "Opens on" in html
    assert "12.5" not in html and "Preview of ctd.csv" not in html


def test_an_incomplete_draft_is_told_what_to_do(depositor, communities):
    deposit = services.deposit_create(owner=depositor, community=communities["ocean"], metadata={})
    response = get(depositor, preview_url(deposit))
    html = response.content.decode()
    assert response.status_code == 200 and "once every required field is filled in" in html
    assert reverse("deposit:wizard-review", kwargs={"pk": deposit.pk}) in html


def test_the_way_back_is_a_local_address_only(submitted, moderator):
    review = reverse("moderation:review", kwargs={"pk": submitted.pk})
    html = get(moderator, preview_url(submitted) + f"?next={review}").content.decode()
    assert f'href="{review}"' in html
    html = get(moderator, preview_url(submitted) + "?next=https://evil.example/").content.decode()
    assert 'href="https://evil.example/"' not in html and f'href="{submitted.get_absolute_url()}"' in html


def test_the_wizard_s_review_step_and_the_review_page_link_to_it(submitted, depositor, moderator, draft):
    services.deposit_act(deposit=submitted, action=Action.claim, actor=moderator)
    review = get(moderator, reverse("moderation:review", kwargs={"pk": submitted.pk})).content.decode()
    assert f'href="{preview_url(submitted)}?next=' in review

    other = deposit_with_file(depositor, community=submitted.community, content=CSV)
    step = get(depositor, reverse("deposit:wizard-review", kwargs={"pk": other.pk})).content.decode()
    assert f'href="{preview_url(other)}?next=' in step


def test_once_published_the_preview_is_the_record_s_page(submitted, depositor, moderator):
    services.deposit_act(deposit=submitted, action=Action.claim, actor=moderator)
    deposit = services.deposit_act(deposit=submitted, action=Action.approve, actor=moderator)
    response = get(depositor, preview_url(deposit))
    assert response.status_code == 302 and response["Location"] == deposit.record.get_absolute_url()
