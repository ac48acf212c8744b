"""DOI registration benchmark (issue 6): approve N deposits (1,000 by default) while the DataCite
server fails a share of all requests at random, and measure the time until every DOI is findable
and the number of DOIs per record (goal: exactly one each, none lost).

What runs, on this machine:

- PostgreSQL: a dedicated database (`estran_bench_doi`, dropped and created again);
- Redis: the broker (database 14, a queue of the run's own);
- `tests/fakes/datacite_server.py`, in this process, failing `--fail-ratio` of the requests with a
  500 (each request independently, seeded), after `--latency` seconds per request;
- `--workers` real `celery worker` processes (`--concurrency` threads each) and `celery beat`
  (the five-minute re-drive), all with `config.settings.production` and the production retry
  policy unless told otherwise (`--retry-base`, `--retry-max`).

Phases: create and submit the deposits (each reserves its DOI as a DataCite draft) and wait until
every draft is there; then approve them all (`--approvers` threads, as moderators would) and wait
until every DOI is findable, locally and at DataCite. Then count DOIs per record at DataCite and
run the reconciliation (faults off) to confirm that nothing drifted.

    .venv/bin/python bench/doi/run.py                                   # 1,000 deposits, 20 % failures
    .venv/bin/python bench/doi/run.py --deposits 50 --retry-base 1 --json /tmp/doi.json

Run by hand; tests/repository/test_doi_bench.py runs it on 8 deposits so that it cannot rot (`make
bench-check`: 20).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

USERNAME, PASSWORD, PREFIX = "ESTRAN.BENCH", "bench-secret", "10.80000"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deposits", type=int, default=1000)
    parser.add_argument("--fail-ratio", type=float, default=0.2)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds DataCite takes per request")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4, help="threads per worker")
    parser.add_argument("--approvers", type=int, default=4, help="threads approving at once")
    parser.add_argument("--retry-base", type=int, default=30, help="DOI_RETRY_BASE_SECONDS (production: 30)")
    parser.add_argument("--retry-max", type=int, default=6 * 3600, help="DOI_RETRY_MAX_SECONDS (production: 6 h)")
    parser.add_argument("--database", default="estran_bench_doi")
    parser.add_argument("--db-host", default="127.0.0.1:5432")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--timeout", type=float, default=3600, help="give up after this many seconds per phase")
    parser.add_argument("--json", type=Path, help="write the figures here")
    return parser.parse_args(argv)


def recreate_database(name: str, host: str) -> str:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@{host}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@{host}/{name}"


def progress(label: str, done: int, total: int, started: float) -> None:
    sys.stderr.write(f"\r{label}: {done}/{total} ({time.monotonic() - started:.0f} s)   ")
    sys.stderr.flush()


def wait_until(label: str, count, total: int, timeout: float) -> float:
    started = time.monotonic()
    while True:
        done = count()
        progress(label, done, total, started)
        if done >= total:
            sys.stderr.write("\n")
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            sys.stderr.write("\n")
            raise SystemExit(f"{label}: gave up after {timeout:.0f} s with {done}/{total}")
        time.sleep(0.5)


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))] if values else 0.0


def main(argv=None) -> dict:
    args = parse_args(argv)
    from tests.fakes.datacite_server import FakeDataCite

    database_url = recreate_database(args.database, args.db_host)
    workdir = Path(tempfile.mkdtemp(prefix="estran-bench-doi-"))
    queue = f"estran-bench-doi-{os.getpid()}"
    fake = FakeDataCite(username=USERNAME, password=PASSWORD, prefixes=[PREFIX]).start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATACITE_", "DOI_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": args.broker,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "LOCAL_STORAGE_ROOT": str(workdir / "storage"),
        # Production refuses a per-process cache (core/checks.py): one shared through the disk.
        "CACHE_URL": f"filecache://{workdir / 'cache'}",
        "SITE_URL": "https://estran.example.org",
        "DOI_PROVIDER": "datacite",
        "DATACITE_API_URL": fake.url,
        "DATACITE_USERNAME": USERNAME,
        "DATACITE_PASSWORD": PASSWORD,
        "DATACITE_PREFIX": PREFIX,
        "DOI_RETRY_BASE_SECONDS": str(args.retry_base),
        "DOI_RETRY_MAX_SECONDS": str(args.retry_max),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    # In this process, which loads Django anyway: a `manage.py migrate` of its own loaded it twice.
    call_command("migrate", "--noinput", verbosity=0)
    from django.utils import timezone as dj_timezone

    from accounts.models import Community
    from accounts.services import moderator_grant, user_create
    from deposit import services
    from deposit.workflow import Action
    from repository.models import PersistentIdentifier, Record
    from repository.services import pids_reconcile
    from tests.factories import complete_metadata

    processes: list[subprocess.Popen] = []

    def spawn(name: str, command: list[str]) -> None:
        # The child writes to its own copy of the file descriptor: ours can be closed at once.
        with open(workdir / f"{name}.log", "w") as log:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "config", *command],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )

    try:
        for n in range(args.workers):
            spawn(
                f"worker{n}",
                [
                    "worker",
                    "--pool",
                    "threads",
                    "--concurrency",
                    str(args.concurrency),
                    "-Q",
                    queue,
                    "-n",
                    f"bench{n}@%h",
                    "--without-mingle",
                    "--without-gossip",
                    "-l",
                    "warning",
                ],
            )
        spawn("beat", ["beat", "-s", str(workdir / "beat-schedule"), "-l", "warning"])

        depositor = user_create(
            username="bench-depositor",
            email="depositor@example.org",
            password="bench-password-1",
            display_name="Bench Depositor",
        )  # an account submits under a name
        moderator = user_create(username="bench-moderator", email="moderator@example.org", password="bench-password-2")
        ocean = Community.objects.get(slug="ocean")
        moderator_grant(user=moderator, community=ocean)

        fake.delay(args.latency)
        fake.fail_ratio(args.fail_ratio, seed=args.seed)

        # Phase 1: deposits submitted, each reserving its DOI (DataCite draft).
        started = time.monotonic()
        deposit_ids = []
        for i in range(args.deposits):
            title = f"Bench dataset {i:05d}: CTD casts, Bay of Biscay"
            deposit = services.deposit_create(owner=depositor, metadata=complete_metadata(title), community=ocean)
            content = f"depth,temp\n1,{i}\n".encode()
            services.file_add_bytes(
                deposit=deposit, actor=depositor, name="ctd.csv", chunks=[content], size=len(content)
            )
            services.deposit_act(deposit=deposit, action=Action.submit, actor=depositor)
            services.deposit_act(deposit=deposit, action=Action.claim, actor=moderator)
            deposit_ids.append(deposit.pk)
            if i % 25 == 0 or i == args.deposits - 1:
                progress("submitted", i + 1, args.deposits, started)
        sys.stderr.write("\n")
        submit_seconds = time.monotonic() - started
        reserved_seconds = wait_until(
            "drafts at DataCite",
            lambda: PersistentIdentifier.objects.filter(state="draft", sync="done").count(),
            args.deposits,
            args.timeout,
        )

        # Phase 2: approvals, and the time until every DOI is findable.
        from deposit.models import Deposit

        approved_at: dict[int, datetime] = {}

        def approve(pk: int) -> None:
            try:
                deposit = Deposit.objects.get(pk=pk)
                services.deposit_act(deposit=deposit, action=Action.approve, actor=moderator)
                approved_at[pk] = dj_timezone.now()
            finally:
                connections.close_all()

        requests_before = len(fake.requests)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.approvers) as pool:
            list(pool.map(approve, deposit_ids))
        approve_seconds = time.monotonic() - started
        assert Record.objects.count() == args.deposits, "every approval publishes a record"
        findable_seconds = approve_seconds + wait_until(
            "findable",
            lambda: PersistentIdentifier.objects.filter(state="findable", sync="done").count(),
            args.deposits,
            args.timeout,
        )

        # Counting: DOIs per record at DataCite, and what the outbox went through.
        stored = fake.dois
        records = list(Record.objects.select_related("pid", "deposit"))
        per_record = {r.pk: 0 for r in records}
        title_to_record = {r.title: r.pk for r in records}
        orphans = 0
        for remote in stored.values():
            title = remote.xml.split(b"<title>", 1)[1].split(b"</title>", 1)[0].decode() if remote.xml else ""
            if title in title_to_record and remote.state == "findable":
                per_record[title_to_record[title]] += 1
            else:
                orphans += 1
        latencies = [
            (r.pid.synced_at - approved_at[r.deposit.pk]).total_seconds()
            for r in records
            if r.deposit.pk in approved_at
        ]
        all_requests = fake.requests
        phase2 = all_requests[requests_before:]
        attempts = [r.pid.attempts for r in records]
        fake.fail_ratio(0)
        fake.delay(0)
        reconciliation = pids_reconcile()
        figures = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
            "command": " ".join([".venv/bin/python", "bench/doi/run.py", *(argv or sys.argv[1:])]),
            "deposits": args.deposits,
            "fail_ratio": args.fail_ratio,
            "latency_s": args.latency,
            "workers": args.workers,
            "threads_per_worker": args.concurrency,
            "retry_base_s": args.retry_base,
            "retry_max_s": args.retry_max,
            "submit_s": round(submit_seconds, 1),
            "all_drafts_s": round(reserved_seconds, 1),
            "approve_s": round(approve_seconds, 1),
            "approvals_per_s": round(args.deposits / approve_seconds, 1),
            "all_findable_s": round(findable_seconds, 1),
            "approval_to_findable_s": {
                "p50": round(statistics.median(latencies), 2),
                "p95": round(percentile(latencies, 0.95), 2),
                "p99": round(percentile(latencies, 0.99), 2),
                "max": round(max(latencies), 2),
            },
            "datacite_requests": {
                "total": len(all_requests),
                "failed_500": sum(1 for r in all_requests if r["status"] == 500),
                "publish_phase": len(phase2),
                "publish_phase_failed": sum(1 for r in phase2 if r["status"] == 500),
            },
            "failed_attempts_per_record": {
                "max": max(attempts),
                "records_with_retries": sum(1 for a in attempts if a),
            },
            "dois_per_record": {str(k): v for k, v in sorted(_histogram(per_record.values()).items())},
            "dois_at_datacite": len(stored),
            "records": len(records),
            "lost": sum(1 for v in per_record.values() if v == 0),
            "duplicates_or_orphans": orphans + sum(1 for v in per_record.values() if v > 1),
            "reconciliation_drift": len(reconciliation["drifts"]),
        }
    finally:
        for proc in processes:
            proc.terminate()
        for proc in processes:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        fake.stop()
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


def _histogram(values) -> dict[int, int]:
    counts: dict[int, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


if __name__ == "__main__":
    main()
