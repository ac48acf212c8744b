"""Create a user, optionally an administrator, optionally with an API token (printed once)."""

from django.core.management.base import BaseCommand, CommandError

from accounts.services import api_token_create, user_create
from core.errors import DomainError


class Command(BaseCommand):
    help = "Create a user (and an API token with --token). The token is printed once."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", help="Omit for a user who signs in through ORCID or SAML only.")
        parser.add_argument("--name", default="", help="Display name, e.g. 'Jane Doe'.")
        parser.add_argument("--admin", action="store_true", help="Make the user an administrator.")
        parser.add_argument("--token", action="store_true", help="Also create an API token.")
        parser.add_argument("--token-days", type=int, default=None, help="Token lifetime in days.")

    def handle(self, *args, **opts):
        try:
            user = user_create(
                username=opts["username"],
                email=opts["email"],
                password=opts["password"],
                display_name=opts["name"],
                is_staff=opts["admin"],
                is_superuser=opts["admin"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Created user {user.username} (id {user.pk})."))
        if opts["token"]:
            _token, raw = api_token_create(user=user, name="command line", expires_in_days=opts["token_days"])
            self.stdout.write(f"API token (shown once): {raw}")
