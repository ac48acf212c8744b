"""The account page: who you are, and your API tokens (created, shown once, revoked)."""

from __future__ import annotations

from allauth.socialaccount.internal.flows import connect
from allauth.socialaccount.models import SocialAccount
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError

from . import services
from .models import ApiToken
from .orcid import services as orcid_services
from .orcid.forms import OrcidForm
from .orcid.views import base_url as orcid_base_url, sign_in_enabled as orcid_sign_in_enabled
from .selectors import identities_of


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. “cruise pipeline”."),
    )
    expires_in_days = forms.IntegerField(
        label=gettext_lazy("Expires after (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=gettext_lazy("Leave empty for a token that does not expire."),
    )


class NameForm(forms.Form):
    display_name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=200,
        help_text=gettext_lazy(
            "As it appears as a creator and a point of contact, e.g. Anne Le Goff. Your username is never published."
        ),
    )


def _profile(
    request, form: TokenForm, status: int = 200, orcid_form: OrcidForm | None = None, name_form: NameForm | None = None
):
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created")
    context = {
        "form": form,
        "name_form": name_form or NameForm(initial={"display_name": request.user.public_name}),
        "tokens": tokens,
        "orcid_form": orcid_form or OrcidForm(initial={"orcid": request.user.orcid}),
        "orcid_site": orcid_base_url(),
        "orcid_sign_in": orcid_sign_in_enabled(request),
        "identities": identities_of(request.user),
        "has_password": request.user.has_usable_password(),
    }
    return render(request, "accounts/profile.html", context, status=status)


@login_required
@require_GET
def profile(request):
    return _profile(request, TokenForm())


@never_cache
@login_required
@require_POST
def token_create(request):
    """The clear token is rendered in this response and nowhere stored: it is shown once."""
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _profile(request, form, status=400)
    token, raw = services.api_token_create(
        user=request.user,
        name=form.cleaned_data["name"],
        expires_in_days=form.cleaned_data["expires_in_days"],
    )
    response = render(request, "accounts/token_created.html", {"token": token, "raw": raw})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(token=token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("accounts:profile")


@login_required
@require_POST
def name_update(request):
    form = NameForm(request.POST)
    if not form.is_valid():
        return _profile(request, TokenForm(), status=400, name_form=form)
    try:
        services.user_name_set(user=request.user, display_name=form.cleaned_data["display_name"])
    except DomainError as exc:
        form.add_error("display_name", exc.message)
        return _profile(request, TokenForm(), status=400, name_form=form)
    messages.success(request, _("Your name is saved."))
    return redirect("accounts:profile")


@login_required
@require_POST
def orcid_update(request):
    """An ORCID iD typed by hand: checked, stored unverified."""
    form = OrcidForm(request.POST)
    if not form.is_valid():
        return _profile(request, TokenForm(), status=400, orcid_form=form)
    try:
        orcid_services.user_orcid_set(user=request.user, orcid=form.cleaned_data["orcid"])
    except DomainError as exc:
        form.add_error("orcid", exc.message)
        return _profile(request, TokenForm(), status=400, orcid_form=form)
    if request.user.orcid:
        messages.success(request, _("Your ORCID iD is saved. It is shown as unverified until you sign in with ORCID."))
    else:
        messages.success(request, _("Your ORCID iD is removed."))
    return redirect("accounts:profile")


@login_required
@require_POST
def identity_unlink(request, pk: int):
    """Unlink one sign-in method, through allauth's own checks: an account never loses its last
    way in (no password, no verified e-mail address)."""
    account = get_object_or_404(SocialAccount, pk=pk, user=request.user)
    try:
        connect.validate_disconnect(request, account)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        connect.disconnect(request, account)
    return redirect("accounts:profile")
