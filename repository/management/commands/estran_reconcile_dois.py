"""Compare every DOI at the registration agency with the repository, report drift, and with
`--fix` send the drifting ones again through the outbox."""

import sys

from django.core.management.base import BaseCommand

from repository.services import pids_reconcile


class Command(BaseCommand):
    help = (
        "Compare each DOI's state, URL and metadata (DataCite XML) at the registration agency with the "
        "repository and report what differs; --fix queues the drifting DOIs to be sent again (the worker "
        "does it). DOIs with a registration under way are skipped. Exit status 1 if drift remains."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Send drifting DOIs again through the outbox.")
        parser.add_argument("--doi", action="append", dest="dois", metavar="DOI", help="Only this DOI (repeatable).")
        parser.add_argument("--quiet-progress", action="store_true", help="No progress line on stderr.")

    def handle(self, *args, **opts):
        show_progress = not opts["quiet_progress"] and opts["verbosity"] > 0

        def progress(index: int, total: int) -> None:
            if show_progress and (index == total or index % 50 == 0):
                sys.stderr.write(f"\rChecked {index}/{total} DOIs")
                if index == total:
                    sys.stderr.write("\n")
                sys.stderr.flush()

        result = pids_reconcile(fix=opts["fix"], dois=opts["dois"], progress=progress)
        for drift in result["drifts"]:
            mark = " [queued to be sent again]" if drift.fixed else ""
            self.stdout.write(f"DRIFT {drift.doi}: {'; '.join(drift.problems)}{mark}")
        summary = (
            f"{result['checked']} of {result['total']} DOIs checked, {len(result['drifts'])} with drift, "
            f"{result['unreachable']} unreachable."
        )
        if result["drifts"] and not opts["fix"]:
            self.stdout.write(self.style.WARNING(summary + " Run again with --fix to repair."))
        elif result["unreachable"]:
            self.stdout.write(self.style.WARNING(summary + " Run again when DataCite answers."))
        else:
            self.stdout.write(self.style.SUCCESS(summary))
        if (result["drifts"] and not opts["fix"]) or result["unreachable"]:
            raise SystemExit(1)
