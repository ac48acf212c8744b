"""What a record publishes of the people behind it. The depositor's e-mail address is published only
if they choose to (the community's contact address otherwise); a username never appears (an account
without a name cannot submit); a record withdrawn for sensitive data keeps only what identifies it,
in every public output: the tombstone, the API, the exports, OAI-PMH and DataCite's metadata."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.urls import reverse
from lxml import etree

from deposit import services as deposit_services, wizard
from deposit.models import Deposit
from deposit.workflow import Action
from repository.models import PersistentIdentifier
from repository.xml_validation import validate
from tests.factories import complete_metadata, deposit_with_file
from tests.repository.doi_support import approve, drain

pytestmark = pytest.mark.django_db

DATACITE_NS = {"d": "http://datacite.org/schema/kernel-4"}
EXPORTS = (
    "datacite-xml",
    "datacite-json",
    "iso19115-3",
    "schemaorg",
    "bibtex",
    "ris",
    "csl-json",
    "citation",
    "linkset",
)


def publish_as(user, moderator, communities, metadata: dict):
    deposit = deposit_with_file(user, community=communities["ocean"], metadata=metadata)
    deposit = deposit_services.deposit_act(deposit=deposit, action=Action.submit, actor=user)
    record = approve(deposit, moderator).record
    drain()
    return record


def public_outputs(client, record) -> dict[str, str]:
    """Everything a reader or a harvester gets about the record, by where it came from."""
    outputs = {
        "landing": client.get(record.get_absolute_url()).content.decode(),
        "api": client.get(f"/api/records/{record.pk}").content.decode(),
    }
    for fmt in EXPORTS:
        outputs[fmt] = client.get(reverse("repository:export", kwargs={"pk": record.pk, "fmt": fmt})).content.decode()
    for prefix in ("oai_dc", "oai_datacite", "datacite", "iso19115-3"):
        response = client.get(
            "/oai",
            {
                "verb": "GetRecord",
                "metadataPrefix": prefix,
                "identifier": f"oai:{settings.OAI_REPOSITORY_IDENTIFIER}:{record.pk}",
            },
        )
        xml = b"".join(response.streaming_content) if response.streaming else response.content
        assert validate(xml, "oai-pmh") == []
        outputs[f"oai {prefix}"] = xml.decode()
    return outputs


def test_a_new_deposit_publishes_the_communitys_contact_address_not_the_depositors(
    client, depositor, moderator, communities, datacite
):
    default_contact = wizard.initial_metadata(depositor)["point_of_contact"]
    assert "email" not in default_contact  # the wizard no longer fills it in
    record = publish_as(depositor, moderator, communities, {**complete_metadata(), "point_of_contact": default_contact})

    ocean_address = communities["ocean"].contact_email
    outputs = public_outputs(client, record)
    outputs["DataCite"] = datacite.dois[record.doi].xml.decode()
    for where, text in outputs.items():
        assert depositor.email not in text, where
    iso = outputs["iso19115-3"]
    assert f"<gco:CharacterString>{ocean_address}</gco:CharacterString>" in iso
    assert ocean_address in outputs["oai iso19115-3"]
    assert validate(iso.encode(), "iso19115-3") == []


def test_an_address_the_depositor_chose_to_publish_is_published(client, depositor, moderator, communities, datacite):
    metadata = complete_metadata()  # "anne.legoff@example.org", typed in the wizard's "an address I give"
    record = publish_as(depositor, moderator, communities, metadata)
    outputs = public_outputs(client, record)
    assert "anne.legoff@example.org" in outputs["iso19115-3"] and "anne.legoff@example.org" in outputs["api"]
    assert communities["ocean"].contact_email not in outputs["iso19115-3"]


def test_a_deposit_made_through_the_api_does_not_publish_the_account_address(api_client, depositor, communities):
    metadata = {k: v for k, v in complete_metadata().items() if k != "point_of_contact"}
    created = api_client(depositor).post(
        "/api/deposits", {"community": "ocean", "metadata": metadata}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["metadata"]["point_of_contact"] == {"name": "Depositor"}


# --- Usernames ------------------------------------------------------------------------------------


@pytest.fixture
def nameless(db):
    """An account with no name: only a username (a local sign-up, before it says who it is)."""
    from accounts.services import user_create

    return user_create(username="xk_buoy_42", email="xk42@example.org", password="correct horse battery")


def test_a_new_deposit_never_uses_the_username_for_a_creator_or_the_contact(nameless):
    metadata = wizard.initial_metadata(nameless)
    assert "xk_buoy_42" not in json.dumps(metadata)
    assert "creators" not in metadata and "point_of_contact" not in metadata
    deposit = deposit_services.deposit_create(owner=nameless, metadata={})
    assert "xk_buoy_42" not in json.dumps(deposit.metadata)


def test_an_account_without_a_name_cannot_submit_and_is_sent_to_the_account_page(api_client, nameless, communities):
    deposit = deposit_with_file(nameless, community=communities["ocean"])
    client = api_client(nameless)
    response = client.post(f"/api/deposits/{deposit.pk}/actions", {"action": "submit"}, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "name_required"
    assert settings.SITE_URL + reverse("accounts:profile") in body["detail"]
    assert body["problems"] == [{"field": "account.display_name", "message": body["detail"]}]
    # Nothing changed: still a draft, no DOI reserved, no event.
    deposit = Deposit.objects.get(pk=deposit.pk)
    assert (deposit.status, deposit.pid_id, deposit.events.count()) == ("draft", None, 0)
    assert not PersistentIdentifier.objects.exists()


def test_the_wizard_sends_a_nameless_account_to_the_account_page_which_takes_the_name(
    client, nameless, communities, moderator, datacite
):
    deposit = deposit_with_file(nameless, community=communities["ocean"])
    client.force_login(nameless)
    answer = client.post(reverse("deposit:wizard-submit", kwargs={"pk": deposit.pk}), follow=True)
    assert "Give your name on your account page" in answer.content.decode()
    assert Deposit.objects.get(pk=deposit.pk).status == "draft"

    account = client.get(reverse("accounts:profile")).content.decode()
    assert 'id="name-needed"' in account
    refused = client.post(reverse("accounts:name-update"), {"display_name": "   "})
    assert refused.status_code == 400
    saved = client.post(reverse("accounts:name-update"), {"display_name": "  Yann   Kerouac "})
    assert saved.status_code == 302
    nameless.refresh_from_db()
    assert nameless.display_name == "Yann Kerouac" and nameless.public_name == "Yann Kerouac"

    submitted = client.post(reverse("deposit:wizard-submit", kwargs={"pk": deposit.pk}))
    assert submitted.status_code == 302
    record = approve(Deposit.objects.get(pk=deposit.pk), moderator).record
    drain()
    for where, text in {**public_outputs(client, record), "DataCite": datacite.dois[record.doi].xml.decode()}.items():
        assert "xk_buoy_42" not in text and "xk42@example.org" not in text, where


# --- Withdrawn for sensitive data -----------------------------------------------------------------


@pytest.fixture
def exposed(depositor, moderator, communities, datacite):
    """A record that published the most: the contact's own address, creators with ORCID iDs."""
    return publish_as(depositor, moderator, communities, complete_metadata())


