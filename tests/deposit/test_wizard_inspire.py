"""What the wizard asks for INSPIRE, through Django's test client and the wizard's own merge: the
INSPIRE theme (describe), pre-filled with the community's and following it until the depositor
chooses another or clears it; the conditions for access and use (links and licence), pre-filled from
the licence and following it until edited or cleared; the lineage, the describe step's field. The
defaults are in the document and on the page, never added behind the depositor's back; drafts stay
lenient and submission strict."""

from __future__ import annotations

import pytest
from django.urls import reverse

from deposit import services, wizard
from deposit.models import Deposit
from deposit.wizard import inspire
from repository.metadata import LICENCES, validate_document
from repository.serializers import inspire as serializer_inspire
from tests.factories import complete_metadata

THEMES = "http://inspire.ec.europa.eu/theme"
OCEAN = f"{THEMES}/of"
ATMOSPHERE = f"{THEMES}/ac"
SEA_REGIONS = f"{THEMES}/sr"
CC_BY = LICENCES["CC-BY-4.0"]
CC_BY_CONDITIONS = (
    "Use is subject to the licence Creative Commons Attribution 4.0 International (CC-BY-4.0): "
    "https://creativecommons.org/licenses/by/4.0/legalcode"
)
CC0_CONDITIONS = (
    "Use is subject to the licence Creative Commons Zero v1.0 Universal (CC0-1.0): "
    "https://creativecommons.org/publicdomain/zero/1.0/legalcode"
)


def step_url(deposit, step):
    return reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": step})


def save(client, deposit, step, fields):
    """What wizard.js sends: the step's fields, form-encoded, with the revision they were typed on."""
    revision = Deposit.objects.values_list("revision", flat=True).get(pk=deposit.pk)
    response = client.post(
        reverse("deposit:wizard-save", kwargs={"pk": deposit.pk}), {"step": step, "revision": revision, **fields}
    )
    assert response.status_code == 200, response.content
    return Deposit.objects.get(pk=deposit.pk)


def themes_of(metadata) -> list[dict]:
    return [s for s in metadata.get("subjects", []) if inspire.is_theme(s)]


def describe(**fields) -> dict:
    """The describe step as its page posts it: the fields, the theme select and the hidden field
    saying which theme the page offered as the community's."""
    return {"title": "Glider section", "abstract": "Temperature and salinity from a Slocum glider.", **fields}


@pytest.fixture
def started(client, depositor, communities):
    """A deposit started from *New deposit* with the ocean community chosen at once."""
    client.force_login(depositor)
    client.post(reverse("deposit:create"), {"title": "Glider section", "community": "ocean"})
    return Deposit.objects.get(owner=depositor)


# --- The register, without network or thesaurus -------------------------------------------------


def test_the_register_s_34_themes_are_offered_in_english_and_in_french_without_a_loaded_thesaurus(db):
    assert len(inspire.THEMES) == 34 and len(inspire.THEME_BY_URI) == 34
    english, french = inspire.theme_choices("en"), inspire.theme_choices("fr")
    assert list(english) != list(french) and set(english) == set(french) == set(inspire.THEME_BY_URI)
    assert english[OCEAN] == "Oceanographic geographical features"
    assert french[OCEAN] == "Caractéristiques géographiques océanographiques"
    assert list(english.values()) == sorted(english.values(), key=str.casefold)


def test_the_wizard_s_labels_are_the_register_s_as_the_export_and_the_inspire_rules_read_them():
    # the serializer's community defaults name the same themes with the same English labels
    for code, label in serializer_inspire.THEMES.items():
        assert inspire.THEME_BY_URI[serializer_inspire.theme_uri(code)].en == label
    # and GeoNetwork's copy of the register has every theme with these labels
    from rdflib import Graph, URIRef
    from rdflib.namespace import SKOS

    from repository import conformance

    register = Graph().parse(
        conformance.GEONETWORK_DIR / "thesauri/external/thesauri/theme/httpinspireeceuropaeutheme-theme.rdf",
        format="xml",
    )
    for theme in inspire.THEMES:
        labels = {label.language: str(label) for label in register.objects(URIRef(theme.uri), SKOS.prefLabel)}
        assert (labels["en"], labels["fr"]) == (theme.en, theme.fr)


