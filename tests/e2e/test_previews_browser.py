"""File previews for readers and the preview of the public page before publication, in Chromium
(issue 15): a citer opens the landing page of an open record and the CSV's first rows appear when
asked, never before (desktop, English; then a phone in French); an embargoed record offers no
preview; the depositor opens the preview of the public page from the wizard's review step and sees
the banner, and the moderator from the review page (in French). Screenshots go to /tmp/shots_prev/."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_moderation_round_browser import signed_in

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots_prev")
PHONE = {"width": 390, "height": 844}
CSV = (
    "station,date,temperature_degC,note\n"
    + "".join(f"S{i:03},2024-05-{1 + i % 28:02},{12 + i / 10:.1f},ok\n" for i in range(30))
    + "S999,2024-05-31,13.0,<img src=x onerror=alert(1)><script>alert(2)</script>\n"
).encode()


@pytest.fixture
def site(live_server, settings, eager_celery):
    from django.core.cache import cache

    settings.SITE_URL = live_server.url
    settings.DOI_PROVIDER = "local"
    cache.clear()  # the anonymous page cache: pages rendered by another test's server are not ours
    yield live_server.url
    cache.clear()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def reader(browser, *, locale="en-GB", viewport=None):
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, locale=locale)
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if "/previews/" in request.url else None)
    return context, page, problems, fetched


def test_a_citer_opens_an_open_file_s_preview_and_an_embargoed_record_offers_none(
    site, browser, depositor, moderator, communities
):
    from tests.factories import complete_metadata
    from tests.repository.doi_support import publish

    record = publish(depositor, moderator, communities, content=CSV)
    until = (date.today() + timedelta(days=300)).isoformat()
    metadata = {**complete_metadata(), "access": {"level": "embargoed", "embargo_until": until}}
    embargoed = publish(depositor, moderator, communities, metadata=metadata, content=CSV)

    context, page, problems, fetched = reader(browser)
    page.goto(site + record.get_absolute_url())
    details = page.locator("#file-previews details.file-preview")
    expect(details).to_have_count(1)
    expect(details.locator("summary")).to_have_text("Preview of ctd.csv")
    assert fetched == []  # nothing loaded before the reader asks
    expect(details.locator("table")).to_have_count(0)
    details.locator("summary").click()
    table = details.locator("table.preview-table")
    expect(table).to_be_visible()
    expect(table.locator("thead th")).to_have_text(["station", "date", "temperature_degC", "note"])
    expect(table.locator("tbody tr").first).to_contain_text("12.0")
    assert len(fetched) == 1 and fetched[0].endswith("/previews/ctd.csv?fragment=1")
    # closed and opened again: not fetched twice
    details.locator("summary").click()
    details.locator("summary").click()
    expect(table).to_be_visible()
    assert len(fetched) == 1
    shot(page, "citer-open-desktop-en")

    page.goto(site + embargoed.get_absolute_url())
    expect(page.locator("#files .file-lock")).to_be_visible()
    expect(page.locator("#file-previews")).to_have_count(0)
    expect(page.get_by_text("Preview of ctd.csv")).to_have_count(0)
    shot(page, "citer-embargoed-desktop-en")
    context.close()

    # A phone, in French: the hostile cell is text; the page never scrolls sideways.
    context, page, problems_fr, fetched = reader(browser, locale="fr-FR", viewport=PHONE)
    page.goto(site + record.get_absolute_url())
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    summary = page.locator("#file-previews summary")
    expect(summary).to_have_text("Aperçu de ctd.csv")
    summary.scroll_into_view_if_needed()
    summary.click()
    body = page.locator("#file-previews .preview-body")
    expect(body).to_contain_text("4 colonnes")
    expect(body).to_contain_text("séparées par des virgules")
    assert page.locator("#file-previews img, #file-previews script").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "citer-open-phone-fr")
    context.close()
    assert problems == [] and problems_fr == []


def test_the_depositor_and_the_moderator_preview_the_public_page_before_publication(
    site, browser, depositor, moderator, communities
):
    from deposit import services
    from tests.factories import deposit_with_file

    deposit = deposit_with_file(depositor, community=communities["ocean"], content=CSV)

    # The depositor, from the wizard's review step.
    context, page, problems = signed_in(browser, depositor)
    page.goto(f"{site}/deposits/{deposit.pk}/wizard/links_licence/")
    link = page.locator("#landing-preview-link")
    expect(link).to_have_text("Preview the public page")
    link.click()
    banner = page.locator("#preview-banner")
    expect(banner).to_contain_text("Preview — not published; the DOI is not active yet.")
    expect(page.locator("#record-title")).to_have_text(deposit.title)
    expect(page.locator(".doi-line").first).to_contain_text("A DOI is reserved for this deposit when you submit it.")
    assert page.locator('script[type="application/ld+json"]').count() == 0
    assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex, nofollow"
    summary = page.locator("#file-previews summary")
    summary.click()
    expect(page.locator("#file-previews table.preview-table")).to_be_visible()
    shot(page, "depositor-preview-desktop-en")
    banner.get_by_role("link", name="Back").click()
    expect(page).to_have_url(f"{site}/deposits/{deposit.pk}/wizard/links_licence/")
    context.close()

    # The moderator, from the review page, in French: the reserved DOI in the citation.
    deposit = services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    deposit.refresh_from_db()
    context, page, problems_mod = signed_in(browser, moderator)
    context.add_cookies([{"name": "django_language", "value": "fr", "url": site}])
    page.goto(f"{site}/moderation/deposits/{deposit.pk}/")
    page.get_by_role("link", name="Prévisualiser la page publique").click()
    banner = page.locator("#preview-banner")
    expect(banner).to_contain_text("Aperçu — non publié ; le DOI n’est pas encore actif.")
    expect(page.locator("#citation-text")).to_contain_text(f"https://doi.org/{deposit.pid.doi}")
    expect(page.locator(".doi-line").first).to_contain_text("réservé, pas encore actif")
    shot(page, "moderator-preview-desktop-fr")
    banner.get_by_role("link", name="Retour").click()
    expect(page).to_have_url(f"{site}/moderation/deposits/{deposit.pk}/")
    context.close()
    assert problems == [] and problems_mod == []
