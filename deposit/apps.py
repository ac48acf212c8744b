from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepositConfig(AppConfig):
    name = "deposit"
    verbose_name = _("Deposits")

    def ready(self) -> None:
        from repository import hooks

        from . import policy, provenance

        # repository, below deposit, asks the one policy about records through its hooks.
        hooks.register_record_rule("see_embargoed_files", policy.may_see_embargoed_files)
        hooks.register_record_rule("start_new_version", policy.may_start_new_version)
        hooks.register_record_rule("withdraw", policy.may_withdraw)
        # and reads a record's deposit and review for its provenance.
        hooks.register_record_history(provenance.record_history)
