"""Search benchmark (issue 8): latency of a search with text, facets and a bounding box over 100,000
published records in PostgreSQL.

Creates (if missing) and migrates a dedicated PostgreSQL database and seeds it once: records
written straight with bulk_create (as `record_publish` leaves them, without files or DOIs), their
metadata drawn from a small vocabulary of Earth-system and ocean datasets (English and, one in five,
French titles and abstracts; thesaurus keywords; a few hundred creators; boxes and points over
real seas and lands, some across the antimeridian; collection periods, some ongoing; licences,
resource types, communities, publication years), so that facets have real counts; then builds the
search index with `records_reindex` (what `manage.py estran_reindex` does). It then runs a few
hundred varied searches, each with words, one to three facet values and a box (one in eight across
the antimeridian), and reports p50 / p95 / p99 latency:

- `function`: `repository.search.search()` called in this process (hits, total and the six facets);
- `client`: `GET /api/records` through Django's test client (routing, middleware, JSON) in this
  process;
- `http` (with `--http`): `GET /api/records` over HTTP to gunicorn (2 sync workers), the database
  connections kept (`conn_max_age`).

    .venv/bin/python bench/search/run.py                       # 100,000 records, function + test client
    .venv/bin/python bench/search/run.py --http                # also over HTTP (gunicorn)
    .venv/bin/python bench/search/run.py --records 3000 --queries 30 --json out.json
    .venv/bin/python bench/search/run.py --records 1000000 --targets function   # issue 18's million

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/estran_bench_search) names the database;
it is created when missing, never dropped (it holds one collection: another --records seeds it
again). Goals (issue 18): p95 under 100 ms and p99 under 200 ms up to 100,000 records (250 and 500
beyond), searches with a quoted phrase reported apart with a p95 under 150 ms; the last lines say
"meets" or "MISSES" for each. tests/search/test_bench.py runs it small so that it cannot rot.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.support import SCALE_SETTINGS, children_of, ensure_database, own_postgres, rss_kib, setup_django, summary  # noqa: E402

PHRASE_GOAL = 150.0  # ms, p95 of the searches with a quoted phrase (issue 18)
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/estran_bench_search"
DOI_PREFIX = "10.5072/bench-search."
P02 = "http://vocab.nerc.ac.uk/collection/P02/current/"

# (English, French, concept URI or None, weight): measured parameters and other keywords.
KEYWORDS = [
    ("Sea water temperature", "Température de l'eau de mer", P02 + "TEMP/", 30),
    ("Salinity of the water column", "Salinité de la colonne d'eau", P02 + "PSAL/", 24),
    ("Dissolved oxygen parameters in the water column", "Oxygène dissous", P02 + "DOXY/", 14),
    ("Chlorophyll pigment concentrations in water bodies", "Concentration en chlorophylle", P02 + "CPWC/", 12),
    ("Nitrate concentration parameters in the water column", "Concentration en nitrate", P02 + "NTRA/", 8),
    ("Phosphate concentration parameters in the water column", "Concentration en phosphate", P02 + "PHOS/", 6),
    ("Horizontal velocity of the water column (currents)", "Courants", P02 + "RFVL/", 10),
    ("Sea level", "Niveau de la mer", P02 + "ASLV/", 7),
    ("Wave height and period statistics", "Hauteur et période des vagues", P02 + "GWHP/", 6),
    ("Air temperature", "Température de l'air", P02 + "CDTA/", 9),
    ("Wind strength and direction", "Force et direction du vent", P02 + "EWSB/", 8),
    ("Atmospheric aerosols", "Aérosols atmosphériques", None, 5),
    ("Precipitation and evaporation", "Précipitations et évaporation", P02 + "PVPR/", 6),
    ("Soil moisture", "Humidité du sol", None, 6),
    ("Land cover", "Occupation du sol", None, 5),
    ("Snow cover", "Couverture neigeuse", None, 3),
    ("Seismicity", "Sismicité", None, 4),
    ("GNSS positions", "Positions GNSS", None, 4),
    ("Sediment grain size", "Granulométrie des sédiments", P02 + "GSZB/", 5),
    ("Zooplankton abundance", "Abondance du zooplancton", P02 + "ZOOA/", 5),
    ("Seabird counts", "Comptages d'oiseaux marins", None, 3),
    ("Benthic fauna", "Faune benthique", None, 3),
    ("Fish abundance", "Abondance des poissons", P02 + "FIAB/", 4),
    ("Carbonate system", "Système des carbonates", P02 + "CO2C/", 5),
    ("Turbidity", "Turbidité", P02 + "TURB/", 4),
    ("Bathymetry", "Bathymétrie", P02 + "MBAN/", 5),
    ("Sea ice concentration", "Concentration de glace de mer", P02 + "ICEC/", 3),
    ("Ocean colour", "Couleur de l'océan", None, 4),
]
INSTRUMENTS = [
    ("CTD profiles", "profils CTD", 20),
    ("glider sections", "sections de planeur", 8),
    ("Argo float profiles", "profils de flotteurs Argo", 8),
    ("mooring time series", "séries temporelles de mouillage", 10),
    ("ship-based surface measurements", "mesures de surface depuis le navire", 8),
    ("satellite observations", "observations satellitaires", 8),
    ("model outputs", "sorties de modèle", 6),
    ("reanalysis", "réanalyse", 3),
    ("lidar measurements", "mesures lidar", 3),
    ("weather station records", "relevés de station météorologique", 5),
    ("sediment cores", "carottes sédimentaires", 5),
    ("seismometer records", "enregistrements sismométriques", 3),
    ("GNSS stations", "stations GNSS", 3),
    ("plankton net samples", "prélèvements au filet à plancton", 4),
    ("visual counts", "comptages visuels", 3),
    ("tide gauge records", "relevés marégraphiques", 4),
]
# (English, French, west, south, east, north, weight); west > east crosses the antimeridian.
PLACES = [
    ("Bay of Biscay", "golfe de Gascogne", -10.0, 43.3, -1.2, 48.5, 16),
    ("English Channel", "Manche", -5.7, 48.5, 1.6, 51.2, 12),
    ("Western Mediterranean", "Méditerranée occidentale", -5.5, 35.0, 16.0, 44.5, 14),
    ("Gulf of Lion", "golfe du Lion", 3.0, 42.3, 6.0, 43.6, 8),
    ("North Atlantic", "Atlantique Nord", -60.0, 30.0, -10.0, 65.0, 10),
    ("Tropical Atlantic", "Atlantique tropical", -40.0, -15.0, 10.0, 15.0, 5),
    ("Southern Ocean, Kerguelen Plateau", "océan Austral, plateau des Kerguelen", 65.0, -55.0, 80.0, -45.0, 5),
    ("Fiji Basin", "bassin des Fidji", 170.0, -25.0, -175.0, -12.0, 4),
    ("Bering Sea", "mer de Béring", 162.0, 52.0, -157.0, 66.0, 3),
    ("New Caledonia lagoon", "lagon de Nouvelle-Calédonie", 163.5, -23.0, 168.0, -19.5, 4),
    ("French Polynesia", "Polynésie française", -155.0, -28.0, -134.0, -7.0, 4),
    ("Arctic Ocean, Fram Strait", "océan Arctique, détroit de Fram", -20.0, 76.0, 15.0, 82.0, 3),
    ("Indian Ocean, Mozambique Channel", "océan Indien, canal du Mozambique", 35.0, -26.0, 45.0, -11.0, 3),
    ("French Guiana shelf", "plateau guyanais", -54.5, 4.0, -51.0, 6.5, 3),
    ("French Alps", "Alpes françaises", 5.5, 44.0, 7.7, 46.4, 6),
    ("Pyrenees", "Pyrénées", -1.8, 42.4, 3.2, 43.3, 4),
    ("Paris basin", "bassin parisien", 0.5, 47.5, 4.0, 49.8, 4),
    ("Sahel", "Sahel", -17.0, 12.0, 20.0, 18.0, 3),
    ("Antarctica, Adélie Land", "Antarctique, terre Adélie", 136.0, -70.0, 142.0, -66.0, 2),
    ("Global ocean", "océan global", -180.0, -80.0, 180.0, 90.0, 2),
]
COMMUNITIES = [("ocean", 45), ("land-surfaces", 20), ("atmosphere", 15), ("solid-earth", 10), ("biodiversity", 10)]
LICENCES = [("CC-BY-4.0", 70), ("CC0-1.0", 15), ("etalab-2.0", 10), ("ODbL-1.0", 5)]
RESOURCE_TYPES = [("Dataset", 85), ("Model", 5), ("Collection", 4), ("Software", 3), ("Image", 3)]
CRUISES = [
    "PELGAS",
    "MOOSE",
    "OVIDE",
    "PIRATA",
    "EVHOE",
    "CAMPAGNE",
    "DYFAMED",
    "SOMLIT",
    "RREX",
    "KEOPS",
    "SWINGS",
    "MOOSE-GE",
    "PROTEVS",
    "EUREC4A",
    "MESURHO",
    "ASTAN",
    "BOUSSOLE",
    "AMICO",
]
FAMILY = [
    "Le Goff",
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Smith",
    "Jones",
    "Nguyen",
    "Müller",
    "Rossi",
    "García López",
    "Kowalski",
    "Andersen",
    "O'Neill",
    "Kerbrat",
]
GIVEN = [
    "Anne",
    "Paul",
    "Marie",
    "Jean",
    "Claire",
    "Pierre",
    "Sophie",
    "Luc",
    "Julie",
    "Yann",
    "Élise",
    "Hugo",
    "Camille",
    "Nicolas",
    "Léa",
    "Thomas",
    "Chloé",
    "Antoine",
    "Inès",
    "Mathieu",
]


def _pick(rng: random.Random, weighted: list) -> tuple:
    return rng.choices(weighted, weights=[w[-1] for w in weighted])[0]


def _creators(rng: random.Random) -> list[str]:
    """People from a pool of 800, a few very prolific (Zipf-like)."""
    count = rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6, 8])
    names = []
    for _ in range(count):
        k = min(int(rng.paretovariate(1.1)) - 1, 799)
        names.append(
            f"{FAMILY[k % len(FAMILY)]}, {GIVEN[(k * 7 + k // len(FAMILY)) % len(GIVEN)]}"
            + ("" if k < len(FAMILY) * len(GIVEN) // 2 else f" {chr(65 + k % 26)}.")
        )
    return list(dict.fromkeys(names))


def _jittered_box(rng: random.Random, place: tuple) -> dict:
    _en, _fr, west, south, east, north, _w = place
    width = (east - west) % 360 or 360
    if width >= 360:
        return {"west": -180.0, "south": south, "east": 180.0, "north": north}
    w = west + rng.uniform(0, width * 0.6)
    span = rng.uniform(width * 0.05, (west + width - w))
    e = w + span
    s = rng.uniform(south, south + (north - south) * 0.6)
    n = rng.uniform(s + 0.01, north)

    def wrap(lon):
        return ((lon + 180) % 360) - 180 if lon != 180 else 180.0

    return {"west": round(wrap(w), 3), "south": round(s, 3), "east": round(wrap(e), 3), "north": round(n, 3)}


def make_metadata(i: int, rng: random.Random) -> tuple[dict, str, date]:
    from repository.metadata import LICENCES as LICENCE_ROWS

    french = rng.random() < 0.2
    lang = 1 if french else 0
    place = _pick(rng, PLACES)
    instrument = _pick(rng, INSTRUMENTS)
    keywords = list({k[0]: k for k in (_pick(rng, KEYWORDS) for _ in range(rng.randint(1, 5)))}.values())
    main = keywords[0]
    start = date(1990, 1, 1) + timedelta(days=rng.randrange(35 * 365))
    cruise = rng.choice(CRUISES)
    year = start.year
    if french:
        title = f"{main[1]} : {instrument[1]}, {place[1]}, {cruise} {year}"
        abstract = (
            f"Jeu de données de {instrument[1]} acquis pendant la campagne {cruise} {year} dans la zone "
            f"{place[1]}. Paramètres : {', '.join(k[1].lower() for k in keywords)}. Données contrôlées en "
            f"qualité, calibrées et documentées selon les recommandations de la communauté."
        )
    else:
        title = f"{main[0]}: {instrument[0]}, {place[0]}, {cruise} {year}"
        abstract = (
            f"This dataset gathers {instrument[0]} acquired during the {cruise} {year} survey in the "
            f"{place[0]}. Parameters: {', '.join(k[0].lower() for k in keywords)}. Data were quality "
            f"controlled, calibrated and documented following the community's best practices."
        )
    if rng.random() < 0.3:
        abstract += " " + rng.choice(
            [
                "Measurements cover the surface mixed layer and the thermocline.",
                "Casts reach the seafloor on the shelf and 2000 m offshore.",
                "Les mesures couvrent la couche de mélange et la thermocline.",
                "Sampling was repeated seasonally at fixed stations.",
                "Values are given at 1 m vertical resolution after binning.",
            ]
        )
    geo = []
    if rng.random() < 0.93:
        geo.append({"place": place[lang], "box": _jittered_box(rng, place)})
        if rng.random() < 0.15:
            other = _pick(rng, PLACES)
            box = _jittered_box(rng, other)
            geo.append({"point": {"longitude": box["west"], "latitude": box["south"]}})
    if rng.random() < 0.9:
        ongoing = rng.random() < 0.1
        end = None if ongoing else start + timedelta(days=int(rng.expovariate(1 / 400)) + 1)
        temporal = {"start": start.isoformat(), "end": end.isoformat() if end else None, "ongoing": ongoing}
    else:
        temporal = None
    licence = _pick(rng, LICENCES)[0]
    published = min(date(2026, 11, 1), max(date(2015, 1, 1), start + timedelta(days=rng.randrange(200, 2500))))
    metadata = {
        "titles": [{"title": title, "title_type": None, "lang": "fr" if french else "en"}],
        "creators": [{"name": n, "name_type": "Personal", "affiliations": []} for n in _creators(rng)],
        "descriptions": [{"description": abstract, "description_type": "Abstract", "lang": "fr" if french else "en"}],
        "resource_type": {"general": _pick(rng, RESOURCE_TYPES)[0], "type": instrument[0]},
        "publisher": "Estran",
        "publication_year": published.year,
        "language": "fr" if french else "en",
        "subjects": [
            {
                "subject": k[lang],
                "scheme": "NERC P02" if k[2] else None,
                "scheme_uri": None,
                "value_uri": k[2],
                "keyword_type": "parameter" if k[2] else "theme",
                "lang": None,
            }
            for k in keywords
        ],
        "point_of_contact": {"name": "Data desk", "email": "data@example.org"},
        "rights": [LICENCE_ROWS[licence].model_dump()],
        "access": {"level": "open", "embargo_until": None},
        "geo_locations": geo,
        "temporal_extent": temporal,
    }
    return metadata, title, published


def seed(total: int, rng: random.Random) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from accounts.models import Community
    from repository.indexing import records_reindex
    from repository.models import Concept, Record

    started = time.monotonic()
    Record.objects.filter(doi__startswith=DOI_PREFIX).delete()
    Concept.objects.filter(records__isnull=True, pid__isnull=True).delete()
    owner, _ = get_user_model().objects.get_or_create(username="bench-search", defaults={"email": "bench@example.org"})
    communities = {c.slug: c for c in Community.objects.all()}
    batch = 2000
    made = 0
    now = datetime.now(UTC)
    while made < total:
        n = min(batch, total - made)
        with transaction.atomic():
            concepts = Concept.objects.bulk_create([Concept() for _ in range(n)])
            rows = []
            for k, concept in enumerate(concepts):
                metadata, title, published = make_metadata(made + k, rng)
                rows.append(
                    Record(
                        title=title,
                        metadata=metadata,
                        doi=f"{DOI_PREFIX}{made + k:07d}",
                        community=communities[_pick(rng, COMMUNITIES)[0]],
                        owner=owner,
                        concept=concept,
                        version=1,
                        publication_date=published,
                        modified=now - timedelta(minutes=made + k),
                    )
                )
            Record.objects.bulk_create(rows)
        made += n
        print(f"\rseeded {made}/{total} records", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    seeded = time.monotonic()

    def progress(done: int, count: int) -> None:
        if done % 10_000 < 1000 or done == count:
            print(f"\rindexed {done}/{count} records", end="", file=sys.stderr, flush=True)

    records_reindex(batch_size=1000, progress=progress)
    print(file=sys.stderr)
    indexed = time.monotonic()
    # Each row was written twice (inserted, then indexed): compact the table, as it is once in use
    # (autovacuum frees the old versions, later rows fill the space).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM FULL ANALYZE repository_record")
    return {
        "seed_seconds": round(seeded - started, 1),
        "index_seconds": round(indexed - seeded, 1),
        "vacuum_seconds": round(time.monotonic() - indexed, 1),
    }


WORDS = [  # (query text, language) — words of the titles, keywords and abstracts, some two-word
    ("temperature", "en"),
    ("salinity", "en"),
    ("oxygen", "en"),
    ("chlorophyll", "en"),
    ("nitrate", "en"),
    ("currents", "en"),
    ("sea level", "en"),
    ("wave height", "en"),
    ("aerosols", "en"),
    ("soil moisture", "en"),
    ("glider", "en"),
    ("mooring", "en"),
    ("argo profiles", "en"),
    ("CTD", "en"),
    ("sediment cores", "en"),
    ("zooplankton", "en"),
    ("seabird", "en"),
    ("bathymetry", "en"),
    ("turbidity", "en"),
    ("carbonate", "en"),
    ("thermocline", "en"),
    ("tide gauge", "en"),
    ("satellite", "en"),
    ("reanalysis", "en"),
    ("seismicity", "en"),
    ("température", "fr"),
    ("salinité", "fr"),
    ("oxygène dissous", "fr"),
    ("planeur", "fr"),
    ("mouillage", "fr"),
    ("courants", "fr"),
    ("carottes sédimentaires", "fr"),
    ("niveau de la mer", "fr"),
    ("PELGAS", "en"),
    ("MOOSE", "en"),
    ("Biscay", "en"),
    ("Mediterranean", "en"),
    ("Kerguelen", "en"),
    ("Fiji", "en"),
    ("profiles temperature", "en"),
    ('"sea water temperature"', "en"),
    ('"sea level"', "en"),
    ('"water column"', "en"),
    ('"argo float profiles"', "en"),
    ('"température de l\'eau"', "fr"),
    ("salinity -model", "en"),
]


def make_queries(n: int, rng: random.Random) -> list[dict]:
    """Words, one to three facet values (community, keyword, licence, resource type, year, creator)
    and a box around one of the places (one in eight across the antimeridian)."""
    from repository.models import Record

    creators = list(
        Record.objects.filter(doi__startswith=DOI_PREFIX)
        .order_by("pk")
        .values_list("search_creators", flat=True)[:3000]
    )
    creators = [name for names in creators for name in names]
    crossing = [p for p in PLACES if p[2] > p[4]]
    queries = []
    while len(queries) < n:
        q, lang = rng.choice(WORDS)
        params: dict = {"q": q}
        facets = rng.sample(["community", "keyword", "licence", "resource_type", "year", "creator"], rng.randint(1, 3))
        for facet in facets:
            if facet == "community":
                params["community"] = [_pick(rng, COMMUNITIES)[0] for _ in range(rng.choice([1, 1, 2]))]
            elif facet == "keyword":
                params["keyword"] = [k[2] or k[0] for k in (_pick(rng, KEYWORDS) for _ in range(rng.choice([1, 1, 2])))]
            elif facet == "licence":
                params["licence"] = [_pick(rng, LICENCES)[0]]
            elif facet == "resource_type":
                params["resource_type"] = [_pick(rng, RESOURCE_TYPES)[0]]
            elif facet == "year":
                params["year"] = [str(rng.randint(2016, 2026)) for _ in range(rng.choice([1, 2, 3]))]
            elif facet == "creator":
                params["creator"] = [rng.choice(creators)]
        place = rng.choice(crossing) if rng.random() < 0.125 else _pick(rng, PLACES)
        box = _jittered_box(rng, place)
        margin = rng.uniform(0, 10)
        west, east = box["west"] - margin, box["east"] + margin
        west = west + 360 if west < -180 else west
        east = east - 360 if east > 180 else east
        params["bbox"] = ",".join(
            f"{v:.2f}" for v in (west, max(-90, box["south"] - margin), east, min(90, box["north"] + margin))
        )
        if rng.random() < 0.3:
            params["sort"] = rng.choice(["newest", "oldest", "title"])
        queries.append(
            {
                "params": params,
                "shape": f"{len(facets)} facet{'s' if len(facets) > 1 else ''}"
                + (", across the antimeridian" if place in crossing else ""),
                "lang": lang,
            }
        )
    return queries


def database_mb() -> float:
    """The benchmark database's size on disk (tables, indexes, TOAST), in MB."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return round(cursor.fetchone()[0] / 1e6, 1)


