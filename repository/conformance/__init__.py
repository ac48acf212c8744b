"""The content rules that Estran's metadata consumers apply on top of the schemas, run offline:
science-on-schema.org's SHACL shapes (Google Dataset Search's and EarthCube GeoCODES' too) on the
schema.org JSON-LD, and GeoNetwork's schematron for ISO 19115-3 (its ISO, INSPIRE and "ready for
DOI" rule sets) on the ISO export. The rule files are in `rules/`, unchanged from their publishers
(`rules/SOURCES.md`); the tests and `manage.py estran_check_conformance` use this module.

Adapted from `shared/tools/check_conformance.py`: the shapes are read once and the schematron files
compiled once per process (the ISO skeleton shipped with lxml, run by SaxonC-HE, which evaluates
the XPath 2 GeoNetwork's rules are written in); JSON-LD is read with rdflib's own parser, and the
only remote context it accepts is schema.org's, never fetched.

pyshacl runs the shapes and SaxonC-HE the schematron (runtime dependencies, so that operators can
run the command on a production install).
"""

from __future__ import annotations

import json
import re
import threading
import warnings
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import lxml
import pyshacl
from lxml import etree
from rdflib import Graph
from rdflib.namespace import SH
from saxonche import PySaxonProcessor

RULES_DIR = Path(__file__).resolve().parent / "rules"
SOSO_DIR = RULES_DIR / "soso"
GEONETWORK_DIR = RULES_DIR / "geonetwork-iso19115-3.2018"

# The shape graphs the tests require to pass, and those only counted (Google's recommendations).
SOSO_REQUIRED = ("soso_common_v1.2.3", "googleRequired", "P418Required")
SOSO_RECOMMENDED = ("googleRecommended", "googleRecommendedCoverageCheck")
SOSO_SHAPES = SOSO_REQUIRED + SOSO_RECOMMENDED
GEONETWORK_RULES = ("iso", "inspire", "datacite")

