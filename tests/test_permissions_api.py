"""Who may do what through the REST API and the local store's part endpoint, for each role: anonymous,
the owner, another depositor, a moderator of the deposit's community (ocean), a moderator of another
community (atmosphere), an administrator. Refusals change nothing."""

from __future__ import annotations

import json

import pytest
from django.conf import settings as django_settings

from deposit import services
from deposit.models import Deposit, DepositEvent, DepositFile, UploadSession
from deposit.workflow import Action, Status
from repository.storage import LocalObjectStore
from tests.factories import complete_metadata, deposit_with_file

ROLES = ("anonymous", "owner", "other_depositor", "moderator", "other_moderator", "admin")
DATA = b"depth,temp\n1,12.5\n"


def table(rows: dict[str, dict[str, int]]):
    """{state: {role: code}} -> parametrize rows (state, role, code)."""
    return [
        pytest.param(state, role, code, id=f"{state}-{role}-{code}")
        for state, codes in rows.items()
        for role, code in codes.items()
    ]


def codes(anonymous, owner, other_depositor, moderator, other_moderator, admin) -> dict[str, int]:
    return dict(zip(ROLES, (anonymous, owner, other_depositor, moderator, other_moderator, admin), strict=True))


@pytest.fixture
def users(depositor, other_depositor, moderator, other_moderator, admin):
    return {
        "anonymous": None,
        "owner": depositor,
        "other_depositor": other_depositor,
        "moderator": moderator,
        "other_moderator": other_moderator,
        "admin": admin,
    }


@pytest.fixture
def client_of(api_client, users):
    return lambda role: api_client(users[role])


@pytest.fixture
def deposit_in(depositor, communities):
    """`deposit_in("draft" | "submitted")`: a complete ocean deposit of `depositor` with one ready file."""

    def make(state: str) -> Deposit:
        deposit = deposit_with_file(depositor, community=communities["ocean"])
        if state == "submitted":
            services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)
        deposit.refresh_from_db()
        assert deposit.status == state
        return deposit

    return make


def snapshot(deposit: Deposit) -> tuple:
    deposit = Deposit.objects.get(pk=deposit.pk)
    return (
        deposit.status,
        deposit.revision,
        deposit.title,
        deposit.metadata,
        deposit.community_id,
        deposit.reviewer_id,
        deposit.record_id,
        sorted(deposit.files.values_list("name", "state")),
        deposit.events.count(),
    )


def post(client, path, payload=None):
    return client.post(path, data=json.dumps(payload or {}), content_type="application/json")


# --- deposits -----------------------------------------------------------------------------------


def test_each_user_lists_only_their_own_deposits(client_of, users, deposit_in, communities):
    draft, submitted = deposit_in("draft"), deposit_in("submitted")
    theirs = services.deposit_create(owner=users["other_depositor"], community=communities["ocean"])
    expected = {
        "owner": {draft.pk, submitted.pk},
        "other_depositor": {theirs.pk},
        "moderator": set(),
        "other_moderator": set(),
        "admin": set(),
    }
    assert client_of("anonymous").get("/api/deposits").status_code == 401
    for role, ids in expected.items():
        response = client_of(role).get("/api/deposits")
        assert response.status_code == 200, role
        assert {d["id"] for d in response.json()} == ids, role


DETAIL = table(
    {
        "draft": codes(401, 200, 404, 404, 404, 200),
        "submitted": codes(401, 200, 404, 200, 404, 200),
    }
)


@pytest.mark.parametrize(("state", "role", "code"), DETAIL)
def test_get_deposit(state, role, code, client_of, deposit_in):
    deposit = deposit_in(state)
    response = client_of(role).get(f"/api/deposits/{deposit.pk}")
    assert response.status_code == code
    if code == 200:
        assert response.json()["id"] == deposit.pk
        assert response.json()["status"] == state


def test_an_unknown_deposit_is_404_like_one_you_may_not_see(client_of):
    assert client_of("owner").get("/api/deposits/999999").status_code == 404
    assert client_of("admin").get("/api/deposits/999999").status_code == 404


PATCH = table(
    {
        "draft": codes(401, 200, 404, 404, 404, 200),
        "submitted": codes(401, 409, 404, 403, 404, 409),
    }
)


