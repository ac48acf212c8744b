"""ISO 19115-3 at /records/<id>/export/iso19115-3 and through content negotiation on /records/<id>,
for records published the real way (versions, files, withdrawal)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from lxml import etree

from repository.services import record_withdraw
from repository.xml_validation import validate
from tests.factories import complete_metadata
from tests.oai.support import record_create
from tests.repository.doi_support import drain, publish, publish_new_version

pytestmark = pytest.mark.django_db

ISO = "application/vnd.iso.19115-3+xml"
DATACITE = "application/vnd.datacite.datacite+xml"
NS = {
    "mdb": "http://standards.iso.org/iso/19115/-3/mdb/2.0",
    "cit": "http://standards.iso.org/iso/19115/-3/cit/2.0",
    "gco": "http://standards.iso.org/iso/19115/-3/gco/1.0",
    "gcx": "http://standards.iso.org/iso/19115/-3/gcx/1.0",
    "mcc": "http://standards.iso.org/iso/19115/-3/mcc/1.0",
    "mri": "http://standards.iso.org/iso/19115/-3/mri/1.0",
    "mrd": "http://standards.iso.org/iso/19115/-3/mrd/1.0",
    "xlink": "http://www.w3.org/1999/xlink",
}


@pytest.fixture
def record(depositor, communities):
    return record_create(owner=depositor, community=communities["ocean"], files=(("ctd casts.nc", 4096),))


def export_url(record, fmt="iso19115-3") -> str:
    return reverse("repository:export", kwargs={"pk": record.pk, "fmt": fmt})


def test_the_export_is_valid_iso_19115_3_with_its_media_type(client, record, settings):
    settings.SITE_URL = "https://data.estran.example.org"
    response = client.get(export_url(record))
    assert response.status_code == 200
    assert response["Content-Type"] == f"{ISO}; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="estran-{record.pk}-iso19115-3.xml"'
    assert validate(response.content, "iso19115-3") == []
    root = etree.fromstring(response.content)
    assert root.xpath("//mdb:metadataLinkage//cit:linkage/*/text()", namespaces=NS) == [
        f"https://data.estran.example.org/records/{record.pk}/export/iso19115-3"
    ]
    downloads = root.xpath("//mrd:onLine/*[cit:protocol/*/text()='WWW:DOWNLOAD']/cit:linkage/*/text()", namespaces=NS)
    assert downloads == [f"https://data.estran.example.org/records/{record.pk}/files/ctd%20casts.nc"]
    assert root.xpath("//mri:topicCategory/*/text()", namespaces=NS) == ["oceans"]


def test_an_unknown_format_is_not_found(client, record):
    assert client.get(export_url(record, "iso19139")).status_code == 404
    assert client.get(reverse("repository:export", kwargs={"pk": 999999, "fmt": "iso19115-3"})).status_code == 404


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (ISO, ISO),
        (f"{ISO}, text/html;q=0.5", ISO),
        (DATACITE, DATACITE),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),  # a browser
        ("*/*", "text/html"),
        ("", "text/html"),
        # An Accept of nothing offered is answered 406 (tests/repository/test_exports_negotiation.py).
    ],
)
def test_the_landing_page_negotiates_the_xml_formats_and_stays_html_by_default(client, record, accept, expected):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = client.get(record.get_absolute_url(), **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(expected)
    assert "Accept" in response["Vary"]
    assert "Content-Disposition" not in response
    if expected == ISO:
        assert validate(response.content, "iso19115-3") == []
    elif expected == DATACITE:
        assert validate(response.content, "datacite-4.6") == []


def test_a_withdrawn_record_exports_its_tombstone_metadata(client, record, moderator):
    record_withdraw(record=record, actor=moderator, reason="data_error", note="Sensor drift.")
    response = client.get(record.get_absolute_url(), HTTP_ACCEPT=ISO)
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert validate(response.content, "iso19115-3") == []
    assert root.xpath("//mri:status/*/@codeListValue", namespaces=NS) == ["withdrawn"]
    assert root.xpath("//mrd:onLine/*[cit:protocol/*/text()='WWW:DOWNLOAD']", namespaces=NS) == []
    assert client.get(record.get_absolute_url()).status_code == 410  # the page is still a tombstone


def test_a_published_new_version_carries_its_version_relations(client, datacite, depositor, moderator, communities):
    first = publish(depositor, moderator, communities, metadata=complete_metadata("Glider section, version 1"))
    second = publish_new_version(first, depositor, moderator, title="Glider section, version 2")
    drain()
    response = client.get(export_url(second))
    assert validate(response.content, "iso19115-3") == []
    root = etree.fromstring(response.content)
    relations = {
        a.xpath("mri:name/*/cit:identifier/*/mcc:code/gcx:Anchor/@xlink:href", namespaces=NS)[0]: a.xpath(
            "mri:associationType/*/@codeListValue", namespaces=NS
        )[0]
        for a in root.xpath("//mri:associatedResource/mri:MD_AssociatedResource", namespaces=NS)
    }
    assert relations[f"https://doi.org/{first.doi}"] == "revisionOf"
    assert root.xpath("//mri:citation/*/cit:edition/*/text()", namespaces=NS) == ["2"]
    assert root.xpath("//mri:citation/*/cit:identifier/*/mcc:code/gcx:Anchor/text()", namespaces=NS) == [
        f"https://doi.org/{second.doi}"
    ]


@pytest.mark.parametrize("role", [None, "depositor", "other_depositor", "moderator", "other_moderator", "admin"])
def test_the_iso_export_is_public_for_every_role(client, record, role, request):
    if role:
        client.force_login(request.getfixturevalue(role))
    assert client.get(export_url(record)).status_code == 200
    assert client.get(record.get_absolute_url(), HTTP_ACCEPT=ISO)["Content-Type"].startswith(ISO)
