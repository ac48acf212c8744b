"""The search page in French in Chromium (issue 15): the resource-type filter names every type in the
reader's words, the ones the wizard offers and DataCite's others alike, and so does the chip of a
chosen type; the demo DOI provider's banner lies inside a landmark (axe's `region` rule), as
everything on the page does. Screenshots go to /tmp/shots_misc/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from tests.search.conftest import publish  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots_misc")
CAMEL_CASE = re.compile(r"\b[A-Z][a-z]+[A-Z]\w*")  # PhysicalObject, JournalArticle…

# The landmark roles, and the elements that are landmarks of their own (a <header> or <footer>
# directly in the body, a named <section>).
LANDMARK_OF = """(element) => {
  const roles = ["banner", "main", "contentinfo", "navigation", "complementary", "region", "search", "form"];
  for (let node = element; node && node !== document.body; node = node.parentElement) {
    const role = node.getAttribute("role");
    if (role && roles.includes(role)) {
      const named = (node.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
      const name = node.getAttribute("aria-label")
        || named.map((id) => document.getElementById(id)?.textContent || "").join(" ");
      return {role, name: name.trim()};
    }
    const tag = node.tagName.toLowerCase();
    const topLevel = node.parentElement === document.body;
    if (["main", "nav", "aside"].includes(tag) || (["header", "footer"].includes(tag) && topLevel)) {
      return {role: tag, name: ""};
    }
  }
  return null;
}"""


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.DOI_PROVIDER = "local"  # the demo provider: the banner shows
    return live_server.url


@pytest.fixture
def records(publish):
    return [
        publish("CTD casts in the Bay of Biscay", resource_type="Dataset"),
        publish("Sediment cores of the Armorican shelf", resource_type="PhysicalObject"),
        publish("A data paper on the Biscay casts", resource_type="DataPaper"),
        publish("Glider processing notebook", resource_type="ComputationalNotebook"),
    ]


def test_the_resource_type_filter_and_its_chip_are_in_french_and_the_demo_banner_is_in_a_landmark(
    site, browser, records
):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{site}/search")
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    facet = page.locator("#facet-resource_type")
    expect(facet.locator("legend")).to_have_text("Type de ressource")
    labels = facet.locator(".facet-label").all_inner_texts()
    wanted = ["Jeu de données", "Objet physique", "Article de données", "Carnet de calcul (notebook)"]
    assert sorted(labels) == sorted(wanted), labels
    assert labels == sorted(labels, key=str.casefold), labels  # equal counts: in the order of the labels read
    hit_types = page.locator(".hits .hit-type").all_inner_texts()
    assert not [t for t in labels + hit_types if CAMEL_CASE.search(t)], (labels, hit_types)

    # A type ticked: the filter applies at once and its chip names it as the filter does.
    facet.get_by_label(re.compile("^Article de données")).check()
    page.wait_for_url(re.compile(r"resource_type=DataPaper"))
    expect(page.locator(".hits .hit h3")).to_have_text(["A data paper on the Biscay casts"])
    expect(page.locator("a.chip")).to_contain_text("Article de données")
    expect(page.locator("a.chip")).not_to_contain_text("DataPaper")

    # The banner is inside a landmark, named by the banner's own heading.
    banner = page.locator(".demo-banner")
    expect(banner).to_be_visible()
    landmark = banner.evaluate(LANDMARK_OF)
    assert landmark["role"] == "region" and landmark["name"].startswith("Fournisseur de DOI de démonstration"), landmark
    # No text of the page's body lies outside a landmark (the skip link aside, which axe allows).
    outside = page.evaluate(
        f"""(() => {{
          const landmarkOf = {LANDMARK_OF};
          return Array.from(document.body.children)
            .filter((child) => !child.matches("script, .skip-link") && child.innerText.trim())
            .filter((child) => !landmarkOf(child)).map((child) => child.outerHTML.slice(0, 80));
        }})()"""
    )
    assert outside == [], outside

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "search-resource-types-phone-fr.png"), full_page=True)
    context.close()
    assert errors == [], errors
