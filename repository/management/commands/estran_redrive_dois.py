"""Re-drive DOI registrations: queue again every pending registration that is due."""

from django.core.management.base import BaseCommand

from repository.models import PersistentIdentifier
from repository.services import pids_redrive


class Command(BaseCommand):
    help = "Queue pending DOI registrations again (--rejected: also those DataCite refused, after a fix)."

    def add_arguments(self, parser):
        parser.add_argument("--rejected", action="store_true", help="Also retry registrations DataCite rejected.")

    def handle(self, *args, **opts):
        for pid in PersistentIdentifier.objects.exclude(sync=PersistentIdentifier.Sync.done).order_by("created"):
            self.stdout.write(
                f"{pid.doi}\t{pid.sync}\t{pid.state}->{pid.target_state}\tattempts={pid.attempts}\t{pid.last_error[:120]}"
            )
        count = pids_redrive(include_rejected=opts["rejected"])
        self.stdout.write(self.style.SUCCESS(f"Queued {count} registration(s)."))
