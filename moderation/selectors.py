"""The moderation queue: the deposits of the communities a user moderates, by tab (waiting, in
review by me or by others, back with the depositor, recently decided), filtered, with their wait
against the service level and the actions a moderator can take from the queue.

Everything here runs a fixed number of queries whatever the number of deposits: the tab counts and
the service-level summary are one aggregate, a page of rows is one query (the total size of the
files and the resource type are computed by the database), and the colleagues a deposit can be
assigned to are read for all the user's communities at once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BigIntegerField,
    Count,
    DateTimeField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from accounts.models import Community
from accounts.selectors import communities_moderated_by
from deposit import policy
from deposit.models import Deposit, DepositEvent, DepositFile
from deposit.wizard import RESOURCE_TYPES
from deposit.workflow import TRANSITIONS, Action, Role, Status
from repository.metadata import ResourceTypeGeneral

from . import sla

DECIDED_STATUSES = (Status.approved, Status.published, Status.rejected)
# The moderator's side of the lifecycle: the service-level clock runs in these statuses.
TIMED_STATUSES = (Status.submitted, Status.in_review)
DECIDED_WITHIN = timedelta(days=30)
PAGE_SIZE = 50
# The actions offered on a queue row (decisions are taken on the review page).
ROW_ACTIONS = (Action.claim, Action.release, Action.assign)


class Tab:
    waiting = "waiting"
    mine = "mine"
    others = "others"
    changes = "changes"
    decided = "decided"
    # Every deposit still on its way (the first four tabs together): the API's default.
    open = "open"


TABS = (
    (Tab.waiting, _("Waiting")),
    (Tab.mine, _("In review — mine")),
    (Tab.others, _("In review — others'")),
    (Tab.changes, _("Changes requested")),
    (Tab.decided, _("Recently decided")),
)
TAB_VALUES = tuple(value for value, _label in TABS)

# Binary units, as the pages print sizes (filesizeformat).
MB, GB = 2**20, 2**30
# Total size of a deposit's files: (lower bound included, upper bound excluded), in bytes.
SIZE_RANGES = {
    "under-10mb": (None, 10 * MB),
    "10mb-1gb": (10 * MB, GB),
    "1gb-10gb": (GB, 10 * GB),
    "over-10gb": (10 * GB, None),
}
SIZE_CHOICES = (
    ("under-10mb", _("under 10 MB")),
    ("10mb-1gb", _("10 MB to 1 GB")),
    ("1gb-10gb", _("1 GB to 10 GB")),
    ("over-10gb", _("over 10 GB")),
)
# Waiting since the current round's submission, in working days; `overdue` is the target's reach.
WAITING_DAYS = {"over-1": 1, "over-2": 2, "over-5": 5, "over-10": 10}
WAITING_CHOICES = (
    ("over-1", _("more than 1 working day")),
    ("over-2", _("more than 2 working days")),
    ("over-5", _("more than 5 working days")),
    ("over-10", _("more than 10 working days")),
    ("overdue", _("overdue")),
)
# The metadata's default when the depositor left it out (repository.metadata.ResourceType).
DEFAULT_RESOURCE_TYPE = "Dataset"
RESOURCE_TYPE_VALUES = frozenset(t.value for t in ResourceTypeGeneral)


def resource_type_choices() -> list[tuple[str, str]]:
    """The wizard's resource types (with their labels), the ones it does not offer after them."""
    offered = dict(RESOURCE_TYPES)
    return [*RESOURCE_TYPES, *((t.value, t.value) for t in ResourceTypeGeneral if t.value not in offered)]


