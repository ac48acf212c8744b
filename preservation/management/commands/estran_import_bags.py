"""Rebuild published records from preservation packages (BagIt bags) written by estran_export_bags."""

import sys

from django.core.management.base import BaseCommand, CommandError

from preservation.destinations import destination
from preservation.services import bags_import


class Command(BaseCommand):
    help = (
        "Import the bags of a folder or s3://bucket/prefix written by estran_export_bags: each is validated "
        "(every checksum), its files stored, its record rebuilt with the same DOIs (none minted or sent), "
        "revisions, fixity and review history; people are matched by ORCID iD or e-mail, or get an inactive "
        "account. Records already here are left alone. Then run estran_reconcile_dois --fix to point the "
        "DOIs at this site. Exit status 1 if a bag could not be imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="A folder, or s3://bucket/prefix (on the S3_* settings' server).")
        parser.add_argument("--quiet-progress", action="store_true", help="No progress line on stderr.")

    def handle(self, *args, **opts):
        try:
            source = destination(opts["source"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        show_progress = not opts["quiet_progress"] and opts["verbosity"] > 0

        def progress(index: int, name: str, outcome: str) -> None:
            if show_progress:
                sys.stderr.write(f"\r{index} bags read, last {name} ({outcome})\033[K")
                sys.stderr.flush()

        report = bags_import(source=source, progress=progress)
        if show_progress:
            sys.stderr.write("\n")
        for name, problem in report.failed:
            self.stdout.write(self.style.ERROR(f"FAILED {name}: {problem}"))
        summary = (
            f"{len(report.imported)} record(s) imported, {len(report.present)} already here, "
            f"{len(report.failed)} failed, from {source}."
        )
        if report.failed:
            self.stdout.write(self.style.WARNING(summary))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(summary))