SVRL = "http://purl.oclc.org/dsdl/svrl"
_SCHEMA_ORG_CONTEXTS = {"http://schema.org", "https://schema.org", "http://schema.org/", "https://schema.org/"}
_JSONLD_SCRIPT = re.compile(r'<script[^>]+type="application/ld\+json"[^>]*>(.*?)</script>', re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class Violation:
    rule_set: str  # a shape graph's name, or a GeoNetwork rule set (iso, inspire, datacite)
    message: str
    where: str  # the focus node and path (SHACL), or the failing element's XPath (schematron)


# --- schema.org JSON-LD and the SHACL shapes ------------------------------------------------------


def jsonld_blocks(text: str | bytes) -> list[dict]:
    """The JSON-LD of a document: the `<script type="application/ld+json">` blocks of an HTML page
    (`</script>`-safe escapes are JSON's own), or the whole text."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if text.lstrip().startswith("<"):
        return [json.loads(block) for block in _JSONLD_SCRIPT.findall(text)]
    data = json.loads(text)
    return data if isinstance(data, list) else [data]


def _offline_context(context):
    """schema.org's remote context replaced by what it says (`@vocab` http://schema.org/, as the
    context schema.org serves does); any other remote context is refused rather than fetched."""
    if isinstance(context, list):
        return [_offline_context(c) for c in context]
    if isinstance(context, str):
        if context in _SCHEMA_ORG_CONTEXTS:
            return {"@vocab": "http://schema.org/"}
        raise ValueError(f"offline: refusing to fetch the JSON-LD context {context}")
    return context


def jsonld_graph(blocks: list[dict]) -> Graph:
    """The RDF graph of JSON-LD blocks."""
    graph = Graph()
    for block in blocks:
        block = dict(block)
        if "@context" in block:
            block["@context"] = _offline_context(block["@context"])
        with warnings.catch_warnings():  # rdflib's own JSON-LD parser uses its deprecated ConjunctiveGraph
            warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
            graph.parse(data=json.dumps(block), format="json-ld")
    return graph


@cache
def _shape_graph(name: str) -> Graph:
    if name not in SOSO_SHAPES:
        raise ValueError(f"Unknown shape graph {name!r}; one of {', '.join(SOSO_SHAPES)}.")
    return Graph().parse(SOSO_DIR / f"{name}.ttl", format="turtle")


def soso_violations(jsonld: str | bytes | dict | list, shapes=SOSO_REQUIRED) -> dict[str, list[Violation]]:
    """The SHACL violations (not warnings) of JSON-LD (a page, a JSON text, a block or a list of
    blocks), by shape graph: an empty list for a graph it conforms to."""
    if isinstance(jsonld, (str, bytes)):
        blocks = jsonld_blocks(jsonld)
    else:
        blocks = jsonld if isinstance(jsonld, list) else [jsonld]
    data = jsonld_graph(blocks)
    found: dict[str, list[Violation]] = {}
    for name in shapes:
        _conforms, report, _text = pyshacl.validate(
            data, shacl_graph=_shape_graph(name), inference="none", allow_warnings=True
        )
        found[name] = sorted(
            (
                Violation(
                    name,
                    str(report.value(r, SH.resultMessage) or ""),
                    f"{report.value(r, SH.focusNode)} {report.value(r, SH.resultPath) or ''}".strip(),
                )
                for r in report.subjects(SH.resultSeverity, SH.Violation)
            ),
            key=lambda v: (v.message, v.where),
        )
    return found


# --- ISO 19115-3 and GeoNetwork's schematron -----------------------------------------------------


class _Schematron:
    """GeoNetwork's rule sets compiled to XSLT once, and the Saxon processor that runs them (its
    executables are not meant to be shared by threads: one lock)."""

    def __init__(self):
        self.proc = PySaxonProcessor(license=False)
        self.xslt = self.proc.new_xslt30_processor()
        self.lock = threading.Lock()
        self.skeleton = Path(lxml.__file__).parent / "isoschematron/resources/xsl/iso-schematron-xslt1"
        self.compiled: dict[str, object] = {}

    def _transform(self, stylesheet: Path, text: str) -> str:
        executable = self.xslt.compile_stylesheet(stylesheet_file=str(stylesheet))
        return executable.transform_to_string(xdm_node=self.proc.parse_xml(xml_text=text))

    def executable(self, rule: str):
        if rule not in self.compiled:
            if rule not in GEONETWORK_RULES:
                raise ValueError(f"Unknown rule set {rule!r}; one of {', '.join(GEONETWORK_RULES)}.")
            sch = (GEONETWORK_DIR / f"schematron-rules-{rule}.sch").read_text(encoding="utf-8")
            # The ISO skeleton for XSLT 1 accepts only that binding; Saxon runs the result as XSLT 3,
            # so the XPath 2 of the rules works.
            sch = sch.replace('queryBinding="xslt2"', 'queryBinding="xslt"')
            # GeoNetwork passes its localised strings as $loc (none here: the diagnostics carry the
            # English text) and its thesaurus folder as $thesaurusDir (the INSPIRE themes).
            thesauri = (GEONETWORK_DIR / "thesauri").as_uri()
            sch = re.sub(
                r"(<sch:title[^>]*>.*?</sch:title>)",
                lambda m: (
                    m.group(1) + '<sch:let name="loc" value="/.."/>'
                    f'<sch:let name="thesaurusDir" value="\'{thesauri}\'"/>'
                ),
                sch,
                count=1,
                flags=re.DOTALL,
            )
            for step in ("iso_dsdl_include.xsl", "iso_abstract_expand.xsl", "iso_svrl_for_xslt1.xsl"):
                sch = self._transform(self.skeleton / step, sch)
            self.compiled[rule] = self.xslt.compile_stylesheet(stylesheet_text=sch)
        return self.compiled[rule]

    def svrl(self, rule: str, xml: str) -> etree._Element:
        with self.lock:
            out = self.executable(rule).transform_to_string(xdm_node=self.proc.parse_xml(xml_text=xml))
        return etree.fromstring(out.encode("utf-8"))


@lru_cache(maxsize=1)
def _schematron() -> _Schematron:
    return _Schematron()


def _assert_text(failed: etree._Element) -> str:
    """What a failed assert says: its text, else its English diagnostic (GeoNetwork's rules put the
    message in diagnostics, one per language, and leave the text to `$loc`)."""
    own = failed.find(f"{{{SVRL}}}text")
    text = " ".join("".join(own.itertext()).split()) if own is not None else ""
    english = [
        " ".join("".join(d.itertext()).split())
        for d in failed.iterfind(f"{{{SVRL}}}diagnostic-reference")
        if (d.get("diagnostic") or "").endswith("-en")
    ]
    return "; ".join(t for t in [text, *english] if t) or (failed.get("test") or "")


_LOCAL_NAME_STEP = re.compile(r"\*\[local-name\(\)='([^']+)' and namespace-uri\(\)='[^']*'\]")


def _short_location(location: str) -> str:
    """`/*[local-name()='MD_Metadata' and namespace-uri()='…']/…` as `/MD_Metadata/…`."""
    return _LOCAL_NAME_STEP.sub(r"\1", location)


def geonetwork_violations(xml: str | bytes | etree._Element, rules=GEONETWORK_RULES) -> dict[str, list[Violation]]:
    """The failed asserts of ISO 19115-3 XML (an `mdb:MD_Metadata` document or element), by rule
    set: an empty list for a rule set it passes."""
    if isinstance(xml, etree._Element):
        xml = etree.tostring(xml, encoding="unicode")
    elif isinstance(xml, bytes):
        # Saxon parses text: drop the XML declaration, whose encoding would no longer be true.
        xml = re.sub(r"^\s*<\?xml[^>]*\?>", "", xml.decode("utf-8"))
    schematron = _schematron()
    found: dict[str, list[Violation]] = {}
    for rule in rules:
        report = schematron.svrl(rule, xml)
        found[rule] = [
            Violation(rule, _assert_text(fa), _short_location(fa.get("location") or ""))
            for fa in report.iter(f"{{{SVRL}}}failed-assert")
        ]
    return found


def fired_rules(xml: str | bytes, rule: str) -> int:
    """How many rules of a rule set applied to the XML (a check that passes because nothing fired
    proves nothing)."""
    if isinstance(xml, bytes):
        xml = re.sub(r"^\s*<\?xml[^>]*\?>", "", xml.decode("utf-8"))
    return len(list(_schematron().svrl(rule, xml).iter(f"{{{SVRL}}}fired-rule")))
