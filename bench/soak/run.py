"""The soak of issue 13, as a test and as a benchmark: Estran started as `make run` starts it (on the
embedded default, or on PostgreSQL and Redis), the scenario of bench/soak/scenario.py for a bounded
time, then, once the worker has caught up, what must hold: no 5xx, every file ready, every approved
deposit published with its DOI findable, every notification e-mail sent exactly once (counted at a
mail server speaking SMTP), no task failed and no "database is locked" in the logs.

    .venv/bin/python bench/soak/run.py --backend both --seconds 300 --json /tmp/soak.json

prints the figures of each backend (deposits per minute completed end to end, p95 of an upload's
completion and of a moderator's action) and what did not hold; exits 1 if anything did not."""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.soak.scenario import MiB, Plan, Result, Scenario
from bench.soak.stack import Stack, running_stack
from bench.support import percentile

# Files over this size are verified by the worker, the others in the completion request: the soak's
# files (0.5 to 3 MiB) take both paths. Parts of 1 MiB: several parts per file, sent in parallel.
SOAK_ENV = {"UPLOAD_MIN_PART_SIZE": str(MiB), "UPLOAD_VERIFY_INLINE_MAX_SIZE": str(2 * MiB)}
WORKER_FAILURES = re.compile(r"Traceback|ERROR|raised unexpected|database is locked|Retry in")
WEB_FAILURES = re.compile(r'HTTP/1\.[01]" 5\d\d |Traceback|database is locked')


def audit(stack: Stack) -> dict:
    return json.loads(stack.run("-m", "bench.soak.audit").strip().splitlines()[-1])


def settled(state: dict, mails: int) -> bool:
    """The worker has caught up: no file left to verify, every approved deposit's DOI registered,
    every e-mail decided handed to the mail server."""
    files_busy = any(s in state["files"] for s in ("uploading", "verifying"))
    dois_busy = any(d["doi_sync"] != "done" for d in state["approved"])
    mail = state["mail"]
    return not files_busy and not dois_busy and mail["unsent"] == 0 and mails >= sum(c for _t, _s, c in mail["sent"])


def problems_of(stack: Stack, result: Result, state: dict, received: list) -> list[str]:
    problems = []
    errors = result.errors()
    if errors:
        problems.append(
            f"{len(errors)} requests answered 5xx or nothing, e.g. "
            + "; ".join(f"{c.kind} {c.status} {c.detail}" for c in errors[:5])
        )
    unexpected = result.unexpected()
    if unexpected:
        problems.append(
            f"{len(unexpected)} unexpected 4xx, e.g. "
            + "; ".join(f"{c.kind} {c.status} {c.detail}" for c in unexpected[:5])
        )
    problems += [f"client: {e}" for e in result.client_errors[:5]]
    problems += [f"deposit unfinished: {d}" for d in result.deposits_unfinished[:10]]
    not_ready = {s: n for s, n in state["files"].items() if s != "ready"}
    if not_ready:
        problems.append(f"files not ready: {not_ready}")
    for deposit in state["approved"]:
        if deposit["status"] != "published" or deposit["doi_state"] != "findable":
            problems.append(f"approved deposit {deposit['id']} is {deposit['status']}, its DOI {deposit['doi_state']}")
    expected = Counter({(to, subject): count for to, subject, count in state["mail"]["sent"]})
    got = Counter((to, m.subject) for m in received for to in m.recipients)
    if got != expected:
        twice = {k: n for k, n in got.items() if n > expected.get(k, 0)}
        missing = {k: n for k, n in expected.items() if got.get(k, 0) < n}
        problems.append(
            f"e-mails not sent exactly once: more than decided {list(twice.items())[:5]}, "
            f"fewer {list(missing.items())[:5]}"
        )
    if state["mail"]["unsent"] or state["mail"]["unconfirmed"]:
        problems.append(f"e-mails left: {state['mail']['unsent']} unsent, {state['mail']['unconfirmed']} unconfirmed")
    for name, pattern in (("worker", WORKER_FAILURES), ("web", WEB_FAILURES)):
        lines = [line for line in stack.log(name).splitlines() if pattern.search(line)]
        if lines:
            problems.append(f"{len(lines)} failure lines in the {name} log, e.g. {lines[:3]}")
    if stack.exited():
        problems.append(f"processes exited: {stack.exited()}")
    return problems


