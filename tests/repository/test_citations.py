"""Formatted citations in every CSL style Estran offers, compared with what citeproc-js (Zotero,
Mendeley, doi.org) renders for the same items with the same style and locale files
(tests/data/citations/citeproc-js.json, produced by real citeproc-js: see its README)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from repository.metadata import MetadataDocument
from repository.serializers.citation import DATACITE_STYLE, OFFERED_STYLES, format_bibliography, to_csl
from tests.repository.citation_records import CITATION_RECORDS

FIXTURES = json.loads((Path(__file__).parent.parent / "data" / "citations" / "citeproc-js.json").read_text())
LOCALES = ("en-US", "fr-FR")
CSL_STYLES = [style for _label, style in OFFERED_STYLES if style != DATACITE_STYLE]

# Where citeproc-js departs from the style file, Estran follows the file. Harvard (Cite Them Right)
# says delimiter-precedes-last="never"; citeproc-js puts the delimiter before an organisation that
# ends a list of two or more people all the same.
FOLLOWS_THE_STYLE_FILE = {
    (
        "harvard",
        "en-US",
        "10.5072/estran.cite-1",
    ): "Le Goff, A., Martin, P. and Coriolis data centre (2025) “CTD casts of the PELGAS 2024 cruise, Bay of "
    "Biscay.” Estran. Available at: https://doi.org/10.5072/estran.cite-1.",
    (
        "harvard",
        "fr-FR",
        "10.5072/estran.cite-1",
    ): "Le Goff, A., Martin, P. et Coriolis data centre (2025) « CTD casts of the PELGAS 2024 cruise, Bay of "
    "Biscay ». Estran. Disponible sur: https://doi.org/10.5072/estran.cite-1.",
}


def test_every_offered_csl_style_has_fixtures():
    assert set(FIXTURES["expected"]) == set(CSL_STYLES) == {"apa", "harvard", "chicago"}


def test_the_items_are_the_ones_estran_writes_for_the_records():
    items = [
        to_csl(MetadataDocument.model_validate(r["metadata"]), doi=r["doi"], year=r["year"], version=r["version"])
        for r in CITATION_RECORDS
    ]
    assert items == FIXTURES["items"]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("style", CSL_STYLES)
@pytest.mark.parametrize("item", FIXTURES["items"], ids=lambda item: item["id"].rsplit(".", 1)[-1])
def test_each_style_renders_as_citeproc_js_does(style, locale, item):
    expected = FIXTURES["expected"][style][locale][item["id"]]
    expected = FOLLOWS_THE_STYLE_FILE.get((style, locale, item["id"]), expected)
    assert format_bibliography(item, style=style, locale=locale) == expected


def test_chicago_writes_given_names_in_full_and_marks_the_initials_in_them():
    [_le_goff, _nguyen, _org, dupont, _many] = FIXTURES["items"]
    text = format_bibliography(dupont, style="chicago")
    assert text.startswith("Dupont, Jean-Pierre, John R. Smith, and Lucía García Márquez. 2025.")
    bare_initial = {**dupont, "author": [{"family": "Smith", "given": "John R"}]}
    assert format_bibliography(bare_initial, style="chicago").startswith("Smith, John R. 2025.")
    # APA and Harvard still initialise
    assert format_bibliography(dupont, style="apa").startswith("Dupont, J.-P., Smith, J. R., & García Márquez, L.")


def test_american_english_puts_the_period_inside_the_quotation_marks_and_british_english_does_not():
    [le_goff, *_others] = FIXTURES["items"]
    assert "Bay of Biscay.” Estran." in format_bibliography(le_goff, style="harvard", locale="en-US")
    assert "Bay of Biscay’. Estran." in format_bibliography(le_goff, style="harvard", locale="en-GB")
    assert "Bay of Biscay.” Estran." in format_bibliography(le_goff, style="harvard", locale="en-US", html=True)
