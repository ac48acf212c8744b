"""Rebuild the search columns of every record, and on SQLite the FTS5 table (after an upgrade, a
restore, or a change of what is indexed); progress on stderr."""

import sys
import time

from django.core.management.base import BaseCommand

from repository.indexing import records_reindex


class Command(BaseCommand):
    help = (
        "Rebuild the search and facet columns of every record from its metadata, and on SQLite the "
        "full-text (FTS5) table (withdrawn records are emptied; only the latest published version of a "
        "dataset is searchable). Safe to run at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Records per transaction (500).")

    def handle(self, *args, **opts):
        show_progress = opts["verbosity"] > 0
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            if show_progress:
                sys.stderr.write(f"\rIndexed {done}/{total} records")
                if done >= total:
                    sys.stderr.write("\n")
                sys.stderr.flush()

        count = records_reindex(batch_size=opts["batch_size"], progress=progress)
        if show_progress:
            self.stdout.write(f"{count} records indexed in {time.monotonic() - started:.1f} s.")
