"""Who is told what: every deposit event and comment reaches the people concerned, through the
real transitions (deposit.services.deposit_act), and never the person who acted."""

import pytest

from deposit.models import Deposit
from notifications.models import Audience, Kind, Notification


def told(deposit, **filters) -> dict[str, str]:
    """{username: kind} of the deposit's notifications."""
    rows = Notification.objects.filter(deposit=deposit, **filters).select_related("recipient")
    return {n.recipient.username: n.kind for n in rows}


def latest(deposit) -> dict[str, str]:
    """The notifications of the deposit's last event."""
    last = Notification.objects.filter(deposit=deposit).order_by("-event_id").values_list("event_id", flat=True).first()
    return told(deposit, event_id=last)


@pytest.fixture
def submitted(deposit, depositor, act, colleague, moderator):
    act(deposit, "submit", depositor)
    return deposit


@pytest.fixture
def in_review(submitted, moderator, act):
    act(submitted, "claim", moderator)
    return submitted


def test_a_first_submission_tells_the_moderators_of_the_community_only(
    deposit, depositor, moderator, colleague, other_moderator, act
):
    act(deposit, "submit", depositor)
    assert told(deposit) == {"moderator": Kind.submitted, "colleague": Kind.submitted}
    assert set(Notification.objects.filter(deposit=deposit).values_list("audience", flat=True)) == {Audience.moderator}
    assert not Notification.objects.filter(recipient=other_moderator).exists()


def test_a_submission_by_a_co_depositor_does_not_tell_the_owner(deposit, co_depositor, moderator, act):
    act(deposit, "submit", co_depositor)
    assert told(deposit) == {"moderator": Kind.submitted}
    assert Notification.objects.get().actor == co_depositor


def test_a_claim_tells_the_owner_and_the_co_depositors_not_the_moderator(submitted, moderator, act):
    Notification.objects.all().delete()
    act(submitted, "claim", moderator)
    assert told(submitted) == {"depositor": Kind.claimed, "co_depositor": Kind.claimed}
    assert {n.actor for n in Notification.objects.all()} == {moderator}


def test_an_assignment_tells_the_colleague_and_the_depositors_who_reviews_now(submitted, moderator, colleague, act):
    Notification.objects.all().delete()
    act(submitted, "assign", moderator, assignee="colleague")
    assert told(submitted) == {"colleague": Kind.assigned, "depositor": Kind.claimed, "co_depositor": Kind.claimed}
    assigned = Notification.objects.get(kind=Kind.assigned)
    assert (assigned.actor, assigned.audience) == (moderator, Audience.moderator)
    # The depositors learn who reviews their deposit: the colleague.
    assert {n.actor for n in Notification.objects.filter(kind=Kind.claimed)} == {colleague}


def test_releasing_and_going_back_to_draft_tell_nobody(in_review, moderator, depositor, act):
    Notification.objects.all().delete()
    act(in_review, "release", moderator)
    assert told(in_review) == {}
    act(in_review, "claim", moderator)
    act(in_review, "request_changes", moderator, note="Add the sensor calibration.")
    Notification.objects.all().delete()
    act(in_review, "edit", depositor)
    assert told(in_review) == {}


def test_a_request_for_changes_tells_the_depositors_with_the_message(in_review, moderator, act):
    act(in_review, "request_changes", moderator, note="Add the sensor calibration.")
    assert latest(in_review) == {"depositor": Kind.changes_requested, "co_depositor": Kind.changes_requested}
    assert {n.text for n in Notification.objects.filter(kind=Kind.changes_requested)} == {"Add the sensor calibration."}


def test_a_resubmission_goes_to_the_reviewer_of_the_previous_round_only(in_review, moderator, depositor, act):
    act(in_review, "request_changes", moderator, note="Add the sensor calibration.")
    act(in_review, "resubmit", depositor)
    assert latest(in_review) == {"moderator": Kind.resubmitted}
    assert Notification.objects.get(kind=Kind.resubmitted).audience == Audience.moderator


def test_a_resubmission_without_a_reviewer_goes_to_the_community(in_review, moderator, depositor, act):
    from accounts.services import moderator_revoke

    act(in_review, "request_changes", moderator, note="Add the sensor calibration.")
    # The reviewer left the community: the deposit returns to everyone's queue.
    moderator_revoke(user=moderator, community=in_review.community)
    act(in_review, "resubmit", depositor)
    assert latest(in_review) == {"colleague": Kind.resubmitted}


def test_a_submission_after_going_back_to_draft_is_a_resubmission(in_review, moderator, depositor, act):
    act(in_review, "request_changes", moderator, note="Add the sensor calibration.")
    act(in_review, "edit", depositor)
    act(in_review, "submit", depositor)
    assert latest(in_review) == {"moderator": Kind.resubmitted}


