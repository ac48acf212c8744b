"""A call made for each of many items at once, for work that waits on the network (the object
store's requests for a batch of 500 files): a handful of threads rather than one request after
another. The calls must not touch the database (each thread would open its own connection); they
run in the caller's context (its language, for the messages they raise, and its log fields)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.utils import translation

T = TypeVar("T")
R = TypeVar("R")


def each_at_once(call: Callable[[T], R], items: Iterable[T], *, threads: int) -> list[R | Exception]:
    """`call(item)` for every item, at most `threads` at a time, answered in the items' order: what
    it returned, or the exception it raised (so that one item's failure is its own answer)."""

    context, language = contextvars.copy_context(), translation.get_language()

    def attempt(item: T) -> R | Exception:
        try:
            with translation.override(language):
                return call(item)
        except Exception as exc:  # noqa: BLE001 (handed back to the caller, who decides per item)
            return exc

    def answer(item: T) -> R | Exception:
        return context.copy().run(attempt, item)

    items = list(items)
    if threads <= 1 or len(items) <= 1:
        return [answer(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(threads, len(items)), thread_name_prefix="estran-store") as pool:
        return list(pool.map(answer, items))
