"""The Files step, its refreshed table, the deposit's page and the wizard's review with many files
(issue 17): the folder tree and one folder's files 100 a page, a search in them, the page's rows
alone polled while one of them is on its way, the problem links still reaching their rows, the
lists of problems and files bounded; and the same number of queries for 10 or 1,000 files."""

from __future__ import annotations

import pytest
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import html as lxml_html

from deposit import services
from deposit.models import DepositFile
from tests.factories import complete_metadata

pytestmark = pytest.mark.django_db

State = DepositFile.State


def _names(n: int) -> list[str]:
    """`n` files: a README, then profiles in two years' folders and a folder of photos, by name."""
    names = ["README.md"] + [
        f"profiles/{2023 + i % 2}/g{i:05d}.csv" if i % 5 else f"photos/IMG_{i:05d}.JPG" for i in range(n - 1)
    ]
    return sorted(names)


def _deposit(owner, communities, n: int, *, uploading: tuple[str, ...] = (), same: tuple[str, ...] = ()):
    """A deposit of `n` ready files made in bulk; the `uploading` ones on their way, the `same` ones
    with the same bytes."""
    deposit = services.deposit_create(owner=owner, metadata=complete_metadata(), community=communities["ocean"])
    DepositFile.objects.bulk_create(
        DepositFile(
            deposit=deposit,
            name=name,
            size=1000,
            state=State.uploading if name in uploading else State.ready,
            storage_key=f"scale/{deposit.pk}/{i}",
            md5="" if name in uploading else "0" * 32,
            sha256="" if name in uploading else ("f" * 64 if name in same else f"{i:064x}"),
        )
        for i, name in enumerate(_names(n))
    )
    return deposit


def _size(files: int) -> str:
    return filesizeformat(files * 1000).replace("\xa0", " ")


def _files_step(deposit) -> str:
    return reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "files"})


