"""What the apps above `repository` tell it about records, registered in their `AppConfig.ready()`
(dependencies point down: `repository` never imports them)."""
from __future__ import annotations

from typing import Callable

# (record, user) -> bool: whether the user deposited the record beside its owner, as an accepted
# co-depositor of the deposit it was published from. `deposit` registers its answer.
record_co_depositor_checks: list[Callable[[object, object], bool]] = []


def is_record_co_depositor(record, user) -> bool:
    return any(check(record, user) for check in record_co_depositor_checks)