@pytest.mark.parametrize(("state", "role", "code"), PATCH)
def test_patch_deposit(state, role, code, client_of, deposit_in):
    deposit = deposit_in(state)
    before = snapshot(deposit)
    new = complete_metadata(title="Changed by " + role)
    response = client_of(role).patch(
        f"/api/deposits/{deposit.pk}", data=json.dumps({"metadata": new}), content_type="application/json"
    )
    assert response.status_code == code, response.content
    if code == 200:
        after = Deposit.objects.get(pk=deposit.pk)
        assert (after.title, after.revision) == ("Changed by " + role, deposit.revision + 1)
    else:
        assert snapshot(deposit) == before


# --- files and uploads --------------------------------------------------------------------------


UPLOAD_OPEN = table(
    {
        "draft": codes(401, 201, 404, 404, 404, 201),
        "submitted": codes(401, 409, 404, 403, 404, 409),
    }
)


@pytest.mark.parametrize(("state", "role", "code"), UPLOAD_OPEN)
def test_open_an_upload(state, role, code, client_of, deposit_in):
    deposit = deposit_in(state)
    before = snapshot(deposit)
    response = post(client_of(role), f"/api/deposits/{deposit.pk}/uploads", {"name": "more.csv", "size": 10})
    assert response.status_code == code, response.content
    if code == 201:
        assert DepositFile.objects.filter(deposit=deposit, name="more.csv").exists()
        assert len(response.json()["parts"]) == 1
    else:
        assert snapshot(deposit) == before
        assert UploadSession.objects.count() == 1  # the one of the deposit's first file


@pytest.fixture
def open_upload(deposit_in, depositor):
    """A draft with an open upload of a second file, whose one part is already stored."""
    deposit = deposit_in("draft")
    session = services.upload_open(deposit=deposit, actor=depositor, name="second.csv", size=len(DATA))
    etag = LocalObjectStore().put_part(upload_id=session.upload_id, part_number=1, stream=iter([DATA]))
    return deposit, session, etag


UPLOAD_SESSION = codes(401, 200, 404, 404, 404, 200)


@pytest.mark.parametrize(("role", "code"), UPLOAD_SESSION.items())
def test_get_an_open_upload(role, code, client_of, open_upload):
    _deposit, session, _etag = open_upload
    response = client_of(role).get(f"/api/uploads/{session.pk}")
    assert response.status_code == code
    if code == 200:
        assert [p["part_number"] for p in response.json()["stored_parts"]] == [1]
        assert len(response.json()["parts"]) == 1
    else:
        assert "parts" not in response.json()


@pytest.mark.parametrize(("role", "code"), UPLOAD_SESSION.items())
def test_complete_an_upload(role, code, client_of, open_upload):
    _deposit, session, etag = open_upload
    response = post(
        client_of(role), f"/api/uploads/{session.pk}/complete", {"parts": [{"part_number": 1, "etag": etag}]}
    )
    assert response.status_code == code, response.content
    session.refresh_from_db()
    file = DepositFile.objects.get(pk=session.file_id)
    if code == 200:
        assert (session.state, file.state) == ("completed", "ready")
    else:
        assert (session.state, file.state) == ("open", "uploading")


@pytest.mark.parametrize(("role", "code"), codes(401, 204, 404, 404, 404, 204).items())
def test_abort_an_upload(role, code, client_of, open_upload):
    _deposit, session, _etag = open_upload
    response = client_of(role).delete(f"/api/uploads/{session.pk}")
    assert response.status_code == code
    exists = UploadSession.objects.filter(pk=session.pk, state="open").exists()
    assert exists is (code != 204)
    assert DepositFile.objects.filter(pk=session.file_id).exists() is (code != 204)


