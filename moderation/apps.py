from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from deposit import hooks

        from .previews import file_preview_update
        from .views_review import deposit_detail_context, reviewer_page_context, wizard_step_context

        # deposit, below moderation, previews ready files and shows the conversation through these.
        hooks.register(hooks.file_ready, file_preview_update)
        hooks.register(hooks.detail_page_context, deposit_detail_context)
        hooks.register(hooks.wizard_page_context, wizard_step_context)
        hooks.register(hooks.reviewer_page_context, reviewer_page_context)
