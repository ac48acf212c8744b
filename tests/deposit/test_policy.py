"""deposit.policy, the one place that decides who may do what: every predicate for every role and
the deposit states where the answer changes; the pages follow it (a co-depositor is offered a new
version); and no view, selector, API module or template compares owners or groups itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from accounts.services import moderator_grant, user_create
from deposit import policy
from deposit.models import Collaboration, Deposit
from deposit.workflow import Status
from repository import hooks
from tests.repository.landing_support import record_create

pytestmark = pytest.mark.django_db

ROLES = (
    "owner",
    "co_depositor",
    "invited",
    "other_depositor",
    "moderator",
    "other_moderator",
    "admin",
    "anonymous",
    "moderator_co_depositor",  # a moderator of the deposit's community who co-deposits it
)
EDITORS = {"owner", "co_depositor", "moderator_co_depositor"}

# (status, round, who claimed it): the states where some answer differs.
STATES = {
    "draft": (Status.draft, 0, None),
    "submitted": (Status.submitted, 1, None),
    "in_review_by_moderator": (Status.in_review, 1, "moderator"),
    "in_review_by_colleague": (Status.in_review, 1, "colleague"),
    "changes_requested": (Status.changes_requested, 1, "moderator"),
    "back_to_draft": (Status.draft, 1, "moderator"),
    "approved": (Status.approved, 1, "moderator"),
    "published": (Status.published, 1, "moderator"),
    "rejected": (Status.rejected, 1, "moderator"),
}
SUBMITTED_ONCE = set(STATES) - {"draft"}


def _user(username: str):
    return user_create(
        username=username,
        email=f"{username}@example.org",
        password="correct horse battery",
        display_name=username.replace("_", " ").title(),
    )


@pytest.fixture
def cast(depositor, other_depositor, moderator, other_moderator, admin, communities):
    """Every role, by name, around deposits of `depositor` in the ocean community."""
    colleague = _user("colleague")
    moderator_grant(user=colleague, community=communities["ocean"])
    moderator_co_depositor = _user("moderator_co_depositor")
    moderator_grant(user=moderator_co_depositor, community=communities["ocean"])
    return {
        "owner": depositor,
        "co_depositor": _user("co_depositor"),
        "invited": _user("invited"),
        "other_depositor": other_depositor,
        "moderator": moderator,
        "other_moderator": other_moderator,
        "admin": admin,
        "anonymous": AnonymousUser(),
        "moderator_co_depositor": moderator_co_depositor,
        "colleague": colleague,
        "communities": communities,
    }


def deposit_in(cast, state: str, *, record=None) -> Deposit:
    status, round_, reviewer = STATES[state]
    deposit = Deposit.objects.create(
        owner=cast["owner"],
        community=cast["communities"]["ocean"],
        status=status,
        round=round_,
        reviewer=cast[reviewer] if reviewer else None,
        record=record,
        title=state,
    )
    for name, accepted in (("co_depositor", True), ("moderator_co_depositor", True), ("invited", False)):
        Collaboration.objects.create(
            deposit=deposit,
            invited_by=cast["owner"],
            email=cast[name].email,
            user=cast[name] if accepted else None,
            state=Collaboration.State.accepted if accepted else Collaboration.State.pending,
        )
    return Deposit.objects.get(pk=deposit.pk)  # fresh: nothing remembered from the set-up


def allowed(predicate, obj, cast, **kwargs) -> set[str]:
    return {role for role in ROLES if predicate(obj, cast[role], **kwargs)}


# --- Deposits: the same answer in every state ------------------------------------------------------

WHOEVER_THE_STATE = {
    "may_edit": EDITORS | {"admin"},
    "may_submit": EDITORS,
    "may_delete": {"owner", "admin"},
    "may_invite": {"owner", "admin"},
    "may_moderate": {"moderator", "admin"},
    "may_comment": EDITORS | {"moderator", "admin"},
}


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("name", list(WHOEVER_THE_STATE))
def test_each_role_predicate_names_the_same_roles_in_every_state(cast, name, state):
    deposit = deposit_in(cast, state)
    assert allowed(getattr(policy, name), deposit, cast) == WHOEVER_THE_STATE[name]


@pytest.mark.parametrize("state", list(STATES))
def test_moderators_see_a_deposit_once_it_was_submitted_its_depositors_and_administrators_always(cast, state):
    deposit = deposit_in(cast, state)
    moderators = {"moderator"} if state in SUBMITTED_ONCE else set()
    assert allowed(policy.may_view, deposit, cast) == EDITORS | {"admin"} | moderators
    assert allowed(policy.may_read_conversation, deposit, cast) == EDITORS | {"admin"} | moderators
    review = {"moderator", "moderator_co_depositor", "admin"} if state in SUBMITTED_ONCE else set()
    assert allowed(policy.may_open_review, deposit, cast) == review


@pytest.mark.parametrize("state", list(STATES))
def test_the_deposits_a_user_may_see_are_those_may_view_allows(cast, state):
    deposit_in(cast, state)
    for role in ROLES:
        visible = set(policy.deposits_visible_to(cast[role]))
        assert visible == {d for d in Deposit.objects.all() if policy.may_view(d, cast[role])}, role
        edited = set(policy.deposits_edited_by(cast[role]))
        assert edited == {d for d in Deposit.objects.all() if policy.is_editor(d, cast[role])}, role


@pytest.mark.parametrize(
    ("state", "reviewers"),
    [
        ("submitted", {"moderator", "admin"}),
        ("in_review_by_moderator", {"moderator", "admin"}),
        ("in_review_by_colleague", {"admin"}),
    ],
)
def test_a_deposit_is_reviewed_by_whoever_moderates_it_and_holds_its_claim(cast, state, reviewers):
    assert allowed(policy.may_review, deposit_in(cast, state), cast) == reviewers


# (state, action) → who may apply it: the transitions table read through the roles.
ACTIONS = [
    ("draft", "submit", EDITORS),
    ("draft", "claim", set()),
    ("submitted", "claim", {"moderator", "admin"}),
    ("submitted", "submit", set()),
    ("in_review_by_moderator", "approve", {"moderator", "admin"}),
    ("in_review_by_moderator", "request_changes", {"moderator", "admin"}),
    ("in_review_by_colleague", "approve", {"admin"}),
    ("in_review_by_colleague", "release", {"admin"}),
    ("changes_requested", "resubmit", EDITORS),
    ("changes_requested", "edit", EDITORS),
    ("approved", "publish", set()),
    ("published", "approve", set()),
    ("rejected", "submit", set()),
]


@pytest.mark.parametrize(("state", "action", "roles"), ACTIONS)
def test_nobody_moderates_their_own_deposit_and_depositors_send_it(cast, state, action, roles):
    assert allowed(policy.may_act, deposit_in(cast, state), cast, action=action) == roles


@pytest.mark.parametrize("state", ["submitted", "in_review_by_moderator", "changes_requested", "back_to_draft"])
def test_a_thread_is_resolved_by_its_author_or_those_who_moderate_the_deposit(cast, state):
    deposit = deposit_in(cast, state)
    by_owner = allowed(policy.may_resolve, deposit, cast, author_id=cast["owner"].pk)
    assert by_owner == {"owner", "moderator", "admin"}
    by_co_moderator = allowed(policy.may_resolve, deposit, cast, author_id=cast["moderator_co_depositor"].pk)
    assert by_co_moderator == {"moderator_co_depositor", "moderator", "admin"}
    by_stranger = allowed(policy.may_resolve, deposit, cast, author_id=cast["other_depositor"].pk)
    assert by_stranger == {"moderator", "admin"}


@pytest.mark.parametrize("state", ["draft", "submitted", "published"])
def test_a_co_depositor_leaves_and_the_owner_removes(cast, state):
    deposit = deposit_in(cast, state)
    accepted = deposit.collaborations.get(user=cast["co_depositor"])
    assert allowed(policy.may_leave, accepted, cast) == {"co_depositor"}
    assert allowed(policy.may_revoke, accepted, cast) == {"owner", "admin", "co_depositor"}
    pending = deposit.collaborations.get(state=Collaboration.State.pending)
    assert allowed(policy.may_leave, pending, cast) == set()
    assert allowed(policy.may_revoke, pending, cast) == {"owner", "admin"}


# --- Records -------------------------------------------------------------------------------------

RECORD_RULES = {
    "may_see_embargoed_files": EDITORS | {"moderator", "admin"},
    "may_start_new_version": EDITORS | {"admin"},
    # Not the moderator who co-deposited it: nobody moderates their own work.
    "may_withdraw": {"moderator", "admin"},
}


@pytest.fixture
def record(cast):
    record = record_create(owner=cast["owner"], community=cast["communities"]["ocean"])
    deposit_in(cast, "published", record=record)
    return record


@pytest.mark.parametrize("name", list(RECORD_RULES))
def test_each_record_predicate_names_its_roles_and_repository_asks_it_through_its_hooks(cast, record, name):
    assert allowed(getattr(policy, name), record, cast) == RECORD_RULES[name]
    rule = name.removeprefix("may_")
    assert {role for role in ROLES if hooks.may(rule, record, cast[role])} == RECORD_RULES[name]


def test_the_landing_page_offers_a_new_version_to_a_co_depositor(cast, record, client):
    """The API let co-depositors start a new version while the landing page hid the button."""
    button = reverse("deposit:new-version", kwargs={"record_pk": record.pk})
    client.force_login(cast["other_depositor"])
    assert button not in client.get(record.get_absolute_url()).content.decode()
    client.force_login(cast["co_depositor"])
    assert button in client.get(record.get_absolute_url()).content.decode()
    response = client.post(button)
    started = Deposit.objects.get(pid__concept=record.concept, record__isnull=True)
    assert started.owner == cast["co_depositor"] and started.status == Status.draft
    assert response.url == reverse("deposit:wizard", kwargs={"pk": started.pk, "step": "describe"})


# --- Nobody else decides ---------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "core", "deposit", "moderation", "notifications", "oai", "repository", "vocabularies")
# A comparison of owners, a look at superuser status, groups or permissions: a permission decision.
DECISION = re.compile(
    r"\.owner\s*[!=]=|owner_id\s*[!=]=|owner_id\s+(not\s+)?in\b|is_superuser|has_perm\(|is_moderator_of\("
    r"|user\.groups\.|author_id\s*[!=]=\s*(request\.)?user"
)
ALLOWED = {
    # The roles the policy is built from: who moderates a community (guardian), defined below deposit.
    "accounts/selectors.py",
    # A thread's resolve button: shown to its author beside scope.rights.moderate; the conversation
    # service refuses anyone else through policy.may_resolve, and asking it per thread would cost a
    # query each on the review page.
    "templates/moderation/_thread.html",
}


def _asking_modules() -> list[Path]:
    paths = [
        p
        for app in APPS
        for p in (ROOT / app).rglob("*.py")
        if p.name.startswith(("views", "api", "selectors")) or p.parent.name == "templatetags"
    ]
    return paths + sorted((ROOT / "templates").rglob("*.html"))


def test_views_selectors_api_and_templates_ask_the_policy_and_decide_nothing_themselves():
    offenders = []
    for path in _asking_modules():
        relative = path.relative_to(ROOT).as_posix()
        if relative in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if DECISION.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
    assert len(_asking_modules()) > 40  # the scan found the modules it is about
