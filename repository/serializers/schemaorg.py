"""schema.org `Dataset` JSON-LD, following the science-on-schema.org (SOSO) guidance, embedded in the
landing page and served as `application/ld+json`.

What goes where (SOSO's recommendations, checked by its SHACL shapes: repository/conformance):
- `@id` the DOI's URL; `identifier` the DOI as a PropertyValue (`propertyID` the identifiers.org
  DOI registry, `value` `doi:…`, `url` its doi.org link) with no `@id` of its own: a node sharing
  the Dataset's `@id` would be the Dataset in RDF (two `url`s, its own identifier); `sameAs` the
  DOI's URL too (and any IsIdenticalTo resource); `url` the landing page, once;
- `creator`: an ordered `@list` of Person (`@id` the ORCID iD's URL, the iD also as a PropertyValue
  `identifier`, again without an `@id`; affiliations as Organization, `@id` their ROR id) or
  Organization; a person without an ORCID iD is a node of their own (no `@id`), never merged with
  another;
- `keywords`: a thesaurus keyword as a DefinedTerm (`url` its concept, `inDefinedTermSet` its
  thesaurus), a free one as text; with no keyword at all, the community's name (SOSO requires one);
- `variableMeasured`: the measured variables, as PropertyValue: the document's `variables` when it
  has any (`name` as in the file, `description`, `propertyID` the concept URI, `unitText` and
  `unitCode`, `repository.variables`), else, as before there were variables, keywords of type
  *parameter* and concepts of NERC's parameter vocabularies (P01, P02, P07) or of the CF
  standard-name table (`propertyID` the concept URI);
- `spatialCoverage`: a Place per location with a GeoShape `box` ("south west north east", west >
  east crossing the antimeridian), a GeoCoordinates point, or a GeoShape `polygon` ("lat lon"
  pairs, closed); the vertical extent as the first place's `additionalProperty` (depth or altitude,
  in metres);
- `temporalCoverage`: an ISO 8601 interval, `start/..` while collection goes on (the temporal
  extent, else the document's Collected date);
- `distribution`: one DataDownload per file with `encodingFormat`, `contentSize`, its SHA-256 as an
  SPDX checksum (SOSO's checksum guidance) and, when anybody may download it today, `contentUrl`:
  an embargoed file has none (it would answer 403); a record with more than
  `PUBLISH_FILES_LISTED_MAX` files has two instead: the ZIP of them all and the list of their URLs;
- `license`: the SPDX licence URL (one value, as Google reads it); `isAccessibleForFree`;
  `conditionsOfAccess` under embargo;
- `funding`: MonetaryGrant with its funder;
- the repository as nodes of their own (`repository.catalog`): `includedInDataCatalog` a DataCatalog
  whose `@id` is the site's home page (its `url` too; that page describes the same node), with
  re3data's DOI of the repository as its `identifier` (a PropertyValue, as SOSO's repository guide
  writes it) when `REPOSITORY_RE3DATA_ID` is set; `provider` the organisation behind the repository,
  and `publisher` too unless the depositor named another publisher: an Organization, `@id` its ROR
  id (and, once in the document, the id as a PropertyValue) when `REPOSITORY_ROR_ID` is set, so
  that it is one node however many properties and records point at it;
- related resources: `citation` (Cites, References, and the article the dataset supplements or is
  described by, which Google reads as the article to cite with it), `isBasedOn` (IsDerivedFrom),
  `isPartOf` / `hasPart`, `sameAs` (IsIdenticalTo), `subjectOf` (the article a dataset supplements or
  is described by, its documentation, and works citing it).

The context is inline, `@vocab` http://schema.org/ (the namespace of schema.org's RDF, which
SOSO's shapes target; Google reads both schemes) and the `spdx` prefix: no processor needs to fetch
anything to read it.
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from repository.catalog import Repository, this_repository
from repository.metadata import (
    AccessLevel,
    Creator,
    DateType,
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
    PARAMETER_VOCABULARIES,
    ROR_REGISTRY,
    SPDX_URI,
    doi_url,
    identifier_url,
    orcid_url,
)

CONTEXT = {"@vocab": "http://schema.org/", "spdx": "http://spdx.org/rdf/terms#"}
# Google Dataset Search reads descriptions of 50 to 5,000 characters.
DESCRIPTION_MAX = 5000
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
# Relation types with schema.org properties (the related resource is their value). The article a
# dataset supplements or is described by is also a `citation`: Google Dataset Search reads that
# property as "the articles the provider asks to be cited with the dataset".
RELATIONS = {
    RelationType.cites: ("citation",),
    RelationType.references: ("citation",),
    RelationType.is_derived_from: ("isBasedOn",),
    RelationType.is_part_of: ("isPartOf",),
    RelationType.has_part: ("hasPart",),
    RelationType.is_identical_to: ("sameAs",),
    RelationType.is_supplement_to: ("subjectOf", "citation"),
    RelationType.is_described_by: ("subjectOf", "citation"),
    RelationType.is_documented_by: ("subjectOf",),
    RelationType.is_cited_by: ("subjectOf",),
    RelationType.is_referenced_by: ("subjectOf",),
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


@dataclass(frozen=True)
class Archive:
    """The files of a record that has too many to list one by one: their number, total size and media
    types, the ZIP of them all and the list of their download URLs."""

    count: int
    size: int
    media_types: list[str]
    url: str
    list_url: str


def _property_value(url: str, registry: str, value: str) -> dict:
    """An identifier as SOSO writes it. No `@id`: the identified node has that URL as its own."""
    return {"@type": "PropertyValue", "propertyID": registry, "value": value, "url": url}


def _organization(name: str, ror: str | None = None) -> dict:
    org = {"@type": "Organization", "name": name}
    if ror:
        org["@id"] = ror
        org["identifier"] = _property_value(ror, ROR_REGISTRY, "ror:" + ror.rsplit("/", 1)[-1])
    return org


def _data_catalog(repository: Repository) -> dict:
    """The repository as a DataCatalog, `@id` its home page: every record's `includedInDataCatalog`."""
    catalog: dict = {"@type": "DataCatalog", "@id": repository.url, "name": repository.name, "url": repository.url}
    if repository.re3data:
        catalog["identifier"] = _property_value(doi_url(repository.re3data), DOI_REGISTRY, f"doi:{repository.re3data}")
    return catalog


