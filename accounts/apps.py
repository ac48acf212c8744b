from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and communities")

    def ready(self):
        from .orcid import signals  # noqa: F401 - connects the ORCID sign-in receivers