@dataclass(frozen=True)
class QueueFilters:
    community: str = ""  # a community's slug
    resource_type: str = ""  # DataCite resourceTypeGeneral, as in metadata.resource_type.general
    size: str = ""  # a key of SIZE_RANGES
    waiting: str = ""  # a key of WAITING_DAYS, or "overdue"

    @classmethod
    def from_query(cls, data) -> QueueFilters:
        """From a page's query string, leniently: a value the page does not offer is ignored."""
        size = data.get("size", "")
        waiting = data.get("waiting", "")
        resource_type = data.get("resource_type", "")
        return cls(
            community=data.get("community", "").strip(),
            resource_type=resource_type if resource_type in RESOURCE_TYPE_VALUES else "",
            size=size if size in SIZE_RANGES else "",
            waiting=waiting if waiting in WAITING_DAYS or waiting == "overdue" else "",
        )

    @property
    def active(self) -> bool:
        return any((self.community, self.resource_type, self.size, self.waiting))

    def as_q(self, *, now: datetime) -> Q:
        """On a queryset annotated by `_annotated`."""
        q = Q()
        if self.community:
            q &= Q(community__slug=self.community)
        if self.resource_type:
            q &= Q(resource_type=self.resource_type)
        if self.size:
            low, high = SIZE_RANGES[self.size]
            if low is not None:
                q &= Q(total_size__gte=low)
            if high is not None:
                q &= Q(total_size__lt=high)
        if self.waiting == "overdue":
            q &= Q(status__in=TIMED_STATUSES, submitted_at__lte=sla.overdue_cutoff(now=now))
        elif self.waiting:
            q &= Q(submitted_at__lt=sla.submitted_more_than(WAITING_DAYS[self.waiting], now=now))
        return q


def tab_q(tab: str, user, *, now: datetime) -> Q:
    """Which deposits a tab holds. A deposit resubmitted to the moderator of its previous round is
    theirs ("mine", to claim again) and the others see it as taken, until it is released."""
    if tab == Tab.waiting:
        return Q(status=Status.submitted, reviewer__isnull=True)
    if tab == Tab.mine:
        return Q(status__in=TIMED_STATUSES, reviewer=user)
    if tab == Tab.others:
        return Q(status__in=TIMED_STATUSES, reviewer__isnull=False) & ~Q(reviewer=user)
    if tab == Tab.changes:
        # Sent back for changes, or taken back to a draft by the depositor to rework it.
        return Q(status=Status.changes_requested) | Q(status=Status.draft, round__gt=0)
    if tab == Tab.decided:
        return Q(status__in=DECIDED_STATUSES, decided_at__gte=now - DECIDED_WITHIN)
    if tab == Tab.open:
        return (
            tab_q(Tab.waiting, user, now=now)
            | Q(status__in=TIMED_STATUSES, reviewer__isnull=False)
            | tab_q(Tab.changes, user, now=now)
        )
    raise ValueError(tab)


def own_q(user, prefix: str = "") -> Q:
    """The deposits `user` owns or co-deposits (`prefix`: the path to the deposit, e.g. "deposits__"):
    in their queue but not theirs to moderate (deposit.policy.may_moderate)."""
    return policy.own_q(user, prefix)


def _latest_event(*actions: str, value: str = "created") -> Subquery:
    events = DepositEvent.objects.filter(deposit=OuterRef("pk"), action__in=actions).order_by("-created", "-pk")
    return Subquery(events.values(value)[:1])


def _annotated(communities: list[Community]) -> QuerySet[Deposit]:
    """The deposits of the communities, with what the queue shows and filters on."""
    sizes = (
        DepositFile.objects.filter(deposit=OuterRef("pk"))
        .order_by()
        .values("deposit")
        .annotate(total=Sum("size"))
        .values("total")
    )
    return Deposit.objects.filter(community_id__in=[c.pk for c in communities]).annotate(
        total_size=Coalesce(Subquery(sizes, output_field=BigIntegerField()), Value(0)),
        resource_type=Coalesce(
            NullIf(KT("metadata__resource_type__general"), Value(""), output_field=TextField()),
            Value(DEFAULT_RESOURCE_TYPE),
            output_field=TextField(),
        ),
        decided_at=_latest_event(Action.approve, Action.reject, value="created"),
    )


