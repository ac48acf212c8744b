"""The deposit path through the REST API with the local store: create, upload in parts (and resume),
complete, submit, moderate, publish, read and download; and every kind of bad input refused with the
field at fault and nothing changed."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.conf import settings as django_settings

from deposit.models import Deposit, DepositEvent, DepositFile, UploadSession
from repository.models import PersistentIdentifier, Record
from tests.factories import complete_metadata

TITLE = "CTD casts of the PELGAS 2024 cruise, Bay of Biscay"
DATA = b"depth,temp,sal\n1,12.5,35.1\n"


# --- helpers ------------------------------------------------------------------------------------


def post(client, path, payload=None):
    return client.post(path, data=json.dumps(payload or {}), content_type="application/json")


def patch(client, path, payload):
    return client.patch(path, data=json.dumps(payload), content_type="application/json")


def local_path(url: str) -> str:
    """The part URLs are absolute (SITE_URL); the test client wants the path and query."""
    assert url.startswith(django_settings.SITE_URL + "/"), url
    return url.removeprefix(django_settings.SITE_URL)


def create_deposit(client, metadata=None, community="ocean") -> dict:
    response = post(client, "/api/deposits", {"community": community, "metadata": metadata or complete_metadata()})
    assert response.status_code == 201, response.content
    return response.json()


def open_upload(client, deposit_id: int, name: str, data: bytes, *, sha256: str | None = None):
    payload = {
        "name": name,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest() if sha256 is None else sha256,
    }
    return post(client, f"/api/deposits/{deposit_id}/uploads", payload)


def put_part(client, url: str, chunk: bytes):
    return client.put(local_path(url), data=chunk, content_type="application/octet-stream")


def send_parts(client, upload: dict, data: bytes, numbers=None) -> dict[int, str]:
    """PUT the parts (all, or those numbered) to their URLs; returns {part_number: ETag header}."""
    size = upload["part_size"]
    etags = {}
    for part in upload["parts"]:
        n = part["part_number"]
        if numbers is not None and n not in numbers:
            continue
        response = put_part(client, part["url"], data[(n - 1) * size : n * size])
        assert response.status_code == 200, response.content
        etags[n] = response["ETag"]
    return etags


def complete(client, upload_id: int, etags: dict[int, str]):
    parts = [{"part_number": n, "etag": e} for n, e in sorted(etags.items())]
    return post(client, f"/api/uploads/{upload_id}/complete", {"parts": parts})


def upload_file(client, deposit_id: int, name: str = "ctd.csv", data: bytes = DATA) -> dict:
    opened = open_upload(client, deposit_id, name, data)
    assert opened.status_code == 201, opened.content
    upload = opened.json()
    done = complete(client, upload["id"], send_parts(client, upload, data))
    assert done.status_code == 200, done.content
    return done.json()


def act(client, deposit_id: int, action: str, note: str = ""):
    return post(client, f"/api/deposits/{deposit_id}/actions", {"action": action, "note": note})


def problem_fields(response) -> list:
    return [p["field"] for p in response.json()["problems"]]


@pytest.fixture
def small_parts(settings):
    settings.UPLOAD_MIN_PART_SIZE = 5
    return settings


@pytest.fixture
def owner_client(api_client, depositor):
    return api_client(depositor)


@pytest.fixture
def moderator_client(api_client, moderator):
    return api_client(moderator)


# --- the whole path -----------------------------------------------------------------------------


def test_a_single_part_upload_is_ready_with_checksums_equal_to_hashlibs(owner_client):
    deposit = create_deposit(owner_client)
    assert deposit["status"] == "draft"
    assert deposit["community"] == "ocean"
    assert deposit["title"] == TITLE

    opened = open_upload(owner_client, deposit["id"], "ctd.csv", DATA)
    assert opened.status_code == 201, opened.content
    upload = opened.json()
    assert upload["part_size"] == django_settings.UPLOAD_MIN_PART_SIZE
    assert upload["part_count"] == 1
    assert [p["part_number"] for p in upload["parts"]] == [1]
    assert upload["stored_parts"] == []
    assert upload["state"] == "open"

    etags = send_parts(owner_client, upload, DATA)
    assert etags == {1: f'"{hashlib.md5(DATA).hexdigest()}"'}
    done = complete(owner_client, upload["id"], etags)
    assert done.status_code == 200, done.content
    file = done.json()
    assert file["state"] == "ready"
    assert file["size"] == len(DATA)
    assert file["md5"] == hashlib.md5(DATA).hexdigest()
    assert file["sha256"] == hashlib.sha256(DATA).hexdigest()
    assert UploadSession.objects.get(pk=upload["id"]).state == UploadSession.State.completed

    files = owner_client.get(f"/api/deposits/{deposit['id']}/files").json()
    assert [(f["name"], f["state"]) for f in files] == [("ctd.csv", "ready")]
    assert owner_client.get(f"/api/deposits/{deposit['id']}").json()["problems"] == []


def test_a_multi_part_file_is_assembled_in_part_order(owner_client, small_parts):
    data = b"0123456789abcdefghijKLM"  # 23 bytes: 5 parts of 5 bytes, the last of 3
    deposit = create_deposit(owner_client)
    upload = open_upload(owner_client, deposit["id"], "series.bin", data).json()
    assert upload["part_size"] == 5
    assert upload["part_count"] == 5
    assert [p["part_number"] for p in upload["parts"]] == [1, 2, 3, 4, 5]
    assert len({p["url"] for p in upload["parts"]}) == 5

    # sent out of order, as parallel clients do
    etags = {}
    for n in (4, 1, 5, 3, 2):
        etags.update(send_parts(owner_client, upload, data, numbers={n}))
    done = complete(owner_client, upload["id"], etags)
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "ready"
    assert done.json()["sha256"] == hashlib.sha256(data).hexdigest()
    assert done.json()["md5"] == hashlib.md5(data).hexdigest()


def test_an_interrupted_upload_resumes_from_the_stored_parts(owner_client, small_parts):
    data = b"0123456789abcdefghijKLM"
    deposit = create_deposit(owner_client)
    upload = open_upload(owner_client, deposit["id"], "series.bin", data).json()
    sent = send_parts(owner_client, upload, data, numbers={1, 2, 4})

    # the client comes back later and asks what the server holds
    resumed = owner_client.get(f"/api/uploads/{upload['id']}")
    assert resumed.status_code == 200
    body = resumed.json()
    assert body["state"] == "open"
    stored = {p["part_number"]: p for p in body["stored_parts"]}
    assert sorted(stored) == [1, 2, 4]
    assert {n: f'"{p["etag"]}"' for n, p in stored.items()} == sent
    assert all(p["size"] == 5 for p in stored.values())
    assert len(body["parts"]) == 5  # fresh URLs for every part

    missing = {p["part_number"] for p in body["parts"]} - set(stored)
    rest = send_parts(owner_client, body, data, numbers=missing)
    etags = {n: p["etag"] for n, p in stored.items()} | rest
    done = complete(owner_client, upload["id"], etags)
    assert done.status_code == 200, done.content
    assert done.json()["sha256"] == hashlib.sha256(data).hexdigest()


def test_a_part_sent_twice_keeps_the_last_bytes(owner_client, small_parts):
    data = b"abcdefghij"
    deposit = create_deposit(owner_client)
    upload = open_upload(owner_client, deposit["id"], "twice.bin", data).json()
    put_part(owner_client, upload["parts"][0]["url"], b"XXXXX")
    etags = send_parts(owner_client, upload, data)
    stored = owner_client.get(f"/api/uploads/{upload['id']}").json()["stored_parts"]
    assert [p["part_number"] for p in stored] == [1, 2]
    done = complete(owner_client, upload["id"], etags)
    assert done.json()["state"] == "ready"
    assert done.json()["sha256"] == hashlib.sha256(data).hexdigest()


def test_deposit_submitted_moderated_published_read_and_downloaded(
    owner_client, moderator_client, api_client, moderator, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deposit = create_deposit(owner_client)
        upload_file(owner_client, deposit["id"], "ctd.csv", DATA)
        submitted = act(owner_client, deposit["id"], "submit")
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    assert body["status"] == "submitted"
    assert body["doi"].startswith("10.5072/")
    assert body["doi_is_demo"] is True
    assert body["allowed_actions"] == []
    doi = body["doi"]
    pid = PersistentIdentifier.objects.get(doi=doi)
    assert (pid.state, pid.sync) == ("draft", "done")  # reserved at submission

    queue = moderator_client.get("/api/moderation/queue")
    assert queue.status_code == 200
    [item] = [i for i in queue.json() if i["id"] == deposit["id"]]
    assert (item["status"], item["community"], item["owner"], item["doi"], item["title"]) == (
        "submitted",
        "ocean",
        "depositor",
        doi,
        TITLE,
    )
    assert moderator_client.get(f"/api/deposits/{deposit['id']}").json()["allowed_actions"] == ["claim", "assign"]

    claimed = act(moderator_client, deposit["id"], "claim")
    assert claimed.status_code == 200, claimed.content
    assert claimed.json()["status"] == "in_review"
    assert set(claimed.json()["allowed_actions"]) == {"release", "assign", "approve", "reject", "request_changes"}

    with django_capture_on_commit_callbacks(execute=True):
        approved = act(moderator_client, deposit["id"], "approve", note="Fine data.")
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert body["status"] == "published"
    assert body["record_id"] is not None
    assert body["doi"] == doi
    assert [(e["action"], e["actor"]) for e in body["events"]] == [
        ("submit", "depositor"),
        ("claim", "moderator"),
        ("approve", "moderator"),
        ("publish", None),
    ]

    pid.refresh_from_db()
    assert (pid.state, pid.sync, pid.provider) == ("findable", "done", "local")
    assert pid.record_id == body["record_id"]
    assert pid.url.endswith(f"/records/{body['record_id']}")

    anonymous = api_client(None)
    record = anonymous.get(f"/api/records/{body['record_id']}")
    assert record.status_code == 200, record.content
    record = record.json()
    assert record["doi"] == doi
    assert record["doi_state"] == "findable"
    assert record["doi_is_demo"] is True
    assert record["title"] == TITLE
    assert record["community"] == "ocean"
    assert record["landing_page"] == f"{django_settings.SITE_URL}/records/{body['record_id']}"
    assert [(f["name"], f["size"], f["md5"], f["sha256"]) for f in record["files"]] == [
        ("ctd.csv", len(DATA), hashlib.md5(DATA).hexdigest(), hashlib.sha256(DATA).hexdigest())
    ]
    assert [r["id"] for r in anonymous.get("/api/records").json()["hits"]] == [body["record_id"]]

    resolved = anonymous.get(f"/doi/{doi}")
    assert resolved.status_code == 302
    assert resolved["Location"] == f"/records/{body['record_id']}"
    assert anonymous.get(f"/doi/{doi.lower()}").status_code == 302  # DOIs are case-insensitive

    download = anonymous.get(local_path(record["files"][0]["download_url"]))
    assert download.status_code == 200
    # consuming the stream closes the file (the test client does it without closing the database)
    assert b"".join(download.streaming_content) == DATA
    assert download["Content-Disposition"].startswith("attachment;")
    assert "ctd.csv" in download["Content-Disposition"]
    assert download["Content-Length"] == str(len(DATA))

    landing = anonymous.get(f"/records/{body['record_id']}")
    assert landing.status_code == 200
    assert TITLE in landing.content.decode()


def test_changes_requested_then_patched_and_resubmitted_returns_to_its_moderator(owner_client, moderator_client):
    deposit = create_deposit(owner_client)
    upload_file(owner_client, deposit["id"])
    doi = act(owner_client, deposit["id"], "submit").json()["doi"]
    act(moderator_client, deposit["id"], "claim")

    asked = act(moderator_client, deposit["id"], "request_changes", note="Please give the cruise's dates.")
    assert asked.status_code == 200, asked.content
    assert asked.json()["status"] == "changes_requested"
    mine = owner_client.get(f"/api/deposits/{deposit['id']}").json()
    assert set(mine["allowed_actions"]) == {"resubmit", "edit"}
    assert mine["events"][-1]["note"] == "Please give the cruise's dates."

    metadata = complete_metadata(title="CTD casts of PELGAS 2024 (revised)")
    changed = patch(
        owner_client, f"/api/deposits/{deposit['id']}", {"metadata": metadata, "revision": mine["revision"]}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["title"] == "CTD casts of PELGAS 2024 (revised)"
    assert changed.json()["revision"] == mine["revision"] + 1

    again = act(owner_client, deposit["id"], "resubmit")
    assert again.status_code == 200, again.content
    assert again.json()["status"] == "in_review"  # still claimed by the moderator who asked (issue 15)
    assert again.json()["doi"] == doi  # the same DOI, quoted since the first submission
    queue = moderator_client.get("/api/moderation/queue").json()
    [item] = [i for i in queue if i["id"] == deposit["id"]]
    assert item["status"] == "in_review"
    assert item["title"] == "CTD casts of PELGAS 2024 (revised)"
    assert PersistentIdentifier.objects.count() == 1


# --- bad input ----------------------------------------------------------------------------------


def test_submission_without_a_title_lists_the_problem_and_keeps_the_draft(owner_client):
    metadata = complete_metadata()
    del metadata["titles"]
    deposit = create_deposit(owner_client, metadata=metadata)
    upload_file(owner_client, deposit["id"])
    response = act(owner_client, deposit["id"], "submit")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "ValidationFailed"
    assert {"step": "describe", "field": "titles", "message": "A title is required."} in body["problems"]
    after = Deposit.objects.get(pk=deposit["id"])
    assert after.status == "draft"
    assert after.pid_id is None
    assert not DepositEvent.objects.filter(deposit=after).exists()
    assert after.metadata == metadata  # what was typed is kept


def test_an_empty_draft_is_saved_and_its_submission_lists_every_missing_step(owner_client):
    response = post(owner_client, "/api/deposits", {})
    assert response.status_code == 201
    deposit = response.json()
    assert (deposit["status"], deposit["community"], deposit["title"]) == ("draft", None, "")
    refused = act(owner_client, deposit["id"], "submit")
    assert refused.status_code == 422
    fields = problem_fields(refused)
    for field in ("titles", "creators", "descriptions", "rights", "community", "files"):
        assert field in fields
    assert Deposit.objects.get(pk=deposit["id"]).status == "draft"


def test_an_unknown_community_is_refused_and_no_deposit_is_created(owner_client):
    response = post(owner_client, "/api/deposits", {"community": "astrology", "metadata": complete_metadata()})
    assert response.status_code == 422
    assert problem_fields(response) == ["community"]
    assert "astrology" in response.json()["detail"]
    assert not Deposit.objects.exists()


def test_an_unknown_community_on_patch_changes_nothing(owner_client):
    deposit = create_deposit(owner_client)
    response = patch(owner_client, f"/api/deposits/{deposit['id']}", {"community": "astrology", "metadata": {}})
    assert response.status_code == 422
    assert problem_fields(response) == ["community"]
    after = Deposit.objects.get(pk=deposit["id"])
    assert (after.community.slug, after.revision, after.title) == ("ocean", deposit["revision"], TITLE)


@pytest.mark.parametrize(
    "name",
    ["/b.csv", "a//b.csv", "../x", "..\\x", "bell\x07.csv", "tab\there.csv", "", "  ", "..", "x" * 256],
    ids=["absolute", "empty-folder", "dotdot", "backslash", "bell", "tab", "empty", "blank", "parent", "too-long"],
)
def test_a_bad_file_name_is_refused_and_no_file_is_created(owner_client, name):
    deposit = create_deposit(owner_client)
    response = open_upload(owner_client, deposit["id"], name, DATA)
    assert response.status_code == 422, response.content
    assert problem_fields(response) == ["name"]
    assert not DepositFile.objects.exists()
    assert not UploadSession.objects.exists()


def test_a_second_file_with_the_same_name_is_refused(owner_client):
    deposit = create_deposit(owner_client)
    upload_file(owner_client, deposit["id"], "ctd.csv")
    response = open_upload(owner_client, deposit["id"], "ctd.csv", b"other bytes")
    assert response.status_code == 422
    assert problem_fields(response) == ["name"]
    assert "ctd.csv" in response.json()["detail"]
    assert DepositFile.objects.count() == 1
    assert UploadSession.objects.count() == 1


def test_names_equal_after_unicode_normalisation_are_the_same_file(owner_client):
    """Chosen again under its other spelling while unfinished, the file resumes its one upload;
    once it is ready, the name is taken."""
    deposit = create_deposit(owner_client)
    first = open_upload(owner_client, deposit["id"], "caf\u00e9.csv", DATA)
    assert first.status_code == 201
    again = open_upload(owner_client, deposit["id"], "cafe\u0301.csv", DATA)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    upload = again.json()
    assert complete(owner_client, upload["id"], send_parts(owner_client, upload, DATA)).status_code == 200
    response = open_upload(owner_client, deposit["id"], "cafe\u0301.csv", DATA)
    assert response.status_code == 422
    assert problem_fields(response) == ["name"]
    assert DepositFile.objects.filter(deposit_id=deposit["id"]).count() == 1


def test_a_file_over_the_size_limit_is_refused(owner_client, settings):
    settings.UPLOAD_MAX_FILE_SIZE = 10
    deposit = create_deposit(owner_client)
    response = post(owner_client, f"/api/deposits/{deposit['id']}/uploads", {"name": "big.bin", "size": 11})
    assert response.status_code == 422
    assert problem_fields(response) == ["size"]
    assert not DepositFile.objects.exists()
    assert (
        post(owner_client, f"/api/deposits/{deposit['id']}/uploads", {"name": "ok.bin", "size": 10}).status_code == 201
    )


def test_a_negative_size_is_refused(owner_client):
    deposit = create_deposit(owner_client)
    response = post(owner_client, f"/api/deposits/{deposit['id']}/uploads", {"name": "x.bin", "size": -1})
    assert response.status_code == 422
    assert problem_fields(response) == ["size"]
    assert not DepositFile.objects.exists()


@pytest.mark.parametrize("sha256", ["abc", "g" * 64, "0" * 63, "0" * 65], ids=["short", "not-hex", "63", "65"])
def test_an_invalid_sha256_is_refused(owner_client, sha256):
    deposit = create_deposit(owner_client)
    response = open_upload(owner_client, deposit["id"], "ctd.csv", DATA, sha256=sha256)
    assert response.status_code == 422
    assert problem_fields(response) == ["sha256"]
    assert not DepositFile.objects.exists()


def test_completing_with_a_missing_part_is_refused_and_the_upload_stays_open(owner_client, small_parts):
    data = b"0123456789abcdefghijKLM"
    deposit = create_deposit(owner_client)
    upload = open_upload(owner_client, deposit["id"], "series.bin", data).json()
    etags = send_parts(owner_client, upload, data, numbers={1, 2, 3, 5})
    response = complete(owner_client, upload["id"], etags)
    assert response.status_code == 422
    assert problem_fields(response) == ["parts"]
    assert "4" in response.json()["detail"]
    assert UploadSession.objects.get(pk=upload["id"]).state == "open"
    assert DepositFile.objects.get(pk=upload["file_id"]).state == "uploading"

    # naming a part that was never sent is refused the same way, and the upload can still finish
    etags[4] = '"0123456789abcdef0123456789abcdef"'
    response = complete(owner_client, upload["id"], etags)
    assert response.status_code == 422
    assert problem_fields(response) == ["parts"]
    assert UploadSession.objects.get(pk=upload["id"]).state == "open"
    etags.update(send_parts(owner_client, upload, data, numbers={4}))
    assert complete(owner_client, upload["id"], etags).json()["state"] == "ready"


def test_a_wrong_etag_at_completion_is_refused(owner_client):
    deposit = create_deposit(owner_client)
    upload = open_upload(owner_client, deposit["id"], "ctd.csv", DATA).json()
    send_parts(owner_client, upload, DATA)
    response = complete(owner_client, upload["id"], {1: '"' + "0" * 32 + '"'})
    assert response.status_code == 422
    assert problem_fields(response) == ["parts"]
    assert UploadSession.objects.get(pk=upload["id"]).state == "open"


def test_a_tampered_part_fails_the_file_and_blocks_submission(owner_client):
    deposit = create_deposit(owner_client)
    upload = open_upload(owner_client, deposit["id"], "ctd.csv", DATA).json()  # declares the sha256 of DATA
    tampered = DATA.replace(b"12.5", b"99.9")
    assert len(tampered) == len(DATA)
    response = put_part(owner_client, upload["parts"][0]["url"], tampered)
    done = complete(owner_client, upload["id"], {1: response["ETag"]})
    assert done.status_code == 422
    body = done.json()
    assert "SHA-256" in body["detail"]
    assert problem_fields(done) == ["sha256"]

    file = DepositFile.objects.get(pk=upload["file_id"])
    assert file.state == "failed"
    assert "SHA-256" in file.error
    assert file.sha256 == hashlib.sha256(tampered).hexdigest()
    listed = owner_client.get(f"/api/deposits/{deposit['id']}/files").json()
    assert [(f["name"], f["state"]) for f in listed] == [("ctd.csv", "failed")]

    refused = act(owner_client, deposit["id"], "submit")
    assert refused.status_code == 422
    assert "files.ctd.csv" in problem_fields(refused)
    assert Deposit.objects.get(pk=deposit["id"]).status == "draft"


def test_fewer_bytes_than_declared_fails_the_file(owner_client):
    deposit = create_deposit(owner_client)
    upload = open_upload(owner_client, deposit["id"], "ctd.csv", DATA, sha256="").json()
    response = put_part(owner_client, upload["parts"][0]["url"], DATA[:-3])
    done = complete(owner_client, upload["id"], {1: response["ETag"]})
    assert done.status_code == 422
    assert problem_fields(done) == ["size"]
    assert DepositFile.objects.get(pk=upload["file_id"]).state == "failed"


def test_an_aborted_upload_leaves_no_file(owner_client):
    deposit = create_deposit(owner_client)
    upload = open_upload(owner_client, deposit["id"], "ctd.csv", DATA).json()
    send_parts(owner_client, upload, DATA)
    response = owner_client.delete(f"/api/uploads/{upload['id']}")
    assert response.status_code == 204
    assert not DepositFile.objects.exists()
    assert not UploadSession.objects.exists()
    # the URL of an aborted upload no longer takes bytes
    assert put_part(owner_client, upload["parts"][0]["url"], DATA).status_code == 404
    assert open_upload(owner_client, deposit["id"], "ctd.csv", DATA).status_code == 201  # the name is free again


def test_a_ready_file_can_be_deleted_from_a_draft(owner_client):
    deposit = create_deposit(owner_client)
    file = upload_file(owner_client, deposit["id"])
    response = owner_client.delete(f"/api/deposits/{deposit['id']}/files/{file['id']}")
    assert response.status_code == 204
    assert not DepositFile.objects.exists()
    assert owner_client.delete(f"/api/deposits/{deposit['id']}/files/{file['id']}").status_code == 404


def test_a_file_with_the_same_bytes_as_another_is_accepted_with_a_warning_naming_it(owner_client):
    deposit = create_deposit(owner_client)
    first = upload_file(owner_client, deposit["id"], "data.csv")
    assert (first["same_content_as"], first["warnings"]) == ([], [])
    other = upload_file(owner_client, deposit["id"], "notes.txt", b"other bytes\n")
    assert other["same_content_as"] == []

    # the completion's answer says it: a script learns it where it learns the file is ready
    copy = upload_file(owner_client, deposit["id"], "data_copy.csv")
    assert copy["state"] == "ready" and copy["sha256"] == first["sha256"]
    assert copy["same_content_as"] == ["data.csv"]
    assert copy["warnings"] == ["Same content as data.csv."]

    # and so do the file list and the deposit, for both files, in the client's language
    listed = {f["name"]: f for f in owner_client.get(f"/api/deposits/{deposit['id']}/files").json()}
    assert listed["data.csv"]["same_content_as"] == ["data_copy.csv"]
    assert listed["notes.txt"]["warnings"] == []
    french = owner_client.get(f"/api/deposits/{deposit['id']}", HTTP_ACCEPT_LANGUAGE="fr")
    by_name = {f["name"]: f for f in french.json()["files"]}
    assert by_name["data_copy.csv"]["warnings"] == ["Même contenu que data.csv."]

    # deleting the copy ends the warning
    owner_client.delete(f"/api/deposits/{deposit['id']}/files/{copy['id']}")
    listed = owner_client.get(f"/api/deposits/{deposit['id']}/files").json()
    assert [(f["name"], f["same_content_as"]) for f in listed] == [("data.csv", []), ("notes.txt", [])]


def test_the_file_list_and_the_deposit_run_the_same_queries_with_one_file_or_with_copies(
    owner_client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    deposit = create_deposit(owner_client)
    upload_file(owner_client, deposit["id"], "data.csv")
    with CaptureQueriesContext(connection) as one:
        owner_client.get(f"/api/deposits/{deposit['id']}/files")
    with_one_file = len(one.captured_queries)  # now: the next request resets the log
    for n in range(3):
        upload_file(owner_client, deposit["id"], f"copy_{n}.csv")
    with django_assert_max_num_queries(with_one_file):
        listed = owner_client.get(f"/api/deposits/{deposit['id']}/files").json()
    by_name = {f["name"]: f["same_content_as"] for f in listed}
    assert by_name["data.csv"] == ["copy_0.csv", "copy_1.csv", "copy_2.csv"]
    assert by_name["copy_1.csv"] == ["copy_0.csv", "copy_2.csv", "data.csv"]


def test_a_wrong_token_is_refused_and_nothing_is_created(depositor, client):
    from accounts.services import api_token_create

    _token, raw = api_token_create(user=depositor, name="t")
    wrong = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    for header in (f"Bearer {wrong}", "Bearer nonsense", "Bearer ", f"Token {raw}", raw):
        response = client.post(
            "/api/deposits",
            data=json.dumps({"community": "ocean"}),
            content_type="application/json",
            HTTP_AUTHORIZATION=header,
        )
        assert response.status_code == 401, header
        assert response.json()["code"] == "unauthenticated"
    assert client.post("/api/deposits", data="{}", content_type="application/json").status_code == 401
    assert not Deposit.objects.exists()


def test_a_revoked_token_is_refused_and_nothing_is_created(depositor, client):
    from accounts.services import api_token_create, api_token_revoke

    token, raw = api_token_create(user=depositor, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/deposits", **auth).status_code == 200
    api_token_revoke(token=token)
    response = client.post("/api/deposits", data="{}", content_type="application/json", **auth)
    assert response.status_code == 401
    assert not Deposit.objects.exists()


def test_an_expired_token_is_refused_and_nothing_is_created(depositor, client):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import ApiToken
    from accounts.services import api_token_create

    token, raw = api_token_create(user=depositor, name="t", expires_in_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(
        "/api/deposits", data="{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 401
    assert not Deposit.objects.exists()


def test_approving_a_draft_is_an_illegal_transition(owner_client, api_client, admin):
    deposit = create_deposit(owner_client)
    for client in (owner_client, api_client(admin)):
        response = act(client, deposit["id"], "approve", note="ok")
        assert response.status_code == 409
        assert response.json()["code"] == "illegal_transition"
        assert "draft" in response.json()["detail"]
    after = Deposit.objects.get(pk=deposit["id"])
    assert after.status == "draft"
    assert after.record_id is None
    assert not Record.objects.exists()
    assert not DepositEvent.objects.exists()


def test_an_unknown_action_is_refused_naming_the_field(owner_client):
    deposit = create_deposit(owner_client)
    response = act(owner_client, deposit["id"], "explode")
    assert response.status_code == 422
    assert problem_fields(response) == ["action"]
    assert Deposit.objects.get(pk=deposit["id"]).status == "draft"


@pytest.mark.parametrize("action", ["request_changes", "reject"])
def test_request_changes_or_reject_without_a_note_is_refused(owner_client, moderator_client, action):
    deposit = create_deposit(owner_client)
    upload_file(owner_client, deposit["id"])
    act(owner_client, deposit["id"], "submit")
    act(moderator_client, deposit["id"], "claim")
    response = act(moderator_client, deposit["id"], action, note="   ")
    assert response.status_code == 422
    assert problem_fields(response) == ["note"]
    assert Deposit.objects.get(pk=deposit["id"]).status == "in_review"
    assert DepositEvent.objects.filter(deposit_id=deposit["id"]).count() == 2  # submit, claim


def test_a_stale_revision_is_refused_and_the_newer_save_kept(owner_client):
    deposit = create_deposit(owner_client)
    first = patch(
        owner_client,
        f"/api/deposits/{deposit['id']}",
        {"metadata": complete_metadata(title="Saved in tab A"), "revision": deposit["revision"]},
    )
    assert first.status_code == 200
    stale = patch(
        owner_client,
        f"/api/deposits/{deposit['id']}",
        {"metadata": complete_metadata(title="Saved in tab B"), "revision": deposit["revision"]},
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_revision"
    after = Deposit.objects.get(pk=deposit["id"])
    assert after.title == "Saved in tab A"
    assert after.revision == deposit["revision"] + 1


def test_a_draft_saves_invalid_metadata_leniently(owner_client):
    deposit = create_deposit(owner_client)
    metadata = {"titles": [{"title": "Half typed"}], "creators": [{"name": "X", "orcid": "not-an-orcid"}]}
    response = patch(owner_client, f"/api/deposits/{deposit['id']}", {"metadata": metadata})
    assert response.status_code == 200
    assert response.json()["metadata"] == metadata
    assert "creators.0.orcid" in [p["field"] for p in response.json()["problems"]]
    assert Deposit.objects.get(pk=deposit["id"]).metadata == metadata


def test_a_submitted_deposit_cannot_be_edited_or_given_files(owner_client):
    deposit = create_deposit(owner_client)
    upload_file(owner_client, deposit["id"])
    act(owner_client, deposit["id"], "submit")
    response = patch(owner_client, f"/api/deposits/{deposit['id']}", {"metadata": {}})
    assert response.status_code == 409
    assert response.json()["code"] == "not_editable"
    assert open_upload(owner_client, deposit["id"], "more.csv", DATA).status_code == 409
    after = Deposit.objects.get(pk=deposit["id"])
    assert after.title == TITLE
    assert after.files.count() == 1


def test_request_validation_errors_name_the_field_as_the_client_sent_it(owner_client, api_client):
    deposit = create_deposit(owner_client)
    upload = open_upload(owner_client, deposit["id"], "ctd.csv", DATA).json()
    response = post(owner_client, f"/api/uploads/{upload['id']}/complete", {"parts": [{"part_number": 1}]})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert problem_fields(response) == ["parts.0.etag"]
    assert UploadSession.objects.get(pk=upload["id"]).state == "open"

    response = post(owner_client, f"/api/deposits/{deposit['id']}/uploads", {"size": 3})
    assert problem_fields(response) == ["name"]
    response = api_client(None).get("/api/records?size=many")
    assert response.status_code == 422
    assert problem_fields(response) == ["size"]
