"""Download all: the record's files (or a folder's) as one streamed ZIP, the BagIt SHA-256 manifest
and the URL list, refused as single files are (403 page under embargo, 410 once withdrawn), in a
bounded number of queries whatever the number of files, from the local store and from S3; linked
from the landing page and the linkset."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from datetime import date, timedelta
from pathlib import Path

import bagit
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import html as lxml_html

from repository import usage
from repository.archive import Member, manifest_line
from repository.services import record_withdraw
from repository.storage import get_store
from tests.repository.landing_support import (
    counting,  # noqa: F401 - the fixture
    full_metadata,
    record_create,
    store_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("counting")]

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
# Folders, a space, accents, a quote and a percent sign: what the names may hold.
CONTENTS = {
    "README.md": b"# Glider profiles\n",
    "profiles/2024/g123_0042.nc": b"CDF\x01" + bytes(range(256)) * 40,
    "profiles/2024/g123_0043.nc": b"CDF\x01 another profile",
    "profiles/2024-extra.csv": b"a,b\n1,2\n",
    "profiles/été l'an 100%.csv": b"t,s\n12.5,35.1\n",
}

TOTAL, TOTAL_FR = "10.1 KB", "10,1 Kio"  # what filesizeformat says of their 10,304 bytes


def url(kind: str, record, **query) -> str:
    path = reverse(f"repository:files-{kind}", kwargs={"pk": record.pk})
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


def get(client, path: str, **headers):
    return client.get(path, HTTP_USER_AGENT=FIREFOX, **headers)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def stored_record(depositor, communities, *, metadata=None, contents=CONTENTS):
    record = record_create(
        owner=depositor,
        community=communities["ocean"],
        metadata=metadata,
        files=[(name, len(data)) for name, data in contents.items()],
    )
    for name, data in contents.items():
        store_bytes(record, name, data)
    return record


def embargoed_metadata() -> dict:
    metadata = full_metadata()
    metadata["access"] = {"level": "embargoed", "embargo_until": (date.today() + timedelta(days=30)).isoformat()}
    return metadata


def members_sha256(data: bytes) -> dict[str, str]:
    """Each member's SHA-256, read back by Python's zipfile (which checks each CRC-32 too)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {info.filename: hashlib.sha256(archive.read(info)).hexdigest() for info in archive.infolist()}


@pytest.fixture
def record(depositor, communities):
    return stored_record(depositor, communities)


def test_download_all_is_a_zip_of_every_file_under_its_path_with_its_length_known(client, record):
    response = get(client, url("zip", record))
    assert response.status_code == 200 and response.streaming
    data = body(response)
    assert int(response["Content-Length"]) == len(data)
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(f'attachment; filename="estran-{record.pk}.zip"')
    assert response["Accept-Ranges"] == "none"
    assert response["Link"] == (
        f'<{record.landing_url}>; rel="collection"; type="text/html", '
        f'<{record.landing_url}/export/linkset>; rel="linkset"; type="application/linkset+json"'
    )
    assert members_sha256(data) == {name: hashlib.sha256(content).hexdigest() for name, content in CONTENTS.items()}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
    # the SHA-256 kept at upload are the ones compared: the record's own
    assert members_sha256(data) == dict(record.files.values_list("name", "sha256"))


def test_a_head_gives_the_length_without_reading_any_file_nor_counting(client, record):
    head = client.head(url("zip", record), HTTP_USER_AGENT=FIREFOX)
    assert head.status_code == 200 and head.content == b""
    assert int(head["Content-Length"]) == len(body(get(client, url("zip", record), REMOTE_ADDR="192.0.2.7")))
    assert usage.usage_totals(record.pk) == (0, 1)  # the GET only


