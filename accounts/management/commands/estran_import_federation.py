"""Import a SAML federation's metadata aggregate: verify its signature and validUntil, register
its identity providers. A refused aggregate changes nothing and exits non-zero."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.saml.federation import federation_import


class Command(BaseCommand):
    help = (
        "Import the identity providers of a federation's signed metadata aggregate "
        "(default: SAML_FEDERATION_METADATA_URL, verified with SAML_FEDERATION_CERT)."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--url", help="URL of the aggregate (default: SAML_FEDERATION_METADATA_URL)")
        source.add_argument("--file", help="path of a downloaded aggregate")
        parser.add_argument(
            "--cert",
            help="federation signing certificate, PEM file (default: SAML_FEDERATION_CERT)",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            help="seconds per network read (default: SAML_FEDERATION_TIMEOUT)",
        )

    def handle(self, *args, **opts):
        data = None
        if opts["file"]:
            path = Path(opts["file"])
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"Cannot read {path}: {exc}") from exc
            source = str(path.resolve())
        else:
            source = opts["url"] or settings.SAML_FEDERATION_METADATA_URL
            if not source:
                raise CommandError("Give --url or --file, or set SAML_FEDERATION_METADATA_URL.")
        self.stdout.write(f"Importing {source}")
        record = federation_import(
            source=source,
            data=data,
            certificate=opts["cert"],
            timeout=opts["timeout"],
            progress=self.progress,
        )
        if record.status != record.Status.SUCCEEDED:
            raise CommandError(f"Nothing imported, the previous identity providers are kept: {record.reason}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{record.federation}: {record.created} identity providers added, {record.updated} updated, "
                f"{record.deactivated} deactivated, {record.skipped} skipped; "
                f"valid until {record.valid_until:%Y-%m-%d %H:%M} UTC."
            )
        )

    def progress(self, stage: str, done: int, total: int) -> None:
        if stage == "download":
            if total:
                line = f"  downloading: {done / 1e6:.1f} / {total / 1e6:.1f} MB ({100 * done // total} %)"
            else:
                line = f"  downloading: {done / 1e6:.1f} MB"
            # Downloads report every megabyte: rewrite one line on a terminal, print the end elsewhere.
            if self.stdout.isatty():
                self.stdout.write("\r" + line, ending="")
                if total and done >= total:
                    self.stdout.write("")
            elif total and done >= total:
                self.stdout.write(line)
        else:
            self.stdout.write(f"  identity providers: {done} / {total}")
