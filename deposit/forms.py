"""Deposit forms: starting a deposit, step 4's plain upload form, inviting a co-depositor, giving a
reviewer link, and a lenient reading of a saved document for the deposit's page. The wizard's steps
are mapped to and from the metadata document in the step modules of `deposit/wizard/`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Community


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files from one `<input type=file multiple>`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def read_metadata(metadata) -> dict:
    """What the deposit's page shows of a saved metadata document, read leniently (drafts may hold
    anything): title, creators as (name, ORCID iD) pairs, abstract, licence identifier (or None)."""
    metadata = _dict(metadata)
    titles = _list(metadata.get("titles"))
    creators = []
    for creator in _list(metadata.get("creators")):
        creator = _dict(creator)
        creators.append((str(creator.get("name") or ""), str(creator.get("orcid") or "")))
    descriptions = [_dict(d) for d in _list(metadata.get("descriptions"))]
    abstract = next(
        (d for d in descriptions if d.get("description_type", "Abstract") == "Abstract"),
        descriptions[0] if descriptions else {},
    )
    rights = _list(metadata.get("rights"))
    return {
        "title": str(_dict(titles[0]).get("title") or "") if titles else "",
        "creators": creators,
        "abstract": str(abstract.get("description") or ""),
        "licence": _dict(rights[0]).get("identifier") if rights else None,
    }


class WizardStartForm(forms.Form):
    """`New deposit`: the title and community may be given at once; everything else is in the wizard."""

    title = forms.CharField(
        label=_("Title of the dataset"),
        max_length=500,
        required=False,
        help_text=_("You can change it later. Example: CTD casts of the PELGAS 2024 cruise, Bay of Biscay."),
    )
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("— Choose later —"),
        help_text=_("A moderator of this community reviews the deposit."),
    )


class WizardUploadForm(forms.Form):
    """Step 4's plain upload form (the browser uploader, when installed, replaces it)."""

    files = MultipleFileField(
        label=_("Add files"),
        required=False,
        help_text=_(
            "You can choose several files at once. Large files (over a few hundred MB) go better "
            "through the API or the browser uploader, which resume after an interruption."
        ),
    )


class InviteForm(forms.Form):
    invitee = forms.CharField(
        label=_("E-mail address or ORCID iD"),
        max_length=254,
        help_text=_("They will be able to edit and submit this deposit once they accept."),
    )


class ReviewerLinkForm(forms.Form):
    label = forms.CharField(
        label=_("For whom"),
        max_length=200,
        help_text=_(
            "The journal and the manuscript, e.g. Journal of Marine Systems, MS 2026-123. Only you and your "
            "co-depositors see it."
        ),
    )
    expires_in_days = forms.IntegerField(
        label=_("Valid for (days)"),
        initial=30,
        min_value=1,
        max_value=366,
        help_text=_("From 1 to 366 days; you can revoke the link sooner, and publication closes it."),
    )
