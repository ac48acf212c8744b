"""schema.org `Dataset` JSON-LD, following the science-on-schema.org (SOSO) guidance, embedded in the
landing page and served as `application/ld+json`.

What goes where (SOSO's recommendations):
- `@id` and `identifier`: the DOI, the identifier a PropertyValue (`propertyID` the identifiers.org
  DOI registry, `value` `doi:…`, `url` its doi.org link); `url` the landing page;
- `creator`: an ordered `@list` of Person (`@id` the ORCID iD's URL, also as a PropertyValue
  identifier; affiliations as Organization with their ROR id) or Organization;
- `keywords`: a thesaurus keyword as a DefinedTerm (`url` its concept, `inDefinedTermSet` its
  thesaurus), a free one as text; keywords of type *parameter* are also `variableMeasured`
  (PropertyValue, `propertyID` the concept URI);
- `spatialCoverage`: Place with a GeoShape `box` ("south west north east", west > east crossing the
  antimeridian), a GeoCoordinates point, or a GeoShape `polygon` ("lat lon" pairs, closed); the
  vertical extent as the place's `additionalProperty` (depth or altitude, in metres);
- `temporalCoverage`: an ISO 8601 interval, `start/..` while collection goes on;
- `distribution`: one DataDownload per file with `contentUrl`, `encodingFormat`, `contentSize` and
  its SHA-256 as an SPDX checksum (SOSO's checksum guidance);
- `license`: the SPDX licence URL (and the licence's own URL); `isAccessibleForFree`;
  `conditionsOfAccess` under embargo;
- `funding`: MonetaryGrant with its funder; `includedInDataCatalog`: this repository;
- related resources: `citation` (Cites, References), `isBasedOn` (IsDerivedFrom),
  `isPartOf` / `hasPart`, `sameAs` (IsIdenticalTo), `subjectOf` (the article a dataset supplements or
  is described by, and works citing it).

The context is inline (`@vocab` https://schema.org/ and the `spdx` prefix): no processor needs to
fetch anything to read it.
"""
from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from datetime import date, datetime

from repository.metadata import (
    AccessLevel,
    Creator,
    DescriptionType,
    KeywordType,
    MetadataDocument,
    NameType,
    RelationType,
    VerticalReference,
)

from .vocab import (
    DOI_REGISTRY,
    ORCID_REGISTRY,
    ROR_REGISTRY,
    SPDX_URI,
    doi_url,
    identifier_url,
    orcid_url,
)

CONTEXT = {"@vocab": "https://schema.org/", "spdx": "http://spdx.org/rdf/terms#"}
# Formats Python's table does not know, or knows under another name.
ENCODING_FORMATS = {
    ".nc": "application/x-netcdf",
    ".nc4": "application/x-netcdf",
    ".cdf": "application/x-netcdf",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".parquet": "application/vnd.apache.parquet",
    ".geojson": "application/geo+json",
    ".md": "text/markdown",
    ".zarr": "application/x-zarr",
    ".h5": "application/x-hdf5",
    ".hdf5": "application/x-hdf5",
    ".grib": "application/x-grib",
    ".grib2": "application/x-grib",
}
# Relation types with a schema.org property (the related resource is the property's value).
RELATIONS = {
    RelationType.cites: "citation",
    RelationType.references: "citation",
    RelationType.is_derived_from: "isBasedOn",
    RelationType.is_part_of: "isPartOf",
    RelationType.has_part: "hasPart",
    RelationType.is_identical_to: "sameAs",
    RelationType.is_supplement_to: "subjectOf",
    RelationType.is_described_by: "subjectOf",
    RelationType.is_documented_by: "subjectOf",
    RelationType.is_cited_by: "subjectOf",
    RelationType.is_referenced_by: "subjectOf",
}


def encoding_format(name: str) -> str:
    """A file's media type from its name (the landing page's *format* column, too)."""
    lower = name.lower()
    for suffix, media_type in ENCODING_FORMATS.items():
        if lower.endswith(suffix):
            return media_type
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


@dataclass(frozen=True)
class Distribution:
    name: str
    size: int
    sha256: str
    url: str


def _property_value(url: str, registry: str, value: str) -> dict:
    return {"@id": url, "@type": "PropertyValue", "propertyID": registry, "value": value, "url": url}


def _organization(name: str, ror: str | None = None) -> dict:
    org = {"@type": "Organization", "name": name}
    if ror:
        org["@id"] = ror
        org["identifier"] = _property_value(ror, ROR_REGISTRY, "ror:" + ror.rsplit("/", 1)[-1])
    return org


def _agent(creator: Creator) -> dict:
    if creator.name_type is NameType.organizational:
        return _organization(creator.name, creator.ror)
    person: dict = {"@type": "Person"}
    if creator.orcid:
        url = orcid_url(creator.orcid)
        person["@id"] = url
        person["identifier"] = _property_value(url, ORCID_REGISTRY, "orcid:" + creator.orcid)
    person["name"] = (f"{creator.given_name} {creator.family_name}" if creator.given_name and creator.family_name
                      else creator.name)
    if creator.given_name:
        person["givenName"] = creator.given_name
    if creator.family_name:
        person["familyName"] = creator.family_name
    if creator.affiliations:
        person["affiliation"] = [_organization(a.name, a.ror) for a in creator.affiliations]
    return person


