"""Issue 18, sixth step: the search statement with and without PostgreSQL's parallel workers, on the
seeded benchmark database, each of the benchmark's queries run both ways in alternating order.
Prints p50/p95/max/total for each and how many answers differ (bench/README.md).

    .venv/bin/python bench/search/parallel_ab.py --queries 100 --seed 9
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.search import run as bench
from bench.support import setup_django

SEARCH_SETTINGS = (
    "SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true), "
    "set_config('enable_seqscan', 'off', true)"
)
PARALLEL = (
    "SELECT set_config('max_parallel_workers_per_gather', '2', true), set_config('parallel_setup_cost', %s, true), "
    "set_config('parallel_tuple_cost', %s, true), set_config('min_parallel_table_scan_size', '0', true)"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=9, help="the benchmark's query seed (its --seed 8, plus one)")
    parser.add_argument("--setup-cost", default="100")
    parser.add_argument("--tuple-cost", default="0.01")
    args = parser.parse_args()
    setup_django(os.environ.get("DATABASE_URL", bench.DEFAULT_DB))
    from django.db import connection

    from repository.search import _communities, _statement, parse_query

    def timed(statement, params, parallel: bool) -> tuple[float, list]:
        with connection.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(SEARCH_SETTINGS)
            if parallel:
                cursor.execute(PARALLEL, [args.setup_cost, args.tuple_cost])
            else:
                cursor.execute("SELECT set_config('max_parallel_workers_per_gather', '0', true)")
            started = time.perf_counter()
            cursor.execute(statement, params)
            rows = cursor.fetchall()
            elapsed = (time.perf_counter() - started) * 1000
            cursor.execute("COMMIT")
        return elapsed, sorted(map(str, rows))

    times: dict[bool, list[float]] = {False: [], True: []}
    differ = 0
    communities = _communities()
    for i, query in enumerate(bench.make_queries(args.queries, random.Random(args.seed))):
        built = _statement(parse_query(query["params"]), communities, 10, True)
        if built is None:
            continue
        answers = {}
        for parallel in (i % 2 == 0, i % 2 == 1):
            elapsed, answers[parallel] = timed(*built, parallel)
            times[parallel].append(elapsed)
        differ += answers[True] != answers[False]
    for parallel, samples in times.items():
        samples.sort()
        print(
            f"{'two workers' if parallel else 'no workers'}: p50 {samples[len(samples) // 2]:.1f} "
            f"p95 {samples[int(len(samples) * 0.95)]:.1f} max {samples[-1]:.1f} total {sum(samples):.0f} ms"
        )
    print(f"answers that differ: {differ}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
