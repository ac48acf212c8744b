"""The moderation queue page. Decisions are taken on the deposit's page (deposit:act)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.selectors import communities_moderated_by

from .selectors import queue_for


@login_required
@require_GET
def queue(request):
    communities = list(communities_moderated_by(request.user))
    if not communities:
        raise PermissionDenied(_("The moderation queue is for the moderators of a community."))
    return render(
        request,
        "moderation/queue.html",
        {"deposits": list(queue_for(request.user)), "communities": communities},
    )
