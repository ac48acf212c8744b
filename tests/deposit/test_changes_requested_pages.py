"""The depositor's pages after "changes requested" (issue 15): the moderator's request first on the
deposit's page and on every wizard step, its text escaped with its paragraphs kept; each step's tab
says how many open comments it holds; deleting the deposit is offered apart from the other actions
and asked on a page of its own that says what is lost, the deletion itself a POST with its CSRF token."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from deposit import services
from deposit.models import Deposit
from deposit.workflow import Action
from moderation import conversation
from tests.factories import deposit_with_file

pytestmark = pytest.mark.django_db

NOTE = "Thanks for the deposit.\n\nPlease fix the title <script>alert(1)</script> & the abstract."


@pytest.fixture
def sent_back(depositor, moderator, communities):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)
    services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
    conversation.comment_add(deposit=deposit, author=moderator, body="Longer?", field="title")
    conversation.comment_add(deposit=deposit, author=moderator, body="Which instrument?", field="abstract")
    conversation.comment_add(deposit=deposit, author=moderator, body="Still there?", field="point_of_contact-name")
    resolved = conversation.comment_add(deposit=deposit, author=moderator, body="Fine now.", field="lineage")
    conversation.comment_resolve(comment=resolved, actor=moderator)
    return services.deposit_act(deposit=deposit, action=Action.request_changes, actor=moderator, note=NOTE)


def page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_deposit_page_opens_with_the_moderators_request_escaped(client, sent_back, depositor, moderator):
    html = page(client, depositor, reverse("deposit:detail", kwargs={"pk": sent_back.pk}))
    request = html[html.index('id="change-request"') : html.index('class="layout-2"')]
    assert f"{moderator.name} asked for these changes on" in request
    assert "<p>Thanks for the deposit.</p>" in request  # its paragraphs kept
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; the abstract." in request  # as written, never as markup
    assert "<script>alert" not in html
    assert "3 comments on the deposit are still open" in request  # the resolved one is not counted
    assert reverse("deposit:wizard", kwargs={"pk": sent_back.pk, "step": "describe"}) in request


def test_only_the_latest_request_is_shown_and_none_once_resubmitted(client, sent_back, depositor, moderator):
    deposit = services.deposit_act(deposit=sent_back, action=Action.resubmit, actor=depositor)  # still claimed
    html = page(client, depositor, reverse("deposit:detail", kwargs={"pk": deposit.pk}))
    assert 'id="change-request"' not in html  # in review again: nothing is asked of the depositor
    services.deposit_act(deposit=deposit, action=Action.request_changes, actor=moderator, note="Now the units.")
    html = page(client, depositor, reverse("deposit:detail", kwargs={"pk": deposit.pk}))
    request = html[html.index('id="change-request"') : html.index('class="layout-2"')]
    assert "Now the units." in request and "Thanks for the deposit." not in request


@pytest.mark.parametrize("step", ["describe", "people", "where_when", "files", "links_licence"])
def test_every_wizard_step_opens_with_the_request_and_counts_open_comments_on_its_tab(
    client, sent_back, depositor, step
):
    html = page(client, depositor, reverse("deposit:wizard", kwargs={"pk": sent_back.pk, "step": step}))
    main = html[html.index('id="wizard-top"') :]
    assert main.index('id="change-request"') < main.index('id="step-title"')  # before the step itself
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in main and "<script>alert" not in html
    tabs = html[html.index('id="wizard-steps"') : html.index("</nav>", html.index('id="wizard-steps"'))]
    describe = re.search(r'data-step="describe">(.*?)</li>', tabs, re.S).group(1)
    people = re.search(r'data-step="people">(.*?)</li>', tabs, re.S).group(1)
    files = re.search(r'data-step="files">(.*?)</li>', tabs, re.S).group(1)
    # The count in the tab's name (for screen readers) and shown beside it; the resolved one left out.
    assert re.search(r'<span class="visually-hidden">Describe, 2 open comments,</span>', describe)
    assert re.search(r'<span class="visually-hidden">People and funding, 1 open comment,</span>', people)
    assert "open comment" not in files


def test_the_wizard_shows_no_request_to_a_draft(client, depositor, communities):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    html = page(client, depositor, reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "describe"}))
    assert 'id="change-request"' not in html and "open comment" not in html


def test_delete_is_offered_apart_from_resubmit_and_asks_first(client, sent_back, depositor):
    html = page(client, depositor, reverse("deposit:detail", kwargs={"pk": sent_back.pk}))
    aside = html[html.index("<aside>") : html.index("</aside>")]
    assert "Resubmit" in aside and reverse("deposit:delete", kwargs={"pk": sent_back.pk}) not in aside
    zone = html[html.index('class="danger-zone"') :]
    assert html.index("</aside>") < html.index('class="danger-zone"')  # below everything else
    # A link to the question, not a form that deletes.
    assert f'href="{reverse("deposit:delete", kwargs={"pk": sent_back.pk})}"' in zone
    assert "<form" not in zone[: zone.index("</section>")]


def test_the_confirmation_says_what_is_lost_and_deletes_nothing(client, sent_back, depositor):
    url = reverse("deposit:delete", kwargs={"pk": sent_back.pk})
    html = page(client, depositor, url)
    assert "Delete this deposit?" in html
    assert "1 file (18\xa0bytes), removed from the store." in html
    assert "The conversation with the moderator" in html
    assert f"Its reserved DOI, {sent_back.pid.doi}, deleted at DataCite" in html
    assert "This cannot be undone." in html
    form = html[html.index(f'<form method="post" action="{url}">') :]
    assert 'name="csrfmiddlewaretoken"' in form[: form.index("</form>")]
    assert Deposit.objects.filter(pk=sent_back.pk).exists()


def test_the_deletion_needs_its_csrf_token(depositor, sent_back):
    client = Client(enforce_csrf_checks=True)
    client.force_login(depositor)
    url = reverse("deposit:delete", kwargs={"pk": sent_back.pk})
    assert client.post(url).status_code == 403
    assert Deposit.objects.filter(pk=sent_back.pk).exists()
    client.get(url)  # the confirmation page sets the token
    token = client.cookies["csrftoken"].value
    response = client.post(url, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response.url == reverse("deposit:list")
    assert not Deposit.objects.filter(pk=sent_back.pk).exists()


def test_the_confirmation_is_the_owners_alone(client, sent_back, other_depositor, moderator, admin, depositor):
    url = reverse("deposit:delete", kwargs={"pk": sent_back.pk})
    client.force_login(other_depositor)
    assert client.get(url).status_code == 404  # not theirs to see
    client.force_login(moderator)
    assert client.get(url).status_code == 403  # sees it, does not dispose of it
    client.force_login(admin)
    assert client.get(url).status_code == 200
    co = services.collaborator_invite(deposit=sent_back, actor=depositor, email="other_depositor@example.org")
    services.invitation_accept(collaboration_id=co.pk, user=other_depositor)
    client.force_login(other_depositor)
    assert client.get(url).status_code == 403  # co-depositors edit, they do not delete
    client.force_login(depositor)
    assert "1 co-depositor loses access to it." in client.get(url).content.decode()
    assert Deposit.objects.filter(pk=sent_back.pk).exists()


def test_a_deposit_on_its_way_to_publication_has_no_delete_question(client, depositor, communities):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    deposit = services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)
    client.force_login(depositor)
    detail = client.get(reverse("deposit:detail", kwargs={"pk": deposit.pk})).content.decode()
    assert 'class="danger-zone"' not in detail
    response = client.get(reverse("deposit:delete", kwargs={"pk": deposit.pk}), follow=True)
    assert response.redirect_chain[-1][0] == reverse("deposit:detail", kwargs={"pk": deposit.pk})
    assert "cannot be deleted" in response.content.decode()
    assert Deposit.objects.filter(pk=deposit.pk).exists()