def _ordered(queryset: QuerySet[Deposit], tab: str) -> QuerySet[Deposit]:
    """Longest wait first; the decided, latest decision first."""
    if tab == Tab.decided:
        return queryset.annotate(decision_id=_latest_event(Action.approve, Action.reject, value="pk")).order_by(
            "-decided_at", "-pk"
        )
    if tab == Tab.changes:
        returned = _latest_event(Action.request_changes, value="created")
        return queryset.annotate(returned_at=Coalesce(returned, "submitted_at", output_field=DateTimeField())).order_by(
            "returned_at", "pk"
        )
    return queryset.order_by("submitted_at", "pk")


# --- Counts -------------------------------------------------------------------------------------


@dataclass
class Counts:
    tabs: dict[str, int]
    overdue: int  # awaiting a decision (waiting or in review) past the target, under the filters
    due_soon: int  # within the last fifth of the target
    to_do: int  # waiting + mine, without filters: the navigation's count


def queue_counts(user, *, communities: list[Community], filters: QueueFilters, now: datetime) -> Counts:
    """Every tab's count and the service-level summary, in one query."""
    filtered = filters.as_q(now=now)
    timed = Q(status__in=TIMED_STATUSES)
    overdue_cutoff = sla.overdue_cutoff(now=now)
    aggregates = {tab: Count("pk", filter=tab_q(tab, user, now=now) & filtered) for tab in TAB_VALUES}
    aggregates["overdue"] = Count("pk", filter=timed & Q(submitted_at__lte=overdue_cutoff) & filtered)
    aggregates["due_soon"] = Count(
        "pk",
        filter=timed & Q(submitted_at__gt=overdue_cutoff, submitted_at__lte=sla.due_soon_cutoff(now=now)) & filtered,
    )
    aggregates["to_do"] = Count(
        "pk", filter=(tab_q(Tab.waiting, user, now=now) | tab_q(Tab.mine, user, now=now)) & ~own_q(user)
    )
    values = _annotated(communities).aggregate(**aggregates)
    return Counts(
        tabs={tab: values[tab] for tab in TAB_VALUES},
        overdue=values["overdue"],
        due_soon=values["due_soon"],
        to_do=values["to_do"],
    )


def queue_nav_count(user) -> int:
    """What waits for the user in the navigation: unclaimed deposits of their communities and the
    ones in their own review. One query."""
    return queue_nav_summary(user)[1]


def queue_nav_summary(user) -> tuple[bool, int]:
    """Whether the user moderates a community, and the navigation's count, in one query: every
    page asks both. Their own deposits are not counted: another moderator decides on them."""
    if not user.is_authenticated:
        return False, 0
    to_do = (
        Q(deposits__status=Status.submitted, deposits__reviewer__isnull=True)
        | Q(deposits__status__in=TIMED_STATUSES, deposits__reviewer=user)
    ) & ~own_q(user, prefix="deposits__")
    values = Community.objects.filter(pk__in=communities_moderated_by(user).values("pk")).aggregate(
        communities=Count("pk", distinct=True), to_do=Count("deposits", filter=to_do)
    )
    return bool(values["communities"]), values["to_do"]


# --- Rows ---------------------------------------------------------------------------------------


@dataclass
class QueueRow:
    deposit: Deposit
    waiting: sla.Waiting | None  # None once with the depositor or decided
    actions: list[str] = field(default_factory=list)  # claim, release, assign (what the table allows)
    colleagues: list = field(default_factory=list)  # whom it can be assigned to
    returned_to_me: bool = False  # resubmitted to the moderator of its previous round
    returned_at: datetime | None = None  # changes requested on
    decision: DepositEvent | None = None  # approval or rejection
    yours: bool = False  # the user deposited or co-deposits it: another moderator decides
    administrator_decides: bool = False  # every moderator of its community is one of its depositors

    @property
    def total_size(self) -> int:
        return self.deposit.total_size

    @property
    def resource_type(self) -> str:
        return self.deposit.resource_type

    @property
    def resource_type_label(self) -> str:
        return str(dict(resource_type_choices()).get(self.resource_type, self.resource_type))


