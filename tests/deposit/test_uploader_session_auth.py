"""The browser uploader calls the upload endpoints of the REST API with the signed-in session instead
of a token (config/api.py, `UploaderSessionAuth`): with the CSRF token they work as with a token;
without it every unsafe request is refused before anything is done; tokens still work; other users
get 404; and the session opens no other endpoint."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import urlsplit

import pytest
from django.test import Client

from deposit import services
from deposit.models import DepositFile, UploadSession
from tests.factories import complete_metadata

DATA = b"station,depth_m,temperature_c\nP01,5,14.2\nP01,50,12.8\n"


def browser(user) -> tuple[Client, str]:
    """A client signed in with a session that enforces CSRF as a browser meets it, and the token the
    page gives (the deposit list renders the sign-out form, which sets the CSRF cookie)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/deposits/").status_code == 200
    return client, client.cookies["csrftoken"].value


def send(client: Client, method: str, path: str, payload=None, csrf: str | None = None, **headers):
    if csrf:
        headers["HTTP_X_CSRFTOKEN"] = csrf
    return getattr(client, method)(
        path, data=json.dumps(payload) if payload is not None else None, content_type="application/json", **headers
    )


@pytest.fixture
def deposit(depositor, communities):
    return services.deposit_create(owner=depositor, metadata=complete_metadata(), community="ocean")


def test_a_signed_in_browser_uploads_a_file_with_its_session_and_csrf_token(depositor, deposit):
    client, csrf = browser(depositor)
    opened = send(client, "post", f"/api/deposits/{deposit.pk}/uploads", {"name": "ctd.csv", "size": len(DATA)}, csrf)
    assert opened.status_code == 201, opened.content
    upload = opened.json()

    digest = hashlib.sha256(DATA).hexdigest()
    signed = send(
        client, "post", f"/api/uploads/{upload['id']}/parts", {"parts": [{"part_number": 1, "sha256": digest}]}, csrf
    )
    assert signed.status_code == 200, signed.content
    part = signed.json()["parts"][0]
    assert part["headers"] == {"x-amz-checksum-sha256": base64.b64encode(bytes.fromhex(digest)).decode()}

    # the part URL is signed: no session, no CSRF token (as S3 wants it)
    url = urlsplit(part["url"])
    put = Client(enforce_csrf_checks=True).put(
        f"{url.path}?{url.query}",
        data=DATA,
        content_type="application/octet-stream",
        HTTP_X_AMZ_CHECKSUM_SHA256=part["headers"]["x-amz-checksum-sha256"],
    )
    assert put.status_code == 200, put.content
    etag = put["ETag"]

    resumed = send(client, "get", f"/api/uploads/{upload['id']}")
    assert resumed.status_code == 200
    assert [p["part_number"] for p in resumed.json()["stored_parts"]] == [1]

    done = send(
        client, "post", f"/api/uploads/{upload['id']}/complete", {"parts": [{"part_number": 1, "etag": etag}]}, csrf
    )
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "ready" and done.json()["sha256"] == digest

    files = send(client, "get", f"/api/deposits/{deposit.pk}/files")
    assert files.status_code == 200
    assert [(f["name"], f["state"]) for f in files.json()] == [("ctd.csv", "ready")]


def test_a_browser_cancels_an_upload_with_its_session_and_csrf_token(depositor, deposit):
    client, csrf = browser(depositor)
    upload = send(client, "post", f"/api/deposits/{deposit.pk}/uploads", {"name": "a.csv", "size": 3}, csrf).json()
    assert send(client, "delete", f"/api/uploads/{upload['id']}", csrf=csrf).status_code == 204
    assert not DepositFile.objects.filter(deposit=deposit).exists()


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("post", "/api/deposits/{deposit}/uploads", {"name": "b.csv", "size": 3}),
        ("post", "/api/uploads/{upload}/parts", {"parts": [{"part_number": 1, "sha256": "0" * 64}]}),
        ("post", "/api/uploads/{upload}/complete", {"parts": [{"part_number": 1, "etag": "x"}]}),
        ("delete", "/api/uploads/{upload}", None),
    ],
)
def test_a_session_request_that_changes_something_without_the_csrf_token_is_refused(
    depositor, deposit, method, path, payload
):
    session = services.upload_open(deposit=deposit, actor=depositor, name="a.csv", size=3)
    client, _csrf = browser(depositor)
    url = path.format(deposit=deposit.pk, upload=session.pk)

    refused = send(client, method, url, payload)
    assert refused.status_code == 403, refused.content
    assert refused.json()["code"] == "csrf_failed"

    wrong = send(client, method, url, payload, csrf="x" * 64)
    assert wrong.status_code == 403 and wrong.json()["code"] == "csrf_failed"

    # nothing happened: one file, its upload still open
    assert [f.name for f in DepositFile.objects.filter(deposit=deposit)] == ["a.csv"]
    assert UploadSession.objects.get(pk=session.pk).state == UploadSession.State.open


