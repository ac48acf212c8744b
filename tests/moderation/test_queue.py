"""The moderation queue: its tabs, filters and service level (working days), the claim / release /
assign forms on its rows, who sees what, the count in the navigation, and a bounded number of
queries whatever the number of deposits. Time is frozen by passing `now` to the selectors and the
service-level functions, not by mocking the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from deposit.models import Deposit, DepositEvent, DepositFile
from deposit.workflow import Status
from moderation import selectors, sla
from moderation.selectors import QueueFilters, Tab
from tests.factories import complete_metadata, deposit_with_file

UTC = UTC
QUEUE = reverse("moderation:queue")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# A Friday evening, and the days after it (2025-03-07 is a Friday).
FRIDAY_EVENING = at("2025-03-07T18:00")


def make(
    owner,
    community,
    *,
    status=Status.submitted,
    reviewer=None,
    submitted_at=None,
    title="A deposit",
    size=0,
    resource_type="Dataset",
    review_round=1,
) -> Deposit:
    metadata = {"resource_type": {"general": resource_type}} if resource_type else {}
    deposit = Deposit.objects.create(
        owner=owner,
        community=community,
        status=status,
        reviewer=reviewer,
        title=title,
        metadata=metadata,
        submitted_at=submitted_at or timezone.now(),
        round=review_round,
    )
    if size:
        # two files, so that the total is a sum
        for i, part in enumerate((size // 2, size - size // 2)):
            DepositFile.objects.create(
                deposit=deposit, name=f"f{i}.csv", size=part, state="ready", storage_key=f"q/{deposit.pk}/{i}"
            )
    return deposit


def decide(deposit, actor, *, action="approve", when=None):
    status = {"approve": Status.approved, "reject": Status.rejected}[action]
    event = DepositEvent.objects.create(
        deposit=deposit, action=action, from_status=Status.in_review, to_status=status, actor=actor
    )
    if when:
        DepositEvent.objects.filter(pk=event.pk).update(created=when)
    Deposit.objects.filter(pk=deposit.pk).update(status=status)
    return event


def ids(rows) -> set[int]:
    return {row.deposit.pk for row in rows}


# QueueFilters is frozen: one instance serves as every default.
NO_FILTERS = QueueFilters()


def rows_of(user, tab, *, filters=NO_FILTERS, now=None):
    from accounts.selectors import communities_moderated_by

    return selectors.queue_rows(
        user, communities=list(communities_moderated_by(user)), tab=tab, filters=filters, now=now or timezone.now()
    )


def counts_of(user, *, filters=NO_FILTERS, now=None):
    from accounts.selectors import communities_moderated_by

    return selectors.queue_counts(
        user, communities=list(communities_moderated_by(user)), filters=filters, now=now or timezone.now()
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


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


# --- Working days and the service level ---------------------------------------------------------


def test_a_deposit_submitted_on_friday_evening_waits_only_on_working_days():
    assert sla.working_days_between(FRIDAY_EVENING, at("2025-03-08T12:00")) == 0.25  # Saturday
    assert sla.working_days_between(FRIDAY_EVENING, at("2025-03-10T00:00")) == 0.25  # the weekend is skipped
    assert sla.working_days_between(FRIDAY_EVENING, at("2025-03-10T18:00")) == 1.0  # Monday evening
    assert sla.working_days_between(FRIDAY_EVENING, at("2025-03-14T18:00")) == 5.0  # next Friday evening
    assert sla.working_days_between(FRIDAY_EVENING, at("2025-03-21T18:00")) == 10.0


def test_a_deposit_submitted_on_a_weekend_starts_waiting_on_monday():
    saturday = at("2025-03-08T10:00")
    assert sla.working_days_between(saturday, at("2025-03-09T23:00")) == 0
    assert sla.working_days_between(saturday, at("2025-03-10T12:00")) == 0.5


@pytest.mark.parametrize(
    ("now", "days", "label", "level"),
    [
        ("2025-03-10T17:00", 23 / 24, "less than a working day", "on_time"),
        ("2025-03-12T18:00", 3.0, "3 working days", "on_time"),
        ("2025-03-13T18:00", 4.0, "4 working days", "due_soon"),  # 80 % of five days
        ("2025-03-14T17:59", 5 - 1 / 1440, "4 working days", "due_soon"),
        ("2025-03-14T18:00", 5.0, "5 working days", "overdue"),
        ("2025-03-17T09:00", 5 + 6 / 24 + 9 / 24, "5 working days", "overdue"),
    ],
)
def test_the_wait_is_shown_in_working_days_against_the_target(settings, now, days, label, level):
    settings.MODERATION_SLA_WORKING_DAYS = 5
    wait = sla.waiting(FRIDAY_EVENING, now=at(now))
    assert wait.days == pytest.approx(days)
    assert (wait.label, wait.level) == (label, level)
    assert wait.due_at == at("2025-03-14T18:00")  # five working days after Friday evening


def test_the_target_comes_from_settings(settings):
    settings.MODERATION_SLA_WORKING_DAYS = 2
    wait = sla.waiting(FRIDAY_EVENING, now=at("2025-03-11T18:00"))
    assert (wait.target, wait.level, wait.due_at) == (2, "overdue", at("2025-03-11T18:00"))


def test_a_deadline_falling_on_friday_midnight_is_not_pushed_to_monday():
    assert sla.add_working_days(at("2025-03-10T00:00"), 5) == at("2025-03-15T00:00")  # Friday's end
    assert sla.add_working_days(FRIDAY_EVENING, 0.25) == at("2025-03-08T00:00")
    assert sla.add_working_days(at("2025-03-08T10:00"), 1) == at("2025-03-11T00:00")  # from a Saturday


def test_the_cut_off_dates_asked_of_the_database_agree_with_the_wait_of_each_deposit(settings):
    """Every hour of two weeks, seen from a Monday morning and from a Sunday: the filters and the
    overdue count (cut-off dates) say what the waits computed one by one say."""
    settings.MODERATION_SLA_WORKING_DAYS = 5
    for now in (at("2025-03-24T09:30"), at("2025-03-23T15:00")):
        overdue = sla.overdue_cutoff(now=now)
        due_soon = sla.due_soon_cutoff(now=now)
        more_than_2 = sla.submitted_more_than(2, now=now)
        for hour in range(24 * 16):
            submitted = now - timedelta(hours=hour)
            wait = sla.waiting(submitted, now=now)
            assert (submitted <= overdue) is (wait.level == "overdue"), submitted
            assert (submitted <= due_soon) is (wait.level in ("due_soon", "overdue")), submitted
            assert (submitted < more_than_2) is (wait.days > 2), submitted


# --- Tabs ---------------------------------------------------------------------------------------


@pytest.fixture
def queue_world(depositor, moderator, colleague, other_moderator, communities):
    ocean, atmosphere = communities["ocean"], communities["atmosphere"]
    now = timezone.now()
    world = {
        "waiting": make(depositor, ocean, title="Waiting"),
        "mine": make(depositor, ocean, status=Status.in_review, reviewer=moderator, title="Mine"),
        "returned_to_me": make(depositor, ocean, reviewer=moderator, title="Returned to me", review_round=2),
        "colleagues": make(depositor, ocean, status=Status.in_review, reviewer=colleague, title="Colleague's"),
        "returned_to_colleague": make(
            depositor, ocean, reviewer=colleague, title="Returned to colleague", review_round=2
        ),
        "changes": make(depositor, ocean, status=Status.changes_requested, reviewer=moderator, title="Changes"),
        "back_to_draft": make(depositor, ocean, status=Status.draft, title="Back to draft", review_round=1),
        "draft": make(depositor, ocean, status=Status.draft, title="Never submitted", review_round=0),
        "approved": make(depositor, ocean, status=Status.in_review, reviewer=moderator, title="Approved"),
        "rejected": make(depositor, ocean, status=Status.in_review, reviewer=colleague, title="Rejected"),
        "long_ago": make(depositor, ocean, status=Status.in_review, reviewer=moderator, title="Long ago"),
        "atmosphere": make(depositor, atmosphere, title="Atmosphere"),
    }
    decide(world["approved"], moderator, when=now - timedelta(days=2))
    decide(world["rejected"], colleague, action="reject", when=now - timedelta(days=29))
    decide(world["long_ago"], moderator, when=now - timedelta(days=31))
    return world


@pytest.mark.parametrize(
    ("tab", "expected"),
    [
        (Tab.waiting, {"waiting"}),
        (Tab.mine, {"mine", "returned_to_me"}),
        (Tab.others, {"colleagues", "returned_to_colleague"}),
        (Tab.changes, {"changes", "back_to_draft"}),
        (Tab.decided, {"approved", "rejected"}),
        (
            Tab.open,
            {"waiting", "mine", "returned_to_me", "colleagues", "returned_to_colleague", "changes", "back_to_draft"},
        ),
    ],
)
def test_each_tab_holds_its_deposits(queue_world, moderator, tab, expected):
    assert ids(rows_of(moderator, tab)) == {queue_world[name].pk for name in expected}


def test_each_tab_has_its_count_and_the_navigation_counts_waiting_and_mine(queue_world, moderator):
    counts = counts_of(moderator)
    assert counts.tabs == {"waiting": 1, "mine": 2, "others": 2, "changes": 2, "decided": 2}
    assert counts.to_do == 3 == selectors.queue_nav_count(moderator)


def test_a_colleague_sees_the_same_deposits_from_the_other_side(queue_world, colleague):
    assert ids(rows_of(colleague, Tab.mine)) == {queue_world["colleagues"].pk, queue_world["returned_to_colleague"].pk}
    assert ids(rows_of(colleague, Tab.others)) == {queue_world["mine"].pk, queue_world["returned_to_me"].pk}


def test_a_moderator_of_another_community_sees_none_of_these_deposits(queue_world, other_moderator):
    for tab in (*selectors.TAB_VALUES, Tab.open):
        names = {row.deposit.title for row in rows_of(other_moderator, tab)}
        assert names == ({"Atmosphere"} if tab in (Tab.waiting, Tab.open) else set()), tab
    # a filter naming a community they do not moderate gives nothing, not that community's deposits
    assert rows_of(other_moderator, Tab.waiting, filters=QueueFilters(community="ocean")) == []
    assert selectors.queue_nav_count(other_moderator) == 1


def test_an_administrator_sees_every_community(queue_world, admin):
    assert ids(rows_of(admin, Tab.waiting)) == {queue_world["waiting"].pk, queue_world["atmosphere"].pk}


def test_rows_offer_the_actions_the_transitions_table_allows(queue_world, moderator, colleague):
    by_title = {row.deposit.title: row for row in rows_of(moderator, Tab.open)}
    assert by_title["Waiting"].actions == ["claim", "assign"]
    assert by_title["Returned to me"].actions == ["claim", "assign"]
    assert by_title["Returned to me"].returned_to_me
    assert by_title["Mine"].actions == ["release", "assign"]
    assert by_title["Colleague's"].actions == []  # taken: only its reviewer (or an administrator) acts
    assert by_title["Changes"].actions == []
    assert [u.username for u in by_title["Waiting"].colleagues] == ["colleague"]  # not me, not other communities
    assert by_title["Colleague's"].colleagues == []


def test_the_queue_is_sorted_by_waiting_time_longest_first(depositor, moderator, communities):
    now = timezone.now()
    newer = make(depositor, communities["ocean"], submitted_at=now - timedelta(days=1))
    older = make(depositor, communities["ocean"], submitted_at=now - timedelta(days=9))
    middle = make(depositor, communities["ocean"], submitted_at=now - timedelta(days=4))
    assert [row.deposit.pk for row in rows_of(moderator, Tab.waiting)] == [older.pk, middle.pk, newer.pk]


def test_recently_decided_shows_the_decision_latest_first(queue_world, moderator):
    rows = rows_of(moderator, Tab.decided)
    assert [row.deposit.title for row in rows] == ["Approved", "Rejected"]
    assert [(row.decision.action, row.decision.actor.username) for row in rows] == [
        ("approve", "moderator"),
        ("reject", "colleague"),
    ]
    assert all(row.waiting is None and row.actions == [] for row in rows)


# --- Filters ------------------------------------------------------------------------------------


def test_the_community_filter_keeps_one_of_my_communities(depositor, moderator, communities):
    from accounts.services import moderator_grant

    moderator_grant(user=moderator, community=communities["atmosphere"])
    ocean = make(depositor, communities["ocean"])
    air = make(depositor, communities["atmosphere"])
    assert ids(rows_of(moderator, Tab.waiting)) == {ocean.pk, air.pk}
    assert ids(rows_of(moderator, Tab.waiting, filters=QueueFilters(community="atmosphere"))) == {air.pk}
    assert counts_of(moderator, filters=QueueFilters(community="atmosphere")).tabs["waiting"] == 1


def test_the_resource_type_filter_reads_the_metadata_and_its_default(depositor, moderator, communities):
    ocean = communities["ocean"]
    dataset = make(depositor, ocean, resource_type="Dataset")
    unspecified = make(depositor, ocean, resource_type="")  # the metadata's default: Dataset
    software = make(depositor, ocean, resource_type="Software")
    assert ids(rows_of(moderator, Tab.waiting, filters=QueueFilters(resource_type="Dataset"))) == {
        dataset.pk,
        unspecified.pk,
    }
    [row] = rows_of(moderator, Tab.waiting, filters=QueueFilters(resource_type="Software"))
    assert (row.deposit.pk, row.resource_type) == (software.pk, "Software")


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ("under-10mb", {"empty", "small"}),
        ("10mb-1gb", {"medium"}),
        ("1gb-10gb", set()),
        ("over-10gb", {"large"}),
    ],
)
def test_the_size_filter_sums_the_files_of_each_deposit(depositor, moderator, communities, size, expected):
    ocean = communities["ocean"]
    made = {
        "empty": make(depositor, ocean),
        "small": make(depositor, ocean, size=10 * 2**20 - 1),
        "medium": make(depositor, ocean, size=10 * 2**20),
        "large": make(depositor, ocean, size=60 * 2**30),
    }
    rows = rows_of(moderator, Tab.waiting, filters=QueueFilters(size=size))
    assert ids(rows) == {made[name].pk for name in expected}
    assert {row.deposit.pk: row.total_size for row in rows_of(moderator, Tab.waiting)}[made["large"].pk] == 60 * 2**30


def test_the_waiting_filter_and_the_overdue_summary_count_working_days(settings, depositor, moderator, communities):
    settings.MODERATION_SLA_WORKING_DAYS = 5
    ocean = communities["ocean"]
    now = at("2025-03-17T12:00")  # a Monday
    made = {
        "friday_evening": make(depositor, ocean, submitted_at=FRIDAY_EVENING),  # 5.75 working days: overdue
        "monday_before": make(depositor, ocean, submitted_at=at("2025-03-10T12:00")),  # 5: overdue
        "wednesday": make(depositor, ocean, submitted_at=at("2025-03-12T12:00")),  # 3: on time
        "tuesday": make(
            depositor, ocean, submitted_at=at("2025-03-11T00:00"), status=Status.in_review, reviewer=moderator
        ),  # 4.5: due soon
        "friday": make(depositor, ocean, submitted_at=at("2025-03-14T09:00")),  # 1.125
        "changes": make(depositor, ocean, submitted_at=at("2025-02-03T09:00"), status=Status.changes_requested),
    }
    over_2 = rows_of(moderator, Tab.open, filters=QueueFilters(waiting="over-2"), now=now)
    assert ids(over_2) - {made["changes"].pk} == {
        made[n].pk for n in ("friday_evening", "monday_before", "wednesday", "tuesday")
    }
    over_5 = rows_of(moderator, Tab.open, filters=QueueFilters(waiting="over-5"), now=now)
    assert ids(over_5) - {made["changes"].pk} == {made["friday_evening"].pk}  # strictly more than five
    overdue = rows_of(moderator, Tab.open, filters=QueueFilters(waiting="overdue"), now=now)
    assert ids(overdue) == {made["friday_evening"].pk, made["monday_before"].pk}  # the clock stops with the depositor
    counts = counts_of(moderator, now=now)
    assert (counts.overdue, counts.due_soon) == (2, 1)
    levels = {
        row.deposit.pk: (row.waiting.label, row.waiting.level) for row in rows_of(moderator, Tab.waiting, now=now)
    }
    assert levels[made["friday_evening"].pk] == ("5 working days", "overdue")
    assert levels[made["wednesday"].pk] == ("3 working days", "on_time")
    assert counts_of(moderator, now=now, filters=QueueFilters(waiting="over-2")).tabs["waiting"] == 3


def test_filters_from_a_query_string_ignore_values_the_page_does_not_offer():
    filters = QueueFilters.from_query(
        {"size": "huge", "waiting": "over-3", "resource_type": "Cake", "community": "ocean"}
    )
    assert filters == QueueFilters(community="ocean")


# --- The page -----------------------------------------------------------------------------------


def test_the_page_shows_tabs_with_counts_and_each_row_against_the_service_level(
    client, settings, depositor, moderator, communities
):
    settings.MODERATION_SLA_WORKING_DAYS = 5
    ocean = communities["ocean"]
    now = timezone.now()
    late = make(depositor, ocean, title="Late one", submitted_at=sla.submitted_at_least(6, now=now), size=2 * 2**20)
    make(depositor, ocean, title="Fresh one")
    make(depositor, ocean, title="Mine", status=Status.in_review, reviewer=moderator)
    client.force_login(moderator)
    page = client.get(QUEUE).content.decode()
    assert "Late one" in page and "Fresh one" in page and "Mine" not in page.split("<tbody>")[1]
    assert reverse("moderation:review", args=[late.pk]) in page
    assert 'aria-current="page">Waiting <span class="tab-count">2</span>' in page
    assert 'In review — mine <span class="tab-count">1</span>' in page
    assert "6 working days" in page and "overdue" in page and "on time" in page
    assert "1 overdue" in page
    assert "2.0\xa0MB" in page
    assert "public holidays are not taken into account" in page
    assert page.index("Late one") < page.index("Fresh one")  # longest wait first
    mine = client.get(QUEUE, {"tab": "mine"}).content.decode()
    assert "Mine" in mine.split("<tbody>")[1] and "Late one" not in mine


def test_the_page_filters_and_keeps_the_filters_in_the_tab_links(client, depositor, moderator, communities):
    ocean = communities["ocean"]
    make(depositor, ocean, title="Small one", size=1000)
    make(depositor, ocean, title="Big one", size=20 * 2**30)
    client.force_login(moderator)
    page = client.get(QUEUE, {"size": "over-10gb"}).content.decode()
    assert "Big one" in page and "Small one" not in page
    assert "?size=over-10gb&amp;tab=mine" in page or "?tab=mine&amp;size=over-10gb" in page
    assert '<option value="over-10gb" selected>' in page
    assert "Clear the filters" in page


def test_the_page_paginates_fifty_rows_at_a_time(client, depositor, moderator, communities):
    ocean = communities["ocean"]
    start = timezone.now() - timedelta(days=100)
    for i in range(selectors.PAGE_SIZE + 3):
        make(depositor, ocean, title=f"Deposit {i:03}", submitted_at=start + timedelta(hours=i))
    client.force_login(moderator)
    first = client.get(QUEUE).content.decode()
    assert "Deposit 049" in first and "Deposit 050" not in first
    assert "Page 1 of 2" in first
    second = client.get(QUEUE, {"page": 2}).content.decode()
    assert "Deposit 050" in second and "Deposit 052" in second and "Deposit 049" not in second
    assert client.get(QUEUE, {"page": 99}).status_code == 200  # clamped to the last page


# --- Actions from the queue ---------------------------------------------------------------------


@pytest.fixture
def submitted(depositor, communities):
    from deposit import services

    deposit = deposit_with_file(depositor, community=communities["ocean"], metadata=complete_metadata("To review"))
    services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    deposit.refresh_from_db()
    return deposit


def act(client, deposit, action, *, seen_status=None, next_url=f"{QUEUE}?tab=waiting", **extra):
    return client.post(
        reverse("deposit:act", args=[deposit.pk]),
        {"action": action, "seen_status": seen_status or deposit.status, "next": next_url, **extra},
    )


def test_claiming_from_the_queue_opens_the_review_page_with_a_message(client, submitted, moderator):
    # Issue 15: after a claim the Waiting tab no longer holds the deposit; its review page does.
    client.force_login(moderator)
    page = client.get(QUEUE).content.decode()
    review = reverse("moderation:review", args=[submitted.pk])
    assert 'name="action" value="claim"' in page and f'name="next" value="{review}"' in page
    assert f'name="seen_status" value="{Status.submitted}"' in page
    response = act(client, submitted, "claim", next_url=review)
    assert response.status_code == 302 and response.url == review
    assert "You are now reviewing this deposit." in messages_of(client.get(review))
    submitted.refresh_from_db()
    assert (submitted.status, submitted.reviewer) == (Status.in_review, moderator)
    mine = client.get(QUEUE, {"tab": "mine"}).content.decode()
    assert "To review" in mine and 'value="release"' in mine


def test_a_claim_from_a_page_out_of_date_is_refused_with_what_happened(client, submitted, moderator, colleague):
    from deposit import services

    client.force_login(moderator)
    services.deposit_act(deposit=submitted, action="claim", actor=colleague, seen_status=Status.submitted)
    response = act(client, submitted, "claim", seen_status=Status.submitted)
    assert response.url == f"{QUEUE}?tab=waiting"
    [message] = messages_of(response)
    assert "Claire Colleague acted on this deposit while you were looking at it" in message
    submitted.refresh_from_db()
    assert submitted.reviewer == colleague


def test_releasing_from_the_queue_puts_the_deposit_back_in_waiting(client, submitted, moderator):
    from deposit import services

    services.deposit_act(deposit=submitted, action="claim", actor=moderator)
    submitted.refresh_from_db()
    client.force_login(moderator)
    response = act(client, submitted, "release", next_url=f"{QUEUE}?tab=mine")
    assert response.url == f"{QUEUE}?tab=mine"
    submitted.refresh_from_db()
    assert (submitted.status, submitted.reviewer) == (Status.submitted, None)
    assert "To review" in client.get(QUEUE).content.decode()


def test_assigning_to_a_colleague_of_the_same_community(client, submitted, moderator, colleague, other_moderator):
    client.force_login(moderator)
    page = client.get(QUEUE).content.decode()
    assert '<option value="colleague">Claire Colleague</option>' in page
    assert 'value="other_moderator"' not in page and '<option value="moderator">' not in page
    response = act(client, submitted, "assign", assignee="colleague")
    assert response.url == f"{QUEUE}?tab=waiting"
    submitted.refresh_from_db()
    assert (submitted.status, submitted.reviewer) == (Status.in_review, colleague)
    assert "To review" in client.get(QUEUE, {"tab": "others"}).content.decode()


def test_assigning_to_a_moderator_of_another_community_is_refused_with_a_message(
    client, submitted, moderator, other_moderator
):
    client.force_login(moderator)
    response = act(client, submitted, "assign", assignee="other_moderator")
    assert response.url == f"{QUEUE}?tab=waiting"
    assert "A deposit can only be assigned to a moderator of its community." in messages_of(response)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.reviewer) == (Status.submitted, None)


def test_a_deposit_resubmitted_to_me_stays_mine_in_review(client, submitted, depositor, moderator, colleague):
    # Issue 15: the deposit returns to its moderator still claimed (it used to wait, unclaimed, for
    # them to claim it again).
    from deposit import services

    services.deposit_act(deposit=submitted, action="claim", actor=moderator)
    services.deposit_act(deposit=submitted, action="request_changes", actor=moderator, note="Dates, please.")
    services.deposit_act(deposit=submitted, action="resubmit", actor=depositor)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.reviewer) == (Status.in_review, moderator)
    client.force_login(moderator)
    mine = client.get(QUEUE, {"tab": "mine"}).content.decode()
    assert submitted.title in mine and 'value="claim"' not in mine
    assert "round 2" in mine
    client.force_login(colleague)
    others = client.get(QUEUE, {"tab": "others"}).content.decode()
    assert submitted.title in others and 'value="claim"' not in others
    assert submitted.title not in client.get(QUEUE).content.decode()


# --- Who sees the queue -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("depositor", 403),
        ("other_depositor", 403),
        ("moderator", 200),
        ("other_moderator", 200),
        ("admin", 200),
    ],
)
def test_the_queue_page_answers_each_role(client, request, submitted, role, expected):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    for tab in selectors.TAB_VALUES:
        response = client.get(QUEUE, {"tab": tab})
        assert response.status_code == expected
        if expected == 200:
            sees = role in ("moderator", "admin") and tab == "waiting"
            assert ("To review" in response.content.decode()) is sees, tab


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("depositor", 403),
        ("other_depositor", 403),
        ("moderator", 200),
        ("other_moderator", 200),
        ("admin", 200),
    ],
)
def test_the_queue_endpoint_answers_each_role(api_client, request, submitted, role, expected):
    response = api_client(request.getfixturevalue(role)).get("/api/moderation/queue")
    assert response.status_code == expected
    if expected == 200:
        assert ([i["id"] for i in response.json()] == [submitted.pk]) is (role in ("moderator", "admin"))
    else:
        assert response.json()["code"] == "PermissionDenied"


def test_the_queue_endpoint_needs_a_token(api_client):
    assert api_client(None).get("/api/moderation/queue").status_code == 401


# --- The API ------------------------------------------------------------------------------------


def test_the_queue_endpoint_gives_tabs_filters_and_the_service_level(
    api_client, settings, depositor, moderator, communities
):
    settings.MODERATION_SLA_WORKING_DAYS = 5
    ocean = communities["ocean"]
    now = timezone.now()
    late = make(
        depositor,
        ocean,
        title="Late",
        submitted_at=sla.submitted_at_least(5.5, now=now),
        size=3000,
        resource_type="Software",
    )
    mine = make(depositor, ocean, title="Mine", status=Status.in_review, reviewer=moderator)
    changes = make(depositor, ocean, title="Changes", status=Status.changes_requested, reviewer=moderator)
    client = api_client(moderator)

    everything = client.get("/api/moderation/queue")
    assert [i["id"] for i in everything.json()] == [late.pk, mine.pk, changes.pk]
    assert everything["X-Total-Count"] == "3"
    [item] = client.get("/api/moderation/queue", {"tab": "waiting"}).json()
    assert item["id"] == late.pk
    assert item["waiting_working_days"] == pytest.approx(5.5, abs=0.01)
    assert (item["sla"], item["total_size"], item["resource_type"], item["reviewer"]) == (
        "overdue",
        3000,
        "Software",
        None,
    )
    assert item["allowed_actions"] == ["claim", "assign"]
    assert item["sla_due_at"] is not None and item["doi"] is None and item["owner"] == "depositor"
    [item] = client.get("/api/moderation/queue", {"tab": "mine"}).json()
    assert (item["id"], item["reviewer"], item["sla"]) == (mine.pk, "moderator", "on_time")
    [item] = client.get("/api/moderation/queue", {"tab": "changes"}).json()
    assert (item["id"], item["sla"], item["waiting_working_days"]) == (changes.pk, None, None)
    assert [i["id"] for i in client.get("/api/moderation/queue", {"resource_type": "Software"}).json()] == [late.pk]
    assert [i["id"] for i in client.get("/api/moderation/queue", {"waiting": "overdue"}).json()] == [late.pk]
    assert [i["id"] for i in client.get("/api/moderation/queue", {"size": "under-10mb", "tab": "mine"}).json()] == [
        mine.pk
    ]
    bad = client.get("/api/moderation/queue", {"tab": "everything"})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "tab"


def test_the_queue_endpoint_lists_recent_decisions(api_client, depositor, moderator, communities):
    deposit = make(depositor, communities["ocean"], status=Status.in_review, reviewer=moderator, title="Done")
    event = decide(deposit, moderator)
    [item] = api_client(moderator).get("/api/moderation/queue", {"tab": "decided"}).json()
    assert (item["id"], item["status"], item["sla"]) == (deposit.pk, "approved", None)
    assert item["decided_at"].startswith(event.created.isoformat()[:19])


# --- The count in the navigation ----------------------------------------------------------------


def test_the_navigation_counts_what_waits_and_what_is_mine(client, depositor, moderator, colleague, communities):
    ocean = communities["ocean"]
    make(depositor, ocean)
    make(depositor, ocean)
    make(depositor, ocean, status=Status.in_review, reviewer=moderator)
    make(depositor, ocean, status=Status.in_review, reviewer=colleague)  # a colleague's: not counted
    make(depositor, communities["atmosphere"])  # another community: not counted
    client.force_login(moderator)
    home = client.get(reverse("deposit:list")).content.decode()
    assert 'Moderation queue <span class="nav-count">(<span aria-hidden="true">3</span>' in home
    assert "3 deposits waiting or in your review" in home
    queue = client.get(QUEUE, {"size": "over-10gb"}).content.decode()  # filters do not change it
    assert '<span aria-hidden="true">3</span>' in queue
    client.force_login(colleague)
    assert '<span aria-hidden="true">3</span>' in client.get(reverse("deposit:list")).content.decode()
    client.force_login(depositor)
    assert "nav-count" not in client.get(reverse("deposit:list")).content.decode()


def test_the_navigation_count_is_one_query_run_once_per_request(
    rf, depositor, moderator, communities, django_assert_num_queries
):
    from django.template import Context, Template

    make(depositor, communities["ocean"])
    request = rf.get("/")
    request.user = moderator
    template = Template(
        "{% load estran moderation_queue %}{% moderation_queue_count as a %}"
        "{% moderation_queue_count as b %}{% is_moderator as m %}{{ a }}/{{ b }}/{{ m }}"
    )
    with django_assert_num_queries(1):  # which answers the navigation's is_moderator too
        assert template.render(Context({"request": request})) == "1/1/True"
    request = rf.get("/")
    request.user = depositor
    with django_assert_num_queries(1):
        assert template.render(Context({"request": request})) == "0/0/False"


# --- Bounded queries ----------------------------------------------------------------------------

# Measured 8-9: session, user, communities, the counts, the rows, their co-depositors, the colleagues
# (grants to users, to groups), the decisions (decided tab); the notification bell's count; content
# types when cold.
PAGE_QUERIES = 10
# measured 8: token (and its last use), communities, rows, their co-depositors, the communities'
# moderators (two: who is yours to decide), counts
API_QUERIES = 9


def _many(n, moderator, colleague, communities):
    """n deposits of the ocean community, each with files: waiting, mine, a colleague's, resubmitted
    to me, and approved, in turn."""
    ocean = communities["ocean"]
    start = timezone.now() - timedelta(days=20)
    for i in range(n):
        owner = User.objects.create(username=f"owner{i}", display_name=f"Owner {i}")
        status, reviewer = [
            (Status.submitted, None),
            (Status.in_review, moderator),
            (Status.in_review, colleague),
            (Status.submitted, moderator),
            (Status.in_review, colleague),
        ][i % 5]
        deposit = make(
            owner,
            ocean,
            status=status,
            reviewer=reviewer,
            title=f"Deposit {i}",
            submitted_at=start + timedelta(hours=i),
            size=1000 + i,
        )
        if i % 5 == 4:
            decide(deposit, colleague)


@pytest.mark.parametrize("tab", ["waiting", "mine", "others", "changes", "decided"])
@pytest.mark.parametrize("n", [1, 60])
def test_the_queue_page_runs_a_bounded_number_of_queries(
    client, moderator, colleague, communities, django_assert_max_num_queries, n, tab
):
    _many(n, moderator, colleague, communities)
    client.force_login(moderator)
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(QUEUE, {"tab": tab})
    assert response.status_code == 200
    if tab == "waiting":
        assert response.content.decode().count('class="badge status-') == (n + 4) // 5


@pytest.mark.parametrize("n", [1, 60])
def test_the_queue_endpoint_runs_a_bounded_number_of_queries(
    api_client, moderator, colleague, communities, django_assert_max_num_queries, n
):
    _many(n, moderator, colleague, communities)
    client = api_client(moderator)
    with django_assert_max_num_queries(API_QUERIES):
        response = client.get("/api/moderation/queue")
    assert len(response.json()) == min(n - n // 5, selectors.PAGE_SIZE)  # the open ones, a page of them


@pytest.fixture
def in_french(client, settings):
    """Pages asked in French; the language the middleware activated is put back afterwards."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    yield client
    translation.activate(settings.LANGUAGE_CODE)


def test_the_queue_speaks_french(in_french, settings, depositor, moderator, communities):
    settings.MODERATION_SLA_WORKING_DAYS = 5
    now = timezone.now()
    make(depositor, communities["ocean"], submitted_at=sla.submitted_at_least(6, now=now))
    client = in_french
    client.force_login(moderator)
    page = client.get(QUEUE).content.decode()
    assert "6 jours ouvrés" in page and "en retard" in page
    assert "En cours d’examen — par moi" in page
    assert "1 dépôt en attente ou en cours d’examen par vous" in page