def catalog_schemaorg(repository: Repository, *, description: str) -> dict:
    """The home page's JSON-LD: the DataCatalog every record points at, described where its `@id`
    leads, with its publisher."""
    return {
        "@context": CONTEXT,
        **_data_catalog(repository),
        "description": description,
        "publisher": _organization(repository.organization, repository.ror),
    }


def _agent(creator: Creator) -> dict:
    if creator.name_type is NameType.organizational:
        return _organization(creator.name, creator.ror)
    person: dict = {"@type": "Person"}
    if creator.orcid:
        url = orcid_url(creator.orcid)
        person["@id"] = url
        person["identifier"] = _property_value(url, ORCID_REGISTRY, "orcid:" + creator.orcid)
    person["name"] = (
        f"{creator.given_name} {creator.family_name}" if creator.given_name and creator.family_name else creator.name
    )
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
            shapes.append(
                {"@type": "GeoShape", "box": " ".join(_number(v) for v in (b.south, b.west, b.north, b.east))}
            )
        if location.point:
            shapes.append(
                {"@type": "GeoCoordinates", "latitude": location.point.latitude, "longitude": location.point.longitude}
            )
        if location.polygon:
            shapes.append(
                {
                    "@type": "GeoShape",
                    "polygon": " ".join(f"{_number(p.latitude)} {_number(p.longitude)}" for p in location.polygon),
                }
            )
        if shapes:
            place["geo"] = shapes[0] if len(shapes) == 1 else shapes
        places.append(place)
    if vertical := document.vertical_extent:
        prop = {
            "@type": "PropertyValue",
            "name": "depth" if vertical.reference is VerticalReference.depth else "altitude",
            "description": (
                "metres below the sea surface, positive down"
                if vertical.reference is VerticalReference.depth
                else "metres above mean sea level"
            ),
            "minValue": vertical.minimum,
            "maxValue": vertical.maximum,
            "unitCode": "MTR",
            "unitText": "m",
        }
        if not places:
            places.append({"@type": "Place"})
        places[0]["additionalProperty"] = prop
    return places


def _is_variable(subject) -> bool:
    concept = subject.value_uri or ""
    return subject.keyword_type is KeywordType.parameter or concept.startswith(PARAMETER_VOCABULARIES)


def _variable(subject) -> dict:
    variable = {"@type": "PropertyValue", "name": subject.subject}
    if subject.value_uri:
        variable["propertyID"] = subject.value_uri
    return variable


def _measured(variable) -> dict:
    measured = {"@type": "PropertyValue", "name": variable.name}
    for key, value in (
        ("description", variable.description),
        ("propertyID", variable.property_id),
        ("unitText", variable.unit_text),
        ("unitCode", variable.unit_code),
    ):
        if value:
            measured[key] = value
    return measured


def _variables_measured(document: MetadataDocument) -> list[dict]:
    """The variables as the files name them; without them, the parameter keywords (a keyword's
    concept and a variable's are not told apart, so the two are never mixed: no duplicates)."""
    if document.variables:
        return [_measured(v) for v in document.variables]
    return [_variable(s) for s in document.subjects if _is_variable(s)]


def _temporal_coverage(document: MetadataDocument) -> str | None:
    if extent := document.temporal_extent:
        return f"{extent.start.isoformat()}/{extent.end.isoformat() if extent.end else '..'}"
    collected = next((d.date for d in document.dates if d.date_type is DateType.collected), None)
    if not collected:
        return None
    if "/" not in collected:
        return collected
    start, end = collected.split("/", 1)
    return f"{start or '..'}/{end or '..'}"