@pytest.mark.parametrize("role", ["other_depositor", "other_moderator", "moderator"])
def test_someone_elses_upload_and_a_missing_one_get_the_same_404(role, client_of, open_upload):
    """Trying upload ids tells nobody which sessions exist: the same status and body either way."""
    deposit, session, etag = open_upload
    before = snapshot(deposit)
    client = client_of(role)
    missing = UploadSession.objects.order_by("-pk").first().pk + 1000
    for method, suffix, payload in [
        ("get", "", None),
        ("post", "/parts", {"parts": [{"part_number": 1, "sha256": "0" * 64}]}),
        ("post", "/complete", {"parts": [{"part_number": 1, "etag": etag}]}),
        ("delete", "", None),
    ]:
        answers = []
        for upload_id in (session.pk, missing):
            path = f"/api/uploads/{upload_id}{suffix}"
            response = post(client, path, payload) if method == "post" else getattr(client, method)(path)
            answers.append((response.status_code, response.json()))
        assert answers[0] == answers[1] == (404, {"detail": "No such upload.", "code": "NotFound"}), (method, suffix)
    assert snapshot(deposit) == before
    assert UploadSession.objects.get(pk=session.pk).state == "open"


COMPLETED_UPLOAD = table(
    {
        # upload sessions are the depositor's: a moderator who may read the deposit is refused them
        "submitted": codes(401, 200, 404, 403, 404, 200),
    }
)


@pytest.mark.parametrize(("state", "role", "code"), COMPLETED_UPLOAD)
def test_get_a_completed_upload(state, role, code, client_of, deposit_in):
    deposit = deposit_in(state)
    session = UploadSession.objects.get(file__deposit=deposit)
    response = client_of(role).get(f"/api/uploads/{session.pk}")
    assert response.status_code == code
    if code == 200:
        assert response.json()["state"] == "completed"
        assert response.json()["parts"] == []


@pytest.mark.parametrize(("role", "code"), codes(401, 409, 404, 403, 404, 409).items())
def test_complete_or_abort_an_upload_of_a_submitted_deposit(role, code, client_of, deposit_in):
    deposit = deposit_in("submitted")
    session = UploadSession.objects.get(file__deposit=deposit)
    before = snapshot(deposit)
    client = client_of(role)
    assert post(client, f"/api/uploads/{session.pk}/complete", {"parts": []}).status_code == code
    assert client.delete(f"/api/uploads/{session.pk}").status_code == code
    assert snapshot(deposit) == before
    assert UploadSession.objects.get(pk=session.pk).state == "completed"


def test_a_moderator_gets_no_part_urls_of_a_deposit_sent_back_for_changes(client_of, deposit_in, depositor, moderator):
    """A part URL lets its holder write the depositor's file: only the depositor (or an admin) gets one."""
    deposit = deposit_in("submitted")
    services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    services.deposit_act(deposit=deposit, action=Action.request_changes, actor=moderator, note="Add a file.")
    session = services.upload_open(deposit=deposit, actor=depositor, name="added.csv", size=len(DATA))
    assert client_of("moderator").get(f"/api/deposits/{deposit.pk}").status_code == 200  # may read the deposit
    response = client_of("moderator").get(f"/api/uploads/{session.pk}")
    assert response.status_code == 403
    assert "signature=" not in response.content.decode()
    assert client_of("owner").get(f"/api/uploads/{session.pk}").status_code == 200


FILE_LIST = table(
    {
        "draft": codes(401, 200, 404, 404, 404, 200),
        "submitted": codes(401, 200, 404, 200, 404, 200),
    }
)


@pytest.mark.parametrize(("state", "role", "code"), FILE_LIST)
def test_list_files(state, role, code, client_of, deposit_in):
    deposit = deposit_in(state)
    response = client_of(role).get(f"/api/deposits/{deposit.pk}/files")
    assert response.status_code == code
    if code == 200:
        assert [f["name"] for f in response.json()] == ["ctd.csv"]


FILE_DELETE = table(
    {
        "draft": codes(401, 204, 404, 404, 404, 204),
        "submitted": codes(401, 409, 404, 403, 404, 409),
    }
)


@pytest.mark.parametrize(("state", "role", "code"), FILE_DELETE)
def test_delete_a_file(state, role, code, client_of, deposit_in):
    deposit = deposit_in(state)
    file = deposit.files.get()
    before = snapshot(deposit)
    response = client_of(role).delete(f"/api/deposits/{deposit.pk}/files/{file.pk}")
    assert response.status_code == code
    if code == 204:
        assert not DepositFile.objects.filter(pk=file.pk).exists()
    else:
        assert snapshot(deposit) == before


# --- lifecycle actions --------------------------------------------------------------------------

