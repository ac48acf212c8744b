"""The automatic checks: each on deposits built to pass it and built to fail it (metadata and files
in memory), the registry (one function to add a check, a broken check does not hide the others),
no query when the files are given, and the real path: a deposit with uploaded files whose checks
show, with links that land on the wizard's inputs, to the depositor and to the moderator."""

from __future__ import annotations

import copy
import re

import pytest
from django.urls import reverse
from django.utils import translation

from deposit import services
from deposit.models import DepositFile
from moderation import checks
from moderation.checks import FAILURE, PASS, WARNING, run_checks
from tests.factories import complete_metadata

README_SHA = "a" * 64
LONG_ABSTRACT = (
    "Temperature, salinity and dissolved oxygen profiles from 120 CTD casts made on the PELGAS 2024 cruise "
    "of the R/V Thalassa in the Bay of Biscay, from the surface to 500 m, processed with Sea-Bird software "
    "and checked against bottle samples."
)


# The INSPIRE theme as the wizard keeps it (deposit/wizard/inspire.py).
THEME = {
    "subject": "Oceanographic geographical features",
    "value_uri": "http://inspire.ec.europa.eu/theme/of",
    "scheme": "GEMET - INSPIRE themes, version 1.0",
    "scheme_uri": "http://inspire.ec.europa.eu/theme",
    "keyword_type": "theme",
    "lang": "en",
}


def passing_metadata() -> dict:
    """A deposit built to pass every check."""
    md = complete_metadata()
    md["descriptions"] = [{"description": LONG_ABSTRACT}]
    md["subjects"] = [THEME, *md["subjects"]]
    md["lineage"] = "SBE 911plus CTD, processed with SBE Data Processing 7.26, 1 dbar bins."
    md["use_conditions"] = "Use is subject to the licence CC BY 4.0; cite the DOI."
    md["creators"] = [
        {
            "name": "Le Goff, Anne",
            "orcid": "0000-0002-1825-0097",
            "affiliations": [{"name": "Ifremer", "ror": "https://ror.org/044jxhp58"}],
        },
        {
            "name": "Martin, Paul",
            "orcid": "0000-0001-5109-3700",
            "affiliations": [{"name": "CNRS", "ror": "https://ror.org/02feahw73"}],
        },
    ]
    md.pop("dates")
    md["temporal_extent"] = {"start": "2024-04-25", "end": "2024-05-30"}
    md["related_identifiers"] = [
        {"identifier": "10.5194/essd-15-1-2023", "identifier_type": "DOI", "relation_type": "IsSupplementTo"},
        {
            "identifier": "https://github.com/estran/ctd",
            "identifier_type": "URL",
            "relation_type": "IsCompiledBy",
        },
    ]
    return md


def a_file(pk: int, name: str, *, state: str = "ready", sha256: str = README_SHA, declared: str = "") -> DepositFile:
    return DepositFile(
        pk=pk,
        name=name,
        size=100,
        state=state,
        sha256=sha256,
        declared_sha256=declared,
        storage_key=f"files/{pk}",
    )


def passing_files() -> list[DepositFile]:
    return [a_file(1, "README.md"), a_file(2, "ctd_casts.csv"), a_file(3, "ctd_casts.nc")]


def results(metadata: dict, files=None) -> dict[str, checks.Result]:
    found = run_checks(None, passing_files() if files is None else files, metadata=metadata)
    return {r.key: r for r in found}


def with_(change) -> dict:
    md = passing_metadata()
    change(md)
    return md


# --- A deposit built to pass ---------------------------------------------------------------------


def test_a_deposit_built_to_pass_passes_every_check():
    found = run_checks(None, passing_files(), metadata=passing_metadata())
    assert [r.key for r in found] == [c.key for c in checks.REGISTRY]
    assert len(found) == 14
    assert {r.key: r.status for r in found} == {r.key: PASS for r in found}, [
        (r.key, r.message) for r in found if not r.passed
    ]
    assert found.summary == "14 passed"
    assert all(r.message and "\n" not in r.message for r in found)


# --- Each check, built to fail it ------------------------------------------------------------------

