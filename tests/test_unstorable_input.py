"""Input the database cannot store or the pages cannot show, refused with the field at fault and
nothing changed (issue 12, item 8): lone surrogates, NaN / Infinity / 1e999, integers beyond 64 bits,
NUL characters; and a surrogate stored before these checks never breaks a page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from deposit import services, wizard
from deposit.models import Deposit, DepositFile, UploadSession
from tests.factories import complete_metadata

ROOT = Path(__file__).resolve().parent.parent
BEYOND_64_BITS = str(2**63)
TITLE = complete_metadata()["titles"][0]["title"]


def post(client, path, body: str):
    """A raw JSON body: what a client can send that Python's json.dumps would not write."""
    return client.post(path, data=body, content_type="application/json")


def problems(response) -> list[tuple]:
    return [(p["field"], p["message"]) for p in response.json()["problems"]]


@pytest.fixture
def owner_client(api_client, depositor):
    return api_client(depositor)


@pytest.fixture
def draft(depositor, communities):
    return services.deposit_create(owner=depositor, metadata=complete_metadata(), community="ocean")


# --- Lone surrogates -------------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_title_is_refused_at_its_field_and_no_deposit_is_created(owner_client):
    response = post(owner_client, "/api/deposits", '{"metadata": {"titles": [{"title": "CTD \\ud800 casts"}]}}')

    assert response.status_code == 422
    assert response.json()["code"] == "ValidationFailed"
    [(field, message)] = problems(response)
    assert field == "metadata.titles.0.title" and "lone surrogate" in message
    assert not Deposit.objects.exists()


def test_a_lone_surrogate_in_a_file_name_is_refused_and_no_file_is_created(owner_client, draft):
    response = post(owner_client, f"/api/deposits/{draft.pk}/uploads", '{"name": "ctd\\udc80.csv", "size": 10}')

    assert response.status_code == 422
    assert problems(response)[0][0] == "name"
    assert not DepositFile.objects.exists() and not UploadSession.objects.exists()


def test_the_service_refuses_a_lone_surrogate_however_it_comes(depositor, draft):
    """The API's parser and the pages' middleware come first; the service is the last line."""
    from core.errors import ValidationFailed

    metadata = {**complete_metadata(), "creators": [{"name": "Le Goff, \udc00Anne"}]}
    with pytest.raises(ValidationFailed) as refused:
        services.deposit_update(deposit=draft, actor=depositor, metadata=metadata)
    assert refused.value.problems[0]["field"] == "creators.0.name"
    assert Deposit.objects.get(pk=draft.pk).revision == draft.revision


def test_a_surrogate_stored_before_the_checks_is_shown_as_a_replacement_character(tmp_path):
    """SQLite (the embedded default) kept `"\\ud800"` in a deposit's JSON text before the checks;
    PostgreSQL never could. On SQLite, in a process of its own: the deposit's page, every wizard
    step and the API answer, with U+FFFD where the surrogate was."""
    script = r"""
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import connection
from django.test import Client
from accounts.services import api_token_create, user_create
from deposit import services
from tests.factories import complete_metadata
user = user_create(username="anne", email="anne@example.org", password="correct horse battery", display_name="Anne")
deposit = services.deposit_create(owner=user, metadata=complete_metadata())
with connection.cursor() as cursor:
    stored = json.dumps({**complete_metadata(), "creators": [{"name": "Le Goff, \udc00Anne"}]})
    cursor.execute("UPDATE deposit_deposit SET metadata = %s WHERE id = %s", [stored, deposit.pk])
client = Client()
client.force_login(user)
pages = [f"/deposits/{deposit.pk}/"] + [f"/deposits/{deposit.pk}/wizard/{s}/" for s in
         ("describe", "people", "where_when", "files", "links_licence")]
answers = {url: client.get(url) for url in pages}
token = api_token_create(user=user, name="t")[1]
api = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(f"/api/deposits/{deposit.pk}")
print(json.dumps({
    "pages": {url: r.status_code for url, r in answers.items()},
    "people": "Le Goff, \ufffdAnne" in answers[pages[2]].content.decode(),
    "api": [api.status_code, api.json()["metadata"]["creators"][0]["name"]],
}))
"""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'estran.sqlite3'}",
        "ALLOWED_HOSTS": "testserver",
        "CELERY_BROKER_FOLDER": str(tmp_path / "broker"),
        "LOCAL_STORAGE_ROOT": str(tmp_path / "storage"),
    }
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(result["pages"].values()) == {200}, result
    assert result["people"]
    assert result["api"] == [200, "Le Goff, \ufffdAnne"]


