"""The notification preference: how e-mails come."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EmailMode


class PreferenceForm(forms.Form):
    email = forms.ChoiceField(
        label=_("E-mail me"),
        choices=EmailMode.choices,
        widget=forms.RadioSelect,
        help_text=_("Notifications always appear under the bell; this only decides the e-mails."),
    )
