"""Versions: a new version starts from a published record, gets its own DOI once approved, and all
versions share a concept DOI (minted with the second version) that resolves to the latest; the
DataCite XML of each carries the version relations, derived from the chain, never stored in the
depositor's metadata; landing pages list the versions."""

from __future__ import annotations

import pytest
from django.urls import reverse
from lxml import etree

from core.errors import Conflict, PermissionDenied
from deposit import services as deposit_services
from deposit.models import Deposit
from deposit.workflow import Action
from repository.models import PersistentIdentifier, Record
from repository.selectors import pid_datacite_xml
from repository.services import record_withdraw
from tests.repository.doi_support import drain, publish, publish_new_version

pytestmark = pytest.mark.django_db

NS = {"d": "http://datacite.org/schema/kernel-4"}


def relations(xml: bytes) -> set[tuple[str, str]]:
    root = etree.fromstring(xml)
    return {(el.get("relationType"), el.text) for el in root.findall("d:relatedIdentifiers/d:relatedIdentifier", NS)}


def version_of(xml: bytes) -> str | None:
    el = etree.fromstring(xml).find("d:version", NS)
    return None if el is None else el.text


@pytest.fixture
def v1(datacite, depositor, moderator, communities):
    record = publish(depositor, moderator, communities)
    drain()
    return record


def test_a_new_version_starts_as_a_draft_prefilled_from_the_record(v1, datacite, depositor):
    deposit = deposit_services.deposit_new_version(record=v1, actor=depositor)
    assert deposit.status == "draft" and deposit.owner == depositor and deposit.community == v1.community
    assert deposit.metadata["titles"] == v1.metadata["titles"]
    assert deposit.metadata["creators"] == v1.metadata["creators"]
    assert "publication_year" not in deposit.metadata and "version" not in deposit.metadata
    # Its DOI is minted (ours, never reused) but only reserved at DataCite at submission.
    pid = deposit.pid
    assert pid.concept == v1.concept and pid.target_state == "none" and pid.sync == "done"
    drain()
    assert pid.doi not in datacite.dois and pid.doi != v1.doi


def test_only_the_depositors_or_an_administrator_start_a_new_version(v1, other_depositor, moderator, admin):
    for outsider in (other_depositor, moderator):
        with pytest.raises(PermissionDenied):
            deposit_services.deposit_new_version(record=v1, actor=outsider)
    assert deposit_services.deposit_new_version(record=v1, actor=admin).pid.concept == v1.concept


def test_one_new_version_is_prepared_at_a_time(v1, depositor):
    first = deposit_services.deposit_new_version(record=v1, actor=depositor)
    with pytest.raises(Conflict) as refused:
        deposit_services.deposit_new_version(record=v1, actor=depositor)
    assert refused.value.code == "new_version_open" and f"#{first.pk}" in refused.value.message
    deposit_services.deposit_delete(deposit=first, actor=depositor)
    assert deposit_services.deposit_new_version(record=v1, actor=depositor)


def test_the_submitted_new_version_is_reserved_as_a_new_version_of_the_latest(v1, datacite, depositor):
    deposit = deposit_services.deposit_new_version(record=v1, actor=depositor)
    deposit_services.file_add_bytes(deposit=deposit, actor=depositor, name="ctd.csv", chunks=[b"a,b\n"], size=4)
    deposit_services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)
    drain()
    stored = datacite.dois[deposit.pid.doi]
    assert stored.state == "draft"
    assert ("IsNewVersionOf", v1.doi) in relations(stored.xml)


def test_the_second_version_gets_its_own_doi_and_a_concept_doi_for_all_versions(v1, datacite, depositor, moderator):
    v2 = publish_new_version(v1, depositor, moderator, title="CTD casts of the PELGAS 2024 cruise, corrected")
    drain()
    v1.refresh_from_db()
    assert (v2.version, v2.concept_id) == (2, v1.concept_id) and v2.doi != v1.doi
    concept_pid = v2.concept.pid
    assert concept_pid.kind == "concept" and concept_pid.state == "findable"
    assert set(datacite.dois) == {v1.doi, v2.doi, concept_pid.doi}
    assert {d.state for d in datacite.dois.values()} == {"findable"}

    v2_xml, v1_xml = datacite.dois[v2.doi].xml, datacite.dois[v1.doi].xml
    assert relations(v2_xml) == {("IsNewVersionOf", v1.doi), ("IsVersionOf", concept_pid.doi)}
    assert relations(v1_xml) == {("IsPreviousVersionOf", v2.doi), ("IsVersionOf", concept_pid.doi)}
    assert (version_of(v1_xml), version_of(v2_xml)) == ("1", "2")
    concept = datacite.dois[concept_pid.doi]
    assert relations(concept.xml) == {("HasVersion", v1.doi), ("HasVersion", v2.doi)}
    assert b"corrected" in concept.xml and version_of(concept.xml) is None
    assert concept.url == v2.concept.landing_url
    # Derived at serialization time: the depositors' documents hold none of it.
    assert "related_identifiers" not in v1.metadata or v1.metadata["related_identifiers"] == []
    assert v2.metadata.get("related_identifiers", []) == []
    # harvesters see v1 changed (its relations)
    assert v1.modified > v1.created


