"""The five-step deposit wizard through Django's test client: each step's fields round-trip into the
metadata document and back onto the page; drafts keep what is typed, valid or not, and flag it at its
field; a stale revision is refused with the other save's values; completeness; the review links
every problem to its field; coordinates (antimeridian, polygons); permissions for every role; a
bounded number of queries."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deposit import services, wizard
from deposit.models import Collaboration, Deposit
from deposit.workflow import Status
from repository.metadata import validate_document
from tests.factories import complete_metadata, deposit_with_file

ANNE = "0000-0002-1825-0097"
JOSIAH = "0000-0001-5109-3700"
IFREMER = "https://ror.org/044jxhp58"
STEPS = ["describe", "people", "where_when", "files", "links_licence"]
ROLES = ["anonymous", "depositor", "other_depositor", "moderator", "other_moderator", "admin", "co_depositor"]


def step_url(deposit, step):
    return reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": step})


def save(client, deposit, step, fields, *, revision=None):
    """What wizard.js sends: the step's fields, form-encoded, with the revision they were typed on."""
    if revision is None:
        revision = Deposit.objects.values_list("revision", flat=True).get(pk=deposit.pk)
    return client.post(
        reverse("deposit:wizard-save", kwargs={"pk": deposit.pk}), {"step": step, "revision": revision, **fields}
    )


def fresh(deposit) -> Deposit:
    return Deposit.objects.get(pk=deposit.pk)


@pytest.fixture
def draft(depositor, communities):
    return services.deposit_create(owner=depositor, metadata=wizard.initial_metadata(depositor))


@pytest.fixture
def co_depositor(db, depositor, communities):
    from accounts.services import user_create

    return user_create(
        username="co_depositor", email="co@example.org", password="correct horse battery", display_name="Co Depositor"
    )


def _accept(deposit, owner, co):
    collaboration = services.collaborator_invite(deposit=deposit, actor=owner, email="co@example.org")
    Collaboration.objects.filter(pk=collaboration.pk).update(user=co, state=Collaboration.State.accepted)


# --- Starting ---------------------------------------------------------------------------------------


def test_a_new_deposit_starts_the_wizard_with_the_depositor_as_first_creator_and_contact(
    client, depositor, communities
):
    depositor.first_name, depositor.last_name = "Anne", "Le Goff"
    depositor.orcid, depositor.orcid_authenticated = ANNE, True
    depositor.affiliation, depositor.affiliation_ror = "Ifremer", IFREMER
    depositor.save()
    client.force_login(depositor)
    page = client.get(reverse("deposit:create")).content.decode()
    assert "What the five steps ask" in page and 'name="title"' in page

    response = client.post(reverse("deposit:create"), {"title": "Glider section", "community": "ocean"})

    deposit = Deposit.objects.get(owner=depositor)
    assert response.status_code == 302 and response["Location"] == step_url(deposit, "describe")
    assert deposit.status == Status.draft and deposit.community.slug == "ocean" and deposit.title == "Glider section"
    [creator] = deposit.metadata["creators"]
    assert creator == {
        "name_type": "Personal",
        "family_name": "Le Goff",
        "given_name": "Anne",
        "name": "Le Goff, Anne",
        "orcid": ANNE,
        "affiliations": [{"name": "Ifremer", "ror": IFREMER}],
    }
    # The depositor's address is not filled in: the community's is published unless they choose.
    assert deposit.metadata["point_of_contact"] == {"name": "Depositor", "organisation": "Ifremer", "orcid": ANNE}
    assert deposit.metadata["rights"][0]["identifier"] == "CC-BY-4.0"
    people = client.get(step_url(deposit, "people")).content.decode()
    assert 'value="Le Goff"' in people and f'value="{ANNE}"' in people and f'value="{IFREMER}"' in people
    assert 'id="f-point_of_contact-address-community" value="community" checked' in people
    assert f"The contact address of ODATIS, {communities['ocean'].contact_email}" in people
    assert "depositor@example.org" not in people


def test_a_hand_typed_orcid_id_is_not_offered_as_the_first_creators(client, depositor):
    depositor.orcid, depositor.orcid_authenticated = ANNE, False
    depositor.save()
    metadata = wizard.initial_metadata(depositor)
    assert "orcid" not in metadata["creators"][0]
    assert metadata["creators"][0] == {"name_type": "Personal", "family_name": "Depositor", "name": "Depositor"}


def test_the_old_edit_address_leads_to_the_wizard(client, depositor, draft):
    client.force_login(depositor)
    response = client.get(reverse("deposit:edit", kwargs={"pk": draft.pk}))
    assert response.status_code == 302 and response["Location"] == step_url(draft, "describe")


# --- Each step round-trips --------------------------------------------------------------------------

DESCRIBE = {
    "title": "CTD section across the Bay of Biscay shelf break, PELGAS 2024",
    "alt_titles-0-title": "Section CTD du golfe de Gascogne",
    "alt_titles-0-title_type": "TranslatedTitle",
    "alt_titles-0-lang": "fr",
    "abstract": "Temperature and salinity profiles from 42 CTD casts.",
    "resource_type_general": "Dataset",
    "resource_type_type": "CTD profiles",
    "language": "en",
    "lineage": "SBE 911plus, processed with SBE Data Processing 7.26, 1 dbar bins.",
    "keywords-0-subject": "Oceanography",
    "keywords-0-value_uri": "https://inspire.ec.europa.eu/theme/of",
    "keywords-0-scheme": "GEMET - INSPIRE themes",
    "keywords-0-scheme_uri": "https://inspire.ec.europa.eu/theme",
    "keywords-0-keyword_type": "theme",
    "free_keywords": "PELGAS; shelf break",
    "community": "ocean",
}