A = Action
# role -> {action: code}, for a complete draft and for a submitted deposit
DRAFT_ACTIONS = {
    "anonymous": dict.fromkeys(A, 401),
    "owner": {**dict.fromkeys(A, 409), A.submit: 200, A.publish: 403},
    "other_depositor": dict.fromkeys(A, 404),
    "moderator": dict.fromkeys(A, 404),
    "other_moderator": dict.fromkeys(A, 404),
    "admin": {**dict.fromkeys(A, 409), A.submit: 403, A.publish: 403},
}
SUBMITTED_ACTIONS = {
    "anonymous": dict.fromkeys(A, 401),
    "owner": {**dict.fromkeys(A, 409), A.claim: 403, A.assign: 403, A.publish: 403},
    "other_depositor": dict.fromkeys(A, 404),
    # assigning needs a colleague to assign to (none given here): 422
    "moderator": {**dict.fromkeys(A, 409), A.claim: 200, A.assign: 422, A.publish: 403},
    "other_moderator": dict.fromkeys(A, 404),
    "admin": {**dict.fromkeys(A, 409), A.claim: 200, A.assign: 422, A.publish: 403},
}
ACTIONS = [
    pytest.param(state, role, action, code, id=f"{state}-{role}-{action.value}-{code}")
    for state, matrix in (("draft", DRAFT_ACTIONS), ("submitted", SUBMITTED_ACTIONS))
    for role, by_action in matrix.items()
    for action, code in by_action.items()
]
TARGET = {(Status.draft, A.submit): Status.submitted, (Status.submitted, A.claim): Status.in_review}


@pytest.mark.parametrize(("state", "role", "action", "code"), ACTIONS)
def test_action(state, role, action, code, client_of, deposit_in):
    deposit = deposit_in(state)
    before = snapshot(deposit)
    events = DepositEvent.objects.filter(deposit=deposit).count()
    response = post(client_of(role), f"/api/deposits/{deposit.pk}/actions", {"action": action.value, "note": "A note."})
    assert response.status_code == code, response.content
    if code == 200:
        assert response.json()["status"] == TARGET[(state, action)]
        assert DepositEvent.objects.filter(deposit=deposit).count() == events + 1
    else:
        assert snapshot(deposit) == before
        if code != 401:
            assert response.json()["detail"]


def test_a_moderator_cannot_resubmit_for_the_depositor_even_an_incomplete_deposit(client_of, deposit_in, moderator):
    """Whether the actor may act is decided before the content is checked: a moderator is told 403,
    not the deposit's problems."""
    deposit = deposit_in("submitted")
    services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    services.deposit_act(deposit=deposit, action=Action.request_changes, actor=moderator, note="Fix it.")
    Deposit.objects.filter(pk=deposit.pk).update(metadata={})
    response = post(client_of("moderator"), f"/api/deposits/{deposit.pk}/actions", {"action": "resubmit"})
    assert response.status_code == 403, response.content
    assert Deposit.objects.get(pk=deposit.pk).status == Status.changes_requested


# --- moderation queue ---------------------------------------------------------------------------


def test_moderation_queue_by_role(client_of, users, deposit_in, communities):
    ocean_draft, ocean_submitted = deposit_in("draft"), deposit_in("submitted")
    atmosphere = deposit_with_file(users["other_depositor"], community=communities["atmosphere"])
    services.deposit_act(deposit=atmosphere, action=Action.submit, actor=users["other_depositor"])

    assert client_of("anonymous").get("/api/moderation/queue").status_code == 401
    for role in ("owner", "other_depositor"):  # not moderators: no queue at all, as on the page
        response = client_of(role).get("/api/moderation/queue")
        assert response.status_code == 403, role
        assert response.json()["detail"]
    expected = {
        "moderator": {ocean_submitted.pk},
        "other_moderator": {atmosphere.pk},
        "admin": {ocean_submitted.pk, atmosphere.pk},
    }
    for role, ids in expected.items():
        response = client_of(role).get("/api/moderation/queue")
        assert response.status_code == 200, role
        assert {item["id"] for item in response.json()} == ids, role
    assert ocean_draft.pk not in expected["admin"]


# --- published records (public) -----------------------------------------------------------------


