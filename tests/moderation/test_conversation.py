"""The field-anchored conversation: who comments, replies, resolves and reopens, on which anchors;
Markdown rendered safely; the web endpoints (plain and htmx) and the API; the wizard showing the
moderator's comments beside their fields; a bounded number of queries whatever the number of
comments."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from core.errors import PermissionDenied, ValidationFailed
from deposit import services
from deposit.models import Collaboration, Deposit
from deposit.workflow import Status
from moderation import conversation
from moderation.markdown import render
from moderation.models import Comment
from tests.factories import deposit_with_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


@pytest.fixture(autouse=True)
def notified(monkeypatch):
    """The comments announced through deposit.hooks, in place of the notifications app (its own
    tests cover what it does)."""
    calls: list[int] = []
    monkeypatch.setattr("deposit.hooks.comment_added", [lambda *, comment_id: calls.append(comment_id)])
    return calls


def submitted(depositor, communities) -> Deposit:
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    return Deposit.objects.get(pk=deposit.pk)


def sent_back(deposit, depositor, moderator) -> Deposit:
    """Claimed and sent back for changes: the depositor edits it in the wizard."""
    services.deposit_act(deposit=deposit, action="claim", actor=moderator)
    services.deposit_act(deposit=deposit, action="request_changes", actor=moderator, note="See my comments.")
    return Deposit.objects.get(pk=deposit.pk)


@pytest.fixture
def deposit(depositor, communities):
    return submitted(depositor, communities)


@pytest.fixture
def co_depositor(deposit):
    from accounts.services import user_create

    user = user_create(username="co_depositor", email="co@example.org", password="correct horse battery")
    Collaboration.objects.create(
        deposit=deposit, user=user, state=Collaboration.State.accepted, invited_by=deposit.owner
    )
    return user


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def add_url(deposit) -> str:
    return reverse("moderation:comment-add", kwargs={"pk": deposit.pk})


# --- Services: writing ---------------------------------------------------------------------------


def test_moderator_comments_on_a_field_and_the_depositor_replies_in_the_same_thread(
    deposit, depositor, moderator, notified, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        question = conversation.comment_add(
            deposit=deposit, author=moderator, body="  Is this ORCID iD right?  ", field="creators-1-orcid"
        )
        answer = conversation.comment_add(deposit=deposit, author=depositor, body="Fixed.", parent=question)
        again = conversation.comment_add(deposit=deposit, author=moderator, body="Thanks.", parent=answer)
    assert question.field == "creators-1"  # the field's group, the anchor of the wizard's row
    assert question.body == "Is this ORCID iD right?"
    assert question.round == 1
    assert (answer.parent_id, answer.field) == (question.pk, "creators-1")
    assert again.parent_id == question.pk  # replies to a reply answer the thread
    assert notified == [question.pk, answer.pk, again.pk]


def test_a_co_depositor_and_an_administrator_take_part(deposit, co_depositor, admin):
    root = conversation.comment_add(deposit=deposit, author=admin, body="Please add a README.", field="")
    reply = conversation.comment_add(deposit=deposit, author=co_depositor, body="Added.", parent=root)
    assert reply.parent_id == root.pk


@pytest.mark.parametrize("who", ["other_depositor", "other_moderator"])
def test_strangers_and_moderators_of_another_community_cannot_comment(deposit, who, request):
    with pytest.raises(PermissionDenied):
        conversation.comment_add(deposit=deposit, author=request.getfixturevalue(who), body="Hello")
    assert not Comment.objects.exists()


def test_nobody_comments_on_a_draft_that_was_never_submitted(depositor, moderator, communities):
    draft = deposit_with_file(depositor, community=communities["ocean"])
    with pytest.raises(PermissionDenied) as refused:
        conversation.comment_add(deposit=draft, author=depositor, body="Note to self")
    assert refused.value.code == "conversation_not_open"
    with pytest.raises(PermissionDenied):
        conversation.comment_add(deposit=draft, author=moderator, body="Hello")


def test_a_deposit_sent_back_to_draft_keeps_its_conversation(deposit, depositor, moderator):
    deposit = sent_back(deposit, depositor, moderator)
    services.deposit_act(deposit=deposit, action="edit", actor=depositor)
    deposit.refresh_from_db()
    assert deposit.status == Status.draft
    comment = conversation.comment_add(deposit=deposit, author=moderator, body="Still there?", field="title")
    assert comment.round == 1
    assert conversation.conversation_deposit(moderator, deposit.pk) == deposit


def test_the_conversation_closes_with_the_final_decision(deposit, depositor, moderator):
    root = conversation.comment_add(deposit=deposit, author=moderator, body="Out of scope?")
    services.deposit_act(deposit=deposit, action="claim", actor=moderator)
    services.deposit_act(
        deposit=deposit, action="reject", actor=moderator, note="Terrestrial data.", reason="out_of_scope"
    )
    deposit.refresh_from_db()
    with pytest.raises(PermissionDenied) as refused:
        conversation.comment_add(deposit=deposit, author=depositor, body="But…", parent=root)
    assert refused.value.code == "conversation_closed"
    with pytest.raises(PermissionDenied):
        conversation.comment_resolve(comment=root, actor=moderator)


def test_a_comment_written_after_resubmission_belongs_to_the_new_round(deposit, depositor, moderator):
    deposit = sent_back(deposit, depositor, moderator)
    services.deposit_act(deposit=deposit, action="resubmit", actor=depositor)
    comment = conversation.comment_add(deposit=deposit, author=moderator, body="Better.")
    assert comment.round == 2


@pytest.mark.parametrize(
    ("name", "anchor"),
    [
        ("title", "title"),
        ("abstract", "abstract"),
        ("creators-1", "creators-1"),
        ("creators-1-affiliations-0-ror", "creators-1"),
        ("geo_locations-0-box-west", "geo_locations-0"),
        ("temporal_extent-start", "temporal_extent"),
        ("keywords-2", "keywords-2"),
        ("licence", "licence"),
        ("point_of_contact-email", "point_of_contact"),
        ("related_identifiers-0", "related_identifiers-0"),
        ("", ""),
    ],
)
def test_a_comment_is_anchored_to_a_field_of_the_wizard(deposit, moderator, name, anchor):
    assert conversation.comment_add(deposit=deposit, author=moderator, body="?", field=name).field == anchor


@pytest.mark.parametrize(
    "name", ["bogus", "titles.0.title", "<script>", "creators-x", "../../etc", "Title", "files-", "creators--1"]
)
def test_a_field_that_is_not_one_of_the_wizard_is_refused_at_the_field(deposit, moderator, name):
    with pytest.raises(ValidationFailed) as refused:
        conversation.comment_add(deposit=deposit, author=moderator, body="?", field=name)
    assert refused.value.field == "field"
    assert not Comment.objects.exists()


def test_a_comment_on_a_file_keeps_its_name_and_a_file_of_another_deposit_is_refused(
    deposit, moderator, depositor, communities
):
    file = deposit.files.get()
    comment = conversation.comment_add(deposit=deposit, author=moderator, body="Units?", file=file)
    assert (comment.file_id, comment.file_name, comment.field) == (file.pk, "ctd.csv", "")
    other = deposit_with_file(depositor, community=communities["ocean"], name="other.csv")
    with pytest.raises(ValidationFailed) as refused:
        conversation.comment_add(deposit=deposit, author=moderator, body="?", file=other.files.get())
    assert refused.value.field == "file"
    with pytest.raises(ValidationFailed):
        conversation.comment_add(deposit=deposit, author=moderator, body="?", file=file, field="title")


@pytest.mark.parametrize("body", ["", "   \n  ", "x" * 10_001])
def test_an_empty_or_too_long_message_is_refused(deposit, moderator, body):
    with pytest.raises(ValidationFailed) as refused:
        conversation.comment_add(deposit=deposit, author=moderator, body=body)
    assert refused.value.field == "body"


def test_a_reply_to_a_comment_of_another_deposit_is_refused(deposit, depositor, moderator, communities):
    other = submitted(depositor, communities)
    foreign = conversation.comment_add(deposit=other, author=moderator, body="Elsewhere")
    with pytest.raises(ValidationFailed):
        conversation.comment_add(deposit=deposit, author=moderator, body="?", parent=foreign)


# --- Services: resolving ----------------------------------------------------------------------------


def test_moderators_resolve_any_thread_and_reopen_it(deposit, depositor, moderator, admin):
    question = conversation.comment_add(deposit=deposit, author=depositor, body="Which licence?")
    root = conversation.comment_resolve(comment=question, actor=moderator)
    assert root.is_resolved and root.resolved_by == moderator
    assert conversation.comment_resolve(comment=question, actor=moderator).resolved_by == moderator  # idempotent
    root = conversation.comment_reopen(comment=question, actor=admin)
    assert not root.is_resolved and root.resolved_by is None


def test_the_author_of_a_thread_resolves_it_but_a_depositor_does_not_close_a_moderators_point(
    deposit, depositor, co_depositor, moderator
):
    own = conversation.comment_add(deposit=deposit, author=depositor, body="Is the DOI final?")
    assert conversation.comment_resolve(comment=own, actor=depositor).is_resolved
    point = conversation.comment_add(
        deposit=deposit, author=moderator, body="The abstract is too short.", field="abstract"
    )
    reply = conversation.comment_add(deposit=deposit, author=depositor, body="Longer now.", parent=point)
    for who in (depositor, co_depositor):
        with pytest.raises(PermissionDenied):
            conversation.comment_resolve(comment=point, actor=who)
    # Resolving from a reply resolves its thread.
    assert conversation.comment_resolve(comment=reply, actor=moderator).pk == point.pk
    assert Comment.objects.get(pk=point.pk).is_resolved


def test_a_reply_reopens_a_resolved_thread(deposit, depositor, moderator):
    point = conversation.comment_add(deposit=deposit, author=moderator, body="Units?", field="vertical_extent")
    conversation.comment_resolve(comment=point, actor=moderator)
    conversation.comment_add(deposit=deposit, author=depositor, body="Metres, not decibars.", parent=point)
    assert not Comment.objects.get(pk=point.pk).is_resolved


def test_a_moderator_of_another_community_cannot_resolve(deposit, moderator, other_moderator):
    point = conversation.comment_add(deposit=deposit, author=moderator, body="?")
    with pytest.raises(PermissionDenied):
        conversation.comment_resolve(comment=point, actor=other_moderator)


# --- The thread ---------------------------------------------------------------------------------------


def test_the_thread_groups_comments_by_field_file_and_deposit_with_roles_and_open_counts(
    deposit, depositor, co_depositor, moderator, django_assert_num_queries
):
    file = deposit.files.get()
    on_title = conversation.comment_add(deposit=deposit, author=moderator, body="Shorter?", field="title")
    conversation.comment_add(deposit=deposit, author=co_depositor, body="Done.", parent=on_title)
    on_file = conversation.comment_add(deposit=deposit, author=moderator, body="Units?", file=file)
    general = conversation.comment_add(deposit=deposit, author=depositor, body="When will it be published?")
    on_geo = conversation.comment_add(deposit=deposit, author=moderator, body="0,0?", field="geo_locations-0")
    conversation.comment_resolve(comment=on_file, actor=moderator)
    with django_assert_num_queries(2):
        thread = conversation.thread_for(deposit)
    assert [r.pk for r in thread.by_field["title"]] == [on_title.pk]
    assert [c.role for c in thread.by_field["title"][0].messages] == ["moderator", "depositor"]
    assert [r.pk for r in thread.by_file[file.pk]] == [on_file.pk]
    assert [r.pk for r in thread.general] == [general.pk]
    assert [r.pk for r in thread.field_roots] == [on_title.pk, on_geo.pk]  # the wizard's order
    assert (thread.count, thread.open_count, thread.resolved_count) == (5, 3, 1)
    assert [r.pk for r in thread.open_in_step("where_when")] == [on_geo.pk]
    assert thread.open_in_step("files") == []
    assert thread.open_steps() == [("describe", 1), ("where_when", 1)]
    assert [(m.anchor, m.count) for m in thread.markers_for_step("describe")] == [("title", 1)]
    assert len(thread.all_comments) == 5


# --- Markdown ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("[click](javascript:alert(1))", 'href="javascript'),
        ("[click](JaVaScRiPt:alert(1))", "href="),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "href="),
        ('<a href="javascript:alert(1)">x</a>', "<a href"),
        ("<img src=x onerror=alert(1)>", "<img"),
        ("![tracker](https://example.org/pixel.png)", "<img"),
        ('<div style="position:fixed">x</div>', "<div"),
    ],
)
def test_markdown_is_rendered_without_raw_html_scripts_or_images(text, absent):
    assert absent not in render(text)


def test_markdown_keeps_emphasis_lists_code_and_safe_links():
    html = render("**Bold** and *em*\n\n- one\n- `two`\n\nSee [the guide](https://example.org/guide).")
    assert "<strong>Bold</strong>" in html and "<em>em</em>" in html
    assert "<li><code>two</code></li>" in html
    assert '<a href="https://example.org/guide" rel="nofollow noopener">the guide</a>' in html
    # An image becomes a link to it: nothing is fetched when the page opens.
    assert render("![map](https://example.org/map.png)") == (
        '<p>!<a href="https://example.org/map.png" rel="nofollow noopener">map</a></p>'
    )


# --- Web endpoints ----------------------------------------------------------------------------------------


def test_both_parties_comment_reply_and_resolve_through_the_pages(deposit, depositor, moderator):
    review = reverse("moderation:review", kwargs={"pk": deposit.pk})
    response = client_for(moderator).post(
        add_url(deposit), {"body": "Add a **README**.", "field": "abstract", "next": review}
    )
    point = Comment.objects.get()
    assert response.status_code == 302 and response.url == f"{review}#thread-{point.pk}"
    page = client_for(depositor).get(deposit.get_absolute_url()).content.decode()
    assert "Add a <strong>README</strong>." in page
    response = client_for(depositor).post(add_url(deposit), {"body": "Added.", "parent": point.pk})
    assert response.status_code == 302 and response.url.endswith(f"#thread-{point.pk}")
    assert Comment.objects.filter(parent=point).count() == 1
    resolve = reverse("moderation:comment-resolve", kwargs={"pk": deposit.pk, "comment_id": point.pk})
    reopen = reverse("moderation:comment-reopen", kwargs={"pk": deposit.pk, "comment_id": point.pk})
    assert client_for(depositor).post(resolve).status_code == 302
    assert not Comment.objects.get(pk=point.pk).is_resolved  # not theirs to close
    client_for(moderator).post(resolve, {"next": review})
    assert Comment.objects.get(pk=point.pk).is_resolved
    client_for(moderator).post(reopen)
    assert not Comment.objects.get(pk=point.pk).is_resolved


def test_next_must_be_a_page_of_the_site(deposit, depositor):
    response = client_for(depositor).post(add_url(deposit), {"body": "Hi", "next": "https://evil.example/"})
    assert response.url.startswith(deposit.get_absolute_url())


def test_an_htmx_post_answers_with_the_thread_fragment_and_keeps_the_text_after_an_error(deposit, moderator):
    client = client_for(moderator)
    response = client.post(
        add_url(deposit),
        {"body": "Which *datum*?", "field": "geo_locations-0", "scope": "field:geo_locations-0", "form_id": "f1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-thread id="thread-scope-field-geo-locations-0"' in html
    assert "Which <em>datum</em>?" in html and "<html" not in html
    response = client.post(
        add_url(deposit),
        {"body": "Hm", "field": "nonsense", "scope": "field:nonsense", "form_id": "new-thread-scope-field-nonsense"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert 'role="alert"' in html and "is not a field of the deposit" in html
    assert ">Hm</textarea>" in html
    assert Comment.objects.count() == 1


ROLES = ["anonymous", "depositor", "other_depositor", "moderator", "other_moderator", "admin"]
EXPECTED = {
    "anonymous": 302,
    "depositor": 302,
    "other_depositor": 404,
    "moderator": 302,
    "other_moderator": 404,
    "admin": 302,
}


@pytest.mark.parametrize("role", ROLES)
def test_every_comment_endpoint_answers_each_role(role, deposit, depositor, moderator, request):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    point = conversation.comment_add(deposit=deposit, author=moderator, body="?", field="title")
    client = client_for(user)
    urls = [
        add_url(deposit),
        reverse("moderation:comment-resolve", kwargs={"pk": deposit.pk, "comment_id": point.pk}),
        reverse("moderation:comment-reopen", kwargs={"pk": deposit.pk, "comment_id": point.pk}),
    ]
    for url in urls:
        response = client.post(url, {"body": "Hello", "parent": point.pk})
        assert response.status_code == EXPECTED[role], url
        if role == "anonymous":
            assert "/accounts/login" in response.url or "login" in response.url
    expected_comments = 2 if EXPECTED[role] == 302 and role != "anonymous" else 1
    assert Comment.objects.count() == expected_comments
    assert client.get(urls[0]).status_code == (405 if role != "anonymous" else 302)


def test_a_moderator_of_the_community_sees_no_draft_and_the_depositor_is_told_to_submit_first(
    depositor, moderator, communities
):
    draft = deposit_with_file(depositor, community=communities["ocean"])
    assert client_for(moderator).post(add_url(draft), {"body": "Hi"}).status_code == 404
    response = client_for(depositor).post(add_url(draft), {"body": "Hi"}, follow=True)
    assert "Comments open when the deposit is submitted for review." in response.content.decode()
    assert not Comment.objects.exists()


def test_a_comment_of_another_deposit_is_not_found(deposit, depositor, moderator, communities):
    other = submitted(depositor, communities)
    foreign = conversation.comment_add(deposit=other, author=moderator, body="Elsewhere")
    url = reverse("moderation:comment-resolve", kwargs={"pk": deposit.pk, "comment_id": foreign.pk})
    assert client_for(moderator).post(url).status_code == 404
    assert client_for(moderator).post(add_url(deposit), {"body": "?", "parent": foreign.pk}).status_code == 404


def test_comment_forms_need_the_csrf_token(deposit, moderator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    assert client.post(add_url(deposit), {"body": "Hi"}).status_code == 403
    assert not Comment.objects.exists()


def test_the_review_page_shows_each_thread_beside_its_field_with_forms(deposit, depositor, moderator):
    conversation.comment_add(deposit=deposit, author=moderator, body="<script>alert(1)</script> odd", field="title")
    conversation.comment_add(deposit=deposit, author=depositor, body="General *question*")
    html = client_for(moderator).get(reverse("moderation:review", kwargs={"pk": deposit.pk})).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; odd" in html and "<script>alert(1)" not in html
    assert 'id="thread-scope-field-title"' in html
    assert "General <em>question</em>" in html
    assert 'name="field" value="abstract"' in html  # a form for each field
    assert '<span class="badge role-moderator">' in html and '<span class="badge role-depositor">' in html
    assert "<time datetime=" in html


# --- The wizard ---------------------------------------------------------------------------------------


def test_the_wizard_shows_the_moderators_open_comments_on_the_step_beside_their_fields(deposit, depositor, moderator):
    point = conversation.comment_add(
        deposit=deposit, author=moderator, body="Is **this** ORCID iD right?", field="creators-1"
    )
    resolved = conversation.comment_add(deposit=deposit, author=moderator, body="Old point", field="creators-0")
    conversation.comment_resolve(comment=resolved, actor=moderator)
    conversation.comment_add(deposit=deposit, author=moderator, body="Shorter title?", field="title")
    deposit = sent_back(deposit, depositor, moderator)
    client = client_for(depositor)
    people = client.get(reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "people"})).content.decode()
    assert "The moderator’s comments on this step" in people or "The moderator's comments on this step" in people
    assert "Is <strong>this</strong> ORCID iD right?" in people
    assert f'data-comment-marker="creators-1" href="#thread-{point.pk}"' in people
    assert ">1 comment<" in people
    link = reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "people"}) + "#f-creators-1"
    assert f'href="{link}"' in people
    assert 'id="f-creators-1"' in people  # the field group the marker and the link go to
    assert "Old point" not in people and "Shorter title?" not in people
    assert f'name="parent" value="{point.pk}"' in people  # the reply form
    assert "js/comments.js" in people
    describe = client.get(reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "describe"})).content.decode()
    assert "Shorter title?" in describe and "Is <strong>this</strong>" not in describe
    assert "Open comments in other steps:" in describe


def test_the_wizard_has_no_comment_section_without_open_comments(depositor, communities):
    draft = deposit_with_file(depositor, community=communities["ocean"])
    page = (
        client_for(depositor)
        .get(reverse("deposit:wizard", kwargs={"pk": draft.pk, "step": "describe"}))
        .content.decode()
    )
    assert "step-comments" not in page and "comments.js" not in page


def test_a_reply_from_the_wizard_comes_back_to_the_wizard(deposit, depositor, moderator):
    point = conversation.comment_add(deposit=deposit, author=moderator, body="?", field="abstract")
    deposit = sent_back(deposit, depositor, moderator)
    here = reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "describe"})
    response = client_for(depositor).post(
        add_url(deposit), {"body": "Done", "parent": point.pk, "next": here, "scope": "step:describe"}
    )
    assert response.url == f"{here}#thread-{point.pk}"
    response = client_for(depositor).post(
        add_url(deposit),
        {"body": "Again", "parent": point.pk, "next": here, "scope": "step:describe"},
        HTTP_HX_REQUEST="true",
    )
    assert 'id="thread-scope-step-describe"' in response.content.decode()
    assert "Again" in response.content.decode()


# --- Bounded queries --------------------------------------------------------------------------------------


def _many_comments(deposit, depositor, moderator, count: int) -> None:
    file = deposit.files.get()
    anchors = [
        "creators-1",
        "title",
        "abstract",
        "creators-0",
        "geo_locations-0",
        "licence",
        "",
    ]  # the first on the people step
    roots = []
    for i in range(count // 2 or 1):
        kwargs = {"file": file} if i % 8 == 7 else {"field": anchors[i % len(anchors)]}
        roots.append(
            Comment.objects.create(
                deposit=deposit,
                author=moderator,
                body=f"Point **{i}**",
                round=1,
                file_name=file.name if "file" in kwargs else "",
                **kwargs,
            )
        )
    replies = [
        Comment(
            deposit=deposit,
            author=depositor,
            body=f"Answer {i}",
            round=1,
            parent=roots[i % len(roots)],
            field=roots[i % len(roots)].field,
            file=roots[i % len(roots)].file,
        )
        for i in range(count - len(roots))
    ]
    Comment.objects.bulk_create(replies)
    Comment.objects.filter(pk__in=[r.pk for r in roots[::3]]).update(resolved_by=moderator)


def _queries(client, url, django_assert_max_num_queries) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["review", "detail", "wizard"])
def test_pages_run_a_bounded_number_of_queries_whatever_the_number_of_comments(
    page, deposit, depositor, moderator, django_assert_max_num_queries
):
    if page == "wizard":
        deposit = sent_back(deposit, depositor, moderator)
    viewer = moderator if page == "review" else depositor
    url = {
        "review": reverse("moderation:review", kwargs={"pk": deposit.pk}),
        "detail": deposit.get_absolute_url(),
        "wizard": reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "people"}),
    }[page]
    client = client_for(viewer)
    _many_comments(deposit, depositor, moderator, 1)
    client.get(url)  # warm the caches (sessions, content types)
    few = _queries(client, url, django_assert_max_num_queries)
    _many_comments(deposit, depositor, moderator, 200)
    assert Comment.objects.count() == 201
    with django_assert_max_num_queries(few):
        response = client.get(url)
    html = response.content.decode()
    assert "Point <strong>99</strong>" in html or page == "wizard"
    if page == "wizard":
        assert "Answer" in html


# --- The API ----------------------------------------------------------------------------------------------


def test_the_api_lists_adds_and_resolves_comments(deposit, depositor, moderator, api_client):
    as_moderator, as_depositor = api_client(moderator), api_client(depositor)
    url = f"/api/deposits/{deposit.pk}/comments"
    response = as_moderator.post(
        url, {"body": "Missing <b>units</b>", "field": "vertical_extent"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    point = response.json()
    assert point["field"] == "vertical_extent" and point["role"] == "moderator" and point["round"] == 1
    assert "<b>" not in point["body_html"]
    response = as_depositor.post(url, {"body": "Added", "parent": point["id"]}, content_type="application/json")
    assert response.status_code == 201 and response.json()["parent"] == point["id"]
    assert response.json()["role"] == "depositor" and response.json()["field"] == "vertical_extent"
    listed = as_depositor.get(url).json()
    assert [c["id"] for c in listed] == [point["id"], response.json()["id"]]
    refused = as_depositor.post(f"/api/comments/{point['id']}/resolve")
    assert refused.status_code == 403
    resolved = as_moderator.post(f"/api/comments/{point['id']}/resolve")
    assert resolved.status_code == 200 and resolved.json()["resolved"] is True
    reopened = as_moderator.post(f"/api/comments/{point['id']}/reopen")
    assert reopened.json()["resolved"] is False


def test_the_api_refuses_bad_input_at_its_field_and_hides_the_deposit_from_strangers(
    deposit, depositor, other_moderator, other_depositor, moderator, communities, api_client
):
    url = f"/api/deposits/{deposit.pk}/comments"
    response = api_client(moderator).post(url, {"body": "?", "field": "nope"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "field"
    response = api_client(moderator).post(url, {"body": " "}, content_type="application/json")
    assert response.status_code == 422 and response.json()["problems"][0]["field"] == "body"
    point = conversation.comment_add(deposit=deposit, author=moderator, body="?")
    for user in (other_moderator, other_depositor):
        assert api_client(user).get(url).status_code == 404
        assert api_client(user).post(url, {"body": "Hi"}, content_type="application/json").status_code == 404
        assert api_client(user).post(f"/api/comments/{point.pk}/resolve").status_code == 404
    assert api_client(None).get(url).status_code == 401
    draft = deposit_with_file(depositor, community=communities["ocean"])
    response = api_client(depositor).post(
        f"/api/deposits/{draft.pk}/comments", {"body": "Hi"}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["code"] == "conversation_not_open"
    assert api_client(moderator).get(f"/api/deposits/{draft.pk}/comments").status_code == 404
