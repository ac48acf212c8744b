"""The search page in Chromium: a reader draws a box on the map with the mouse and the results
narrow to the records inside it (across the antimeridian too), ticks a facet, clears the box; the
same search typed in the coordinate inputs, with the keyboard only. Screenshots go to
var/screenshots/search-*.png."""

from __future__ import annotations

import os
import re
from datetime import date

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from tests.e2e.test_browser_flow import SCREENSHOTS
from tests.search.conftest import publish  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BISCAY = "CTD casts in the Bay of Biscay"
LION = "Gulf of Lion glider section"
FIJI = "Fiji Basin moorings, across the antimeridian"


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.DOI_PROVIDER = "local"
    return live_server.url


@pytest.fixture
def records(publish):
    return {
        BISCAY: publish(BISCAY, boxes=[(-6, 43.5, -1, 48)], published=date(2024, 3, 1)),
        LION: publish(LION, points=[(4.5, 42.8)], community="atmosphere", published=date(2024, 2, 1)),
        FIJI: publish(FIJI, boxes=[(172, -22, -172, -12)], published=date(2024, 1, 1)),
    }


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, errors


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"search-{name}.png"), full_page=True)


def map_point(page, lat: float, lon: float) -> tuple[float, float]:
    x, y = page.evaluate(
        "([lat, lon]) => { const p = EstranSearchMap.map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [lat, lon],
    )
    box = page.locator("#search-map").bounding_box()
    return box["x"] + x, box["y"] + y


def drag_box(page, north_west: tuple[float, float], south_east: tuple[float, float]) -> None:
    page.get_by_role("button", name="Draw a box").click()
    x0, y0 = map_point(page, *north_west)
    x1, y1 = map_point(page, *south_east)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()


def hit_titles(page) -> list[str]:
    return page.locator(".hits .hit h3").all_inner_texts()


def test_a_box_drawn_on_the_map_narrows_the_results_to_the_records_inside(site, page, records):
    from playwright.sync_api import expect

    page.goto(f"{site}/search")
    expect(page.locator("#results-title")).to_have_text("3 records")
    expect(page.locator("#search-map")).to_be_visible()

    # Western Europe: a box over the Bay of Biscay, not reaching the Gulf of Lion.
    page.locator("#search-map").scroll_into_view_if_needed()
    page.evaluate("() => { EstranSearchMap.map.setView([45, -2], 4, {animate: false}); }")
    drag_box(page, (49.0, -9.0), (41.0, 1.0))
    page.wait_for_url(re.compile(r"west=-?\d"))
    expect(page.locator("#results-title")).to_have_text("1 record")
    assert hit_titles(page) == [BISCAY]
    west, east = (float(page.locator(f"#f-{side}").input_value()) for side in ("west", "east"))
    south, north = (float(page.locator(f"#f-{side}").input_value()) for side in ("south", "north"))
    assert abs(west + 9) < 1 and abs(east - 1) < 1 and abs(south - 41) < 1 and abs(north - 49) < 1
    assert page.locator("#search-map path.leaflet-interactive, #search-map path").count() >= 1  # the box, drawn again
    expect(page.get_by_role("link", name=re.compile("Area:"))).to_be_visible()  # a removable filter
    shot(page, "01-box-biscay")

    # Across the antimeridian: a box from 170°E to 170°W finds the Fiji moorings only.
    page.evaluate("() => { EstranSearchMap.map.setView([-17, 180], 3, {animate: false}); }")
    drag_box(page, (-8.0, 168.0), (-26.0, 192.0))
    page.wait_for_url(re.compile(r"west=16\d"))
    expect(page.locator("#results-title")).to_have_text("1 record")
    assert hit_titles(page) == [FIJI]
    assert float(page.locator("#f-west").input_value()) > float(page.locator("#f-east").input_value())
    shot(page, "02-box-antimeridian")

    # Clearing the box brings everything back; a facet ticked applies at once.
    page.get_by_role("button", name="Clear the box").click()
    expect(page.locator("#results-title")).to_have_text("3 records")
    page.locator("#facet-community").get_by_label(re.compile("^Atmosphere")).check()
    expect(page.locator("#results-title")).to_have_text("1 record")
    assert hit_titles(page) == [LION]
    expect(page.locator("#facet-community").get_by_label(re.compile("^Atmosphere"))).to_be_focused()  # where it was
    shot(page, "03-facet")


def test_the_same_search_with_the_keyboard_only(site, page, records):
    from playwright.sync_api import expect

    page.goto(f"{site}/search")
    page.get_by_label("West longitude").fill("-10")
    page.get_by_label("South latitude").fill("40")
    page.get_by_label("East longitude").fill("6")
    page.get_by_label("North latitude").fill("50")
    page.get_by_label("Words to find").fill("glider")
    page.get_by_label("Words to find").press("Enter")
    expect(page.locator("#results-title")).to_have_text("1 record")
    assert hit_titles(page) == [LION]
    assert "bbox" not in page.url and "west=-10" in page.url and "start=" not in page.url  # empty inputs left out
    expect(page.locator(".hit-snippet mark, .hits h3")).not_to_have_count(0)
