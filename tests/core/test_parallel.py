"""each_at_once (core/parallel.py): a call for each item, a few threads at a time."""

from __future__ import annotations

import threading
import time

from django.utils import translation
from django.utils.translation import gettext as _

from core.parallel import each_at_once


def test_answers_in_order_each_failure_its_own_and_never_more_threads_than_asked():
    running, most = 0, 0
    lock = threading.Lock()

    def call(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.01)
        with lock:
            running -= 1
        if n % 7 == 0:
            raise ValueError(n)
        return n * n

    answers = each_at_once(call, range(1, 41), threads=4)
    assert [a if not isinstance(a, Exception) else ("failed", a.args[0]) for a in answers] == [
        ("failed", n) if n % 7 == 0 else n * n for n in range(1, 41)
    ]
    assert most == 4


def test_the_calls_speak_the_callers_language():
    with translation.override("fr"):
        answers = each_at_once(lambda _n: _("No such upload."), range(3), threads=3)
    assert answers == ["Envoi introuvable."] * 3