def test_describe_round_trips(client, depositor, draft):
    client.force_login(depositor)
    response = save(client, draft, "describe", DESCRIBE)
    assert response.status_code == 200, response.content
    assert response.json()["revision"] == draft.revision + 1

    deposit = fresh(draft)
    md = deposit.metadata
    assert deposit.title == DESCRIBE["title"] and deposit.community.slug == "ocean"
    assert md["titles"] == [
        {"title": DESCRIBE["title"]},
        {"title": "Section CTD du golfe de Gascogne", "title_type": "TranslatedTitle", "lang": "fr"},
    ]
    assert md["descriptions"] == [{"description": DESCRIBE["abstract"], "description_type": "Abstract"}]
    assert md["resource_type"] == {"general": "Dataset", "type": "CTD profiles"}
    assert md["lineage"].startswith("SBE 911plus")
    assert md["subjects"] == [
        {
            "subject": "Oceanography",
            "value_uri": "https://inspire.ec.europa.eu/theme/of",
            "scheme": "GEMET - INSPIRE themes",
            "scheme_uri": "https://inspire.ec.europa.eu/theme",
            "keyword_type": "theme",
        },
        {"subject": "PELGAS", "keyword_type": "theme"},
        {"subject": "shelf break", "keyword_type": "theme"},
    ]
    page = client.get(step_url(draft, "describe")).content.decode()
    for value in (
        DESCRIBE["title"],
        "Section CTD du golfe de Gascogne",
        DESCRIBE["abstract"],
        "CTD profiles",
        DESCRIBE["lineage"],
        "https://inspire.ec.europa.eu/theme/of",
        "PELGAS; shelf break",
    ):
        assert value in page
    assert 'value="ocean" selected' in page
    assert 'value="TranslatedTitle" selected' in page


PEOPLE = {
    "creators-0-name_type": "Personal",
    "creators-0-family_name": "Le Goff",
    "creators-0-given_name": "Anne",
    "creators-0-orcid": f"https://orcid.org/{ANNE}",
    "creators-0-affiliations-0-name": "Ifremer",
    "creators-0-affiliations-0-ror": "044jxhp58",
    "creators-0-affiliations-1-name": "LOPS",
    "creators-1-name_type": "Personal",
    "creators-1-family_name": "Carberry",
    "creators-1-given_name": "Josiah",
    "creators-1-orcid": JOSIAH,
    "creators-2-name_type": "Organizational",
    "creators-2-name": "PELGAS survey team",
    "contributors-0-name_type": "Personal",
    "contributors-0-family_name": "Martin",
    "contributors-0-given_name": "Paul",
    "contributors-0-contributor_type": "DataCollector",
    "point_of_contact-name": "Anne Le Goff",
    "point_of_contact-email": "anne.legoff@example.org",
    "point_of_contact-organisation": "Ifremer",
    "point_of_contact-orcid": "",
    "funding_references-0-funder_name": "Agence nationale de la recherche",
    "funding_references-0-funder_identifier_type": "ROR",
    "funding_references-0-funder_identifier": "00rbzpz17",
    "funding_references-0-award_number": "ANR-22-CE01-0001",
    "funding_references-0-award_title": "SHELF",
    "funding_references-0-award_uri": "",
}


@pytest.mark.parametrize(
    ("address", "typed", "stored"),
    [
        ("community", "anne.legoff@example.org", None),  # typed, then the community's address chosen
        ("own", "anne.legoff@example.org", "anne.legoff@example.org"),
        ("own", "", ""),  # chosen but not typed yet: kept, for submission to ask for it
    ],
)
def test_the_contact_address_is_published_only_when_the_depositor_gives_one(
    client, depositor, draft, address, typed, stored
):
    client.force_login(depositor)
    fields = {
        "point_of_contact-name": "Anne Le Goff",
        "point_of_contact-address": address,
        "point_of_contact-email": typed,
    }
    assert save(client, draft, "people", fields).status_code == 200
    contact = fresh(draft).metadata["point_of_contact"]
    assert contact.get("email") == stored and ("email" in contact) is (stored is not None)
    problems = {p["field"] for p in validate_document(fresh(draft).metadata)[1]}
    assert ("point_of_contact.email" in problems) is (stored == "")
    page = client.get(step_url(draft, "people")).content.decode()
    assert f'id="f-point_of_contact-address-{address}" value="{address}" checked' in page
    assert ("data-contact-email hidden" in page) is (address == "community")


def test_people_round_trips_in_order_with_orcid_ids_and_ror_ids(client, depositor, draft):
    client.force_login(depositor)
    assert save(client, draft, "people", PEOPLE).status_code == 200

    md = fresh(draft).metadata
    assert md["creators"] == [
        {
            "name": "Le Goff, Anne",
            "name_type": "Personal",
            "family_name": "Le Goff",
            "given_name": "Anne",
            "orcid": ANNE,
            "affiliations": [{"name": "Ifremer", "ror": IFREMER}, {"name": "LOPS"}],
        },
        {
            "name": "Carberry, Josiah",
            "name_type": "Personal",
            "family_name": "Carberry",
            "given_name": "Josiah",
            "orcid": JOSIAH,
        },
        {"name": "PELGAS survey team", "name_type": "Organizational"},
    ]
    assert md["contributors"] == [
        {
            "name": "Martin, Paul",
            "name_type": "Personal",
            "family_name": "Martin",
            "given_name": "Paul",
            "contributor_type": "DataCollector",
        }
    ]
    assert md["point_of_contact"] == {
        "name": "Anne Le Goff",
        "email": "anne.legoff@example.org",
        "organisation": "Ifremer",
    }
    assert md["funding_references"] == [
        {
            "funder_name": "Agence nationale de la recherche",
            "funder_identifier": "https://ror.org/00rbzpz17",
            "funder_identifier_type": "ROR",
            "award_number": "ANR-22-CE01-0001",
            "award_title": "SHELF",
        }
    ]
    _doc, problems = validate_document(md)
    assert not [p for p in problems if p["step"] == "people"]

    page = client.get(step_url(draft, "people")).content.decode()
    assert page.index('value="Le Goff"') < page.index('value="Carberry"') < page.index('value="PELGAS survey team"')
    assert 'id="f-creators-0-affiliations-1-name"' in page and 'value="LOPS"' in page
    assert 'data-name-type="Organizational"' in page
    assert 'value="DataCollector" selected' in page

    # Reordered (what dragging a line does: the names are renumbered in the new order).
    reordered = {
        k.replace("creators-0-", "creators-X-")
        .replace("creators-1-", "creators-0-")
        .replace("creators-X-", "creators-1-"): v
        for k, v in PEOPLE.items()
    }
    assert save(client, draft, "people", reordered).status_code == 200
    assert [c["name"] for c in fresh(draft).metadata["creators"]] == [
        "Carberry, Josiah",
        "Le Goff, Anne",
        "PELGAS survey team",
    ]