PERSONAL = ("anne.legoff@example.org", "Le Goff", "Anne", "Martin", "0000-0002-1825-0097", "ctd.csv")


def test_a_withdrawal_for_sensitive_data_removes_personal_data_from_every_public_output(
    exposed, api_client, client, moderator, datacite
):
    withdrawn = api_client(moderator).post(
        f"/api/records/{exposed.pk}/withdraw",
        {"reason": "sensitive", "note": "Names of survey participants."},
        content_type="application/json",
    )
    assert withdrawn.status_code == 200
    drain()

    outputs = public_outputs(client, exposed)
    stored = datacite.dois[exposed.doi]
    outputs["DataCite"] = stored.xml.decode()
    for where, text in outputs.items():
        for personal in PERSONAL:
            assert personal not in text, (where, personal)
    # What identifies the record stays: the DOI, the title, the withdrawal.
    landing = client.get(exposed.get_absolute_url())
    assert landing.status_code == 410
    page = landing.content.decode()
    assert exposed.title in page and exposed.doi in page and "Names of survey participants." in page
    assert 'id="redacted-note"' in page
    assert "orcid.org" not in landing["Link"]  # no `author` in the Signposting links either
    api = json.loads(outputs["api"])
    assert api["status"] == "withdrawn" and api["withdrawal"]["reason"] == "sensitive" and api["files"] == []
    assert api["metadata"]["titles"] == [{"title": exposed.title}]
    # DataCite: registered (hidden), still valid, creators suppressed with its standard value.
    assert stored.state == "registered" and validate(stored.xml, "datacite-4.6") == []
    root = etree.fromstring(stored.xml)
    assert root.xpath("//d:creatorName/text()", namespaces=DATACITE_NS) == [":unal"]
    assert root.xpath("//d:title/text()", namespaces=DATACITE_NS) == [exposed.title]
    # OAI-PMH announces the deletion, with no metadata.
    assert 'status="deleted"' in outputs["oai iso19115-3"] and "<metadata>" not in outputs["oai iso19115-3"]
    assert validate(outputs["iso19115-3"].encode(), "iso19115-3") == []


def test_another_withdrawal_keeps_the_citation(exposed, client, moderator, datacite):
    from repository.services import record_withdraw

    record_withdraw(record=exposed, actor=moderator, reason="data_error", note="The sensor drifted.")
    drain()
    page = client.get(exposed.get_absolute_url()).content.decode()
    assert "Le Goff" in page and 'id="redacted-note"' not in page
    assert b"Le Goff" in datacite.dois[exposed.doi].xml