def test_an_approval_tells_the_depositors_it_is_approved_then_published(in_review, moderator, act):
    Notification.objects.all().delete()
    act(in_review, "approve", moderator, note="Thank you, a fine dataset.")
    kinds = sorted(Notification.objects.filter(recipient__username="depositor").values_list("kind", flat=True))
    assert kinds == [Kind.approved, Kind.published]
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"depositor", "co_depositor"}
    assert (
        Notification.objects.get(recipient__username="depositor", kind=Kind.approved).text
        == "Thank you, a fine dataset."
    )
    # Publication is done by the system: nobody is named.
    assert Notification.objects.get(recipient__username="depositor", kind=Kind.published).actor is None


def test_a_rejection_tells_the_depositors_with_the_reason_and_the_message(in_review, moderator, act):
    from notifications.messages import headline

    act(in_review, "reject", moderator, note="This is a model output.", reason="not_research_data")
    assert latest(in_review) == {"depositor": Kind.rejected, "co_depositor": Kind.rejected}
    rejected = Notification.objects.get(recipient__username="depositor", kind=Kind.rejected)
    assert rejected.text == "This is a model output."
    assert "Not research data" in headline(rejected)


def test_a_refused_action_tells_nobody(submitted, colleague, moderator, act):
    from core.errors import Conflict

    Notification.objects.all().delete()
    act(submitted, "claim", moderator)
    count = Notification.objects.count()
    with pytest.raises(Conflict):
        act(submitted, "approve", colleague, seen_status="submitted")
    assert Notification.objects.count() == count


# --- comments ------------------------------------------------------------------------------------


def test_a_depositors_comment_on_an_unclaimed_deposit_tells_the_community(submitted, depositor, comment_on):
    Notification.objects.all().delete()
    comment_on(submitted, depositor, "The files are CF-1.8.")
    assert told(submitted) == {"moderator": Kind.comment, "colleague": Kind.comment}


def test_a_depositors_comment_on_a_claimed_deposit_tells_the_reviewer_only(in_review, co_depositor, comment_on):
    Notification.objects.all().delete()
    comment = comment_on(in_review, co_depositor, "Calibration added in README.")
    assert told(in_review) == {"moderator": Kind.comment}
    notification = Notification.objects.get()
    assert (notification.comment, notification.actor, notification.audience) == (
        comment,
        co_depositor,
        Audience.moderator,
    )
    assert notification.text == "Calibration added in README."


def test_a_moderators_comment_tells_the_depositors(in_review, moderator, comment_on):
    Notification.objects.all().delete()
    comment_on(in_review, moderator, "Which CTD model?", field="title")
    assert told(in_review) == {"depositor": Kind.comment, "co_depositor": Kind.comment}


def test_a_reply_also_tells_the_author_of_the_comment_answered(in_review, moderator, colleague, comment_on):
    question = comment_on(in_review, colleague, "Is the extent right?", field="geo_locations-0")
    Notification.objects.all().delete()
    comment_on(in_review, moderator, "It is, I checked the casts.", parent=question)
    assert told(in_review) == {"depositor": Kind.comment, "co_depositor": Kind.comment, "colleague": Kind.comment}
    assert Notification.objects.get(recipient=colleague).audience == Audience.moderator


def test_replying_to_ones_own_comment_does_not_tell_oneself(in_review, moderator, comment_on):
    first = comment_on(in_review, moderator, "Which CTD model?")
    Notification.objects.all().delete()
    comment_on(in_review, moderator, "And which calibration?", parent=first)
    assert told(in_review) == {"depositor": Kind.comment, "co_depositor": Kind.comment}


def test_a_depositors_reply_to_a_co_depositor_tells_the_co_depositor_and_the_reviewer(
    in_review, depositor, co_depositor, comment_on
):
    note = comment_on(in_review, co_depositor, "I uploaded the README.")
    Notification.objects.all().delete()
    comment_on(in_review, depositor, "Thanks!", parent=note)
    assert told(in_review) == {"moderator": Kind.comment, "co_depositor": Kind.comment}
    assert Notification.objects.get(recipient=co_depositor).audience == Audience.depositor


def test_a_long_comment_is_shortened_in_the_notification(in_review, moderator, comment_on):
    comment_on(in_review, moderator, "word " * 400)
    text = Notification.objects.filter(kind=Kind.comment).first().text
    assert len(text) <= 500 and text.endswith("…")


def test_an_inactive_account_is_not_told(submitted, colleague, moderator, depositor, comment_on):
    colleague.is_active = False
    colleague.save(update_fields=["is_active"])
    Notification.objects.all().delete()
    comment_on(submitted, depositor, "Anyone?")
    assert told(submitted) == {"moderator": Kind.comment}


def test_a_failure_while_notifying_never_undoes_the_transition(deposit, depositor, act, monkeypatch):
    from notifications import services

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "notifications_create", broken)
    act(deposit, "submit", depositor)
    assert Deposit.objects.get(pk=deposit.pk).status == "submitted"
