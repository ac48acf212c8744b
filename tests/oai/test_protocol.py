"""OAI-PMH 2.0 at /oai: the six verbs, selective harvesting, keyset resumption tokens, deleted
records, and every response valid against the OAI-PMH schema (the `oai` fixture checks it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from oai import tokens
from oai.protocol import datestamp
from repository.models import Record
from repository.services import record_withdraw
from tests.factories import complete_metadata
from tests.oai.conftest import OaiResponse

pytestmark = pytest.mark.django_db

PREFIXES = ("oai_dc", "oai_datacite", "datacite", "iso19115-3")


def oai_id(record: Record) -> str:
    return f"oai:estran.localhost:{record.pk}"


def harvest(oai, **arguments):
    """Every page of a list, following the tokens: (identifiers in order, the responses)."""
    pages = [oai(**arguments)]
    while (token := pages[-1].token) is not None and token.text:
        pages.append(oai(verb=arguments["verb"], resumptionToken=token.text))
    return [i for page in pages for i in page.identifiers], pages


# --- Identify, ListMetadataFormats, ListSets ----------------------------------------------------


def test_identify_describes_the_repository_with_an_oai_identifier(oai, many_records, settings):
    settings.OAI_ADMIN_EMAIL = "oai-admin@data.example.org"
    records = many_records(3)
    response = oai(verb="Identify")
    identify = response.xpath("/oai:OAI-PMH/oai:Identify")[0]
    text = {el.tag.split("}")[1]: el.text for el in identify}
    assert text["repositoryName"] == "Estran"
    assert text["baseURL"] == "http://127.0.0.1:8000/oai"
    assert text["protocolVersion"] == "2.0"
    assert text["adminEmail"] == "oai-admin@data.example.org"
    assert text["earliestDatestamp"] == datestamp(records[0].modified)
    assert text["deletedRecord"] == "persistent"
    assert text["granularity"] == "YYYY-MM-DDThh:mm:ssZ"
    ns = "{http://www.openarchives.org/OAI/2.0/oai-identifier}"
    description = identify.find(f"{{http://www.openarchives.org/OAI/2.0/}}description/{ns}oai-identifier")
    assert description.findtext(f"{ns}repositoryIdentifier") == "estran.localhost"
    assert description.findtext(f"{ns}sampleIdentifier") == "oai:estran.localhost:42"
    assert response.xpath("/oai:OAI-PMH/oai:request/@verb") == ["Identify"]


def test_identify_of_an_empty_repository_is_valid(oai):
    assert oai(verb="Identify").xpath("//oai:earliestDatestamp/text()") == ["1970-01-01T00:00:00Z"]


def test_the_repository_identifier_follows_the_setting(oai, make_record, settings):
    settings.OAI_REPOSITORY_IDENTIFIER = "data.estran.example.org"
    record = make_record()
    assert oai(verb="ListIdentifiers", metadataPrefix="oai_dc").identifiers == [
        f"oai:data.estran.example.org:{record.pk}"
    ]
    # An identifier of another namespace is not ours.
    assert oai(verb="GetRecord", identifier=oai_id(record), metadataPrefix="oai_dc").errors == ["idDoesNotExist"]


def test_list_metadata_formats_gives_the_four_formats_with_their_schemas(oai, make_record):
    record = make_record()
    for arguments in ({}, {"identifier": oai_id(record)}):
        response = oai(verb="ListMetadataFormats", **arguments)
        formats = {
            f.findtext("{*}metadataPrefix"): (f.findtext("{*}schema"), f.findtext("{*}metadataNamespace"))
            for f in response.xpath("//oai:metadataFormat")
        }
        assert formats == {
            "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", "http://www.openarchives.org/OAI/2.0/oai_dc/"),
            "oai_datacite": (
                "http://schema.datacite.org/oai/oai-1.1/oai.xsd",
                "http://schema.datacite.org/oai/oai-1.1/",
            ),
            "datacite": (
                "http://schema.datacite.org/meta/kernel-4.6/metadata.xsd",
                "http://datacite.org/schema/kernel-4",
            ),
            "iso19115-3": (
                "https://schemas.isotc211.org/19115/-3/mdb/2.0/mdb.xsd",
                "http://standards.iso.org/iso/19115/-3/mdb/2.0",
            ),
        }


def test_list_sets_has_communities_and_the_resource_types_in_use(oai, make_record):
    software = complete_metadata("Glider toolbox")
    software["resource_type"] = {"general": "Software", "type": "Processing code"}
    make_record()
    make_record(metadata=software)
    sets = {s.findtext("{*}setSpec"): s.findtext("{*}setName") for s in oai(verb="ListSets").xpath("//oai:set")}
    assert sets == {
        "community": "By community",
        "community:atmosphere": "Atmosphere (AERIS)",
        "community:biodiversity": "Biodiversity (PNDB)",
        "community:land-surfaces": "Land surfaces (THEIA)",
        "community:ocean": "Ocean (ODATIS)",
        "community:solid-earth": "Solid Earth (ForM@Ter)",
        "type": "By resource type",
        "type:Dataset": "Resource type: Dataset",
        "type:Software": "Resource type: Software",
    }


# --- GetRecord ----------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_get_record_in_each_format_is_valid(oai, make_record, prefix):
    record = make_record()
    response = oai(verb="GetRecord", identifier=oai_id(record), metadataPrefix=prefix)
    assert response.identifiers == [oai_id(record)]
    assert response.xpath("//oai:header/oai:datestamp/text()") == [datestamp(record.modified)]
    assert response.xpath("//oai:header/oai:setSpec/text()") == ["community:ocean", "type:Dataset"]
    payload = response.xpath("//oai:metadata/*")[0]
    root_tag = {
        "oai_dc": "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc",
        "oai_datacite": "{http://schema.datacite.org/oai/oai-1.1/}oai_datacite",
        "datacite": "{http://datacite.org/schema/kernel-4}resource",
        "iso19115-3": "{http://standards.iso.org/iso/19115/-3/mdb/2.0}MD_Metadata",
    }[prefix]
    assert payload.tag == root_tag
    assert record.doi in response.xml.decode()


def test_oai_datacite_wraps_the_kernel_4_6_resource(oai, make_record, settings):
    settings.DATACITE_USERNAME = "inist.estran"
    record = make_record()
    response = oai(verb="GetRecord", identifier=oai_id(record), metadataPrefix="oai_datacite")
    assert response.xpath("//oaidc:schemaVersion/text()") == ["4.6"]
    assert response.xpath("//oaidc:datacentreSymbol/text()") == ["INIST.ESTRAN"]
    assert response.xpath("//oaidc:payload/dcite:resource/dcite:identifier/text()") == [record.doi]


def test_oai_dc_maps_the_document_to_dublin_core(oai, make_record):
    metadata = complete_metadata()
    metadata["access"] = {"level": "embargoed", "embargo_until": "2099-01-01"}
    record = make_record(metadata=metadata)
    response = oai(verb="GetRecord", identifier=oai_id(record), metadataPrefix="oai_dc")
    dc = {}
    for el in response.xpath("//oai_dc:dc/*"):
        dc.setdefault(el.tag.split("}")[1], []).append(el.text)
    assert dc["title"] == ["CTD casts of the PELGAS 2024 cruise, Bay of Biscay"]
    assert dc["creator"] == ["Le Goff, Anne", "Martin, Paul"]
    assert f"https://doi.org/{record.doi}" in dc["identifier"] and record.landing_url in dc["identifier"]
    assert "info:eu-repo/semantics/embargoedAccess" in dc["rights"]
    assert "info:eu-repo/date/embargoEnd/2099-01-01" in dc["date"]
    assert "Bay of Biscay" in dc["coverage"]
    assert dc["type"] == ["Dataset", "CTD profiles"]


def test_a_withdrawn_record_is_a_deleted_header_without_metadata(oai, make_record, moderator):
    record = make_record()
    record_withdraw(record=record, actor=moderator, reason="duplicate")
    record.refresh_from_db()
    for prefix in PREFIXES:
        response = oai(verb="GetRecord", identifier=oai_id(record), metadataPrefix=prefix)
        assert response.xpath("//oai:header/@status") == ["deleted"]
        assert response.xpath("//oai:header/oai:datestamp/text()") == [datestamp(record.withdrawn_at)]
        assert response.xpath("//oai:metadata") == []
    listed = oai(verb="ListIdentifiers", metadataPrefix="iso19115-3")
    assert listed.xpath("//oai:header/@status") == ["deleted"]


def test_post_requests_are_answered_like_get(oai, make_record):
    record = make_record()
    response = oai("post", verb="GetRecord", identifier=oai_id(record), metadataPrefix="oai_dc")
    assert response.identifiers == [oai_id(record)]


# --- Lists, tokens and selective harvesting -----------------------------------------------------


def test_list_records_pages_by_key_with_size_cursor_and_expiry(oai, many_records, settings):
    settings.OAI_PAGE_SIZE = 3
    records = many_records(8)
    identifiers, pages = harvest(oai, verb="ListRecords", metadataPrefix="iso19115-3")
    assert identifiers == [oai_id(r) for r in records]
    assert [len(page.identifiers) for page in pages] == [3, 3, 2]
    for index, page in enumerate(pages):
        token = page.token
        assert token.get("completeListSize") == "8" and token.get("cursor") == str(3 * index)
    assert pages[-1].token.text is None and pages[-1].token.get("expirationDate") is None
    expires = datetime.strptime(pages[0].token.get("expirationDate"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert timedelta(hours=23, minutes=59) < expires - timezone.now() <= timedelta(hours=24)


def test_a_list_that_fits_in_one_page_has_no_resumption_token(oai, many_records, settings):
    settings.OAI_PAGE_SIZE = 3
    many_records(3)
    assert oai(verb="ListIdentifiers", metadataPrefix="oai_dc").token is None


def test_records_sharing_a_datestamp_are_paged_by_their_id(oai, many_records, settings):
    settings.OAI_PAGE_SIZE = 3
    records = many_records(9, ties=True)
    identifiers, _pages = harvest(oai, verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert identifiers == [oai_id(r) for r in sorted(records, key=lambda r: (r.modified, r.pk))]


def test_records_published_during_a_harvest_come_at_its_end_and_nothing_is_missed(
    oai, many_records, make_record, settings
):
    settings.OAI_PAGE_SIZE = 4
    records = many_records(10)
    first = oai(verb="ListIdentifiers", metadataPrefix="oai_dc")
    # Between pages: two records published, one already harvested is withdrawn, one not yet
    # harvested is modified (a lifted embargo): their datestamps move past the harvest's key.
    published = [make_record(), make_record()]
    Record.objects.filter(pk=records[1].pk).update(status="withdrawn", modified=timezone.now())
    Record.objects.filter(pk=records[7].pk).update(modified=timezone.now())
    identifiers = list(first.identifiers)
    response = first
    while response.token is not None and response.token.text:
        response = oai(verb="ListIdentifiers", resumptionToken=response.token.text)
        identifiers += response.identifiers
    # Every record is seen once, in datestamp order; those that changed during the harvest come
    # again at its end as they are now (records[1] first harvested, then announced deleted).
    expected = [*records[:7], *records[8:], *published, records[1], records[7]]
    assert identifiers == [oai_id(r) for r in expected]
    assert set(identifiers) == {oai_id(r) for r in [*records, *published]}
    # The size counted at the first page (10), revised with the 4 records changed since: an
    # estimate (13 were sent: records[7] changed before it was sent), as OAI-PMH allows.
    assert first.token.get("completeListSize") == "10"
    assert response.token.get("completeListSize") == "14"


def test_from_and_until_select_by_datestamp_at_seconds_granularity(oai, make_record):
    base = datetime(2025, 3, 1, 10, 0, 0, tzinfo=UTC)
    early = make_record(modified=base + timedelta(microseconds=400_000))  # datestamp 10:00:00
    middle = make_record(modified=base + timedelta(seconds=1))  # 10:00:01
    late = make_record(modified=base + timedelta(days=1, seconds=5))  # next day

    def listed(**arguments):
        response = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", **arguments)
        return response.errors or response.identifiers

    assert listed(until="2025-03-01T10:00:00Z") == [oai_id(early)]  # its datestamp is 10:00:00
    assert listed(from_="2025-03-01T10:00:00Z", until="2025-03-01T10:00:01Z") == [oai_id(early), oai_id(middle)]
    assert listed(from_="2025-03-01T10:00:01Z") == [oai_id(middle), oai_id(late)]
    assert listed(from_="2025-03-01", until="2025-03-01") == [oai_id(early), oai_id(middle)]
    assert listed(from_="2025-03-02") == [oai_id(late)]
    assert listed(from_="2025-03-02T10:00:06Z") == ["noRecordsMatch"]
    assert listed(until="9999-12-31") == [oai_id(early), oai_id(middle), oai_id(late)]


def test_from_until_and_set_are_kept_through_the_resumption_token(oai, many_records, make_record, settings):
    settings.OAI_PAGE_SIZE = 2
    start = datetime(2025, 1, 1, tzinfo=UTC)
    ocean = many_records(7, start=start)
    many_records(3, start=start, community="atmosphere")
    identifiers, pages = harvest(
        oai,
        verb="ListRecords",
        metadataPrefix="oai_dc",
        set="community:ocean",
        from_="2025-01-01T00:01:00Z",
        until="2025-01-01T00:05:00Z",
    )
    assert identifiers == [oai_id(r) for r in ocean[1:6]]
    assert pages[0].token.get("completeListSize") == "5"


def test_sets_select_by_community_by_resource_type_and_by_parent(oai, make_record):
    software = complete_metadata("Glider toolbox")
    software["resource_type"] = {"general": "Software"}
    ocean = make_record()
    atmosphere_code = make_record("atmosphere", metadata=software)

    def listed(set_spec):
        response = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set=set_spec)
        return response.errors or sorted(response.identifiers)

    assert listed("community:ocean") == [oai_id(ocean)]
    assert listed("community:atmosphere") == [oai_id(atmosphere_code)]
    assert listed("type:Software") == [oai_id(atmosphere_code)]
    assert listed("type:Dataset") == [oai_id(ocean)]
    assert listed("community") == sorted([oai_id(ocean), oai_id(atmosphere_code)])
    assert listed("type") == sorted([oai_id(ocean), oai_id(atmosphere_code)])
    assert listed("community:biodiversity") == ["noRecordsMatch"]
    assert listed("type:Poster") == ["noRecordsMatch"]
    assert listed("collections") == ["noRecordsMatch"]
    assert listed("community:ocean:ctd") == ["noRecordsMatch"]


# --- Every error condition ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {"verb": "ListAllTheThings"},
        {"verb": ["Identify", "Identify"]},
        {"verb": ""},
    ],
)
def test_bad_verb(oai, arguments):
    response = oai(**arguments)
    assert response.errors == ["badVerb"]
    assert dict(response.xpath("/oai:OAI-PMH/oai:request")[0].attrib) == {}  # not echoed


@pytest.mark.parametrize(
    "arguments",
    [
        {"verb": "Identify", "metadataPrefix": "oai_dc"},
        {"verb": "ListRecords"},
        {"verb": "ListIdentifiers", "set": "community:ocean"},
        {"verb": "GetRecord", "metadataPrefix": "oai_dc"},
        {"verb": "GetRecord", "identifier": "oai:estran.localhost:1"},
        {"verb": "ListRecords", "metadataPrefix": ["oai_dc", "datacite"]},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2025-01-01", "until": "2025-01-02T00:00:00Z"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2025-01-02", "until": "2025-01-01"},
        {
            "verb": "ListRecords",
            "metadataPrefix": "oai_dc",
            "from": "2025-01-01T10:00:01Z",
            "until": "2025-01-01T10:00:00Z",
        },
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2025-02-30"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "2025-01-01T10:00:00"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "2025-01-01T10:00:00.5Z"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "community ocean"},
        {"verb": "ListRecords", "metadataPrefix": "oai dc"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "abc"},
        {"verb": "ListRecords", "metadataPrefix": ""},
        {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "page": "2"},
        {"verb": "ListSets", "set": "community"},
        {"verb": "ListMetadataFormats", "metadataPrefix": "oai_dc"},
        {"verb": "GetRecord", "identifier": "oai:estran.localhost: 1", "metadataPrefix": "oai_dc"},
    ],
)
def test_bad_argument(oai, arguments):
    response = oai(**arguments)
    assert response.errors == ["badArgument"]
    assert dict(response.xpath("/oai:OAI-PMH/oai:request")[0].attrib) == {}


@pytest.mark.parametrize("verb", ["ListRecords", "ListIdentifiers"])
def test_cannot_disseminate_format_in_lists(oai, make_record, verb):
    make_record()
    response = oai(verb=verb, metadataPrefix="marcxml")
    assert response.errors == ["cannotDisseminateFormat"]
    # Valid arguments are echoed.
    assert response.xpath("/oai:OAI-PMH/oai:request/@metadataPrefix") == ["marcxml"]


def test_cannot_disseminate_format_and_id_does_not_exist_in_get_record(oai, make_record):
    record = make_record()
    assert oai(verb="GetRecord", identifier=oai_id(record), metadataPrefix="marcxml").errors == [
        "cannotDisseminateFormat"
    ]
    unknown = "oai:estran.localhost:999999"
    assert oai(verb="GetRecord", identifier=unknown, metadataPrefix="oai_dc").errors == ["idDoesNotExist"]
    assert oai(verb="GetRecord", identifier=unknown, metadataPrefix="marcxml").errors == [
        "cannotDisseminateFormat",
        "idDoesNotExist",
    ]


@pytest.mark.parametrize(
    "identifier",
    [
        "oai:estran.localhost:999999",
        "oai:estran.localhost:abc",
        "10.5072/x",
        "oai:other.org:1",
        "oai:estran.localhost:99999999999999999999",
    ],
)
def test_id_does_not_exist(oai, make_record, identifier):
    make_record()
    assert oai(verb="GetRecord", identifier=identifier, metadataPrefix="oai_dc").errors == ["idDoesNotExist"]
    assert oai(verb="ListMetadataFormats", identifier=identifier).errors == ["idDoesNotExist"]


def test_no_records_match(oai, make_record):
    assert oai(verb="ListRecords", metadataPrefix="oai_dc").errors == ["noRecordsMatch"]
    make_record(modified=datetime(2025, 1, 1, tzinfo=UTC))
    assert oai(verb="ListIdentifiers", metadataPrefix="oai_dc", from_="2025-01-02").errors == ["noRecordsMatch"]
    assert oai(verb="ListIdentifiers", metadataPrefix="oai_dc", until="2024-12-31").errors == ["noRecordsMatch"]


def test_bad_resumption_tokens(oai, many_records, settings, time_machine):
    settings.OAI_PAGE_SIZE = 2
    many_records(5)
    token = oai(verb="ListRecords", metadataPrefix="oai_dc").token.text

    def error(verb, value):
        return oai(verb=verb, resumptionToken=value).errors

    assert error("ListRecords", "not-a-token") == ["badResumptionToken"]
    assert error("ListRecords", token[:-2] + ("AA" if not token.endswith("AA") else "BB")) == ["badResumptionToken"]
    forged = tokens.encode(
        tokens.Position(
            "ListRecords", "oai_dc", "", "", "", "2020-01-01T00:00:00+00:00", 1, 0, 5, "2020-01-01T00:00:00+00:00"
        )
    )[0]
    assert error("ListRecords", forged[:-4] + "abcd") == ["badResumptionToken"]
    assert error("ListIdentifiers", token) == ["badResumptionToken"]  # another verb's
    assert error("ListSets", token) == ["badResumptionToken"]  # ListSets issues none
    assert error("ListRecords", token) == []
    time_machine.move_to(timezone.now() + timedelta(hours=24, seconds=5))
    assert error("ListRecords", token) == ["badResumptionToken"]  # expired


def test_a_token_cannot_be_altered_to_read_another_list(oai, many_records, settings):
    settings.OAI_PAGE_SIZE = 2
    many_records(5)
    token = oai(verb="ListRecords", metadataPrefix="oai_dc").token.text
    payload, _sep, signature = token.rpartition(":")
    assert oai(verb="ListRecords", resumptionToken=f"{payload}:{signature[::-1]}").errors == ["badResumptionToken"]


# --- Bounded queries ----------------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["ListRecords", "ListIdentifiers"])
def test_a_page_runs_the_same_few_queries_at_the_start_and_deep_in_the_list(
    client, many_records, settings, django_assert_max_num_queries, django_assert_num_queries, verb
):
    settings.OAI_PAGE_SIZE = 10
    records = many_records(60)
    for record in records[:30]:  # several versions and files do not add queries
        record.files.create(name="readme.txt", size=10, md5="0" * 32, sha256="b" * 64, storage_key=f"r/{record.pk}")
    # A page: the records with their community, DOIs and deposit, their files, their versions, one
    # COUNT (records published through a deposit add one: their deposits' events, for the ISO lineage).
    expected = 4 if verb == "ListRecords" else 2

    def page(**arguments):  # the whole response, streamed to the end
        return OaiResponse(client.get("/oai", {"verb": verb, **arguments}))

    with django_assert_num_queries(expected - 1):  # the first page of a list that fits needs no COUNT
        page(metadataPrefix="iso19115-3", until=datestamp(records[4].modified))
    with django_assert_num_queries(expected):
        token = page(metadataPrefix="iso19115-3").token.text
    for _ in range(4):  # deep into the list
        token = page(resumptionToken=token).token.text
    with django_assert_max_num_queries(expected):
        assert len(page(resumptionToken=token).identifiers) == 10


# --- Public to every role -----------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, "depositor", "other_depositor", "moderator", "other_moderator", "admin"])
def test_the_endpoint_is_public_and_the_same_for_every_role(client, make_record, role, request):
    embargoed = complete_metadata("Embargoed casts")
    embargoed["access"] = {"level": "embargoed", "embargo_until": "2099-01-01"}
    records = [make_record(), make_record(metadata=embargoed), make_record("atmosphere", withdrawn=True)]
    if role:
        client.force_login(request.getfixturevalue(role))
    response = OaiResponse(client.get("/oai", {"verb": "ListRecords", "metadataPrefix": "iso19115-3"}))
    assert response.identifiers == [oai_id(r) for r in records]
    assert len(response.xpath("//oai:metadata")) == 2  # the metadata of an embargoed record is public
