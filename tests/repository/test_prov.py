"""The PROV-O provenance of published records: the `prov` export in JSON-LD and Turtle (the same graph),
negotiated at the export's URL, the landing page and the DOI, named in Signposting; PROV-O's
constraints that matter here (every node typed, each relation's subject and object of the classes
PROV-O gives its domain and range); the version chain; creators by ORCID and ROR; the deposit and the
review of a record published through the deposit workflow, the moderators named as a role only; the
schema.org JSON-LD's embedded provenance and the ISO 19115-3 lineage's process steps and sources."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import rdflib
from django.urls import reverse
from lxml import etree
from rdflib import RDF, Graph
from rdflib.compare import isomorphic

from deposit import services as deposit_services
from deposit.workflow import Action
from repository import conformance
from repository.models import PersistentIdentifier
from repository.xml_validation import validate
from tests.repository.doi_support import drain, submit
from tests.repository.landing_support import (
    ORCID_ANNE,
    ORCID_CHIARA,
    add_version,
    counting,  # noqa: F401 - the fixture
    full_metadata,
    record_create,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("counting"),
    # rdflib's own JSON-LD parser uses its deprecated ConjunctiveGraph
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
SOSA = rdflib.Namespace("http://www.w3.org/ns/sosa/")
RDFS = rdflib.RDFS
PROV_JSONLD = 'application/ld+json; profile="http://www.w3.org/ns/prov#"'
ISO = {
    "mdb": "http://standards.iso.org/iso/19115/-3/mdb/2.0",
    "mrl": "http://standards.iso.org/iso/19115/-3/mrl/2.0",
    "gco": "http://standards.iso.org/iso/19115/-3/gco/1.0",
    "cit": "http://standards.iso.org/iso/19115/-3/cit/2.0",
    "gml": "http://www.opengis.net/gml/3.2",
}
# PROV-O's domain and range of each relation the graphs use (https://www.w3.org/TR/prov-o/).
DOMAIN_RANGE = {
    PROV.wasGeneratedBy: (PROV.Entity, PROV.Activity),
    PROV.wasAttributedTo: (PROV.Entity, PROV.Agent),
    PROV.qualifiedAttribution: (PROV.Entity, PROV.Attribution),
    PROV.agent: (PROV.Attribution, PROV.Agent),
    PROV.hadRole: (PROV.Attribution, PROV.Role),
    PROV.wasDerivedFrom: (PROV.Entity, PROV.Entity),
    PROV.wasRevisionOf: (PROV.Entity, PROV.Entity),
    PROV.specializationOf: (PROV.Entity, PROV.Entity),
    PROV.wasInvalidatedBy: (PROV.Entity, PROV.Activity),
    PROV.used: (PROV.Activity, PROV.Entity),
    PROV.wasAssociatedWith: (PROV.Activity, PROV.Agent),
    PROV.wasInformedBy: (PROV.Activity, PROV.Activity),
    PROV.atLocation: (None, PROV.Location),
    PROV.actedOnBehalfOf: (PROV.Agent, PROV.Agent),
}
PROV_CLASSES = {PROV.Entity, PROV.Activity, PROV.Agent, PROV.Person, PROV.Organization}


def export(client, record, fmt: str = "prov", **headers):
    response = client.get(reverse("repository:export", kwargs={"pk": record.pk, "fmt": fmt}), **headers)
    assert response.status_code == 200, response.content
    return response


def graph_of(response) -> Graph:
    media_type = response["Content-Type"].split(";")[0]
    return Graph().parse(data=response.content, format="turtle" if media_type == "text/turtle" else "json-ld")


def check_prov_constraints(graph: Graph, *, every_subject: bool = True) -> None:
    """Every node that a PROV relation names is typed with a class of the relation's domain and range
    (Agent, Person and Organization nodes as Agents), and (`every_subject`) every subject has a type."""
    for subject in set(graph.subjects()) if every_subject else ():
        assert (subject, RDF.type, None) in graph, f"{subject} has no type"
    for prop, (domain, range_) in DOMAIN_RANGE.items():
        for subject, obj in graph.subject_objects(prop):
            if domain is not None:
                assert (subject, RDF.type, domain) in graph, (prop, subject, domain)
            assert (obj, RDF.type, range_) in graph, (prop, obj, range_)
    for agent in graph.subjects(RDF.type, PROV.Person):
        assert (agent, RDF.type, PROV.Agent) in graph
    for agent in graph.subjects(RDF.type, PROV.Organization):
        assert (agent, RDF.type, PROV.Agent) in graph
    assert set(graph.objects(None, RDF.type)) & PROV_CLASSES


def derived_metadata() -> dict:
    metadata = full_metadata()
    metadata["related_identifiers"].append(
        {"identifier": "10.17882/42182", "identifier_type": "DOI", "relation_type": "IsDerivedFrom"}
    )
    metadata["subjects"].append(
        {
            "subject": "Thalassa",
            "scheme": "ICES platform codes",
            "value_uri": "http://vocab.nerc.ac.uk/collection/C17/current/35HT/",
            "keyword_type": "platform",
        }
    )
    metadata["subjects"].append({"subject": "PELGAS 2024", "keyword_type": "project"})
    return metadata


@pytest.fixture
def record(depositor, communities):
    return record_create(owner=depositor, community=communities["ocean"], metadata=derived_metadata())


def test_the_prov_export_is_the_same_graph_in_json_ld_and_turtle(client, record):
    jsonld = export(client, record)
    assert jsonld["Content-Type"] == f"{PROV_JSONLD}; charset=utf-8"
    assert jsonld["Content-Disposition"] == f'attachment; filename="estran-{record.pk}-prov.jsonld"'
    assert "Accept" in jsonld["Vary"]
    assert json.loads(jsonld.content)["@context"]["prov"] == str(PROV)
    turtle = export(client, record, HTTP_ACCEPT="text/turtle")
    assert turtle["Content-Type"] == "text/turtle; charset=utf-8"
    assert turtle["Content-Location"] == reverse("repository:export", kwargs={"pk": record.pk, "fmt": "prov-turtle"})
    assert turtle.content.startswith(b"@prefix")
    assert export(client, record, "prov-turtle").content == turtle.content
    assert isomorphic(graph_of(jsonld), graph_of(turtle))


def test_a_record_of_thousands_of_people_without_identifiers_has_its_turtle_in_seconds(client, depositor, communities):
    """Creators and contributors without ORCID iDs are blank nodes alike: labelled in document order,
    not by rdflib's canonical labelling, whose time grows exponentially with them (500 such creators
    took a minute: a public URL anyone could have used to keep a worker busy)."""
    import time

    metadata = derived_metadata()
    metadata["creators"] = [
        {"name": f"Le Goff{i}, Anne", "name_type": "Personal", "affiliations": [{"name": "Ifremer"}]}
        for i in range(2000)
    ]
    metadata["contributors"] = [
        {"name": f"Morvan{i}, Yann", "name_type": "Personal", "contributor_type": "DataCollector"} for i in range(500)
    ]
    record = record_create(owner=depositor, community=communities["ocean"], metadata=metadata)
    started = time.perf_counter()
    turtle = export(client, record, "prov-turtle")
    assert time.perf_counter() - started < 15
    graph = graph_of(turtle)
    dataset = rdflib.URIRef(f"https://doi.org/{record.doi}")
    assert len(set(graph.objects(dataset, PROV.wasAttributedTo))) == 2000
    assert len(set(graph.objects(dataset, PROV.qualifiedAttribution))) == 500
    check_prov_constraints(graph)
    assert export(client, record, "prov-turtle").content == turtle.content  # the same text each time


def test_the_graph_meets_prov_o_s_constraints_and_says_what_the_record_knows(client, record):
    graph = graph_of(export(client, record))
    check_prov_constraints(graph)
    dataset = rdflib.URIRef(f"https://doi.org/{record.doi}")
    assert (dataset, RDF.type, PROV.Entity) in graph
    [acquisition] = graph.objects(dataset, PROV.wasGeneratedBy)
    assert acquisition == rdflib.URIRef(record.landing_url + "#acquisition")
    assert "bottle samples" in str(graph.value(acquisition, RDFS.comment))  # the lineage
    assert str(graph.value(acquisition, PROV.startedAtTime)).startswith("2024-04-25T00:00:00")
    assert str(graph.value(acquisition, PROV.endedAtTime)).startswith("2024-05-30T23:59:59")
    used = set(graph.objects(acquisition, PROV.used))
    sensors = {str(graph.value(t, RDFS.label)) for t in used if (t, RDF.type, SOSA.Sensor) in graph}
    platforms = {str(graph.value(t, RDFS.label)) for t in used if (t, RDF.type, SOSA.Platform) in graph}
    assert (sensors, platforms) == ({"CTD"}, {"Thalassa"})
    assert rdflib.URIRef("https://github.com/estran/pelgas-ctd") in used  # IsCompiledBy
    [campaign] = graph.objects(acquisition, rdflib.DCTERMS.isPartOf)
    assert (campaign, RDF.type, PROV.Activity) in graph and str(graph.value(campaign, RDFS.label)) == "PELGAS 2024"
    places = {str(graph.value(place, RDFS.label)) for place in graph.objects(acquisition, PROV.atLocation)}
    assert places == {"Bay of Biscay", "Station 12", "Survey polygon"}
    # the source it was derived from, an entity, used by the acquisition too
    source = rdflib.URIRef("https://doi.org/10.17882/42182")
    assert list(graph.objects(dataset, PROV.wasDerivedFrom)) == [source]
    assert source in used
    # published without a deposit (record_create): no deposit nor review to tell
    assert list(graph.objects(dataset, PROV.wasInfluencedBy)) == []


def test_creators_are_agents_by_their_orcid_and_ror_and_contributors_have_their_role(client, record):
    graph = graph_of(export(client, record))
    dataset = rdflib.URIRef(f"https://doi.org/{record.doi}")
    anne, ifremer = rdflib.URIRef(f"https://orcid.org/{ORCID_ANNE}"), rdflib.URIRef("https://ror.org/044jxhp58")
    attributed = list(graph.objects(dataset, PROV.wasAttributedTo))
    assert anne in attributed and ifremer in attributed and len(attributed) == 3
    assert (anne, RDF.type, PROV.Person) in graph and (ifremer, RDF.type, PROV.Organization) in graph
    assert (anne, PROV.actedOnBehalfOf, ifremer) in graph  # her affiliation
    [paul] = [a for a in attributed if isinstance(a, rdflib.BNode)]  # no ORCID iD: a node of his own
    assert str(graph.value(paul, RDFS.label)) == "Paul Martin"
    [attribution] = graph.objects(dataset, PROV.qualifiedAttribution)
    assert graph.value(attribution, PROV.agent) == rdflib.URIRef(f"https://orcid.org/{ORCID_CHIARA}")
    assert str(graph.value(graph.value(attribution, PROV.hadRole), RDFS.label)) == "DataCollector"


def test_versions_chain_by_revision_and_specialise_the_concept(client, record):
    second = add_version(record)
    concept = PersistentIdentifier.objects.create(
        doi="10.5072/estran.provconcept", provider="local", kind="concept", state="findable", sync="done"
    )
    record.concept.pid = concept
    record.concept.save(update_fields=["pid"])
    first_doi, second_doi = (rdflib.URIRef(f"https://doi.org/{r.doi}") for r in (record, second))
    concept_doi = rdflib.URIRef(f"https://doi.org/{concept.doi}")
    for version in (record, second):
        graph = graph_of(export(client, version, HTTP_ACCEPT="text/turtle"))
        check_prov_constraints(graph)
        assert (second_doi, PROV.wasRevisionOf, first_doi) in graph
        assert (rdflib.URIRef(f"https://doi.org/{version.doi}"), PROV.specializationOf, concept_doi) in graph
    assert (first_doi, PROV.wasRevisionOf, None) not in graph


@pytest.mark.parametrize("where", ["landing", "doi"])
def test_the_provenance_is_negotiated_at_the_page_and_the_doi(client, record, where):
    url = record.get_absolute_url() if where == "landing" else f"/doi/{record.doi}"
    turtle = client.get(url, HTTP_ACCEPT="text/turtle")
    assert turtle.status_code == 200 and turtle["Content-Type"] == "text/turtle; charset=utf-8"
    assert turtle.content == export(client, record, "prov-turtle").content
    jsonld = client.get(url, HTTP_ACCEPT=PROV_JSONLD)
    assert jsonld["Content-Type"] == f"{PROV_JSONLD}; charset=utf-8"
    assert isomorphic(graph_of(jsonld), graph_of(turtle))
    # application/ld+json alone, or with JSON-LD's own profile, stays schema.org's
    for accept in ("application/ld+json", 'application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"'):
        schemaorg = client.get(url, HTTP_ACCEPT=accept)
        assert schemaorg["Content-Type"] == "application/ld+json; charset=utf-8"
        assert schemaorg.json()["@type"] == "Dataset"


def test_signposting_and_the_landing_page_offer_the_provenance(client, record, settings):
    response = client.get(record.get_absolute_url())
    base = f"{settings.SITE_URL}/records/{record.pk}/export"
    assert (
        f'<{base}/prov>; rel="describedby"; type="application/ld+json"; profile="http://www.w3.org/ns/prov#"'
        in (response["Link"])
    )
    assert (
        f'<{base}/prov-turtle>; rel="describedby"; type="text/turtle"; profile="http://www.w3.org/ns/prov#"'
        in (response["Link"])
    )
    page = response.content.decode()
    assert f'href="/records/{record.pk}/export/prov" type="application/ld+json">Provenance, PROV-O JSON-LD</a>' in page
    assert f'href="/records/{record.pk}/export/prov-turtle" type="text/turtle">Provenance, PROV-O Turtle</a>' in page
    linkset = export(client, record, "linkset").json()["linkset"][0]
    assert {"href": f"{base}/prov", "type": "application/ld+json", "profile": str(PROV)} in linkset["describedby"]


def test_the_schema_org_json_ld_embeds_the_records_provenance(client, record, settings):
    data = export(client, record, "schemaorg").json()
    assert data["@context"]["prov"] == str(PROV) and data["@context"]["@vocab"] == "http://schema.org/"
    assert data["prov:wasGeneratedBy"]["@id"] == record.landing_url + "#acquisition"
    assert data["prov:wasGeneratedBy"]["@type"] == "prov:Activity"
    # each node written in full where first met (the acquisition used the source), then by its @id
    source = {"@id": "https://doi.org/10.17882/42182", "@type": ["prov:Entity"], "rdfs:label": "10.17882/42182"}
    assert source in data["prov:wasGeneratedBy"]["prov:used"]
    assert data["prov:wasDerivedFrom"] == [{"@id": source["@id"]}]
    assert data["prov:has_provenance"] == {"@id": f"{settings.SITE_URL}/records/{record.pk}/export/prov"}
    # schema.org's own nodes need no type (a checksum), the PROV relations' do; the dataset's type
    # stays Dataset alone (what Google reads), an Entity by PROV-O's domain of wasGeneratedBy
    graph = conformance.jsonld_graph([data])
    graph.add((rdflib.URIRef(data["@id"]), RDF.type, PROV.Entity))
    check_prov_constraints(graph, every_subject=False)
    assert conformance.soso_violations(data, conformance.SOSO_REQUIRED) == {
        shape: [] for shape in conformance.SOSO_REQUIRED
    }


def test_the_iso_lineage_has_the_sources_and_the_acquisition_step(client, record):
    xml = export(client, record, "iso19115-3").content
    assert validate(xml, "iso19115-3") == []
    root = etree.fromstring(xml)
    lineage = root.find("mdb:resourceLineage/mrl:LI_Lineage", ISO)
    sources = lineage.xpath("mrl:source/mrl:LI_Source/mrl:description/gco:CharacterString/text()", namespaces=ISO)
    assert sources == ["Compiled with https://github.com/estran/pelgas-ctd", "Derived from 10.17882/42182"]
    [step] = lineage.findall("mrl:processStep/mrl:LI_ProcessStep", ISO)
    description = step.findtext("mrl:description/gco:CharacterString", namespaces=ISO)
    assert description == (
        "Acquisition and processing of the data. Instruments: CTD. Platforms: Thalassa. Part of: PELGAS 2024. "
        "Places: Bay of Biscay; Station 12; Survey polygon."
    )
    period = step.find("mrl:stepDateTime/gml:TimePeriod", ISO)
    assert period.findtext("gml:beginPosition", namespaces=ISO) == "2024-04-25T00:00:00Z"
    assert period.findtext("gml:endPosition", namespaces=ISO) == "2024-05-30T23:59:59Z"
    assert conformance.geonetwork_violations(xml, ("iso", "datacite")) == {"iso": [], "datacite": []}


# --- Published through the deposit workflow --------------------------------------------------------


@pytest.fixture
def published(depositor, moderator, communities, datacite):
    """Submitted, sent back for changes, resubmitted and approved: the API's and the wizard's path
    (deposit.services), with a moderator whose name must not be published."""
    moderator.display_name = "Yvonne Kermarrec"
    moderator.save(update_fields=["display_name"])
    deposit = submit(depositor, communities)
    deposit_services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    deposit_services.deposit_act(
        deposit=deposit, action=Action.request_changes, actor=moderator, note="Please give the lineage."
    )
    deposit = deposit_services.deposit_act(deposit=deposit, action=Action.resubmit, actor=depositor)
    deposit_services.deposit_act(deposit=deposit, action=Action.approve, actor=moderator)
    deposit.refresh_from_db()
    drain()
    return deposit


def test_a_record_published_through_the_workflow_carries_its_deposit_and_review(
    client, published, depositor, moderator
):
    record = published.record
    response = export(client, record)
    graph = graph_of(response)
    check_prov_constraints(graph)
    dataset = rdflib.URIRef(f"https://doi.org/{record.doi}")
    deposit_step, review = (rdflib.URIRef(f"{record.landing_url}#{name}") for name in ("deposit", "review"))
    assert set(graph.objects(dataset, PROV.wasInfluencedBy)) == {deposit_step, review}
    assert (review, PROV.wasInformedBy, deposit_step) in graph

    events = {e.action: e.created for e in published.events.all()}  # the last of each action
    [start, end] = (graph.value(deposit_step, p).toPython() for p in (PROV.startedAtTime, PROV.endedAtTime))
    assert start == published.created.replace(microsecond=0) and end == events["resubmit"].replace(microsecond=0)
    assert graph.value(review, PROV.endedAtTime).toPython() == events["approve"].replace(microsecond=0)
    assert "2 review rounds" in str(graph.value(review, RDFS.comment))

    [who] = graph.objects(deposit_step, PROV.wasAssociatedWith)
    assert (who, RDF.type, PROV.Person) in graph and str(graph.value(who, RDFS.label)) == depositor.public_name
    [moderators] = graph.objects(review, PROV.wasAssociatedWith)
    assert str(graph.value(moderators, RDFS.label)) == "The moderators of the Ocean (ODATIS) community"
    assert (moderators, RDF.type, PROV.Organization) in graph
    assert graph.value(moderators, PROV.actedOnBehalfOf) is not None  # on behalf of the repository
    text = response.content.decode() + export(client, record, "prov-turtle").content.decode()
    for private in ("Yvonne", "Kermarrec", moderator.email, depositor.email):
        assert private not in text

    # the ISO 19115-3 lineage has the same steps, valid, the moderators unnamed there too
    xml = export(client, record, "iso19115-3").content
    assert validate(xml, "iso19115-3") == []
    steps = etree.fromstring(xml).findall(".//mrl:LI_ProcessStep", ISO)
    descriptions = [s.findtext("mrl:description/gco:CharacterString", namespaces=ISO) for s in steps]
    assert [d.split(":")[0] for d in descriptions] == [
        "Acquisition and processing of the data. Places",
        "Deposit",
        "Review",
    ]
    processors = [s.xpath(".//mrl:processor//cit:name/gco:CharacterString/text()", namespaces=ISO) for s in steps]
    assert processors == [[], [depositor.public_name], ["The moderators of the Ocean (ODATIS) community"]]
    assert "Kermarrec" not in xml.decode()
    assert conformance.geonetwork_violations(xml, ("iso", "datacite")) == {"iso": [], "datacite": []}


@pytest.mark.parametrize("verb", ["GetRecord", "ListRecords"])
def test_the_catalogue_harvests_the_same_lineage_over_oai_pmh(client, published, verb):
    """The national catalogue harvests ISO 19115-3 over OAI-PMH: the lineage it gets has the deposit
    and review steps the export has, the same element (the page read the deposits' history in one
    query: tests/oai/test_protocol.py counts them)."""
    from oai.protocol import oai_identifier

    record = published.record
    exported = etree.fromstring(export(client, record, "iso19115-3").content).find(".//mrl:LI_Lineage", ISO)
    arguments = {"verb": verb, "metadataPrefix": "iso19115-3"}
    if verb == "GetRecord":
        arguments["identifier"] = oai_identifier(record.pk)
    response = client.get("/oai", arguments)
    assert response.status_code == 200
    xml = b"".join(response.streaming_content) if response.streaming else response.content
    [harvested] = etree.fromstring(xml).findall(".//mrl:LI_Lineage", ISO)
    steps = harvested.findall(".//mrl:LI_ProcessStep", ISO)
    assert [s.findtext("mrl:description/gco:CharacterString", namespaces=ISO).split(":")[0] for s in steps][1:] == [
        "Deposit",
        "Review",
    ]
    compact = etree.XMLParser(remove_blank_text=True)

    def canonical(element) -> bytes:  # the export is indented, the harvest is not
        return etree.tostring(etree.fromstring(etree.tostring(element), compact), method="c14n", exclusive=True)

    assert canonical(harvested) == canonical(exported)


def test_a_record_withdrawn_for_sensitive_data_names_no_one_in_its_provenance(
    client, published, depositor, moderator, api_client
):
    record = published.record
    answer = api_client(moderator).post(
        f"/api/records/{record.pk}/withdraw", {"reason": "sensitive", "note": "Names."}, content_type="application/json"
    )
    assert answer.status_code == 200
    graph = graph_of(export(client, record, HTTP_ACCEPT="text/turtle"))
    check_prov_constraints(graph)
    dataset = rdflib.URIRef(f"https://doi.org/{record.doi}")
    assert list(graph.subjects(RDF.type, PROV.Person)) == []
    assert list(graph.objects(dataset, PROV.wasAttributedTo)) == []
    assert list(graph.objects(dataset, PROV.wasInfluencedBy)) == []
    [withdrawal] = graph.objects(dataset, PROV.wasInvalidatedBy)
    assert isinstance(graph.value(dataset, PROV.invalidatedAtTime).toPython(), datetime)
    assert (withdrawal, RDF.type, PROV.Activity) in graph
    text = graph.serialize(format="turtle")
    for personal in ("Le Goff", "Martin", ORCID_ANNE, depositor.public_name):
        assert personal not in text
