"""The real DataCite provider and client, over HTTP, against the local fake DataCite server."""

from __future__ import annotations

import base64
import logging
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from repository.metadata import LICENCES, MetadataDocument
from repository.pids.base import DOIState, RejectedError, RetryableError, get_provider
from repository.pids.datacite import DataCiteDOIProvider
from repository.serializers.datacite import to_datacite_xml
from tests.fakes.fixtures import (  # noqa: F401 - pytest fixtures
    DATACITE_PASSWORD,
    DATACITE_USERNAME,
    datacite_settings,
    fake_datacite,
)

pytestmark = pytest.mark.usefixtures("datacite_settings")

LANDING = "https://estran.example.org/records/42"
INVALID_EXAMPLE = (
    Path(__file__).parents[2].parent
    / "shared"
    / "schemas"
    / "examples"
    / "datacite-4.6"
    / "datacite-example-full-v4-invalid.xml"
)


def xml_for(doi: str, title: str = "CTD casts of the PELGAS 2023 cruise") -> bytes:
    document = MetadataDocument.model_validate(
        {
            "titles": [{"title": title}],
            "creators": [
                {
                    "name": "Le Goff, Maëlle",
                    "orcid": "0000-0002-1825-0097",
                    "affiliations": [{"name": "Ifremer", "ror": "https://ror.org/044jxhp58"}],
                }
            ],
            "descriptions": [{"description": "Temperature and salinity profiles, Bay of Biscay."}],
            "point_of_contact": {"name": "Le Goff, Maëlle", "email": "maelle.legoff@example.org"},
            "rights": [LICENCES["CC-BY-4.0"].model_dump()],
            "geo_locations": [{"box": {"west": -6.0, "east": -1.0, "south": 43.5, "north": 48.0}}],
        }
    )
    return to_datacite_xml(document, doi=doi, publication_year=2024)


def without_publisher(xml: bytes) -> bytes:
    start, end = xml.index(b"<publisher>"), xml.index(b"</publisher>") + len(b"</publisher>")
    return xml[:start] + xml[end:]


@pytest.fixture
def provider() -> DataCiteDOIProvider:
    return DataCiteDOIProvider()


@pytest.fixture
def doi(provider) -> str:
    return provider.mint()


def stored(fake, doi):
    return fake.dois[doi.lower()]


def test_provider_is_chosen_from_settings_with_the_datacite_prefix(datacite_settings):
    provider = get_provider()
    assert isinstance(provider, DataCiteDOIProvider)
    assert provider.name == "datacite" and provider.is_demo is False
    assert provider.mint().startswith("10.80000/estran.")


def test_reserve_creates_a_draft_with_the_xml(provider, doi, fake_datacite):
    xml = xml_for(doi)
    provider.reserve(doi=doi, xml=xml)

    record = stored(fake_datacite, doi)
    assert record.state == "draft"
    assert record.url is None
    assert record.xml == xml
    assert [(r["method"], r["event"], r["status"]) for r in record.requests] == [("PUT", None, 200)]


def test_register_makes_the_reserved_doi_findable_at_its_landing_page(provider, doi, fake_datacite):
    provider.reserve(doi=doi, xml=xml_for(doi))
    provider.register(doi=doi, url=LANDING, xml=xml_for(doi, title="Final title"))

    record = stored(fake_datacite, doi)
    assert record.state == "findable"
    assert record.url == LANDING
    assert b"Final title" in record.xml
    assert [r["event"] for r in record.requests] == [None, "publish"]


def test_register_without_reservation_creates_the_doi_findable(provider, doi, fake_datacite):
    provider.register(doi=doi, url=LANDING, xml=xml_for(doi))
    assert stored(fake_datacite, doi).state == "findable"


def test_reserving_again_after_publication_does_not_turn_the_doi_back_to_draft(provider, doi, fake_datacite):
    # A retried reservation task that runs late must not undo the publication.
    provider.register(doi=doi, url=LANDING, xml=xml_for(doi))
    provider.reserve(doi=doi, xml=xml_for(doi))
    assert stored(fake_datacite, doi).state == "findable"


def test_update_changes_url_and_metadata_but_not_the_state(provider, doi, fake_datacite):
    provider.register(doi=doi, url=LANDING, xml=xml_for(doi))
    provider.update(doi=doi, url=LANDING + "/v2", xml=xml_for(doi, title="Corrected title"))

    record = stored(fake_datacite, doi)
    assert (record.state, record.url) == ("findable", LANDING + "/v2")
    assert b"Corrected title" in record.xml
    assert record.requests[-1]["event"] is None


def test_hide_turns_a_findable_doi_into_registered(provider, doi, fake_datacite):
    provider.register(doi=doi, url=LANDING, xml=xml_for(doi))
    provider.hide(doi=doi)

    record = stored(fake_datacite, doi)
    assert record.state == "registered"
    assert record.url == LANDING  # still resolves, to the tombstone
    assert record.requests[-1]["event"] == "hide"


