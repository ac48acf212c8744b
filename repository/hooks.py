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


# Previews of a published file (its first rows, a NetCDF header) are made and kept by the apps above
# (`moderation.previews`, on the deposit's file the record's file was published from), registered in
# ModerationConfig.ready: `previewable(name)` says from the name alone whether the format is previewed
# (the landing page offers the control without a query, and its cached page stays right), `stored(record_file)`
# gives the preview kept for those bytes (None: none was made). Unregistered, nothing is previewed.
file_previews: dict[str, Callable] = {}


def register_file_previews(*, previewable: Callable[[str], bool], stored: Callable[[object], dict | None]) -> None:
    file_previews.update(previewable=previewable, stored=stored)


def file_previewable(name: str) -> bool:
    rule = file_previews.get("previewable")
    return bool(rule is not None and rule(name))


def file_preview(record_file) -> dict | None:
    """The stored preview of a published file, read (never computed here: the worker made it when the
    file became ready)."""
    reader = file_previews.get("stored")
    return reader(record_file) if reader is not None else None


# A published record's history as the apps above kept it (deposit: its deposit and review), for its
# provenance (`repository.serializers.prov`), registered in DepositConfig.ready: `history(record)` gives a
# `prov.DepositHistory`, or None for a record published without a deposit. Unregistered: none.
record_histories: dict[str, Callable] = {}


def register_record_history(history: Callable[[object], object]) -> None:
    record_histories["history"] = history


def record_history(record):
    """The record's `prov.DepositHistory` (None: none kept)."""
    reader = record_histories.get("history")
    return reader(record) if reader is not None else None
