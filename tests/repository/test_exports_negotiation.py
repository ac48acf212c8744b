"""Content negotiation on `/records/<id>` and `/doi/<doi>`: each media type of DESIGN.md (and ISO
19115-3) gives that format, `text/x-bibliography` takes a style and a locale, browsers and `*/*` get
the page, and an `Accept` of nothing offered gets 406 with the list of what is."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from repository.xml_validation import validate
from tests.repository.landing_support import (
    add_version,
    counting,  # noqa: F401 - the fixture
    record_create,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("counting")]

MEDIA_TYPES = {
    "application/vnd.datacite.datacite+xml": "datacite-xml",
    "application/vnd.datacite.datacite+json": "datacite-json",
    "application/ld+json": "schemaorg",
    "application/x-bibtex": "bibtex",
    "application/x-research-info-systems": "ris",
    "application/vnd.citationstyles.csl+json": "csl-json",
    "text/x-bibliography": "citation",
    "application/vnd.iso.19115-3+xml": "iso19115-3",
    "application/linkset+json": "linkset",
    'application/ld+json; profile="http://www.w3.org/ns/prov#"': "prov",
    "text/turtle": "prov-turtle",
}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture
def record(depositor, communities):
    return record_create(owner=depositor, community=communities["ocean"])


def check_body(media_type: str, body: bytes, record) -> None:
    if media_type.endswith("+xml"):
        assert validate(body, "iso19115-3" if "iso" in media_type else "datacite-4.6") == []
    elif media_type.endswith("json"):
        data = json.loads(body)
        assert record.doi in json.dumps(data)
    else:
        assert record.doi in body.decode()


@pytest.mark.parametrize("media_type", MEDIA_TYPES)
@pytest.mark.parametrize("where", ["landing", "doi"])
def test_each_media_type_is_negotiated(client, record, media_type, where):
    url = record.get_absolute_url() if where == "landing" else f"/doi/{record.doi}"
    response = client.get(url, HTTP_ACCEPT=media_type)
    assert response.status_code == 200
    assert response["Content-Type"] == f"{media_type}; charset=utf-8"
    assert "Accept" in response["Vary"]
    assert "Content-Disposition" not in response
    check_body(media_type, response.content, record)
    export = client.get(reverse("repository:export", kwargs={"pk": record.pk, "fmt": MEDIA_TYPES[media_type]}))
    assert export.content == response.content  # the same as the export URL
    # answered at the page's or the DOI's URL, which the DOI identifies: cite-as; at its own URL,
    # the export is a part of the record and has none
    cite_as = f'<https://doi.org/{record.doi}>; rel="cite-as"'
    assert response["Link"] == export["Link"] + ", " + cite_as
    assert "cite-as" not in export["Link"]
    if where == "doi":
        assert response["Content-Location"] == reverse(
            "repository:export", kwargs={"pk": record.pk, "fmt": MEDIA_TYPES[media_type]}
        )


@pytest.mark.parametrize("where", ["landing", "doi"])
def test_the_bibliography_takes_its_style_and_locale_from_accept(client, record, where):
    url = record.get_absolute_url() if where == "landing" else f"/doi/{record.doi}"
    harvard = client.get(url, HTTP_ACCEPT="text/x-bibliography; style=harvard").content.decode()
    assert "Available at: https://doi.org/" in harvard
    french = client.get(url, HTTP_ACCEPT="text/x-bibliography; style=harvard; locale=fr-FR").content.decode()
    assert "Disponible sur" in french
    apa = client.get(url, HTTP_ACCEPT="text/x-bibliography").content.decode()
    assert "[CTD profiles]" in apa  # APA by default, as at doi.org
    refused = client.get(url, HTTP_ACCEPT="text/x-bibliography; style=no-such-style")
    assert refused.status_code == 406 and "Unknown style" in refused.content.decode()


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (BROWSER, "text/html"),
        ("*/*", "text/html"),
        ("text/*", "text/html"),
        ("", "text/html"),
        ("application/x-bibtex;q=0.5, application/x-research-info-systems", "application/x-research-info-systems"),
        ("application/x-bibtex, text/html;q=0.9", "application/x-bibtex"),
        ("text/html;q=0.5, application/ld+json", "application/ld+json"),
        ("application/pdf, application/x-bibtex;q=0.1", "application/x-bibtex"),
        ("application/vnd.citationstyles.csl+json; charset=utf-8", "application/vnd.citationstyles.csl+json"),
    ],
)
def test_the_landing_page_follows_the_client_s_preferences(client, record, accept, expected):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = client.get(record.get_absolute_url(), **headers)
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == expected


@pytest.mark.parametrize(
    "accept", ["application/pdf", "application/x-unknown", "image/png, text/plain;q=0.5", "application/json"]
)
@pytest.mark.parametrize("where", ["landing", "doi"])
def test_an_unsupported_media_type_is_not_acceptable(client, record, accept, where):
    url = record.get_absolute_url() if where == "landing" else f"/doi/{record.doi}"
    response = client.get(url, HTTP_ACCEPT=accept)
    assert response.status_code == 406
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Accept" in response["Vary"]
    listed = response.content.decode().splitlines()[1:]
    assert set(listed) == {"text/html", "application/xhtml+xml", *MEDIA_TYPES}


def test_the_doi_resolves_to_the_page_for_browsers(client, record):
    for headers in ({}, {"HTTP_ACCEPT": BROWSER}, {"HTTP_ACCEPT": "*/*"}):
        response = client.get(f"/doi/{record.doi}", **headers)
        assert response.status_code == 302 and response.url == record.get_absolute_url()
    assert client.get(f"/doi/{record.doi.upper()}").url == record.get_absolute_url()
    assert client.get("/doi/10.5072/nothing-here", HTTP_ACCEPT="application/x-bibtex").status_code == 404


def test_a_concept_doi_negotiates_for_its_latest_version(client, record):
    from repository.models import PersistentIdentifier

    second = add_version(record)
    pid = PersistentIdentifier.objects.create(
        doi="10.5072/estran.l8concept",
        provider="local",
        kind="concept",
        state="findable",
        target_state="findable",
        sync="done",
    )
    record.concept.pid = pid
    record.concept.save(update_fields=["pid"])
    page = client.get(f"/doi/{pid.doi}")
    assert page.status_code == 302 and page.url == second.get_absolute_url()
    bibtex = client.get(f"/doi/{pid.doi}", HTTP_ACCEPT="application/x-bibtex")
    assert bibtex.status_code == 200 and second.doi in bibtex.content.decode()


def test_a_withdrawn_record_still_negotiates_its_metadata(client, record, moderator):
    from repository.services import record_withdraw

    record_withdraw(record=record, actor=moderator, reason="duplicate", note="")
    record.refresh_from_db()
    response = client.get(f"/doi/{record.doi}", HTTP_ACCEPT="application/vnd.datacite.datacite+json")
    assert response.status_code == 200
    assert {"date": record.withdrawn_at.date().isoformat(), "dateType": "Withdrawn"} in response.json()["dates"]
    assert client.get(f"/doi/{record.doi}").url == record.get_absolute_url()
    assert client.get(record.get_absolute_url()).status_code == 410
