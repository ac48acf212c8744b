"""The maps on a phone's touchscreen in Chromium (issue 15): with "Draw a box" on, a finger dragged
across the wizard's map or the search's map draws the box (its corners fill the coordinates, the
search filters by it) without scrolling the page; with it off, one finger pans the map (the
wizard's, the search's and the landing page's) and two fingers pinch to zoom. The touches are real
ones, sent to Chromium through the DevTools protocol as a touchscreen sends them. Screenshots go to
var/screenshots/maps-touch-*.png."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from tests.e2e.test_browser_flow import SCREENSHOTS, sign_in
from tests.search.conftest import publish  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
BISCAY = "CTD casts in the Bay of Biscay"
LION = "Gulf of Lion glider section"
TOLERANCE = 0.3  # degrees: a few pixels at the zooms used here


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.DOI_PROVIDER = "local"
    return live_server.url


def phone(browser, locale: str):
    """A phone's page (touchscreen, mobile viewport) and the DevTools session that touches it."""
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, locale=locale)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, context.new_cdp_session(page), errors


def touch(cdp, kind: str, *points: tuple[float, float]) -> None:
    cdp.send(
        "Input.dispatchTouchEvent",
        {"type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]},
    )


def drag(cdp, start: tuple[float, float], end: tuple[float, float], *, during=None, steps: int = 12):
    """One finger put down at `start`, moved to `end` and lifted; `during()` is called before the
    finger is lifted, and what it returns is returned."""
    (x0, y0), (x1, y1) = start, end
    touch(cdp, "touchStart", start)
    for i in range(1, steps + 1):
        touch(cdp, "touchMove", (x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps))
    seen = during() if during else None
    touch(cdp, "touchEnd")
    return seen


def map_point(page, selector: str, handle: str, lat: float, lon: float) -> tuple[float, float]:
    """Where (lat, lon) is on the screen now, `handle` being the page's map (EstranMap.map...)."""
    x, y = page.evaluate(
        f"([lat, lon]) => {{ const p = {handle}.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }}", [lat, lon]
    )
    box = page.locator(selector).bounding_box()
    return box["x"] + x, box["y"] + y


def map_middle(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def draft_and_scroll(page, selector: str):
    """What a finger drawing a box sees before it is lifted: the dashed box drawn so far (its count)
    and how far the page is scrolled."""
    return lambda: (page.locator(f'{selector} path[stroke-dasharray="5 4"]').count(), page.evaluate("scrollY"))


def settled_center(page, selector: str) -> str:
    """The map's centre once it has stopped moving (a fit to the shapes may still be animating)."""
    center = page.locator(selector).get_attribute("data-center")
    for _ in range(40):
        page.wait_for_timeout(300)
        now = page.locator(selector).get_attribute("data-center")
        if now == center:
            return center
        center = now
    pytest.fail(f"{selector} kept moving")


def pans_with_one_finger(page, cdp, selector: str) -> None:
    """One finger dragged across the map moves its centre, and not the page."""
    expect(page.locator(selector)).to_have_attribute("data-center", re.compile(r"."))
    before = settled_center(page, selector)
    scrolled = page.evaluate("scrollY")
    x, y = map_middle(page, selector)
    drag(cdp, (x + 60, y + 40), (x - 60, y - 40))
    expect(page.locator(selector)).not_to_have_attribute("data-center", before)
    assert page.evaluate("scrollY") == scrolled
    # The map went the finger's way: dragged to the north-west, it shows what lies south-east.
    (lat0, lon0), (lat1, lon1) = (
        map(float, center.split(",")) for center in (before, page.locator(selector).get_attribute("data-center"))
    )
    assert lat1 < lat0 and lon1 > lon0


def looks_pressed(button) -> None:
    """The tool tapped shows white on dark, although the phone leaves it hovered."""
    assert button.evaluate("(b) => b.matches(':hover')")
    expect(button).to_have_css("color", "rgb(255, 255, 255)")


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"maps-touch-{name}.png"))


