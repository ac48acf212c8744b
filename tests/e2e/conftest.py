"""Chromium for the browser tests: Debian's package driven by Playwright, one per module.

Every page opened through it is watched for Content-Security-Policy violations (Chromium reports
each in the console): a test that caused one fails, since it means a script, a style or an image
of Estran's that its own policy blocks. Only Estran's pages send the policy, so the fake servers'
pages (IdP, ORCID) cannot cause one.

Playwright's sync API runs an event loop in the test thread; the ORM calls of the fixtures and
tests are still synchronous and safe, which Django is told here."""

import os
from pathlib import Path

import pytest

from tests.conftest import IN_CI

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling out of this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


CSP_VIOLATIONS: list[str] = []


def _watch(target) -> None:
    """Record the CSP violations reported in the console of a context's (or a page's) pages."""

    def on_console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            url = message.page.url if message.page else message.location.get("url", "")
            CSP_VIOLATIONS.append(f"{url}: {message.text}")

    target.on("console", on_console)


class WatchedBrowser:
    """The browser, whose new contexts and pages are watched for CSP violations."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        _watch(context)
        return context

    def new_page(self, **options):
        page = self._browser.new_page(**options)
        _watch(page)
        return page

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(autouse=True)
def no_csp_violation():
    """Fails the test (at its teardown, once its pages are closed) on any CSP violation."""
    CSP_VIOLATIONS.clear()
    yield
    found, CSP_VIOLATIONS[:] = list(CSP_VIOLATIONS), []
    if found:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(found[:20]), pytrace=False)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM} (make test installs it)."
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield WatchedBrowser(browser)
        browser.close()


@pytest.fixture
def site(live_server, settings, eager_celery):
    """The live server as Estran's own address, DOIs from the local demo provider, Celery's tasks run
    at once in the test's thread. A module whose tests need another arrangement (a real worker, the
    page cache emptied, counts written at once) defines a `site` of its own."""
    settings.SITE_URL = live_server.url
    settings.DOI_PROVIDER = "local"
    return live_server.url
