"""Time standards (waktu layanan) of the SOPs: "15 minutes", "3 hours", "5 working days", "3 months".

The SOPs count working days (hari kerja) without weekends, public holidays and the collective-leave
days (cuti bersama) the government declares beside them, on which the offices are closed too
(``holidays``' GOVERNMENT category of Indonesia); the calendar is the
district's local one (WIB by default), so a step started on Friday afternoon with one working day is
due on Monday afternoon, or Tuesday when Monday is a holiday.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import holidays
from holidays.constants import GOVERNMENT, PUBLIC

WIB = dt.timezone(dt.timedelta(hours=7), "WIB")
"""Western Indonesia Time; WITA (+8) and WIT (+9) districts pass their own zone."""


class Unit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working days"
    WEEKS = "weeks"
    MONTHS = "months"


_ALIASES: dict[str, Unit] = {
    "minute": Unit.MINUTES, "minutes": Unit.MINUTES, "min": Unit.MINUTES, "menit": Unit.MINUTES,
    "hour": Unit.HOURS, "hours": Unit.HOURS, "jam": Unit.HOURS,
    "day": Unit.DAYS, "days": Unit.DAYS, "hari": Unit.DAYS,
    "working day": Unit.WORKING_DAYS, "working days": Unit.WORKING_DAYS, "hari kerja": Unit.WORKING_DAYS,
    "week": Unit.WEEKS, "weeks": Unit.WEEKS, "minggu": Unit.WEEKS, "pekan": Unit.WEEKS,
    "month": Unit.MONTHS, "months": Unit.MONTHS, "bulan": Unit.MONTHS,
}
_PATTERN = re.compile(r"^\s*(\d{1,4})\s+([a-z ]+?)\s*$")


class InvalidTimeStandard(ValueError):
    pass


@lru_cache(maxsize=64)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("ID", years=year, categories=(PUBLIC, GOVERNMENT))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: dt.datetime, days: int, tz: dt.tzinfo = WIB) -> dt.datetime:
    """``start`` moved forward by ``days`` working days, keeping the local time of day.

    A start outside working days counts from the next working day's start of day.
    """
    local = start.astimezone(tz)
    if not is_working_day(local.date()):
        day = local.date()
        while not is_working_day(day):
            day += dt.timedelta(days=1)
        local = dt.datetime.combine(day, dt.time(0, 0), tz)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return dt.datetime.combine(day, local.timetz()).astimezone(start.tzinfo or dt.timezone.utc)


def add_months(start: dt.datetime, months: int) -> dt.datetime:
    """Same day of the month ``months`` later, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class TimeStandard:
    amount: int
    unit: Unit

    @classmethod
    def parse(cls, text: str) -> TimeStandard:
        match = _PATTERN.match(text.lower())
        if not match or match.group(2) not in _ALIASES:
            raise InvalidTimeStandard(
                f"time standard {text!r} is not '<number> <unit>' with unit one of {', '.join(u.value for u in Unit)}"
            )
        amount = int(match.group(1))
        if amount <= 0:
            raise InvalidTimeStandard(f"time standard {text!r} must be positive")
        return cls(amount, _ALIASES[match.group(2)])

    def due(self, start: dt.datetime, tz: dt.tzinfo = WIB) -> dt.datetime:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        match self.unit:
            case Unit.MINUTES:
                return start + dt.timedelta(minutes=self.amount)
            case Unit.HOURS:
                return start + dt.timedelta(hours=self.amount)
            case Unit.DAYS:
                return start + dt.timedelta(days=self.amount)
            case Unit.WEEKS:
                return start + dt.timedelta(weeks=self.amount)
            case Unit.WORKING_DAYS:
                return add_working_days(start, self.amount, tz)
            case Unit.MONTHS:
                return add_months(start, self.amount)
        raise AssertionError(self.unit)

    def __str__(self) -> str:
        unit = self.unit.value
        return f"{self.amount} {unit[:-1] if self.amount == 1 else unit}"