def _get(client, url, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, url
    return lxml_html.fromstring(response.content.decode()), len(captured.captured_queries)


def _rows(page) -> list[tuple[str, str]]:
    return [
        (row.get("id"), " ".join(row.xpath("string(td[@class='file-name'])").split()))
        for row in page.xpath("//div[@id='files-table']//tbody/tr")
    ]


def test_the_files_step_shows_the_tree_the_counts_and_one_page_of_the_chosen_folder(client, depositor, communities):
    deposit = _deposit(depositor, communities, 260, uploading=("profiles/2024/g00001.csv",))
    names = _names(260)
    client.force_login(depositor)

    page, _queries = _get(client, _files_step(deposit))
    summary = " ".join(page.xpath("string(//p[@id='files-summary'])").split())
    assert summary.startswith("260 files, ") and summary.endswith(": 1 uploading, 259 ready.")
    tree = page.xpath("//div[@id='files-table']//nav[@class='folder-tree']//a")
    assert [" ".join(a.text_content().split()) for a in tree][:2] == [
        f"All files 260 files, {_size(260)}",
        f"photos/ 52 files, {_size(52)}",
    ]
    assert tree[1].get("href") == "?folder=photos#f-files"
    # all files, by name, 100 a page: each row's anchor is its place among all of them
    rows = _rows(page)
    assert len(rows) == 100
    assert rows[0] == ("f-files-0", "README.md") and rows[99] == ("f-files-99", names[99])
    pager = page.xpath("//nav[@class='files-pager']")[0]
    assert " ".join(pager.text_content().split()).startswith("Files 1 to 100 of 260 (page 1 of 3)")
    assert pager.xpath(".//a/@href") == ["?files_page=2#f-files"]

    # a folder: its files and its subfolders', named under it, on their pages
    page, _queries = _get(client, _files_step(deposit), folder="profiles", files_page="2")
    rows = _rows(page)
    in_profiles = [name for name in names if name.startswith("profiles/")]
    assert len(in_profiles) == 207 and len(rows) == 100
    assert rows[0] == (f"f-files-{names.index(in_profiles[100])}", "profiles/" + in_profiles[100][len("profiles/") :])
    assert page.xpath("string(//tbody/tr[1]/td[1]/span[@class='visually-hidden'])") == "profiles/"
    assert page.xpath("//div[@id='files-table']//a[@aria-current='true']/@href") == ["?folder=profiles#f-files"]
    assert " ".join(page.xpath("string(//p[@id='files-caption'])").split()) == f"207 files in profiles/, {_size(207)}"
    assert page.xpath("//nav[@class='files-pager']//a/@href") == [
        "?folder=profiles&files_page=1#f-files",
        "?folder=profiles&files_page=3#f-files",
    ]

    # a search in the folder: the name below it, whatever the case
    page, _queries = _get(client, _files_step(deposit), folder="profiles/2024", files_q="G0000")
    assert [name for _id, name in _rows(page)] == [
        "profiles/2024/g00001.csv",
        "profiles/2024/g00003.csv",
        "profiles/2024/g00007.csv",
        "profiles/2024/g00009.csv",
    ]
    assert page.xpath("string(//p[@id='files-caption'])") == "4 files whose names contain “G0000”"
    assert page.xpath("//input[@name='folder']/@value") == ["profiles/2024"]
    page, _queries = _get(client, _files_step(deposit), folder="photos", files_q="nothing like it")
    assert (
        page.xpath("string(//div[@id='files-page']/p[@class='empty'])")
        == "No file’s name contains “nothing like it” here."
    )

    # an unknown folder or page is the first page of all files, not an error
    page, _queries = _get(client, _files_step(deposit), folder="../etc", files_page="x")
    assert _rows(page)[0] == ("f-files-0", "README.md")
    page, _queries = _get(client, _files_step(deposit), files_page="99")
    assert _rows(page)[-1] == ("f-files-259", names[-1])


def test_only_a_page_with_a_file_on_its_way_is_polled_and_the_poll_renders_that_page(client, depositor, communities):
    names = _names(260)
    on_its_way = names[150]  # on page 2 of all files
    deposit = _deposit(depositor, communities, 260, uploading=(on_its_way,))
    client.force_login(depositor)
    fragment = reverse("deposit:wizard-files", kwargs={"pk": deposit.pk})

    page, _queries = _get(client, _files_step(deposit))
    assert page.xpath("//div[@id='files-page']/@hx-trigger") == []
    assert page.xpath("//div[@id='files-table']/@data-refresh-url") == [fragment]

    page, _queries = _get(client, _files_step(deposit), files_page="2")
    polled = page.xpath("//div[@id='files-page']")[0]
    assert (polled.get("hx-get"), polled.get("hx-trigger"), polled.get("hx-select")) == (
        f"{fragment}?files_page=2",
        "every 3s",
        "#files-page",
    )
    assert page.xpath("//div[@id='files-table']/@data-refresh-url") == [f"{fragment}?files_page=2"]

    # the poll answers that page, and stops once the file is ready
    page, _queries = _get(client, fragment, files_page="2")
    assert ("f-files-150", on_its_way) in _rows(page)
    DepositFile.objects.filter(deposit=deposit, name=on_its_way).update(state=State.ready, sha256="e" * 64)
    page, _queries = _get(client, fragment, files_page="2")
    assert page.xpath("//div[@id='files-page']/@hx-trigger") == []
    assert " ".join(page.xpath("string(//p[@id='files-summary'])").split()).endswith(": 260 ready.")


def test_same_content_is_said_across_pages_and_folders(client, depositor, communities):
    names = _names(260)
    deposit = _deposit(depositor, communities, 260, same=(names[3], names[250]))
    client.force_login(depositor)
    page, _queries = _get(client, _files_step(deposit))
    row = page.xpath("//tr[@id='f-files-3']")[0]
    assert (
        " ".join(row.xpath("string(.//span[@class='small same-content'])").split()) == f"Same content as {names[250]}."
    )


def test_a_deletion_comes_back_to_the_folder_search_and_page_it_was_chosen_on(client, depositor, communities):
    deposit = _deposit(depositor, communities, 260)
    client.force_login(depositor)
    page, _queries = _get(client, _files_step(deposit), folder="profiles", files_page="2")
    link = page.xpath("//tbody/tr[1]//a[@data-delete-file]")[0]
    name = link.get("data-name")
    assert link.get("href").endswith("/delete?folder=profiles&files_page=2")
    # without scripts the question is a page, whose form posts back to the same address
    question = lxml_html.fromstring(client.get(link.get("href")).content.decode())
    assert question.xpath("//form[.//button[contains(@class, 'danger')]]/@action") == [link.get("href")]
    response = client.post(link.get("href"))
    assert response.status_code == 302
    assert response["Location"] == _files_step(deposit) + "?folder=profiles&files_page=2#f-files"
    assert not deposit.files.filter(name=name).exists()


def test_problem_links_of_files_point_at_rows_of_all_files_and_lists_of_them_are_bounded(
    client, depositor, communities
):
    names = _names(260)
    uploading = tuple(names[100:130])  # page 2 of all files
    deposit = _deposit(depositor, communities, 260, uploading=uploading)
    client.force_login(depositor)

    review, _queries = _get(client, reverse("deposit:wizard-review", kwargs={"pk": deposit.pk}))
    assert "30 problems to solve before submission" in review.text_content()
    links = review.xpath("//ol[@class='review-problems']//a/@href")
    assert links == [f"{_files_step(deposit)}#f-files-{i}" for i in range(100, 110)]
    more = " ".join(review.xpath("string(//ol[@class='review-problems']/following-sibling::p[1])").split())
    assert more == "…and 20 more files that are not ready yet: the Files step's table shows each one."

    # the row a link points at: on page 2 of all files (static/js/files_table.js goes there)
    page, _queries = _get(client, _files_step(deposit), files_page="2")
    assert page.xpath("string(//tr[@id='f-files-105']/td[1])") == names[105]
    step_problems = page.xpath("//div[@id='step-problems']")[0]
    assert len(step_problems.xpath(".//li")) == 10
    assert "30 things to fix in this step" in step_problems.text_content()

    detail, _queries = _get(client, reverse("deposit:detail", kwargs={"pk": deposit.pk}))
    problems = detail.xpath("//section[contains(@class, 'problems')]")[0]
    assert len(problems.xpath(".//li")) == 10
    assert "…and 20 more files" in problems.text_content()


def test_the_deposit_page_summarises_the_folders_and_lists_the_first_files(client, depositor, communities):
    names = _names(260)
    deposit = _deposit(depositor, communities, 260)
    client.force_login(depositor)
    page, _queries = _get(client, reverse("deposit:detail", kwargs={"pk": deposit.pk}))
    section = page.xpath("//section[@aria-labelledby='files-title']")[0]
    assert " ".join(section.xpath("string(.//p[@class='files-summary'])").split()).startswith(
        f"260 files, {_size(260)} — in 4 folders"
    )
    assert [" ".join(li.text_content().split()) for li in section.xpath(".//ul[@class='folder-summary']/li")] == [
        f"photos/ 52 files, {_size(52)}",
        f"profiles/ 207 files, {_size(207)}",
    ]
    assert section.xpath("string(.//caption)") == "The first 20 of 260 files, by name"
    assert [" ".join(td.text_content().split()) for td in section.xpath(".//tbody/tr/td[1]")] == names[:20]
    assert section.xpath(".//p[@class='small after-list']/a/@href") == [_files_step(deposit) + "#f-files"]


@pytest.mark.parametrize("uploading", [False, True], ids=["ready", "some-uploading"])
def test_the_same_queries_for_10_or_1000_files(client, depositor, communities, uploading):
    counts = {}
    for n in (10, 1000):
        names = _names(n)
        deposit = _deposit(depositor, communities, n, uploading=tuple(names[1:4]) if uploading else ())
        client.force_login(depositor)
        urls = {
            "files step": (_files_step(deposit), {}),
            "files step, a folder's page 2": (_files_step(deposit), {"folder": "profiles", "files_page": "2"}),
            "files step, a search": (_files_step(deposit), {"files_q": "g000"}),
            "refresh": (reverse("deposit:wizard-files", kwargs={"pk": deposit.pk}), {"files_page": "2"}),
            "review step": (reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "links_licence"}), {}),
            "review fragment": (reverse("deposit:wizard-review", kwargs={"pk": deposit.pk}), {}),
            "deposit page": (reverse("deposit:detail", kwargs={"pk": deposit.pk}), {}),
        }
        for what, (url, params) in urls.items():
            page, counts[what, n] = _get(client, url, **params)
            assert len(page.xpath("//div[@id='files-table']//tbody/tr")) <= 100
    for what in urls:
        assert counts[what, 10] == counts[what, 1000], what


def test_the_refresh_is_for_editors_only(client, depositor, other_depositor, communities):
    deposit = _deposit(depositor, communities, 10)
    client.force_login(other_depositor)
    assert client.get(reverse("deposit:wizard-files", kwargs={"pk": deposit.pk})).status_code == 404
