"""The time standards and rules of complaint handling, from ``standards.yaml`` (sources in the file)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from slrt_contracts.events.intake import Level
from slrt_runtime.timestandards import TimeStandard

DEFAULT_FILE = Path(__file__).parents[1] / "standards.yaml"
ENV_FILE = "SLRT_INTAKE_STANDARDS"


@dataclass(frozen=True)
class Standards:
    timezone: dt.tzinfo
    assessment: TimeStandard
    civil_registry: TimeStandard
    levels: dict[Level, TimeStandard]
    next_level: dict[Level, Level | None]
    appeal_window: TimeStandard
    description_max_chars: int

    def due(self, standard: TimeStandard, start: dt.datetime) -> dt.datetime:
        return standard.due(start, self.timezone)

    def level_due(self, level: Level, start: dt.datetime) -> dt.datetime:
        return self.due(self.levels[level], start)

    def above(self, level: Level) -> Level | None:
        return self.next_level.get(level)


def load(path: Path) -> Standards:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    levels = {Level(name): spec for name, spec in data["levels"].items()}
    return Standards(
        timezone=dt.timezone(dt.timedelta(hours=float(data.get("timezone_utc_offset_hours", 7)))),
        assessment=TimeStandard.parse(data["steps"]["assessment"]["time_standard"]),
        civil_registry=TimeStandard.parse(data["steps"]["civil_registry"]["time_standard"]),
        levels={level: TimeStandard.parse(spec["time_standard"]) for level, spec in levels.items()},
        next_level={level: Level(spec["next"]) if spec.get("next") else None for level, spec in levels.items()},
        appeal_window=TimeStandard.parse(data["appeal_window"]),
        description_max_chars=int(data["description_max_chars"]),
    )


@lru_cache(maxsize=4)
def standards(path: str | None = None) -> Standards:
    return load(Path(path or os.environ.get(ENV_FILE) or DEFAULT_FILE))
