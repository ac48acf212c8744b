"""Reloading a new version of a thesaurus: labels updated by URI, vanished concepts deprecated (never
deleted), reappearing ones revived, unchanged files written not at all; deposits keep their keywords."""

from __future__ import annotations

import pytest

from core.errors import ValidationFailed

from .conftest import DEMO, shared_file

L05 = "http://vocab.nerc.ac.uk/collection/L05/current/"


def _block(text: str, uri: str) -> tuple[int, int]:
    """Start and end of the Turtle block that describes `uri` (NVS files: one block per subject)."""
    start = text.index(f"\n<{uri}>\n") + 1
    return start, text.index(" .\n", start) + 3


def _next_version(text: str, *, relabel: tuple[str, str, str], drop: str, deprecate: str) -> str:
    uri, old, new = relabel
    start, end = _block(text, uri)
    text = text[:start] + text[start:end].replace(f'"{old}"@en', f'"{new}"@en') + text[end:]
    start, end = _block(text, deprecate)
    flag = 'owl:deprecated         "{}"'
    text = text[:start] + text[start:end].replace(flag.format("false"), flag.format("true")) + text[end:]
    start, end = _block(text, drop)
    return text[:start] + text[end:]


@pytest.fixture
def l05_versions(tmp_path):
    original = shared_file("nvs-L05.ttl").read_text(encoding="utf-8")
    v1 = tmp_path / "v1" / "L05.ttl"
    v2 = tmp_path / "v2" / "L05.ttl"
    v1.parent.mkdir()
    v2.parent.mkdir()
    v1.write_text(original, encoding="utf-8")
    v2.write_text(
        _next_version(
            original,
            relabel=(L05 + "130/", "CTD", "CTD profilers"),
            drop=L05 + "134/",
            deprecate=L05 + "133/",
        ),
        encoding="utf-8",
    )
    return v1, v2


def test_reload_updates_labels_deprecates_vanished_concepts_and_keeps_deposit_keywords(
    db, l05_versions, depositor, communities
):
    from deposit.models import Deposit
    from deposit.services import deposit_create
    from vocabularies.models import Concept
    from vocabularies.selectors import concept_search
    from vocabularies.services import thesaurus_load

    v1, v2 = l05_versions
    (first,) = thesaurus_load(path=v1)
    assert (first.slug, first.created, first.live) == ("nvs-l05", 271, 266)
    # The wizard stores a keyword as label + concept URI + thesaurus, copied from the search result.
    hit = concept_search(q="water temperature sensor", thesauri=["nvs-l05"])[0].as_dict()
    assert hit["uri"] == L05 + "134/"
    keyword = {
        "subject": hit["label"],
        "value_uri": hit["uri"],
        "scheme": hit["thesaurus"]["title"],
        "scheme_uri": hit["thesaurus"]["uri"],
        "keyword_type": "instrument",
    }
    deposit = deposit_create(
        owner=depositor,
        community=communities["ocean"],
        metadata={"titles": [{"title": "CTD casts"}], "subjects": [keyword]},
    )

    (second,) = thesaurus_load(path=v2)

    assert (second.in_file, second.created, second.updated, second.deprecated, second.vanished) == (270, 0, 2, 2, 1)
    assert second.unchanged == 268
    assert second.live == 264
    ctd = Concept.objects.get(uri=L05 + "130/")
    assert ctd.pref_label_en == "CTD profilers"
    assert [h.uri for h in concept_search(q="ctd prof", thesauri=["nvs-l05"])] == [L05 + "130/"]
    dropped = Concept.objects.get(uri=L05 + "134/")
    assert dropped.deprecated and dropped.pref_label_en == "water temperature sensor"
    assert Concept.objects.get(uri=L05 + "133/").deprecated
    assert L05 + "134/" not in [h.uri for h in concept_search(q="water temperature sensor")]
    assert Deposit.objects.get(pk=deposit.pk).metadata["subjects"] == [keyword]

    (third,) = thesaurus_load(path=v1)  # the old version again: everything comes back
    assert (third.updated, third.deprecated, third.live) == (3, 0, 266)
    assert not Concept.objects.get(uri=L05 + "134/").deprecated
    assert Concept.objects.get(uri=L05 + "130/").pref_label_en == "CTD"