# --- Defaults in the first document ---------------------------------------------------------------


def test_a_new_deposit_starts_with_the_community_s_theme_and_the_licence_s_conditions(started):
    md = started.metadata
    assert themes_of(md) == [
        {
            "subject": "Oceanographic geographical features",
            "value_uri": OCEAN,
            "scheme": "GEMET - INSPIRE themes, version 1.0",
            "scheme_uri": THEMES,
            "keyword_type": "theme",
            "lang": "en",
        }
    ]
    assert md["use_conditions"] == CC_BY_CONDITIONS == serializer_inspire.use_conditions(CC_BY)


def test_without_a_community_a_new_deposit_has_the_conditions_and_no_theme_yet(depositor):
    md = wizard.initial_metadata(depositor)
    assert themes_of(md) == [] and md["use_conditions"] == CC_BY_CONDITIONS
    assert themes_of(wizard.initial_metadata(depositor, community="atmosphere"))[0]["value_uri"] == ATMOSPHERE
    assert themes_of(wizard.initial_metadata(depositor, community="no-such-community")) == []


def test_the_defaults_are_visible_and_editable_on_the_pages(client, started):
    page = client.get(step_url(started, "describe")).content.decode()
    assert f'<option value="{OCEAN}" selected>Oceanographic geographical features</option>' in page
    assert 'name="inspire_theme-offered" data-name="inspire_theme-offered" value="' + OCEAN in page
    assert f'data-inspire-theme="{ATMOSPHERE}"' in page  # the script knows each community's theme
    assert page.count('<option value="http://inspire.ec.europa.eu/theme/') == 34
    # the theme is not also a keyword chip
    assert 'name="keywords-0-value_uri"' not in page
    licence = client.get(step_url(started, "links_licence")).content.decode()
    assert 'id="f-use_conditions" name="use_conditions" data-name="use_conditions" rows="5"' in licence
    assert f">{CC_BY_CONDITIONS}</textarea>" in licence
    assert f'data-use-conditions="{CC0_CONDITIONS}"' in licence


