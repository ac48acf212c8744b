"""Landing-page throughput benchmark (issue 8): anonymous requests for random landing pages among
N published records (100,000 by default), against a trivial Django view served by the same
gunicorn in the same run; the goal is a ratio of at least 0.5.

What runs, on this machine:

- PostgreSQL: a dedicated database (`estran_bench_landing` unless `--database`), created and
  migrated when missing and seeded once with N published records (`--reseed` starts again): bulk
  rows as `record_publish` leaves them (a DOI row each), from ten varied metadata documents
  (boxes, points, polygons, thesaurus keywords, funding, related resources, contributors,
  embargoes, organisations as creators, 25 creators), one to three files each (one record in fifty
  has 40), one dataset in five in three versions, and up to two years of daily usage rows for one
  record in two;
- Redis as the cache (`CACHE_URL`, database 12 unless `--cache-url`, emptied before and after), as
  production runs with several web processes;
- the web process: gunicorn (`bench.landing.settings`: production's settings and URLs plus the
  yardsticks of `bench/landing/urls.py`), `--workers` gthread workers of `--threads` threads on
  loopback, keeping their database connections;
- the clients: `--clients` processes, each with one keep-alive HTTP/1.1 connection, sending
  requests back to back with a browser's User-Agent and Accept (so that each landing view is
  counted, as a reader's: the COUNTER filter and the counting are part of what is measured).

In order: the trivial view (warm-up); *first views*: pages drawn among all N records with the cache
empty (nearly every one rendered); then `--hot` records (10,000) are each requested once (what
fills the page cache), and `--rounds` rounds of `--seconds` each alternate the trivial view, pages
drawn among the hot records, `/bench/bytes/<n>` (the same number of bytes as a median page, from
memory) and `/bench/query/<pk>/<n>` (the same after one primary-key query), so that all see the
same machine. It reports requests per second, latency percentiles and each ratio to the trivial
view, and fails when a request fails.

    .venv/bin/python bench/landing/run.py                          # 100,000 records
    .venv/bin/python bench/landing/run.py --records 2000 --hot 500 --seconds 3 --rounds 1 --json /tmp/landing.json

Run by hand; tests/repository/test_landing_bench.py runs it on 100 records so that it cannot rot
(`make bench-check`: 300).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import random
import secrets
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.support import ensure_database, free_port, setup_django, stop_web  # noqa: E402

DEFAULT_DATABASE = "estran_bench_landing"
DOI_PREFIX = "10.5072/bench-landing."
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


# --- the records -------------------------------------------------------------------------------


def documents() -> list[dict]:
    """Ten valid metadata documents that, between them, fill every part of the landing page."""
    from repository.metadata import LICENCES, MetadataDocument

    cc_by, cc0 = LICENCES["CC-BY-4.0"].model_dump(), LICENCES["CC0-1.0"].model_dump()
    p01 = {"scheme": "NERC P01", "scheme_uri": "http://vocab.nerc.ac.uk/collection/P01/current/"}
    base = {
        "titles": [{"title": "CTD casts"}, {"title": "Profils CTD", "title_type": "TranslatedTitle", "lang": "fr"}],
        "creators": [
            {
                "name": "Le Goff, Anne",
                "orcid": "0000-0002-1825-0097",
                "affiliations": [{"name": "Ifremer", "ror": "https://ror.org/044jxhp58"}, {"name": "LOPS"}],
            },
            {"name": "Martin, Paul", "affiliations": [{"name": "CNRS"}]},
            {"name": "Rossi, Chiara", "orcid": "0000-0002-1694-233X"},
        ],
        "descriptions": [{"description": "Temperature and salinity profiles from CTD casts on the shelf. " * 8}],
        "resource_type": {"general": "Dataset", "type": "CTD profiles"},
        "point_of_contact": {"name": "Le Goff, Anne", "email": "anne.legoff@example.org", "organisation": "Ifremer"},
        "lineage": "SBE 911plus CTD; processed with SBE Data Processing; salinity calibrated on bottle samples.",
        "rights": [cc_by],
        "subjects": [
            {
                "subject": "Temperature of the water body",
                **p01,
                "keyword_type": "parameter",
                "value_uri": "http://vocab.nerc.ac.uk/collection/P01/current/TEMPPR01/",
            },
            {
                "subject": "Practical salinity of the water body",
                **p01,
                "keyword_type": "parameter",
                "value_uri": "http://vocab.nerc.ac.uk/collection/P01/current/PSALPR01/",
            },
            {"subject": "Oceans", "scheme": "GEMET", "value_uri": "http://www.eionet.europa.eu/gemet/concept/5802"},
            {"subject": "Bay of Biscay", "keyword_type": "place"},
            {"subject": "PELGAS"},
        ],
        "geo_locations": [
            {"place": "Bay of Biscay", "box": {"west": -6.0, "east": -1.0, "south": 43.5, "north": 48.0}}
        ],
        "temporal_extent": {"start": "2024-04-25", "end": "2024-05-30"},
        "vertical_extent": {"minimum": 0, "maximum": 2000, "reference": "depth"},
        "funding_references": [
            {
                "funder_name": "Agence nationale de la recherche",
                "funder_identifier": "https://ror.org/00rbzpz17",
                "funder_identifier_type": "ROR",
                "award_number": "ANR-21-CE01-0001",
                "award_title": "Shelf dynamics",
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
            "creators": [
                {"name": f"Author{i:02d}, Given", "affiliations": [{"name": f"Laboratory {i}"}]} for i in range(25)
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
    """N bench records (with their concepts, DOIs, files and usage), made once. Returns seconds."""
    from django.db import connection, transaction

    from accounts.models import Community, User
    from repository.models import Concept, PersistentIdentifier, Record, RecordFile, RecordUsage

    existing = Record.objects.filter(doi__startswith=DOI_PREFIX).count()
    if existing == n and not reseed:
        return 0.0
    started = time.monotonic()
    with transaction.atomic():
        mine = Record.objects.filter(doi__startswith=DOI_PREFIX)
        RecordUsage.objects.filter(record__in=mine).delete()
        RecordFile.objects.filter(record__in=mine).delete()
        PersistentIdentifier.objects.filter(doi__startswith=DOI_PREFIX).delete()
        concepts = list(mine.values_list("concept_id", flat=True))
        mine.delete()
        Concept.objects.filter(pk__in=concepts).delete()
    owner, _ = User.objects.get_or_create(username="bench-landing", defaults={"email": "bench-landing@example.org"})
    communities = list(Community.objects.order_by("slug"))
    templates = documents()
    rng = random.Random(8)
    today = date.today()
    batch = 2000
    made = 0
    while made < n:
        size = min(batch, n - made)
        with transaction.atomic():
            # One dataset in five has three versions (its records are consecutive).
            chains: list[int] = []
            while sum(chains) < size:
                chains.append(min(3 if rng.random() < 0.2 else 1, size - sum(chains)))
            concepts = Concept.objects.bulk_create([Concept() for _ in chains])
            records = []
            for concept, length in zip(concepts, chains, strict=True):
                for version in range(1, length + 1):
                    i = made + len(records)
                    template = templates[i % len(templates)]
                    metadata = {
                        **template,
                        "titles": [{"title": f"{template['titles'][0]['title']} no. {i}"}, *template["titles"][1:]],
                    }
                    published = today - timedelta(days=rng.randrange(1, 730))
                    access = metadata.get("access") or {}
                    records.append(
                        Record(
                            title=metadata["titles"][0]["title"],
                            metadata=metadata,
                            doi=f"{DOI_PREFIX}{i:07d}",
                            community=communities[i % len(communities)],
                            owner=owner,
                            concept=concept,
                            version=version,
                            publication_date=published,
                            modified=datetime.combine(published, datetime.min.time(), tzinfo=UTC),
                            embargo_until=access.get("embargo_until") if access.get("level") == "embargoed" else None,
                        )
                    )
            records = Record.objects.bulk_create(records)
            PersistentIdentifier.objects.bulk_create(
                PersistentIdentifier(
                    doi=r.doi,
                    provider="local",
                    record=r,
                    concept_id=r.concept_id,
                    state="findable",
                    target_state="findable",
                    sync="done",
                    url=f"/records/{r.pk}",
                )
                for r in records
            )
            files = []
            for record in records:
                names = (
                    [f"cast_{k:03d}.nc" for k in range(40)]
                    if record.pk % 50 == 0
                    else ["ctd.nc", "README.md", "stations.csv"][: 1 + record.pk % 3]
                )
                files += [
                    RecordFile(
                        record=record,
                        name=name,
                        size=rng.randrange(10_000, 5_000_000_000),
                        md5="0" * 32,
                        sha256=secrets.token_hex(32),
                        storage_key=f"bench/{record.pk}/{name}",
                    )
                    for name in names
                ]
            RecordFile.objects.bulk_create(files)
            usage = []
            for record in records[::2]:
                for _ in range(rng.randrange(1, 12)):
                    usage.append(
                        RecordUsage(
                            record=record,
                            day=today - timedelta(days=rng.randrange(0, 730)),
                            views=rng.randrange(1, 40),
                            downloads=rng.randrange(0, 6),
                        )
                    )
            RecordUsage.objects.bulk_create(usage, ignore_conflicts=True)
        made += size
        print(f"\rseeded {made:,}/{n:,} records", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.monotonic() - started


# --- the web process ------------------------------------------------------------------------------


def start_web(url: str, port: int, workers: int, threads: int, cache_url: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "CACHE_URL": cache_url,
        "DJANGO_SETTINGS_MODULE": "bench.landing.settings",
        "DATABASE_URL": url,
        "DB_CONN_MAX_AGE": "600",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{port}",
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
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--timeout",
            "120",
            "--keep-alive",
            "30",
            "--backlog",
            "256",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/bench/trivial")
            if conn.getresponse().status == 200:
                conn.close()
                return web
        except OSError:
            pass
        if web.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("gunicorn did not start; see its log")
        time.sleep(0.2)


# --- the clients ------------------------------------------------------------------------------------


def _client(port: int, paths: list[str], seconds: float, start_at: float, seed_value: int, queue) -> None:
    """One connection, requests back to back until the time is up: (latencies, errors, statuses)."""
    rng = random.Random(seed_value)
    headers = {"User-Agent": BROWSER_UA, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Language": "en"}
    latencies: list[float] = []
    errors: list[str] = []
    statuses: dict[int, int] = {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        path = paths[rng.randrange(len(paths))]
        began = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.status not in (200, 410) or not body:
                errors.append(f"{path}: {response.status}")
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{path}: {exc!r}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        latencies.append(time.perf_counter() - began)
    conn.close()
    queue.put((latencies, errors, statuses))


def load(port: int, paths: list[str], *, clients: int, seconds: float, seed_value: int) -> dict:
    """`clients` processes hitting `paths` for `seconds`: requests per second and latencies."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.time() + 0.5
    procs = [
        context.Process(target=_client, args=(port, paths, seconds, start_at, seed_value * 100 + k, queue))
        for k in range(clients)
    ]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=seconds + 120) for _ in procs]
    for proc in procs:
        proc.join()
    latencies = sorted(t for r in results for t in r[0])
    errors = [e for r in results for e in r[1]]
    statuses: dict[int, int] = {}
    for r in results:
        for status, count in r[2].items():
            statuses[status] = statuses.get(status, 0) + count
    return {
        "requests": len(latencies),
        "seconds": seconds,
        "latencies": latencies,
        "errors": errors,
        "statuses": statuses,
    }


