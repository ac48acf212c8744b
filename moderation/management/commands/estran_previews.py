"""`manage.py estran_previews`: compute the previews of ready files that have none (files uploaded
before previews existed), or again for those that failed (`--errors`) or for all (`--all`). The
review page shows them, and so does the landing page for a published record's open files (read from
the deposit's file it was published from: `moderation.previews.published_preview`). Progress on
stderr; a summary per kind on stdout."""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand
from django.db.models import Q

from deposit.models import DepositFile
from moderation.previews import PREVIEW_VERSION, file_preview_update
from repository.storage import get_store


class Command(BaseCommand):
    help = "Compute the previews (first lines, NetCDF header) of ready files that have none."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--errors",
            action="store_true",
            help="also the files whose preview failed, or was made by an older version",
        )
        which.add_argument("--all", action="store_true", help="every ready file, whatever its preview")
        parser.add_argument(
            "--deposit",
            type=int,
            action="append",
            default=[],
            metavar="ID",
            help="only this deposit's files (repeatable)",
        )
        parser.add_argument("--dry-run", action="store_true", help="count the files, change nothing")

    def handle(self, *args, **options):
        files = DepositFile.objects.filter(state=DepositFile.State.ready).order_by("pk")
        if options["deposit"]:
            files = files.filter(deposit_id__in=options["deposit"])
        if not options["all"]:
            wanted = Q(preview={})
            if options["errors"]:
                wanted |= Q(preview__kind="error") | ~Q(preview__v=PREVIEW_VERSION)
            files = files.filter(wanted)
        total = files.count()
        if options["dry_run"] or not total:
            self.stdout.write(f"{total} file(s) to preview.")
            return
        store = get_store()
        kinds: Counter[str] = Counter()
        for number, file in enumerate(files.iterator(chunk_size=200), start=1):
            kinds[file_preview_update(file=file, store=store)["kind"]] += 1
            if number == total or number % 10 == 0:
                self.stderr.write(f"\r{number}/{total} files", ending="")
                self.stderr.flush()
        self.stderr.write("")
        summary = ", ".join(f"{kind}: {count}" for kind, count in sorted(kinds.items()))
        self.stdout.write(f"{total} file(s) previewed ({summary}).")
        if kinds.get("error"):
            self.stdout.write("Some previews failed: see the log (file.preview_failed), then run with --errors.")
