"""Thesaurus type-ahead benchmark (issue 5): latency of GET /vocabularies/search on 100,000 concepts.

Creates (if missing) and migrates a dedicated PostgreSQL database, seeds it once with generated
concepts (the real labels of ../shared/vocabularies and of the demo set, English and French, times
N with qualifiers such as "(surface)", "(moyenne mensuelle)", in eight thesauri, loaded through the
same service as `estran_load_thesaurus`), then sends a few hundred realistic type-ahead queries
(prefixes of 1 to 6 characters, whole words, two words; English and French; no thesaurus filter,
one or two thesauri) and reports p50 / p95 / p99 latency.

    .venv/bin/python bench/thesaurus/run.py                      # 100,000 concepts, Django test client
    .venv/bin/python bench/thesaurus/run.py --http               # the same over HTTP, gunicorn (2 workers)
    .venv/bin/python bench/thesaurus/run.py --concepts 5000 --queries 40 --json out.json

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/estran_bench) names the database; it is
created when missing, never dropped. Goal: p95 under 50 ms. tests/vocabularies/test_bench.py runs
it small so that it cannot rot.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.support import ensure_database, setup_django, summary  # noqa: E402

SHARED = ROOT.parent / "shared" / "vocabularies"
DEMO = ROOT / "vocabularies" / "data" / "estran-demo.ttl"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/estran_bench"
THESAURI = 8
PREFIX = "bench-"

QUALIFIERS = [  # (English, French)
    ("surface", "surface"),
    ("bottom", "fond"),
    ("deep", "profond"),
    ("coastal", "côtier"),
    ("estuarine", "estuarien"),
    ("Arctic", "arctique"),
    ("Antarctic", "antarctique"),
    ("Mediterranean", "méditerranéen"),
    ("North Atlantic", "Atlantique Nord"),
    ("tropical", "tropical"),
    ("daily mean", "moyenne journalière"),
    ("monthly mean", "moyenne mensuelle"),
    ("climatology", "climatologie"),
    ("anomaly", "anomalie"),
    ("flux", "flux"),
    ("profile", "profil"),
    ("time series", "série temporelle"),
    ("gridded", "sur grille"),
    ("in situ", "in situ"),
    ("satellite-derived", "dérivé de satellite"),
    ("model output", "sortie de modèle"),
    ("reanalysis", "réanalyse"),
    ("near real time", "temps quasi réel"),
    ("delayed mode", "mode différé"),
    ("quality controlled", "contrôlé en qualité"),
    ("upper ocean", "océan superficiel"),
    ("mixed layer", "couche de mélange"),
    ("seasonal", "saisonnier"),
    ("interannual", "interannuel"),
    ("Bay of Biscay", "golfe de Gascogne"),
    ("English Channel", "Manche"),
    ("shelf", "plateau continental"),
    ("slope", "talus"),
    ("abyssal", "abyssal"),
    ("benthic", "benthique"),
    ("pelagic", "pélagique"),
    ("sediment", "sédiment"),
    ("ice-covered", "sous la glace"),
    ("nearshore", "littoral"),
    ("offshore", "au large"),
]


def corpus(real: bool = True) -> list:
    """Real concepts: every file of ../shared/vocabularies that is there (unless `real` is false),
    and the demo set (the French labels)."""
    import logging

    from vocabularies.skos import read_skos

    logging.getLogger("rdflib").setLevel(logging.ERROR)
    paths = sorted(p for p in SHARED.glob("*") if p.suffix in (".ttl", ".rdf")) if real and SHARED.is_dir() else []
    concepts = {}
    for path in [*paths, DEMO]:
        for thesaurus in read_skos(path):
            for concept in thesaurus.concepts:
                if not concept.deprecated and concept.pref.get("en"):
                    concepts[concept.uri] = concept  # the demo's (with French) wins
    return list(concepts.values())


def _variant(text: str, qualifier: str, pattern: int) -> str:
    return (
        f"{text} ({qualifier})" if pattern == 0 else f"{text}, {qualifier}" if pattern == 1 else f"{qualifier} {text}"
    )


def seed(total: int, rng: random.Random, *, real: bool = True) -> dict:
    from django.db import connection

    from vocabularies.models import Thesaurus
    from vocabularies.services import thesaurus_import
    from vocabularies.skos import ParsedConcept, ParsedThesaurus

    base = corpus(real)
    Thesaurus.objects.filter(slug__startswith=PREFIX).delete()
    per = total // THESAURI
    started = time.monotonic()
    made = 0
    for t in range(THESAURI):
        slug = f"{PREFIX}{t + 1}"
        uri = f"https://bench.estran.example/{slug}/"
        concepts = []
        for i in range(per if t < THESAURI - 1 else total - per * (THESAURI - 1)):
            source = base[(t * per + i) % len(base)]
            round_ = (t * per + i) // len(base)
            if round_ == 0:
                pref, alt = dict(source.pref), {k: list(v) for k, v in source.alt.items()}
            else:
                en_q, fr_q = QUALIFIERS[(round_ * 7 + i) % len(QUALIFIERS)]
                pattern = rng.randrange(3)
                pref = {"en": _variant(source.pref["en"], en_q, pattern)}
                if source.pref.get("fr"):
                    pref["fr"] = _variant(source.pref["fr"], fr_q, pattern)
                alt = {k: [_variant(a, en_q if k == "en" else fr_q, pattern) for a in v] for k, v in source.alt.items()}
            broader = f"{uri}{rng.randrange(i)}" if i and rng.random() < 0.7 else ""
            concepts.append(
                ParsedConcept(
                    uri=f"{uri}{i}",
                    pref=pref,
                    alt=alt,
                    notation=source.notation,
                    definition=source.definition[:200],
                    broader_uri=broader,
                )
            )
        parsed = ParsedThesaurus(uri=uri, title=f"Benchmark thesaurus {t + 1}", version="1", concepts=concepts)
        thesaurus_import(parsed=parsed, slug=slug, source="bench/thesaurus/run.py", batch_size=2000)
        made += len(concepts)
        print(f"seeded {slug}: {made}/{total} concepts", file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE vocabularies_concept")
        cursor.execute("VACUUM ANALYZE vocabularies_conceptlabel")
    return {"base_concepts": len(base), "seconds": round(time.monotonic() - started, 1)}


def make_queries(n: int, rng: random.Random) -> list[dict]:
    from vocabularies.models import ConceptLabel

    labels = list(
        ConceptLabel.objects.filter(thesaurus__slug__startswith=PREFIX, is_pref=True)
        .order_by("pk")
        .values_list("text", "lang")
    )
    slugs = [f"{PREFIX}{t + 1}" for t in range(THESAURI)]
    queries = []
    while len(queries) < n:
        text, lang = rng.choice(labels)
        words = [w for w in text.replace("(", " ").replace(")", " ").replace(",", " ").split() if len(w) >= 3]
        if not words:
            continue
        word = rng.choice(words)
        kind = rng.random()
        if kind < 0.6:
            q = word[: rng.randint(1, 6)]
            shape = f"prefix {len(q)}"
        elif kind < 0.85:
            q = word
            shape = "word"
        else:
            i = text.find(word)
            q = text[i : i + len(word) + 4]
            shape = "two words"
        scope = rng.random()
        thesaurus = "" if scope < 0.5 else rng.choice(slugs) if scope < 0.8 else ",".join(rng.sample(slugs, 2))
        queries.append({"q": q, "lang": lang, "thesaurus": thesaurus, "shape": shape})
    return queries


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HttpTarget:
    """gunicorn (2 sync workers, as on a 2-core machine) serving the bench database."""

    def __init__(self, url: str, conn_max_age: int = 0):
        import requests

        if conn_max_age:
            url += ("&" if "?" in url else "?") + f"conn_max_age={conn_max_age}"
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "bench-" + os.urandom(16).hex(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
        self.proc = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "config.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        self.session = requests.Session()
        deadline = time.monotonic() + 30
        while True:
            try:
                self.session.get(f"http://127.0.0.1:{self.port}/vocabularies/search?q=a", timeout=2)
                break
            except requests.RequestException as exc:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise SystemExit("gunicorn did not start") from exc
                time.sleep(0.2)

    def get(self, params: dict) -> tuple[int, int]:
        r = self.session.get(f"http://127.0.0.1:{self.port}/vocabularies/search", params=params, timeout=10)
        return r.status_code, len(r.json()["results"])

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)


class ClientTarget:
    """Django's test client: the whole view (URL routing, middleware, JSON) in this process."""

    def __init__(self):
        from django.test import Client

        self.client = Client(HTTP_HOST="127.0.0.1")

    def get(self, params: dict) -> tuple[int, int]:
        r = self.client.get("/vocabularies/search", params)
        return r.status_code, len(r.json()["results"])

    def close(self):
        pass


