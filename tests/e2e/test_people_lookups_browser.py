"""The people step's look-ups in Chromium, against the local ORCID (`/v3.0/<iD>/person`) and ROR
(`/v2/organizations?query=`) servers: an ORCID iD typed on an empty line fills in the name; on a line
whose name differs, the record's name is offered and taken with one press; an iD ORCID does not know
is said beside the field. "ifremer" typed as an affiliation offers Ifremer, chosen with the keyboard,
and its ROR id is saved in the deposit's metadata; a name ROR does not know, or typed while ROR is
down, is kept as typed. Without the look-ups configured, the fields are plain. Screenshot:
var/screenshots/wizard-people-lookups.png."""

from __future__ import annotations

import os
import re

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from tests.e2e.test_browser_flow import SCREENSHOTS, sign_in
from tests.fakes.orcid_server import Person, orcid_api, orcid_api_server  # noqa: F401 - fixtures
from tests.fakes.ror_server import IFREMER, ror, ror_server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOFIA = "0000-0002-1825-0097"
YANN = "0000-0001-5109-3700"
NOBODY = "0000-0002-9079-593X"
IFREMER_NAME = "Institut Français de Recherche pour l'Exploitation de la Mer"


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.DOI_PROVIDER = "local"
    return live_server.url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, errors  # no JavaScript error


@pytest.fixture
def draft(depositor, communities):
    """A new draft of `depositor`, whose first creator is "Depositor" (the display name)."""
    from deposit import services, wizard

    return services.deposit_create(
        owner=depositor, metadata=wizard.initial_metadata(depositor), community=communities["ocean"]
    )


def people_step(page, site, draft) -> None:
    sign_in(page, site, "depositor")
    page.goto(f"{site}/deposits/{draft.pk}/wizard/people/")


def saved(page) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved", timeout=15_000)