def test_where_and_when_round_trips_and_keeps_the_keywords_of_step_one(client, depositor, draft):
    client.force_login(depositor)
    save(client, draft, "describe", DESCRIBE)
    fields = {
        "geo_locations-0-kind": "box",
        "geo_locations-0-place": "Bay of Biscay",
        "geo_locations-0-box-west": "-6",
        "geo_locations-0-box-east": "-1,5",
        "geo_locations-0-box-south": "43.5",
        "geo_locations-0-box-north": "48",
        "geo_locations-1-kind": "point",
        "geo_locations-1-place": "Station P01",
        "geo_locations-1-point-latitude": "45.25",
        "geo_locations-1-point-longitude": "\u22123.5",
        "geo_locations-2-kind": "polygon",
        "geo_locations-2-polygon": "-5, 44\n-2, 44\n-2 46\n-5;46",
        "geo_locations-3-kind": "place",
        "geo_locations-3-place": "Armorican shelf",
        "temporal_extent-start": "2024-04-25",
        "temporal_extent-end": "2024-05-30",
        "vertical_extent-minimum": "0",
        "vertical_extent-maximum": "2000",
        "vertical_extent-reference": "depth",
        "parameters-0-subject": "Temperature of the water column",
        "parameters-0-value_uri": "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/",
        "parameters-0-scheme": "SeaDataNet Parameter Discovery Vocabulary",
        "parameters-0-scheme_uri": "http://vocab.nerc.ac.uk/collection/P02/current/",
        "parameters-0-keyword_type": "parameter",
        "parameters-1-subject": "Salinity of the water column",
        "parameters-1-keyword_type": "parameter",
        "instruments-0-subject": "CTD",
        "platforms-0-subject": "research vessel",
        "places-0-subject": "Bay of Biscay",
    }
    assert save(client, draft, "where_when", fields).status_code == 200

    md = fresh(draft).metadata
    assert md["geo_locations"] == [
        {"place": "Bay of Biscay", "box": {"west": -6.0, "east": -1.5, "south": 43.5, "north": 48.0}},
        {"place": "Station P01", "point": {"longitude": -3.5, "latitude": 45.25}},
        {
            "polygon": [
                {"longitude": -5.0, "latitude": 44.0},
                {"longitude": -2.0, "latitude": 44.0},
                {"longitude": -2.0, "latitude": 46.0},
                {"longitude": -5.0, "latitude": 46.0},
            ]
        },
        {"place": "Armorican shelf"},
    ]
    assert md["temporal_extent"] == {"start": "2024-04-25", "end": "2024-05-30", "ongoing": False}
    assert md["vertical_extent"] == {"unit": "m", "reference": "depth", "minimum": 0.0, "maximum": 2000.0}
    kinds = [(s["subject"], s["keyword_type"]) for s in md["subjects"]]
    assert kinds == [
        ("Oceanography", "theme"),
        ("PELGAS", "theme"),
        ("shelf break", "theme"),
        ("Bay of Biscay", "place"),
        ("research vessel", "platform"),
        ("CTD", "instrument"),
        ("Temperature of the water column", "parameter"),
        ("Salinity of the water column", "parameter"),
    ]
    _doc, problems = validate_document(md)
    assert not [p for p in problems if p["step"] == "where_when"], problems

    page = client.get(step_url(draft, "where_when")).content.decode()
    for value in (
        'value="-6"',
        'value="-1.5"',
        'value="43.5"',
        'value="48"',
        'value="45.25"',
        'value="-3.5"',
        "-5, 44\n-2, 44\n-2, 46\n-5, 46",
        'value="2024-04-25"',
        'value="2000"',
        "Armorican shelf",
        "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/",
        "Salinity of the water column",
    ):
        assert value in page
    assert page.count('data-kind="box"') >= 2  # the line and its template

    # Step 1 saved again keeps step 3's subjects.
    save(client, draft, "describe", {**DESCRIBE, "free_keywords": "PELGAS"})
    kinds = [s["keyword_type"] for s in fresh(draft).metadata["subjects"]]
    assert kinds.count("parameter") == 2 and kinds.count("place") == 1 and kinds.count("theme") == 2


def test_a_box_across_the_antimeridian_is_stored_west_greater_than_east(client, depositor, draft):
    client.force_login(depositor)
    save(
        client,
        draft,
        "where_when",
        {
            "geo_locations-0-kind": "box",
            "geo_locations-0-place": "Fiji Basin",
            "geo_locations-0-box-west": "170.5",
            "geo_locations-0-box-east": "-175",
            "geo_locations-0-box-south": "-25",
            "geo_locations-0-box-north": "-10",
        },
    )
    md = fresh(draft).metadata
    assert md["geo_locations"][0]["box"] == {"west": 170.5, "east": -175.0, "south": -25.0, "north": -10.0}
    _doc, problems = validate_document(md)
    assert not [p for p in problems if p["field"].startswith("geo_locations")]


