"""What `deposit` tells the apps above it, and asks them, registered in their `AppConfig.ready()`
(dependencies point down: `deposit` never imports them). `notifications` tells the people concerned
by a transition, an invitation or a comment; `moderation` previews a file that became ready and adds
the conversation to the deposit's pages."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

# notify(event_id=...): a lifecycle transition happened (deposit.workflow.apply_transition).
transition_applied: list[Callable[..., None]] = []
# notify(collaboration_id=...): a co-depositor was invited (deposit.services.collaborator_invite).
collaborator_invited: list[Callable[..., None]] = []
# notify(comment_id=...): a comment was written on a deposit (moderation.conversation.comment_add).
comment_added: list[Callable[..., None]] = []
# receiver(file=...): a file became ready, called at once, outside any transaction; must not raise.
file_ready: list[Callable[..., None]] = []
# context(deposit=..., user=..., transitions=...) -> dict: what the deposit's page shows from above.
detail_page_context: list[Callable[..., dict]] = []
# context(deposit=..., user=...) -> dict: what a wizard step's page shows from above.
wizard_page_context: list[Callable[..., dict]] = []
# context(deposit=...) -> dict: the deposit read-only, laid out as the review page lays it out, for
# the private reviewer page (deposit.views_reviewer), which shows no conversation and no user.
reviewer_page_context: list[Callable[..., dict]] = []


def register(hook: list[Callable[..., None]], receiver: Callable[..., None]) -> None:
    if receiver not in hook:
        hook.append(receiver)


def announce_on_commit(hook: list[Callable[..., None]], **ids: int) -> None:
    """Call each receiver with `ids` once the current transaction commits. Robust: what was done
    stays done whatever a receiver does (Django logs its failure)."""
    for receiver in list(hook):
        transaction.on_commit(lambda receiver=receiver: receiver(**ids), robust=True)


def announce(hook: list[Callable[..., None]], **kwargs) -> None:
    """Call each receiver with `kwargs` now."""
    for receiver in list(hook):
        receiver(**kwargs)


def context_from(hook: list[Callable[..., dict]], **kwargs) -> dict:
    """The template context the receivers add, merged."""
    context: dict = {}
    for receiver in hook:
        context.update(receiver(**kwargs))
    return context