def _description(text: str) -> str:
    if len(text) <= DESCRIPTION_MAX:
        return text
    return text[: DESCRIPTION_MAX - 1].rsplit(None, 1)[0] + "…"


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
    archive: Archive | None = None,
    repository: Repository | None = None,
    citation: str | None = None,
    withdrawn: bool = False,
    community: str = "",
    today: date | None = None,
) -> dict:
    """`community` the name of the community the record belongs to (the keyword of a record with
    none); `today` the day that decides whether an embargo still holds (today by default);
    `archive` instead of `distributions` for a record with many files; `repository` the one the
    settings describe by default."""
    repository = repository or this_repository()
    doi_link = doi_url(doi)
    data: dict = {
        "@context": CONTEXT,
        "@type": "Dataset",
        "@id": doi_link,
        "identifier": _property_value(doi_link, DOI_REGISTRY, f"doi:{doi}"),
        "url": url,
        "sameAs": [doi_link],
        "name": document.title,
    }
    alternates = [t.title for t in document.titles[1:]]
    if alternates:
        data["alternateName"] = alternates
    abstract = next(
        (d.description for d in document.descriptions if d.description_type is DescriptionType.abstract),
        document.descriptions[0].description,
    )
    data["description"] = _description(abstract)
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
    elif community:
        data["keywords"] = [community]
    if variables := _variables_measured(document):
        data["variableMeasured"] = variables
    if places := _places(document):
        data["spatialCoverage"] = places
    if coverage := _temporal_coverage(document):
        data["temporalCoverage"] = coverage
    licences = list(dict.fromkeys(SPDX_URI + rights.identifier for rights in document.rights))
    data["license"] = licences[0] if len(licences) == 1 else licences
    data["isAccessibleForFree"] = True
    embargo = document.access.embargo_until if document.access.level is AccessLevel.embargoed else None
    if embargo:
        data["conditionsOfAccess"] = f"Embargoed: the files are available from {embargo.isoformat()}."
    downloadable = not (embargo and embargo > (today or timezone.now().date()))
    if withdrawn:
        data["creativeWorkStatus"] = "Withdrawn"
    elif archive is not None:
        data["distribution"] = _archive_downloads(archive, downloadable=downloadable)
    elif distributions:
        data["distribution"] = [_download(d, downloadable=downloadable) for d in distributions]
    if document.funding_references:
        data["funding"] = [_funding(f) for f in document.funding_references]
    provider = _organization(repository.organization, repository.ror)
    if repository.publishes(document.publisher):
        data["publisher"] = provider
        # The same node named again, its identifier given once: a second PropertyValue would be a
        # second blank node in RDF, the organisation having two identifiers.
        data["provider"] = {key: value for key, value in provider.items() if key != "identifier"}
    else:
        data["publisher"] = _organization(document.publisher)
        data["provider"] = provider
    data["includedInDataCatalog"] = _data_catalog(repository)
    if citation:
        data["creditText"] = citation
    for related in document.related_identifiers:
        target = identifier_url(related.identifier, related.identifier_type)
        for prop in RELATIONS.get(related.relation_type, ()) if target else ():
            # Typed CreativeWork (what Google's citation accepts) and nothing narrower: a related
            # node typed Dataset would be held to every rule of the record's own Dataset.
            value = target if prop == "sameAs" else {"@id": target, "@type": "CreativeWork"}
            if value not in data.get(prop, ()):
                data.setdefault(prop, []).append(value)
    if len(data["sameAs"]) == 1:
        data["sameAs"] = doi_link
    return data


def _download(d: Distribution, *, downloadable: bool) -> dict:
    download: dict = {"@type": "DataDownload", "name": d.name}
    if downloadable:
        download["contentUrl"] = d.url
    download.update(
        {
            "encodingFormat": encoding_format(d.name),
            "contentSize": f"{d.size} B",
            "spdx:checksum": {
                "@type": "spdx:Checksum",
                "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
                "spdx:checksumValue": d.sha256,
            },
        }
    )
    return download


def _archive_downloads(archive: Archive, *, downloadable: bool) -> list[dict]:
    """Two DataDownloads for thousands of files rather than a node each (a search engine's page
    budget, and CDIF's archive distribution: one DataDownload of the whole): the ZIP of them all,
    and the list of their URLs for `wget -i`. No checksum: the ZIP is made as it is sent (each
    file's SHA-256 is in `manifest-sha256.txt`)."""
    files = f"{archive.count:,} files"
    downloads = [
        {
            "@type": "DataDownload",
            "name": f"All {files} (ZIP)",
            "description": f"{files}, {archive.size:,} bytes in all; formats: {', '.join(archive.media_types)}.",
            "encodingFormat": "application/zip",
        },
        {
            "@type": "DataDownload",
            "name": "File list",
            "description": f"The download URL of each of the {files}, one a line.",
            "encodingFormat": "text/plain",
        },
    ]
    if downloadable:
        downloads[0]["contentUrl"] = archive.url
        downloads[1]["contentUrl"] = archive.list_url
    return downloads


def to_jsonld(data: dict, *, indent: int | None = 2) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=indent).encode()


def jsonld_script(data: dict) -> str:
    """The JSON-LD for a `<script type="application/ld+json">`: `<`, `>` and `&` escaped, so that no
    value can close the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
