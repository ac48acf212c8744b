"""The moderator opens a deposit of files in folders in Chromium (issue 17): the folder tree beside
the chosen folder's files, a hundred a page, the search within them, a preview fetched when it is
opened (not with the page), a file's comment form fetched when opened and a comment posted through
it, and a check about a file of another folder leading to that file. In
English at desktop width, then in French on a phone with no sideways scroll.

Two files are uploaded for real (their previews computed by the worker); 300 more are made in bulk
with a stored preview, so that the folder needs pages."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_moderation_round_browser import signed_in
from tests.moderation.test_review_many_files import add_files

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots_review")
CSV = b"station,depth_m,temperature_degC\nG1,5,14.2\nG1,10,13.9\n"


@pytest.fixture
def claimed(depositor, moderator, communities):
    from deposit import services
    from tests.factories import deposit_with_file

    deposit = deposit_with_file(
        depositor,
        community=communities["ocean"],
        name="profiles/README.md",
        content=b"# Glider profiles\nOne file a dive.\n",
    )
    services.file_add_bytes(
        deposit=deposit, actor=depositor, name="profiles/2024/g0001.csv", chunks=[CSV], size=len(CSV)
    )
    add_files(deposit, [f"profiles/2024/g{i:04d}.txt" for i in range(2, 202)])
    add_files(deposit, [f"profiles/2023/g{i:04d}.txt" for i in range(1000, 1100)])
    services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    return services.deposit_act(deposit=deposit, action="claim", actor=moderator)


def test_the_moderator_goes_through_the_folders_and_opens_a_preview(site, browser, claimed, moderator):
    SHOTS.mkdir(exist_ok=True)
    context, page, errors = signed_in(browser, moderator)
    preview_requests: list[str] = []
    page.on("request", lambda request: "/preview" in request.url and preview_requests.append(request.url))
    page.goto(f"{site}/moderation/deposits/{claimed.pk}/")
    files = page.locator("#step-files")
    expect(files).to_contain_text("302 files")
    expect(files.locator(".files-range")).to_have_text("Files 1 to 100 of 302 (page 1 of 4)")

    # Into profiles/2024/ by the tree (profiles/ opens on the way), then its second page.
    files.locator(".folder-tree").get_by_role("link", name=re.compile(r"^profiles")).click()
    expect(files.locator(".files-range")).to_have_text("Files 1 to 100 of 302 (page 1 of 4)")
    files.locator(".folder-tree").get_by_role("link", name=re.compile(r"^2024")).click()
    expect(page).to_have_url(re.compile(r"\?folder=profiles%2F2024#step-files$"))
    expect(files.locator(".files-range")).to_have_text("Files 1 to 100 of 201 (page 1 of 3)")
    expect(files.locator(".review-file h3").first).to_contain_text("g0001.csv")
    files.get_by_role("link", name="Next files").click()
    expect(files.locator(".files-range")).to_have_text("Files 101 to 200 of 201 (page 2 of 3)")
    expect(files.locator(".review-file h3").first).to_contain_text("g0101.txt")

    # The search, in that folder.
    files.get_by_label("Search the files of profiles/2024/").fill("G0001")
    files.get_by_role("button", name="Search").click()
    expect(files.locator(".review-file")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "review-folders-desktop-en.png"), full_page=True)

    # The preview is fetched when opened, once.
    assert preview_requests == []
    block = files.locator(".review-file").first
    block.locator("details.file-preview > summary").click()
    expect(block.locator(".preview-loaded[data-preview-status='table']")).to_be_visible()
    expect(block.locator("table.preview-table")).to_contain_text("temperature_degC")
    assert len(preview_requests) == 1
    block.screenshot(path=str(SHOTS / "review-preview-desktop-en.png"))

    # "Comment on this": the file's form is fetched when opened (not drawn for each file), the
    # focus in its text box; the comment posted, the page comes back with it under the file.
    comments = files.locator(".review-file").first.locator("details.comment-new")
    comments.locator("summary").click()
    box = page.get_by_label("Comment on “profiles/2024/g0001.csv”")
    expect(box).to_be_focused()
    box.fill("Which **units** are the depths in?")
    page.keyboard.press("Tab")
    files.locator(".review-file").first.get_by_role("button", name="Add the comment").click()
    expect(page.locator(".messages")).to_contain_text("Comment added.")
    block = page.locator(".review-file", has=page.locator("h3", has_text="g0001.csv"))
    expect(block.locator("article.comment-thread")).to_contain_text("Which units are the depths in?")
    expect(page).to_have_url(re.compile(r"folder=profiles%2F2024"))

    # The documentation check names the README, in profiles/ (not listed here): its link leads there.
    page.locator("li[data-check='documentation'] a").click()
    expect(page).to_have_url(re.compile(r"\?folder=profiles&files_page=4#file-\d+$"))
    readme = page.locator(".review-file", has=page.locator("h3", has_text="README.md"))
    expect(readme).to_be_in_viewport()
    context.close()

    # French, on a phone.
    context, page, errors_fr = signed_in(browser, moderator)
    page.set_viewport_size({"width": 390, "height": 844})
    context.add_cookies([{"name": "django_language", "value": "fr", "url": site}])
    page.goto(f"{site}/moderation/deposits/{claimed.pk}/?folder=profiles%2F2024#step-files")
    files = page.locator("#step-files")
    expect(files.locator(".files-range")).to_have_text("Fichiers 1 à 100 sur 201 (page 1 sur 3)")
    expect(files.get_by_label("Chercher dans les fichiers de profiles/2024/")).to_be_visible()
    block = files.locator(".review-file").first
    block.locator("details.file-preview > summary").click()
    expect(block.locator("table.preview-table")).to_contain_text("temperature_degC")
    # A file's comment form, fetched when opened, in French.
    second = files.locator(".review-file").nth(1)
    second.locator("details.comment-new > summary").click()
    expect(page.get_by_label("Commenter « profiles/2024/g0002.txt »")).to_be_focused()
    expect(second.get_by_role("button", name="Ajouter le commentaire")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "review-folders-phone-fr.png"), full_page=False)
    second.screenshot(path=str(SHOTS / "review-comment-phone-fr.png"))
    files.locator(".folder-tree").screenshot(path=str(SHOTS / "review-tree-phone-fr.png"))
    context.close()
    assert errors == [] and errors_fr == []


def test_the_outside_reviewer_browses_the_folders_and_opens_a_preview(site, browser, claimed, depositor):
    """The reviewer-link page (no account): the same tree, pages and previews; in French on a desktop
    and in English on a phone."""
    from deposit import services

    SHOTS.mkdir(exist_ok=True)
    _link, token = services.reviewer_link_create(deposit=claimed, actor=depositor, label="Referee", expires_in_days=30)
    for lang, viewport, shot in (
        ("fr", {"width": 1280, "height": 1000}, "desktop-fr"),
        ("en", {"width": 390, "height": 844}, "phone-en"),
    ):
        context = browser.new_context(viewport=viewport, locale="en-GB")
        context.add_cookies([{"name": "django_language", "value": lang, "url": site}])
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        page.goto(f"{site}/review/{token}/?folder=profiles%2F2024&files_page=3#step-files")
        files = page.locator("#step-files")
        expect(files.locator(".review-file")).to_have_count(1)
        block = files.locator(".review-file").first
        expect(block.locator("h3")).to_contain_text("g0201.txt")
        block.locator("details.file-preview > summary").click()
        expect(block.locator(".preview-loaded[data-preview-status='text']")).to_contain_text("Glider g00042, dive 7")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=str(SHOTS / f"reviewer-folders-{shot}.png"), full_page=False)
        context.close()
        assert errors == []


def test_without_javascript_a_files_comment_is_written_on_the_files_own_page(site, browser, claimed, moderator):
    """The review page's "Comment on this" under a file without comments holds a link to the file's
    own page, which has the form: a comment written there comes back to the review page."""
    from django.conf import settings
    from django.test import Client

    SHOTS.mkdir(exist_ok=True)
    client = Client()
    client.force_login(moderator)
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-GB", java_script_enabled=False)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": site,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{site}/moderation/deposits/{claimed.pk}/?folder=profiles%2F2023#step-files")
    block = page.locator(".review-file", has=page.locator("h3", has_text="g1000.txt"))
    block.locator("details.comment-new > summary").click()
    block.get_by_role("link", name="Write a comment on “profiles/2023/g1000.txt”").click()
    expect(page.locator("h1")).to_have_text("Preview of profiles/2023/g1000.txt")
    page.get_by_label("Comment on “profiles/2023/g1000.txt”").fill("Is this dive **complete**?")
    page.screenshot(path=str(SHOTS / "file-page-comment-nojs-desktop-en.png"), full_page=True)
    page.get_by_role("button", name="Add the comment").click()
    expect(page.locator(".messages")).to_contain_text("Comment added.")
    expect(page).to_have_url(re.compile(r"/moderation/deposits/\d+/\?folder=profiles%2F2023#file-\d+$"))
    block = page.locator(".review-file", has=page.locator("h3", has_text="g1000.txt"))
    expect(block.locator("article.comment-thread")).to_contain_text("Is this dive complete?")
    context.close()