def _visit(port: int, paths: list[str], queue) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    failures = 0
    for path in paths:
        conn.request("GET", path, headers={"User-Agent": BROWSER_UA})
        response = conn.getresponse()
        response.read()
        failures += response.status not in (200, 410)
        if response.will_close:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.close()
    queue.put(failures)


def visit_each(port: int, paths: list[str], *, clients: int) -> tuple[float, int]:
    """Every path once, `clients` connections in parallel (what fills the page cache): seconds,
    failures."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    started = time.perf_counter()
    procs = [context.Process(target=_visit, args=(port, paths[k::clients], queue)) for k in range(clients)]
    for proc in procs:
        proc.start()
    failures = sum(queue.get(timeout=3600) for _ in procs)
    for proc in procs:
        proc.join()
    return time.perf_counter() - started, failures


def median_size(port: int, paths: list[str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    sizes = []
    for path in paths:
        conn.request("GET", path, headers={"User-Agent": BROWSER_UA})
        sizes.append(len(conn.getresponse().read()))
    conn.close()
    return int(statistics.median(sizes))


def flush_cache(cache_url: str) -> None:
    """Empty the benchmark's cache database (and only it)."""
    if cache_url.startswith("redis://"):
        import redis

        redis.Redis.from_url(cache_url).flushdb()


