"""What the apps above `repository` tell it about records, registered in their `AppConfig.ready()`
(dependencies point down: `repository` never imports them)."""

from __future__ import annotations

from collections.abc import Callable

# Who may do what on a published record is deposit.policy's to say, as for deposits: the names
# below → (record, user) -> bool, registered by DepositConfig.ready. An unregistered rule refuses.
RECORD_RULES = ("see_embargoed_files", "start_new_version", "withdraw")
record_rules: dict[str, Callable[[object, object], bool]] = {}


def register_record_rule(name: str, rule: Callable[[object, object], bool]) -> None:
    if name not in RECORD_RULES:
        raise ValueError(name)
    record_rules[name] = rule


def may(name: str, record, user) -> bool:
    """Whether `user` (possibly anonymous or None) may `name` on the record."""
    rule = record_rules.get(name)
    return bool(rule is not None and user is not None and rule(record, user))