def _number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _places(document: MetadataDocument) -> list[dict]:
    places = []
    for location in document.geo_locations:
        place: dict = {"@type": "Place"}
        if location.place:
            place["name"] = location.place
        shapes = []
        if location.box:
            b = location.box
            shapes.append({"@type": "GeoShape",
                           "box": " ".join(_number(v) for v in (b.south, b.west, b.north, b.east))})
        if location.point:
            shapes.append({"@type": "GeoCoordinates", "latitude": location.point.latitude,
                           "longitude": location.point.longitude})
        if location.polygon:
            shapes.append({"@type": "GeoShape", "polygon": " ".join(
                f"{_number(p.latitude)} {_number(p.longitude)}" for p in location.polygon)})
        if shapes:
            place["geo"] = shapes[0] if len(shapes) == 1 else shapes
        places.append(place)
    if vertical := document.vertical_extent:
        prop = {
            "@type": "PropertyValue",
            "name": "depth" if vertical.reference is VerticalReference.depth else "altitude",
            "description": ("metres below the sea surface, positive down"
                            if vertical.reference is VerticalReference.depth else "metres above mean sea level"),
            "minValue": vertical.minimum, "maxValue": vertical.maximum, "unitCode": "MTR", "unitText": "m",
        }
        if not places:
            places.append({"@type": "Place"})
        places[0]["additionalProperty"] = prop
    return places


def _keyword(subject) -> dict | str:
    if not (subject.value_uri or subject.scheme or subject.scheme_uri):
        return subject.subject
    term: dict = {"@type": "DefinedTerm", "name": subject.subject}
    if subject.value_uri:
        term["url"] = subject.value_uri
    if subject.scheme_uri or subject.scheme:
        term["inDefinedTermSet"] = subject.scheme_uri or subject.scheme
    return term


def _funding(reference) -> dict:
    grant: dict = {"@type": "MonetaryGrant"}
    if reference.award_number:
        grant["identifier"] = reference.award_number
    if reference.award_title:
        grant["name"] = reference.award_title
    if reference.award_uri:
        grant["url"] = reference.award_uri
    funder = {"@type": "Organization", "name": reference.funder_name}
    if reference.funder_identifier:
        identifier = reference.funder_identifier
        funder["identifier"] = identifier
        if identifier.startswith("http"):
            funder["@id"] = identifier
    grant["funder"] = funder
    return grant


def to_schemaorg(
    document: MetadataDocument,
    *,
    doi: str,
    url: str,
    date_published: date,
    date_modified: datetime | date | None = None,
    distributions: list[Distribution] = (),
    catalog_name: str = "Estran",
    catalog_url: str = "",
    citation: str | None = None,
    withdrawn: bool = False,
) -> dict:
    doi_link = doi_url(doi)
    data: dict = {
        "@context": CONTEXT,
        "@type": "Dataset",
        "@id": doi_link,
        "identifier": _property_value(doi_link, DOI_REGISTRY, f"doi:{doi}"),
        "url": url,
        "name": document.title,
    }
    alternates = [t.title for t in document.titles[1:]]
    if alternates:
        data["alternateName"] = alternates
    abstract = next((d.description for d in document.descriptions if d.description_type is DescriptionType.abstract),
                    document.descriptions[0].description)
    data["description"] = abstract
    data["creator"] = {"@list": [_agent(c) for c in document.creators]}
    if document.contributors:
        data["contributor"] = [
            {"@type": "Role", "roleName": c.contributor_type.value, "contributor": _agent(c)}
            for c in document.contributors
        ]
    if document.version:
        data["version"] = document.version
    data["datePublished"] = date_published.isoformat()
    if date_modified:
        data["dateModified"] = date_modified.isoformat()
    if document.language:
        data["inLanguage"] = document.language
    if document.subjects:
        data["keywords"] = [_keyword(s) for s in document.subjects]
    parameters = [s for s in document.subjects if s.keyword_type is KeywordType.parameter]
    if parameters:
        data["variableMeasured"] = [
            {"@type": "PropertyValue", "name": s.subject, **({"propertyID": s.value_uri} if s.value_uri else {})}
            for s in parameters
        ]
    if places := _places(document):
        data["spatialCoverage"] = places
    if extent := document.temporal_extent:
        data["temporalCoverage"] = f"{extent.start.isoformat()}/{extent.end.isoformat() if extent.end else '..'}"
    licences = []
    for rights in document.rights:
        licences += [SPDX_URI + rights.identifier, rights.uri]
    data["license"] = list(dict.fromkeys(licences))
    data["isAccessibleForFree"] = True
    if document.access.level is AccessLevel.embargoed and document.access.embargo_until:
        data["conditionsOfAccess"] = f"Embargoed: the files are available from {document.access.embargo_until.isoformat()}."
    if withdrawn:
        data["creativeWorkStatus"] = "Withdrawn"
    elif distributions:
        data["distribution"] = [
            {
                "@type": "DataDownload",
                "name": d.name,
                "contentUrl": d.url,
                "encodingFormat": encoding_format(d.name),
                "contentSize": f"{d.size} B",
                "spdx:checksum": {
                    "@type": "spdx:Checksum",
                    "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
                    "spdx:checksumValue": d.sha256,
                },
            }
            for d in distributions
        ]
    if document.funding_references:
        data["funding"] = [_funding(f) for f in document.funding_references]
    publisher = _organization(document.publisher or catalog_name)
    data["publisher"] = publisher
    data["provider"] = _organization(catalog_name)
    data["includedInDataCatalog"] = {"@type": "DataCatalog", "name": catalog_name, "url": catalog_url or url}
    if citation:
        data["creditText"] = citation
    for related in document.related_identifiers:
        prop = RELATIONS.get(related.relation_type)
        target = identifier_url(related.identifier, related.identifier_type)
        if prop and target:
            data.setdefault(prop, []).append({"@id": target} if prop != "sameAs" else target)
    return data


def to_jsonld(data: dict, *, indent: int | None = 2) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=indent).encode()


def jsonld_script(data: dict) -> str:
    """The JSON-LD for a `<script type="application/ld+json">`: `<`, `>` and `&` escaped, so that no
    value can close the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
