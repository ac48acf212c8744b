"""Load (or reload) the thesauri of a SKOS file, with progress on stderr and counts on stdout."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from vocabularies.services import BATCH_SIZE, thesaurus_load


class Command(BaseCommand):
    help = (
        "Load the thesauri of a SKOS file (RDF/XML, Turtle or N-Triples). Reloading a new version "
        "updates labels by concept URI and marks concepts no longer in the file deprecated; nothing "
        "is deleted, and deposits keep their keywords."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="SKOS file (.ttl, .rdf/.xml, .nt).")
        parser.add_argument(
            "--slug",
            default="",
            help="Load under this slug (file with one thesaurus); "
            "default: from the scheme URI, e.g. nvs-p02, gcmd-platforms.",
        )
        parser.add_argument("--title", default="", help="Title to show (default: the scheme's own).")
        parser.add_argument(
            "--format",
            dest="fmt",
            choices=["turtle", "xml", "nt"],
            default=None,
            help="RDF syntax (default: from the file's extension).",
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument(
            "--keep-other-sources",
            action="store_true",
            help="Leave alone thesauri last loaded from a file of another name (make run "
            "loads the demo set with it, so it never replaces a complete thesaurus).",
        )

    def handle(self, *args, **opts):
        started = time.monotonic()
        progress = _Progress(self.stderr, quiet=opts["verbosity"] == 0)
        progress.say(f"Parsing {opts['path']}…")
        try:
            reports = thesaurus_load(
                path=opts["path"],
                slug=opts["slug"],
                title=opts["title"],
                fmt=opts["fmt"],
                progress=progress,
                batch_size=opts["batch_size"],
                keep_other_sources=opts["keep_other_sources"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        progress.done()
        if opts["verbosity"]:
            for report in reports:
                self.stdout.write(report.summary())
        if opts["verbosity"]:
            self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")


class _Progress:
    """A counter on stderr: rewritten in place on a terminal, a line per tenth otherwise."""

    def __init__(self, stream, *, quiet: bool = False):
        self.stream = stream
        self.quiet = quiet
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.last_tenth: dict[str, int] = {}
        self.open_line = False

    def say(self, text: str) -> None:
        if not self.quiet:
            self.stream.write(text)

    def __call__(self, slug: str, done: int, total: int) -> None:
        if self.quiet or not total:
            return
        tenth = done * 10 // total
        line = f"{slug}: {done}/{total} concepts written ({done * 100 // total}%)"
        if self.tty:
            self.stream.write("\r" + line, ending="\n" if done == total else "")
            self.open_line = done != total
        elif tenth != self.last_tenth.get(slug):
            self.stream.write(line)
        self.last_tenth[slug] = tenth

    def done(self) -> None:
        if self.open_line:
            self.stream.write("")
            self.open_line = False
