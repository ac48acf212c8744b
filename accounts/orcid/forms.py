"""The ORCID iD typed by hand on the account page (stored unverified)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import normalize_orcid, orcid_problem


def validate_orcid(value: str) -> None:
    """Django validator: ORCID iD format and ISO 7064 MOD 11-2 check digit."""
    problem = orcid_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_orcid")


class OrcidForm(forms.Form):
    orcid = forms.CharField(
        label=_("ORCID iD"),
        max_length=60,
        required=False,
        validators=[validate_orcid],
        widget=forms.TextInput(
            attrs={
                "placeholder": "0000-0002-1825-0097",
                "spellcheck": "false",
                "autocomplete": "off",
                "inputmode": "text",
            }
        ),
        help_text=_("Shown as unverified until you sign in with ORCID. Leave empty to remove it."),
    )

    def clean_orcid(self) -> str:
        value = self.cleaned_data["orcid"].strip()
        return normalize_orcid(value) if value else ""