def test_a_polygon_needs_three_points_and_coordinates_in_range(client, depositor, draft):
    client.force_login(depositor)
    response = save(
        client,
        draft,
        "where_when",
        {
            "geo_locations-0-kind": "polygon",
            "geo_locations-0-polygon": "-5, 44\n-2, 44",
            "geo_locations-1-kind": "box",
            "geo_locations-1-box-west": "-200",
            "geo_locations-1-box-east": "10",
            "geo_locations-1-box-south": "40",
            "geo_locations-1-box-north": "50",
            "geo_locations-2-kind": "point",
            "geo_locations-2-point-latitude": "north",
            "geo_locations-2-point-longitude": "3",
            "geo_locations-3-kind": "box",
            "geo_locations-3-box-west": "0",
            "geo_locations-3-box-east": "10",
            "geo_locations-3-box-south": "50",
            "geo_locations-3-box-north": "40",
        },
    )
    anchors = {p["anchor"]: p["message"] for p in response.json()["problems"]}
    assert "at least three different points" in anchors["f-geo_locations-0-polygon"]
    assert anchors["f-geo_locations-1-box-west"] == "Must be at least -180."
    assert "north of the northern" in anchors["f-geo_locations-3-box-south"]
    assert anchors["f-geo_locations-2-point-latitude"].startswith("Enter a number")
    # Kept as typed all the same.
    md = fresh(draft).metadata
    assert md["geo_locations"][2]["point"]["latitude"] == "north"
    page = client.get(step_url(draft, "where_when")).content.decode()
    assert 'id="f-geo_locations-1-box-west-problems"' in page and "Must be at least -180." in page


LINKS = {
    "related_identifiers-0-identifier": "https://doi.org/10.5194/os-20-1-2024",
    "related_identifiers-0-identifier_type": "DOI",
    "related_identifiers-0-relation_type": "IsSupplementTo",
    "related_identifiers-0-resource_type_general": "Text",
    "related_identifiers-1-identifier": "swh:1:dir:d198bc9d7a6bcf6db04f476d29314f157507d505",
    "related_identifiers-1-identifier_type": "SWHID",
    "related_identifiers-1-relation_type": "IsCompiledBy",
    "related_identifiers-1-resource_type_general": "Software",
    "related_identifiers-2-identifier": "https://pelgas.ifremer.fr",
    "related_identifiers-2-identifier_type": "URL",
    "related_identifiers-2-relation_type": "IsDocumentedBy",
    "related_identifiers-2-resource_type_general": "",
    "licence": "CC0-1.0",
    "access-level": "embargoed",
    "access-embargo_until": (date.today() + timedelta(days=200)).isoformat(),
    "version": "1.0",
}


def test_links_licence_and_access_round_trip(client, depositor, draft):
    client.force_login(depositor)
    assert save(client, draft, "links_licence", LINKS).status_code == 200
    md = fresh(draft).metadata
    assert md["related_identifiers"] == [
        {
            "identifier": "https://doi.org/10.5194/os-20-1-2024",
            "identifier_type": "DOI",
            "relation_type": "IsSupplementTo",
            "resource_type_general": "Text",
        },
        {
            "identifier": "swh:1:dir:d198bc9d7a6bcf6db04f476d29314f157507d505",
            "identifier_type": "SWHID",
            "relation_type": "IsCompiledBy",
            "resource_type_general": "Software",
        },
        {"identifier": "https://pelgas.ifremer.fr", "identifier_type": "URL", "relation_type": "IsDocumentedBy"},
    ]
    assert md["rights"][0]["identifier"] == "CC0-1.0"
    assert md["access"] == {"level": "embargoed", "embargo_until": LINKS["access-embargo_until"]}
    assert md["version"] == "1.0"
    _doc, problems = validate_document(md)
    assert not [p for p in problems if p["step"] == "links_licence"], problems
    page = client.get(step_url(draft, "links_licence")).content.decode()
    assert 'value="CC0-1.0"\n             checked' in page or re.search(r'value="CC0-1.0"\s+checked', page)
    assert re.search(r'value="embargoed" checked', page)
    assert "swh:1:dir:d198bc9d7a6bcf6db04f476d29314f157507d505" in page and 'value="IsCompiledBy" selected' in page


def test_an_embargo_beyond_two_years_is_kept_and_flagged(client, depositor, draft):
    client.force_login(depositor)
    far = (date.today() + timedelta(days=3 * 365)).isoformat()
    response = save(client, draft, "links_licence", {**LINKS, "access-embargo_until": far})
    problems = response.json()["problems"]
    assert [p["anchor"] for p in problems] == ["f-access-embargo_until"]
    assert problems[0]["message"] == "An embargo lasts at most two years."
    assert fresh(draft).metadata["access"]["embargo_until"] == far


def test_the_plain_form_saves_without_javascript_and_goes_where_the_button_says(client, depositor, draft):
    client.force_login(depositor)
    response = client.post(
        step_url(draft, "describe"), {**DESCRIBE, "step": "describe", "revision": draft.revision, "go": "people"}
    )
    assert response.status_code == 302 and response["Location"] == step_url(draft, "people")
    assert fresh(draft).title == DESCRIBE["title"]


# --- Leniency ---------------------------------------------------------------------------------------


def test_an_invalid_orcid_id_is_saved_and_flagged_at_its_field(client, depositor, draft):
    client.force_login(depositor)
    response = save(client, draft, "people", {**PEOPLE, "creators-1-orcid": "0000-0001-5109-3701"})
    assert response.status_code == 200
    problems = response.json()["problems"]
    assert [p["anchor"] for p in problems] == ["f-creators-1-orcid"]
    assert "check digit" in problems[0]["message"]
    assert problems[0]["where"] == "Creators 2 › ORCID iD"
    assert fresh(draft).metadata["creators"][1]["orcid"] == "0000-0001-5109-3701"

    page = client.get(step_url(draft, "people")).content.decode()
    field = re.search(r'<input type="text" id="f-creators-1-orcid"[^>]*>', page).group(0)
    assert 'value="0000-0001-5109-3701"' in field and 'aria-invalid="true"' in field
    assert 'aria-describedby="f-creators-1-orcid-help f-creators-1-orcid-problems"' in field
    problems_list = re.search(
        r'<ul class="field-problems" id="f-creators-1-orcid-problems"[^>]*>(.*?)</ul>', page, re.S
    )
    assert "check digit" in problems_list.group(1)