def test_a_folder_s_zip_holds_the_files_under_it_and_only_those(client, record):
    response = get(client, url("zip", record, folder="profiles/2024"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(f'attachment; filename="estran-{record.pk}-profiles-2024.zip"')
    # `profiles/2024-extra.csv` shares the prefix, not the folder
    assert set(members_sha256(body(response))) == {"profiles/2024/g123_0042.nc", "profiles/2024/g123_0043.nc"}
    names = set(members_sha256(body(get(client, url("zip", record, folder="profiles/")))))
    assert names == {name for name in CONTENTS if name.startswith("profiles/")}


@pytest.mark.parametrize(
    "folder",
    [
        "",
        "/",
        "/profiles",
        "profiles//2024",
        "profiles/./2024",
        "profiles/../profiles",
        "..",
        "profiles\\2024",
        "profiles%00",
        "profiles%0A2024",
        "%20profiles",
        "profiles/" + "x" * 1100,
    ],
)
def test_a_folder_no_file_could_lie_in_is_refused(client, record, folder):
    for kind in ("zip", "manifest", "urls"):
        response = get(client, url(kind, record, folder=folder))
        assert response.status_code == 400, (kind, folder)
        if "%00" not in folder:  # a NUL is refused before the view (core.middleware), as everywhere
            assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_a_folder_without_files_and_a_record_without_files_are_not_found(client, record, depositor, communities):
    for kind in ("zip", "manifest", "urls"):
        assert get(client, url(kind, record, folder="profile")).status_code == 404
        assert get(client, url(kind, record, folder="README.md")).status_code == 404
    empty = record_create(owner=depositor, community=communities["ocean"], files=[])
    for kind in ("zip", "manifest", "urls"):
        assert get(client, url(kind, empty)).status_code == 404
    assert get(client, reverse("repository:files-zip", kwargs={"pk": record.pk + 1000})).status_code == 404


def test_the_manifest_is_a_bagit_payload_manifest_that_bagit_validates(client, record, tmp_path):
    response = get(client, url("manifest", record))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert text.splitlines()[0] == f"{hashlib.sha256(CONTENTS['README.md']).hexdigest()}  data/README.md"
    # RFC 8493 § 2.1.3: a `%` in a path is written %25
    assert "data/profiles/été l'an 100%25.csv" in text
    assert int(response["Content-Length"]) == len(response.content)

    # A bag: the files unpacked from the ZIP under data/, the manifest beside them. bagit-python 1.9
    # decodes only %0D and %0A, so the file with a `%` is left out of this bag (and its line).
    bag = tmp_path / "bag"
    with zipfile.ZipFile(io.BytesIO(body(get(client, url("zip", record), REMOTE_ADDR="192.0.2.8")))) as archive:
        archive.extractall(bag / "data")
    (bag / "data/profiles/été l'an 100%.csv").unlink()
    lines = [line for line in text.splitlines(keepends=True) if "%25" not in line]
    (bag / "manifest-sha256.txt").write_text("".join(lines), encoding="utf-8")
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", encoding="utf-8")
    parsed = bagit.Bag(str(bag))
    assert parsed.algorithms == ["sha256"]
    assert set(parsed.payload_entries()) == {f"data/{name}" for name in CONTENTS if "%" not in name}
    parsed.validate()  # sizes, every file's SHA-256 against the manifest, nothing missing or extra

    # and a changed byte is caught by the same check
    (bag / "data/README.md").write_bytes(b"# Glider profileZ\n")
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(bag)).validate()


def test_a_manifest_line_encodes_what_bagit_requires():
    member = Member(name="a%b/c.csv", size=1, sha256="ab" * 32, storage_key="k")
    assert manifest_line(member) == f"{'ab' * 32}  data/a%25b/c.csv\n"


def test_the_url_list_gives_each_file_s_download_which_serves_its_bytes(client, record, settings):
    response = get(client, url("urls", record))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    urls = response.content.decode().splitlines()
    site = settings.SITE_URL
    assert urls[0] == f"{site}/records/{record.pk}/files/README.md"
    assert f"{site}/records/{record.pk}/files/profiles/%C3%A9t%C3%A9%20l%27an%20100%25.csv" in urls
    # only letters, digits, `-._~`, `/` and %XX: nothing for a shell or xargs to read as a quote
    assert all(
        set(u.removeprefix(site)) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/%")
        for u in urls
    )
    served = {}
    for line in urls:
        download = client.get(line.removeprefix(site), HTTP_USER_AGENT="Wget/1.21.4")
        assert download.status_code == 200, line
        served[line] = body(download)
    assert sorted(served.values()) == sorted(CONTENTS.values())
    folder = get(client, url("urls", record, folder="profiles/2024")).content.decode().splitlines()
    assert [u.rsplit("/", 1)[1] for u in folder] == ["g123_0042.nc", "g123_0043.nc"]


def test_download_all_counts_one_download_of_the_record(client, record):
    for _ in range(2):  # the second, a double click
        assert get(client, url("zip", record), REMOTE_ADDR="192.0.2.1").status_code == 200
    get(client, url("zip", record, folder="profiles"), REMOTE_ADDR="192.0.2.1")  # another ZIP
    get(client, url("manifest", record), REMOTE_ADDR="192.0.2.1")  # lists are not downloads
    get(client, url("urls", record), REMOTE_ADDR="192.0.2.1")
    client.get(url("zip", record), HTTP_USER_AGENT="Wget/1.21.4")  # a script: not counted
    assert usage.usage_totals(record.pk) == (0, 2)
    assert set(record.files.values_list("download_count", flat=True)) == {0}  # each file's own count: downloads of it


def test_under_embargo_all_three_are_refused_to_readers_as_single_files_are(client, depositor, communities):
    record = stored_record(depositor, communities, metadata=embargoed_metadata())
    for kind in ("zip", "manifest", "urls"):
        response = get(client, url(kind, record))
        assert response.status_code == 403, kind
        assert "The files are under embargo until" in response.content.decode()
        assert record.get_absolute_url() in response.content.decode()  # a page with the way back
    single = get(client, reverse("repository:file-download", kwargs={"pk": record.pk, "name": "README.md"}))
    assert single.status_code == 403
    client.force_login(depositor)  # who may download them already
    assert set(members_sha256(body(get(client, url("zip", record))))) == set(CONTENTS)
    assert get(client, url("manifest", record)).status_code == 200
    assert get(client, url("urls", record)).status_code == 200


def test_a_withdrawn_record_s_files_are_gone_all_at_once_too(client, record, moderator):
    record_withdraw(record=record, actor=moderator, reason="other", note="Mislabelled.")
    client.force_login(record.owner)
    for kind in ("zip", "manifest", "urls"):
        response = get(client, url(kind, record))
        assert response.status_code == 410, kind
        assert b"withdrawn" in response.content
    for kind in ("zip", "manifest", "urls"):  # a folder asked for changes nothing
        assert get(client, url(kind, record, folder="..")).status_code == 410


def test_only_get_and_head(client, record):
    for kind in ("zip", "manifest", "urls"):
        assert client.post(url(kind, record)).status_code == 405


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = get(client, path, REMOTE_ADDR=f"192.0.2.{len(path) % 250}")
        assert response.status_code == 200
        body(response)
    return len(captured.captured_queries)


@pytest.mark.parametrize("role", [None, "depositor"])
def test_the_three_run_the_same_queries_for_3_files_and_for_600(client, depositor, communities, role, request):
    if role:
        client.force_login(request.getfixturevalue(role))
    few = stored_record(depositor, communities, contents={f"f/{i}.txt": b"x" * i for i in range(3)})
    many = stored_record(depositor, communities, contents={f"d{i % 7}/{i}.txt": b"y" * (i % 50) for i in range(600)})
    for kind in ("zip", "manifest", "urls"):
        baseline = _queries(client, url(kind, few))
        assert baseline <= 4, kind  # the record, its files (and a signed-in reader's session and user)
        assert _queries(client, url(kind, many)) == baseline, kind
    assert len(members_sha256(body(get(client, url("zip", many), REMOTE_ADDR="192.0.2.99")))) == 600


def test_five_hundred_files_in_folders_zip_with_every_sha256_matching(client, depositor, communities):
    """10,000 files in the benchmark; 500 here, in 20 folders."""
    contents = {
        f"station_{i % 20:02d}/day_{i:04d}.csv": f"t,v\n{i},{i * 0.5}\n".encode() * (1 + i % 9) for i in range(500)
    }
    record = stored_record(depositor, communities, contents=contents)
    data = body(get(client, url("zip", record)))
    assert members_sha256(data) == {name: hashlib.sha256(content).hexdigest() for name, content in contents.items()}
    manifest = get(client, url("manifest", record)).content.decode().splitlines()
    assert len(manifest) == 500


def test_the_landing_page_links_all_three_unless_the_files_are_locked(client, record, depositor, communities):
    page = lxml_html.fromstring(get(client, record.get_absolute_url()).content)
    [zip_link] = page.xpath(f"//section[@id='files']//a[@href='{url('zip', record)}']")
    assert " ".join(zip_link.text_content().split()) == f"Download all (ZIP, 5 files, {TOTAL})"
    assert page.xpath(f"//a[@href='{url('manifest', record)}']")[0].text_content() == "Checksums (SHA-256)"
    assert page.xpath(f"//a[@href='{url('urls', record)}']")[0].text_content() == "URL list"
    embargoed = stored_record(depositor, communities, metadata=embargoed_metadata())
    page = lxml_html.fromstring(get(client, embargoed.get_absolute_url()).content)
    assert page.xpath("//section[@id='files']//a[contains(@href, 'files.zip')]") == []
    client.force_login(depositor)
    page = lxml_html.fromstring(get(client, embargoed.get_absolute_url()).content)
    assert len(page.xpath(f"//a[@href='{url('zip', embargoed)}']")) == 1


def test_the_page_in_french(client, record):
    page = lxml_html.fromstring(get(client, record.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content)
    [zip_link] = page.xpath(f"//a[@href='{url('zip', record)}']")
    assert " ".join(zip_link.text_content().split()) == f"Tout télécharger (ZIP, 5 fichiers, {TOTAL_FR})"
    assert page.xpath(f"//a[@href='{url('manifest', record)}']")[0].text_content() == "Sommes de contrôle (SHA-256)"
    assert page.xpath(f"//a[@href='{url('urls', record)}']")[0].text_content() == "Liste des URL"


def test_the_linkset_names_the_zip_the_manifest_and_the_url_list_when_the_files_are_open(
    client, record, depositor, communities, settings
):
    site = settings.SITE_URL
    linkset = client.get(reverse("repository:export", kwargs={"pk": record.pk, "fmt": "linkset"})).json()
    context = linkset["linkset"][0]
    assert {"href": site + url("zip", record), "type": "application/zip"} in context["item"]
    assert {"href": site + url("manifest", record), "type": "text/plain"} in context["describedby"]
    assert {"href": site + url("urls", record), "type": "text/plain"} in context["describedby"]
    embargoed = stored_record(depositor, communities, metadata=embargoed_metadata())
    linkset = client.get(reverse("repository:export", kwargs={"pk": embargoed.pk, "fmt": "linkset"})).json()
    assert "files.zip" not in str(linkset) and "files.txt" not in str(linkset) and "manifest" not in str(linkset)


def test_download_all_from_s3(client, depositor, communities, s3, settings):
    """The objects read from the S3 API server (moto) as the ZIP goes (one of them in several reads);
    the URL list's downloads redirect to presigned GETs as single files do."""
    contents = {**CONTENTS, "runs/big.bin": os.urandom(9 * 1024 * 1024 + 7)}
    record = record_create(
        owner=depositor, community=communities["ocean"], files=[(n, len(c)) for n, c in contents.items()]
    )
    store = get_store()
    client_s3 = s3.client()
    for file in record.files.all():
        data = contents[file.name]
        file.storage_key = f"s3test/{record.pk}/{file.pk}"
        file.sha256 = hashlib.sha256(data).hexdigest()
        file.save(update_fields=["storage_key", "sha256"])
        client_s3.put_object(Bucket=store.bucket, Key=file.storage_key, Body=data)
    response = get(client, url("zip", record))
    data = body(response)
    assert int(response["Content-Length"]) == len(data)
    assert members_sha256(data) == {name: hashlib.sha256(content).hexdigest() for name, content in contents.items()}
    first = get(client, url("urls", record)).content.decode().splitlines()[0]
    redirect = get(client, first.removeprefix(settings.SITE_URL))
    assert redirect.status_code == 302 and redirect["Location"].startswith(s3.url)


def test_an_object_missing_from_the_store_cuts_the_zip_short_and_is_logged(client, record, caplog):
    missing = record.files.get(name="profiles/2024/g123_0043.nc")
    (Path(get_store().root) / missing.storage_key).unlink()
    response = get(client, url("zip", record))
    assert response.status_code == 200  # the headers went before the store was read
    with pytest.raises(FileNotFoundError):
        body(response)
    assert "archive.failed" in caplog.text and f"record={record.pk}" in caplog.text
