"""The walking skeleton in a real browser: a depositor signs in, goes through the deposit wizard
with a file and submits it; a moderator signs in, works the queue, claims and approves; the DOI read from the
page resolves to a landing page with the title and the file. Chromium (the Debian package) driven by
Playwright, against the live server, PostgreSQL, Redis and a real Celery worker."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls of the fixtures and of the
# test itself are still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PASSWORD = "correct horse battery"
TITLE = "CTD casts of the PELGAS 2024 cruise, Bay of Biscay"
CSV = b"station,depth_m,temperature_c,salinity_psu\nP01,5,14.2,35.61\nP01,50,12.8,35.66\n"


@pytest.fixture
def site(live_server, settings, celery_worker):
    """The live server, whose DOI registrations the real worker carries out (local demo provider)."""
    settings.SITE_URL = live_server.url
    settings.DOI_PROVIDER = "local"
    return live_server.url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, site: str, username: str, screenshot: str | None = None) -> None:
    page.goto(f"{site}/accounts/login/")
    if screenshot:
        shot(page, screenshot)
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator(".auth-card form button[type=submit]").click()
    page.wait_for_url(f"{site}/deposits/")


def sign_out(page, site: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    page.goto(f"{site}/deposits/")
    assert "/accounts/login/" in page.url


def test_a_deposit_goes_from_the_form_to_a_published_landing_page(
    site, page, depositor, moderator, communities, tmp_path
):
    from playwright.sync_api import expect

    csv = tmp_path / "ctd_casts.csv"
    csv.write_bytes(CSV)

    # The depositor goes through the wizard, with a file, and submits.
    sign_in(page, site, "depositor", screenshot="00-sign-in")
    shot(page, "01-my-deposits-empty")
    page.get_by_role("link", name="New deposit").click()
    page.get_by_label("Title of the dataset").fill(TITLE)
    page.get_by_role("button", name="Start the deposit").click()
    page.wait_for_url(re.compile(r"/wizard/describe/$"))
    page.locator("#f-abstract").fill("Temperature and salinity profiles from 120 CTD casts on the shelf.")
    page.locator("#f-community").select_option("ocean")
    page.get_by_role("button", name="People and funding →").click()
    page.locator("#f-creators-0-family_name").fill("Le Goff")
    page.locator("#f-creators-0-given_name").fill("Anne")
    page.locator("#f-creators-0-orcid").fill("0000-0002-1825-0097")
    page.get_by_role("button", name="Add a creator").click()
    page.locator("#f-creators-1-family_name").fill("Martin")
    page.locator("#f-creators-1-given_name").fill("Paul")
    page.locator('.wstep[data-step="files"] a').click()  # steps in any order
    page.wait_for_url(re.compile(r"/wizard/files/$"))
    page.get_by_label("Choose files").set_input_files(str(csv))
    if page.locator("[data-fallback]").is_visible():  # no JavaScript uploader: the plain form
        page.locator("[data-fallback]").click()
    expect(page.locator("#files-table")).to_contain_text("ready", timeout=30_000)
    shot(page, "02-deposit-form")
    page.get_by_role("button", name="Links, licence and review →").click()
    expect(page.get_by_label("Creative Commons Attribution 4.0 International (CC-BY-4.0)")).to_be_checked()
    expect(page.locator("#review")).to_contain_text("Nothing is missing")
    shot(page, "03-deposit-draft")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messages")).to_contain_text("Submitted for review.")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("table")).to_contain_text("ctd_casts.csv")
    expect(page.locator(".badge.status-submitted")).to_be_visible()
    expect(page.get_by_text("Reserved — becomes active on publication")).to_be_visible()
    shot(page, "04-deposit-submitted")
    sign_out(page, site)

    # The moderator works the queue, claims and approves.
    sign_in(page, site, "moderator")
    page.get_by_role("link", name="Moderation queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    shot(page, "05-moderation-queue")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="Claim").click()
    expect(page.locator(".badge.status-in_review")).to_be_visible()
    shot(page, "06-deposit-in-review")
    page.get_by_role("button", name="Approve").click()  # then confirm: the DOI becomes permanent
    page.get_by_label("I understand that the DOI becomes permanent.").check()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.locator(".messages")).to_contain_text("Approved: the record is published.")
    doi = page.locator("#deposit-doi").get_attribute("data-doi")
    assert doi and doi.startswith("10.5072/")
    shot(page, "07-deposit-published")

    # Anyone resolves the DOI to the landing page.
    page.goto(f"{site}/doi/{doi}")
    assert re.search(r"/records/\d+$", page.url)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("#files table")).to_contain_text("ctd_casts.csv")
    expect(page.get_by_text("not registered (demo)").first).to_be_visible()
    expect(page.locator(".citation")).to_contain_text(f"https://doi.org/{doi}")
    # The worker makes the DOI findable (at the local demo provider) a moment later.
    about = page.locator("section[aria-labelledby=about-title] dl.facts")
    for _attempt in range(50):
        if "findable" in about.inner_text():
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(about).to_contain_text("findable")
    shot(page, "08-landing-page")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download ctd_casts.csv").click()
    assert Path(download.value.path()).read_bytes() == CSV

    # The same page in French, through the language switcher; and on a phone's width.
    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", name="Citer ce jeu de données")).to_be_visible()
    shot(page, "09-landing-page-fr")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "10-landing-page-phone")
