"""Demo accounts for a first look: a depositor, a moderator of the ocean community, an admin."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from accounts.models import Community
from accounts.services import api_token_create, moderator_grant, user_create

DEMO_USERS = [
    # username, password, e-mail, display name, admin
    ("depositor", "estran-depositor", "depositor@example.org", "Dana Depositor", False),
    ("moderator", "estran-moderator", "moderator@example.org", "Morgan Moderator", False),
    ("admin", "estran-admin", "admin@example.org", "Ada Admin", True),
]


class Command(BaseCommand):
    help = "Create the demo accounts (idempotent) and print how to sign in."

    def add_arguments(self, parser):
        parser.add_argument("--token", action="store_true", help="Also create an API token for the depositor.")

    def handle(self, *args, **opts):
        User = get_user_model()
        for username, password, email, name, admin in DEMO_USERS:
            if not User.objects.filter(username=username).exists():
                user_create(
                    username=username,
                    email=email,
                    password=password,
                    display_name=name,
                    is_staff=admin,
                    is_superuser=admin,
                )
        moderator_grant(user=User.objects.get(username="moderator"), community=Community.objects.get(slug="ocean"))
        site = settings.SITE_URL
        lines = [
            "",
            "Estran is ready on " + site,
            "",
            "Communities: " + ", ".join(f"{c.name} ({c.acronym})" for c in Community.objects.all()),
            "",
            "Demo accounts (sign in at " + site + "/accounts/login/):",
        ]
        for username, password, _email, name, _admin in DEMO_USERS:
            role = {
                "depositor": "deposits datasets",
                "moderator": "moderates the Ocean (ODATIS) community",
                "admin": "administrator, also " + site + "/admin/",
            }[username]
            lines.append(f"  {username:<10} password {password:<18} {name}: {role}")
        lines += [
            "",
            "Try it: sign in as depositor, create a deposit in the Ocean community with a file, submit;",
            "sign in as moderator, open the moderation queue, claim, approve; then open /doi/<the DOI>.",
            "DOIs use DataCite's test prefix 10.5072 and the local demo provider: they are NOT registered.",
        ]
        if opts["token"]:
            _t, raw = api_token_create(user=User.objects.get(username="depositor"), name="demo")
            lines.append(f"API token for depositor (shown once): {raw}")
        self.stdout.write("\n".join(lines) + "\n")
