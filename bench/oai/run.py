"""OAI-PMH harvesting benchmark (issue 9): a full ListRecords harvest of N records (100,000 by
default) in `iso19115-3` with a real harvester (Sickle), over HTTP.

What runs, on this machine:

- PostgreSQL: a dedicated database (`estran_bench_oai` unless `--database`), created and migrated
  when missing and seeded once with N published records (`--reseed` starts again): bulk rows, as
  `record_publish` leaves them, from a dozen varied metadata documents (thesaurus keywords, boxes
  including ones across the antimeridian, polygons, ongoing and closed periods, depths, funding,
  related publications and code, organisations as creators, embargoes), 1 % withdrawn (announced
  as deleted), one to three files each, datestamps spread over two years with some shared;
- the web process: gunicorn (`config.settings.production`, 1 worker, 8 threads) on loopback;
- the harvester: Sickle, in this process, following resumption tokens to the end.

It reports records per second, the time of each page (first, last, median, p95, and the first and
last tenth of the harvest: the same within noise means the cost of a page does not grow with its
position), the web process's resident memory (idle, after the first page, peak, and sampled
along the harvest: flat means no growth with the number of records served), and checks that
every record was harvested exactly once.

    .venv/bin/python bench/oai/run.py                              # 100,000 records
    .venv/bin/python bench/oai/run.py --records 2000 --json /tmp/oai.json

Run by hand; tests/oai/test_bench.py runs it on 100 records so that it cannot rot (`make bench-check`:
250).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.support import (  # noqa: E402
    children_of as _children,
    ensure_database,
    free_port,
    rss_kib as _rss_kib,
    setup_django,
    stop_web,
    wait_for_web,
)

DEFAULT_DATABASE = "estran_bench_oai"
DOI_PREFIX = "10.5072/bench-oai."


# --- the records -------------------------------------------------------------------------------


def documents() -> list[dict]:
    """A dozen valid metadata documents that, between them, use every part of the ISO mapping."""
    from repository.metadata import LICENCES, MetadataDocument

    cc_by, cc0 = LICENCES["CC-BY-4.0"].model_dump(), LICENCES["CC0-1.0"].model_dump()
    p02 = {
        "scheme": "BODC Parameter Discovery Vocabulary",
        "scheme_uri": "http://vocab.nerc.ac.uk/collection/P02/current/",
    }
    gcmd = {
        "scheme": "GCMD Science Keywords",
        "scheme_uri": "https://gcmd.earthdata.nasa.gov/kms/concepts/concept_scheme/sciencekeywords",
    }
    base = {
        "titles": [{"title": "CTD casts"}],
        "creators": [
            {
                "name": "Le Goff, Anne",
                "orcid": "0000-0002-1825-0097",
                "affiliations": [{"name": "Ifremer", "ror": "https://ror.org/044jxhp58"}, {"name": "LOPS"}],
            },
            {"name": "Martin, Paul"},
        ],
        "descriptions": [{"description": "Temperature and salinity profiles from CTD casts. " * 6}],
        "resource_type": {"general": "Dataset", "type": "CTD profiles"},
        "point_of_contact": {
            "name": "Le Goff, Anne",
            "email": "anne.legoff@example.org",
            "organisation": "Ifremer",
            "orcid": "0000-0002-1825-0097",
        },
        "lineage": "SBE 911plus CTD; processed with SBE Data Processing; salinity calibrated on bottle samples.",
        "rights": [cc_by],
        "subjects": [
            {
                "subject": "Temperature of the water column",
                **p02,
                "value_uri": "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/",
                "keyword_type": "parameter",
            },
            {
                "subject": "Salinity of the water column",
                **p02,
                "value_uri": "http://vocab.nerc.ac.uk/collection/P02/current/PSAL/",
                "keyword_type": "parameter",
            },
            {
                "subject": "EARTH SCIENCE > OCEANS > OCEAN TEMPERATURE",
                **gcmd,
                "value_uri": "https://gcmd.earthdata.nasa.gov/kms/concept/aa35a52f-e3d9-41bd-abd2-ec7e1a8101d1",
            },
            {"subject": "PELGAS"},
        ],
        "geo_locations": [
            {"place": "Bay of Biscay", "box": {"west": -6.0, "east": -1.0, "south": 43.5, "north": 48.0}}
        ],
        "temporal_extent": {"start": "2024-04-25", "end": "2024-05-30"},
        "vertical_extent": {"minimum": 0, "maximum": 2000, "reference": "depth"},
        "funding_references": [
            {
                "funder_name": "Agence Nationale de la Recherche",
                "funder_identifier": "https://ror.org/00rbzpz17",
                "funder_identifier_type": "ROR",
                "award_number": "ANR-21-CE01-0001",
                "award_title": "Mesoscale fronts",
            }
        ],
        "related_identifiers": [
            {
                "identifier": "10.1016/j.dsr.2020.103345",
                "relation_type": "IsSupplementTo",
                "resource_type_general": "JournalArticle",
            },
            {
                "identifier": "https://github.com/socib/glider-toolbox",
                "identifier_type": "URL",
                "relation_type": "IsCompiledBy",
                "resource_type_general": "Software",
            },
        ],
    }
    in_a_year = (date.today() + timedelta(days=365)).isoformat()
    variants = [
        {},
        {
            "geo_locations": [
                {"place": "Lau Basin", "box": {"west": 177.5, "east": -173.25, "south": -21.0, "north": -15.5}}
            ]
        },
        {"temporal_extent": {"start": "2023-01-01", "ongoing": True}, "rights": [cc0]},
        {
            "creators": [
                {"name": "Coriolis data centre", "name_type": "Organizational"},
                {"name": "Ifremer", "name_type": "Organizational", "ror": "https://ror.org/044jxhp58"},
            ]
        },
        {"access": {"level": "embargoed", "embargo_until": in_a_year}},
        {
            "geo_locations": [
                {
                    "polygon": [
                        {"longitude": -5.0, "latitude": 48.0},
                        {"longitude": -4.0, "latitude": 48.0},
                        {"longitude": -4.5, "latitude": 49.0},
                    ]
                },
                {"point": {"longitude": -4.2, "latitude": 48.3}, "place": "Brest"},
            ]
        },
        {
            "vertical_extent": {"minimum": 120, "maximum": 3000, "reference": "altitude"},
            "resource_type": {"general": "Dataset", "type": "Radiosoundings"},
        },
        {
            "resource_type": {"general": "Software", "type": "Processing code"},
            "geo_locations": [],
            "temporal_extent": None,
            "vertical_extent": None,
        },
        {
            "contributors": [
                {"name": "Dupont, Marie", "contributor_type": "DataCurator"},
                {"name": "SISMER", "name_type": "Organizational", "contributor_type": "HostingInstitution"},
            ],
            "language": "fr",
        },
        {
            "descriptions": [
                {"description": "Glider section across the Ibiza Channel. " * 10},
                {"description": "Slocum G2, thermal-lag corrected.", "description_type": "Methods"},
            ]
        },
    ]
    made = []
    for variant in variants:
        data = {**base, **{k: v for k, v in variant.items() if v is not None}}
        for key, value in variant.items():
            if value is None:
                data.pop(key, None)
        made.append(MetadataDocument.model_validate(data).model_dump(mode="json"))
    return made


def seed(n: int, *, reseed: bool) -> float:
    """N bench records (and their concepts and files), made once. Returns the seconds it took."""
    from django.db import connection, transaction

    from accounts.models import Community, User
    from repository.models import Concept, Record, RecordFile

    existing = Record.objects.filter(doi__startswith=DOI_PREFIX).count()
    if existing == n and not reseed:
        return 0.0
    started = time.monotonic()
    with transaction.atomic():
        RecordFile.objects.filter(record__doi__startswith=DOI_PREFIX).delete()
        concepts = list(Record.objects.filter(doi__startswith=DOI_PREFIX).values_list("concept_id", flat=True))
        Record.objects.filter(doi__startswith=DOI_PREFIX).delete()
        Concept.objects.filter(pk__in=concepts).delete()
    owner, _ = User.objects.get_or_create(username="bench-oai", defaults={"email": "bench-oai@example.org"})
    communities = list(Community.objects.order_by("slug"))
    templates = documents()
    rng = random.Random(9)
    end = datetime.now(UTC) - timedelta(days=1)
    span = timedelta(days=730)
    batch = 2000
    for first in range(0, n, batch):
        size = min(batch, n - first)
        with transaction.atomic():
            concepts = Concept.objects.bulk_create([Concept() for _ in range(size)])
            records = []
            for offset, concept in enumerate(concepts):
                i = first + offset
                template = templates[i % len(templates)]
                metadata = {**template, "titles": [{"title": f"{template['titles'][0]['title']} no. {i}"}]}
                # Every tenth pair shares a datestamp: the key is (modified, pk), not modified alone.
                step = i - (i % 2) if i % 20 < 2 else i
                modified = end - span + span * step / max(n, 1)
                withdrawn = i % 100 == 99
                access = metadata.get("access") or {}
                records.append(
                    Record(
                        title=metadata["titles"][0]["title"],
                        metadata=metadata,
                        doi=f"{DOI_PREFIX}{i:07d}",
                        community=communities[i % len(communities)],
                        owner=owner,
                        concept=concept,
                        status=Record.Status.withdrawn if withdrawn else Record.Status.published,
                        publication_date=modified.date(),
                        modified=modified,
                        embargo_until=access.get("embargo_until") if access.get("level") == "embargoed" else None,
                        withdrawn_at=modified if withdrawn else None,
                        withdrawal_reason="data_error" if withdrawn else "",
                    )
                )
            records = Record.objects.bulk_create(records)
            RecordFile.objects.bulk_create(
                RecordFile(
                    record=record,
                    name=name,
                    size=rng.randrange(10_000, 5_000_000_000),
                    md5="0" * 32,
                    sha256=secrets.token_hex(32),
                    storage_key=f"bench/{record.pk}/{name}",
                )
                for record in records
                for name in ("ctd.nc", "README.txt", "stations.csv")[: 1 + record.pk % 3]
            )
        print(f"\rseeded {first + size:,}/{n:,} records", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.monotonic() - started


# --- the web process and its memory --------------------------------------------------------------


class RssSampler:
    """Resident memory of gunicorn's worker, sampled every 50 ms: the peak and a time series."""

    def __init__(self, master_pid: int):
        self.master_pid = master_pid
        self.peak_kib = 0
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now_kib(self) -> int:
        return max((_rss_kib(pid) for pid in _children(self.master_pid)), default=0)

    def _run(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set():
            kib = self.now_kib()
            self.peak_kib = max(self.peak_kib, kib)
            self.samples.append((time.monotonic() - started, kib))
            self._stop.wait(0.05)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def start_web(url: str, port: int, page_size: int, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "OAI_REPOSITORY_IDENTIFIER": "bench.estran.example.org",
        "OAI_PAGE_SIZE": str(page_size),
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",
    }
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "8",
            "--worker-class",
            "gthread",
            "--timeout",
            "300",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return wait_for_web(web, port)


# --- the harvest ---------------------------------------------------------------------------------


def warm(base_url: str, prefix: str) -> float:
    """What a harvester does first (Identify, ListMetadataFormats), which also has the fresh worker
    import what serving records needs: the harvest then measures pages, not start-up."""
    from sickle import Sickle

    started = time.perf_counter()
    sickle = Sickle(base_url, max_retries=0, timeout=300)
    sickle.Identify()
    assert prefix in {f.metadataPrefix for f in sickle.ListMetadataFormats()}
    header = next(iter(sickle.ListIdentifiers(metadataPrefix=prefix)))
    sickle.GetRecord(identifier=header.identifier, metadataPrefix=prefix)
    return round((time.perf_counter() - started) * 1000, 1)


def harvest(base_url: str, prefix: str, sampler: RssSampler) -> dict:
    from sickle import Sickle

    pages: list[dict] = []

    class TimedSickle(Sickle):
        def harvest(self, **kwargs):
            started = time.perf_counter()
            response = super().harvest(**kwargs)
            pages.append(
                {
                    "seconds": time.perf_counter() - started,
                    "bytes": len(response.http_response.content),
                    "rss_kib": sampler.now_kib(),
                }
            )
            return response

    harvester = TimedSickle(base_url, max_retries=0, timeout=300)
    seen: set[str] = set()
    duplicates = deleted = 0
    started = time.perf_counter()
    for record in harvester.ListRecords(metadataPrefix=prefix):
        identifier = record.header.identifier
        duplicates += identifier in seen
        seen.add(identifier)
        deleted += record.header.deleted
    return {
        "seconds": time.perf_counter() - started,
        "pages": pages,
        "records": len(seen),
        "duplicates": duplicates,
        "deleted": deleted,
    }


def summarize(args, seed_seconds: float, result: dict, rss: dict) -> dict:
    times = [p["seconds"] for p in result["pages"]]
    tenth = max(1, len(times) // 10)
    ms = lambda seconds: round(seconds * 1000, 1)  # noqa: E731
    rss_pages = [p["rss_kib"] for p in result["pages"]]
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}",
        "records_seeded": args.records,
        "seed_seconds": round(seed_seconds, 1),
        "format": args.prefix,
        "page_size": args.page_size,
        "records_harvested": result["records"],
        "deleted_announced": result["deleted"],
        "duplicates": result["duplicates"],
        "missed": args.records - result["records"],
        "pages": len(times),
        "harvest_seconds": round(result["seconds"], 1),
        "records_per_second": round(result["records"] / result["seconds"], 1),
        "mib_per_page_median": round(statistics.median(p["bytes"] for p in result["pages"]) / 2**20, 2),
        "page_ms": {
            "first": ms(times[0]),
            "last": ms(times[-1]),
            "median": ms(statistics.median(times)),
            "p95": ms(sorted(times)[int(0.95 * (len(times) - 1))]),
            "first_tenth_median": ms(statistics.median(times[:tenth])),
            "last_tenth_median": ms(statistics.median(times[-tenth:])),
        },
        "web_rss_mib": {
            "idle": round(rss["idle"] / 1024, 1),
            "after_first_page": round(rss_pages[0] / 1024, 1),
            "at_10_percent": round(rss_pages[len(rss_pages) // 10] / 1024, 1),
            "at_50_percent": round(rss_pages[len(rss_pages) // 2] / 1024, 1),
            "at_end": round(rss_pages[-1] / 1024, 1),
            "peak": round(rss["peak"] / 1024, 1),
        },
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="PostgreSQL database (created when missing)")
    parser.add_argument("--database-server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--prefix", default="iso19115-3", help="metadataPrefix to harvest")
    parser.add_argument("--page-size", type=int, default=100, help="OAI_PAGE_SIZE of the web process")
    parser.add_argument("--reseed", action="store_true", help="make the records again")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)

    url = f"{args.database_server.rstrip('/')}/{args.database}"
    ensure_database(url)
    setup_django(url)
    seed_seconds = seed(args.records, reseed=args.reseed)
    from django.db import connections

    connections.close_all()

    port = free_port()
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-oai-web-{port}.log"
    with open(log_path, "w") as log:
        web = start_web(url, port, args.page_size, log)
        try:
            with RssSampler(web.pid) as sampler:
                idle = sampler.now_kib()
                warm_up = warm(f"http://127.0.0.1:{port}/oai", args.prefix)
                load_before = os.getloadavg()[0]
                result = harvest(f"http://127.0.0.1:{port}/oai", args.prefix, sampler)
                load_after = os.getloadavg()[0]
            figures = summarize(args, seed_seconds, result, {"idle": idle, "peak": sampler.peak_kib})
            figures["warm_up_ms"] = warm_up
            # The machine is shared: the 1-minute load average says how much else ran meanwhile.
            figures["load_average_1min"] = {"before": round(load_before, 2), "after": round(load_after, 2)}
            figures["rss_series_mib"] = [(round(t, 1), round(kib / 1024, 1)) for t, kib in sampler.samples[::40]]
        finally:
            stop_web(web)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    ok = figures["missed"] == 0 and figures["duplicates"] == 0
    if not ok:
        print(
            f"FAILED: {figures['missed']} missed, {figures['duplicates']} duplicated; web log {log_path}",
            file=sys.stderr,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
