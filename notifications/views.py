"""Notification pages: the list behind the bell (opening one marks it read), mark all read, and
the e-mail preference. A user only ever reaches their own notifications."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import NotFound, ValidationFailed

from . import messages as texts, selectors, services
from .forms import PreferenceForm


@login_required
@require_http_methods(["GET", "HEAD"])
def notification_list(request):
    page = Paginator(selectors.notifications_for(request.user), settings.NOTIFICATIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    items = [
        {
            "notification": n,
            "headline": texts.headline(n),
            "url": texts.target_path(n),
            "reason": texts.rejection_reason(n),
        }
        for n in page.object_list
    ]
    form = PreferenceForm(initial={"email": selectors.email_mode_of(request.user)})
    return render(
        request,
        "notifications/list.html",
        {"page": page, "items": items, "form": form, "digest_hour": settings.NOTIFICATIONS_DIGEST_HOUR},
    )


@login_required
@require_POST
def notification_open(request, pk: int):
    """Opening a notification marks it read and leads to its deposit."""
    try:
        notification = services.notification_read(user=request.user, notification_id=pk)
    except NotFound:
        raise Http404(_("No such notification.")) from None
    return redirect(texts.target_path(notification))


@login_required
@require_POST
def notifications_read_all(request):
    count = services.notifications_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preference_edit(request):
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            try:
                services.preference_set(user=request.user, email=form.cleaned_data["email"])
            except ValidationFailed as exc:
                form.add_error("email", exc.message)
            else:
                messages.success(request, _("Your notification settings are saved."))
                return redirect("notifications:settings")
    else:
        form = PreferenceForm(initial={"email": selectors.email_mode_of(request.user)})
    return render(
        request, "notifications/settings.html", {"form": form, "digest_hour": settings.NOTIFICATIONS_DIGEST_HOUR}
    )
