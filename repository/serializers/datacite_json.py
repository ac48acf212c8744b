"""DataCite JSON (`application/vnd.datacite.datacite+json`): the attributes of a DOI as the DataCite
REST API shows them (`types`, `creators`, `titles`, `publisher`, `publicationYear`, …, camelCase,
`…Uri` for the XML's `…URI`), read from the DataCite 4.6 XML this repository registers, so that
the two can never say different things: whatever `datacite.py` decides (the point of contact as a
ContactPerson, the temporal extent as a `Collected` range, access as a rights entry…) holds here.

It validates against the DataCite JSON Schema that the `datacite` package ships (4.5, which 4.6
only extends with new vocabulary values); `publisher` is an object, as from 4.5 on.
"""

from __future__ import annotations

import json

from lxml import etree

from .datacite import XML_LANG

SCHEMA_VERSION = "http://datacite.org/schema/kernel-4"

# XML attribute -> JSON key, where they differ (the XML says URI, the JSON Uri).
_ATTRIBUTES = {
    "schemeURI": "schemeUri",
    "valueURI": "valueUri",
    "rightsURI": "rightsUri",
    "awardURI": "awardUri",
    XML_LANG: "lang",
}
_NUMBERS = {
    "pointLongitude",
    "pointLatitude",
    "westBoundLongitude",
    "eastBoundLongitude",
    "southBoundLatitude",
    "northBoundLatitude",
}


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _attributes(el: etree._Element) -> dict:
    return {
        _ATTRIBUTES.get(name, name): value
        for name, value in el.attrib.items()
        if not name.startswith("{http://www.w3.org/2001/XMLSchema-instance}")
    }


def _text(el: etree._Element) -> str:
    return (el.text or "").strip()


def _person(el: etree._Element, name_tag: str) -> dict:
    person: dict = {}
    for child in el:
        tag = _local(child)
        if tag == name_tag:
            person["name"] = _text(child)
            if child.get("nameType"):
                person["nameType"] = child.get("nameType")
        elif tag in ("givenName", "familyName"):
            person[tag] = _text(child)
        elif tag == "nameIdentifier":
            person.setdefault("nameIdentifiers", []).append({"nameIdentifier": _text(child), **_attributes(child)})
        elif tag == "affiliation":
            person.setdefault("affiliation", []).append({"name": _text(child), **_attributes(child)})
    person.update(_attributes(el))
    return person


def _point(el: etree._Element) -> dict:
    return {_local(child): float(_text(child)) for child in el}


def _geo_location(el: etree._Element) -> dict:
    location: dict = {}
    for child in el:
        tag = _local(child)
        if tag == "geoLocationPlace":
            location["geoLocationPlace"] = _text(child)
        elif tag == "geoLocationPoint":
            location["geoLocationPoint"] = _point(child)
        elif tag == "geoLocationBox":
            location["geoLocationBox"] = {_local(c): float(_text(c)) for c in child if _local(c) in _NUMBERS}
        elif tag == "geoLocationPolygon":
            location["geoLocationPolygon"] = [{_local(p): _point(p)} for p in child]
    return location


def _funding(el: etree._Element) -> dict:
    funding: dict = {}
    for child in el:
        tag = _local(child)
        funding[tag] = _text(child)
        if tag == "funderIdentifier" and child.get("funderIdentifierType"):
            funding["funderIdentifierType"] = child.get("funderIdentifierType")
        if tag == "awardNumber" and child.get("awardURI"):
            funding["awardUri"] = child.get("awardURI")
    return funding


def datacite_json_from_xml(xml: bytes, *, url: str | None = None) -> dict:
    """The attributes of a DataCite 4.x `<resource>`, in the REST API's JSON shape."""
    root = etree.fromstring(xml)
    out: dict = {}
    for el in root:
        if not isinstance(el.tag, str):
            continue
        tag = _local(el)
        if tag == "identifier":
            doi = _text(el)
            prefix, _sep, suffix = doi.partition("/")
            out.update({"doi": doi, "prefix": prefix, "suffix": suffix})
            if url:
                out["url"] = url
        elif tag == "creators":
            out["creators"] = [_person(c, "creatorName") for c in el]
        elif tag == "contributors":
            if len(el):
                out["contributors"] = [_person(c, "contributorName") for c in el]
        elif tag == "titles":
            out["titles"] = [{"title": _text(t), **_attributes(t)} for t in el]
        elif tag == "publisher":
            out["publisher"] = {"name": _text(el), **_attributes(el)}
        elif tag == "publicationYear":
            out["publicationYear"] = _text(el)
        elif tag == "resourceType":
            out["types"] = {"resourceTypeGeneral": el.get("resourceTypeGeneral")}
            if _text(el):
                out["types"]["resourceType"] = _text(el)
        elif tag == "subjects":
            out["subjects"] = [{"subject": _text(s), **_attributes(s)} for s in el]
        elif tag == "dates":
            out["dates"] = [{"date": _text(d), **_attributes(d)} for d in el]
        elif tag == "language":
            out["language"] = _text(el)
        elif tag == "alternateIdentifiers":
            out["alternateIdentifiers"] = [{"alternateIdentifier": _text(a), **_attributes(a)} for a in el]
        elif tag == "relatedIdentifiers":
            out["relatedIdentifiers"] = [{"relatedIdentifier": _text(r), **_attributes(r)} for r in el]
        elif tag in ("sizes", "formats"):
            out[tag] = [_text(s) for s in el]
        elif tag == "version":
            out["version"] = _text(el)
        elif tag == "rightsList":
            out["rightsList"] = [{"rights": _text(r), **_attributes(r)} for r in el]
        elif tag == "descriptions":
            out["descriptions"] = [{"description": _text(d), **_attributes(d)} for d in el]
        elif tag == "geoLocations":
            out["geoLocations"] = [_geo_location(g) for g in el]
        elif tag == "fundingReferences":
            out["fundingReferences"] = [_funding(f) for f in el]
    out["schemaVersion"] = SCHEMA_VERSION
    return out


def to_datacite_json(xml: bytes, *, url: str | None = None) -> bytes:
    return json.dumps(datacite_json_from_xml(xml, url=url), ensure_ascii=False, indent=2).encode()
