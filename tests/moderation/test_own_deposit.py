"""Nobody moderates their own deposit: a moderator who deposited it (or co-deposits it) cannot claim
it, be assigned it or decide on it, through the API or the pages; their queue shows it as theirs,
for another moderator to decide; and when its community has no other moderator, the
administrators are told and decide."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from deposit.models import Collaboration, Deposit, DepositEvent
from deposit.services import deposit_act
from deposit.workflow import Status
from notifications.models import Kind, Notification
from tests.factories import complete_metadata, deposit_with_file

QUEUE = reverse("moderation:queue")


@pytest.fixture
def colleague(db, communities):
    """A second moderator of the ocean community."""
    from accounts.services import moderator_grant, user_create

    user = user_create(
        username="colleague",
        email="colleague@example.org",
        password="correct horse battery",
        display_name="Claire Colleague",
    )
    moderator_grant(user=user, community=communities["ocean"])
    return user


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """`submit(deposit, actor)`: submitted as the deposit service does it, notifications included."""

    def apply(deposit, actor):
        with django_capture_on_commit_callbacks(execute=True):
            return deposit_act(deposit=deposit, action="submit", actor=actor)

    return apply


@pytest.fixture
def owned(moderator, communities, submit):
    """A deposit the moderator of the ocean community deposited in it, submitted."""
    deposit = deposit_with_file(moderator, community=communities["ocean"], metadata=complete_metadata("My own casts"))
    return submit(deposit, moderator)


@pytest.fixture
def co_deposited(depositor, moderator, communities, submit):
    """A deposit of `depositor` in which the ocean moderator is an accepted co-depositor, submitted."""
    deposit = deposit_with_file(depositor, community=communities["ocean"], metadata=complete_metadata("Shared casts"))
    Collaboration.objects.create(
        deposit=deposit, invited_by=depositor, email=moderator.email, user=moderator, state=Collaboration.State.accepted
    )
    return submit(deposit, depositor)


@pytest.fixture(params=["owned", "co_deposited"])
def theirs(request):
    """The moderator's own deposit, either way."""
    return request.getfixturevalue(request.param)


def snapshot(deposit) -> tuple:
    deposit = Deposit.objects.get(pk=deposit.pk)
    return deposit.status, deposit.reviewer_id, deposit.record_id, DepositEvent.objects.filter(deposit=deposit).count()


def post_action(client, deposit, **payload):
    return client.post(f"/api/deposits/{deposit.pk}/actions", payload, content_type="application/json")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


DECISIONS = [
    {"action": "approve"},
    {"action": "request_changes", "note": "Add the units."},
    {"action": "reject", "note": "Not observations.", "reason": "not_research_data"},
]


# --- API ------------------------------------------------------------------------------------------


def test_a_moderator_cannot_claim_their_own_deposit_through_the_api(api_client, moderator, theirs):
    before = snapshot(theirs)
    answer = post_action(api_client(moderator), theirs, action="claim", expected_status="submitted")
    assert answer.status_code == 403
    body = answer.json()
    assert body["code"] == "own_deposit"
    assert "nobody moderates their own deposit" in body["detail"]
    assert snapshot(theirs) == before


@pytest.mark.parametrize("decision", DECISIONS, ids=[d["action"] for d in DECISIONS])
def test_a_moderator_who_had_claimed_a_deposit_before_joining_it_cannot_decide_on_it(
    api_client, depositor, moderator, communities, submit, decision
):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    submit(deposit, depositor)
    deposit_act(deposit=deposit, action="claim", actor=moderator)
    Collaboration.objects.create(
        deposit=deposit, invited_by=depositor, email=moderator.email, user=moderator, state=Collaboration.State.accepted
    )
    before = snapshot(deposit)
    assert before[:2] == (Status.in_review, moderator.pk)

    answer = post_action(api_client(moderator), deposit, **decision)
    assert answer.status_code == 403
    assert answer.json()["code"] == "own_deposit"
    assert snapshot(deposit) == before


