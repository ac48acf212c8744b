"""A record with many files (issue 17, "Publication at that size"): published through the real service
with 10, 150 and 1,000 files made in bulk, it takes the same number of queries to publish, to show
(one page of files) and to export (DataCite, ISO 19115-3, schema.org, the linkset, OAI-PMH) whatever
its number of files beyond `PUBLISH_FILES_LISTED_MAX`, and its exports summarise the files rather than
list them, still valid (DataCite and ISO XSDs, GeoNetwork's rules, science-on-schema.org's shapes)."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import etree, html as lxml_html

from oai.protocol import oai_identifier
from repository import conformance
from repository.metadata import MetadataDocument
from repository.services import pid_mint, record_publish
from repository.xml_validation import validate
from tests.repository.landing_support import full_metadata

pytestmark = pytest.mark.django_db

SIZES = (10, 150, 1000)
DATACITE = "{http://datacite.org/schema/kernel-4}"
NS = {
    "mrd": "http://standards.iso.org/iso/19115/-3/mrd/1.0",
    "cit": "http://standards.iso.org/iso/19115/-3/cit/2.0",
    "gco": "http://standards.iso.org/iso/19115/-3/gco/1.0",
}


def _files(n: int) -> list[dict]:
    """`n` files in folders, two formats and a README, 4 KiB each."""
    names = [f"profiles/{i // 100:03d}/g{i:05d}.{'nc' if i % 2 else 'csv'}" for i in range(n - 1)] + ["README"]
    return [
        {"name": name, "size": 4096, "md5": "0" * 32, "sha256": f"{i:064x}", "storage_key": f"many/{n}/{i}"}
        for i, name in enumerate(names)
    ]


def _publish(depositor, communities, n: int):
    files = _files(n)
    pid = pid_mint()
    document = MetadataDocument.model_validate(full_metadata(f"Glider profiles, {n} files"))
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        record = record_publish(
            pid=pid, document=document, community=communities["ocean"], owner=depositor, files=files
        )
        elapsed = time.perf_counter() - started
    return record, len(captured.captured_queries), elapsed


@pytest.fixture
def published(depositor, communities, settings):
    settings.PUBLISH_FILES_LISTED_MAX = 100
    return {n: _publish(depositor, communities, n) for n in SIZES}


@pytest.fixture
def records(published):
    return {n: record for n, (record, _queries, _elapsed) in published.items()}


def test_publishing_takes_the_same_queries_for_10_or_1000_files_and_well_under_a_second(published):
    queries = {n: count for n, (_record, count, _elapsed) in published.items()}
    assert queries[10] == queries[150] == queries[1000]
    _record, _count, elapsed = published[1000]
    assert elapsed < 1.0
    record = published[1000][0]
    assert (record.file_count, record.files_size, record.file_extensions) == (1000, 4096000, [".csv", ".nc", ""])
    assert record.files.count() == 1000


def _get(client, url: str, **params):
    cache.clear()  # the anonymous page cache would hide the rendering
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, url
    return body, len(captured.captured_queries), response


def _urls(record) -> dict[str, tuple[str, dict]]:
    export = lambda fmt: reverse("repository:export", kwargs={"pk": record.pk, "fmt": fmt})  # noqa: E731
    oai = {"verb": "GetRecord", "identifier": oai_identifier(record.pk)}
    return {
        "landing page": (record.get_absolute_url(), {}),
        "landing page 2": (record.get_absolute_url(), {"files_page": "2"}),
        "datacite": (export("datacite-xml"), {}),
        "iso": (export("iso19115-3"), {}),
        "schemaorg": (export("schemaorg"), {}),
        "linkset": (export("linkset"), {}),
        "oai_dc": ("/oai", {**oai, "metadataPrefix": "oai_dc"}),
        "oai_datacite": ("/oai", {**oai, "metadataPrefix": "oai_datacite"}),
        "oai iso": ("/oai", {**oai, "metadataPrefix": "iso19115-3"}),
    }


def test_pages_and_exports_take_the_same_queries_whatever_the_number_of_files(client, records):
    counts, sizes = {}, {}
    for n, record in records.items():
        for what, (url, params) in _urls(record).items():
            body, count, _response = _get(client, url, **params)
            # The landing page's folder tree grows with the folders (one more for each hundred files
            # here), not with the files: left out of the comparison.
            body = re.sub(rb'<nav class="folder-tree".*?</nav>', b"", body, flags=re.S)
            counts[what, n], sizes[what, n] = count, len(body)
    for what in _urls(records[10]):
        # many files: one query for the page of files instead of one for them all (the page of
        # files shown, never all of them)
        assert counts[what, 150] == counts[what, 1000] <= counts[what, 10] + 1, what
    for what in ("datacite", "iso", "schemaorg", "oai_dc", "oai_datacite", "oai iso", "landing page"):
        assert sizes[what, 1000] - sizes[what, 150] < 100, what  # "150" and "1,000" differ, nothing else grows
    assert sizes["linkset", 1000] > sizes["linkset", 150] * 5  # the linkset names every file


def test_datacite_summarises_many_files_in_sizes_and_formats_and_stays_valid(client, records):
    small, _n, _r = _get(client, reverse("repository:export", kwargs={"pk": records[10].pk, "fmt": "datacite-xml"}))
    assert b"<sizes>" not in small and b"<formats>" not in small  # as it always was
    xml, _n, _r = _get(client, reverse("repository:export", kwargs={"pk": records[1000].pk, "fmt": "datacite-xml"}))
    assert validate(xml, "datacite-4.6") == []
    root = etree.fromstring(xml)
    assert [e.text for e in root.iter(f"{DATACITE}size")] == ["1,000 files", "3.9 MB"]
    assert [e.text for e in root.iter(f"{DATACITE}format")] == [
        "text/csv",
        "application/x-netcdf",
        "application/octet-stream",
    ]
    assert len(xml) < 12_000


def test_iso_19115_3_points_at_the_file_list_and_the_linkset_and_passes_geonetwork_s_rules(client, records):
    record = records[1000]
    xml, _n, _r = _get(client, reverse("repository:export", kwargs={"pk": record.pk, "fmt": "iso19115-3"}))
    assert validate(xml, "iso19115-3") == []
    found = conformance.geonetwork_violations(xml)
    assert found["iso"] == [] and found["datacite"] == [], found
    root = etree.fromstring(xml)
    links = root.xpath("//mrd:onLine//cit:linkage/*/text()", namespaces=NS)
    assert links[1:] == [record.landing_url, f"{record.landing_url}/files.txt", f"{record.landing_url}/export/linkset"]
    assert root.xpath("//mrd:transferSize/gco:Real/text()", namespaces=NS) == ["4.096"]
    formats = root.xpath("//mrd:distributionFormat//cit:title/*/text()", namespaces=NS)
    assert formats == ["CSV", "NetCDF", "Unknown"]


def test_schema_org_gives_the_zip_and_the_url_list_and_passes_soso(client, records):
    record = records[1000]
    body, _n, _r = _get(client, reverse("repository:export", kwargs={"pk": record.pk, "fmt": "schemaorg"}))
    data = conformance.jsonld_blocks(body)[0]
    assert [(d["name"], d["encodingFormat"], d["contentUrl"].rsplit("/", 1)[1]) for d in data["distribution"]] == [
        ("All 1,000 files (ZIP)", "application/zip", "files.zip"),
        ("File list", "text/plain", "files.txt"),
    ]
    found = conformance.soso_violations(data, conformance.SOSO_REQUIRED)
    assert found == {shape: [] for shape in conformance.SOSO_REQUIRED}


def test_the_link_header_points_to_the_linkset_which_names_every_file(client, records, settings):
    record = records[1000]
    _body, _n, response = _get(client, record.get_absolute_url())
    assert 'rel="item"' not in response["Link"] and 'rel="linkset"' in response["Link"]
    body, _n, _r = _get(client, reverse("repository:export", kwargs={"pk": record.pk, "fmt": "linkset"}))
    context, *parts = json.loads(body)["linkset"]
    assert len(context["item"]) == 1001  # every file and the ZIP
    # and a context of each file, the ZIP and each metadata format, back to the page (level 2)
    assert len(parts) == 1001 + len(context["describedby"])
    # written from one prefix, each URL is what `reverse` gives (a space, an accent, a parenthesis)
    names = ["notes (v2).txt", "données (brutes)/été 2024.csv", "a+b/c;d@e~f.nc"]
    for i, name in enumerate(names):
        record.files.filter(storage_key=f"many/1000/{i + 1}").update(name=name)
    body, _n, _r = _get(client, reverse("repository:export", kwargs={"pk": record.pk, "fmt": "linkset"}))
    hrefs = {item["href"] for item in json.loads(body)["linkset"][0]["item"]}
    for name in names:
        assert settings.SITE_URL + reverse("repository:file-download", kwargs={"pk": record.pk, "name": name}) in hrefs


def test_the_landing_page_shows_a_hundred_files_a_page(client, records):
    record = records[1000]
    for params, first, last in (({}, "README", "profiles/000/g00098.csv"), ({"files_page": "99"}, None, None)):
        body, _n, _r = _get(client, record.get_absolute_url(), **params)
        page = lxml_html.fromstring(body)
        rows = page.xpath("//table[@class='files']/tbody/tr/th")
        assert len(rows) == 100
        caption = " ".join(page.xpath("//caption[@id='files-caption']//text()")).split()
        assert caption[:2] == ["1,000", "files,"]
        if first:
            names = [r.text_content().replace("\u200b", "") for r in rows]
            assert (names[0], names[-1]) == (first, last)
            assert page.xpath("//nav[@class='files-pager no-print']//a/@href") == ["?files_page=2#files"]
        else:  # beyond the last page: the last one
            assert page.xpath("//nav[@class='files-pager no-print']//a/@href") == ["?files_page=9#files"]


def _approved_with(depositor, moderator, communities, n: int):
    """A deposit submitted and claimed, with `n` ready files in all, approved: (record, queries)."""
    from deposit import services as deposit_services
    from deposit.models import DepositFile
    from deposit.workflow import Action
    from tests.repository.doi_support import submit

    deposit = submit(depositor, communities)
    deposit_services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    DepositFile.objects.bulk_create(
        DepositFile(
            deposit=deposit,
            name=f"casts/{i:05d}.csv",
            size=20,
            state=DepositFile.State.ready,
            storage_key=f"approve/{deposit.pk}/{i}",
            md5="0" * 32,
            sha256=f"{i:064x}",
        )
        for i in range(n - 1)
    )
    with CaptureQueriesContext(connection) as captured:
        deposit = deposit_services.deposit_act(deposit=deposit, action=Action.approve, actor=moderator)
    return deposit.record, len(captured.captured_queries)


def test_approving_a_deposit_of_1000_files_takes_the_queries_of_one_of_10_and_registers_a_summary(
    depositor, moderator, communities, settings
):
    from repository.selectors import pid_datacite_xml

    settings.PUBLISH_FILES_LISTED_MAX = 100
    small, small_queries = _approved_with(depositor, moderator, communities, 10)
    large, large_queries = _approved_with(depositor, moderator, communities, 1000)
    assert small_queries == large_queries
    assert (small.files.count(), large.files.count(), large.file_count) == (10, 1000, 1000)
    # what DataCite is sent for the DOI
    assert b"<sizes>" not in pid_datacite_xml(small.pid)
    xml = pid_datacite_xml(large.pid)
    assert validate(xml, "datacite-4.6") == []
    assert [e.text for e in etree.fromstring(xml).iter(f"{DATACITE}size")] == ["1,000 files", "19.5 KB"]
