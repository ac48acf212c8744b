"""Links from metadata are web addresses only: `javascript:`, `data:` and `vbscript:` URLs (and any
other scheme) are refused at validation with a message at their field, in the document and through
the API, and a page never makes a link of one that was stored anyway (a record from before the
check, a draft, which keeps whatever was typed)."""

from __future__ import annotations

import copy
import json

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from core.links import safe_href
from deposit.models import Deposit, DepositEvent
from repository.metadata import validate_document
from repository.models import Record
from tests.factories import complete_metadata
from tests.repository.landing_support import counting, full_metadata, record_create  # noqa: F401 - the fixture

HOSTILE = [
    "javascript:alert(document.domain)",
    "JavaScript:alert(1)",
    "java\tscript:alert(1)",
    " javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
    "//evil.example/x",
]
WEB_ADDRESS = "Not a web address: it starts with https:// or http://."


def problems(data: dict) -> list[tuple[str, str, str]]:
    _doc, found = validate_document(data)
    return [(p["step"], p["field"], p["message"]) for p in found]


def with_changes(**changes) -> dict:
    data = copy.deepcopy(complete_metadata())
    data.update(changes)
    return data


@pytest.mark.parametrize("url", HOSTILE)
def test_a_licence_uri_that_is_not_a_web_address_is_refused_at_its_field(url):
    rights = {"identifier": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 International", "uri": url}
    assert problems(with_changes(rights=[rights])) == [("links_licence", "rights.0.uri", WEB_ADDRESS)]


@pytest.mark.parametrize("url", HOSTILE)
@pytest.mark.parametrize("field", ["value_uri", "scheme_uri"])
def test_a_keyword_concept_or_thesaurus_uri_that_is_not_a_web_address_is_refused(url, field):
    subject = {"subject": "CTD", "scheme": "NERC L05", field: url}
    assert problems(with_changes(subjects=[subject])) == [("describe", f"subjects.0.{field}", WEB_ADDRESS)]


@pytest.mark.parametrize("url", HOSTILE)
def test_an_award_uri_or_a_related_url_that_is_not_a_web_address_is_refused(url):
    funding = {"funder_name": "ANR", "award_number": "ANR-21-CE01-0001", "award_uri": url}
    assert problems(with_changes(funding_references=[funding])) == [
        ("people", "funding_references.0.award_uri", WEB_ADDRESS)
    ]
    related = {"identifier": url, "identifier_type": "URL", "relation_type": "IsSupplementTo"}
    assert problems(with_changes(related_identifiers=[related])) == [
        ("links_licence", "related_identifiers.0.identifier", WEB_ADDRESS)
    ]


@pytest.mark.parametrize(
    "identifier",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "https://exa mple.org",
    ],
)
def test_a_funder_identifier_of_kind_other_is_a_web_address_or_a_plain_code(identifier):
    funding = {"funder_name": "Région Bretagne", "funder_identifier": identifier, "funder_identifier_type": "Other"}
    [(step, field, message)] = problems(with_changes(funding_references=[funding]))
    assert (step, field) == ("people", "funding_references.0.funder_identifier")
    assert "web address" in message


@pytest.mark.parametrize("identifier", ["https://www.bretagne.bzh/", "RB-2024-117", "ANR 21 CE01"])
def test_a_funder_identifier_of_kind_other_may_be_a_web_address_or_a_plain_code(identifier):
    funding = {"funder_name": "Région Bretagne", "funder_identifier": identifier, "funder_identifier_type": "Other"}
    assert problems(with_changes(funding_references=[funding])) == []


@pytest.mark.parametrize(
    ("value", "href"),
    [
        ("https://ror.org/044jxhp58", "https://ror.org/044jxhp58"),
        ("HTTP://vocab.nerc.ac.uk/collection/L05/current/130/", "HTTP://vocab.nerc.ac.uk/collection/L05/current/130/"),
        *[(url, "") for url in HOSTILE],
        ("https://example.org/\njavascript:alert(1)", ""),
        ("", ""),
        (None, ""),
        (42, ""),
    ],
)
def test_only_a_web_address_becomes_an_href(value, href):
    assert safe_href(value) == href


# --- Through the API ------------------------------------------------------------------------------


def test_the_api_refuses_to_submit_a_javascript_licence_and_keeps_the_draft(api_client, depositor):
    client = api_client(depositor)
    metadata = complete_metadata()
    metadata["rights"] = [{"identifier": "CC-BY-4.0", "title": "CC BY", "uri": "javascript:alert(document.cookie)"}]
    metadata["subjects"][0]["value_uri"] = "data:text/html,<script>alert(1)</script>"
    created = client.post(
        "/api/deposits", data=json.dumps({"community": "ocean", "metadata": metadata}), content_type="application/json"
    )
    assert created.status_code == 201, created.content  # a draft keeps what was typed
    deposit_id = created.json()["id"]
    refused = client.post(
        f"/api/deposits/{deposit_id}/actions", data=json.dumps({"action": "submit"}), content_type="application/json"
    )
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "ValidationFailed"
    assert {"step": "links_licence", "field": "rights.0.uri", "message": WEB_ADDRESS} in body["problems"]
    assert {"step": "describe", "field": "subjects.0.value_uri", "message": WEB_ADDRESS} in body["problems"]
    deposit = Deposit.objects.get(pk=deposit_id)
    assert deposit.status == "draft" and deposit.pid_id is None
    assert deposit.metadata == metadata
    assert not DepositEvent.objects.filter(deposit=deposit).exists()


# --- At render ------------------------------------------------------------------------------------


@pytest.fixture
def stored_before_the_check(depositor, communities):
    """A record whose document was stored before only web addresses were accepted as URIs."""
    record = record_create(owner=depositor, community=communities["ocean"], files=0)
    metadata = full_metadata()
    metadata["rights"][0]["uri"] = "javascript:alert('licence')"
    metadata["subjects"][0]["value_uri"] = "javascript:alert('concept')"
    metadata["funding_references"][0].update(
        funder_identifier="javascript:alert('http')", funder_identifier_type="Other"
    )
    Record.objects.filter(pk=record.pk).update(metadata=metadata)
    return record


@pytest.mark.django_db
@pytest.mark.usefixtures("counting")
def test_the_landing_page_shows_a_hostile_link_as_text(client, stored_before_the_check):
    response = client.get(stored_before_the_check.get_absolute_url())
    assert response.status_code == 200
    page = lxml_html.fromstring(response.content)
    hrefs = [a.get("href") for a in page.iter("a")]
    assert not [h for h in hrefs if h and not h.startswith(("/", "#", "http://", "https://"))]
    text = page.text_content()
    assert "Creative Commons Attribution 4.0 International" in text  # the licence, not linked
    assert "Sea water temperature" in text and "Agence nationale de la recherche" in text


def test_the_wizard_shows_no_link_for_a_hostile_concept_uri_in_a_draft(client, depositor, communities):
    from deposit.services import deposit_create

    metadata = complete_metadata()
    metadata["subjects"][0]["value_uri"] = "javascript:alert('chip')"
    deposit = deposit_create(owner=depositor, metadata=metadata, community=communities["ocean"])
    client.force_login(depositor)
    response = client.get(reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "describe"}))
    assert response.status_code == 200
    page = lxml_html.fromstring(response.content)
    chips = page.xpath("//a[@data-chip-uri]")
    assert chips and all(chip.get("href") == "#" and chip.get("hidden") is not None for chip in chips)
    assert "javascript:" not in "".join(a.get("href") or "" for a in page.iter("a"))