def test_half_typed_values_are_kept_everywhere(client, depositor, draft):
    client.force_login(depositor)
    save(client, draft, "describe", {"title": "", "alt_titles-0-title": "Only an alternative", "abstract": ""})
    save(
        client,
        draft,
        "where_when",
        {"temporal_extent-start": "", "temporal_extent-end": "2024-05-30", "vertical_extent-minimum": "deep"},
    )
    md = fresh(draft).metadata
    assert md["titles"] == [{"title": ""}, {"title": "Only an alternative", "title_type": "AlternativeTitle"}]
    assert md["temporal_extent"] == {"start": "", "end": "2024-05-30", "ongoing": False}
    assert md["vertical_extent"]["minimum"] == "deep"
    problems = wizard.described_problems(services.deposit_problems(fresh(draft)), md)
    anchors = {p["anchor"] for p in problems}
    assert {
        "f-title",
        "f-abstract",
        "f-temporal_extent-start",
        "f-vertical_extent-minimum",
        "f-vertical_extent-maximum",
    } <= anchors


# --- Conflicts --------------------------------------------------------------------------------------


def test_two_saves_on_the_same_revision_the_second_is_refused_with_the_others_values(client, depositor, draft):
    client.force_login(depositor)
    revision = draft.revision
    first = save(client, draft, "describe", {**DESCRIBE, "title": "First tab's title"}, revision=revision)
    assert first.status_code == 200
    second = save(
        client, draft, "describe", {**DESCRIBE, "title": "Second tab's title", "lineage": "Other"}, revision=revision
    )

    assert second.status_code == 409
    body = second.json()
    assert body["code"] == "stale_revision" and body["revision"] == revision + 1
    assert "saved elsewhere" in body["detail"]
    differences = {d["name"]: d for d in body["differences"]}
    assert set(differences) == {"title", "lineage"}
    assert differences["title"] == {
        "name": "title",
        "label": "Title",
        "theirs": "First tab's title",
        "mine": "Second tab's title",
    }
    deposit = fresh(draft)
    assert deposit.title == "First tab's title" and deposit.revision == revision + 1  # nothing overwritten

    # "Keep mine and overwrite": the same values sent again on top of their revision.
    kept = save(client, draft, "describe", {**DESCRIBE, "title": "Second tab's title"}, revision=body["revision"])
    assert kept.status_code == 200 and fresh(draft).title == "Second tab's title"


def test_a_co_depositor_saving_another_step_conflicts_without_differences_here(client, depositor, co_depositor, draft):
    _accept(draft, depositor, co_depositor)
    revision = draft.revision
    client.force_login(co_depositor)
    assert save(client, draft, "people", PEOPLE, revision=revision).status_code == 200
    client.force_login(depositor)
    response = save(
        client,
        draft,
        "describe",
        {"title": "", "abstract": "", "language": "en", "resource_type_general": "Dataset"},
        revision=revision,
    )
    assert response.status_code == 409 and response.json()["differences"] == []
    assert fresh(draft).metadata["creators"][0]["family_name"] == "Le Goff"


