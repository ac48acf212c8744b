"""A hostile-metadata corpus in Chromium: script tags, event handlers, `javascript:` text where the
validation lets text through (keywords, award numbers, handles), quotes of every kind, `</script>`,
template syntax, right-to-left and zero-width marks, and texts as long as the limits allow, in a
deposit taken through the API from draft to publication. Each page that shows it — the wizard's
steps and the deposit's page (depositor), the queue and the review page (moderator), the landing
page with its map's tooltip and the search results (anyone) — must open no dialog, raise no script
error, break no Content-Security-Policy rule (tests/e2e/conftest.py fails the test otherwise), grow
no element with an event handler, and show every text as the literal text it is."""

from __future__ import annotations

import json
import os
import re

import pytest
from playwright.sync_api import expect

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Hostile casts <script>alert('xss-title')</script> & \"double\" 'single' `back`"
ALTERNATE = "</script><script>alert('xss-end')</script>\"><svg onload=alert('xss-svg')>"
CREATOR = "Doe, <img src=x onerror=alert('xss-creator')>"
AFFILIATION = '"><iframe src="javascript:alert(\'xss-affiliation\')"></iframe>'
KEYWORD = "javascript:alert('xss-keyword')"
KEYWORD_MARKUP = "<b onmouseover=alert('xss-kw')>bold</b>"
SCHEME = "</title><script>alert('xss-scheme')</script>"
PLACE = "<img src=x onerror=alert('xss-place')> Station \u202eevil\u202c"
FUNDER = "<a href=\"javascript:alert('xss-funder')\">Funder</a>"
AWARD = "javascript:alert('xss-award')"
AWARD_TITLE = "{{ 7|add:7 }} {% now 'Y' %} ${alert('xss-template')}"
CONTACT = 'O\'Brien "Contact" <style>body{display:none}</style>'
PUBLISHER = "<iframe src=javascript:alert('xss-publisher')></iframe>"
VERSION = "1.0 </script><!--"
RTL = "report\u202efdp.exe \u200f\u2067mixed\u2069 zero\u200bwidth"
HANDLE = "20.500.12345/javascript:alert('xss-handle')"
# As long as the limits allow (repository/limits.py: 20,000 characters), the corpus repeated.
ABSTRACT = ("Hostile abstract. " + " ".join([TITLE, ALTERNATE, CREATOR, RTL, KEYWORD_MARKUP]) + "\n") * 60
ABSTRACT = ABSTRACT[:19_990]


def hostile_metadata() -> dict:
    from tests.factories import complete_metadata

    data = complete_metadata(TITLE)
    data["titles"].append({"title": ALTERNATE, "title_type": "AlternativeTitle"})
    data["creators"] = [
        {"name": CREATOR, "affiliations": [{"name": AFFILIATION}]},
        {"name": "Martin, Paul \u202e(RTL)"},
    ]
    data["descriptions"] = [{"description": ABSTRACT}]
    data["lineage"] = RTL
    data["subjects"] = [
        {"subject": KEYWORD},
        {
            "subject": KEYWORD_MARKUP,
            "scheme": SCHEME,
            "value_uri": "https://vocab.example.org/concept/1?q=\"><script>alert('xss-uri')</script>",
        },
    ]
    data["geo_locations"] = [{"place": PLACE, "point": {"longitude": -4.25, "latitude": 46.5}}]
    data["funding_references"] = [{"funder_name": FUNDER, "award_number": AWARD, "award_title": AWARD_TITLE}]
    data["related_identifiers"] = [{"identifier": HANDLE, "identifier_type": "Handle", "relation_type": "References"}]
    data["point_of_contact"] = {"name": CONTACT, "email": "contact@example.org"}
    data["publisher"] = PUBLISHER
    data["version"] = VERSION
    return data


@pytest.fixture
def site(live_server, settings, eager_celery):
    from django.core.cache import cache

    settings.SITE_URL = live_server.url
    settings.DOI_PROVIDER = "local"
    cache.clear()
    yield live_server.url
    cache.clear()


class Watched:
    """A page whose dialogs (dismissed) and script errors are recorded."""

    def __init__(self, context):
        self.page = context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def open(self, url: str, *texts: str) -> None:
        """Open the page, wait for its scripts, and check it: every text shown literally, no
        dialog, no error, no element of the corpus's making."""
        page = self.page
        page.goto(url)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)  # deferred scripts and their timers (autosave, type-ahead)
        body = page.locator("body").inner_text()
        for text in texts:
            assert text in body, f"{url} does not show {text!r}"
        assert self.dialogs == [], (url, self.dialogs)
        assert self.errors == [], (url, self.errors)
        # No element carries an event handler, and no element of the corpus exists.
        made = page.evaluate("""() => Array.from(document.querySelectorAll('*')).filter((el) =>
            Array.from(el.attributes).some((a) => a.name.startsWith('on'))
            || (el.tagName === 'IMG' && el.getAttribute('src') === 'x')
            || el.tagName === 'IFRAME' || el.tagName === 'svg' && el.hasAttribute('onload')
            || (el.tagName === 'SCRIPT' && /alert/.test(el.textContent) && el.type !== 'application/ld+json'
                && el.type !== 'application/json')
        ).map((el) => el.outerHTML.slice(0, 120))""")
        assert made == [], (url, made)
        hrefs = page.evaluate(
            "() => Array.from(document.querySelectorAll('[href]')).map((a) => a.getAttribute('href'))"
        )
        assert not [h for h in hrefs if re.match(r"\s*(javascript|data|vbscript):", h, re.I)], (url, hrefs)