def test_the_concept_doi_resolves_to_the_latest_version(v1, datacite, depositor, moderator, client):
    v2 = publish_new_version(v1, depositor, moderator)
    v3 = publish_new_version(v2, depositor, moderator)
    drain()
    concept_doi = v3.concept.pid.doi
    assert client.get(f"/doi/{concept_doi}", follow=True).redirect_chain[-1][0] == v3.get_absolute_url()
    assert client.get(f"/doi/{concept_doi.upper()}", follow=True).redirect_chain[-1][0] == v3.get_absolute_url()
    assert client.get(f"/doi/{v1.doi}").url == v1.get_absolute_url()
    # v2 now points at v3, v1 was not sent again
    assert ("IsPreviousVersionOf", v3.doi) in relations(datacite.dois[v2.doi].xml)
    assert ("IsNewVersionOf", v2.doi) in relations(datacite.dois[v3.doi].xml)
    assert relations(datacite.dois[v1.doi].xml) == {("IsPreviousVersionOf", v2.doi), ("IsVersionOf", concept_doi)}
    v1_calls = [r for r in datacite.requests if r["doi"] == v1.doi]
    assert len(v1_calls) == 2  # published, then re-sent once when the concept appeared
    assert relations(datacite.dois[concept_doi].xml) == {("HasVersion", v.doi) for v in (v1, v2, v3)}
    assert Record.objects.filter(concept=v1.concept).count() == 3
    assert PersistentIdentifier.objects.filter(kind="concept").count() == 1


def test_the_concept_doi_skips_a_withdrawn_latest_version(v1, datacite, depositor, moderator, client):
    v2 = publish_new_version(v1, depositor, moderator)
    drain()
    record_withdraw(record=v2, actor=moderator, reason="data_error", note="Wrong calibration.")
    drain()
    concept_doi = v2.concept.pid.doi
    assert client.get(f"/doi/{concept_doi}", follow=True).redirect_chain[-1][0] == v1.get_absolute_url()
    assert datacite.dois[concept_doi].state == "findable"
    record_withdraw(record=v1, actor=moderator, reason="data_error", note="Wrong calibration too.")
    drain()
    assert datacite.dois[concept_doi].state == "registered"  # every version withdrawn: hidden too


def test_landing_pages_list_the_versions_and_point_to_the_latest(v1, depositor, moderator, client):
    v2 = publish_new_version(v1, depositor, moderator)
    page = client.get(v1.get_absolute_url()).content.decode()
    assert "Versions" in page and v2.doi in page and v1.doi in page
    assert "A newer version of this dataset exists (version 2)." in page
    assert v2.concept.pid.doi in page
    latest = client.get(v2.get_absolute_url()).content.decode()
    assert "A newer version" not in latest and "Version 2." in latest  # in the citation


def test_the_landing_page_offers_a_new_version_to_its_depositor_only(v1, depositor, other_depositor, client):
    button = reverse("deposit:new-version", kwargs={"record_pk": v1.pk})
    assert button not in client.get(v1.get_absolute_url()).content.decode()
    client.force_login(other_depositor)
    assert button not in client.get(v1.get_absolute_url()).content.decode()
    client.force_login(depositor)
    assert button in client.get(v1.get_absolute_url()).content.decode()
    response = client.post(button)
    deposit = Deposit.objects.get(pid__concept=v1.concept, record__isnull=True)
    assert response.url == reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "describe"})
    page = client.get(reverse("deposit:detail", kwargs={"pk": deposit.pk})).content.decode()
    assert "new version of a published dataset" in page and "reserved for this deposit when you submit" in page


def test_new_version_through_the_api(v1, depositor, other_depositor, api_client):
    response = api_client(other_depositor).post(f"/api/records/{v1.pk}/new-version")
    assert response.status_code == 403
    response = api_client(depositor).post(f"/api/records/{v1.pk}/new-version")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["metadata"]["titles"] == v1.metadata["titles"]
    again = api_client(depositor).post(f"/api/records/{v1.pk}/new-version")
    assert again.status_code == 409 and again.json()["code"] == "new_version_open"
    assert api_client(depositor).post("/api/records/999999/new-version").status_code == 404


def test_the_record_api_gives_the_version_and_the_concept_doi(v1, depositor, moderator, client):
    v2 = publish_new_version(v1, depositor, moderator)
    body = client.get(f"/api/records/{v2.pk}").json()
    assert body["version"] == 2 and body["concept_doi"] == v2.concept.pid.doi and body["status"] == "published"


def test_the_datacite_export_carries_the_version_relations(v1, depositor, moderator, client):
    v2 = publish_new_version(v1, depositor, moderator)
    body = client.get(reverse("repository:export", kwargs={"pk": v1.pk, "fmt": "datacite-xml"})).content
    assert ("IsPreviousVersionOf", v2.doi) in relations(body)
    assert body == pid_datacite_xml(v1.pid)


def test_the_landing_page_runs_as_many_queries_with_one_version_or_four(
    v1, depositor, moderator, client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(v1.get_absolute_url()).status_code == 200
    latest = v1
    for _ in range(3):
        latest = publish_new_version(latest, depositor, moderator)
    for record in (v1, latest):
        with django_assert_max_num_queries(len(one.captured_queries)):
            assert client.get(record.get_absolute_url()).status_code == 200