def test_a_csrf_token_from_another_origin_is_refused(depositor, deposit, settings):
    """The token is not enough on its own: Django's check also refuses a foreign Origin."""
    client, csrf = browser(depositor)
    response = send(
        client,
        "post",
        f"/api/deposits/{deposit.pk}/uploads",
        {"name": "c.csv", "size": 3},
        csrf,
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"


def test_tokens_still_work_on_the_upload_endpoints_without_any_csrf_token(depositor, deposit, api_client):
    client = api_client(depositor)
    client.handler.enforce_csrf_checks = True
    opened = send(client, "post", f"/api/deposits/{deposit.pk}/uploads", {"name": "d.csv", "size": len(DATA)})
    assert opened.status_code == 201, opened.content
    upload_id = opened.json()["id"]
    assert send(client, "get", f"/api/uploads/{upload_id}").status_code == 200
    assert send(client, "delete", f"/api/uploads/{upload_id}").status_code == 204


def test_a_wrong_token_is_not_rescued_by_the_session(depositor, deposit):
    client, csrf = browser(depositor)
    response = send(
        client,
        "post",
        f"/api/deposits/{deposit.pk}/uploads",
        {"name": "e.csv", "size": 3},
        csrf,
        HTTP_AUTHORIZATION="Bearer estran_nope_nope",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/deposits"),
        ("post", "/api/deposits"),
        ("get", "/api/deposits/{deposit}"),
        ("patch", "/api/deposits/{deposit}"),
        ("post", "/api/deposits/{deposit}/actions"),
        ("delete", "/api/deposits/{deposit}/files/{file}"),
    ],
)
def test_the_session_opens_no_other_endpoint(depositor, deposit, method, path):
    session = services.upload_open(deposit=deposit, actor=depositor, name="a.csv", size=3)
    client, csrf = browser(depositor)
    url = path.format(deposit=deposit.pk, file=session.file_id)
    response = send(client, method, url, None if method == "get" else {}, csrf)
    assert response.status_code == 401, response.content


def test_other_users_signed_in_get_404_on_someone_elses_uploads(depositor, other_depositor, deposit):
    session = services.upload_open(deposit=deposit, actor=depositor, name="a.csv", size=3)
    client, csrf = browser(other_depositor)
    for method, url, payload in [
        ("post", f"/api/deposits/{deposit.pk}/uploads", {"name": "f.csv", "size": 3}),
        ("get", f"/api/uploads/{session.pk}", None),
        ("post", f"/api/uploads/{session.pk}/parts", {"parts": [{"part_number": 1, "sha256": "0" * 64}]}),
        ("post", f"/api/uploads/{session.pk}/complete", {"parts": [{"part_number": 1, "etag": "x"}]}),
        ("delete", f"/api/uploads/{session.pk}", None),
        ("get", f"/api/deposits/{deposit.pk}/files", None),
    ]:
        response = send(client, method, url, payload, csrf)
        assert response.status_code == 404, (method, url, response.content)
    assert UploadSession.objects.get(pk=session.pk).state == UploadSession.State.open
    assert [f.name for f in DepositFile.objects.filter(deposit=deposit)] == ["a.csv"]


def test_anonymous_browsers_get_401_not_a_csrf_error(deposit):
    client = Client(enforce_csrf_checks=True)
    response = send(client, "post", f"/api/deposits/{deposit.pk}/uploads", {"name": "g.csv", "size": 3})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_the_deposit_page_offers_the_uploader_only_to_those_who_may_add_files(
    depositor, other_depositor, moderator, deposit
):
    from deposit.workflow import Action

    owner, _csrf = browser(depositor)
    page = owner.get(f"/deposits/{deposit.pk}/").content.decode()
    assert "data-uploader" in page and "js/uploader.js" in page
    assert browser(other_depositor)[0].get(f"/deposits/{deposit.pk}/").status_code == 404

    services.file_add_bytes(deposit=deposit, actor=depositor, name="ctd.csv", chunks=[DATA], size=len(DATA))
    services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)
    assert "data-uploader" not in owner.get(f"/deposits/{deposit.pk}/").content.decode()  # submitted: not editable
    reviewer, _csrf = browser(moderator)
    page = reviewer.get(f"/deposits/{deposit.pk}/")
    assert page.status_code == 200 and "data-uploader" not in page.content.decode()