def measure(target, queries: list[dict], rounds: int) -> list[dict]:
    for query in queries:  # warm-up: caches, connections, plans
        target.get({k: v for k, v in query.items() if k != "shape" and v})
    samples = []
    for _ in range(rounds):
        for query in queries:
            params = {k: v for k, v in query.items() if k != "shape" and v}
            started = time.perf_counter()
            status, count = target.get(params)
            elapsed = (time.perf_counter() - started) * 1000
            assert status == 200, (status, params)
            samples.append({**query, "ms": elapsed, "results": count})
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concepts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--http", action="store_true", help="Through gunicorn over HTTP, not the test client.")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=0,
        help="With --http: keep database connections this many seconds (Django's CONN_MAX_AGE; "
        "Estran's default is 0, a new connection per request).",
    )
    parser.add_argument("--reseed", action="store_true", help="Seed again even if the database has the concepts.")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--demo-corpus",
        action="store_true",
        help="Generate from the demo set only (quick; the default also reads ../shared).",
    )
    parser.add_argument("--json", type=Path, help="Write the figures and every sample here.")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    ensure_database(url)
    setup_django(url)
    from vocabularies.models import Concept, ConceptLabel

    rng = random.Random(args.seed)
    seeded = None
    if args.reseed or Concept.objects.filter(thesaurus__slug__startswith=PREFIX).count() != args.concepts:
        seeded = seed(args.concepts, rng, real=not args.demo_corpus)
    concepts = Concept.objects.count()
    labels = ConceptLabel.objects.count()
    queries = make_queries(args.queries, random.Random(args.seed))
    target = HttpTarget(url, args.conn_max_age) if args.http else ClientTarget()
    load_before = os.getloadavg()[0]
    try:
        samples = measure(target, queries, args.rounds)
    finally:
        target.close()
    # The machine may be shared: the 1-minute load average says how busy it was.
    load = [round(load_before, 2), round(os.getloadavg()[0], 2)]

    overall = summary(samples)
    by_shape = {}
    for shape in sorted({s["shape"] for s in samples}):
        by_shape[shape] = summary([s for s in samples if s["shape"] == shape])
    slowest = sorted(samples, key=lambda s: -s["ms"])[:5]
    report = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}",
        "target": (
            f"gunicorn, 2 workers, HTTP, CONN_MAX_AGE={args.conn_max_age}" if args.http else "Django test client"
        ),
        "load_average_before_after": load,
        "database": urlparse(url)._replace(netloc=urlparse(url).hostname or "").geturl(),
        "concepts": concepts,
        "labels": labels,
        "seeded": seeded,
        "queries": len(queries),
        "rounds": args.rounds,
        "overall": overall,
        "by_shape": by_shape,
        "slowest": [{k: s[k] for k in ("q", "lang", "thesaurus", "ms", "results")} for s in slowest],
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps({**report, "all": samples}, indent=1, ensure_ascii=False), encoding="utf-8")
    goal = overall["p95"] < 50
    print(
        f"p50 {overall['p50']} ms, p95 {overall['p95']} ms, p99 {overall['p99']} ms over {overall['samples']} "
        f"requests on {concepts} concepts: {'meets' if goal else 'MISSES'} the 50 ms p95 goal.",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