def test_delete_is_refused_once_the_doi_is_findable(provider, doi, fake_datacite):
    provider.register(doi=doi, url=LANDING, xml=xml_for(doi))

    with pytest.raises(RejectedError) as excinfo:
        provider.delete(doi=doi)
    assert excinfo.value.status == 403
    assert "draft" in excinfo.value.message
    assert stored(fake_datacite, doi).state == "findable"


def test_delete_removes_a_draft_and_a_repeated_delete_is_harmless(provider, doi, fake_datacite):
    provider.reserve(doi=doi, xml=xml_for(doi))
    provider.delete(doi=doi)
    assert doi.lower() not in fake_datacite.dois

    provider.delete(doi=doi)  # a retried task: DataCite answers 404, the DOI is gone either way
    assert [(r["method"], r["status"]) for r in fake_datacite.requests] == [
        ("PUT", 200),
        ("DELETE", 204),
        ("DELETE", 404),
    ]


def test_get_returns_state_url_and_xml(provider, doi, fake_datacite):
    xml = xml_for(doi)
    provider.reserve(doi=doi, xml=xml)
    remote = provider.get(doi=doi)
    assert (remote.doi, remote.state, remote.url, remote.xml) == (doi, DOIState.draft, None, xml)

    provider.register(doi=doi, url=LANDING, xml=xml)
    remote = provider.get(doi=doi)
    assert (remote.state, remote.url, remote.xml) == (DOIState.findable, LANDING, xml)


def test_get_of_an_unknown_doi_is_none(provider, doi):
    assert provider.get(doi=doi) is None


def test_wrong_password_is_rejected_with_401(datacite_settings, doi, fake_datacite, caplog):
    caplog.set_level(logging.DEBUG)
    datacite_settings.DATACITE_PASSWORD = "not-the-password"
    provider = DataCiteDOIProvider()

    with pytest.raises(RejectedError) as excinfo:
        provider.reserve(doi=doi, xml=xml_for(doi))
    assert excinfo.value.status == 401
    assert "Bad credentials" in excinfo.value.message
    assert fake_datacite.dois == {}
    assert "datacite.rejected" in caplog.text
    assert "not-the-password" not in caplog.text and DATACITE_PASSWORD not in caplog.text


def test_a_prefix_of_another_account_is_rejected_with_403(provider, fake_datacite):
    doi = "10.99999/estran.abcde-fghjk"
    with pytest.raises(RejectedError) as excinfo:
        provider.reserve(doi=doi, xml=xml_for(doi))
    assert excinfo.value.status == 403
    assert fake_datacite.dois == {}


def test_a_422_from_datacite_is_rejected_with_its_messages_not_retried(provider, doi):
    # The datacite package would call this a server error; it is our request that is wrong.
    with pytest.raises(RejectedError) as excinfo:
        provider.register(doi=doi, url="landing-page", xml=xml_for(doi))
    assert excinfo.value.status == 422
    assert "url: Is not a valid URL." in excinfo.value.message


def test_invalid_xml_is_refused_locally_without_any_request(provider, doi, fake_datacite):
    with pytest.raises(RejectedError) as excinfo:
        provider.reserve(doi=doi, xml=without_publisher(xml_for(doi)))
    assert excinfo.value.status is None
    assert "publisher" in excinfo.value.message
    assert "line " in excinfo.value.message

    with pytest.raises(RejectedError):
        provider.register(doi=doi, url=LANDING, xml=b"<resource>")
    assert fake_datacite.requests == []


def test_a_server_error_is_retryable_and_the_retry_succeeds(provider, doi, fake_datacite):
    fake_datacite.fail_next(1, status=503)
    with pytest.raises(RetryableError) as excinfo:
        provider.reserve(doi=doi, xml=xml_for(doi))
    assert excinfo.value.status == 503
    assert fake_datacite.dois == {}

    provider.reserve(doi=doi, xml=xml_for(doi))
    assert stored(fake_datacite, doi).state == "draft"
    assert [(r["method"], r["status"]) for r in fake_datacite.requests] == [("PUT", 503), ("PUT", 200)]


def test_a_500_is_retryable(provider, doi, fake_datacite):
    fake_datacite.fail_next(1)
    with pytest.raises(RetryableError) as excinfo:
        provider.get(doi=doi)
    assert excinfo.value.status == 500
    assert excinfo.value.retry_after is None


def test_throttling_is_retryable_after_the_advertised_delay(provider, doi, fake_datacite):
    fake_datacite.throttle_next(1, retry_after=7)
    with pytest.raises(RetryableError) as excinfo:
        provider.register(doi=doi, url=LANDING, xml=xml_for(doi))
    assert excinfo.value.status == 429
    assert excinfo.value.retry_after == 7.0
    assert fake_datacite.dois == {}