def test_the_theme_field_speaks_french_and_keeps_the_register_s_english_label(client, started):
    client.cookies.load({"django_language": "fr"})
    page = client.get(step_url(started, "describe"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f'<option value="{OCEAN}" selected>Caractéristiques géographiques océanographiques</option>' in page
    assert "Thème du registre INSPIRE" in page
    deposit = save(
        client,
        started,
        "describe",
        describe(community="ocean", inspire_theme=SEA_REGIONS, **{"inspire_theme-offered": OCEAN}),
    )
    assert [t["subject"] for t in themes_of(deposit.metadata)] == ["Sea regions"]


# --- The theme follows the community until the depositor chooses ---------------------------------


def test_a_theme_left_at_the_default_follows_the_community(client, started):
    deposit = save(
        client,
        started,
        "describe",
        describe(community="atmosphere", inspire_theme=OCEAN, **{"inspire_theme-offered": OCEAN}),
    )
    assert deposit.community.slug == "atmosphere"
    assert [t["value_uri"] for t in themes_of(deposit.metadata)] == [ATMOSPHERE]
    assert f'<option value="{ATMOSPHERE}" selected>' in client.get(step_url(deposit, "describe")).content.decode()


def test_a_theme_the_depositor_chose_stays_when_the_community_changes(client, started):
    deposit = save(
        client,
        started,
        "describe",
        describe(community="ocean", inspire_theme=SEA_REGIONS, **{"inspire_theme-offered": OCEAN}),
    )
    assert [t["value_uri"] for t in themes_of(deposit.metadata)] == [SEA_REGIONS]
    deposit = save(
        client,
        deposit,
        "describe",
        describe(community="atmosphere", inspire_theme=SEA_REGIONS, **{"inspire_theme-offered": OCEAN}),
    )
    assert [t["value_uri"] for t in themes_of(deposit.metadata)] == [SEA_REGIONS]


def test_a_cleared_theme_stays_cleared(client, started):
    deposit = save(
        client, started, "describe", describe(community="ocean", inspire_theme="", **{"inspire_theme-offered": OCEAN})
    )
    assert themes_of(deposit.metadata) == []
    page = client.get(step_url(deposit, "describe")).content.decode()
    assert f'<option value="{OCEAN}" selected>' not in page
    # saved again as the page shows it: still none
    deposit = save(
        client, deposit, "describe", describe(community="ocean", inspire_theme="", **{"inspire_theme-offered": OCEAN})
    )
    assert themes_of(deposit.metadata) == []


def test_the_first_community_chosen_brings_its_theme(client, depositor, communities):
    client.force_login(depositor)
    deposit = services.deposit_create(owner=depositor, metadata=wizard.initial_metadata(depositor))
    page = client.get(step_url(deposit, "describe")).content.decode()
    assert 'name="inspire_theme-offered" data-name="inspire_theme-offered" value=""' in page
    deposit = save(
        client,
        deposit,
        "describe",
        describe(community="biodiversity", inspire_theme="", **{"inspire_theme-offered": ""}),
    )
    assert [t["subject"] for t in themes_of(deposit.metadata)] == ["Species distribution"]


def test_a_form_without_the_theme_field_keeps_the_theme(client, started):
    """An older page (or another client) that does not send the field changes nothing of it."""
    deposit = save(client, started, "describe", describe(community="atmosphere"))
    assert [t["value_uri"] for t in themes_of(deposit.metadata)] == [OCEAN]


def test_a_keyword_chip_repeating_the_theme_goes_into_the_theme_field_and_other_themes_stay_chips(client, started):
    chips = {
        "keywords-0-subject": "Oceanographic geographical features",
        "keywords-0-value_uri": OCEAN,
        "keywords-0-scheme": "INSPIRE themes",
        "keywords-0-scheme_uri": THEMES,
        "keywords-1-subject": "Régions maritimes",
        "keywords-1-value_uri": SEA_REGIONS,
        "keywords-1-scheme": "INSPIRE themes",
        "keywords-1-scheme_uri": THEMES,
        "keywords-1-lang": "fr",
        "keywords-2-subject": "Geology",
        "keywords-2-value_uri": "https://gcmd.example.org/geology",
    }
    deposit = save(
        client,
        started,
        "describe",
        describe(community="ocean", inspire_theme=OCEAN, **{"inspire_theme-offered": OCEAN}, **chips),
    )
    assert [(s["subject"], s.get("value_uri")) for s in deposit.metadata["subjects"]] == [
        ("Oceanographic geographical features", OCEAN),  # the field's, once
        ("Régions maritimes", SEA_REGIONS),  # a second theme stays a keyword
        ("Geology", "https://gcmd.example.org/geology"),  # a keyword named like a theme is not one
    ]
    values = wizard.read_step("describe", deposit.metadata, deposit)
    assert values["inspire_theme"] == OCEAN
    assert [k["subject"] for k in values["keywords"]] == ["Régions maritimes", "Geology"]


def test_problems_on_the_theme_and_the_keywords_after_it_land_on_their_fields(started):
    md = {
        "subjects": [
            inspire.theme_subject(OCEAN),
            {"subject": "CTD", "value_uri": "not a uri"},
            {"subject": "free term"},
        ]
    }
    assert wizard.problem_anchor({"field": "subjects.0.value_uri"}, md) == ("describe", "f-inspire_theme")
    assert wizard.problem_anchor({"field": "subjects.1.value_uri"}, md) == ("describe", "f-keywords-0")
    assert wizard.problem_anchor({"field": "subjects.2"}, md) == ("describe", "f-free_keywords")
    # a theme kept by its label only (from the API) shows in the field, not among the free keywords
    labelled = {"subjects": [{"subject": "Régions maritimes", "scheme_uri": THEMES}, {"subject": "PELGAS"}]}
    values = wizard.read_step("describe", labelled)
    assert values["inspire_theme"] == SEA_REGIONS and values["free_keywords"] == "PELGAS"


def test_the_default_theme_does_not_count_as_a_keyword_from_a_thesaurus(started):
    [check] = [c for c in wizard.STEP_BY_SLUG["describe"].checks if c.key == "keywords"]
    assert check.filled(started.metadata, started, []) is False


# --- The conditions for access and use follow the licence until edited -------------------------


def licence_fields(**fields) -> dict:
    return {"access-level": "open", **fields}


def test_conditions_left_as_offered_follow_the_licence(client, started):
    deposit = save(client, started, "links_licence", licence_fields(licence="CC0-1.0", use_conditions=CC_BY_CONDITIONS))
    assert deposit.metadata["rights"][0]["identifier"] == "CC0-1.0"
    assert deposit.metadata["use_conditions"] == CC0_CONDITIONS
    page = client.get(step_url(deposit, "links_licence")).content.decode()
    assert f">{CC0_CONDITIONS}</textarea>" in page


def test_conditions_the_depositor_wrote_stay_when_the_licence_changes(client, started):
    mine = "Cite the DOI and the data paper; not for navigation."
    deposit = save(client, started, "links_licence", licence_fields(licence="CC-BY-4.0", use_conditions=mine))
    assert deposit.metadata["use_conditions"] == mine
    deposit = save(client, deposit, "links_licence", licence_fields(licence="ODbL-1.0", use_conditions=mine))
    assert deposit.metadata["use_conditions"] == mine


def test_cleared_conditions_stay_cleared(client, started):
    deposit = save(client, started, "links_licence", licence_fields(licence="CC-BY-4.0", use_conditions=""))
    assert "use_conditions" not in deposit.metadata
    page = client.get(step_url(deposit, "links_licence")).content.decode()
    assert 'rows="5"\n    aria-describedby="f-use_conditions-help f-use_conditions-problems"' in page
    assert "></textarea>" in page.split('id="f-use_conditions"')[1].split("</div>")[0]
    deposit = save(client, deposit, "links_licence", licence_fields(licence="CC-BY-4.0", use_conditions=""))
    assert "use_conditions" not in deposit.metadata


def test_a_form_without_the_conditions_field_keeps_them(client, started):
    deposit = save(client, started, "links_licence", licence_fields(licence="CC-BY-4.0"))
    assert deposit.metadata["use_conditions"] == CC_BY_CONDITIONS


# --- Lenient drafts, strict submission --------------------------------------------------------------


def test_drafts_keep_overlong_conditions_and_submission_refuses_them_at_their_field(client, started):
    long = "x" * 20_001
    deposit = save(client, started, "links_licence", licence_fields(licence="CC-BY-4.0", use_conditions=long))
    assert deposit.metadata["use_conditions"] == long
    _document, problems = validate_document({**complete_metadata(), "use_conditions": long})
    assert [(p["step"], p["field"]) for p in problems] == [("links_licence", "use_conditions")]
    [described] = wizard.described_problems(problems, deposit.metadata)
    assert (described["anchor"], described["where"]) == ("f-use_conditions", "Conditions for access and use")
    assert described["message"] == "Keep it under 20000 characters."


def test_the_inspire_fields_are_optional_at_submission():
    document, problems = validate_document(complete_metadata())
    assert problems == [] and document.use_conditions is None
    document, problems = validate_document(
        {**complete_metadata(), "use_conditions": CC_BY_CONDITIONS, "subjects": [inspire.theme_subject(OCEAN)]}
    )
    assert problems == [] and document.use_conditions == CC_BY_CONDITIONS


def test_the_lineage_is_the_describe_step_s_field(client, started):
    page = client.get(step_url(started, "describe")).content.decode()
    assert 'id="f-lineage"' in page and "INSPIRE catalogues require it" in page
