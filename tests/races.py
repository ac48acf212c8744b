"""Run one callable in several threads released at the same instant, each on its own database
connection: the harness of the tests that race real transactions."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def run_at_once(call: Callable[[], Any], *, times: int = 2, timeout: float = 30) -> list[Any]:
    """What each of `times` simultaneous calls returned, in the order they finished; an exception in
    any thread fails the test with it."""
    from django.db import connection

    start, results, errors = threading.Barrier(times), [], []

    def worker():
        try:
            start.wait(timeout=10)
            results.append(call())
        except Exception as exc:  # noqa: BLE001 - any failure of the thread is reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert errors == []
    return results