@pytest.fixture
def record(deposit_in, moderator):
    deposit = deposit_in("submitted")
    services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    deposit = services.deposit_act(deposit=deposit, action=Action.approve, actor=moderator)
    assert deposit.status == Status.published
    return deposit.record


@pytest.mark.parametrize("role", ROLES)
def test_published_records_are_public_through_the_api(role, client_of, record):
    client = client_of(role)
    listed = client.get("/api/records")
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["hits"]] == [record.pk]
    detail = client.get(f"/api/records/{record.pk}")
    assert detail.status_code == 200
    assert detail.json()["doi"] == record.doi
    assert client.get("/api/records/999999").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_published_records_pages_and_files_are_public(role, client_of, record):
    client = client_of(role)
    resolved = client.get(f"/doi/{record.doi}")
    assert (resolved.status_code, resolved["Location"]) == (302, f"/records/{record.pk}")
    download = client.get(f"/records/{record.pk}/files/ctd.csv")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == DATA
    assert client.get(f"/records/{record.pk}").status_code == 200


def test_unpublished_deposits_have_no_public_pages(client_of, deposit_in):
    deposit = deposit_in("submitted")
    anonymous = client_of("anonymous")
    assert anonymous.get(f"/doi/{deposit.pid.doi}").status_code == 404  # reserved, not yet published
    assert anonymous.get("/api/records").json()["hits"] == []


# --- the local store's part endpoint ------------------------------------------------------------


@pytest.fixture
def part_urls(open_upload):
    """Signed URLs (path and query) of part 1 and part 2 of the open upload."""
    _deposit, session, _etag = open_upload
    store = LocalObjectStore()
    return session, {
        n: store.part_url(
            key=session.file.storage_key, upload_id=session.upload_id, part_number=n, max_bytes=session.part_size
        ).removeprefix(django_settings.SITE_URL)
        for n in (1, 2)
    }


def _put(client, path, data=b"bytes"):
    return client.put(path, data=data, content_type="application/octet-stream")


def test_a_part_put_with_a_valid_signature_is_stored_without_a_token(client, part_urls):
    _session, urls = part_urls
    response = _put(client, urls[1], b"new bytes")
    assert response.status_code == 200
    assert response["ETag"].startswith('"')


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda path, other: path.split("?")[0], id="no-signature"),
        pytest.param(lambda path, other: path.split("?")[0] + "?signature=", id="empty-signature"),
        pytest.param(
            lambda path, other: path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"), id="bad-signature"
        ),
        pytest.param(
            lambda path, other: path.split("?")[0] + "?" + other.split("?")[1], id="signature-of-another-part"
        ),
        pytest.param(lambda path, other: path.replace("/parts/1", "/parts/2"), id="same-signature-other-part"),
    ],
)
def test_a_part_put_without_a_valid_signature_is_refused(mangle, client, part_urls, settings):
    session, urls = part_urls
    before = LocalObjectStore().list_parts(key=session.file.storage_key, upload_id=session.upload_id)
    response = _put(client, mangle(urls[1], urls[2]), b"evil")
    assert response.status_code == 403
    after = LocalObjectStore().list_parts(key=session.file.storage_key, upload_id=session.upload_id)
    assert after == before


def test_a_signature_for_another_upload_is_refused(client, part_urls, depositor, communities):
    session, urls = part_urls
    other = services.upload_open(
        deposit=services.deposit_create(owner=depositor, community=communities["ocean"]),
        actor=depositor,
        name="other.csv",
        size=5,
    )
    forged = urls[1].replace(session.upload_id, other.upload_id)
    assert _put(client, forged, b"evil").status_code == 403
    assert LocalObjectStore().list_parts(key=other.file.storage_key, upload_id=other.upload_id) == []


def test_an_expired_part_url_is_refused(client, part_urls, settings):
    _session, urls = part_urls
    settings.UPLOAD_PART_URL_TTL_SECONDS = -1
    assert _put(client, urls[1]).status_code == 403


def test_the_part_endpoint_takes_only_put(client, part_urls):
    _session, urls = part_urls
    assert client.get(urls[1]).status_code == 405
    assert client.post(urls[1], data=b"x", content_type="application/octet-stream").status_code == 405