def test_the_metadata_column_mends_a_stored_surrogate_when_read():
    from django.db import connection

    field = Deposit._meta.get_field("metadata")
    stored = '{"titles": [{"title": "CTD \\ud800 casts"}], "\\udfff": ["\\ud83d\\ude00 ok"]}'
    assert field.from_db_value(stored, None, connection) == {
        "titles": [{"title": "CTD \ufffd casts"}],
        "\ufffd": ["\U0001f600 ok"],
    }


# --- Numbers JSON cannot carry, and integers no column holds --------------------------------------


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_number_that_is_not_finite_is_refused_and_nothing_changes(owner_client, draft, number):
    body = f'{{"metadata": {{"geo_locations": [{{"point": {{"longitude": {number}, "latitude": 1}}}}]}}}}'
    response = owner_client.patch(f"/api/deposits/{draft.pk}", data=body, content_type="application/json")

    assert response.status_code == 422
    [(field, message)] = problems(response)
    assert field == "metadata.geo_locations.0.point.longitude" and "NaN, Infinity" in message
    after = Deposit.objects.get(pk=draft.pk)
    assert (after.revision, after.metadata) == (draft.revision, draft.metadata)


def test_a_number_typed_as_nan_in_the_wizard_is_kept_as_text_and_flagged(client, depositor, draft):
    client.force_login(depositor)
    fields = {
        **wizard.step_values_flat("where_when", draft.metadata, draft),
        "geo_locations-0-box-west": "nan",
        "geo_locations-0-box-east": "1e999",
        "geo_locations-0-kind": "box",
    }
    response = client.post(
        reverse("deposit:wizard-save", kwargs={"pk": draft.pk}),
        {"step": "where_when", "revision": draft.revision, **fields},
    )

    assert response.status_code == 200
    box = Deposit.objects.get(pk=draft.pk).metadata["geo_locations"][0]["box"]
    assert (box["west"], box["east"]) == ("nan", "1e999")
    assert {"f-geo_locations-0-box-west", "f-geo_locations-0-box-east"} <= {
        p["anchor"] for p in response.json()["problems"]
    }


def test_the_document_refuses_nan_even_when_read_back():
    from pydantic import ValidationError

    from repository.metadata import MetadataDocument

    metadata = {**complete_metadata(), "vertical_extent": {"minimum": float("nan"), "maximum": 10}}
    with pytest.raises(ValidationError):
        MetadataDocument.model_validate(metadata)


def test_ids_beyond_64_bits_in_mark_as_read_are_refused_and_nothing_is_marked(api_client, depositor, draft):
    from notifications.models import Notification

    notification = Notification.objects.create(recipient=depositor, deposit=draft, kind="submitted")
    response = post(api_client(depositor), "/api/notifications/read", f'{{"ids": [{BEYOND_64_BITS}]}}')

    assert response.status_code == 422
    [(field, message)] = problems(response)
    assert field == "ids.0" and "64 bits" in message
    notification.refresh_from_db()
    assert notification.read_at is None


@pytest.mark.parametrize(
    "path",
    [
        f"/records/{BEYOND_64_BITS}",
        f"/records/{BEYOND_64_BITS}/export/bibtex",
        f"/deposits/{BEYOND_64_BITS}/",
        "/records/" + "9" * 40,
    ],
)
def test_a_page_id_beyond_64_bits_is_no_page(client, depositor, path):
    client.force_login(depositor)
    assert client.get(path).status_code == 404


