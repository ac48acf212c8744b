"""The moderation service level: how long a deposit has waited, counted in working days, against
the target promised to depositors (`MODERATION_SLA_WORKING_DAYS`).

Working days are Monday to Friday in the site's time zone (`TIME_ZONE`). Public holidays are not
modelled: a bank holiday counts as a working day, so a queue may look a little later than it is
the week after one.

Working time is measured continuously, by the second, so that every comparison the queue makes
("waiting more than two working days", "overdue") can be turned into one cut-off date and asked
of the database: the clock runs on weekdays and stands still from Saturday 00:00 to Monday 00:00.
A deposit submitted on Friday at 18:00 has waited a quarter of a working day at midnight, and one
working day on Monday at 18:00.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, ngettext

DAY = 86_400  # seconds
WEEK = 5 * DAY  # working seconds in a week
# Working time is counted from a Monday at midnight, long before any deposit.
EPOCH = datetime(2000, 1, 3)
# From this share of the target on, a deposit is "due soon".
DUE_SOON_SHARE = 0.8


class Level(models.TextChoices):
    on_time = "on_time", _("on time")
    due_soon = "due_soon", _("due soon")
    overdue = "overdue", _("overdue")


def target_days() -> int:
    """The target from settings, read at each call (so that tests and operators can change it)."""
    return int(getattr(settings, "MODERATION_SLA_WORKING_DAYS", 5))


def _local_naive(moment: datetime) -> datetime:
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment, timezone.get_default_timezone())
    return moment.replace(tzinfo=None)


def _working_seconds(moment: datetime) -> float:
    """Working seconds from the epoch to `moment`: a non-decreasing function, flat on weekends."""
    elapsed = _local_naive(moment) - EPOCH
    weeks, rest = divmod(elapsed, timedelta(days=7))
    day, in_day = divmod(rest, timedelta(days=1))
    seconds = weeks * WEEK + min(day, 5) * DAY
    if day < 5:
        seconds += in_day.total_seconds()
    return seconds


def _moment_at(working_seconds: float, *, earliest: bool) -> datetime:
    """The moment at which `_working_seconds` reaches the value. On a week's boundary a weekend
    shares the value: `earliest` gives Saturday 00:00 (the Friday's end), otherwise Monday 00:00."""
    weeks, rest = divmod(working_seconds, WEEK)
    if earliest and rest == 0:
        naive = EPOCH + timedelta(days=7 * (weeks - 1) + 5)
    else:
        naive = EPOCH + timedelta(days=7 * weeks, seconds=rest)
    return timezone.make_aware(naive, timezone.get_default_timezone())


def working_days_between(start: datetime, end: datetime) -> float:
    """Working days (a fraction) from `start` to `end`; 0 when `end` is not after `start`."""
    return max(0.0, (_working_seconds(end) - _working_seconds(start)) / DAY)


def add_working_days(start: datetime, days: float) -> datetime:
    """The first moment by which `days` working days have passed since `start`: a deadline."""
    return _moment_at(_working_seconds(start) + days * DAY, earliest=True)


def submitted_more_than(days: float, *, now: datetime) -> datetime:
    """Deposits submitted *before* this moment have waited strictly more than `days` working days."""
    return _moment_at(_working_seconds(now) - days * DAY, earliest=True)


def submitted_at_least(days: float, *, now: datetime) -> datetime:
    """Deposits submitted *at or before* this moment have waited `days` working days or more."""
    return _moment_at(_working_seconds(now) - days * DAY, earliest=False)


def overdue_cutoff(*, now: datetime, target: int | None = None) -> datetime:
    """Submitted at or before it: overdue."""
    return submitted_at_least(target if target is not None else target_days(), now=now)


def due_soon_cutoff(*, now: datetime, target: int | None = None) -> datetime:
    """Submitted at or before it: due soon (or overdue)."""
    return submitted_at_least(DUE_SOON_SHARE * (target if target is not None else target_days()), now=now)


@dataclass(frozen=True)
class Waiting:
    """How long a deposit has waited for its decision, and where that stands against the target."""

    days: float
    target: int
    due_at: datetime

    @property
    def whole_days(self) -> int:
        return math.floor(self.days)

    @property
    def level(self) -> Level:
        if self.days >= self.target:
            return Level.overdue
        if self.days >= DUE_SOON_SHARE * self.target:
            return Level.due_soon
        return Level.on_time

    @property
    def label(self) -> str:
        """ "3 working days", in words."""
        if self.whole_days < 1:
            return str(_("less than a working day"))
        return ngettext("%(n)d working day", "%(n)d working days", self.whole_days) % {"n": self.whole_days}

    @property
    def level_label(self) -> str:
        return str(self.level.label)


def waiting(submitted_at: datetime | None, *, now: datetime | None = None, target: int | None = None) -> Waiting | None:
    """The wait of a deposit submitted at `submitted_at` (the current round), at `now`."""
    if submitted_at is None:
        return None
    now = now or timezone.now()
    target = target if target is not None else target_days()
    return Waiting(
        days=working_days_between(submitted_at, now), target=target, due_at=add_working_days(submitted_at, target)
    )
