"""Harvests by a real OAI-PMH harvester (Sickle, over HTTP, against a live server): a full harvest
with records published between two of its pages, then the incremental harvest a catalogue runs
next, from the full harvest's first responseDate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from lxml import etree
from sickle import Sickle
from sickle.oaiexceptions import (
    BadArgument,
    BadResumptionToken,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoRecordsMatch,
)

from repository.metadata import MetadataDocument
from repository.models import Record
from repository.services import pid_mint, record_publish, record_withdraw
from repository.xml_validation import validate
from tests.factories import complete_metadata
from tests.oai.support import record_create

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _connections_closed_after_each_request():
    """The live server answers each request in a new thread: with persistent connections, each
    would leave a session open on the test database until the end."""
    from django.db import connections

    saved = connections.settings["default"].get("CONN_MAX_AGE", 0)
    connections.settings["default"]["CONN_MAX_AGE"] = 0
    yield
    connections.settings["default"]["CONN_MAX_AGE"] = saved


class PagedSickle(Sickle):
    """Sickle, calling `between_pages(page_number)` after each response it receives."""

    def __init__(self, *args, between_pages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.between_pages = between_pages
        self.responses = []

    def harvest(self, **kwargs):
        response = super().harvest(**kwargs)
        self.responses.append(response)
        if self.between_pages:
            self.between_pages(len(self.responses))
        return response


def publish(depositor, community, title: str):
    """A record through the publication service (the DOI outbox runs in-process)."""
    document = MetadataDocument.model_validate(complete_metadata(title))
    return record_publish(
        pid=pid_mint(),
        document=document,
        community=community,
        owner=depositor,
        files=[{"name": "ctd.nc", "size": 10, "md5": "0" * 32, "sha256": "c" * 64, "storage_key": f"k/{title}"}],
    )


def oai_ids(records) -> set[str]:
    return {f"oai:estran.localhost:{r.pk}" for r in records}


@pytest.mark.parametrize("prefix", ["iso19115-3", "oai_dc"])
def test_a_full_then_an_incremental_harvest_miss_nothing_published_between_pages(
    live_server, depositor, admin, communities, settings, eager_celery, prefix
):
    settings.OAI_PAGE_SIZE = 4
    start = timezone.now() - timedelta(days=10)
    existing = [
        record_create(
            owner=depositor,
            community=communities["ocean" if i % 3 else "atmosphere"],
            modified=start + timedelta(hours=i),
        )
        for i in range(13)
    ]
    withdrawn_before = existing[5]
    record_withdraw(record=withdrawn_before, actor=admin, reason="duplicate")
    # Well before the harvest (datestamps are to the second: a harvest overlaps its second).
    Record.objects.filter(pk=withdrawn_before.pk).update(modified=timezone.now() - timedelta(minutes=1))
    published_during = []

    def between_pages(page_number):
        if page_number == 2:  # while the harvester holds the token of page 3
            published_during.append(publish(depositor, communities["ocean"], "Published during the harvest A"))
            published_during.append(publish(depositor, communities["biodiversity"], "Published during the harvest B"))

    harvester = PagedSickle(live_server.url + "/oai", between_pages=between_pages, max_retries=0, timeout=30)
    seen = []
    for record in harvester.ListRecords(metadataPrefix=prefix):
        seen.append(record.header.identifier)
        if record.header.deleted:
            assert record.header.identifier == f"oai:estran.localhost:{withdrawn_before.pk}"
            assert record.xml.find("{*}metadata") is None
        else:
            assert record.metadata  # parsed by the harvester
    for response in harvester.responses:  # every page valid, payloads included
        assert validate(response.raw.encode(), "oai-pmh") == []

    everything = [*existing, *published_during]
    assert len(harvester.responses) == 4  # 15 records by 4; the last closes with an empty token
    assert len(seen) == len(set(seen)), "a record was harvested twice"
    assert set(seen) == oai_ids(everything), "a record was missed"

    # The next harvest asks for what changed since the full harvest began: the records published
    # during it, once more (harmless), and what changes now.
    since = etree.fromstring(harvester.responses[0].raw.encode()).findtext("{*}responseDate")
    withdrawn_after = existing[0]
    record_withdraw(record=withdrawn_after, actor=admin, reason="data_error")
    later = publish(depositor, communities["ocean"], "Published after the harvest")
    incremental = Sickle(live_server.url + "/oai", max_retries=0, timeout=30)
    headers = list(incremental.ListIdentifiers(metadataPrefix=prefix, **{"from": since}))
    assert {h.identifier for h in headers} == oai_ids([*published_during, withdrawn_after, later])
    assert [h.deleted for h in headers if h.identifier == f"oai:estran.localhost:{withdrawn_after.pk}"] == [True]


def test_the_harvester_reads_identify_formats_sets_and_errors(live_server, depositor, communities):
    record = record_create(owner=depositor, community=communities["ocean"])
    harvester = Sickle(live_server.url + "/oai", max_retries=0, timeout=30)
    identify = harvester.Identify()
    assert identify.repositoryName == "Estran" and identify.deletedRecord == "persistent"
    assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    formats = {f.metadataPrefix for f in harvester.ListMetadataFormats()}
    assert formats == {"oai_dc", "oai_datacite", "datacite", "iso19115-3"}
    assert "community:ocean" in {s.setSpec for s in harvester.ListSets()}
    got = harvester.GetRecord(identifier=f"oai:estran.localhost:{record.pk}", metadataPrefix="oai_dc")
    assert got.metadata["title"] == [record.title]
    with pytest.raises(IdDoesNotExist):
        harvester.GetRecord(identifier="oai:estran.localhost:0", metadataPrefix="oai_dc")
    with pytest.raises(CannotDisseminateFormat):
        list(harvester.ListRecords(metadataPrefix="marc21"))
    with pytest.raises(NoRecordsMatch):
        list(harvester.ListRecords(metadataPrefix="oai_dc", set="community:solid-earth"))
    with pytest.raises(BadArgument):
        list(harvester.ListRecords(metadataPrefix="oai_dc", **{"from": "last week"}))
    with pytest.raises(BadResumptionToken):
        list(harvester.ListRecords(resumptionToken="stale"))
