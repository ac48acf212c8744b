"""The whole path through the REST API over HTTP, against PostgreSQL, Redis, a real Celery worker
and a server speaking the DataCite REST API: a deposit travels to a findable DOI that resolves."""

import hashlib

import pytest
import requests

from tests.conftest import wait_for
from tests.factories import complete_metadata

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server, settings, celery_worker, datacite):
    settings.SITE_URL = live_server.url
    settings.UPLOAD_MIN_PART_SIZE = 64 * 1024  # several parts for a small file
    return live_server.url


def _client(user) -> requests.Session:
    from accounts.services import api_token_create

    _token, raw = api_token_create(user=user, name="integration")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {raw}"
    return session


def _upload(api: requests.Session, site: str, deposit_id: int, name: str, data: bytes) -> dict:
    opened = api.post(
        f"{site}/api/deposits/{deposit_id}/uploads",
        json={"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()},
        timeout=10,
    )
    assert opened.status_code == 201, opened.text
    session = opened.json()
    assert session["part_count"] == len(session["parts"]) > 1
    etags = []
    for part in session["parts"]:
        start = (part["part_number"] - 1) * session["part_size"]
        # The part URL is signed: no token, as with a presigned S3 URL.
        put = requests.put(part["url"], data=data[start : start + session["part_size"]], timeout=10)
        assert put.status_code == 200, put.text
        etags.append({"part_number": part["part_number"], "etag": put.headers["ETag"]})
    done = api.post(f"{site}/api/uploads/{session['id']}/complete", json={"parts": etags}, timeout=30)
    assert done.status_code == 200, done.text
    return done.json()


def _approve(site, moderator, deposit_id):
    mod = _client(moderator)
    queue = mod.get(f"{site}/api/moderation/queue", timeout=10).json()
    assert [item["id"] for item in queue] == [deposit_id]
    for action in ("claim", "approve"):
        answer = mod.post(f"{site}/api/deposits/{deposit_id}/actions", json={"action": action}, timeout=10)
        assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_deposit_travels_from_creation_to_a_findable_doi_that_resolves(
    site, datacite, depositor, moderator, communities
):
    api = _client(depositor)
    created = api.post(f"{site}/api/deposits", json={"community": "ocean", "metadata": complete_metadata()}, timeout=10)
    assert created.status_code == 201, created.text
    deposit_id = created.json()["id"]

    data = bytes(range(256)) * 1000  # 256 kB: four parts of 64 KiB
    file = _upload(api, site, deposit_id, "ctd_casts.csv", data)
    assert file["state"] == "ready"
    assert file["sha256"] == hashlib.sha256(data).hexdigest()

    submitted = api.post(f"{site}/api/deposits/{deposit_id}/actions", json={"action": "submit"}, timeout=10).json()
    assert submitted["status"] == "submitted"
    doi = submitted["doi"]
    assert doi.startswith("10.80000/estran.") and submitted["doi_is_demo"] is False

    # The worker reserves the DOI at DataCite as a draft, with the deposit's metadata.
    wait_for(lambda: datacite.dois.get(doi) and datacite.dois[doi].state == "draft", message="the draft DOI")

    published = _approve(site, moderator, deposit_id)
    assert published["status"] == "published"
    record_id = published["record_id"]
    landing = f"{site}/records/{record_id}"

    stored = wait_for(
        lambda: (d := datacite.dois.get(doi)) and d.state == "findable" and d,
        message="the DOI to become findable",
    )
    assert stored.url == landing
    assert b"CTD casts of the PELGAS 2024 cruise" in stored.xml
    assert len(datacite.dois) == 1

    from repository.models import PersistentIdentifier

    wait_for(lambda: PersistentIdentifier.objects.get(doi=doi).state == "findable", message="the local DOI state")

    resolved = requests.get(f"{site}/doi/{doi}", timeout=10)
    assert resolved.status_code == 200
    assert resolved.url == landing
    assert "CTD casts of the PELGAS 2024 cruise" in resolved.text

    record = requests.get(f"{site}/api/records/{record_id}", timeout=10).json()
    assert record["doi_state"] == "findable"
    download = requests.get(record["files"][0]["download_url"], timeout=10)
    assert download.content == data


def test_approval_succeeds_while_datacite_fails_and_the_doi_ends_findable_once(
    site, datacite, depositor, moderator, communities
):
    from deposit import services
    from repository.models import PersistentIdentifier
    from tests.factories import deposit_with_file

    deposit = deposit_with_file(depositor, community=communities["ocean"])
    services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    doi = PersistentIdentifier.objects.get().doi
    wait_for(lambda: doi in datacite.dois, message="the reservation")

    datacite.fail_next(3, status=503)
    published = _approve(site, moderator, deposit.pk)
    assert published["status"] == "published"  # DataCite's outage does not block the approval

    wait_for(lambda: datacite.dois[doi].state == "findable", timeout=60, message="registration after retries")
    pid = wait_for(
        lambda: (p := PersistentIdentifier.objects.get(doi=doi)).state == "findable" and p, message="the local state"
    )
    assert pid.attempts >= 1 and pid.sync == "done" and pid.last_error == ""
    assert list(datacite.dois) == [doi]
    assert [r["status"] for r in datacite.requests].count(503) == 3
