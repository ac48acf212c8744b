"""The moderation queue page. Its row actions (claim, release, assign) post to the deposit's
action view (deposit:act), which comes back here with a message; decisions are taken on the
review page (views_review.py)."""

from __future__ import annotations

import math

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.selectors import communities_moderated_by

from . import selectors, sla
from .selectors import PAGE_SIZE, QueueFilters, Tab
from .templatetags.moderation_queue import remember_nav_count


@login_required
@require_GET
def queue(request):
    communities = list(communities_moderated_by(request.user))
    if not communities:
        raise PermissionDenied(_("The moderation queue is for the moderators of a community."))
    now = timezone.now()
    tab = request.GET.get("tab", "")
    if tab not in selectors.TAB_VALUES:
        tab = Tab.waiting
    filters = QueueFilters.from_query(request.GET)
    counts = selectors.queue_counts(request.user, communities=communities, filters=filters, now=now)
    remember_nav_count(request, counts.to_do)
    request._estran_is_moderator = True  # the navigation's check (accounts' `is_moderator` tag): known here
    pages = max(1, math.ceil(counts.tabs[tab] / PAGE_SIZE))
    page = min(_page_number(request.GET.get("page")), pages)
    rows = selectors.queue_rows(
        request.user,
        communities=communities,
        tab=tab,
        filters=filters,
        now=now,
        offset=(page - 1) * PAGE_SIZE,
    )
    return render(
        request,
        "moderation/queue.html",
        {
            "communities": communities,
            "tab": tab,
            "tabs": [
                {
                    "value": value,
                    "label": label,
                    "count": counts.tabs[value],
                    "url": _url(request, tab=value),
                    "current": value == tab,
                }
                for value, label in selectors.TABS
            ],
            "tab_label": dict(selectors.TABS)[tab],
            "rows": rows,
            "counts": counts,
            "filters": filters,
            "target_days": sla.target_days(),
            "resource_types": selectors.resource_type_choices(),
            "sizes": selectors.SIZE_CHOICES,
            "waiting_choices": selectors.WAITING_CHOICES,
            "overdue_url": _url(
                request, tab=Tab.waiting if tab not in (Tab.mine, Tab.others) else tab, waiting="overdue"
            ),
            "clear_url": _url(request, tab=tab, community="", resource_type="", size="", waiting=""),
            "page": page,
            "pages": pages,
            "previous_url": _url(request, page=page - 1) if page > 1 else "",
            "next_url": _url(request, page=page + 1) if page < pages else "",
            "here": request.get_full_path(),
        },
    )


def _page_number(value) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def _url(request, **changes) -> str:
    """This page's address with some parameters changed (empty ones left out); a new tab or new
    filters start again from the first page."""
    query: QueryDict = request.GET.copy()
    if "page" not in changes:
        query.pop("page", None)
    for key, value in changes.items():
        if value in ("", None) or (key == "page" and value == 1):
            query.pop(key, None)
        else:
            query[key] = str(value)
    return f"{request.path}?{query.urlencode()}" if query else request.path
