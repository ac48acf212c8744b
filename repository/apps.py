from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepositoryConfig(AppConfig):
    name = "repository"
    verbose_name = _("Published records")

    def ready(self) -> None:
        from core import hooks

        from . import health

        hooks.register_health_check("storage", health.check_storage)
        hooks.register_health_check("doi_outbox", health.report_doi_outbox, fails=False)