def queue_rows(
    user,
    *,
    communities: list[Community],
    tab: str,
    filters: QueueFilters,
    now: datetime,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    with_colleagues: bool = True,
) -> list[QueueRow]:
    """One page of a tab: one query for the deposits, one for their co-depositors, two or three for
    the community's moderators, one for the decisions of the decided tab."""
    queryset = (
        _annotated(communities)
        .filter(tab_q(tab, user, now=now), filters.as_q(now=now))
        .select_related("owner", "community", "reviewer", "pid")
        .defer("metadata")
    )
    deposits = list(_ordered(queryset, tab)[offset : offset + limit])
    editors = policy.editors_by_deposit(deposits)
    moderators = moderators_by_community(sorted({d.community_id for d in deposits})) if deposits else {}
    decisions = {}
    if tab == Tab.decided and deposits:
        ids = [d.decision_id for d in deposits if d.decision_id]
        decisions = {e.pk: e for e in DepositEvent.objects.filter(pk__in=ids).select_related("actor")}
    target = sla.target_days()
    rows = []
    for deposit in deposits:
        timed = deposit.status in TIMED_STATUSES
        yours = user.pk in editors[deposit.pk]
        # Who may moderate it, as deposit.policy.may_moderate decides: its community's moderators
        # less its depositors (administrators, who moderate everything, are listed where granted).
        deciders = [u for u in moderators.get(deposit.community_id, []) if u.pk not in editors[deposit.pk]]
        actions = [] if yours else _row_actions(deposit, user)
        rows.append(
            QueueRow(
                deposit=deposit,
                waiting=sla.waiting(deposit.submitted_at, now=now, target=target) if timed else None,
                actions=actions,
                colleagues=[u for u in deciders if u.pk != user.pk]
                if with_colleagues and Action.assign in actions
                else [],
                returned_to_me=deposit.status == Status.submitted and deposit.reviewer_id == user.pk,
                returned_at=getattr(deposit, "returned_at", None),
                decision=decisions.get(getattr(deposit, "decision_id", None)),
                yours=yours,
                administrator_decides=timed and not deciders,
            )
        )
    return rows


def _row_actions(deposit: Deposit, user) -> list[str]:
    """The queue's actions the transitions table allows here, on a deposit that is not the user's.
    The user moderates the deposit's community (it is in their queue); they act as its reviewer
    when it is unclaimed or theirs (administrators always), as deposit.policy.roles_of decides, without a
    query per row."""
    if not policy.may_take_claim(deposit, user):
        return []
    return [
        t.action.value
        for t in TRANSITIONS
        if t.source == deposit.status and t.role is Role.reviewer and t.action in ROW_ACTIONS
    ]


def moderators_by_community(community_ids: list[int]) -> dict[int, list]:
    """The active moderators of each community (guardian object permissions held directly or
    through a group), sorted by name: two queries, three when a group holds the permission.
    Administrators moderate everything but are listed only where they were granted the community,
    as accounts.selectors.community_moderators does."""
    if not community_ids:
        return {}
    granted = {
        "permission__content_type": ContentType.objects.get_for_model(Community),
        "permission__codename": "moderate_community",
        "object_pk__in": [str(pk) for pk in community_ids],
    }
    by_community: dict[int, dict[int, object]] = defaultdict(dict)
    direct = get_user_obj_perms_model(Community).objects.filter(**granted, user__is_active=True).select_related("user")
    for perm in direct:
        by_community[int(perm.object_pk)][perm.user_id] = perm.user
    communities_of_group: dict[int, list[int]] = defaultdict(list)
    for object_pk, group_id in (
        get_group_obj_perms_model(Community).objects.filter(**granted).values_list("object_pk", "group_id")
    ):
        communities_of_group[group_id].append(int(object_pk))
    if communities_of_group:
        memberships = (
            get_user_model()
            .groups.through.objects.filter(group_id__in=communities_of_group, user__is_active=True)
            .select_related("user")
        )
        for membership in memberships:
            for pk in communities_of_group[membership.group_id]:
                by_community[pk][membership.user_id] = membership.user
    return {pk: sorted(users.values(), key=lambda u: u.name.lower()) for pk, users in by_community.items()}
