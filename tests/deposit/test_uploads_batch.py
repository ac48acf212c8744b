"""Many files through the REST API (issue 17): a batch of uploads opened in one call, sent, completed
in one call and listed by page and by folder, with the local store and PostgreSQL; the same number
of queries for 10 files as for 500; the limits counted for the batch as a whole (and for two batches
racing); each refused file answered on its own."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
import requests
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.services import api_token_create
from deposit import services
from deposit.models import DepositFile, UploadSession
from tests.factories import complete_metadata
from tests.races import run_at_once

MiB = 1024 * 1024


def post(client, path, payload=None):
    return client.post(path, data=json.dumps(payload or {}), content_type="application/json")


def post_fr(client, path, payload):
    return client.post(path, data=json.dumps(payload), content_type="application/json", HTTP_ACCEPT_LANGUAGE="fr")


def content(n: int) -> bytes:
    return f"station,{n}\n".encode()


def item(name: str, data: bytes) -> dict:
    return {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


@pytest.fixture
def owner_client(api_client, depositor, communities):
    return api_client(depositor)


def new_deposit(client) -> int:
    response = post(client, "/api/deposits", {"community": "ocean", "metadata": complete_metadata()})
    assert response.status_code == 201, response.content
    return response.json()["id"]


def open_batch(client, deposit_id: int, files: list[dict]):
    return post(client, f"/api/deposits/{deposit_id}/uploads/batch", {"files": files})


def send(client, upload: dict, data: bytes) -> list[dict]:
    """PUT the one part of a tiny file to its local part URL; the parts to complete with."""
    assert upload["part_count"] == 1
    url = upload["parts"][0]["url"].removeprefix(django_settings.SITE_URL)
    response = client.put(url, data=data, content_type="application/octet-stream")
    assert response.status_code == 200, response.content
    return [{"part_number": 1, "etag": response["ETag"]}]


def test_500_files_opened_sent_completed_in_two_calls_and_listed_by_page_and_folder(owner_client):
    deposit_id = new_deposit(owner_client)
    names = [f"profiles/{2023 + n % 2}/g{n:04d}.csv" for n in range(498)] + ["README.txt", "profiles/notes.txt"]
    data = {name: content(n) for n, name in enumerate(names)}
    opened = open_batch(owner_client, deposit_id, [item(name, data[name]) for name in names])
    assert opened.status_code == 200, opened.content
    body = opened.json()
    assert (body["opened"], body["refused"]) == (500, 0)
    assert [r["upload"]["name"] for r in body["results"]] == names  # answered in order
    assert {r["status"] for r in body["results"]} == {201}
    uploads = [
        {"upload_id": r["upload"]["id"], "parts": send(owner_client, r["upload"], data[r["upload"]["name"]])}
        for r in body["results"]
    ]
    done = post(owner_client, "/api/uploads/complete", {"uploads": uploads})
    assert done.status_code == 200, done.content
    results = done.json()["results"]
    assert [r["upload_id"] for r in results] == [u["upload_id"] for u in uploads]
    assert {(r["status"], r["file"]["state"]) for r in results} == {(200, "ready")}
    files = DepositFile.objects.filter(deposit_id=deposit_id)
    assert files.count() == 500
    assert all(f.sha256 == hashlib.sha256(data[f.name]).hexdigest() for f in files)
    assert set(UploadSession.objects.filter(file__deposit_id=deposit_id).values_list("state", flat=True)) == {
        "completed"
    }

    # unpaged: the bare list, as before
    bare = owner_client.get(f"/api/deposits/{deposit_id}/files")
    assert isinstance(bare.json(), list) and len(bare.json()) == 500
    # paged, by name
    page2 = owner_client.get(f"/api/deposits/{deposit_id}/files?page=2&page_size=200").json()
    assert (page2["total"], page2["page"], page2["pages"], len(page2["files"])) == (500, 2, 3, 200)
    assert [f["name"] for f in page2["files"]] == sorted(names)[200:400]
    assert page2["links"]["next"].endswith("page=3&page_size=200&recursive=true")
    assert page2["links"]["prev"].endswith("page=1&page_size=200&recursive=true")
    last = owner_client.get(page2["links"]["next"]).json()
    assert len(last["files"]) == 100 and last["links"]["next"] is None
    # by folder, with and without its subfolders
    in_2024 = owner_client.get(f"/api/deposits/{deposit_id}/files?folder=profiles/2024&page_size=1000").json()
    assert in_2024["total"] == 249 and all(f["name"].startswith("profiles/2024/") for f in in_2024["files"])
    profiles = owner_client.get(f"/api/deposits/{deposit_id}/files?folder=profiles").json()
    assert profiles["total"] == 499
    direct = owner_client.get(f"/api/deposits/{deposit_id}/files?folder=profiles&recursive=false").json()
    assert [f["name"] for f in direct["files"]] == ["profiles/notes.txt"]
    top = owner_client.get(f"/api/deposits/{deposit_id}/files?recursive=false").json()
    assert [f["name"] for f in top["files"]] == ["README.txt"]
    # a prefix of a folder's name is not that folder, and a bad folder is refused at its parameter
    assert owner_client.get(f"/api/deposits/{deposit_id}/files?folder=prof").json()["total"] == 0
    bad = owner_client.get(f"/api/deposits/{deposit_id}/files?folder=../etc")
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "folder"


def test_opening_and_listing_take_the_same_queries_for_10_and_500_files(owner_client):
    def measured(count: int) -> tuple[int, int]:
        deposit_id = new_deposit(owner_client)
        files = [item(f"run/{count}/day{n:03d}.nc", content(n)) for n in range(count)]
        with CaptureQueriesContext(connection) as opening:
            answer = open_batch(owner_client, deposit_id, files)
        assert answer.status_code == 200 and answer.json()["opened"] == count
        with CaptureQueriesContext(connection) as listing:
            page = owner_client.get(f"/api/deposits/{deposit_id}/files?folder=run&page_size=1000")
        assert page.json()["total"] == count
        return len(opening), len(listing)

    assert measured(10) == measured(500)


def test_completing_takes_the_same_queries_for_10_and_500_files(owner_client, django_capture_on_commit_callbacks):
    """The store assembles each upload and reads each small file back (a request per file), but the
    database work is the same for 10 files as for 500, and so are the messages to the worker (one
    for the previews of the files verified in the request)."""

    def measured(count: int) -> tuple[int, int]:
        deposit_id = new_deposit(owner_client)
        data = [content(n) for n in range(count)]
        opened = open_batch(owner_client, deposit_id, [item(f"day{n:03d}.csv", d) for n, d in enumerate(data)])
        uploads = [
            {"upload_id": r["upload"]["id"], "parts": send(owner_client, r["upload"], d)}
            for r, d in zip(opened.json()["results"], data, strict=True)
        ]
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
            done = post(owner_client, "/api/uploads/complete", {"uploads": uploads})
        assert done.status_code == 200, done.content
        assert {(r["status"], r["file"]["state"]) for r in done.json()["results"]} == {(200, "ready")}
        assert DepositFile.objects.filter(deposit_id=deposit_id, state="ready").count() == count
        return len(queries), len(callbacks)

    assert measured(10) == measured(500)


def test_the_files_a_batch_hands_to_the_worker_go_in_one_message(
    owner_client, settings, eager_celery, django_capture_on_commit_callbacks
):
    """Past the byte budget, the files are the worker's: one message for all of them, and one for
    the previews of those verified in the request; the worker (in-process here) verifies each."""
    settings.UPLOAD_VERIFY_INLINE_MAX_SIZE = 4
    deposit_id = new_deposit(owner_client)
    data = [b"1234", b"5678", b"abcd"]
    opened = open_batch(owner_client, deposit_id, [item(f"{n}.txt", d) for n, d in enumerate(data)]).json()
    uploads = [
        {"upload_id": r["upload"]["id"], "parts": send(owner_client, r["upload"], d)}
        for r, d in zip(opened["results"], data, strict=True)
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        results = post(owner_client, "/api/uploads/complete", {"uploads": uploads}).json()["results"]
    assert [(r["status"], r["file"]["state"]) for r in results] == [
        (200, "ready"),
        (202, "verifying"),
        (202, "verifying"),
    ]
    assert len(callbacks) == 2
    files = DepositFile.objects.filter(deposit_id=deposit_id).order_by("name")
    assert [(f.state, f.sha256) for f in files] == [("ready", hashlib.sha256(d).hexdigest()) for d in data]


def test_the_sweep_of_stalled_verifications_takes_the_same_queries_for_10_and_1000_files(
    owner_client, django_capture_on_commit_callbacks
):
    """Verifications lost on the way (files left `verifying`) are handed over again in one message,
    whatever their number."""

    def measured(count: int) -> tuple[int, int, int]:
        deposit_id = new_deposit(owner_client)
        DepositFile.objects.bulk_create(
            DepositFile(deposit_id=deposit_id, name=f"lost/{n:04d}.csv", size=10, storage_key=f"files/lost{count}-{n}")
            for n in range(count)
        )
        DepositFile.objects.filter(deposit_id=deposit_id).update(state="verifying", verify_queued_at=None)
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
            handed = services.files_verify_stalled()
        assert not DepositFile.objects.filter(deposit_id=deposit_id, verify_queued_at=None).exists()
        assert services.files_verify_stalled() == 0  # handed over once
        return handed, len(queries), len(callbacks)

    assert measured(10) == (10, *measured(1000)[1:])


def test_the_files_beyond_the_limit_are_refused_one_by_one_and_the_others_opened(owner_client, settings):
    settings.UPLOAD_MAX_FILES = 5
    deposit_id = new_deposit(owner_client)
    first = open_batch(owner_client, deposit_id, [item(f"a{n}.csv", content(n)) for n in range(3)])
    assert first.json()["opened"] == 3
    answer = open_batch(owner_client, deposit_id, [item(f"b{n}.csv", content(n)) for n in range(4)]).json()
    assert (answer["opened"], answer["refused"]) == (2, 2)
    assert [r["status"] for r in answer["results"]] == [201, 201, 422, 422]
    problem = answer["results"][2]["problem"]
    assert problem["detail"] == "A deposit holds at most 5 files."
    assert problem["problems"] == [{"field": "files.2.name", "message": "A deposit holds at most 5 files."}]
    assert DepositFile.objects.filter(deposit_id=deposit_id).count() == 5
    in_french = post_fr(owner_client, f"/api/deposits/{deposit_id}/uploads/batch", {"files": [item("c.csv", b"c")]})
    assert in_french.json()["results"][0]["problem"]["detail"] == "Un dépôt contient au plus 5 fichiers."


def test_a_bad_name_a_duplicate_and_a_folder_clash_refuse_only_themselves(owner_client, settings):
    settings.UPLOAD_MAX_DEPOSIT_SIZE = 100
    deposit_id = new_deposit(owner_client)
    data = b"x" * 10
    answer = open_batch(
        owner_client,
        deposit_id,
        [
            item("good.csv", data),
            item("../escape.csv", data),
            item("good.csv", data),
            item("good.csv/inner.csv", data),
            {"name": "big.nc", "size": 95},
            item("data/ok.csv", data),
            {"name": "x.csv", "size": 1, "sha256": "not-a-checksum"},
        ],
    ).json()
    statuses = [r["status"] for r in answer["results"]]
    assert statuses == [201, 422, 422, 422, 422, 201, 422]
    fields = [r["problem"]["problems"][0]["field"] for r in answer["results"] if r["problem"]]
    assert fields == ["files.1.name", "files.2.name", "files.3.name", "files.4.size", "files.6.sha256"]
    assert "already has a file named “good.csv”" in answer["results"][2]["problem"]["detail"]
    assert "“good.csv” is a file in this deposit" in answer["results"][3]["problem"]["detail"]
    assert "would take it over" in answer["results"][4]["problem"]["detail"]
    assert sorted(DepositFile.objects.filter(deposit_id=deposit_id).values_list("name", flat=True)) == [
        "data/ok.csv",
        "good.csv",
    ]


def test_a_batch_over_500_files_is_refused_whole(owner_client):
    deposit_id = new_deposit(owner_client)
    answer = open_batch(owner_client, deposit_id, [item(f"f{n}", b"x") for n in range(501)])
    assert answer.status_code == 422
    assert DepositFile.objects.filter(deposit_id=deposit_id).count() == 0


def test_completing_a_batch_answers_each_upload_on_its_own(owner_client, api_client, other_depositor):
    deposit_id = new_deposit(owner_client)
    opened = open_batch(owner_client, deposit_id, [item("a.csv", b"aaa"), item("b.csv", b"bbb")]).json()
    a, b = (r["upload"] for r in opened["results"])
    parts_a = send(owner_client, a, b"aaa")
    send(owner_client, b, b"bbb")
    theirs = api_client(other_depositor)
    other = open_batch(theirs, new_deposit(theirs), [item("c.csv", b"ccc")]).json()["results"][0]["upload"]
    uploads = [
        {"upload_id": a["id"], "parts": parts_a},
        {"upload_id": b["id"], "parts": [{"part_number": 1, "etag": "whatever"}]},  # an ETag the store never gave
        {"upload_id": other["id"], "parts": []},
        {"upload_id": a["id"], "parts": parts_a},  # sent twice: answers the file as it stands
    ]
    results = post(owner_client, "/api/uploads/complete", {"uploads": uploads}).json()["results"]
    assert [r["status"] for r in results] == [200, 422, 404, 200]
    assert results[0]["file"]["state"] == "ready" and results[3]["file"]["id"] == results[0]["file"]["id"]
    assert results[1]["problem"]["problems"][0]["field"] == "uploads.1.parts"
    assert UploadSession.objects.get(pk=b["id"]).state == "open"  # to be completed again, as for one upload
    assert results[2]["problem"]["detail"] == "No such upload." and results[2]["file"] is None
    assert UploadSession.objects.get(pk=other["id"]).state == "open"


def test_inline_verification_in_a_batch_stays_within_the_byte_budget(owner_client, settings):
    settings.UPLOAD_VERIFY_INLINE_MAX_SIZE = 10
    deposit_id = new_deposit(owner_client)
    data = [b"1234", b"5678", b"abcd"]
    opened = open_batch(owner_client, deposit_id, [item(f"{n}.txt", d) for n, d in enumerate(data)]).json()
    uploads = [
        {"upload_id": r["upload"]["id"], "parts": send(owner_client, r["upload"], d)}
        for r, d in zip(opened["results"], data, strict=True)
    ]
    results = post(owner_client, "/api/uploads/complete", {"uploads": uploads}).json()["results"]
    # 4 + 4 bytes read in the request; the third would take it past 10: the worker's
    assert [(r["status"], r["file"]["state"]) for r in results] == [(200, "ready"), (200, "ready"), (202, "verifying")]


@pytest.mark.django_db(transaction=True)
def test_two_batches_racing_open_exactly_the_limit(depositor, communities, settings):
    settings.UPLOAD_MAX_FILES = 30
    token = api_token_create(user=depositor, name="race")[1]
    deposit_id = new_deposit(Client(HTTP_AUTHORIZATION=f"Bearer {token}"))
    counter = iter(range(2))

    def batch():
        which = next(counter)
        files = [item(f"batch{which}/f{n}.csv", content(n)) for n in range(20)]
        return open_batch(Client(HTTP_AUTHORIZATION=f"Bearer {token}"), deposit_id, files).json()

    answers = run_at_once(batch, times=2, timeout=60)
    assert sorted(a["opened"] for a in answers) == [10, 20]
    assert DepositFile.objects.filter(deposit_id=deposit_id).count() == 30


def test_a_batch_goes_to_s3_through_presigned_urls_each_file_with_its_own_parts(
    s3, owner_client, django_capture_on_commit_callbacks
):
    deposit_id = new_deposit(owner_client)
    big = os.urandom(11 * MiB)  # with S3's 5 MiB parts: 5 + 5 + 1, verified by the worker
    data = {"casts/a.csv": b"depth,temp\n1,12.5\n", "casts/b.csv": b"depth,temp\n2,12.4\n", "run/big.nc": big}
    opened = open_batch(owner_client, deposit_id, [item(name, d) for name, d in data.items()]).json()
    assert opened["opened"] == 3
    uploads = []
    for result in opened["results"]:
        upload = result["upload"]
        assert all(p["url"].startswith(f"{s3.url}/estran-test/files/") for p in upload["parts"])
        assert upload["stored_parts"] == []
        body, size, parts = data[upload["name"]], upload["part_size"], []
        for part in upload["parts"]:
            n = part["part_number"]
            put = requests.put(part["url"], data=body[(n - 1) * size : n * size], timeout=30)
            assert put.status_code == 200, put.text
            parts.append({"part_number": n, "etag": put.headers["ETag"]})
        uploads.append({"upload_id": upload["id"], "parts": parts})
    assert [len(u["parts"]) for u in uploads] == [1, 1, 3]
    with django_capture_on_commit_callbacks() as callbacks:
        done = post(owner_client, "/api/uploads/complete", {"uploads": uploads})
    results = done.json()["results"]
    assert [(r["status"], r["file"]["state"]) for r in results] == [(200, "ready"), (200, "ready"), (202, "verifying")]
    assert len(callbacks) == 2  # for the worker: the big file's verification; the small files' previews
    file = services.file_verify_queued(file_id=results[2]["file"]["id"])  # what the worker runs
    assert (file.state, file.sha256) == ("ready", hashlib.sha256(big).hexdigest())
    for name, body in data.items():
        key = DepositFile.objects.get(deposit_id=deposit_id, name=name).storage_key
        assert s3.client().get_object(Bucket="estran-test", Key=key)["Body"].read() == body


def test_a_batch_resumes_an_unfinished_upload_and_replaces_a_failed_file(owner_client):
    deposit_id = new_deposit(owner_client)
    first = open_batch(owner_client, deposit_id, [item("a.csv", b"aaa"), item("b.csv", b"bbb")]).json()
    a, b = (r["upload"] for r in first["results"])
    parts = send(owner_client, b, b"XXX")  # not the bytes declared: b.csv fails
    failed = post(owner_client, f"/api/uploads/{b['id']}/complete", {"parts": parts})
    assert failed.status_code == 422 and DepositFile.objects.get(pk=b["file_id"]).state == "failed"
    again = open_batch(owner_client, deposit_id, [item("a.csv", b"aaa"), item("b.csv", b"bbb"), item("c.csv", b"c")])
    results = again.json()["results"]
    assert [r["status"] for r in results] == [201, 201, 201]
    assert results[0]["upload"]["id"] == a["id"]  # a.csv, unfinished: the same session, resumed
    assert results[1]["upload"]["file_id"] != b["file_id"]  # b.csv failed: replaced by a new file
    assert sorted(DepositFile.objects.filter(deposit_id=deposit_id).values_list("name", "state")) == [
        ("a.csv", "uploading"),
        ("b.csv", "uploading"),
        ("c.csv", "uploading"),
    ]
