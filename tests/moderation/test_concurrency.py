"""Two moderators acting on the same deposit at the same moment, as two real transactions on
PostgreSQL: exactly one action wins and the other is refused with what happened meanwhile.

A third connection holds the deposit's row lock while both actions start, and the test waits until
PostgreSQL shows both of them blocked on that lock: the two transactions really overlap, whatever
the scheduling of the threads. Then the lock is released and they race."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from core.errors import Conflict
from deposit import services
from deposit.models import Deposit, DepositEvent
from deposit.workflow import Status
from tests.factories import deposit_with_file

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_celery")]


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.fail("The concurrency tests need PostgreSQL (DATABASE_URL).")


@pytest.fixture
def colleague(communities):
    from accounts.services import moderator_grant, user_create

    user = user_create(username="colleague", email="colleague@example.org", password="a-long-password-1")
    moderator_grant(user=user, community=communities["ocean"])
    return user


def _waiting_on_locks() -> int:
    """How many sessions wait for a lock now (statistics are otherwise frozen for the transaction)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def race(deposit_id: int, *actions):
    """Start each action in its own thread and transaction while the row is locked, wait until all
    are blocked on the lock, release it; return each action's outcome (the deposit or the error)."""
    outcomes: list = [None] * len(actions)

    def run(index, action):
        try:
            outcomes[index] = action()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[index] = exc
        finally:
            connections.close_all()

    with transaction.atomic():
        Deposit.objects.select_for_update().get(pk=deposit_id)  # the lock both actions will wait for
        threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while _waiting_on_locks() < len(actions):
            assert time.monotonic() < deadline, ("the actions never reached the row lock", outcomes)
            time.sleep(0.02)
    for thread in threads:
        thread.join(30)
    return outcomes


def _submitted(depositor, communities):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    return services.deposit_act(deposit=deposit, action="submit", actor=depositor)


def test_two_moderators_claiming_at_once_one_wins_the_other_is_told_who(depositor, moderator, colleague, communities):
    deposit = _submitted(depositor, communities)

    def claim(user):
        return lambda: services.deposit_act(deposit=deposit, action="claim", actor=user, seen_status="submitted")

    outcomes = race(deposit.pk, claim(moderator), claim(colleague))

    won = [o for o in outcomes if isinstance(o, Deposit)]
    lost = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    deposit.refresh_from_db()
    assert deposit.status == Status.in_review
    winner = deposit.reviewer
    loser = colleague if winner == moderator else moderator
    assert winner in (moderator, colleague)
    assert lost[0].code == "stale"
    assert f"{winner.name} acted on this deposit while you were looking at it" in lost[0].message
    assert "in review" in lost[0].message
    assert list(deposit.events.values_list("action", "actor")) == [("submit", depositor.pk), ("claim", winner.pk)]
    assert loser != winner


def test_approve_and_request_changes_at_once_exactly_one_decision_is_taken(depositor, moderator, communities):
    """The same reviewer in two tabs (or a reviewer and an administrator): approving publishes,
    requesting changes sends back; never both."""
    deposit = _submitted(depositor, communities)
    services.deposit_act(deposit=deposit, action="claim", actor=moderator)

    approve = lambda: services.deposit_act(  # noqa: E731
        deposit=deposit, action="approve", actor=moderator, seen_status="in_review"
    )
    send_back = lambda: services.deposit_act(  # noqa: E731
        deposit=deposit, action="request_changes", actor=moderator, note="Units?", seen_status="in_review"
    )

    outcomes = race(deposit.pk, approve, send_back)

    assert sum(isinstance(o, Deposit) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, Conflict) for o in outcomes) == 1, outcomes
    deposit.refresh_from_db()
    decisions = list(DepositEvent.objects.filter(deposit=deposit, action__in=["approve", "request_changes"]))
    assert len(decisions) == 1
    if decisions[0].action == "approve":
        assert deposit.status == Status.published and deposit.record is not None
    else:
        assert deposit.status == Status.changes_requested and deposit.record is None


def test_assigning_while_a_colleague_claims_leaves_one_reviewer(depositor, moderator, colleague, admin, communities):
    deposit = _submitted(depositor, communities)

    assign = lambda: services.deposit_act(  # noqa: E731
        deposit=deposit, action="assign", actor=moderator, assignee=admin.username, seen_status="submitted"
    )
    claim = lambda: services.deposit_act(  # noqa: E731
        deposit=deposit, action="claim", actor=colleague, seen_status="submitted"
    )

    outcomes = race(deposit.pk, assign, claim)

    assert sum(isinstance(o, Deposit) for o in outcomes) == 1, outcomes
    deposit.refresh_from_db()
    assert deposit.reviewer in (admin, colleague)
    assert deposit.events.filter(action__in=["assign", "claim"]).count() == 1
