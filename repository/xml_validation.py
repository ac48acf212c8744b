"""Offline XML validation against the schema bundle in `repository/schemas` (DataCite 4.6,
ISO 19115-3, OAI-PMH 2.0), adapted from `shared/tools/validate_xml.py`.

Each mode is compiled once from a small driver schema that imports the entry schemas by their
canonical (remote) URLs; a parser resolver maps those URLs to the bundle through the rewrite
entries of `catalog.xml` and refuses any remote URL the catalog does not map, so a missing file is
a load error, never a download. No Django here: the fake DataCite server imports this module.
"""

from __future__ import annotations

import os
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"
CATALOG = SCHEMAS_DIR / "catalog.xml"

_XSD_NS = "http://www.w3.org/2001/XMLSchema"
_CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"

# (namespace, canonical schema location) imported by each mode's driver schema.
MODES: dict[str, list[tuple[str, str]]] = {
    "datacite-4.6": [
        ("http://datacite.org/schema/kernel-4", "https://schema.datacite.org/meta/kernel-4.6/metadata.xsd"),
    ],
    "datacite-4.7": [
        ("http://datacite.org/schema/kernel-4", "https://schema.datacite.org/meta/kernel-4.7/metadata.xsd"),
    ],
    "iso19115-3": [
        ("http://standards.iso.org/iso/19115/-3/mdb/2.0", "https://schemas.isotc211.org/19115/-3/mdb/2.0/mdb.xsd"),
    ],
    "oai-pmh": [
        ("http://www.openarchives.org/OAI/2.0/", "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"),
        ("http://www.openarchives.org/OAI/2.0/oai_dc/", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"),
        (
            "http://www.openarchives.org/OAI/2.0/oai-identifier",
            "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd",
        ),
        ("http://www.openarchives.org/OAI/2.0/provenance", "http://www.openarchives.org/OAI/2.0/provenance.xsd"),
        ("http://www.openarchives.org/OAI/2.0/friends/", "http://www.openarchives.org/OAI/2.0/friends.xsd"),
        ("http://www.openarchives.org/OAI/1.1/eprints", "http://www.openarchives.org/OAI/2.0/eprints.xsd"),
        ("http://www.openarchives.org/OAI/2.0/branding/", "http://www.openarchives.org/OAI/2.0/branding.xsd"),
        ("http://www.openarchives.org/OAI/2.0/rights/", "http://www.openarchives.org/OAI/2.0/rights.xsd"),
        # OAI-PMH.xsd validates <metadata> content strictly (processContents="strict"), so every
        # format served inside a response needs its schema loaded too.
        ("http://schema.datacite.org/oai/oai-1.1/", "http://schema.datacite.org/oai/oai-1.1/oai.xsd"),
        ("http://datacite.org/schema/kernel-4", "https://schema.datacite.org/meta/kernel-4.6/metadata.xsd"),
        ("http://standards.iso.org/iso/19115/-3/mdb/2.0", "https://schemas.isotc211.org/19115/-3/mdb/2.0/mdb.xsd"),
    ],
}


class XMLInvalid(ValueError):
    """The document is not well-formed or not valid; `errors` lists "line N: message"."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class SchemaUnavailable(RuntimeError):
    """A mode's schema could not be compiled offline (a file missing from the bundle)."""


def _catalog_prefixes() -> list[tuple[str, str]]:
    """(remote prefix, absolute local prefix) from the catalog's rewrite entries, longest first."""
    pairs = []
    for el in ET.parse(CATALOG).getroot().iter():
        if el.tag == _CATALOG_NS + "rewriteSystem":
            start = el.get("systemIdStartString")
        elif el.tag == _CATALOG_NS + "rewriteURI":
            start = el.get("uriStartString")
        else:
            continue
        prefix = el.get("rewritePrefix")
        if start and prefix is not None:
            local = prefix if os.path.isabs(prefix) else str(SCHEMAS_DIR / prefix)
            if prefix.endswith("/") and not local.endswith("/"):
                local += "/"
            pairs.append((start, local))
    pairs.sort(key=lambda p: len(p[0]), reverse=True)
    return pairs


def _is_remote(url: str) -> bool:
    return urlsplit(url).scheme.lower() in ("http", "https", "ftp")


class _OfflineResolver(etree.Resolver):
    """Serve remote schema URLs from the bundle; refuse anything unmapped."""

    def __init__(self, prefixes: list[tuple[str, str]], refused: list[str]):
        super().__init__()
        self.prefixes = prefixes
        self.refused = refused

    def resolve(self, url, pubid, context):
        if not url or not _is_remote(url):
            return None  # a local file: libxml2 loads it directly
        for start, local in self.prefixes:
            if url.startswith(start):
                path = unquote(local + url[len(start) :])
                if os.path.isfile(path):
                    return self.resolve_filename(path, context)
                break
        self.refused.append(url)
        raise etree.XMLSchemaParseError(f"offline: no local copy of {url} in {SCHEMAS_DIR}")


class _CompiledMode:
    # lxml keeps the last validation's error log on the schema object, so one validation at a
    # time per mode (the fake DataCite server validates from several threads).
    def __init__(self, schema: etree.XMLSchema):
        self.schema = schema
        self.lock = threading.Lock()


_compiled: dict[str, _CompiledMode] = {}
_compile_lock = threading.Lock()


def _compile(mode: str) -> _CompiledMode:
    refused: list[str] = []
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_OfflineResolver(_catalog_prefixes(), refused))
    driver = [f'<xs:schema xmlns:xs="{_XSD_NS}">']
    driver += [f'<xs:import namespace="{ns}" schemaLocation="{loc}"/>' for ns, loc in MODES[mode]]
    driver.append("</xs:schema>")
    try:
        doc = etree.fromstring("".join(driver).encode(), parser, base_url=str(SCHEMAS_DIR / f"driver-{mode}.xsd"))
        schema = etree.XMLSchema(doc.getroottree())
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise SchemaUnavailable(f"cannot compile the {mode} schema offline: {exc}; refused: {refused}") from exc
    # libxml2 only warns when an import cannot be loaded; treat that as fatal.
    fatal = ("failed to load", "Failed to locate", "does not exist")
    problems = [e.message for e in schema.error_log if any(f in e.message for f in fatal)]
    if problems or refused:
        raise SchemaUnavailable(f"the {mode} schema is incomplete offline: {problems + refused}")
    return _CompiledMode(schema)


