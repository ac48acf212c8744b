"""Thesauri for the tests: the real SKOS exports of ../shared/vocabularies (skipped locally when that
folder is absent, required in CI) and the demo set that `make run` loads."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "vocabularies"
DEMO = ROOT / "vocabularies" / "data" / "estran-demo.ttl"


def shared_file(name: str) -> Path:
    path = SHARED / name
    if not path.is_file():
        message = f"{path} is missing (the real SKOS exports live in ../shared/vocabularies)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(autouse=True)
def _quiet_rdflib():
    # inspire-themes-registry.en.rdf has malformed xsd:date literals: rdflib logs a warning for each.
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)


@pytest.fixture
def demo(db):
    """The demo vocabulary set, loaded as `make run` loads it."""
    from vocabularies.services import thesaurus_load

    return {r.slug: r for r in thesaurus_load(path=DEMO)}