CASES = [
    # (check, change to the passing deposit, files (None: the passing ones), status, in the message, anchor)
    ("abstract", lambda md: md.update(descriptions=[]), None, FAILURE, "no abstract", "f-abstract"),
    (
        "abstract",
        lambda md: md.update(descriptions=[{"description": "CTD casts."}]),
        None,
        FAILURE,
        "10 characters",
        "f-abstract",
    ),
    (
        "abstract",
        lambda md: md.update(descriptions=[{"description": "x" * 120}]),
        None,
        WARNING,
        "120 characters",
        "f-abstract",
    ),
    # the INSPIRE theme has its own field: it is not a keyword
    ("keywords", lambda md: md.update(subjects=[THEME]), None, FAILURE, "No keywords", "f-keywords"),
    (
        "keywords",
        lambda md: md.update(subjects=[THEME, {"subject": "CTD"}]),
        None,
        WARNING,
        "Only free keywords",
        "f-free_keywords",
    ),
    (
        "inspire_lineage",
        lambda md: (md.pop("lineage"), md.update(related_identifiers=[])),
        None,
        WARNING,
        "INSPIRE catalogues ask how the data were acquired and processed",
        "f-lineage",
    ),
    (
        "inspire_lineage",
        lambda md: md.pop("lineage"),  # the code it was compiled with is a source
        None,
        WARNING,
        "only the names of the sources",
        "f-lineage",
    ),
    (
        "inspire_theme",
        lambda md: md["subjects"].remove(THEME),
        None,
        WARNING,
        "No INSPIRE theme",
        "f-inspire_theme",
    ),
    ("orcid", lambda md: md.update(creators=[]), None, FAILURE, "No creators", "f-creators"),
    (
        "orcid",
        lambda md: md["creators"][1].pop("orcid"),
        None,
        WARNING,
        "1 creator has no ORCID iD: Martin, Paul.",
        "f-creators-1-orcid",
    ),
    (
        "orcid",
        lambda md: md["creators"][0].update(orcid="0000-0002-1825-0098"),
        None,
        FAILURE,
        "Not a valid ORCID iD: Le Goff, Anne",
        "f-creators-0-orcid",
    ),
    (
        "ror",
        lambda md: md["creators"][1]["affiliations"][0].pop("ror"),
        None,
        WARNING,
        "Without a ROR id: CNRS.",
        "f-creators-1-affiliations-0-ror",
    ),
    (
        "ror",
        lambda md: md["creators"][0]["affiliations"][0].update(ror="https://ror.org/044jxhp59"),
        None,
        FAILURE,
        "Not a valid ROR id: Ifremer.",
        "f-creators-0-affiliations-0-ror",
    ),
    (
        "ror",
        lambda md: md["creators"][1].pop("affiliations"),
        None,
        WARNING,
        "No affiliation for Martin, Paul.",
        "f-creators-1-affiliations",
    ),
    (
        "ror",
        lambda md: md["creators"].append({"name": "Ifremer", "name_type": "Organizational"}),
        None,
        WARNING,
        "Without a ROR id: Ifremer.",
        "f-creators-2",
    ),
    ("extent", lambda md: md.update(geo_locations=[]), None, FAILURE, "No location", "f-geo_locations"),
    (
        "extent",
        lambda md: md.update(geo_locations=[{"point": {"longitude": 0, "latitude": 0}}]),
        None,
        FAILURE,
        "0° N, 0° E",
        "f-geo_locations-0-point",
    ),
    (
        "extent",
        lambda md: md.update(
            geo_locations=[
                {"place": "Bay of Biscay"},
                {"box": {"west": 0, "east": 0, "south": 0, "north": 0}},
            ]
        ),
        None,
        FAILURE,
        "Location 2 is at 0° N",
        "f-geo_locations-1-box",
    ),
    (
        "extent",
        lambda md: md.update(geo_locations=[{"box": {"west": -180, "east": 180, "south": -90, "north": 90}}]),
        None,
        WARNING,
        "covers the whole globe",
        "f-geo_locations-0-box",
    ),
    (
        "extent",
        lambda md: md.update(geo_locations=[{"box": {"west": -178, "east": 177, "south": -85, "north": 88}}]),
        None,
        WARNING,
        "covers the whole globe",
        "f-geo_locations-0-box",
    ),
    (
        "extent",
        lambda md: md.update(geo_locations=[{"polygon": [{"longitude": 0, "latitude": 0}] * 4}]),
        None,
        FAILURE,
        "0° N, 0° E",
        "f-geo_locations-0-polygon",
    ),
    (
        "extent",
        lambda md: md.update(geo_locations=[{"box": {"west": "six", "east": -1, "south": 43, "north": 48}}]),
        None,
        FAILURE,
        "not numbers",
        "f-geo_locations-0-box",
    ),
    (
        "extent",
        lambda md: md.update(geo_locations=[{"place": "Bay of Biscay"}]),
        None,
        WARNING,
        "Only place names",
        "f-geo_locations-0",
    ),
    (
        "temporal",
        lambda md: md.pop("temporal_extent"),
        None,
        FAILURE,
        "No start date",
        "f-temporal_extent-start",
    ),
    (
        "temporal",
        lambda md: md.update(temporal_extent={"start": "2024-04-25"}),
        None,
        WARNING,
        "no end",
        "f-temporal_extent-end",
    ),
    (
        "temporal",
        lambda md: md.update(temporal_extent={"start": "2024-04-25", "end": "2023-01-01"}),
        None,
        FAILURE,
        "before the start",
        "f-temporal_extent-end",
    ),
    ("documentation", None, [a_file(2, "ctd_casts.csv")], WARNING, "No README", "f-files"),
    ("documentation", None, [a_file(2, "profiles/2024/ctd_casts.csv")], WARNING, "No README", "f-files"),
    (
        "formats",
        None,
        [a_file(1, "README.md"), a_file(2, "a/casts.xlsx"), a_file(3, "b/casts.csv")],  # its open copy is elsewhere
        WARNING,
        "a/casts.xlsx (Excel: CSV is open)",
        "f-files-1",
    ),
    ("documentation", None, [], FAILURE, "No files yet", "f-files"),
    (
        "formats",
        None,
        [a_file(1, "README.md"), a_file(2, "casts.xlsx")],
        WARNING,
        "casts.xlsx (Excel: CSV is open)",
        "f-files-1",
    ),
    (
        "formats",
        None,
        [a_file(1, "README.md"), a_file(2, "casts.bin")],
        WARNING,
        "not recognised: casts.bin",
        "f-files-1",
    ),
    ("formats", None, [], FAILURE, "No files yet", "f-files"),
    (
        "checksums",
        None,
        [a_file(1, "README.md"), a_file(2, "ctd.csv", state="failed", sha256="")],
        FAILURE,
        "Not verified: ctd.csv",
        "f-files-1",
    ),
    ("checksums", None, [a_file(1, "README.md", sha256="")], FAILURE, "Not verified: README.md", "f-files-0"),
    (
        "checksums",
        None,
        [a_file(1, "README.md", declared="b" * 64)],
        FAILURE,
        "Not verified: README.md",
        "f-files-0",
    ),
    (
        "checksums",
        None,
        [a_file(1, "README.md"), a_file(2, "big.nc", state="verifying", sha256="")],
        WARNING,
        "Still being uploaded or verified: big.nc",
        "f-files-1",
    ),
    ("checksums", None, [], FAILURE, "No files yet", "f-files"),
    ("licence", lambda md: md.update(rights=[]), None, FAILURE, "No licence", "f-licence"),
    (
        "inspire_conditions",
        lambda md: md.pop("use_conditions"),
        None,
        WARNING,
        "No conditions for access and use",
        "f-use_conditions",
    ),
    (
        "licence",
        lambda md: md.update(rights=[{"identifier": "proprietary", "title": "All rights reserved", "uri": "x:y"}]),
        None,
        WARNING,
        "“proprietary” is not one of those offered",
        "f-licence",
    ),
    (
        "related_dois",
        lambda md: md["related_identifiers"][0].update(identifier="10.5194 essd"),
        None,
        FAILURE,
        "Not a DOI: 10.5194 essd",
        "f-related_identifiers-0-identifier",
    ),
    (
        "related_dois",
        lambda md: md["related_identifiers"][0].update(identifier="doi:banana"),
        None,
        FAILURE,
        "Not a DOI: doi:banana",
        "f-related_identifiers-0-identifier",
    ),
    (
        "related_dois",
        lambda md: md["related_identifiers"].append(
            {"identifier": "https://doi.org/10.1000/xyz", "identifier_type": "URL"}
        ),
        None,
        WARNING,
        "choose the kind DOI",
        "f-related_identifiers-2-identifier_type",
    ),
]


