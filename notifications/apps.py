from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from deposit import hooks

        from .services import notify_comment, notify_event, notify_invitation

        hooks.register(hooks.transition_applied, notify_event)
        hooks.register(hooks.collaborator_invited, notify_invitation)
        hooks.register(hooks.comment_added, notify_comment)
