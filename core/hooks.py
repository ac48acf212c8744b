"""What the apps above `core` add to its shared pieces, registered in their `AppConfig.ready()`
(dependencies point down: `core` never imports them). /healthz runs the checks the apps register."""

from __future__ import annotations

from collections.abc import Callable

# name → check() -> dict of details; raising means the service is down and /healthz answers 503.
health_checks: dict[str, Callable[[], dict]] = {}
# name → report() -> dict: shown to operators by /healthz, never making it fail.
health_reports: dict[str, Callable[[], dict]] = {}


def register_health_check(name: str, check: Callable[[], dict], *, fails: bool = True) -> None:
    (health_checks if fails else health_reports)[name] = check
