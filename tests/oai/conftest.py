"""Records to harvest, made quickly (straight rows, as a published record's are) or through the
real publication service, and an OAI-PMH client on the Django test client that parses and
validates every response against the OAI-PMH schema."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from lxml import etree

from repository.models import Record
from repository.xml_validation import validate
from tests.oai.support import record_create

NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "mdb": "http://standards.iso.org/iso/19115/-3/mdb/2.0",
    "dcite": "http://datacite.org/schema/kernel-4",
    "oaidc": "http://schema.datacite.org/oai/oai-1.1/",
}


@pytest.fixture
def make_record(depositor, communities):
    def make(community: str = "ocean", **kwargs) -> Record:
        return record_create(owner=depositor, community=communities[community], **kwargs)

    return make


@pytest.fixture
def many_records(make_record):
    """`many_records(n)`: n records with distinct datestamps a minute apart, oldest first (and two
    sharing each datestamp when `ties`)."""

    def make(n: int, *, start=None, ties: bool = False, **kwargs) -> list[Record]:
        start = start or timezone.now() - timedelta(days=30)
        return [make_record(modified=start + timedelta(minutes=(i // 2 if ties else i)), **kwargs) for i in range(n)]

    return make


def body(response) -> bytes:
    """The whole body of a (streamed) response."""
    return b"".join(response.streaming_content) if response.streaming else response.content


class OaiResponse:
    def __init__(self, response):
        self.http = response
        self.xml = body(response)
        self.root = etree.fromstring(self.xml)

    def xpath(self, path: str):
        return self.root.xpath(path, namespaces=NS)

    @property
    def errors(self) -> list[str]:
        return [e.get("code") for e in self.xpath("/oai:OAI-PMH/oai:error")]

    @property
    def identifiers(self) -> list[str]:
        return [e.text for e in self.xpath("//oai:header/oai:identifier")]

    @property
    def token(self):
        found = self.xpath("//oai:resumptionToken")
        return found[0] if found else None


@pytest.fixture
def oai(client):
    """`oai(verb=..., **arguments)`: the parsed response, checked valid against OAI-PMH 2.0 (and,
    inside it, oai_dc, DataCite and ISO 19115-3)."""

    def get(method: str = "get", **arguments) -> OaiResponse:
        arguments = {("from" if k == "from_" else k): v for k, v in arguments.items()}
        response = getattr(client, method)("/oai", arguments)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        parsed = OaiResponse(response)
        assert validate(parsed.xml, "oai-pmh") == []
        return parsed

    return get
