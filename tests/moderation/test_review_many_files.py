"""The review page of a deposit of many files in folders (issue 17): the folder tree, the chosen
folder's files a hundred a page with a search in them, each preview loaded when opened, links from
the checks and the comments to a file of another folder or page, what changed between rounds told
in counts and a hundred names, the report bounded, and the same number of queries for 10 and for
1,000 files. The files are made in bulk (their bytes are not the point); the deposit goes through
the real submission, review and resubmission."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import html as lxml_html

from deposit import services
from deposit.models import Deposit, DepositFile
from moderation import checks, conversation
from moderation.review_files import review_files
from tests.factories import deposit_with_file

pytestmark = pytest.mark.django_db

TEXT_PREVIEW = {"v": 1, "kind": "text", "lines": ["Glider g00042, dive 7"], "truncated": False}


def add_files(deposit, names: list[str]) -> None:
    """Ready files under these names, in one insertion, each with a stored text preview."""
    DepositFile.objects.bulk_create(
        DepositFile(
            deposit=deposit,
            name=name,
            size=4096,
            state=DepositFile.State.ready,
            storage_key=f"many/{deposit.pk}/{name}",
            sha256=f"{n:064x}",
            md5="0" * 32,
            preview=TEXT_PREVIEW,
        )
        for n, name in enumerate(names)
    )


def profiles(n: int, start: int = 0) -> list[str]:
    """`n` profiles, 250 a folder: profiles/000/g00000.txt…"""
    return [f"profiles/{i // 250:03d}/g{i:05d}.txt" for i in range(start, start + n)]


def submitted_with(depositor, moderator, communities, names: list[str]) -> Deposit:
    """A deposit of ctd.csv and these files, submitted and claimed by the moderator."""
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    add_files(deposit, names)
    deposit = services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    return services.deposit_act(deposit=deposit, action="claim", actor=moderator)


def review_url(deposit) -> str:
    return reverse("moderation:review", kwargs={"pk": deposit.pk})


def get_page(client, url: str, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return lxml_html.fromstring(response.content)


def file_ids(page) -> list[str]:
    return page.xpath("//section[@id='step-files']//div[contains(@class, 'review-file')]/@id")


def file_titles(page) -> list[str]:
    return [h.text_content().split(" ")[0] for h in page.xpath("//div[contains(@class, 'review-file')]/h3")]


@pytest.fixture
def big(depositor, moderator, communities):
    """A deposit of 1,001 files: ctd.csv and four folders of 250 profiles."""
    return submitted_with(depositor, moderator, communities, profiles(1000))


def test_the_folder_tree_and_the_files_of_the_folder_chosen_a_hundred_a_page(client, moderator, big):
    client.force_login(moderator)
    page = get_page(client, review_url(big))
    tree = page.xpath("//section[@id='step-files']//nav[@class='folder-tree']")[0]
    assert [a.text_content().split()[0] for a in tree.xpath(".//a")] == [
        "All",
        "profiles/",
        "000/",
        "001/",
        "002/",
        "003/",
    ]
    assert "1,001 files" in tree.text_content()
    assert len(file_ids(page)) == 100 and file_titles(page)[0] == "ctd.csv"
    assert "Files 1 to 100 of 1,001 (page 1 of 11)" in page.text_content()

    page = get_page(client, review_url(big), folder="profiles/001", files_page="3")
    titles = file_titles(page)
    assert titles[0] == "g00450.txt" and titles[-1] == "g00499.txt" and len(titles) == 50  # relative names
    assert "Files 201 to 250 of 250 (page 3 of 3)" in page.text_content()
    current = page.xpath("//nav[@class='folder-tree']//a[@aria-current]")[0]
    assert current.text_content().startswith("001/") and "250 files" in current.text_content()
    pager = page.xpath("//nav[@class='files-pager']//a/@href")
    assert pager == ["?folder=profiles%2F001&files_page=2#step-files"]
    assert page.xpath("//form[@class='files-search']//input[@name='folder']/@value") == ["profiles/001"]

    # A folder that does not exist shows every file; a page beyond the last, the last.
    nowhere = get_page(client, review_url(big), folder="nowhere")
    assert nowhere.xpath("//nav[@class='folder-tree']//a[@aria-current]")[0].text_content().startswith("All files")
    assert "(page 11 of 11)" in get_page(client, review_url(big), files_page="99").text_content()


def test_the_search_finds_names_in_the_folder_chosen_whatever_their_case(client, moderator, big):
    client.force_login(moderator)
    page = get_page(client, review_url(big), files_q="G0012")
    assert file_titles(page) == [f"profiles/000/g{i:05d}.txt" for i in range(120, 130)]
    page = get_page(client, review_url(big), folder="profiles/001", files_q="g0012")
    assert file_titles(page) == []
    assert "No file matches the search." in page.text_content()
    page = get_page(client, review_url(big), folder="profiles/001", files_q="g0031")
    assert file_titles(page) == [f"g{i:05d}.txt" for i in range(310, 320)]
    assert page.xpath("//form[@class='files-search']//a/@href") == ["?folder=profiles%2F001#step-files"]


def test_a_link_to_a_file_leads_to_its_folder_and_page(client, moderator, big):
    client.force_login(moderator)
    far = big.files.get(name="profiles/002/g00742.txt")  # the 243rd of its folder: page 3
    response = client.get(reverse("moderation:review-file", kwargs={"pk": big.pk, "file_pk": far.pk}))
    assert response.status_code == 302
    assert response["Location"] == f"{review_url(big)}?folder=profiles%2F002&files_page=3#file-{far.pk}"
    assert f"file-{far.pk}" in file_ids(get_page(client, response["Location"]))

    top = big.files.get(name="ctd.csv")
    response = client.get(reverse("moderation:review-file", kwargs={"pk": big.pk, "file_pk": top.pk}))
    assert response["Location"] == f"{review_url(big)}#file-{top.pk}"
    other = deposit_with_file(big.owner, community=big.community).files.get()
    assert client.get(reverse("moderation:review-file", kwargs={"pk": big.pk, "file_pk": other.pk})).status_code == 404


def test_checks_and_comments_about_a_file_elsewhere_link_through_its_place(client, moderator, depositor, communities):
    deposit = submitted_with(depositor, moderator, communities, [*profiles(300), "profiles/README.md"])
    readme = deposit.files.get(name="profiles/README.md")
    far = deposit.files.get(name="profiles/001/g00260.txt")
    conversation.comment_add(deposit=deposit, author=moderator, body="Units of pressure?", file=far)
    client.force_login(moderator)
    place = reverse("moderation:review-file", kwargs={"pk": deposit.pk, "file_pk": readme.pk})

    # Seen from profiles/000/, the README (the 301st file of profiles/, on its page 4) is elsewhere…
    page = get_page(client, review_url(deposit), folder="profiles/000")
    check = page.xpath("//li[@data-check='documentation']//a")[0]
    assert check.get("href") == place
    elsewhere = page.xpath("//div[@class='file-threads-elsewhere']//a")
    assert [(a.text_content(), a.get("href")) for a in elsewhere] == [
        ("profiles/001/g00260.txt", reverse("moderation:review-file", kwargs={"pk": deposit.pk, "file_pk": far.pk}))
    ]
    # …and where it is listed, the check links to its anchor on the page.
    page = get_page(client, review_url(deposit), folder="profiles", files_page="4")
    assert f"file-{readme.pk}" in file_ids(page)
    assert page.xpath("//li[@data-check='documentation']//a/@href") == [f"#file-{readme.pk}"]
    page = get_page(client, review_url(deposit), folder="profiles/001")
    assert not page.xpath("//div[@class='file-threads-elsewhere']")
    assert "Units of pressure?" in page.xpath(f"//div[@id='file-{far.pk}']")[0].text_content()


def test_previews_are_loaded_when_opened_not_with_the_page(client, moderator, big, other_moderator):
    client.force_login(moderator)
    response = client.get(review_url(big))
    assert "Glider g00042, dive 7" not in response.content.decode()
    page = lxml_html.fromstring(response.content)
    first = big.files.get(name="profiles/000/g00000.txt")
    url = reverse("moderation:file-preview", kwargs={"pk": big.pk, "file_pk": first.pk})
    details = page.xpath(f"//details[@id='preview-{first.pk}']")[0]
    assert details.get("data-preview-url") == f"{url}?fragment=1"
    assert details.xpath(".//a/@href") == [url]  # without script, a page of its own

    fragment = client.get(url, {"fragment": "1"})
    assert fragment.status_code == 200
    assert (
        'data-preview-status="text"' in fragment.content.decode()
        and "Glider g00042, dive 7" in fragment.content.decode()
    )
    assert "<html" not in fragment.content.decode()
    whole = get_page(client, url)
    assert "Glider g00042, dive 7" in whole.text_content()
    back = reverse("moderation:review-file", kwargs={"pk": big.pk, "file_pk": first.pk})
    assert whole.xpath("//a[text()='Back to the file']/@href") == [back]

    client.force_login(other_moderator)  # of another community: nothing to see
    assert client.get(url, {"fragment": "1"}).status_code == 404


def test_what_changed_names_a_hundred_files_and_counts_the_others(client, moderator, depositor, communities):
    deposit = submitted_with(depositor, moderator, communities, profiles(30))
    deposit = services.deposit_act(deposit=deposit, action="request_changes", actor=moderator, note="More dives.")
    services.file_delete(file=deposit.files.get(name="profiles/000/g00003.txt"), actor=depositor)
    add_files(deposit, profiles(250, start=1000))
    services.deposit_act(deposit=Deposit.objects.get(pk=deposit.pk), action="resubmit", actor=depositor)
    client.force_login(moderator)
    page = get_page(client, review_url(deposit))
    diff = page.xpath("//section[contains(@class, 'review-diff')]")[0]
    assert "250 added, 1 removed, 0 replaced with different content." in diff.text_content()
    items = diff.xpath(".//ul[@class='diff-files']/li")
    assert len(items) == 100 and [li.get("class") for li in items] == ["diff-added"] * 100
    assert items[0].text_content() == "Added: profiles/004/g01000.txt"
    assert diff.xpath(".//p[contains(@class, 'diff-files-more')]")[0].text_content() == "And 151 more files."


def _review_queries(client, deposit) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(review_url(deposit), {"folder": "profiles/000"})
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_review_page_takes_the_same_queries_for_10_or_1000_files(client, moderator, depositor, communities):
    small = submitted_with(depositor, moderator, communities, profiles(10))
    large = submitted_with(depositor, moderator, communities, profiles(1000))
    for deposit in (small, large):  # a comment on a file of the page, one on a file elsewhere
        for name in ("profiles/000/g00001.txt", "ctd.csv"):
            conversation.comment_add(deposit=deposit, author=moderator, body="Why?", file=deposit.files.get(name=name))
    client.force_login(moderator)
    client.get(review_url(small))  # caches warmed (the session, the sites)
    cache.clear()
    cold = _review_queries(client, small), _review_queries(client, large)
    warm = _review_queries(client, small), _review_queries(client, large)
    # The first view after the files changed reads every file's row once (the folder tree and the
    # checks of the files, then kept); the others read the page's rows only.
    assert cold[0] == cold[1] and warm[0] == warm[1] == cold[0] - 1
    started = time.perf_counter()
    client.get(review_url(large))
    assert time.perf_counter() - started < 2.0  # 1,000 files: ~0.1 s here; the benchmark measures 10,000


def test_the_report_lists_the_folders_and_the_first_files_and_counts_the_rest(client, moderator, big):
    client.force_login(moderator)
    started = time.perf_counter()
    response = client.get(reverse("moderation:report", kwargs={"pk": big.pk, "fmt": "html"}))
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and elapsed < 3.0
    page = lxml_html.fromstring(response.content)
    folders = [tr.xpath("./td")[0].text_content() for tr in page.xpath("//table[@class='report-folders']/tbody/tr")]
    assert folders == ["profiles/", "profiles/000/", "profiles/001/", "profiles/002/", "profiles/003/"]
    assert len(page.xpath("//table[@class='report-files']/tbody/tr")) == 200
    assert "And 801 more files." in page.text_content()
    assert "1001 files" in page.text_content()
    pdf = client.get(reverse("moderation:report", kwargs={"pk": big.pk, "fmt": "pdf"}))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_reviewer_link_page_lists_a_folder_a_page_at_a_time_with_previews_on_demand(
    client, depositor, moderator, big
):
    _link, token = services.reviewer_link_create(deposit=big, actor=depositor, label="Referee 2", expires_in_days=30)
    url = reverse("reviewer:page", kwargs={"token": token})
    response = client.get(url, {"folder": "profiles/003", "files_page": "2"})
    assert response.status_code == 200 and "Glider g00042, dive 7" not in response.content.decode()
    page = lxml_html.fromstring(response.content)
    titles = [h.text_content().split(" ")[0] for h in page.xpath("//div[contains(@class, 'review-file')]/h3")]
    assert titles == [f"g{i:05d}.txt" for i in range(850, 950)]
    file = big.files.get(name="profiles/003/g00900.txt")
    preview = reverse("reviewer:file-preview", kwargs={"token": token, "file_pk": file.pk})
    assert page.xpath(f"//details[@id='preview-{file.pk}']/@data-preview-url") == [f"{preview}?fragment=1"]
    fragment = client.get(preview, {"fragment": "1"})
    assert fragment.status_code == 200 and "Glider g00042, dive 7" in fragment.content.decode()
    assert fragment["Cache-Control"] == "private, no-store"
    whole = get_page(client, preview)
    assert whole.xpath("//a[text()='Back to the file']/@href") == [
        f"{url}?folder=profiles%2F003&files_page=2#file-{file.pk}"
    ]
    other = deposit_with_file(depositor, community=big.community).files.get()
    assert client.get(reverse("reviewer:file-preview", kwargs={"token": token, "file_pk": other.pk})).status_code == 404


def test_a_files_comment_form_is_fetched_when_opened_not_drawn_a_hundred_times(client, moderator, big, other_moderator):
    client.force_login(moderator)
    url = review_url(big)
    page = client.get(url, {"folder": "profiles/001"}).content.decode()
    files = page.split('id="step-files"')[1].split("</section>")[0]
    assert "<select" not in files and 'name="file"' not in files  # no form for each of the hundred files
    tree = lxml_html.fromstring(page)
    boxes = tree.xpath("//div[contains(@class, 'review-file')]//details[@data-thread-url]")
    assert len(boxes) == 100
    file = big.files.get(name="profiles/001/g00250.txt")
    box = tree.xpath(f"//div[@id='file-{file.pk}']//details[@data-thread-url]")[0]
    thread_url = reverse("moderation:file-thread", kwargs={"pk": big.pk, "file_pk": file.pk})
    preview_url = reverse("moderation:file-preview", kwargs={"pk": big.pk, "file_pk": file.pk})
    assert box.get("data-thread-url") == thread_url
    assert box.xpath("./summary")[0].text_content().strip() == "Comment on this"
    # Without script, the file's own page, which has the form.
    assert box.xpath(".//a/@href") == [f"{preview_url}#thread-scope-file-{file.pk}"]
    own = get_page(client, preview_url)
    assert own.xpath(f"//div[@id='thread-scope-file-{file.pk}']//input[@name='file']/@value") == [str(file.pk)]

    # What the script fetches: the file's conversation, its form open, coming back to the page it was on.
    back = f"{url}?folder=profiles%2F001"
    fragment = client.get(thread_url, {"next": back})
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    form = lxml_html.fromstring(fragment.content.decode())
    assert form.get("id") == f"thread-scope-file-{file.pk}" and form.get("data-thread") is not None
    assert form.xpath("//details[contains(@class, 'comment-new')]")[0].get("open") is not None
    assert form.xpath("//input[@name='file']/@value") == [str(file.pk)]
    assert form.xpath("//input[@name='next']/@value") == [back]
    assert form.xpath("//label/text()") == [f"Comment on “{file.name}”"]
    elsewhere = lxml_html.fromstring(client.get(thread_url, {"next": "https://elsewhere.example/"}).content)
    assert elsewhere.xpath("//input[@name='next']/@value") == [
        reverse("moderation:review-file", kwargs={"pk": big.pk, "file_pk": file.pk})
    ]

    # The comment posted through it: the file's block now draws its thread and its form.
    posted = client.post(
        reverse("moderation:comment-add", kwargs={"pk": big.pk}),
        {"file": file.pk, "body": "Units?", "scope": f"file:{file.pk}", "links": "auto", "next": back},
    )
    assert posted.status_code == 302
    again = lxml_html.fromstring(client.get(url, {"folder": "profiles/001"}).content)
    block = again.xpath(f"//div[@id='file-{file.pk}']")[0]
    assert "Units?" in block.text_content() and block.xpath(".//input[@name='file']/@value") == [str(file.pk)]
    assert len(again.xpath("//div[contains(@class, 'review-file')]//details[@data-thread-url]")) == 99

    client.force_login(other_moderator)  # of another community: nothing to see
    assert client.get(thread_url).status_code == 404


def checks_text(page) -> str:
    return " ".join(page.xpath("//*[@id='checks']")[0].text_content().split())


def test_the_tree_and_the_checks_kept_between_views_follow_every_change_of_the_files(
    client, moderator, depositor, communities
):
    deposit = submitted_with(depositor, moderator, communities, profiles(300))
    client.force_login(moderator)
    page = get_page(client, review_url(deposit))
    assert "The SHA-256 of all 301 files is verified." in checks_text(page)
    assert "301 files" in page.xpath("//nav[@class='folder-tree']")[0].text_content()

    # A file added, still being uploaded: counted, and the checksums check waits for it.
    add_files(deposit, ["profiles/002/late.txt"])
    DepositFile.objects.filter(name="profiles/002/late.txt").update(state=DepositFile.State.uploading)
    page = get_page(client, review_url(deposit))
    assert "Still being uploaded or verified: profiles/002/late.txt." in checks_text(page)
    assert "302 files" in page.xpath("//nav[@class='folder-tree']")[0].text_content()
    # It fails its verification: the check fails.
    DepositFile.objects.filter(name="profiles/002/late.txt").update(state=DepositFile.State.failed)
    assert "Not verified: profiles/002/late.txt." in checks_text(get_page(client, review_url(deposit)))
    # Removed, and a README added in its place (as many files as before): documentation found.
    DepositFile.objects.filter(name="profiles/002/late.txt").delete()
    add_files(deposit, ["README.md"])
    page = get_page(client, review_url(deposit))
    assert "Documentation: README.md." in checks_text(page) and "The SHA-256 of all 302 files" in checks_text(page)
    # The same files, read in French: the checks in French.
    client.cookies["django_language"] = "fr"
    page = get_page(client, review_url(deposit))
    assert "Le SHA-256 des 302 fichiers est vérifié." in checks_text(page)


def test_the_checks_of_the_files_kept_apart_are_the_checks_run_with_the_metadata(depositor, moderator, communities):
    deposit = submitted_with(depositor, moderator, communities, [*profiles(20), "notes/manual.docx", "data.xlsx"])
    DepositFile.objects.filter(name="profiles/000/g00003.txt").update(state=DepositFile.State.failed)
    files = review_files(deposit)
    whole = checks.run_checks(deposit, files)
    apart = checks.run_checks(deposit, [], files_results=checks.run_file_checks(deposit, files))
    assert [(r.key, r.status, r.message, r.target) for r in apart] == [
        (r.key, r.status, r.message, r.target) for r in whole
    ]
    assert {r.key for r in whole if r.step == "files"} == {"documentation", "formats", "checksums"}