def figures(result: Result, state: dict, mails: int) -> dict:
    minutes = (result.ended - result.started) / 60
    moderator = [
        ms
        for kind in ("claim", "comment", "request_changes", "approve")
        for ms in result.latencies(f"moderator.{kind}")
    ]

    def p95(values):
        return round(percentile(values, 95), 1) if values else None

    return {
        "seconds": round(result.ended - result.started, 1),
        "deposits_started": result.deposits_started,
        "deposits_published": len(result.deposits_published),
        "deposits_per_minute": round(len(result.deposits_published) / minutes, 2) if minutes else 0,
        "deposit_end_to_end_p50_s": round(percentile(result.deposits_published, 50), 1)
        if result.deposits_published
        else None,
        "files_uploaded": result.files_uploaded,
        "mib_uploaded": round(result.bytes_uploaded / MiB, 1),
        "requests": len(result.calls),
        "statuses": {str(k): v for k, v in sorted(result.statuses().items())},
        "claims_lost": result.claims_lost,
        "changes_requested": len(result.latencies("moderator.request_changes")),
        "upload_complete_p95_ms": p95(result.latencies("upload.complete")),
        "upload_complete_p50_ms": round(percentile(result.latencies("upload.complete"), 50), 1)
        if result.latencies("upload.complete")
        else None,
        "moderator_action_p95_ms": p95(moderator),
        "moderator_action_p50_ms": round(percentile(moderator, 50), 1) if moderator else None,
        "reader_p95_ms": p95(result.latencies("reader.")),
        "mails": mails,
        "files": state["files"],
        "deposits": state["deposits"],
    }


def soak(
    workdir: Path,
    *,
    backend: str,
    plan: Plan,
    database_url: str = "",
    broker_url: str = "",
    settle_seconds: float = 120,
    log=print,
) -> dict:
    """One soak: its figures, and `problems` (empty when everything held)."""
    from tests.fakes.smtp_server import FakeSMTP

    with (
        FakeSMTP() as smtp,
        running_stack(
            workdir,
            backend=backend,
            email_url=smtp.email_url,
            depositors=plan.depositors,
            moderators=plan.moderators,
            database_url=database_url,
            broker_url=broker_url,
            extra_env=SOAK_ENV,
        ) as stack,
    ):
        log(
            f"[{backend}] Estran is up on {stack.site}; {plan.depositors} depositors, {plan.moderators} "
            f"moderators, {plan.readers} readers for {plan.seconds:.0f} s"
        )
        result = Scenario(stack.site, stack.tokens, plan).run()
        log(f"[{backend}] clients done after {result.ended - result.started:.0f} s; waiting for the worker")
        deadline = time.monotonic() + settle_seconds
        while True:
            state = audit(stack)
            if settled(state, len(smtp.messages)) or time.monotonic() > deadline:
                break
            time.sleep(2)
        time.sleep(1)  # a mail handed over at the last moment is counted too
        received = smtp.messages
        report = figures(result, state, len(received))
        report["backend"] = backend
        report["problems"] = problems_of(stack, result, state, received)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["embedded", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--depositors", type=int, default=8)
    parser.add_argument("--moderators", type=int, default=2)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/estran_bench_soak")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    plan = Plan(seconds=args.seconds, depositors=args.depositors, moderators=args.moderators, readers=args.readers)
    backends = ["embedded", "postgres"] if args.backend == "both" else [args.backend]
    reports = []
    with tempfile.TemporaryDirectory(prefix="estran-soak-") as tmp:
        for backend in backends:
            report = soak(
                Path(tmp) / backend,
                backend=backend,
                plan=plan,
                database_url=args.postgres_url,
                broker_url=args.redis_url,
                log=lambda m: print(m, file=sys.stderr),
            )
            reports.append(report)
            print(json.dumps(report, indent=2))
    if len(reports) == 2 and reports[1]["deposits_per_minute"]:
        ratio = reports[0]["deposits_per_minute"] / reports[1]["deposits_per_minute"]
        print(f"embedded / PostgreSQL throughput: {ratio:.2f}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2))
    return 1 if any(r["problems"] for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