def postgres_settings() -> dict[str, str]:
    """The server's settings that matter to a search's speed."""
    from django.db import connection

    names = ("shared_buffers", "effective_cache_size", "work_mem", "random_page_cost", "jit")
    settings = {}
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    return settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FunctionTarget:
    name = "function: repository.search.search()"

    def get(self, params: dict) -> tuple[int, int]:
        from repository.search import parse_query, search

        result = search(parse_query(params))
        return 200, result.total

    def close(self):
        pass

    def pids(self) -> list[int]:
        return [os.getpid()]


class ClientTarget:
    name = "Django test client: GET /api/records"

    def __init__(self):
        from django.test import Client

        self.client = Client(HTTP_HOST="127.0.0.1")

    def get(self, params: dict) -> tuple[int, int]:
        r = self.client.get("/api/records", params)
        return r.status_code, r.json()["total"] if r.status_code == 200 else -1

    def close(self):
        pass

    def pids(self) -> list[int]:
        return [os.getpid()]


class HttpTarget:
    """gunicorn (2 sync workers, as on a 2-core machine) serving the bench database."""

    def __init__(self, url: str, conn_max_age: int):
        import requests

        url += ("&" if "?" in url else "?") + f"conn_max_age={conn_max_age}"
        self.name = f"gunicorn, 2 sync workers, HTTP: GET /api/records (conn_max_age={conn_max_age})"
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
                self.session.get(f"http://127.0.0.1:{self.port}/api/records?size=1", timeout=5)
                break
            except requests.RequestException as exc:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.close()
                    raise SystemExit("gunicorn did not start") from exc
                time.sleep(0.2)

    def get(self, params: dict) -> tuple[int, int]:
        r = self.session.get(f"http://127.0.0.1:{self.port}/api/records", params=params, timeout=30)
        return r.status_code, r.json()["total"] if r.status_code == 200 else -1

    def pids(self) -> list[int]:
        return children_of(self.proc.pid)  # gunicorn's workers

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def measure(target, queries: list[dict], rounds: int) -> tuple[list[dict], list[int]]:
    """The samples, and the resident memory (KiB, summed over the processes that search) after the
    warm-up and after each round: flat when nothing accumulates from search to search."""
    for query in queries:  # warm-up: caches, connections, plans
        target.get(query["params"])
    rss = [sum(rss_kib(pid) for pid in target.pids())]
    samples = []
    for _ in range(rounds):
        for query in queries:
            started = time.perf_counter()
            status, total = target.get(query["params"])
            elapsed = (time.perf_counter() - started) * 1000
            assert status == 200, (status, query)
            samples.append({**query, "ms": elapsed, "total": total})
        rss.append(sum(rss_kib(pid) for pid in target.pids()))
    return samples, rss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--http", action="store_true", help="Also over HTTP through gunicorn.")
    parser.add_argument(
        "--targets",
        default="function,client",
        help="Comma-separated, among function, client, http (--http adds http); a million records: function.",
    )
    parser.add_argument(
        "--goal",
        type=float,
        help="The p95 goal in ms: 100 up to 100,000 records, 250 beyond (issue 18). The p99 goal is twice it.",
    )
    parser.add_argument("--conn-max-age", type=int, default=600, help="With --http: keep database connections.")
    parser.add_argument("--reseed", action="store_true", help="Seed again even if the database has the records.")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--own-postgres",
        type=Path,
        metavar="DIR",
        help="Run on a PostgreSQL server of this machine's binaries, its data in DIR (created once, kept), "
        "with the settings README's *Search at scale* recommends (bench/support.py SCALE_SETTINGS).",
    )
    parser.add_argument("--json", type=Path, help="Write the figures and every sample here.")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    if args.own_postgres:
        url = urlparse(own_postgres(args.own_postgres, SCALE_SETTINGS))._replace(path=urlparse(url).path).geturl()
    ensure_database(url)
    setup_django(url)
    from repository.models import Record

    seeded = None
    if args.reseed or Record.objects.filter(doi__startswith=DOI_PREFIX).count() != args.records:
        seeded = seed(args.records, random.Random(args.seed))
    searchable = Record.objects.filter(search_latest=True).count()
    queries = make_queries(args.queries, random.Random(args.seed + 1))
    names = {name.strip() for name in args.targets.split(",") if name.strip()} | ({"http"} if args.http else set())
    unknown = names - {"function", "client", "http"}
    if unknown:
        parser.error(f"unknown target(s): {', '.join(sorted(unknown))}")
    goal = args.goal or (100.0 if args.records <= 100_000 else 250.0)
    results = {}
    load_before = os.getloadavg()[0]
    makers = {"function": FunctionTarget, "client": ClientTarget, "http": lambda: HttpTarget(url, args.conn_max_age)}
    for name in ("function", "client", "http"):
        if name not in names:
            continue
        target = makers[name]()
        try:
            samples, rss = measure(target, queries, args.rounds)
        finally:
            target.close()
        by_shape = {
            shape: summary([s for s in samples if s["shape"] == shape])
            for shape in sorted({s["shape"] for s in samples})
        }
        phrases = [s for s in samples if '"' in s["params"]["q"]]
        results[target.name] = {
            "overall": summary(samples),
            # Quoted phrases apart (issue 18: p95 under 150 ms): the words' positions must be read.
            "phrases": summary(phrases) if phrases else None,
            "by_shape": by_shape,
            "hits_median": statistics.median(s["total"] for s in samples),
            "rss_mib_after_warmup_and_each_round": [round(kib / 1024, 1) for kib in rss],
            "slowest": [
                {"params": s["params"], "ms": round(s["ms"], 1), "total": s["total"]}
                for s in sorted(samples, key=lambda s: -s["ms"])[:5]
            ],
            "all": samples,
        }
    # The machine may be shared: the 1-minute load average says how busy it was.
    load = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    report = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}",
        "load_average_before_after": load,
        "database": urlparse(url)._replace(netloc=urlparse(url).hostname or "").geturl(),
        "records": Record.objects.count(),
        "database_mb": database_mb(),
        "postgres_settings": postgres_settings(),
        "searchable": searchable,
        "seeded": seeded,
        "queries": len(queries),
        "rounds": args.rounds,
        "goals_ms": {"p95": goal, "p99": 2 * goal, "phrases_p95": PHRASE_GOAL},
        "targets": {name: {k: v for k, v in r.items() if k != "all"} for name, r in results.items()},
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.json:
        full = {**report, "samples": {name: r["all"] for name, r in results.items()}}
        args.json.write_text(json.dumps(full, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    for name, r in results.items():
        o, phrases = r["overall"], r["phrases"]
        print(
            f"{name}: p50 {o['p50']} ms, p95 {o['p95']} ms, p99 {o['p99']} ms over {o['samples']} searches on "
            f"{searchable} records: {'meets' if o['p95'] < goal else 'MISSES'} the {goal:g} ms p95 goal, "
            f"{'meets' if o['p99'] < 2 * goal else 'MISSES'} the {2 * goal:g} ms p99 goal; memory of the searching "
            f"process(es) after the warm-up and each round: {r['rss_mib_after_warmup_and_each_round']} MiB.",
            file=sys.stderr,
        )
        if phrases:
            print(
                f"{name}, quoted phrases: p95 {phrases['p95']} ms over {phrases['samples']} searches: "
                f"{'meets' if phrases['p95'] < PHRASE_GOAL else 'MISSES'} the {PHRASE_GOAL:g} ms p95 goal.",
                file=sys.stderr,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
