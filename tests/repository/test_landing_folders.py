"""The landing page of a record whose files are in folders (issue 17): the folder tree with each
folder's files and size, the chosen folder's files (`?folder=`, named relative to it) a hundred a page
(`?files_page=`), the search in them (`?files_q=`), the way down to the folder and its own ZIP,
checksums and URL list; the same whether the record has few files (loaded with it) or thousands (read
a page at a time, the tree from the totals kept at publication), in as many queries for 10 files as
for 1,000; embargoes lock the folders' downloads as the files'; a record with no folder looks as
before."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import html as lxml_html

from repository.metadata import MetadataDocument
from repository.services import pid_mint, record_publish
from tests.repository.landing_support import full_metadata, record_create

pytestmark = pytest.mark.django_db


def _files(n: int) -> list[dict]:
    """`n` files of 4 KiB: a README at the top, the others a hundred a folder under `profiles/`
    (`profiles/000/g00000.nc`, ... alternately NetCDF and CSV)."""
    names = ["README"] + [f"profiles/{i // 100:03d}/g{i:05d}.{'nc' if i % 2 else 'csv'}" for i in range(n - 1)]
    return [
        {"name": name, "size": 4096, "md5": "0" * 32, "sha256": f"{i:064x}", "storage_key": f"folders/{n}/{i}"}
        for i, name in enumerate(names)
    ]


def _publish(depositor, communities, n: int, **metadata):
    document = MetadataDocument.model_validate({**full_metadata(f"Glider profiles, {n} files"), **metadata})
    return record_publish(
        pid=pid_mint(), document=document, community=communities["ocean"], owner=depositor, files=_files(n)
    )


@pytest.fixture
def records(depositor, communities, settings):
    """A record of 10 files (all loaded with it) and one of 1,000 (summarised: read a page at a time)."""
    settings.PUBLISH_FILES_LISTED_MAX = 100
    return {n: _publish(depositor, communities, n) for n in (10, 150, 1000)}


def _page(client, record, **params):
    cache.clear()
    response = client.get(record.get_absolute_url(), params)
    assert response.status_code == 200
    return lxml_html.fromstring(response.content)


def _names(page) -> list[str]:
    return [th.text_content().replace("\u200b", "") for th in page.xpath("//table[@class='files']/tbody/tr/th")]


def _tree(page) -> dict[str, str]:
    """Each folder of the tree (by its link's `folder`), with its count and size as shown."""
    tree = {}
    for link in page.xpath("//nav[@class='folder-tree']//a"):
        href = link.get("href")
        folder = dict(p.split("=", 1) for p in href.split("#")[0].lstrip("?").split("&") if "=" in p).get("folder", "")
        tree[folder.replace("%2F", "/")] = " ".join(link.text_content().split())
    return tree


def test_the_tree_shows_every_folder_with_its_files_and_size(client, records):
    for n, expected in ((10, {"": "All files 10 files, 40.0 KB", "profiles": "profiles/ 9 files, 36.0 KB"}),):
        tree = _tree(_page(client, records[n]))
        assert tree == {**expected, "profiles/000": "000/ 9 files, 36.0 KB"}
    tree = _tree(_page(client, records[1000]))
    assert tree[""] == "All files 1,000 files, 3.9 MB"
    assert tree["profiles"] == "profiles/ 999 files, 3.9 MB"
    assert tree["profiles/009"] == "009/ 99 files, 396.0 KB"
    assert len(tree) == 12  # the top, profiles, and its ten folders
    # Read from the totals kept at publication, not from the files.
    assert records[1000].folder_totals["profiles/003"] == [100, 409600]


def test_a_folder_lists_its_own_files_named_below_it_a_hundred_a_page(client, records):
    record = records[1000]
    page = _page(client, record, folder="profiles")
    names = _names(page)
    assert (len(names), names[0], names[-1]) == (100, "000/g00000.csv", "000/g00099.nc")
    assert page.xpath("//nav[@class='files-pager no-print']//a/@href") == ["?folder=profiles&files_page=2#files"]
    assert " ".join(page.xpath("//caption[@id='files-caption']//text()")).split()[:5] == [
        "999",
        "files",
        "in",
        "profiles/,",
        "3.9",
    ]
    page = _page(client, record, folder="profiles", files_page="10")
    assert _names(page)[-1] == "009/g00998.csv" and len(_names(page)) == 99
    pager = " ".join(page.xpath("//nav[@class='files-pager no-print']//text()"))
    assert "Files 901 to 999 of 999 (page 10 of 10)" in pager
    # The way down, each step a link but the folder shown; the tree open on it.
    page = _page(client, record, folder="profiles/003")
    crumbs = page.xpath("//nav[@class='files-breadcrumbs']//li")
    assert [" ".join(li.text_content().split()) for li in crumbs] == ["All files", "profiles/", "003/"]
    assert crumbs[1].xpath("a/@href") == ["?folder=profiles#files"] and not crumbs[2].xpath("a")
    assert page.xpath("//nav[@class='folder-tree']//a[@aria-current]/span[@class='folder-name']/text()") == ["003/"]
    assert page.xpath("//nav[@class='folder-tree']//details[@open]/../a/span[1]/text()") == ["profiles/"]
    assert _names(page)[:2] == ["g00300.csv", "g00301.nc"]


@pytest.mark.parametrize("n", [10, 1000])
def test_the_search_finds_names_within_the_folder_whatever_their_case(client, records, n):
    record = records[n]
    page = _page(client, record, folder="profiles", files_q="G0000")
    assert _names(page) == [f"000/g0000{i}.{'nc' if i % 2 else 'csv'}" for i in range(9 if n == 10 else 10)]
    form = page.xpath("//form[@class='files-search no-print']")[0]
    assert form.get("method") == "get" and form.get("action") == f"{record.get_absolute_url()}#files"
    assert form.xpath("input[@type='hidden']/@name") == ["folder"] and form.xpath("input/@value") == ["profiles"]
    label = form.xpath("label")[0]
    assert label.get("for") == "files-q" and label.text_content() == "Search the names of the files in profiles/"
    assert form.xpath(".//input[@id='files-q']/@value") == ["G0000"]
    # A folder's name is not looked for in its own files: searching "profiles" in it finds none.
    page = _page(client, record, folder="profiles", files_q="profiles")
    assert _names(page) == []
    assert page.xpath("//p[@id='files-none']/text()") == ["No file’s name contains “profiles” here."]
    # At the top, names are the whole paths.
    page = _page(client, record, files_q="readme")
    assert _names(page) == ["README"]


def test_a_folder_offers_its_zip_checksums_and_url_list_beside_download_all(client, records):
    record = records[1000]
    page = _page(client, record, folder="profiles/003")
    links = {
        " ".join(a.text_content().split()): a.get("href") for a in page.xpath("//p[contains(@class,'files-all')]/a")
    }
    pk = record.pk
    assert links == {
        "Download all (ZIP, 1,000 files, 3.9 MB)": f"/records/{pk}/files.zip",
        "Checksums (SHA-256)": f"/records/{pk}/manifest-sha256.txt",
        "URL list": f"/records/{pk}/files.txt",
        "Download this folder (ZIP, 100 files, 400.0 KB)": f"/records/{pk}/files.zip?folder=profiles/003",
        "This folder’s checksums": f"/records/{pk}/manifest-sha256.txt?folder=profiles/003",
        "This folder’s URL list": f"/records/{pk}/files.txt?folder=profiles/003",
    }
    manifest = client.get(links["This folder’s checksums"]).content.decode().splitlines()
    assert len(manifest) == 100 and manifest[0] == f"{300 + 1:064x}  data/profiles/003/g00300.csv"
    urls = client.get(links["This folder’s URL list"]).content.decode().splitlines()
    assert len(urls) == 100 and urls[-1].endswith(f"/records/{pk}/files/profiles/003/g00399.nc")
    head = client.head(links["Download this folder (ZIP, 100 files, 400.0 KB)"])
    assert head.status_code == 200 and f'filename="estran-{pk}-profiles-003.zip"' in head["Content-Disposition"]
    # At the top, only Download all and its lists.
    assert len(_page(client, record).xpath("//p[contains(@class,'files-all')]/a")) == 3


def test_an_unknown_or_hostile_folder_shows_all_the_files(client, records):
    for folder in ("nowhere", "../profiles", "profiles/003/", "README"):
        page = _page(client, records[1000], folder=folder)
        assert _names(page)[0] == "README", folder
        assert not page.xpath("//nav[@class='files-breadcrumbs']")


def test_an_embargoed_record_shows_its_folders_without_a_download(client, depositor, communities, settings):
    settings.PUBLISH_FILES_LISTED_MAX = 100
    opens = date.today() + timedelta(days=30)
    record = _publish(depositor, communities, 300, access={"level": "embargoed", "embargo_until": opens.isoformat()})
    page = _page(client, record, folder="profiles/001")
    assert _tree(page)["profiles/001"] == "001/ 100 files, 400.0 KB"
    assert _names(page)[0] == "g00100.csv"
    hrefs = page.xpath("//section[@id='files']//a/@href")
    assert hrefs and all(href.startswith("?") and href.endswith("#files") for href in hrefs)  # the tree's
    assert not page.xpath("//table[@class='files']//a")
    assert len(page.xpath("//table[@class='files']//span[@class='file-lock']")) == 100
    assert client.get(f"/records/{record.pk}/files.zip", {"folder": "profiles/001"}).status_code == 403


def test_a_record_without_folders_looks_as_before(client, depositor, communities):
    record = record_create(owner=depositor, community=communities["ocean"], files=5)
    page = _page(client, record)
    assert len(_names(page)) == 5
    assert not page.xpath("//nav[@class='folder-tree']")
    assert not page.xpath("//form[@class='files-search no-print']")
    assert not page.xpath("//nav[@class='files-breadcrumbs']")
    assert len(page.xpath("//p[contains(@class,'files-all')]/a")) == 3


def test_the_previews_offered_are_those_of_the_files_listed(client, records):
    page = _page(client, records[1000], folder="profiles/002", files_q="g0021")
    listed = _names(page)
    assert len(listed) == 10
    summaries = [" ".join(s.text_content().split()) for s in page.xpath("//details[@class='file-preview']/summary")]
    assert summaries and len(summaries) <= len(listed)
    assert all(s.startswith("Preview of profiles/002/g0021") for s in summaries)
    assert len(_page(client, records[1000], folder="profiles").xpath("//details[@class='file-preview']")) <= 100


def _queries(client, record, params: dict) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{record.get_absolute_url()}?{urlencode(params)}")
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "params",
    [
        {"folder": "profiles/000"},
        {"folder": "profiles", "files_page": "2"},
        {"folder": "profiles/000", "files_q": "g000"},
        {"files_q": "readme", "style": "apa"},
    ],
    ids=["folder", "folder page 2", "search", "search at the top"],
)
def test_a_folder_or_a_search_takes_as_many_queries_for_10_files_as_for_1000(client, records, params):
    counts = {n: _queries(client, record, params) for n, record in records.items()}
    # 150 and 1,000 files: read a page at a time, the tree from the record's row. 10 files: loaded
    # with the record, nothing more read; a page of files is one query more, a search's count one
    # more again.
    assert counts[150] == counts[1000] == counts[10] + (2 if "files_q" in params else 1), counts


def test_the_totals_kept_at_publication_give_back_the_same_folder_index():
    from core.folders import FolderIndex

    rows = [(f["name"], f["size"]) for f in _files(350)] + [("a/b/c/d.nc", 7), ("a/e.nc", None)]
    index = FolderIndex(rows)
    again = FolderIndex.from_totals(index.totals())
    assert again.tree("profiles/002") == index.tree("profiles/002")
    assert again.breadcrumbs("a/b/c") == index.breadcrumbs("a/b/c") and again.top == index.top


def test_a_withdrawn_record_shows_no_folder_and_serves_none(client, records, moderator):
    from repository.services import record_withdraw

    record = record_withdraw(record=records[1000], actor=moderator, reason="other", note="Duplicate of another record.")
    cache.clear()
    response = client.get(record.get_absolute_url(), {"folder": "profiles/003", "files_q": "g003"})
    assert response.status_code == 410
    page = lxml_html.fromstring(response.content)
    assert not page.xpath("//nav[@class='folder-tree']") and not page.xpath("//table[@class='files']")
    for what in ("files.zip", "manifest-sha256.txt", "files.txt"):
        assert client.get(f"/records/{record.pk}/{what}", {"folder": "profiles/003"}).status_code == 410, what
