from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepositConfig(AppConfig):
    name = "deposit"
    verbose_name = _("Deposits")

    def ready(self) -> None:
        from repository import hooks

        from .selectors import is_record_co_depositor

        if is_record_co_depositor not in hooks.record_co_depositor_checks:
            hooks.record_co_depositor_checks.append(is_record_co_depositor)
