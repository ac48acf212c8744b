from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from deposit import hooks
        from repository import hooks as repository_hooks

        from .previews import file_preview_update, previewable, published_preview
        from .views_review import deposit_detail_context, reviewer_page_context, wizard_step_context

        # deposit, below moderation, previews ready files and shows the conversation through these.
        hooks.register(hooks.file_ready, file_preview_update)
        hooks.register(hooks.detail_page_context, deposit_detail_context)
        hooks.register(hooks.wizard_page_context, wizard_step_context)
        hooks.register(hooks.reviewer_page_context, reviewer_page_context)
        # repository, below moderation, shows the stored previews of published files on landing pages.
        repository_hooks.register_file_previews(previewable=previewable, stored=published_preview)