def _summary(phases: list[dict]) -> dict:
    latencies = sorted(t for p in phases for t in p["latencies"])
    requests = sum(p["requests"] for p in phases)
    seconds = sum(p["seconds"] for p in phases)
    pct = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 2) if latencies else None  # noqa: E731
    statuses: dict[str, int] = {}
    for p in phases:
        for status, count in p["statuses"].items():
            statuses[str(status)] = statuses.get(str(status), 0) + count
    return {
        "requests": requests,
        "requests_per_second": round(requests / seconds, 1),
        "per_round_rps": [round(p["requests"] / p["seconds"], 1) for p in phases],
        "latency_ms": {
            "p50": pct(0.5),
            "p95": pct(0.95),
            "p99": pct(0.99),
            "mean": round(statistics.fmean(latencies) * 1000, 2) if latencies else None,
        },
        "statuses": statuses,
        "errors": sum(len(p["errors"]) for p in phases),
        "first_errors": [e for p in phases for e in p["errors"]][:5],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="PostgreSQL database (created when missing)")
    parser.add_argument("--database-server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reseed", action="store_true", help="make the records again")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    parser.add_argument("--clients", type=int, default=4, help="client processes (one connection each)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of one measuring round per target")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warm-up", type=float, default=5.0, help="seconds of the trivial view before measuring")
    parser.add_argument(
        "--hot",
        type=int,
        default=10_000,
        help="landing pages drawn from this many records, all rendered once before measuring",
    )
    parser.add_argument(
        "--cache-url",
        default="redis://127.0.0.1:6379/12",
        help="CACHE_URL of the web process (its database is emptied before and after)",
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)

    url = f"{args.database_server.rstrip('/')}/{args.database}"
    ensure_database(url)
    setup_django(url)
    seed_seconds = seed(args.records, reseed=args.reseed)
    from repository.models import Record, RecordUsage

    ids = list(Record.objects.filter(doi__startswith=DOI_PREFIX, status="published").values_list("pk", flat=True))
    usage_rows = RecordUsage.objects.filter(record__doi__startswith=DOI_PREFIX).count()
    from django.db import connections

    connections.close_all()
    rng = random.Random(1)
    hot = rng.sample(ids, min(args.hot, len(ids)))
    all_paths = [f"/records/{pk}" for pk in ids]
    hot_paths = [f"/records/{pk}" for pk in hot]
    trivial_paths = ["/bench/trivial"]

    port = free_port()
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-landing-web-{port}.log"
    flush_cache(args.cache_url)
    with open(log_path, "w") as log:
        web = start_web(url, port, args.workers, args.threads, args.cache_url, log)
        try:
            load_before = os.getloadavg()[0]
            load(port, trivial_paths, clients=args.clients, seconds=args.warm_up, seed_value=0)
            # First views: pages drawn among all records, the cache empty (nearly all misses).
            cold = [load(port, all_paths, clients=args.clients, seconds=args.seconds, seed_value=99)]
            warm_seconds, warm_failures = visit_each(port, hot_paths, clients=args.clients)
            page_bytes = median_size(port, hot_paths[:50])
            same_size_paths = [f"/bench/bytes/{page_bytes}"]
            query_paths = [f"/bench/query/{pk}/{page_bytes}" for pk in hot]
            trivial, landing, same_size, one_query = [], [], [], []
            for r in range(args.rounds):
                trivial.append(load(port, trivial_paths, clients=args.clients, seconds=args.seconds, seed_value=r + 1))
                landing.append(load(port, hot_paths, clients=args.clients, seconds=args.seconds, seed_value=r + 1))
                same_size.append(
                    load(port, same_size_paths, clients=args.clients, seconds=args.seconds, seed_value=r + 1)
                )
                one_query.append(load(port, query_paths, clients=args.clients, seconds=args.seconds, seed_value=r + 1))
            load_after = os.getloadavg()[0]
        finally:
            stop_web(web)
            flush_cache(args.cache_url)
    t, lp, c, b, q = _summary(trivial), _summary(landing), _summary(cold), _summary(same_size), _summary(one_query)
    figures = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}",
        "records_seeded": args.records,
        "published_records": len(ids),
        "usage_rows": usage_rows,
        "seed_seconds": round(seed_seconds, 1),
        "gunicorn": f"{args.workers} workers x {args.threads} threads (gthread)",
        "cache": args.cache_url.split("://")[0],
        "clients": args.clients,
        "rounds": args.rounds,
        "seconds_per_round": args.seconds,
        "hot_records": len(hot),
        "hot_fill_seconds": round(warm_seconds, 1),
        "hot_fill_pages_per_second": round(len(hot) / warm_seconds, 1),
        "trivial": t,
        "landing": lp,
        "ratio": round(lp["requests_per_second"] / t["requests_per_second"], 3) if t["requests_per_second"] else None,
        "landing_page_bytes_median": page_bytes,
        "same_size_bytes": b,
        "ratio_same_size_bytes": round(b["requests_per_second"] / t["requests_per_second"], 3)
        if t["requests_per_second"]
        else None,
        "one_query_same_size": q,
        "ratio_one_query_same_size": round(q["requests_per_second"] / t["requests_per_second"], 3)
        if t["requests_per_second"]
        else None,
        "landing_first_views": c,
        "ratio_first_views": round(c["requests_per_second"] / t["requests_per_second"], 3)
        if t["requests_per_second"]
        else None,
        "load_average_1min": {"before": round(load_before, 2), "after": round(load_after, 2)},
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    failed = t["errors"] + lp["errors"] + c["errors"] + b["errors"] + q["errors"] + warm_failures
    if failed:
        print(f"FAILED: {failed} failed requests; web log {log_path}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
