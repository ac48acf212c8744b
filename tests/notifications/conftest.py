"""A deposit of the ocean community with its people: the owner (`depositor`), an accepted
co-depositor, the community's moderators (`moderator` and a colleague), and `act`, which applies a
lifecycle action through the deposit service and runs what waits for the commit (notifications,
their e-mails with eager Celery)."""

import pytest

from deposit.models import Collaboration
from tests.factories import complete_metadata, deposit_with_file


@pytest.fixture
def co_depositor(db):
    from accounts.services import user_create

    return user_create(
        username="co_depositor", email="co@example.org", password="correct horse battery", display_name="Co Depositor"
    )


@pytest.fixture
def colleague(db, communities):
    """A second moderator of the ocean community."""
    from accounts.services import moderator_grant, user_create

    user = user_create(
        username="colleague", email="colleague@example.org", password="correct horse battery", display_name="Colleague"
    )
    moderator_grant(user=user, community=communities["ocean"])
    return user


@pytest.fixture
def deposit(depositor, co_depositor, communities):
    deposit = deposit_with_file(
        depositor, community=communities["ocean"], metadata=complete_metadata("Glider section off Brest")
    )
    Collaboration.objects.create(
        deposit=deposit,
        invited_by=depositor,
        email=co_depositor.email,
        user=co_depositor,
        state=Collaboration.State.accepted,
    )
    return deposit


@pytest.fixture
def act(django_capture_on_commit_callbacks, eager_celery):
    from deposit.services import deposit_act

    def apply(deposit, action, actor, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return deposit_act(deposit=deposit, action=action, actor=actor, **extra)

    return apply


@pytest.fixture
def comment_on(django_capture_on_commit_callbacks, eager_celery):
    """`comment_on(deposit, author, body, parent=None, field="")`: a comment posted and announced
    as the conversation does it (notify_comment once committed)."""
    from django.db import transaction

    from moderation.models import Comment
    from notifications.services import notify_comment

    def post(deposit, author, body, *, parent=None, field=""):
        with django_capture_on_commit_callbacks(execute=True):
            comment = Comment.objects.create(
                deposit=deposit, author=author, body=body, parent=parent, field=field, round=deposit.round
            )
            transaction.on_commit(lambda: notify_comment(comment_id=comment.pk))
        return comment

    return post