@pytest.mark.parametrize("decision", DECISIONS, ids=[d["action"] for d in DECISIONS])
def test_a_moderator_cannot_decide_on_their_own_deposit_claimed_by_a_colleague(
    api_client, moderator, colleague, theirs, decision
):
    deposit_act(deposit=theirs, action="claim", actor=colleague)
    before = snapshot(theirs)
    answer = post_action(api_client(moderator), theirs, **decision)
    assert answer.status_code == 403
    assert answer.json()["code"] == "own_deposit"
    assert snapshot(theirs) == before


def test_a_deposit_cannot_be_assigned_to_one_of_its_depositors(api_client, moderator, colleague, co_deposited):
    before = snapshot(co_deposited)
    answer = post_action(api_client(colleague), co_deposited, action="assign", assignee="moderator")
    assert answer.status_code == 422
    body = answer.json()
    assert body["problems"] == [{"field": "assignee", "message": body["detail"]}]
    assert "Moderator is a depositor of this deposit and cannot review it" in body["detail"]
    assert snapshot(co_deposited) == before


def test_a_moderator_cannot_assign_their_own_deposit_to_a_colleague(api_client, moderator, colleague, theirs):
    before = snapshot(theirs)
    answer = post_action(api_client(moderator), theirs, action="assign", assignee="colleague")
    assert answer.status_code == 403
    assert answer.json()["code"] == "own_deposit"
    assert snapshot(theirs) == before


def test_the_api_offers_a_moderator_only_the_depositors_actions_on_their_own_deposit(
    api_client, moderator, colleague, theirs
):
    assert api_client(moderator).get(f"/api/deposits/{theirs.pk}").json()["allowed_actions"] == []
    assert api_client(colleague).get(f"/api/deposits/{theirs.pk}").json()["allowed_actions"] == ["claim", "assign"]


# --- Pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload", [{"action": "claim"}, {"action": "assign", "assignee": "colleague"}], ids=["claim", "assign"]
)
def test_claiming_or_assigning_ones_own_deposit_from_the_queue_is_refused_with_a_message(
    client, moderator, colleague, theirs, payload
):
    before = snapshot(theirs)
    client.force_login(moderator)
    response = client.post(
        reverse("deposit:act", args=[theirs.pk]), {**payload, "seen_status": "submitted", "next": QUEUE}
    )
    assert response.status_code == 302 and response.url == QUEUE
    assert any("nobody moderates their own deposit" in m for m in messages_of(response))
    assert snapshot(theirs) == before


@pytest.mark.parametrize("decision", DECISIONS, ids=[d["action"] for d in DECISIONS])
def test_deciding_on_ones_own_deposit_from_the_review_page_is_refused_with_a_message(
    client, moderator, colleague, theirs, decision
):
    deposit_act(deposit=theirs, action="claim", actor=colleague)
    before = snapshot(theirs)
    client.force_login(moderator)
    review = reverse("moderation:review", args=[theirs.pk])
    response = client.post(
        reverse("deposit:act", args=[theirs.pk]), {**decision, "seen_status": "in_review", "next": review}
    )
    assert response.status_code == 302 and response.url == review
    assert any("nobody moderates their own deposit" in m for m in messages_of(response))
    assert snapshot(theirs) == before


def test_the_review_page_of_ones_own_deposit_offers_no_decision(client, moderator, theirs):
    client.force_login(moderator)
    page = client.get(reverse("moderation:review", args=[theirs.pk])).content.decode()
    assert "This is your own deposit: another moderator of the community decides on it." in page
    assert 'name="action" value="claim"' not in page


def test_assigning_to_a_co_depositor_from_the_queue_is_refused_and_they_are_not_offered(
    client, moderator, colleague, co_deposited
):
    client.force_login(colleague)
    page = client.get(QUEUE).content.decode()
    assert 'value="moderator"' not in page  # not among the colleagues it can be assigned to
    before = snapshot(co_deposited)
    response = client.post(
        reverse("deposit:act", args=[co_deposited.pk]),
        {"action": "assign", "assignee": "moderator", "seen_status": "submitted", "next": QUEUE},
    )
    assert response.status_code == 302
    assert any("is a depositor of this deposit and cannot review it" in m for m in messages_of(response))
    assert snapshot(co_deposited) == before


