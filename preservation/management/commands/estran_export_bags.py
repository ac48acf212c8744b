"""Write the records' preservation packages (BagIt bags) to a folder or an S3 prefix, incrementally."""

import sys

from django.core.management.base import BaseCommand, CommandError

from preservation.destinations import destination
from preservation.package import BagOptions
from preservation.services import bags_export


class Command(BaseCommand):
    help = (
        "Write a BagIt bag for every record (or those named with --doi) to a folder or s3://bucket/prefix: its "
        "files, its metadata in every export format, its identifiers, revisions, fixity and review history, with "
        "SHA-256 manifests. Only bags that are missing or changed since the last run are written (--all: every "
        "one). Exit status 1 if a bag could not be written."
    )

    def add_arguments(self, parser):
        parser.add_argument("destination", help="A folder, or s3://bucket/prefix (on the S3_* settings' server).")
        parser.add_argument("--doi", action="append", dest="dois", metavar="DOI", help="Only this record (repeatable).")
        parser.add_argument("--all", action="store_true", help="Write every bag, changed or not.")
        parser.add_argument("--emails", action="store_true", help="Put the people's e-mail addresses in the bags.")
        parser.add_argument(
            "--comments",
            action="store_true",
            help="Put the conversation between moderators and depositors (comments) in the bags: private otherwise.",
        )
        parser.add_argument("--quiet-progress", action="store_true", help="No progress line on stderr.")

    def handle(self, *args, **opts):
        try:
            to = destination(opts["destination"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        show_progress = not opts["quiet_progress"] and opts["verbosity"] > 0

        def progress(index: int, doi: str, written: bool) -> None:
            if show_progress and (written or index % 100 == 0):
                sys.stderr.write(f"\r{index} records looked at, last {doi}{' (written)' if written else ''}\033[K")
                sys.stderr.flush()

        report = bags_export(
            to=to,
            dois=opts["dois"],
            force=opts["all"],
            options=BagOptions(emails=opts["emails"], comments=opts["comments"]),
            progress=progress,
        )
        if show_progress:
            sys.stderr.write("\n")
        for doi, problem in report.failed:
            self.stdout.write(self.style.ERROR(f"FAILED {doi}: {problem}"))
        summary = (
            f"{len(report.written)} bag(s) written, {report.unchanged} unchanged, {len(report.failed)} failed, in {to}."
        )
        if report.failed:
            self.stdout.write(self.style.WARNING(summary))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(summary))
