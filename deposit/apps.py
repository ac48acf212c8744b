from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepositConfig(AppConfig):
    name = "deposit"
    verbose_name = _("Deposits")
