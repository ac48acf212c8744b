"""What the benchmark scripts share: their own PostgreSQL database, Django set up on it, the
environment of Estran's web process under production's settings, and the resident memory of a
server's processes read from /proc."""

from __future__ import annotations

import os
import platform
import secrets
import sys
from pathlib import Path
from urllib.parse import urlparse


def ensure_database(url: str) -> None:
    """Create the benchmark's database when it does not exist yet."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"Created database {name}.", file=sys.stderr)


# The settings README's *Search at scale* recommends for a million records on a machine with 24 GB
# of memory: the records' table with its TOAST and indexes (5.4 GB at a million) in PostgreSQL's own cache.
SCALE_SETTINGS = {
    "shared_buffers": "6GB",
    "effective_cache_size": "16GB",
    "work_mem": "32MB",
    "maintenance_work_mem": "1GB",
    "random_page_cost": "1.1",
    "jit": "off",
}


def own_postgres(pgdata: Path, settings: dict[str, str]) -> str:
    """Start a PostgreSQL server of this machine's binaries on `pgdata` (created with initdb the
    first time, kept for the next run) with `settings`, on a free loopback port; it is stopped when
    this process exits. Returns the URL of its `postgres` database. As root, the server runs as
    the `postgres` user, which PostgreSQL requires."""
    import atexit
    import shutil
    import subprocess
    import time

    bindir = Path(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip())
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    pgdata = pgdata.resolve()
    if not (pgdata / "PG_VERSION").exists():
        pgdata.mkdir(parents=True, exist_ok=True)
        if as_postgres:
            shutil.chown(pgdata, "postgres", "postgres")
        subprocess.run(
            [*as_postgres, str(bindir / "initdb"), "-D", str(pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
        )
    port = free_port()
    options = [f"-c{name}={value}" for name, value in settings.items()]
    server = subprocess.Popen(
        [
            *as_postgres,
            str(bindir / "postgres"),
            "-D",
            str(pgdata),
            "-p",
            str(port),
            "-h",
            "127.0.0.1",
            "-k",
            str(pgdata),
            *options,
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(pgdata / "server.log", "ab"),  # noqa: SIM115 - the server's, for its life
    )

    def stop():
        server.terminate()  # SIGTERM: PostgreSQL's smart shutdown
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        # runuser returns at once: the server itself is gone once it has removed its lock file
        deadline = time.monotonic() + 60
        while (pgdata / "postmaster.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.2)

    atexit.register(stop)
    url = f"postgres://postgres@127.0.0.1:{port}/postgres"
    deadline = time.monotonic() + 60
    ready = [str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)]
    while subprocess.run(ready, capture_output=True).returncode:
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"PostgreSQL did not start on {pgdata}: see {pgdata / 'server.log'}")
        time.sleep(0.2)
    return url


def setup_django(url: str) -> None:
    """Django on that database, migrated, without the query log of DEBUG."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DEBUG"] = "false"  # no query log
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)


def children_of(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_web(web) -> None:
    """Stop a server process (gunicorn's master stops its workers), killing it after 20 s."""
    import subprocess

    web.terminate()
    try:
        web.wait(timeout=20)
    except subprocess.TimeoutExpired:
        web.kill()
        web.wait()


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile, interpolated between the two nearest ranks."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(samples: list[dict]) -> dict:
    """p50, p95, p99, max and mean of the samples' `ms`, to a tenth of a millisecond."""
    import statistics

    ms = [s["ms"] for s in samples]
    out = {
        "samples": len(ms),
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "max": max(ms),
        "mean": statistics.fmean(ms),
    }
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in out.items()}


def wait_for_web(web, port: int, *, log_hint: str = "its log", seconds: float = 60):
    """Wait until gunicorn (`web`, started in its own session) accepts connections on `port` and
    has forked its worker; fail if it exits or takes longer than `seconds`."""
    import socket
    import time

    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            if children_of(web.pid):
                return web
        except OSError:
            pass
        if web.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not start; see {log_hint}")
        time.sleep(0.1)


def drop_database(url: str) -> None:
    """Drop the benchmark's database (connections still open to it are ended)."""
    import psycopg

    parsed = urlparse(url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')


def machine() -> str:
    """The machine a run was made on, as the results say it."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def production_env(*, site: str, database_url: str, workdir: Path, storage: dict[str, str]) -> dict[str, str]:
    """The environment of Estran's web process for a benchmark: production's settings on this
    database and store (`storage`: S3Server.env(), or LOCAL_STORAGE_ROOT), no Celery worker (the
    tasks wait unconsumed in the broker's folder under `workdir`), and a cache shared through the
    disk (production refuses a per-process one, core/checks.py); this process's own Django, database,
    Celery and S3 variables left out."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "S3_"))},
        **storage,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": site,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_BROKER_FOLDER": str(workdir / "broker"),
        "CACHE_URL": f"filecache://{workdir / 'cache'}",
        "LOG_LEVEL": "WARNING",
    }
