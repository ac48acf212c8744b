"""Loading the real SKOS exports of ../shared/vocabularies: counts as in that folder's README, and
the caveats it lists (NVS plain-string owl:deprecated and empty altLabels, GCMD xml:base URIs and
gcmd:altLabel, a GCMD Turtle file naming the wrong scheme, multilingual INSPIRE files, malformed
literals). Each file is parsed once for the module."""

from __future__ import annotations

import logging

import pytest

from .conftest import shared_file

# file, slug to load it under, concepts (README), of which deprecated, with a French prefLabel
FILES = [
    ("nvs-P02.ttl", "t-nvs-p02", 468, 20, 0),
    ("nvs-L05.ttl", "t-nvs-l05", 271, 5, 0),
    ("nvs-C19.ttl", "t-nvs-c19", 271, 0, 0),
    ("gcmd-sciencekeywords-2024.ttl", "t-gcmd-sk-2024", 2000, 0, 0),
    ("gcmd-instruments-2024.ttl", "t-gcmd-instr-2024", 2000, 0, 0),
    ("gcmd-platforms-2020.rdf", "t-gcmd-platforms-2020", 992, 0, 0),
    ("gcmd-instruments-2020.rdf", "t-gcmd-instr-2020", 1779, 0, 0),
    ("gcmd-sciencekeywords-2020.rdf", "t-gcmd-sk-2020", 2000, 0, 0),
    ("inspire-themes-gn.rdf", "t-inspire-gn", 34, 0, 34),
    ("inspire-themes-registry.en.rdf", "t-inspire-registry", 35, 0, 0),
    ("iso19115-topic-categories.rdf", "t-topics", 19, 0, 19),
]
NVS = "http://vocab.nerc.ac.uk/collection/"
GCMD = "https://gcmd.earthdata.nasa.gov/kms/concept/"


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """Every real file, loaded once (committed for the module, removed after it)."""
    from vocabularies.models import Thesaurus
    from vocabularies.services import thesaurus_load

    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    paths = {name: shared_file(name) for name, *_ in FILES}
    with django_db_blocker.unblock():
        reports = {}
        try:
            for name, slug, *_ in FILES:
                (reports[name],) = thesaurus_load(path=paths[name], slug=slug)
            yield reports
        finally:
            Thesaurus.objects.filter(slug__in=[slug for _n, slug, *_ in FILES]).delete()


def _concept(slug: str, uri: str):
    from vocabularies.models import Concept

    return Concept.objects.select_related("broader", "thesaurus").get(thesaurus__slug=slug, uri=uri)


@pytest.mark.parametrize(("name", "slug", "concepts", "deprecated", "french"), FILES)
def test_each_real_file_loads_with_the_concept_counts_of_the_readme(
    db, loaded, name, slug, concepts, deprecated, french
):
    from vocabularies.models import Concept, ConceptLabel, Thesaurus

    report = loaded[name]
    assert (report.in_file, report.created, report.updated, report.deprecated) == (concepts, concepts, 0, 0)
    assert report.live == concepts - deprecated
    thesaurus = Thesaurus.objects.get(slug=slug)
    assert thesaurus.concept_count == concepts - deprecated
    assert thesaurus.source == name
    rows = Concept.objects.filter(thesaurus=thesaurus)
    assert rows.count() == concepts
    assert rows.filter(deprecated=True).count() == deprecated
    assert rows.exclude(pref_label_en="").count() == concepts
    assert rows.exclude(pref_label_fr="").count() == french
    # Deprecated concepts are not in the search index; every live one is.
    indexed = ConceptLabel.objects.filter(thesaurus=thesaurus).values("concept").distinct().count()
    assert indexed == concepts - deprecated


def test_nvs_p02_temperature_has_its_labels_notation_and_outside_broader_links(db, loaded):
    from vocabularies.models import Thesaurus

    temp = _concept("t-nvs-p02", NVS + "P02/current/TEMP/")
    assert temp.pref_label_en == "Temperature of the water column"
    assert temp.pref_label_fr == ""
    assert temp.alt_labels == {"en": ["WC_Temp"]}
    assert temp.notation == "SDN:P02::TEMP"
    assert temp.definition.startswith("Temperature parameters in any body of water")
    assert not temp.deprecated
    # P02's broader concepts live in other collections (P03, C47, ...): the URI is kept, unresolved.
    assert temp.broader_uri.startswith(NVS) and "/P02/" not in temp.broader_uri
    assert temp.broader is None
    p02 = Thesaurus.objects.get(slug="t-nvs-p02")
    assert (p02.uri, p02.title, p02.version) == (
        NVS + "P02/current/",
        "SeaDataNet Parameter Discovery Vocabulary",
        "127",
    )