def test_a_timeout_is_retryable_and_a_retry_after_it_is_safe(datacite_settings, doi, fake_datacite):
    datacite_settings.DATACITE_TIMEOUT = 0.3
    provider = DataCiteDOIProvider()
    fake_datacite.delay(1.0)

    started = time.monotonic()
    with pytest.raises(RetryableError) as excinfo:
        provider.register(doi=doi, url=LANDING, xml=xml_for(doi))
    assert time.monotonic() - started < 1.0
    assert excinfo.value.status is None

    # DataCite may have applied the request we stopped waiting for; the retry is a PUT of the
    # same state, so both outcomes end the same.
    fake_datacite.delay(0)
    provider.register(doi=doi, url=LANDING, xml=xml_for(doi))
    assert stored(fake_datacite, doi).state == "findable"


def test_an_unreachable_datacite_is_retryable(datacite_settings, doi):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    datacite_settings.DATACITE_API_URL = f"http://127.0.0.1:{port}/"
    with pytest.raises(RetryableError) as excinfo:
        DataCiteDOIProvider().reserve(doi=doi, xml=xml_for(doi))
    assert "could not be reached" in excinfo.value.message


def test_concurrent_reservations_are_all_kept(provider, fake_datacite):
    dois = [provider.mint() for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda d: provider.reserve(doi=d, xml=xml_for(d)), dois))
    assert sorted(fake_datacite.dois) == sorted(d.lower() for d in dois)
    assert {record.state for record in fake_datacite.dois.values()} == {"draft"}


def test_retrying_through_random_failures_ends_with_one_findable_doi(provider, doi, fake_datacite):
    fake_datacite.fail_ratio(0.5, seed=7)
    failures = 0
    for step in (
        lambda: provider.reserve(doi=doi, xml=xml_for(doi)),
        lambda: provider.register(doi=doi, url=LANDING, xml=xml_for(doi)),
    ):
        for _attempt in range(50):
            try:
                step()
                break
            except RetryableError:
                failures += 1
    assert failures > 0
    assert list(fake_datacite.dois) == [doi.lower()]
    assert stored(fake_datacite, doi).state == "findable"


# ---- the fake server itself, spoken to raw ------------------------------------------------


def raw_put(fake, doi: str, attributes: dict, auth=(DATACITE_USERNAME, DATACITE_PASSWORD)):
    return requests.put(
        f"{fake.url}dois/{doi}",
        auth=auth,
        timeout=5,
        json={"data": {"type": "dois", "attributes": attributes}},
        headers={"Content-Type": "application/vnd.api+json"},
    )


def test_fake_server_refuses_invalid_xml_with_422(fake_datacite):
    doi = "10.80000/raw-1"
    invalid = INVALID_EXAMPLE.read_bytes() if INVALID_EXAMPLE.is_file() else without_publisher(xml_for(doi))
    response = raw_put(fake_datacite, doi, {"doi": doi, "xml": base64.b64encode(invalid).decode()})

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors[0]["source"] == "xml"
    assert "publisher" in errors[0]["title"]
    assert fake_datacite.dois == {}


def test_fake_server_requires_url_and_xml_to_publish_and_never_returns_to_draft(fake_datacite):
    doi = "10.80000/raw-2"
    response = raw_put(fake_datacite, doi, {"doi": doi, "event": "publish"})
    assert response.status_code == 422
    assert {e["source"] for e in response.json()["errors"]} == {"url", "xml"}

    xml = base64.b64encode(xml_for(doi)).decode()
    assert raw_put(fake_datacite, doi, {"xml": xml}).json()["data"]["attributes"]["state"] == "draft"
    assert raw_put(fake_datacite, doi, {"event": "hide"}).json()["data"]["attributes"]["state"] == "draft"
    assert (
        raw_put(fake_datacite, doi, {"event": "register", "url": LANDING}).json()["data"]["attributes"]["state"]
        == "registered"
    )
    assert raw_put(fake_datacite, doi, {"event": "publish"}).json()["data"]["attributes"]["state"] == "findable"
    assert raw_put(fake_datacite, doi, {"event": "register"}).json()["data"]["attributes"]["state"] == "findable"
    assert raw_put(fake_datacite, doi, {}).json()["data"]["attributes"]["state"] == "findable"


def test_fake_server_shows_drafts_only_to_their_owner(fake_datacite):
    doi = "10.80000/raw-3"
    raw_put(fake_datacite, doi, {"xml": base64.b64encode(xml_for(doi)).decode()})
    assert requests.get(f"{fake_datacite.url}dois/{doi}", timeout=5).status_code == 404
    owner = requests.get(f"{fake_datacite.url}dois/{doi}", timeout=5, auth=(DATACITE_USERNAME, DATACITE_PASSWORD))
    assert owner.status_code == 200
    assert owner.json()["data"]["attributes"]["state"] == "draft"

    raw_put(fake_datacite, doi, {"event": "publish", "url": LANDING})
    public = requests.get(f"{fake_datacite.url}dois/{doi}", timeout=5)
    assert public.status_code == 200 and public.json()["data"]["attributes"]["url"] == LANDING


def test_fake_server_refuses_writes_without_credentials(fake_datacite):
    response = raw_put(fake_datacite, "10.80000/raw-4", {"event": "publish"}, auth=None)
    assert response.status_code == 401
    assert response.json()["errors"][0]["title"] == "Bad credentials."