def test_a_year_beyond_four_digits_is_refused_by_the_search_page_and_the_api(client, api_client):
    page = client.get("/search", {"year": BEYOND_64_BITS})
    assert page.status_code == 400
    assert "A year is a number of at most four digits" in page.content.decode()

    response = api_client(None).get("/api/records", {"year": BEYOND_64_BITS})
    assert response.status_code == 422
    assert problems(response) == [("year", "A year is a number of at most four digits, e.g. 2024.")]


def test_a_queue_page_beyond_64_bits_shows_the_last_page(client, moderator, depositor, communities):
    deposit = services.deposit_create(owner=depositor, metadata=complete_metadata(), community="ocean")
    services.file_add_bytes(deposit=deposit, actor=depositor, name="ctd.csv", chunks=[b"a,b\n1,2\n"], size=8)
    services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    client.force_login(moderator)

    response = client.get(reverse("moderation:queue"), {"page": BEYOND_64_BITS})

    assert response.status_code == 200
    assert TITLE in response.content.decode()


# --- NUL characters ---------------------------------------------------------------------------------


def test_a_nul_character_in_a_title_is_refused_by_the_api_at_its_field(owner_client, draft):
    body = json.dumps({"metadata": {**complete_metadata(), "titles": [{"title": "CTD\x00 casts"}]}})
    response = owner_client.patch(f"/api/deposits/{draft.pk}", data=body, content_type="application/json")

    assert response.status_code == 422
    [(field, message)] = problems(response)
    assert field == "metadata.titles.0.title" and "NUL character" in message
    assert Deposit.objects.get(pk=draft.pk).title == TITLE


def test_a_nul_character_in_the_wizards_autosave_is_refused_with_its_field(client, depositor, draft):
    client.force_login(depositor)
    response = client.post(
        reverse("deposit:wizard-save", kwargs={"pk": draft.pk}),
        {"step": "describe", "revision": draft.revision, "title": "CTD\x00 casts"},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 400
    assert response.json()["problems"][0]["field"] == "title"
    assert "NUL character" in response.json()["detail"]
    after = Deposit.objects.get(pk=draft.pk)
    assert (after.title, after.revision) == (TITLE, draft.revision)


def test_a_nul_character_in_a_page_form_is_refused_with_a_page_naming_the_field(client, depositor, draft):
    client.force_login(depositor)
    response = client.post(
        reverse("deposit:wizard", kwargs={"pk": draft.pk, "step": "describe"}),
        {"step": "describe", "revision": draft.revision, "title": "CTD\x00 casts"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Field “title”" in page and "NUL character" in page
    assert Deposit.objects.get(pk=draft.pk).revision == draft.revision


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/search", {"q": "temperature\x00"}),
        ("/search", {"keyword": "\x00"}),
        ("/doi/10.5072/abc\x00", {}),
    ],
)
def test_a_nul_character_in_a_search_or_an_address_is_refused(client, path, params):
    response = client.get(path, params)
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/records", {"q": "temperature\x00"}),
        ("/api/vocabularies/concepts", {"q": "\x00"}),
        ("/api/lookups/ror", {"q": "ifre\x00mer"}),
    ],
)
def test_a_nul_character_in_an_api_query_is_refused_at_its_parameter(api_client, depositor, path, params):
    response = api_client(depositor).get(path, params)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert problems(response)[0][0] == next(iter(params))


def test_a_body_that_is_not_json_gets_the_apis_error_shape(owner_client):
    response = post(owner_client, "/api/deposits", '{"metadata": ')
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"
    assert not Deposit.objects.exists()


def test_json_nested_too_deeply_is_refused(owner_client):
    response = post(owner_client, "/api/deposits", '{"metadata": {"x": ' + "[" * 5000 + "]" * 5000 + "}}")
    assert response.status_code in (400, 422)
    assert response.json()["code"] in ("invalid_json", "ValidationFailed")
    assert not Deposit.objects.exists()