def test_nvs_plain_string_deprecated_flag_and_replacement_are_read(db, loaded):
    ntrz = _concept("t-nvs-p02", NVS + "P02/current/NTRZ/")
    assert ntrz.deprecated
    assert ntrz.replaced_by_uri == NVS + "P02/current/NTRA/"
    assert not ntrz.labels.exists()


def test_nvs_l05_device_keeps_real_alt_labels_and_drops_empty_ones(db, loaded):
    ctd = _concept("t-nvs-l05", NVS + "L05/current/130/")
    assert (ctd.pref_label_en, ctd.notation, ctd.alt_labels) == ("CTD", "SDN:L05::130", {})
    argos = _concept("t-nvs-l05", NVS + "L05/current/POS16/")
    assert argos.pref_label_en == "Argos GPS-localised transmitters"
    assert argos.alt_labels == {"en": ["Argos GPS"]}
    cameras = _concept("t-nvs-l05", NVS + "L05/current/LAB41/")
    assert cameras.deprecated and cameras.replaced_by_uri == NVS + "L05/current/311/"


def test_nvs_c19_bounding_box_definitions_are_not_kept_as_definitions(db, loaded):
    from vocabularies.models import Concept

    solent = Concept.objects.get(thesaurus__slug="t-nvs-c19", pref_label_en="Solent")
    assert solent.definition == ""
    assert not Concept.objects.filter(thesaurus__slug="t-nvs-c19", definition__startswith="{").exists()


def test_gcmd_rdf_xml_concepts_get_absolute_uris_gcmd_alt_labels_and_resolved_broader(db, loaded):
    from vocabularies.models import Thesaurus

    glonass = _concept("t-gcmd-platforms-2020", GCMD + "00274700-26c1-4c44-88a4-10a7ec6214de")
    assert glonass.pref_label_en == "GLONASS"
    assert glonass.alt_labels == {"en": ["(GLObal NAvigation Satellite System)"]}  # from gcmd:altLabel
    assert glonass.broader_uri == GCMD + "960f8eb8-6ca9-47d3-ae4a-7e21ebfad4c0"
    assert glonass.broader.label() == "GLONASS (Russia's GLObal NAvigation Satellite System)"
    platforms = Thesaurus.objects.get(slug="t-gcmd-platforms-2020")
    assert platforms.uri == "https://gcmd.earthdata.nasa.gov/kms/concepts/concept_scheme/platforms"
    assert platforms.title == "GCMD Platforms"
    assert platforms.version == "9.1.5 (2020-07-20 16:21:36)"


def test_gcmd_2024_science_keywords_take_their_scheme_from_the_concepts_not_the_wrong_scheme_node(db, loaded):
    from vocabularies.models import Thesaurus

    keywords = Thesaurus.objects.get(slug="t-gcmd-sk-2024")
    assert keywords.uri == "https://gcmd.earthdata.nasa.gov/kms/concepts/concept_scheme/sciencekeywords"
    assert keywords.title == "GCMD Science Keywords"
    assert keywords.version == "19.7 (2024-10-16 17:01:02)"
    instruments = Thesaurus.objects.get(slug="t-gcmd-instr-2024")
    assert instruments.title == "GCMD Instruments"
    earth = instruments.concepts.model.objects.filter(thesaurus=keywords, pref_label_en="EARTH SCIENCE")
    assert earth.exists()


def test_inspire_and_topic_categories_keep_english_and_french_only(db, loaded):
    addresses = _concept("t-inspire-gn", "http://inspire.ec.europa.eu/theme/ad")
    assert (addresses.pref_label_en, addresses.pref_label_fr) == ("Addresses", "Adresses")
    assert addresses.alt_labels == {"en": ["ad"]}
    farming = _concept("t-topics", "http://inspire.ec.europa.eu/metadata-codelist/TopicCategory/farming")
    assert (farming.pref_label_en, farming.pref_label_fr) == ("Farming", "Agriculture")
    assert farming.definition == "Rearing of animals and/or cultivation of plants."
    assert "Landwirtschaft" not in str(farming.alt_labels)
    assert farming.thesaurus.title == "Topic categories in accordance with EN ISO 19115"


def test_the_inspire_registry_file_with_malformed_dates_still_loads(db, loaded):
    from vocabularies.models import Thesaurus

    registry = Thesaurus.objects.get(slug="t-inspire-registry")
    assert registry.uri == "http://inspire.ec.europa.eu/theme"
    assert registry.concepts.filter(pref_label_en="Hydrography").exists()