def signed_in(browser, user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-GB")
    context.set_default_timeout(15_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": settings.SITE_URL,
            }
        ]
    )
    return context


def act(client, deposit_id: int, action: str):
    response = client.post(
        f"/api/deposits/{deposit_id}/actions", data=json.dumps({"action": action}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_a_hostile_deposit_is_shown_as_text_on_every_page_from_the_wizard_to_the_search(
    site, browser, api_client, depositor, moderator
):
    from deposit.models import Deposit
    from deposit.services import file_add_bytes

    owner, reviewer = api_client(depositor), api_client(moderator)
    created = owner.post(
        "/api/deposits",
        data=json.dumps({"community": "ocean", "metadata": hostile_metadata()}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    deposit_id = created.json()["id"]
    content = b"station,depth\nP01,5\n"
    file_add_bytes(
        deposit=Deposit.objects.get(pk=deposit_id), actor=depositor, name="ctd.csv", chunks=[content], size=len(content)
    )
    assert owner.get(f"/api/deposits/{deposit_id}").json()["problems"] == []

    # The depositor's pages, the draft.
    depositor_context = signed_in(browser, depositor)
    depo = Watched(depositor_context)
    deposit_url = f"{site}/deposits/{deposit_id}/"
    depo.open(deposit_url, TITLE)
    depo.open(f"{deposit_url}wizard/describe/", KEYWORD_MARKUP, SCHEME)
    expect(depo.page.locator("[name='title']")).to_have_value(TITLE)
    expect(depo.page.locator("[name='free_keywords']")).to_have_value(KEYWORD)
    abstract = depo.page.locator("[name='abstract']").input_value()
    assert abstract.strip() == ABSTRACT.strip(), (len(abstract), len(ABSTRACT))
    depo.open(f"{deposit_url}wizard/people/")
    expect(depo.page.locator("#f-creators-0-given_name")).to_have_value("<img src=x onerror=alert('xss-creator')>")
    expect(depo.page.locator("#f-point_of_contact-name")).to_have_value(CONTACT)
    depo.open(f"{deposit_url}wizard/where_when/")
    expect(depo.page.locator("input[value*='xss-place']").first).to_have_value(PLACE)
    depo.open(f"{deposit_url}wizard/links_licence/")
    depo.open(f"{deposit_url}wizard/review")

    # Submitted: the moderator's queue, then the review page once claimed.
    act(owner, deposit_id, "submit")
    moderator_context = signed_in(browser, moderator)
    mod = Watched(moderator_context)
    mod.open(f"{site}/moderation/", TITLE)
    act(reviewer, deposit_id, "claim")
    mod.open(
        f"{site}/moderation/deposits/{deposit_id}/",
        TITLE,
        ALTERNATE,
        KEYWORD,
        KEYWORD_MARKUP,
        PLACE,
        FUNDER,
        AWARD,
        AWARD_TITLE,
        RTL,
    )

    # Published: the landing page (with its map's tooltip) and the search, for anyone.
    record_id = act(reviewer, deposit_id, "approve")["record_id"]
    reader_context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-GB")
    reader_context.set_default_timeout(15_000)
    reader = Watched(reader_context)
    landing_url = f"{site}/records/{record_id}"
    for _visit in range(2):  # rendered, then from the page cache
        reader.open(
            landing_url,
            TITLE,
            ALTERNATE,
            "<img src=x onerror=alert('xss-creator')>",
            AFFILIATION,
            KEYWORD,
            KEYWORD_MARKUP,
            SCHEME,
            PLACE,
            FUNDER,
            AWARD,
            AWARD_TITLE,
            CONTACT,
            PUBLISHER,
            VERSION,
            RTL,
            HANDLE,
        )
    expect(reader.page.locator("#extent-map")).to_have_attribute("data-shapes", "1")
    reader.page.locator("#extent-map path.leaflet-interactive").first.hover()
    expect(reader.page.locator(".leaflet-tooltip")).to_have_text(PLACE)
    assert reader.page.locator(".leaflet-tooltip img").count() == 0
    assert reader.dialogs == [] and reader.errors == []
    reader.open(f"{site}/search?q=hostile", TITLE)
    expect(reader.page.locator("mark").first).to_be_visible()  # the snippet's highlight is the only markup added

    for context in (depositor_context, moderator_context, reader_context):
        context.close()