# --- The queue ------------------------------------------------------------------------------------


def test_ones_own_deposit_is_in_the_queue_as_yours_without_a_claim_button(client, moderator, colleague, theirs):
    client.force_login(moderator)
    page = client.get(QUEUE).content.decode()
    assert theirs.title in page
    assert "yours: another moderator decides" in page
    assert 'value="claim"' not in page
    assert "an administrator decides" not in page  # a colleague can

    client.force_login(colleague)
    page = client.get(QUEUE).content.decode()
    assert 'value="claim"' in page and "yours: another moderator decides" not in page


def test_the_queue_endpoint_marks_ones_own_deposit(api_client, moderator, colleague, theirs):
    [item] = api_client(moderator).get("/api/moderation/queue").json()
    assert (item["id"], item["yours"], item["allowed_actions"], item["administrator_decides"]) == (
        theirs.pk,
        True,
        [],
        False,
    )
    [item] = api_client(colleague).get("/api/moderation/queue").json()
    assert (item["yours"], item["allowed_actions"]) == (False, ["claim", "assign"])


def test_the_navigation_does_not_count_ones_own_deposit_as_waiting(moderator, colleague, theirs):
    from moderation.selectors import queue_nav_count

    assert queue_nav_count(moderator) == 0
    assert queue_nav_count(colleague) == 1


def test_a_submission_tells_the_other_moderators_not_the_depositing_one(moderator, colleague, admin, theirs):
    told = {n.recipient.username: n.kind for n in Notification.objects.filter(deposit=theirs)}
    assert told.get("colleague") == Kind.submitted
    assert "moderator" not in told and "admin" not in told


# --- A community with a single moderator: an administrator decides ---------------------------------


def test_when_the_only_moderator_deposits_the_administrators_are_told_and_one_decides(
    client, api_client, moderator, admin, owned, eager_celery
):
    [notification] = Notification.objects.filter(deposit=owned)
    assert (notification.recipient, notification.kind) == (admin, Kind.for_administrators)
    from notifications import messages

    assert "an administrator decides" in messages.headline(notification)
    assert messages.target_path(notification) == reverse("moderation:review", args=[owned.pk])

    client.force_login(moderator)
    page = client.get(QUEUE).content.decode()
    assert "yours: another moderator decides" in page
    assert "No other moderator in its community: an administrator decides." in page
    client.force_login(admin)
    page = client.get(QUEUE).content.decode()
    assert "No other moderator in its community: an administrator decides." in page
    assert 'value="claim"' in page
    [item] = api_client(admin).get("/api/moderation/queue", {"community": "ocean"}).json()
    assert (item["administrator_decides"], item["yours"], item["allowed_actions"]) == (True, False, ["claim", "assign"])

    admin_api = api_client(admin)
    assert post_action(admin_api, owned, action="claim").status_code == 200
    approved = post_action(admin_api, owned, action="approve")
    assert approved.status_code == 200, approved.content
    deposit = Deposit.objects.get(pk=owned.pk)
    assert deposit.status == Status.published and deposit.reviewer == admin and deposit.record_id
    assert deposit.events.get(action="approve").actor == admin


def test_an_administrator_does_not_moderate_their_own_deposit_either(api_client, admin, moderator, communities, submit):
    deposit = submit(deposit_with_file(admin, community=communities["ocean"]), admin)
    before = snapshot(deposit)
    answer = post_action(api_client(admin), deposit, action="claim")
    assert answer.status_code == 403 and answer.json()["code"] == "own_deposit"
    assert snapshot(deposit) == before
    assert post_action(api_client(moderator), deposit, action="claim").status_code == 200