def test_reloading_the_same_file_writes_nothing(db, demo):
    from vocabularies.models import Concept, ConceptLabel
    from vocabularies.services import thesaurus_load

    before = dict(Concept.objects.values_list("pk", "modified"))
    labels = set(ConceptLabel.objects.values_list("pk", flat=True))
    reports = thesaurus_load(path=DEMO)
    assert all(r.created == r.updated == r.deprecated == 0 and r.unchanged == r.in_file for r in reports)
    assert dict(Concept.objects.values_list("pk", "modified")) == before
    assert set(ConceptLabel.objects.values_list("pk", flat=True)) == labels


def test_a_file_of_several_thesauri_cannot_be_forced_under_one_slug(db):
    from vocabularies.services import thesaurus_load

    with pytest.raises(ValidationFailed) as error:
        thesaurus_load(path=DEMO, slug="everything")
    assert error.value.field == "slug" and "holds 6 thesauri" in error.value.message


def test_unreadable_and_missing_files_are_refused_with_the_reason(db, tmp_path):
    from vocabularies.services import thesaurus_load

    broken = tmp_path / "broken.ttl"
    broken.write_text("<http://example.org/a> a <http://www.w3.org/2004/02/skos/core#Concept>", encoding="utf-8")
    with pytest.raises(ValidationFailed, match=r"broken\.ttl is not valid turtle"):
        thesaurus_load(path=broken)
    empty = tmp_path / "empty.ttl"
    empty.write_text("<http://example.org/a> <http://example.org/p> 1 .\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="no skos:Concept"):
        thesaurus_load(path=empty)
    with pytest.raises(ValidationFailed, match="No such file"):
        thesaurus_load(path=tmp_path / "nowhere.ttl")
    with pytest.raises(ValidationFailed, match="Unknown RDF format"):
        thesaurus_load(path=DEMO, fmt="csv")


def test_n_triples_load_like_rdf_xml(db, tmp_path):
    from rdflib import Graph

    from vocabularies.models import Concept
    from vocabularies.services import thesaurus_load

    graph = Graph()
    graph.parse(shared_file("inspire-themes-gn.rdf"), format="xml")
    nt = tmp_path / "themes.data"
    graph.serialize(nt, format="nt", encoding="utf-8")
    (report,) = thesaurus_load(path=nt, fmt="nt", slug="themes", title="INSPIRE themes")
    assert (report.created, report.title) == (34, "INSPIRE themes")
    hydro = Concept.objects.get(uri="http://inspire.ec.europa.eu/theme/hy")
    assert (hydro.pref_label_en, hydro.pref_label_fr) == ("Hydrography", "Hydrographie")


def test_the_demo_load_leaves_alone_a_thesaurus_loaded_from_another_file(db):
    from vocabularies.models import Thesaurus
    from vocabularies.services import thesaurus_load

    (full,) = thesaurus_load(path=shared_file("nvs-L05.ttl"))
    reports = {r.slug: r for r in thesaurus_load(path=DEMO, keep_other_sources=True)}
    assert reports["nvs-l05"].skipped_for == "nvs-L05.ttl"
    assert "left as loaded from nvs-L05.ttl" in reports["nvs-l05"].summary()
    assert reports["nvs-p02"].created == 142
    l05 = Thesaurus.objects.get(slug="nvs-l05")
    assert (l05.source, l05.concept_count) == ("nvs-L05.ttl", full.live)


def test_broader_links_resolve_across_thesauri_whichever_loads_first(db, tmp_path):
    from vocabularies.models import Concept
    from vocabularies.services import thesaurus_load

    prefix = "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
    narrow = tmp_path / "narrow.ttl"
    narrow.write_text(
        prefix
        + """
<http://example.org/n> a skos:ConceptScheme ; skos:prefLabel "Narrow"@en .
<http://example.org/n/1> a skos:Concept ; skos:inScheme <http://example.org/n> ;
    skos:prefLabel "Sea surface temperature"@en ; skos:broader <http://example.org/b/1> .
""",
        encoding="utf-8",
    )
    broad = tmp_path / "broad.ttl"
    broad.write_text(
        prefix
        + """
<http://example.org/b> a skos:ConceptScheme ; skos:prefLabel "Broad"@en .
<http://example.org/b/1> a skos:Concept ; skos:inScheme <http://example.org/b> ;
    skos:prefLabel "Temperature"@en , "Température"@fr .
""",
        encoding="utf-8",
    )
    thesaurus_load(path=narrow)
    assert Concept.objects.get(uri="http://example.org/n/1").broader is None
    thesaurus_load(path=broad)
    concept = Concept.objects.select_related("broader").get(uri="http://example.org/n/1")
    assert concept.broader.label("fr") == "Température"
