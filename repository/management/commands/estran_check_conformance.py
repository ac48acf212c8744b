"""Check published records' metadata against the rules catalogues apply (repository/conformance):
the schema.org JSON-LD of the landing page against science-on-schema.org's shapes, the ISO 19115-3
export (also the OAI-PMH payload) against GeoNetwork's ISO, INSPIRE and DataCite rule sets."""

import sys

from django.core.management.base import BaseCommand, CommandError

from repository import conformance
from repository.landing import LandingRecord
from repository.models import Record
from repository.serializers.iso19115 import IsoResource, to_iso19115_3_element

DEFAULT_RULES = (*conformance.SOSO_REQUIRED, *conformance.GEONETWORK_RULES)
ALL_RULES = (*conformance.SOSO_SHAPES, *conformance.GEONETWORK_RULES)


class Command(BaseCommand):
    help = (
        "Check records' schema.org JSON-LD against science-on-schema.org's SHACL shapes and their ISO 19115-3 "
        "against GeoNetwork's schematron (ISO, INSPIRE, DataCite), offline. Give record ids or DOIs, or --all. "
        "Prints one line per violation and a summary per rule set; exit status 1 if any rule set failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("records", nargs="*", metavar="RECORD", help="A record's id or DOI.")
        parser.add_argument("--all", action="store_true", help="Every published or withdrawn record.")
        parser.add_argument(
            "--rules",
            default=",".join(DEFAULT_RULES),
            help=f"Comma-separated rule sets, from {', '.join(ALL_RULES)} (default: {', '.join(DEFAULT_RULES)}).",
        )
        parser.add_argument("--quiet-progress", action="store_true", help="No progress line on stderr.")

    def handle(self, *args, **opts):
        rules = [r.strip() for r in opts["rules"].split(",") if r.strip()]
        unknown = sorted(set(rules) - set(ALL_RULES))
        if unknown:
            raise CommandError(f"Unknown rule set {', '.join(unknown)}; choose from {', '.join(ALL_RULES)}.")
        shapes = [r for r in rules if r in conformance.SOSO_SHAPES]
        geonetwork = [r for r in rules if r in conformance.GEONETWORK_RULES]
        records = self._records(opts)
        show_progress = not opts["quiet_progress"] and opts["verbosity"] > 0
        failed = dict.fromkeys(rules, 0)
        for index, record in enumerate(records, start=1):
            page = LandingRecord(record)
            found: dict[str, list[conformance.Violation]] = {}
            if shapes:
                found.update(conformance.soso_violations(page.schemaorg(), shapes))
            if geonetwork:
                iso = to_iso19115_3_element(page.document, resource=IsoResource.from_record(record))
                found.update(conformance.geonetwork_violations(iso, geonetwork))
            for rule in rules:
                for violation in found.get(rule, []):
                    self.stdout.write(f"FAIL {record.pk} {record.doi} [{rule}] {violation.message} ({violation.where})")
                failed[rule] += bool(found.get(rule))
            if show_progress and (index == len(records) or index % 20 == 0):
                sys.stderr.write(f"\rChecked {index}/{len(records)} records")
                if index == len(records):
                    sys.stderr.write("\n")
                sys.stderr.flush()
        for rule in rules:
            line = f"{rule}: {len(records) - failed[rule]} of {len(records)} records pass"
            self.stdout.write(self.style.WARNING(line) if failed[rule] else self.style.SUCCESS(line))
        if any(failed.values()):
            raise SystemExit(1)

    def _records(self, opts) -> list[Record]:
        queryset = Record.objects.select_related("community", "concept__pid").prefetch_related("files").order_by("pk")
        if opts["all"]:
            return list(queryset)
        if not opts["records"]:
            raise CommandError("Give record ids or DOIs, or --all.")
        records = []
        for key in opts["records"]:
            found = queryset.filter(pk=int(key)) if key.isdigit() else queryset.filter(doi__iexact=key)
            record = found.first()
            if record is None:
                raise CommandError(f"No record {key}.")
            records.append(record)
        return records