def test_the_plain_form_shows_a_conflict_with_both_versions(client, depositor, draft):
    client.force_login(depositor)
    revision = draft.revision
    save(client, draft, "describe", {**DESCRIBE, "title": "Theirs"}, revision=revision)
    response = client.post(
        step_url(draft, "describe"), {**DESCRIBE, "title": "Mine", "step": "describe", "revision": revision}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this deposit" in page and "Theirs" in page and 'value="Mine"' in page
    assert f'name="overwrite_revision" value="{revision + 1}"' in page
    assert fresh(draft).title == "Theirs"
    kept = client.post(
        step_url(draft, "describe"),
        {**DESCRIBE, "title": "Mine", "step": "describe", "revision": revision, "overwrite_revision": revision + 1},
    )
    assert kept.status_code == 302 and fresh(draft).title == "Mine"


# --- Completeness and review -------------------------------------------------------------------------


def test_each_step_shows_its_state_and_the_deposit_a_score(client, depositor, draft):
    client.force_login(depositor)
    state = wizard.completeness(
        fresh(draft), wizard.described_problems(services.deposit_problems(fresh(draft)), fresh(draft).metadata)
    )
    by_step = {s["slug"]: s["status"] for s in state["steps"]}
    # A new draft: step 1 holds only its defaults (not started), step 2 the depositor, step 5 the
    # default licence.
    assert by_step == {
        "describe": "empty",
        "people": "complete",
        "where_when": "empty",
        "files": "empty",
        "links_licence": "complete",
    }
    empty_score = state["score"]

    save(client, draft, "describe", DESCRIBE)
    response = save(
        client,
        draft,
        "where_when",
        {
            "geo_locations-0-kind": "box",
            "geo_locations-0-box-west": "-6",
            "geo_locations-0-box-east": "-1",
            "geo_locations-0-box-south": "43",
            "geo_locations-0-box-north": "48",
            "temporal_extent-start": "2024-04-25",
            "temporal_extent-ongoing": "on",
        },
    )
    body = response.json()
    steps = {s["slug"]: s for s in body["steps"]}
    assert steps["describe"]["status"] == "complete" and steps["where_when"]["status"] == "complete"
    assert steps["files"]["status"] == "empty" and "1 problem" in steps["files"]["state_text"]
    assert body["score"] > empty_score

    page = client.get(step_url(draft, "where_when")).content.decode()
    assert 'class="wstep status-complete current"' in page
    assert f"<span data-score>{body['score']}</span>" in page


def test_the_review_lists_every_problem_with_a_link_to_its_field(client, depositor, communities):
    metadata = complete_metadata()
    metadata["titles"].append({"title": "", "title_type": "AlternativeTitle"})
    metadata["creators"][1]["orcid"] = "0000-0000-0000-0000"
    metadata["creators"][0]["affiliations"][0]["ror"] = "https://ror.org/nope"
    metadata["point_of_contact"]["email"] = "not-an-address"
    metadata["subjects"].append({"subject": "", "keyword_type": "parameter"})
    metadata["geo_locations"].append({"box": {"west": 10, "east": 20, "south": 50, "north": 40}})
    metadata["temporal_extent"] = {"start": "2024-05-30", "end": "2024-04-25", "ongoing": False}
    metadata["related_identifiers"] = [{"identifier": "not a doi", "identifier_type": "DOI", "relation_type": "Cites"}]
    metadata["access"] = {"level": "embargoed"}
    del metadata["descriptions"]
    deposit = services.deposit_create(owner=depositor, metadata=metadata, community=None)
    client.force_login(depositor)

    problems = services.deposit_problems(deposit)
    assert len(problems) == 12
    page = client.get(step_url(deposit, "links_licence")).content.decode()
    review = page[page.index('id="review"') :]
    links = re.findall(r'<a href="/deposits/\d+/wizard/(\w+)/#([\w-]+)" data-problem-field="([^"]*)">', review)
    assert sorted(field for _s, _a, field in links) == sorted(p["field"] for p in problems)
    expected = {
        "titles.1.title": ("describe", "f-alt_titles-0-title"),
        "descriptions": ("describe", "f-abstract"),
        "community": ("describe", "f-community"),
        "creators.1.orcid": ("people", "f-creators-1-orcid"),
        "creators.0.affiliations.0.ror": ("people", "f-creators-0-affiliations-0-ror"),
        "point_of_contact.email": ("people", "f-point_of_contact-email"),
        "subjects.1.subject": ("where_when", "f-parameters-0"),
        "geo_locations.1.box.south": ("where_when", "f-geo_locations-1-box-south"),
        "temporal_extent.end": ("where_when", "f-temporal_extent-end"),
        "related_identifiers.0.identifier": ("links_licence", "f-related_identifiers-0-identifier"),
        "access.embargo_until": ("links_licence", "f-access-embargo_until"),
        "files": ("files", "f-files"),
    }
    assert {field: (step, anchor) for step, anchor, field in links} == expected
    # Each link leads to an element with that id on the step's page.
    for step, anchor, _field in links:
        target = client.get(step_url(deposit, step)).content.decode()
        assert f'id="{anchor}"' in target, (step, anchor)
    # The deposit's page links the same problems into the wizard.
    detail = client.get(reverse("deposit:detail", kwargs={"pk": deposit.pk})).content.decode()
    assert f"{step_url(deposit, 'people')}#f-creators-1-orcid" in detail


def test_submitting_from_the_review(client, depositor, communities):
    client.force_login(depositor)
    incomplete = services.deposit_create(owner=depositor, metadata=wizard.initial_metadata(depositor))
    response = client.post(reverse("deposit:wizard-submit", kwargs={"pk": incomplete.pk}), follow=True)
    assert response.redirect_chain[-1][0] == step_url(incomplete, "links_licence") + "#review"
    assert "The deposit is not complete yet." in response.content.decode()
    assert fresh(incomplete).status == Status.draft

    ready = deposit_with_file(depositor, community=communities["ocean"])
    response = client.post(reverse("deposit:wizard-submit", kwargs={"pk": ready.pk}))
    assert response.status_code == 302 and response["Location"] == reverse("deposit:detail", kwargs={"pk": ready.pk})
    assert fresh(ready).status == Status.submitted and fresh(ready).pid is not None
    # Submitted: the wizard hands over to the deposit's page; saving is refused.
    assert client.get(step_url(ready, "describe"))["Location"] == reverse("deposit:detail", kwargs={"pk": ready.pk})
    refused = save(client, ready, "describe", DESCRIBE)
    assert refused.status_code == 409 and refused.json()["code"] == "not_editable"


# --- Files --------------------------------------------------------------------------------------------


def test_the_files_step_uploads_lists_and_advises(client, depositor, draft):
    client.force_login(depositor)
    response = client.post(
        reverse("deposit:wizard-upload", kwargs={"pk": draft.pk}),
        {
            "files": [
                SimpleUploadedFile("ctd_casts.csv", b"station,depth\nP01,5\n"),
                SimpleUploadedFile("bottle.xlsx", b"PK\x03\x04"),
            ]
        },
    )
    assert response.status_code == 302 and response["Location"] == step_url(draft, "files") + "#f-files"
    page = client.get(step_url(draft, "files")).content.decode()
    assert "ctd_casts.csv" in page and "bottle.xlsx" in page
    assert fresh(draft).files.get(name="ctd_casts.csv").sha256 in page
    assert "proprietary" in page and "Add a README" in page
    assert 'id="f-files-0"' in page

    file = fresh(draft).files.get(name="bottle.xlsx")
    deleted = client.post(reverse("deposit:file-delete", kwargs={"pk": draft.pk, "file_pk": file.pk}))
    assert deleted["Location"] == step_url(draft, "files") + "#f-files"


def test_netcdf_suggestions_are_offered_for_netcdf_files(client, depositor, draft, monkeypatch):
    def suggestions(*, file):
        return {
            "geo_locations": [{"box": {"west": -6, "east": -1, "south": 43.5, "north": 48}}],
            "temporal_extent": {"start": "2024-04-25", "end": "2024-05-30", "ongoing": False},
            "vertical_extent": {"minimum": 0, "maximum": 1500, "unit": "m", "reference": "depth"},
            "subjects": [
                {"subject": "sea_water_temperature", "keyword_type": "parameter", "scheme": "CF Standard Names"}
            ],
            "notes": ["Read from the global attributes."],
        }

    monkeypatch.setattr(services, "file_netcdf_suggestions", suggestions, raising=False)
    services.file_add_bytes(deposit=draft, actor=depositor, name="glider.nc", chunks=[b"CDF\x01"], size=4)
    client.force_login(depositor)
    page = client.get(step_url(draft, "where_when")).content.decode()
    assert "Fill from glider.nc" in page
    file = fresh(draft).files.get()
    panel = client.get(
        reverse("deposit:wizard-suggestions", kwargs={"pk": draft.pk, "file_pk": file.pk})
    ).content.decode()
    assert "west -6, east -1, south 43.5, north 48" in panel and "sea_water_temperature" in panel
    assert "2024-04-25" in panel and "Read from the global attributes." in panel
    assert "data-apply-suggestions" in panel


def netcdf_from_cdl(name: str, folder) -> bytes:
    """A real CF / ACDD dataset (compliance-checker's CDL test data) made into NetCDF-4 by ncgen."""
    import shutil
    import subprocess
    from pathlib import Path

    from tests.conftest import IN_CI

    ncgen = shutil.which("ncgen")
    if ncgen is None:
        message = "ncgen is missing (Debian package netcdf-bin)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    target = Path(folder) / f"{name}.nc"
    cdl = Path(__file__).resolve().parents[1] / "data" / "netcdf" / f"{name}.cdl"
    subprocess.run([ncgen, "-k", "nc4", "-o", str(target), str(cdl)], check=True, capture_output=True, timeout=60)
    return target.read_bytes()


def test_a_real_glider_file_suggests_its_extent_and_parameters(client, depositor, draft, tmp_path):
    data = netcdf_from_cdl("ru07-20130824T170228_rt0", tmp_path)
    services.file_add_bytes(deposit=draft, actor=depositor, name="ru07_glider.nc", chunks=[data], size=len(data))
    file = fresh(draft).files.get()
    client.force_login(depositor)
    assert "Fill from ru07_glider.nc" in client.get(step_url(draft, "where_when")).content.decode()

    panel = client.get(
        reverse("deposit:wizard-suggestions", kwargs={"pk": draft.pk, "file_pk": file.pk})
    ).content.decode()
    assert "Box: west -120.7855, east -120.78092, south 34.85033, north 34.85172" in panel
    assert "Time: 2013-08-24 to 2013-08-24" in panel and "Depth or altitude: 1.1 to 589 m" in panel
    assert "sea_water_temperature" in panel and "sea_water_salinity" in panel
    assert "Oceans &gt; Ocean Temperature" not in panel  # step 1's keywords are not offered in step 3
    payload = re.search(r"data-suggestions='([^']*)'", panel).group(1)
    assert "https://cfconventions.org/" in payload

    # What the depositor accepts is posted back like anything typed, and fits the document.
    save(
        client,
        draft,
        "where_when",
        {
            "geo_locations-0-kind": "box",
            "geo_locations-0-box-west": "-120.7855",
            "geo_locations-0-box-east": "-120.78092",
            "geo_locations-0-box-south": "34.85033",
            "geo_locations-0-box-north": "34.85172",
            "temporal_extent-start": "2013-08-24",
            "temporal_extent-end": "2013-08-24",
            "vertical_extent-minimum": "1.1",
            "vertical_extent-maximum": "589",
            "vertical_extent-reference": "depth",
            "parameters-0-subject": "sea_water_temperature",
            "parameters-0-keyword_type": "parameter",
            "parameters-0-scheme": "CF Standard Names",
        },
    )
    _doc, problems = validate_document(fresh(draft).metadata)
    assert not [p for p in problems if p["step"] == "where_when"]


def test_a_file_that_is_not_netcdf_gets_a_clear_note(client, depositor, draft):
    services.file_add_bytes(deposit=draft, actor=depositor, name="fake.nc", chunks=[b"not netcdf"], size=10)
    client.force_login(depositor)
    file = fresh(draft).files.get()
    panel = client.get(reverse("deposit:wizard-suggestions", kwargs={"pk": draft.pk, "file_pk": file.pk}))
    assert panel.status_code == 200
    assert "This file cannot be read as NetCDF." in panel.content.decode()


# --- Permissions ---------------------------------------------------------------------------------------


@pytest.fixture
def cast(depositor, other_depositor, moderator, other_moderator, admin, co_depositor):
    return {
        "anonymous": None,
        "depositor": depositor,
        "other_depositor": other_depositor,
        "moderator": moderator,
        "other_moderator": other_moderator,
        "admin": admin,
        "co_depositor": co_depositor,
    }


@pytest.fixture
def world(depositor, co_depositor, communities):
    draft = deposit_with_file(depositor, community=communities["ocean"], metadata=complete_metadata("The draft"))
    submitted = deposit_with_file(depositor, community=communities["ocean"], metadata=complete_metadata("Submitted"))
    services.deposit_act(deposit=submitted, action="submit", actor=depositor)
    for deposit in (draft, submitted):
        _accept(deposit, depositor, co_depositor)
    return {"draft": draft, "submitted": submitted}


# anonymous, depositor, other_depositor, moderator, other_moderator, admin, co_depositor
STEP_DRAFT = dict(zip(ROLES, (302, 200, 404, 404, 404, 200, 200), strict=True))
STEP_SUBMITTED = dict(zip(ROLES, (302, 302, 404, 403, 404, 302, 302), strict=True))
SAVE_DRAFT = dict(zip(ROLES, (302, 200, 404, 404, 404, 200, 200), strict=True))
SAVE_SUBMITTED = dict(zip(ROLES, (302, 409, 404, 403, 404, 409, 409), strict=True))
FRAGMENT_DRAFT = dict(zip(ROLES, (302, 200, 404, 404, 404, 200, 200), strict=True))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("step", STEPS)
def test_the_wizard_pages_answer_each_role(client, cast, world, role, step):
    user = cast[role]
    if user is not None:
        client.force_login(user)
    for which, expected in (("draft", STEP_DRAFT), ("submitted", STEP_SUBMITTED)):
        deposit = world[which]
        response = client.get(step_url(deposit, step))
        assert response.status_code == expected[role], (which, role)
        if role == "anonymous":
            assert response["Location"].startswith("/accounts/login/")
        elif expected[role] == 302:
            assert response["Location"] == reverse("deposit:detail", kwargs={"pk": deposit.pk})
        if expected[role] == 200:
            assert deposit.title in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_the_wizard_endpoints_answer_each_role(client, cast, world, role):
    user = cast[role]
    if user is not None:
        client.force_login(user)
    draft, submitted = world["draft"], world["submitted"]
    for deposit, expected in ((draft, SAVE_DRAFT), (submitted, SAVE_SUBMITTED)):
        before = fresh(deposit).metadata
        response = save(client, deposit, "describe", {**DESCRIBE, "title": f"Saved by {role}"})
        assert response.status_code == expected[role], (deposit.title, role)
        if expected[role] != 200:
            assert fresh(deposit).metadata == before
        else:
            assert fresh(deposit).title == f"Saved by {role}"
    for name in ("deposit:wizard-review", "deposit:wizard-files"):
        response = client.get(reverse(name, kwargs={"pk": draft.pk}))
        assert response.status_code == FRAGMENT_DRAFT[role], (name, role)
    file = draft.files.get()
    upload = client.post(
        reverse("deposit:wizard-upload", kwargs={"pk": draft.pk}),
        {"files": [SimpleUploadedFile(f"{role}.csv", b"a,b\n")]},
    )
    allowed = FRAGMENT_DRAFT[role] == 200
    assert (upload.status_code == 302 and "/accounts/login/" not in upload["Location"]) is allowed
    assert draft.files.filter(name=f"{role}.csv").exists() is allowed
    netcdf = client.get(reverse("deposit:wizard-suggestions", kwargs={"pk": draft.pk, "file_pk": file.pk}))
    assert netcdf.status_code == (302 if role == "anonymous" else 404)  # not a NetCDF file, or not theirs
    submit = client.post(reverse("deposit:wizard-submit", kwargs={"pk": draft.pk}))
    # An administrator edits but does not submit for the depositor (the workflow's rule).
    submits = role in ("depositor", "co_depositor")
    assert fresh(draft).status == (Status.submitted if submits else Status.draft)
    if role == "admin":
        assert submit["Location"] == reverse("deposit:detail", kwargs={"pk": draft.pk})
    if role == "anonymous":
        assert submit["Location"].startswith("/accounts/login/")
    elif not allowed:
        assert submit.status_code == 404


# --- Queries ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("step", STEPS)
def test_the_wizard_pages_run_a_bounded_number_of_queries(
    client, depositor, communities, step, django_assert_max_num_queries
):
    client.force_login(depositor)
    small = deposit_with_file(depositor, community=communities["ocean"])
    metadata = complete_metadata("Many of everything")
    metadata["creators"] = [{"name": f"Person {i}, A", "orcid": ANNE if i == 0 else None} for i in range(40)]
    metadata["subjects"] = [{"subject": f"term {i}", "keyword_type": "parameter"} for i in range(40)]
    metadata["geo_locations"] = [{"point": {"longitude": i, "latitude": i}} for i in range(40)]
    big = deposit_with_file(depositor, community=communities["ocean"], metadata=metadata)
    for i in range(25):
        services.file_add_bytes(deposit=big, actor=depositor, name=f"cast_{i:03}.csv", chunks=[b"x"], size=1)

    with django_assert_max_num_queries(14):
        assert client.get(step_url(small, step)).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(step_url(big, step)).status_code == 200
    with django_assert_max_num_queries(14):
        assert (
            save(
                client,
                big,
                "where_when",
                {"geo_locations-0-kind": "place", "geo_locations-0-place": "x"},
                revision=fresh(big).revision,
            ).status_code
            == 200
        )


# --- Language and assets ---------------------------------------------------------------------------


def test_the_wizard_speaks_french(client, depositor, draft):
    client.force_login(depositor)
    client.cookies["django_language"] = "fr"
    pages = {step: client.get(step_url(draft, step), HTTP_ACCEPT_LANGUAGE="fr").content.decode() for step in STEPS}
    assert "Décrire le jeu de données" in pages["describe"] and "Mots-clés issus de thésaurus" in pages["describe"]
    assert "Ajouter un créateur" in pages["people"] and "Point de contact" in pages["people"]
    assert "Tracer un rectangle" in pages["where_when"] and "Paramètres mesurés" in pages["where_when"]
    assert "De bons fichiers font des données réutilisables" in pages["files"]
    assert "Relire et soumettre" in pages["links_licence"] and "Texte intégral" in pages["links_licence"]
    assert '"saving": "Enregistrement\\u2026"' in pages["describe"]  # what wizard.js says
    response = save(client, draft, "people", {**PEOPLE, "creators-1-orcid": "0000-0001-5109-3701"})
    assert response.json()["problems"][0]["where"] == "Créateurs 2 › identifiant ORCID"


def test_the_wizard_loads_nothing_from_the_internet(client, depositor, draft):
    client.force_login(depositor)
    for step in STEPS:
        page = client.get(step_url(draft, step)).content.decode()
        assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
        assert assets and all(a.startswith("/static/") for a in assets), (step, assets)
    where = client.get(step_url(draft, "where_when")).content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in where and "/static/vendor/world-atlas/land-50m.json" in where