def test_a_finger_pans_the_wizard_map_draws_a_box_with_draw_a_box_on_and_taps_a_point(
    site, browser, depositor, communities
):
    from deposit import services, wizard

    deposit = services.deposit_create(owner=depositor, metadata=wizard.initial_metadata(depositor))
    context, page, cdp, errors = phone(browser, "fr-FR")
    sign_in(page, site, "depositor")
    page.goto(f"{site}/deposits/{deposit.pk}/wizard/where_when/")
    page.locator("#map").scroll_into_view_if_needed()

    pans_with_one_finger(page, cdp, "#map")

    # "Draw a box" on: the finger, from the south-east corner up to the north-west one, draws the
    # box as it goes and the page stays where it is (it would scroll down under a finger moving up).
    page.evaluate("() => { EstranMap.map.setView([46, -4], 5, {animate: false}); }")
    page.get_by_role("button", name="Tracer un rectangle").tap()
    expect(page.get_by_role("button", name="Tracer un rectangle")).to_have_attribute("aria-pressed", "true")
    looks_pressed(page.get_by_role("button", name="Tracer un rectangle"))
    expect(page.locator("#map-status")).to_contain_text("du doigt")
    scrolled = page.evaluate("scrollY")
    south_east = map_point(page, "#map", "EstranMap.map", 43.5, -1.5)
    north_west = map_point(page, "#map", "EstranMap.map", 48.0, -6.0)
    drafts, scrolled_while_drawing = drag(cdp, south_east, north_west, during=draft_and_scroll(page, "#map"))
    assert drafts == 1
    assert scrolled_while_drawing == scrolled
    box = {
        side: float(page.locator(f"#f-geo_locations-0-box-{side}").input_value())
        for side in ("west", "east", "south", "north")
    }
    assert abs(box["west"] + 6) < TOLERANCE and abs(box["east"] + 1.5) < TOLERANCE
    assert abs(box["south"] - 43.5) < TOLERANCE and abs(box["north"] - 48) < TOLERANCE
    expect(page.get_by_role("button", name="Tracer un rectangle")).to_have_attribute("aria-pressed", "false")
    page.locator("#map").scroll_into_view_if_needed()
    shot(page, "wizard-box-fr")

    # Drawing over, one finger pans again; a point is placed with a tap.
    pans_with_one_finger(page, cdp, "#map")
    page.evaluate("() => { EstranMap.map.setView([46, -4], 5, {animate: false}); }")
    page.get_by_role("button", name="Placer un point").tap()
    page.touchscreen.tap(*map_point(page, "#map", "EstranMap.map", 45.0, -3.0))
    expect(page.locator("#f-geo_locations-1-point-latitude")).not_to_have_value("")
    assert abs(float(page.locator("#f-geo_locations-1-point-latitude").input_value()) - 45) < TOLERANCE
    assert abs(float(page.locator("#f-geo_locations-1-point-longitude").input_value()) + 3) < TOLERANCE
    # The point is saved before the browser goes: a save still on its way when the test ends reaches
    # the live server after its database is gone (a 500, then a flush that cannot run).
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved", timeout=15_000)
    context.close()
    assert not errors, errors


def test_a_finger_draws_the_search_box_which_filters_and_pans_and_pinches_every_map(site, browser, publish):
    publish(BISCAY, boxes=[(-6, 43.5, -1, 48)])
    publish(LION, points=[(4.5, 42.8)], community="atmosphere")
    context, page, cdp, errors = phone(browser, "en-GB")
    page.goto(f"{site}/search")
    expect(page.locator("#results-title")).to_have_text("2 records")
    page.locator("#search-map").scroll_into_view_if_needed()

    pans_with_one_finger(page, cdp, "#search-map")

    # Two fingers spread apart zoom in.
    zoom = float(page.locator("#search-map").get_attribute("data-zoom"))
    x, y = map_middle(page, "#search-map")
    touch(cdp, "touchStart", (x - 30, y), (x + 30, y))
    for step in range(1, 11):
        touch(cdp, "touchMove", (x - 30 - 10 * step, y), (x + 30 + 10 * step, y))
    touch(cdp, "touchEnd")
    expect(page.locator("#search-map")).not_to_have_attribute("data-zoom", str(zoom).removesuffix(".0"))
    assert float(page.locator("#search-map").get_attribute("data-zoom")) > zoom

    # "Draw a box" on: a box over the Bay of Biscay, drawn with a finger, not reaching the Gulf of Lion.
    page.evaluate("() => { EstranSearchMap.map.setView([45, -2], 4, {animate: false}); }")
    page.get_by_role("button", name="Draw a box").tap()
    looks_pressed(page.get_by_role("button", name="Draw a box"))
    expect(page.locator("#map-status")).to_contain_text("with the mouse or a finger")
    scrolled = page.evaluate("scrollY")
    south_east = map_point(page, "#search-map", "EstranSearchMap.map", 41.0, 1.0)
    north_west = map_point(page, "#search-map", "EstranSearchMap.map", 49.0, -9.0)
    drafts, scrolled_while_drawing = drag(cdp, south_east, north_west, during=draft_and_scroll(page, "#search-map"))
    assert drafts == 1
    assert scrolled_while_drawing == scrolled
    page.wait_for_url(re.compile(r"west=-?\d"))
    expect(page.locator("#results-title")).to_have_text("1 record")
    expect(page.locator(".hits .hit h3")).to_have_text([BISCAY])
    box = {side: float(page.locator(f"#f-{side}").input_value()) for side in ("west", "east", "south", "north")}
    assert abs(box["west"] + 9) < TOLERANCE and abs(box["east"] - 1) < TOLERANCE
    assert abs(box["south"] - 41) < TOLERANCE and abs(box["north"] - 49) < TOLERANCE
    page.locator("#search-map").scroll_into_view_if_needed()
    shot(page, "search-box")

    # The box's new page pans by finger too, and so does the record's landing page map.
    pans_with_one_finger(page, cdp, "#search-map")
    page.get_by_role("link", name=BISCAY).tap()
    expect(page.locator("#extent-map")).to_have_attribute("data-shapes", "1")  # fitted to the record's box
    page.locator("#extent-map").scroll_into_view_if_needed()
    pans_with_one_finger(page, cdp, "#extent-map")
    context.close()
    assert not errors, errors
