"""Files in folders (issue 17): a file's name may be a relative path, cleaned segment by segment and
refused with the reason when it is not one a file system could unpack; a path is a file or a folder,
never both; and the limits on a deposit's files and size are refused clearly at their bound."""

from __future__ import annotations

import hashlib
import json
import unicodedata

import pytest
from django.template import Context, Template
from django.urls import reverse

from core.file_names import MAX_DEPTH, MAX_PATH_BYTES, MAX_SEGMENT_BYTES
from deposit.models import DepositFile, UploadSession
from repository.models import RecordFile
from tests.deposit.test_api import act, create_deposit, local_path, upload_file

# name -> a phrase of the refusal
HOSTILE = {
    "absolute": ("/etc/passwd", "absolute path"),
    "absolute-folder": ("/data/x.csv", "absolute path"),
    "windows-drive": ("C:/data/x.csv", "absolute path"),
    "backslash": ("data\\x.csv", "write “data/x.csv”"),
    "windows-absolute": ("C:\\data\\x.csv", "not “\\”"),
    "dot": ("data/./x.csv", "“.” and “..”"),
    "dot-dot": ("../x.csv", "“.” and “..”"),
    "dot-dot-inside": ("data/../../x.csv", "“.” and “..”"),
    "dot-file-name": ("data/..", "“.” and “..”"),
    "double-slash": ("a//b.csv", "empty folder name"),
    "trailing-slash": ("data/", "empty folder name"),
    "blank-segment": ("data/ /x.csv", "empty folder name"),
    "control": ("data/x\x07.csv", "control characters"),
    "newline-in-folder": ("da\nta/x.csv", "control characters"),
    "right-to-left-override": ("data/report\u202efdp.exe", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    "rtl-override-in-folder": ("\u202eatad/x.csv", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    "zero-width-joiner": ("da\u200dta/x.csv", "U+200D ZERO WIDTH JOINER"),
    "fullwidth-solidus": ("data\uff0fx.csv", "U+FF0F FULLWIDTH SOLIDUS"),
    "division-slash": ("data\u2215x.csv", "U+2215 DIVISION SLASH"),
    "fraction-slash": ("data\u2044x.csv", "U+2044 FRACTION SLASH"),
    "segment-256-bytes": ("data/" + "é" * 128, "at most 255 bytes"),  # 128 characters, 256 bytes
    "folder-256-bytes": ("x" * 256 + "/a.csv", "at most 255 bytes"),
    "too-deep": ("/".join(["d"] * MAX_DEPTH + ["x.csv"]), f"{MAX_DEPTH + 1} levels deep"),
    "path-too-long": ("/".join(["x" * 200] * 5 + ["y" * 20]), f"at most {MAX_PATH_BYTES} bytes"),
}


def post_upload(client, deposit_id: int, name: str, size: int = 3, **headers):
    return client.post(
        f"/api/deposits/{deposit_id}/uploads",
        data=json.dumps({"name": name, "size": size}),
        content_type="application/json",
        **headers,
    )


@pytest.fixture
def owner(api_client, depositor):
    return api_client(depositor)


@pytest.fixture
def deposit(owner):
    return create_deposit(owner)


@pytest.mark.parametrize(("name", "reason"), HOSTILE.values(), ids=HOSTILE)
def test_a_hostile_path_is_refused_by_the_api_with_the_reason(owner, deposit, name, reason):
    response = post_upload(owner, deposit["id"], name)

    assert response.status_code == 422, response.content
    body = response.json()
    assert body["problems"][0]["field"] == "name"
    assert reason in body["detail"]
    assert not DepositFile.objects.exists() and not UploadSession.objects.exists()


def test_a_refused_path_is_explained_in_french(owner, deposit):
    response = post_upload(owner, deposit["id"], "data\\x.csv", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 422
    assert "Les dossiers sont séparés par «\u00a0/\u00a0», pas par «\u00a0\\\u00a0»" in response.json()["detail"]


@pytest.mark.parametrize(
    "name",
    [
        "profiles/2024/g123_0042.nc",
        "é" * 127 + "x",  # 255 bytes in UTF-8, one name
        "données/" + "温" * 85 + "/a.nc",  # a folder of 255 bytes
        "/".join(["d"] * (MAX_DEPTH - 1) + ["x.csv"]),  # as deep as allowed
        "/".join(["x" * 200] * 5 + ["y" * 19]),  # 1,024 bytes with its slashes
        "v1.2/README",
        "a b/c d.csv",
    ],
)
def test_an_acceptable_path_is_stored_as_given(owner, deposit, name):
    response = post_upload(owner, deposit["id"], name)

    assert response.status_code == 201, response.content
    file = DepositFile.objects.get()
    assert file.name == name
    assert len(name.encode()) <= MAX_PATH_BYTES
    assert all(len(segment.encode()) <= MAX_SEGMENT_BYTES for segment in name.split("/"))


def test_spaces_around_each_name_are_trimmed(owner, deposit):
    assert post_upload(owner, deposit["id"], " data / 2024 /x.csv ").status_code == 201
    assert DepositFile.objects.get().name == "data/2024/x.csv"


def test_a_path_composed_or_decomposed_is_the_same_name(owner, deposit):
    composed = unicodedata.normalize("NFC", "été/données.csv")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    upload_file(owner, deposit["id"], composed)

    response = post_upload(owner, deposit["id"], decomposed)

    assert response.status_code == 422
    assert "already has a file named “été/données.csv”" in response.json()["detail"]
    assert list(DepositFile.objects.values_list("name", flat=True)) == [composed]


def test_a_file_cannot_be_named_as_a_folder_of_another(owner, deposit):
    upload_file(owner, deposit["id"], "data/x.csv")

    response = post_upload(owner, deposit["id"], "data")

    assert response.status_code == 422
    assert "“data” is a folder in this deposit" in response.json()["detail"]
    assert post_upload(owner, deposit["id"], "data.csv").status_code == 201  # a prefix, not a folder
    assert post_upload(owner, deposit["id"], "dat").status_code == 201
    assert post_upload(owner, deposit["id"], "Data").status_code == 201  # another name, in any database


def test_a_file_cannot_become_a_folder_of_another(owner, deposit):
    upload_file(owner, deposit["id"], "data")

    response = post_upload(owner, deposit["id"], "data/2024/x.csv")

    assert response.status_code == 422
    assert "“data” is a file in this deposit: it cannot also be a folder" in response.json()["detail"]
    french = post_upload(owner, deposit["id"], "data/x.csv", HTTP_ACCEPT_LANGUAGE="fr")
    assert "«\u00a0data\u00a0» est un fichier de ce dépôt" in french.json()["detail"]
    assert list(DepositFile.objects.values_list("name", flat=True)) == ["data"]


def test_a_failed_file_does_not_hold_its_name_as_a_folder(owner, deposit):
    post_upload(owner, deposit["id"], "data")
    DepositFile.objects.filter(name="data").update(state=DepositFile.State.failed)

    assert post_upload(owner, deposit["id"], "data/x.csv").status_code == 201


def test_paths_round_trip_through_the_api_publication_pages_and_download(
    owner, api_client, client, depositor, moderator, deposit, eager_celery, django_capture_on_commit_callbacks
):
    names = ["profiles/2024/g123_0042.nc", "profiles/2024/g123_0043.nc", "readme.txt", "v1.2/README"]
    with django_capture_on_commit_callbacks(execute=True):
        for name in names:
            upload_file(owner, deposit["id"], name, name.encode())
        assert act(owner, deposit["id"], "submit").status_code == 200

    client.force_login(depositor)
    listed = owner.get(f"/api/deposits/{deposit['id']}/files").json()
    assert sorted(f["name"] for f in listed) == sorted(names)
    for file in DepositFile.objects.all():
        assert "/" not in file.storage_key.removeprefix("files/") and "profiles" not in file.storage_key

    # the pages break a long path's line after a slash rather than inside a name
    wrapped = "profiles/<wbr>2024/<wbr>g123_0042.nc"
    owner_page = client.get(reverse("deposit:detail", kwargs={"pk": deposit["id"]}))
    assert wrapped in owner_page.content.decode()
    client.force_login(moderator)
    assert wrapped in client.get(reverse("moderation:review", kwargs={"pk": deposit["id"]})).content.decode()

    moderating = api_client(moderator)
    act(moderating, deposit["id"], "claim")
    with django_capture_on_commit_callbacks(execute=True):
        approved = act(moderating, deposit["id"], "approve", note="ok")
    record_id = approved.json()["record_id"]
    assert sorted(RecordFile.objects.values_list("name", flat=True)) == sorted(names)

    anonymous = api_client(None)
    record = anonymous.get(f"/api/records/{record_id}").json()
    by_name = {f["name"]: f for f in record["files"]}
    assert sorted(by_name) == sorted(names)
    assert by_name["profiles/2024/g123_0042.nc"]["download_url"].endswith(
        f"/records/{record_id}/files/profiles/2024/g123_0042.nc"
    )

    download = anonymous.get(local_path(by_name["profiles/2024/g123_0042.nc"]["download_url"]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"profiles/2024/g123_0042.nc"
    assert download["Content-Disposition"] == ("attachment; filename=\"g123_0042.nc\"; filename*=UTF-8''g123_0042.nc")
    assert download["Digest"] == "sha-256=" + hashlib.sha256(b"profiles/2024/g123_0042.nc").hexdigest()

    landing = anonymous.get(f"/records/{record_id}").content.decode()
    for name in names:
        assert f'href="/records/{record_id}/files/{name}"' in landing
    assert f"{wrapped}</a>" in landing
    # the format is the file's extension, never a folder's dot
    assert '<abbr title="application/octet-stream">application/octet-stream</abbr>' in landing
    assert ">2/README<" not in landing

    iso = anonymous.get(f"/records/{record_id}/export/iso19115-3").content.decode()
    assert f"/records/{record_id}/files/profiles/2024/g123_0043.nc" in iso
    assert ">2/README<" not in iso and f"/records/{record_id}/files/v1.2/README<" in iso


def test_a_path_is_escaped_name_by_name_where_its_line_may_break():
    html = Template("{% load file_paths %}{{ name|path_breaks }}").render(Context({"name": "a<i>&amp;/x.csv"}))

    assert html == "a&lt;i&gt;&amp;amp;/<wbr>x.csv"


# --- limits -------------------------------------------------------------------------------------


def test_the_default_limits_are_ten_thousand_files_and_a_terabyte(settings):
    assert settings.UPLOAD_MAX_FILES == 10_000
    assert settings.UPLOAD_MAX_DEPOSIT_SIZE == 2**40


def test_the_file_count_limit_is_reached_then_refused_in_english_and_french(settings, owner, deposit):
    settings.UPLOAD_MAX_FILES = 3
    for name in ("a/1.csv", "a/2.csv", "b/1.csv"):
        assert post_upload(owner, deposit["id"], name).status_code == 201

    refused = post_upload(owner, deposit["id"], "b/2.csv")
    french = post_upload(owner, deposit["id"], "b/2.csv", HTTP_ACCEPT_LANGUAGE="fr")

    assert refused.status_code == 422
    assert refused.json()["detail"] == "A deposit holds at most 3 files."
    assert french.json()["detail"] == "Un dépôt contient au plus 3 fichiers."
    assert DepositFile.objects.count() == 3 and UploadSession.objects.count() == 3


def test_the_deposit_size_limit_is_reached_then_refused_in_english_and_french(settings, owner, deposit):
    settings.UPLOAD_MAX_DEPOSIT_SIZE = 1000
    assert post_upload(owner, deposit["id"], "a/big.bin", size=600).status_code == 201
    assert post_upload(owner, deposit["id"], "a/rest.bin", size=400).status_code == 201  # exactly the limit

    refused = post_upload(owner, deposit["id"], "b/one-more.bin", size=1)
    french = post_upload(owner, deposit["id"], "b/one-more.bin", size=1, HTTP_ACCEPT_LANGUAGE="fr")

    assert refused.status_code == 422
    assert refused.json()["problems"][0]["field"] == "size"
    assert refused.json()["detail"] == (
        "A deposit holds at most 1000\xa0bytes; this one already holds 1000\xa0bytes, "
        "and “b/one-more.bin” (1\xa0byte) would take it over."
    )
    assert french.json()["detail"].startswith("Un dépôt contient au plus 1000")
    assert "« b/one-more.bin »" in french.json()["detail"].replace("\xa0", " ")
    assert DepositFile.objects.count() == 2