def get_schema(mode: str) -> _CompiledMode:
    if mode not in MODES:
        raise ValueError(f"Unknown validation mode {mode!r}; choose one of {sorted(MODES)}.")
    compiled = _compiled.get(mode)
    if compiled is None:
        with _compile_lock:
            compiled = _compiled.get(mode)
            if compiled is None:
                compiled = _compiled[mode] = _compile(mode)
    return compiled


def validate(xml: bytes, mode: str = "datacite-4.6") -> list[str]:
    """Every problem of `xml` against the `mode` schema, as "line N: message"; [] when valid."""
    compiled = get_schema(mode)
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    try:
        doc = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        # The parser's own log: the exception's may carry earlier errors of this thread.
        errors = [f"line {e.line}: {e.message}" for e in parser.error_log.filter_from_errors()]
        return errors or [f"line {exc.lineno or 0}: {exc.msg}"]
    except ValueError as exc:  # e.g. a str with an encoding declaration
        return [f"line 0: {exc}"]
    with compiled.lock:
        if compiled.schema.validate(doc):
            return []
        log = compiled.schema.error_log.filter_from_errors()
        errors = [f"line {e.line}: {e.message}" for e in log]
    return errors or ["line 0: the document is not valid"]


def assert_valid(xml: bytes, mode: str = "datacite-4.6") -> None:
    errors = validate(xml, mode)
    if errors:
        raise XMLInvalid(errors)
