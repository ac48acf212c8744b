"""The state machine: every (status, action) pair, legal ones reach their target and write one event,
illegal ones are refused and change nothing."""

import itertools

import pytest

from core.errors import Conflict, PermissionDenied, ValidationFailed
from deposit.models import Deposit, DepositEvent, ReviewRound
from deposit.workflow import (
    EFFECTS,
    TRANSITIONS,
    Action,
    Role,
    Status,
    allowed_actions,
    apply_transition,
    transition_for,
)

LEGAL = {(t.source, t.action): t for t in TRANSITIONS}
PAIRS = list(itertools.product(Status, Action))


@pytest.fixture
def actors(depositor, moderator):
    return {Role.depositor: depositor, Role.moderator: moderator, Role.reviewer: moderator, Role.system: None}


@pytest.mark.parametrize(("status", "action"), PAIRS, ids=[f"{s.value}-{a.value}" for s, a in PAIRS])
def test_every_status_action_pair(status, action, depositor, moderator, communities, actors):
    deposit = Deposit.objects.create(owner=depositor, community=communities["ocean"], status=status)
    transition = LEGAL.get((status, action))
    actor = actors[transition.role] if transition else depositor
    if transition is None:
        with pytest.raises(Conflict):
            apply_transition(deposit_id=deposit.pk, action=action, actor=actor, note="because")
        deposit.refresh_from_db()
        assert deposit.status == status
        assert not DepositEvent.objects.filter(deposit=deposit).exists()
        return
    # what the actions that need more than a note need: a reason to reject, a colleague to assign to
    extra = {"reason": "out_of_scope"} if action is Action.reject else {}
    if action is Action.assign:
        extra["assignee"] = moderator
    apply_transition(deposit_id=deposit.pk, action=action, actor=actor, note="because", **extra)
    deposit.refresh_from_db()
    assert deposit.status == transition.target
    events = list(DepositEvent.objects.filter(deposit=deposit))
    assert len(events) == 1
    assert (events[0].action, events[0].from_status, events[0].to_status) == (action, status, transition.target)
    assert events[0].actor == actor
    assert events[0].note == "because"


@pytest.mark.parametrize("transition", TRANSITIONS, ids=[t.action.value for t in TRANSITIONS])
def test_legal_action_by_the_wrong_role_is_refused(
    transition, depositor, other_depositor, other_moderator, communities
):
    deposit = Deposit.objects.create(owner=depositor, community=communities["ocean"], status=transition.source)
    intruder = other_moderator if transition.role is Role.depositor else other_depositor
    with pytest.raises(PermissionDenied):
        apply_transition(deposit_id=deposit.pk, action=transition.action, actor=intruder, note="x")
    deposit.refresh_from_db()
    assert deposit.status == transition.source
    assert not deposit.events.exists()


def test_a_deposit_claimed_by_one_moderator_cannot_be_decided_by_another(depositor, moderator, communities):
    from accounts.services import moderator_grant, user_create

    colleague = user_create(username="colleague", email="c@example.org", password="x-long-password")
    moderator_grant(user=colleague, community=communities["ocean"])
    deposit = Deposit.objects.create(owner=depositor, community=communities["ocean"], status=Status.submitted)
    apply_transition(deposit_id=deposit.pk, action=Action.claim, actor=moderator)
    with pytest.raises(Conflict, match="Another moderator"):
        apply_transition(deposit_id=deposit.pk, action=Action.approve, actor=colleague)
    assert Deposit.objects.get(pk=deposit.pk).status == Status.in_review


def test_request_changes_and_reject_need_a_message(depositor, moderator, communities):
    deposit = Deposit.objects.create(owner=depositor, community=communities["ocean"], status=Status.in_review)
    for action in (Action.request_changes, Action.reject):
        with pytest.raises(ValidationFailed):
            apply_transition(deposit_id=deposit.pk, action=action, actor=moderator, note="  ")
    assert Deposit.objects.get(pk=deposit.pk).status == Status.in_review


def test_allowed_actions_offer_only_legal_steps_for_the_role(depositor, moderator, communities):
    deposit = Deposit.objects.create(owner=depositor, community=communities["ocean"], status=Status.submitted)
    assert allowed_actions(deposit, depositor) == []
    assert [t.action for t in allowed_actions(deposit, moderator)] == [Action.claim, Action.assign]
    deposit.status = Status.draft
    assert [t.action for t in allowed_actions(deposit, depositor)] == [Action.submit]
    assert allowed_actions(deposit, moderator) == []


def test_unknown_action_is_refused(depositor, communities):
    deposit = Deposit.objects.create(owner=depositor, community=communities["ocean"])
    with pytest.raises(Conflict):
        apply_transition(deposit_id=deposit.pk, action="teleport", actor=depositor)
    assert transition_for("draft", "teleport") is None


def test_every_action_declares_its_effect():
    assert set(EFFECTS) == set(Action) == {t.action for t in TRANSITIONS}


def test_claiming_takes_the_deposit_and_releasing_gives_it_back(depositor, moderator, communities):
    deposit = Deposit.objects.create(owner=depositor, community=communities["ocean"], status=Status.submitted)
    claimed = apply_transition(deposit_id=deposit.pk, action=Action.claim, actor=moderator)
    assert claimed.reviewer == moderator and claimed.claimed_at is not None
    released = apply_transition(deposit_id=deposit.pk, action=Action.release, actor=moderator)
    assert (released.reviewer, released.claimed_at) == (None, None)
    released.refresh_from_db()
    assert (released.status, released.reviewer, released.claimed_at) == (Status.submitted, None, None)


def test_a_submission_opens_a_round_with_a_snapshot(depositor, communities):
    deposit = Deposit.objects.create(
        owner=depositor, community=communities["ocean"], metadata={"titles": [{"title": "CTD"}]}
    )
    submitted = apply_transition(deposit_id=deposit.pk, action=Action.submit, actor=depositor)
    submitted.refresh_from_db()
    assert submitted.round == 1 and submitted.submitted_at is not None
    snapshot = ReviewRound.objects.get(deposit=deposit)
    assert (snapshot.number, snapshot.metadata, snapshot.submitted_by) == (1, {"titles": [{"title": "CTD"}]}, depositor)


def test_a_reason_and_an_assignee_are_kept_only_by_the_actions_they_belong_to(depositor, moderator, communities):
    deposit = Deposit.objects.create(owner=depositor, community=communities["ocean"], status=Status.submitted)
    apply_transition(deposit_id=deposit.pk, action=Action.claim, actor=moderator, reason="rights", assignee=depositor)
    claim = DepositEvent.objects.get(deposit=deposit, action=Action.claim)
    assert (claim.reason, claim.assignee) == ("", None)
    with pytest.raises(ValidationFailed) as refused:
        apply_transition(deposit_id=deposit.pk, action=Action.reject, actor=moderator, note="No.", reason="")
    assert refused.value.field == "reason"
    apply_transition(deposit_id=deposit.pk, action=Action.reject, actor=moderator, note="No.", reason="rights")
    rejection = DepositEvent.objects.get(deposit=deposit, action=Action.reject)
    assert (rejection.reason, rejection.assignee) == ("rights", None)
