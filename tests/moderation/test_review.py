"""The review page, the decisions taken from it, the resubmission's diff, and the review report
(HTML and PDF): through the web views, as a moderator and a depositor use them."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from deposit import services
from deposit.models import Deposit
from deposit.workflow import Status
from tests.factories import complete_metadata, deposit_with_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(communities):
    from accounts.services import moderator_grant, user_create

    user = user_create(username="colleague", email="colleague@example.org", password="a-long-password-1")
    user.display_name = "Claire Colleague"
    user.save()
    moderator_grant(user=user, community=communities["ocean"])
    return user


@pytest.fixture
def submitted(depositor, communities):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    return services.deposit_act(deposit=deposit, action="submit", actor=depositor)


def act(client, deposit, action, **data):
    return client.post(
        reverse("deposit:act", args=[deposit.pk]),
        {"action": action, "seen_status": deposit.status, **data},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def review_url(deposit) -> str:
    return reverse("moderation:review", args=[deposit.pk])


def test_the_review_page_lays_out_the_deposit_by_step_for_the_community_moderators_only(
    client, submitted, moderator, colleague, other_moderator, depositor, other_depositor, admin
):
    client.force_login(moderator)
    page = client.get(review_url(submitted)).content.decode()
    for heading in ("Describe", "People and funding", "Where and when", "Links, licence and review", "Files"):
        assert heading in page
    assert 'id="field-geo_locations-0"' in page and "Bay of Biscay" in page
    assert "ctd.csv" in page
    assert 'value="claim"' in page and 'value="assign"' in page and "Claire Colleague" in page
    # Comments can be written on every field group and file, even before the first comment.
    assert page.count("Comment on this") >= 10 and "Comment on the deposit as a whole" in page

    client.force_login(admin)
    assert client.get(review_url(submitted)).status_code == 200
    for outsider in (other_moderator, depositor, other_depositor):
        client.force_login(outsider)
        assert client.get(review_url(submitted)).status_code == 404
    client.logout()
    assert client.get(review_url(submitted)).status_code == 302


def test_a_draft_never_submitted_has_no_review_page(client, depositor, moderator, communities):
    draft = deposit_with_file(depositor, community=communities["ocean"])
    client.force_login(moderator)
    assert client.get(review_url(draft)).status_code == 404


def test_claim_release_and_assign_from_the_review_page(client, submitted, moderator, colleague, other_moderator):
    client.force_login(moderator)
    response = act(client, submitted, "claim", next=review_url(submitted))
    assert response.redirect_chain[-1][0] == review_url(submitted)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.reviewer) == (Status.in_review, moderator)

    response = act(client, submitted, "assign", assignee=other_moderator.username)
    assert "A deposit can only be assigned to a moderator of its community." in messages_of(response)
    submitted.refresh_from_db()
    assert submitted.reviewer == moderator

    act(client, submitted, "assign", assignee=colleague.username)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.reviewer) == (Status.in_review, colleague)
    event = submitted.events.get(action="assign")
    assert (event.actor, event.assignee) == (moderator, colleague)

    # Now the colleague's: the first moderator cannot decide any more.
    response = act(client, submitted, "approve")
    assert "Another moderator has claimed this deposit." in messages_of(response)

    client.force_login(colleague)
    act(client, submitted, "release")
    submitted.refresh_from_db()
    assert (submitted.status, submitted.reviewer, submitted.claimed_at) == (Status.submitted, None, None)


def test_an_action_on_a_stale_page_is_refused_with_what_happened(client, submitted, moderator, colleague):
    client.force_login(colleague)
    act(client, submitted, "claim")
    client.force_login(moderator)
    response = client.post(
        reverse("deposit:act", args=[submitted.pk]), {"action": "claim", "seen_status": "submitted"}, follow=True
    )
    [message] = messages_of(response)
    assert message.startswith(
        "Claire Colleague acted on this deposit while you were looking at it: it is now in review."
    )
    assert Deposit.objects.get(pk=submitted.pk).reviewer == colleague


def test_reject_needs_a_reason_from_the_list_and_a_message(client, submitted, moderator, depositor):
    client.force_login(moderator)
    act(client, submitted, "claim")
    submitted.refresh_from_db()
    response = act(client, submitted, "reject", note="Not ocean data.")
    assert "Choose the reason for the rejection." in messages_of(response)
    response = act(client, submitted, "reject", note="Not ocean data.", reason="teleport")
    assert "Choose the reason for the rejection." in messages_of(response)
    act(client, submitted, "reject", note="Not ocean data.", reason="out_of_scope")
    submitted.refresh_from_db()
    assert submitted.status == Status.rejected
    assert submitted.events.get(action="reject").reason == "out_of_scope"

    client.force_login(depositor)
    page = client.get(submitted.get_absolute_url()).content.decode()
    assert "Outside the community&#x27;s scope" in page and "Not ocean data." in page


def test_resubmission_returns_to_the_same_moderator_with_what_changed(
    client, submitted, moderator, colleague, depositor
):
    client.force_login(moderator)
    act(client, submitted, "claim")
    submitted.refresh_from_db()
    act(client, submitted, "request_changes", note="The box is too large; add the CTD model.")
    submitted.refresh_from_db()
    assert submitted.status == Status.changes_requested

    # The depositor narrows the box, renames the title, replaces the file and adds a README.
    metadata = complete_metadata(title="CTD casts of PELGAS 2024, Bay of Biscay shelf")
    metadata["geo_locations"][0]["box"]["west"] = -5.5
    services.deposit_update(deposit=submitted, actor=depositor, metadata=metadata, revision=submitted.revision)
    services.file_delete(file=submitted.files.get(name="ctd.csv"), actor=depositor)
    services.file_add_bytes(
        deposit=submitted, actor=depositor, name="ctd.csv", chunks=[b"depth,temp\n2,11.0\n"], size=18
    )
    services.file_add_bytes(deposit=submitted, actor=depositor, name="README.md", chunks=[b"# CTD\n"], size=6)
    services.deposit_act(deposit=Deposit.objects.get(pk=submitted.pk), action="resubmit", actor=depositor)
    submitted.refresh_from_db()
    # Returned to the same moderator, still claimed (issue 15): a colleague cannot take it over.
    assert (submitted.status, submitted.reviewer, submitted.round) == (Status.in_review, moderator, 2)
    client.force_login(colleague)
    response = act(client, submitted, "approve")
    assert "Another moderator has claimed this deposit." in messages_of(response)

    client.force_login(moderator)
    page = client.get(review_url(submitted)).content.decode()
    assert "What changed since round 1" in page
    assert "Location 1 › Box › West longitude" in page and "-6</del>" in page and "-5.5</ins>" in page
    assert "CTD casts of PELGAS 2024, Bay of Biscay shelf" in page
    assert "Added: README.md" in page and "Replaced with different content: ctd.csv" in page
    assert "Creators 1" not in page.split("What changed since round 1")[1].split("</section>")[0]


def test_the_review_report_in_html_and_pdf_for_both_parties(client, submitted, moderator, depositor, other_moderator):
    client.force_login(moderator)
    act(client, submitted, "claim")
    submitted.refresh_from_db()
    act(client, submitted, "request_changes", note="Please add the CTD model.")
    for user in (moderator, depositor):
        client.force_login(user)
        html = client.get(reverse("moderation:report", args=[submitted.pk, "html"]))
        assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
        body = html.content.decode()
        assert "Review report" in body and "Please add the CTD model." in body and "Changes requested" in body
        pdf = client.get(reverse("moderation:report", args=[submitted.pk, "pdf"]))
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "Please add the CTD model." in text and submitted.title in text.replace("\n", " ")
        assert 'filename="estran-review-' in pdf["Content-Disposition"]
    client.force_login(other_moderator)
    assert client.get(reverse("moderation:report", args=[submitted.pk, "pdf"])).status_code == 404
    client.force_login(moderator)
    assert client.get(reverse("moderation:report", args=[submitted.pk, "docx"])).status_code == 404


@pytest.mark.parametrize("files", [1, 40])
def test_the_review_page_runs_a_bounded_number_of_queries(
    client, depositor, moderator, communities, files, django_assert_max_num_queries
):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    for n in range(files - 1):
        services.file_add_bytes(
            deposit=deposit, actor=depositor, name=f"cast_{n:03}.csv", chunks=[b"a,b\n1,2\n"], size=8
        )
    deposit = services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    services.deposit_act(deposit=deposit, action="claim", actor=moderator)
    client.force_login(moderator)
    with django_assert_max_num_queries(25):
        response = client.get(review_url(deposit))
    assert response.status_code == 200