@pytest.mark.parametrize(
    ("key", "change", "files", "status", "text", "anchor"),
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_each_check_fails_a_deposit_built_to_fail_it_and_names_the_field(key, change, files, status, text, anchor):
    md = passing_metadata()
    if change is not None:
        change(md)
    found = results(md, files)
    result = found[key]
    assert result.status == status, result.message
    assert text.lower() in result.message.lower()
    assert result.anchor == anchor
    # The other checks are not disturbed by this one's defect (files aside: they share the list; and
    # with no creators at all, both checks on creators fail).
    if files is None:
        assert {k for k, r in found.items() if r.status != PASS} <= {key} | SHARED.get(key, set())


SHARED = {"orcid": {"ror"}, "ror": {"orcid"}}


PASSING_VARIANTS = [
    ("abstract", lambda md: md.update(descriptions=[{"description": "y" * 200}]), None),
    # Data with no location are outside INSPIRE: nothing of it is asked of them
    *[
        (
            key,
            lambda md: (
                md.update(geo_locations=[], subjects=md["subjects"][1:]),
                md.pop("lineage"),
                md.pop("use_conditions"),
            ),
            None,
        )
        for key in ("inspire_lineage", "inspire_theme", "inspire_conditions")
    ],
    (
        "inspire_lineage",
        lambda md: (
            md.pop("lineage"),
            md["descriptions"].append({"description": "Casts every 10 nautical miles.", "description_type": "Methods"}),
        ),
        None,
    ),
    # a theme kept by its label only (from the API) is a theme
    (
        "inspire_theme",
        lambda md: md.update(
            subjects=[{"subject": "Sea regions", "scheme_uri": THEME["scheme_uri"]}, *md["subjects"][1:]]
        ),
        None,
    ),
    (
        "keywords",
        lambda md: md.update(
            subjects=[
                {"subject": "CTD"},
                {
                    "subject": "Bay of Biscay",
                    "keyword_type": "place",
                    "value_uri": "http://vocab.nerc.ac.uk/collection/C19/current/1_7/",
                },
            ]
        ),
        None,
    ),
    (
        "orcid",
        lambda md: md.update(
            creators=[{"name": "Ifremer", "name_type": "Organizational", "ror": "https://ror.org/044jxhp58"}]
        ),
        None,
    ),
    (
        "ror",
        lambda md: md.update(creators=[{"name": "Ifremer", "name_type": "Organizational", "ror": "044jxhp58"}]),
        None,
    ),
    (
        "extent",
        lambda md: md.update(
            geo_locations=[{"box": {"west": -180, "east": 180, "south": -90, "north": 90}}],
            resource_type={"general": "Model", "type": "Ocean model output"},
        ),
        None,
    ),
    (
        "extent",
        lambda md: md.update(
            geo_locations=[{"box": {"west": -180, "east": 180, "south": -90, "north": 90}}],
            resource_type={"general": "Dataset", "type": "Global ocean reanalysis"},
        ),
        None,
    ),
    (
        "extent",
        lambda md: md.update(geo_locations=[{"box": {"west": 170, "east": -170, "south": -20, "north": -10}}]),
        None,
    ),
    ("extent", lambda md: md.update(geo_locations=[{"point": {"longitude": 0, "latitude": 45.2}}]), None),
    ("temporal", lambda md: md.update(temporal_extent={"start": "2020-01-01", "ongoing": True}), None),
    (
        "temporal",
        lambda md: (
            md.pop("temporal_extent"),
            md.update(dates=[{"date": "2024-04-25/2024-05-30", "date_type": "Collected"}]),
        ),
        None,
    ),
    ("documentation", None, [a_file(1, "LISEZMOI.txt"), a_file(2, "casts.csv")]),
    ("documentation", None, [a_file(1, "cruise_report.pdf"), a_file(2, "casts.csv")]),
    ("documentation", None, [a_file(1, "data_documentation.txt"), a_file(2, "casts.csv")]),
    ("documentation", None, [a_file(1, "profiles/README"), a_file(2, "profiles/casts.csv")]),  # in a folder
    ("documentation", None, [a_file(1, "docs/calibration"), a_file(2, "casts.csv")]),
    ("formats", None, [a_file(1, "README.md"), a_file(2, "a/casts.xlsx"), a_file(3, "a/casts.csv")]),
    ("formats", None, [a_file(1, "README.md"), a_file(2, "casts.xlsx"), a_file(3, "casts.csv")]),
    (
        "licence",
        lambda md: md.update(rights=[{"identifier": "etalab-2.0", "title": "Etalab", "uri": "https://x"}]),
        None,
    ),
    ("related_dois", lambda md: md.update(related_identifiers=[]), None),
    (
        "related_dois",
        lambda md: md["related_identifiers"][0].update(identifier="https://doi.org/10.5194/essd-15-1-2023"),
        None,
    ),
]


@pytest.mark.parametrize(
    ("key", "change", "files"), PASSING_VARIANTS, ids=[f"{c[0]}-{i}" for i, c in enumerate(PASSING_VARIANTS)]
)
def test_each_check_passes_the_other_ways_a_deposit_can_be_right(key, change, files):
    md = passing_metadata()
    if change is not None:
        change(md)
    result = results(md, files)[key]
    assert result.status == PASS, result.message


def test_a_draft_that_is_not_even_well_formed_is_checked_without_crashing():
    garbage = {
        "titles": "no list",
        "creators": ["a string", 3, {"name": None, "affiliations": "x"}],
        "descriptions": [5],
        "subjects": [None],
        "geo_locations": [{"box": None, "point": "x"}, 7],
        "temporal_extent": ["2020"],
        "rights": "CC",
        "related_identifiers": [{"identifier": None}],
        "dates": 3,
    }
    found = run_checks(None, [], metadata=garbage)
    assert len(found) == len(checks.REGISTRY)
    assert not [r for r in found if "could not run" in r.message]
    assert run_checks(None, [], metadata=None).failures >= 1


def test_the_summary_counts_each_status():
    found = checks.Results(
        [checks.Result(PASS, "a")] * 9 + [checks.Result(WARNING, "b")] * 2 + [checks.Result(FAILURE, "c")]
    )
    assert found.summary == "9 passed, 2 warnings, 1 failure"
    assert checks.Results([checks.Result(WARNING, "b")]).summary == "1 warning"


def test_the_abstract_thresholds_are_settings(settings):
    settings.CHECKS_ABSTRACT_MIN_CHARS = 5
    settings.CHECKS_ABSTRACT_GOOD_CHARS = 60
    assert (
        results(with_(lambda md: md.update(descriptions=[{"description": "CTD casts."}])))["abstract"].status == WARNING
    )
    sixty = "CTD casts of the PELGAS 2024 cruise, Bay of Biscay, 0-500 m."
    assert results(with_(lambda md: md.update(descriptions=[{"description": sixty}])))["abstract"].status == PASS


def test_results_link_the_review_page_to_the_field_or_else_its_step():
    found = results(
        with_(lambda md: (md["creators"][1].pop("orcid"), md.update(rights=[]))),
        [a_file(7, "README.md"), a_file(8, "casts.xlsx")],
    )
    assert found["orcid"].target == "field-creators-1"  # the creator is shown on the review page
    assert found["licence"].target == "step-links_licence"  # no licence: nothing to point at but the step
    assert found["formats"].target == "file-8"
    assert found["extent"].target == "step-where_when"


# --- The registry --------------------------------------------------------------------------------


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(checks, "REGISTRY", list(checks.REGISTRY))
    return checks.REGISTRY


def test_adding_a_check_is_one_function_and_its_registration(registry):
    @checks.check("lineage", step="describe", anchor="f-lineage", label="Lineage")
    def lineage(ctx):
        return checks.passed("Said.") if ctx.text("lineage") else checks.warning("Say how the data were made.")

    found = run_checks(None, passing_files(), metadata=with_(lambda md: md.pop("lineage")))
    assert found[-1].key == "lineage" and found[-1].status == WARNING
    assert (found[-1].step, found[-1].anchor, found[-1].label) == ("describe", "f-lineage", "Lineage")
    assert run_checks(None, [], metadata={"lineage": "Processed with SBE Data Processing."})[-1].status == PASS


def test_registering_a_key_again_replaces_that_check_in_place(registry):
    position = [c.key for c in registry].index("licence")
    checks.check("licence", step="links_licence", anchor="f-licence", label="Licence")(
        lambda ctx: checks.passed("Fine.")
    )
    assert [c.key for c in registry].index("licence") == position and len(registry) == 14
    assert results({})["licence"].message == "Fine."


def test_a_check_that_breaks_is_reported_and_the_others_still_run(registry):
    @checks.check("broken", step="people", anchor="f-creators", label="Broken")
    def broken(ctx):
        raise KeyError("oops")

    found = results(passing_metadata())
    assert found["broken"].status == WARNING and "could not run" in found["broken"].message
    assert found["broken"].anchor == "f-creators"
    assert all(r.status == PASS for k, r in found.items() if k != "broken")


# --- No queries ------------------------------------------------------------------------------------


def test_run_checks_makes_no_query_when_given_the_files(depositor, communities, django_assert_num_queries):
    from deposit.models import Deposit
    from tests.factories import deposit_with_file

    deposit = deposit_with_file(depositor, community=communities["ocean"], metadata=passing_metadata())
    for i in range(20):
        services.file_add_bytes(
            deposit=deposit, actor=depositor, name=f"cast_{i:02}.csv", chunks=[b"a,b\n1,2\n"], size=8
        )
    deposit = Deposit.objects.get(pk=deposit.pk)  # nothing cached: a related object touched would query
    files = list(deposit.files.all())
    with django_assert_num_queries(0):
        found = run_checks(deposit, files)
    assert len(found) == 14 and found[0].label


# --- The real path -----------------------------------------------------------------------------------


@pytest.fixture
def real_deposit(depositor, communities):
    """A draft with real uploaded files: a README, a CSV and a spreadsheet without an open copy, and
    a creator without an ORCID iD."""
    md = passing_metadata()
    md["creators"][1].pop("orcid")
    deposit = services.deposit_create(owner=depositor, metadata=md, community=communities["ocean"])
    for name, data in (
        ("README.md", b"# CTD casts\n\nColumns: depth (m), temperature (degC).\n"),
        ("ctd.csv", b"depth,temp\n1,12.5\n2,12.4\n"),
        ("bottles.xlsx", b"PK\x03\x04 not really"),
    ):
        services.file_add_bytes(deposit=deposit, actor=depositor, name=name, chunks=[data], size=len(data))
    return deposit


def test_checks_run_on_a_deposit_with_real_uploaded_files(real_deposit):
    files = list(real_deposit.files.all())
    assert {f.state for f in files} == {"ready"}
    found = {r.key: r for r in run_checks(real_deposit, files)}
    assert found["checksums"].status == PASS and "3 files" in found["checksums"].message
    assert found["documentation"].status == PASS and "README.md" in found["documentation"].message
    assert found["formats"].status == WARNING and "bottles.xlsx" in found["formats"].message
    assert found["orcid"].status == WARNING and "Martin, Paul" in found["orcid"].message


def _anchors_in(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


def test_the_depositor_sees_the_checks_with_links_that_land_on_the_wizard_inputs(client, depositor, real_deposit):
    client.force_login(depositor)
    page = client.get(reverse("deposit:detail", kwargs={"pk": real_deposit.pk})).content.decode()
    assert "Automatic checks" in page and "12 passed, 2 warnings" in page  # ORCID iD, proprietary format
    found = run_checks(real_deposit, list(real_deposit.files.all()))
    for result in found:
        if result.passed:
            continue
        url = reverse("deposit:wizard", kwargs={"pk": real_deposit.pk, "step": result.step})
        assert f'href="{url}#{result.anchor}"' in page
        step_page = client.get(url).content.decode()
        assert result.anchor in _anchors_in(step_page), (result.key, result.anchor)

    review = client.get(reverse("deposit:wizard-review", kwargs={"pk": real_deposit.pk})).content.decode()
    assert 'id="checks-title"' in review and "Proprietary formats without an open copy" in review


def test_the_moderator_sees_the_same_checks_linked_to_the_review_page(
    client, depositor, moderator, other_moderator, real_deposit
):
    services.deposit_act(deposit=real_deposit, action="submit", actor=depositor)
    url = reverse("moderation:review", kwargs={"pk": real_deposit.pk})
    client.force_login(moderator)
    page = client.get(url).content.decode()
    found = run_checks(real_deposit, list(real_deposit.files.all()))
    assert found.summary in page
    ids = _anchors_in(page)
    for result in found:
        assert f'href="#{result.target}"' in page
        assert result.target in ids, (result.key, result.target)
    client.force_login(other_moderator)
    assert client.get(url).status_code == 404


def test_the_checks_speak_french():
    with translation.override("fr"):
        found = results(with_(lambda md: md["creators"][1].pop("orcid")))
        assert found["orcid"].message == "1 créateur n’a pas d’identifiant ORCID : Martin, Paul."
        assert found["licence"].label == "Une licence"
        assert run_checks(None, passing_files(), metadata=passing_metadata()).summary == "14 vérifications réussies"


def test_passing_metadata_is_also_a_valid_document():
    from repository.metadata import validate_document

    _doc, problems = validate_document(copy.deepcopy(passing_metadata()))
    assert problems == []


# --- What INSPIRE asks of data with a location ----------------------------------------------------


def test_data_without_a_location_are_outside_inspire_and_its_checks_say_so():
    found = results(
        with_(
            lambda md: (
                md.update(geo_locations=[], subjects=md["subjects"][1:]),
                md.pop("lineage"),
                md.pop("use_conditions"),
            )
        )
    )
    for key in ("inspire_lineage", "inspire_theme", "inspire_conditions"):
        assert (found[key].status, found[key].message) == (PASS, "No location: INSPIRE does not apply to the data.")


def test_the_inspire_checks_name_the_theme_and_link_to_the_wizard_s_fields():
    found = results(passing_metadata())
    assert found["inspire_theme"].message == "INSPIRE theme: Oceanographic geographical features."
    assert (found["inspire_theme"].step, found["inspire_theme"].anchor) == ("describe", "f-inspire_theme")
    assert (found["inspire_conditions"].step, found["inspire_conditions"].anchor) == (
        "links_licence",
        "f-use_conditions",
    )
    assert found["inspire_theme"].target == "field-inspire_theme"  # shown on the review page
    with translation.override("fr"):
        found = results(with_(lambda md: (md["subjects"].remove(THEME), md.pop("use_conditions"))))
        assert found["inspire_theme"].label == "INSPIRE : un thème"
        assert found["inspire_theme"].message.startswith("Pas de thème INSPIRE")
        assert found["inspire_conditions"].message.startswith("Pas de conditions d’accès et d’utilisation")
        assert results(passing_metadata())["inspire_theme"].message == (
            "Thème INSPIRE : Caractéristiques géographiques océanographiques."
        )


def test_an_abstract_google_would_ignore_is_a_warning_even_below_a_lower_minimum(settings):
    settings.CHECKS_ABSTRACT_MIN_CHARS = 20
    abstract = "CTD casts of the PELGAS 2024 cruise."
    result = results(with_(lambda md: md.update(descriptions=[{"description": abstract}])))["abstract"]
    assert result.status == WARNING
    assert result.message == "The abstract has 36 characters: Google Dataset Search ignores a description under 50."
