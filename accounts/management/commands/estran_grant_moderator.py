"""Grant (or revoke) a user's moderator rights on a community."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Community
from accounts.services import moderator_grant, moderator_revoke


class Command(BaseCommand):
    help = "Make a user a moderator of a community (--revoke to undo)."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument(
            "--community",
            required=True,
            help="Community slug: "
            + ", ".join(["ocean", "land-surfaces", "atmosphere", "solid-earth", "biodiversity"]),
        )
        parser.add_argument("--revoke", action="store_true")

    def handle(self, *args, **opts):
        user = get_user_model().objects.filter(username=opts["username"]).first()
        if user is None:
            raise CommandError(f"No user named {opts['username']!r}.")
        community = Community.objects.filter(slug=opts["community"]).first()
        if community is None:
            slugs = ", ".join(Community.objects.values_list("slug", flat=True))
            raise CommandError(f"No community {opts['community']!r}; known: {slugs}.")
        if opts["revoke"]:
            moderator_revoke(user=user, community=community)
            self.stdout.write(self.style.SUCCESS(f"{user.username} no longer moderates {community.name}."))
        else:
            moderator_grant(user=user, community=community)
            self.stdout.write(self.style.SUCCESS(f"{user.username} now moderates {community.name}."))