def test_orcid_ids_fill_in_names_and_ror_suggestions_fill_in_affiliations(site, page, draft, orcid_api, ror):
    from playwright.sync_api import expect

    from deposit.models import Deposit

    orcid_api.add_person(Person(orcid=SOFIA, given_names="Sofia", family_name="Garcia"))
    orcid_api.add_person(Person(orcid=YANN, given_names="Yann", family_name="Le Bihan"))
    people_step(page, site, draft)
    expect(page.locator("#f-creators-0-family_name")).to_have_value("Depositor")

    # The first creator's name differs from the record's: offered, not imposed.
    page.locator("#f-creators-0-orcid").fill(SOFIA)
    page.locator("#f-creators-0-orcid").press("Tab")
    note = page.locator("#f-creators-0-orcid-lookup")
    expect(note).to_contain_text("The ORCID record gives the name Sofia Garcia.")
    expect(page.locator("#f-creators-0-family_name")).to_have_value("Depositor")
    assert "f-creators-0-orcid-lookup" in page.locator("#f-creators-0-orcid").get_attribute("aria-describedby")
    note.get_by_role("button", name="Use the name on the ORCID record: Sofia Garcia").click()
    expect(page.locator("#f-creators-0-family_name")).to_have_value("Garcia")
    expect(page.locator("#f-creators-0-given_name")).to_have_value("Sofia")
    expect(note).to_have_text("Name taken from the ORCID record: Sofia Garcia.")
    expect(page.locator("#wizard-announce")).to_have_text("Name taken from the ORCID record: Sofia Garcia.")

    # A new line with no name: filled in at once.
    page.get_by_role("button", name="Add a creator").click()
    page.locator("#f-creators-1-orcid").fill(f"https://orcid.org/{YANN}")
    page.locator("#f-creators-1-orcid").blur()
    expect(page.locator("#f-creators-1-family_name")).to_have_value("Le Bihan")
    expect(page.locator("#f-creators-1-given_name")).to_have_value("Yann")
    expect(page.locator("#f-creators-1-orcid-lookup")).to_have_text(
        "Name filled in from the ORCID record: Yann Le Bihan."
    )

    # An iD ORCID does not know: said beside the field, the name stays free.
    page.get_by_role("button", name="Add a contributor").click()
    page.locator("#f-contributors-0-family_name").fill("Martin")
    page.locator("#f-contributors-0-orcid").fill(NOBODY)
    page.locator("#f-contributors-0-orcid").blur()
    expect(page.locator("#f-contributors-0-orcid-lookup")).to_contain_text(f"ORCID has no record with the iD {NOBODY}")
    expect(page.locator("#f-contributors-0-family_name")).to_have_value("Martin")

    # The first creator's affiliation: "ifremer" offers Ifremer, chosen with the keyboard.
    page.locator("#f-creators-0 [data-add=affiliations]").click()
    affiliation = page.locator("#f-creators-0-affiliations-0-name")
    expect(affiliation).to_be_focused()
    expect(affiliation).to_have_attribute("role", "combobox")
    affiliation.press_sequentially("ifremer", delay=30)
    listbox = page.get_by_role("listbox", name="Organisations in the Research Organization Registry")
    expect(listbox).to_be_visible()
    expect(affiliation).to_have_attribute("aria-expanded", "true")
    expect(affiliation).to_have_attribute("aria-controls", "f-creators-0-affiliations-0-name-list")
    option = listbox.get_by_role("option")
    expect(option).to_have_count(1)
    expect(option).to_contain_text(IFREMER_NAME)
    expect(option).to_contain_text("France")
    expect(option).to_contain_text("IFREMER")
    shot = SCREENSHOTS / "wizard-people-lookups.png"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    affiliation.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(affiliation).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    affiliation.press("Enter")
    expect(listbox).to_be_hidden()
    expect(affiliation).to_have_value(IFREMER_NAME)
    expect(page.locator("#f-creators-0-affiliations-0-ror")).to_have_value(IFREMER)
    expect(affiliation).to_be_focused()
    expect(page.locator("#wizard-announce")).to_have_text(f"Chosen: {IFREMER_NAME}, ROR id {IFREMER}.")

    # A laboratory ROR does not list stays as typed; so does a name typed while ROR is down.
    page.locator("#f-creators-0 [data-add=affiliations]").click()
    lab = page.locator("#f-creators-0-affiliations-1-name")
    lab.press_sequentially("LOPS", delay=30)
    expect(page.locator("#f-creators-0-affiliations-1 [aria-live=polite]")).to_have_text(
        "No organisation found in ROR for “LOPS”: the affiliation is kept as typed."
    )
    ror.fail(500)
    page.locator("#f-creators-1 [data-add=affiliations]").click()
    down = page.locator("#f-creators-1-affiliations-0-name")
    down.press_sequentially("Université de Bretagne Occidentale", delay=10)
    expect(page.locator("#f-creators-1-affiliations-0-name-lookup")).to_contain_text("type the affiliation yourself")
    expect(down).to_have_value("Université de Bretagne Occidentale")
    page.locator("#f-creators-1-affiliations-0-ror").fill("01b8h3982")  # by hand, as without the look-up
    page.locator("#f-creators-1-affiliations-0-ror").blur()

    saved(page)
    first, second = Deposit.objects.get(pk=draft.pk).metadata["creators"]
    assert first == {
        "name_type": "Personal",
        "family_name": "Garcia",
        "given_name": "Sofia",
        "name": "Garcia, Sofia",
        "orcid": SOFIA,
        "affiliations": [{"name": IFREMER_NAME, "ror": IFREMER}, {"name": "LOPS"}],
    }
    assert second == {
        "name_type": "Personal",
        "family_name": "Le Bihan",
        "given_name": "Yann",
        "name": "Le Bihan, Yann",
        "orcid": YANN,
        "affiliations": [{"name": "Université de Bretagne Occidentale", "ror": "https://ror.org/01b8h3982"}],
    }
    asked = [r["path"] for r in orcid_api.requests]
    assert asked == [f"/v3.0/{SOFIA}/person", f"/v3.0/{YANN}/person", f"/v3.0/{NOBODY}/person"]

    # After a reload the saved choice is there, and the fields are comboboxes again.
    page.reload()
    expect(page.locator("#f-creators-0-affiliations-0-ror")).to_have_value(IFREMER)
    expect(page.locator("#f-creators-0-affiliations-0-name")).to_have_attribute("role", "combobox")


def test_without_the_look_ups_the_people_step_is_typed_by_hand(site, page, draft, settings):
    from playwright.sync_api import expect

    settings.ORCID_API_URL = settings.ROR_API_URL = ""
    people_step(page, site, draft)

    page.locator("#f-creators-0-orcid").fill(SOFIA)
    page.locator("#f-creators-0-orcid").blur()
    page.locator("#f-creators-0 [data-add=affiliations]").click()
    affiliation = page.locator("#f-creators-0-affiliations-0-name")
    affiliation.press_sequentially("ifremer", delay=20)

    expect(affiliation).not_to_have_attribute("role", "combobox")
    expect(page.get_by_role("listbox")).to_have_count(0)
    expect(page.locator("[data-lookup-note]")).to_have_count(0)
    expect(page.locator("#f-creators-0-family_name")).to_have_value("Depositor")
    expect(page.get_by_text(re.compile("ror.org lists research organisations"))).to_have_count(1)
