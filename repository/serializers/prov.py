"""The W3C PROV-O provenance of a published record: one graph built from what Estran knows, served as
JSON-LD and Turtle (`/records/<id>/export/prov`), embedded in the schema.org JSON-LD and mirrored in
the ISO 19115-3 lineage (`iso19115.py`).

What the graph says (`record_provenance`):
- the dataset (`@id` its DOI's URL) `prov:wasGeneratedBy` its acquisition and processing (an
  activity `<landing page>#acquisition`): the lineage statement, the collection period
  (`prov:startedAtTime` / `prov:endedAtTime`, the first and last second of the days, in UTC; none
  at the end while collection goes on), the instruments and platforms it `prov:used` (entities also
  typed `sosa:Sensor` / `sosa:Platform`, with their thesaurus concept as `dcterms:type`), the
  resources the data were derived from or compiled with, the named places (`prov:atLocation`), and
  the cruises and projects it was part of (activities of their own, `dcterms:isPartOf`);
- `prov:wasDerivedFrom` each IsDerivedFrom resource; `prov:wasAttributedTo` each creator (a
  person by their ORCID iD, an organisation by its ROR id, a node of its own without one, a person
  `prov:actedOnBehalfOf` their affiliations); each contributor through a `prov:qualifiedAttribution`
  whose `prov:hadRole` is their DataCite contributor type;
- the version chain: `prov:wasRevisionOf` the version before, the version after `prov:wasRevisionOf`
  this one, and `prov:specializationOf` the concept DOI (all the versions);
- from the deposit's history (`DepositHistory`, given by the deposit app through `repository.hooks`):
  the deposit (`#deposit`, `prov:wasAssociatedWith` the depositors: their ORCID iD when they signed
  in with it, else their public name) and the review (`#review`, `prov:wasInformedBy` the deposit,
  `prov:wasAssociatedWith` the moderators of the community as one agent acting on behalf of the
  repository — never a moderator's name: no community setting publishes it); the dataset
  `prov:wasInfluencedBy` both;
- a withdrawn record `prov:wasInvalidatedBy` its withdrawal (`#withdrawal`, by the repository).

A record withdrawn for sensitive data names no one: no creator, contributor nor depositor.

Every node is typed (entities, activities, agents, the attributions' roles, the places), every
`prov:wasDerivedFrom` target is an entity; nodes without an identifier of their own are blank nodes.
The schema.org JSON-LD embeds what the record alone says (everything but the deposit's history, which
would cost the landing page queries) and points at the whole graph with `prov:has_provenance`
(PROV-AQ).
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from repository.metadata import (
    Creator,
    DateType,
    KeywordType,
    MetadataDocument,
    NameType,
    RelationType,
)

from . import inspire
from .vocab import doi_url, identifier_url, orcid_url

# rdflib (a sixth of a second to import) only where Turtle is written: every Django process imports
# this module, few write Turtle.
if TYPE_CHECKING:
    from rdflib import BNode, Graph, URIRef

PROV = "http://www.w3.org/ns/prov#"
# The profile of the PROV JSON-LD (its media type, application/ld+json, is schema.org's too).
PROFILE = PROV
CONTEXT = {
    "prov": PROV,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
    "sosa": "http://www.w3.org/ns/sosa/",
}
# Keyword types that name what the data were acquired with: (the entity's SOSA type, the step's word).
EQUIPMENT = {KeywordType.instrument: "sosa:Sensor", KeywordType.platform: "sosa:Platform"}
# Relation types whose related resource the acquisition and processing used.
USED_RELATIONS = (RelationType.is_derived_from, RelationType.is_compiled_by)


@dataclass(frozen=True)
class Depositor:
    """Who deposited a record, as public outputs may name them."""

    name: str
    orcid: str | None = None


@dataclass(frozen=True)
class DepositHistory:
    """How a record came to be published, as the deposit app kept it: the depositors (the owner
    first), when the draft was started, first and last submitted, how many review rounds it took,
    and when a moderator approved it."""

    depositors: tuple[Depositor, ...]
    started: datetime
    first_submitted: datetime
    last_submitted: datetime
    approved: datetime
    rounds: int


@dataclass(frozen=True)
class Agent:
    id: str  # an IRI, or a blank node's `_:` label
    type: str  # prov:Person, prov:Organization, prov:Agent
    name: str
    orcid: str | None = None
    ror: str | None = None
    acted_on_behalf_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class Thing:
    """An entity other than the dataset: a source, a version, an instrument or platform."""

    id: str
    label: str
    types: tuple[str, ...] = ("prov:Entity",)
    concept: str | None = None  # the thesaurus concept it is an instance of (`dcterms:type`)


@dataclass(frozen=True)
class Activity:
    id: str
    label: str
    description: str | None = None
    started: datetime | None = None
    ended: datetime | None = None
    associated: tuple[str, ...] = ()  # agents' ids
    used: tuple[str, ...] = ()  # things' ids
    informed_by: tuple[str, ...] = ()  # activities' ids
    part_of: tuple[str, ...] = ()  # activities' ids (a cruise, a project)
    places: tuple[str, ...] = ()
    concept: str | None = None


@dataclass
class Provenance:
    """A record's provenance, which every serialization writes (`to_prov_jsonld`, `to_turtle`,
    `embedded`, and the ISO 19115-3 lineage)."""

    entity: str
    title: str
    generated_by: str
    attributed_to: list[str] = field(default_factory=list)
    roles: list[tuple[str, str]] = field(default_factory=list)  # (agent id, DataCite contributor type)
    derived_from: list[str] = field(default_factory=list)
    revision_of: str | None = None
    next_version: str | None = None
    specialization_of: str | None = None
    influenced_by: list[str] = field(default_factory=list)
    invalidated_by: str | None = None
    invalidated_at: datetime | None = None
    agents: dict[str, Agent] = field(default_factory=dict)
    things: dict[str, Thing] = field(default_factory=dict)
    # The steps of the record's life in order (acquisition, deposit, review, withdrawal), and the
    # cruises and projects the acquisition was part of.
    activities: dict[str, Activity] = field(default_factory=dict)
    campaigns: dict[str, Activity] = field(default_factory=dict)


# --- Building the graph -------------------------------------------------------------------------


class _Graph:
    """Agents, things and activities as they are added, each id once; blank nodes numbered in order."""

    def __init__(self):
        self.agents: dict[str, Agent] = {}
        self.things: dict[str, Thing] = {}
        self.activities: dict[str, Activity] = {}
        self.campaigns: dict[str, Activity] = {}
        self._blank = 0

    def blank(self, kind: str) -> str:
        self._blank += 1
        return f"_:{kind}-{self._blank}"

    def agent(self, agent: Agent) -> str:
        self.agents.setdefault(agent.id, agent)
        return agent.id

    def organisation(self, name: str, ror: str | None) -> str:
        return self.agent(Agent(ror or self.blank("organisation"), "prov:Organization", name, ror=ror))

    def creator(self, creator: Creator) -> str:
        if creator.name_type is NameType.organizational:
            return self.organisation(creator.name, creator.ror)
        employers = tuple(self.organisation(a.name, a.ror) for a in creator.affiliations)
        name = f"{creator.given_name} {creator.family_name}" if creator.given_name and creator.family_name else None
        return self.agent(
            Agent(
                orcid_url(creator.orcid) if creator.orcid else self.blank("person"),
                "prov:Person",
                name or creator.name,
                orcid=creator.orcid,
                acted_on_behalf_of=employers,
            )
        )

    def thing(self, thing: Thing) -> str:
        self.things.setdefault(thing.id, thing)
        return thing.id


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _day_end(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)


def _partial_bounds(text: str) -> tuple[date, date] | None:
    """The first and last day of a date, a month (`2024-04`) or a year (`2024`)."""
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        day = date(*parts)
        return day, day
    if len(parts) == 2:
        return date(parts[0], parts[1], 1), date(parts[0], parts[1], calendar.monthrange(*parts)[1])
    return date(parts[0], 1, 1), date(parts[0], 12, 31)


def collection_period(document: MetadataDocument) -> tuple[datetime | None, datetime | None]:
    """When the data were collected: the temporal extent, else the Collected date (a range's open
    side, or an ongoing collection's end, is None)."""
    if extent := document.temporal_extent:
        return _day_start(extent.start), _day_end(extent.end) if extent.end else None
    collected = next((d.date for d in document.dates if d.date_type is DateType.collected), None)
    if not collected:
        return None, None
    start, _slash, end = collected.partition("/") if "/" in collected else (collected, "", collected)
    first = _partial_bounds(start) if start else None
    last = _partial_bounds(end) if end else None
    return (_day_start(first[0]) if first else None), (_day_end(last[1]) if last else None)


def _acquisition(graph: _Graph, document: MetadataDocument, activity_id: str) -> Activity:
    used = []
    for subject in document.subjects:
        if sosa := EQUIPMENT.get(subject.keyword_type):
            thing = Thing(
                graph.blank(subject.keyword_type.value), subject.subject, ("prov:Entity", sosa), subject.value_uri
            )
            used.append(graph.thing(thing))
    for related in document.related_identifiers:
        if related.relation_type in USED_RELATIONS and (
            target := identifier_url(related.identifier, related.identifier_type)
        ):
            used.append(graph.thing(Thing(target, related.identifier)))
    campaigns = []
    for subject in document.subjects:
        if subject.keyword_type is KeywordType.project:
            campaign = Activity(graph.blank("campaign"), subject.subject, concept=subject.value_uri)
            graph.campaigns[campaign.id] = campaign
            campaigns.append(campaign.id)
    started, ended = collection_period(document)
    places = tuple(dict.fromkeys(g.place for g in document.geo_locations if g.place))
    return Activity(
        activity_id,
        "Acquisition and processing of the data",
        description=inspire.lineage_statement(document),
        started=started,
        ended=ended,
        used=tuple(dict.fromkeys(used)),
        part_of=tuple(campaigns),
        places=places,
    )


def _history(graph: _Graph, history: DepositHistory, *, prefix: str, community: str, repository: str) -> list[str]:
    depositors = tuple(
        graph.agent(
            Agent(orcid_url(d.orcid) if d.orcid else graph.blank("depositor"), "prov:Person", d.name, orcid=d.orcid)
        )
        for d in history.depositors
    )
    deposit = Activity(
        prefix + "deposit",
        "Deposit",
        description="The data and their description deposited, up to their last submission for review.",
        started=history.started,
        ended=history.last_submitted,
        associated=depositors,
    )
    moderators = graph.agent(
        Agent(
            "_:moderators",
            "prov:Organization",
            f"The moderators of the {community} community",
            acted_on_behalf_of=(repository,),
        )
    )
    rounds = f"{history.rounds} review round{'s' if history.rounds != 1 else ''}"
    review = Activity(
        prefix + "review",
        "Review",
        description=f"Reviewed by a moderator of the {community} community ({rounds}), then approved for publication.",
        started=history.first_submitted,
        ended=history.approved,
        associated=(moderators,),
        informed_by=(deposit.id,),
    )
    graph.activities[deposit.id] = deposit
    graph.activities[review.id] = review
    return [deposit.id, review.id]


def record_provenance(
    document: MetadataDocument,
    *,
    doi: str,
    landing_url: str,
    community: str,
    repository_name: str,
    repository_ror: str | None = None,
    history: DepositHistory | None = None,
    withdrawn_at: datetime | None = None,
    redacted: bool = False,
) -> Provenance:
    """The provenance of a record's `document` (as exported: with its version relations). `community`
    the community's name; `history` the deposit's, when it was published through one; `redacted`
    for a record withdrawn for sensitive data (no one is named)."""
    graph = _Graph()
    prefix = landing_url + "#"
    acquisition = _acquisition(graph, document, prefix + "acquisition")
    graph.activities[acquisition.id] = acquisition
    provenance = Provenance(entity=doi_url(doi), title=document.title, generated_by=acquisition.id)
    repository = graph.organisation(repository_name, repository_ror)
    if not redacted:
        provenance.attributed_to = list(dict.fromkeys(graph.creator(c) for c in document.creators))
        provenance.roles = [(graph.creator(c), c.contributor_type.value) for c in document.contributors]
        if history is not None:
            provenance.influenced_by = _history(
                graph, history, prefix=prefix, community=community, repository=repository
            )
    for related in document.related_identifiers:
        target = identifier_url(related.identifier, related.identifier_type)
        if not target:
            continue
        if related.relation_type is RelationType.is_derived_from:
            provenance.derived_from.append(graph.thing(Thing(target, related.identifier)))
        elif related.relation_type is RelationType.is_new_version_of:
            provenance.revision_of = graph.thing(Thing(target, related.identifier))
        elif related.relation_type is RelationType.is_previous_version_of:
            provenance.next_version = graph.thing(Thing(target, related.identifier))
        elif related.relation_type is RelationType.is_version_of:
            provenance.specialization_of = graph.thing(Thing(target, related.identifier))
    if withdrawn_at is not None:
        withdrawal = Activity(
            prefix + "withdrawal",
            "Withdrawal",
            description="Withdrawn from publication: the files are no longer available; the metadata stay public.",
            started=withdrawn_at,
            ended=withdrawn_at,
            associated=(repository,),
        )
        graph.activities[withdrawal.id] = withdrawal
        provenance.invalidated_by, provenance.invalidated_at = withdrawal.id, withdrawn_at
    # Only the agents something points at: the repository is named by the review or the withdrawal.
    pointed = {*provenance.attributed_to, *(agent for agent, _role in provenance.roles)}
    for activity in graph.activities.values():
        pointed.update(activity.associated)
    for agent_id in list(pointed):
        pointed.update(graph.agents[agent_id].acted_on_behalf_of)
    provenance.agents = {k: v for k, v in graph.agents.items() if k in pointed}
    provenance.things, provenance.activities, provenance.campaigns = graph.things, graph.activities, graph.campaigns
    return provenance


# --- JSON-LD ------------------------------------------------------------------------------------


def _time(value: datetime) -> dict:
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    text = value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    return {"@value": text, "@type": "xsd:dateTime"}


def _ref(node_id: str) -> dict:
    return {"@id": node_id}


def _refs(ids) -> list[dict]:
    return [_ref(i) for i in ids]


def _agent_node(agent: Agent) -> dict:
    node = {"@id": agent.id, "@type": ["prov:Agent", agent.type], "rdfs:label": agent.name}
    if agent.acted_on_behalf_of:
        node["prov:actedOnBehalfOf"] = _refs(agent.acted_on_behalf_of)
    return node


def _thing_node(thing: Thing) -> dict:
    node = {"@id": thing.id, "@type": list(thing.types), "rdfs:label": thing.label}
    if thing.concept:
        node["dcterms:type"] = _ref(thing.concept)
    return node


def _activity_node(activity: Activity) -> dict:
    node: dict = {"@id": activity.id, "@type": "prov:Activity", "rdfs:label": activity.label}
    if activity.description:
        node["rdfs:comment"] = activity.description
    if activity.started:
        node["prov:startedAtTime"] = _time(activity.started)
    if activity.ended:
        node["prov:endedAtTime"] = _time(activity.ended)
    if activity.associated:
        node["prov:wasAssociatedWith"] = _refs(activity.associated)
    if activity.used:
        node["prov:used"] = _refs(activity.used)
    if activity.informed_by:
        node["prov:wasInformedBy"] = _refs(activity.informed_by)
    if activity.part_of:
        node["dcterms:isPartOf"] = _refs(activity.part_of)
    if activity.places:
        node["prov:atLocation"] = [{"@type": "prov:Location", "rdfs:label": place} for place in activity.places]
    if activity.concept:
        node["dcterms:type"] = _ref(activity.concept)
    return node


def _entity_node(p: Provenance) -> dict:
    node: dict = {"@id": p.entity, "@type": "prov:Entity", "rdfs:label": p.title}
    node["prov:wasGeneratedBy"] = _ref(p.generated_by)
    if p.attributed_to:
        node["prov:wasAttributedTo"] = _refs(p.attributed_to)
    if p.roles:
        node["prov:qualifiedAttribution"] = [
            {
                "@type": "prov:Attribution",
                "prov:agent": _ref(agent),
                "prov:hadRole": {"@type": "prov:Role", "rdfs:label": role},
            }
            for agent, role in p.roles
        ]
    if p.derived_from:
        node["prov:wasDerivedFrom"] = _refs(p.derived_from)
    if p.revision_of:
        node["prov:wasRevisionOf"] = _ref(p.revision_of)
    if p.specialization_of:
        node["prov:specializationOf"] = _ref(p.specialization_of)
    if p.influenced_by:
        node["prov:wasInfluencedBy"] = _refs(p.influenced_by)
    if p.invalidated_by:
        node["prov:wasInvalidatedBy"] = _ref(p.invalidated_by)
        node["prov:invalidatedAtTime"] = _time(p.invalidated_at)
    return node


def _nodes(p: Provenance) -> list[dict]:
    nodes = [_entity_node(p)]
    if p.next_version:
        nodes.append({**_thing_node(p.things[p.next_version]), "prov:wasRevisionOf": _ref(p.entity)})
    nodes += [_activity_node(a) for a in [*p.activities.values(), *p.campaigns.values()]]
    nodes += [_agent_node(a) for a in p.agents.values()]
    nodes += [_thing_node(t) for t in p.things.values() if t.id != p.next_version]
    return nodes


def to_prov_jsonld(p: Provenance) -> dict:
    """The whole graph, flat: one node each, pointing at each other by `@id`."""
    return {"@context": CONTEXT, "@graph": _nodes(p)}


def embedded(p: Provenance, *, provenance_url: str) -> dict:
    """The dataset's PROV properties for its schema.org node, each node they point at written in
    full where it is first met (the prefixes are in `CONTEXT`), and `prov:has_provenance` the whole
    graph."""
    nodes = {node["@id"]: node for node in _nodes(p)}
    seen = {p.entity}

    def nest(value):
        if isinstance(value, list):
            return [nest(v) for v in value]
        if isinstance(value, dict):
            node_id = value.get("@id")
            if len(value) == 1 and node_id in nodes and node_id not in seen:
                seen.add(node_id)
                return nest(nodes[node_id])
            return {key: nest(v) if key != "@id" else v for key, v in value.items()}
        return value

    properties = {
        key: nest(value) for key, value in nodes[p.entity].items() if key not in ("@id", "@type", "rdfs:label")
    }
    properties["prov:has_provenance"] = _ref(provenance_url)
    return properties


def to_jsonld_bytes(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def _labelled(value, counter: list[int]):
    """`value` with every node that has no `@id` given one (`_:node-1`, `_:node-2`… in document
    order): the graph's blank nodes then keep the same labels from one serialisation to the next.
    Not rdflib's canonical labelling (`rdflib.compare`), whose time grows exponentially with blank
    nodes alike — a record of 500 creators without ORCID iDs took a minute."""
    if isinstance(value, list):
        return [_labelled(v, counter) for v in value]
    if not isinstance(value, dict) or "@value" in value:
        return value
    node = {key: _labelled(v, counter) if key != "@context" else v for key, v in value.items()}
    if "@type" in node and "@id" not in node:
        counter[0] += 1
        node["@id"] = f"_:node-{counter[0]}"
    return node


def _term(value: str) -> URIRef | BNode:
    """A node's `@id`: a blank node's label, or an IRI (a CURIE of `CONTEXT` expanded)."""
    from rdflib import BNode, URIRef  # noqa: PLC0415 - see the imports

    if value.startswith("_:"):
        return BNode(value[2:])
    prefix, _, local = value.partition(":")
    return URIRef(CONTEXT[prefix] + local if prefix in CONTEXT and not local.startswith("//") else value)


def _objects(value) -> list:
    """The RDF objects a JSON-LD value stands for, as the JSON-LD to RDF algorithm gives them for the
    shapes `_nodes` writes: references, nested nodes (added by `_add`), typed values, strings."""
    from rdflib import Literal  # noqa: PLC0415 - see the imports

    if isinstance(value, list):
        return [o for v in value for o in _objects(v)]
    if isinstance(value, dict):
        if "@value" in value:
            return [Literal(value["@value"], datatype=_term(value["@type"]) if "@type" in value else None)]
        return [_term(value["@id"])]
    return [Literal(value)]


def _add(graph: Graph, node: dict) -> None:
    from rdflib import RDF  # noqa: PLC0415 - see the imports

    subject = _term(node["@id"])
    types = node.get("@type") or []
    for kind in [types] if isinstance(types, str) else types:
        graph.add((subject, RDF.type, _term(kind)))
    for key, value in node.items():
        if key.startswith("@"):
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and "@id" in item and len(item) > 1:
                _add(graph, item)  # a nested node: its own triples, and a reference from here
        for obj in _objects(value):
            graph.add((subject, _term(key), obj))


def to_turtle(p: Provenance) -> bytes:
    """The graph in Turtle, from its JSON-LD (the one source: its nodes read straight into triples,
    which rdflib's JSON-LD parser took ten times as long to do; the tests parse both and compare);
    its blank nodes keep their labels (`_labelled`), so that the same graph is always the same text."""
    from rdflib import Graph  # noqa: PLC0415 - see the imports

    graph = Graph(bind_namespaces="none")
    for node in _labelled(to_prov_jsonld(p), [0])["@graph"]:
        _add(graph, node)
    for prefix, namespace in CONTEXT.items():
        graph.bind(prefix, namespace, override=True)
    return graph.serialize(format="turtle", encoding="utf-8")
