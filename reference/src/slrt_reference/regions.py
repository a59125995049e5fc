"""Official region codes and names (Kemendagri): provinces, districts/cities, sub-districts, villages.

From the npm package ``idn-area-data`` (data under ODbL 1.0, code MIT), vendored by
``reference/scripts/vendor-regions.sh``; :data:`VERSION` names the release, so a complaint, a letter
or a report can say which reference data named its region. Codes are written without dots, as
everywhere in the platform: ``16`` (province), ``1605`` (district/city), ``160503`` (sub-district),
``1605032002`` (village).
"""

from __future__ import annotations

import csv
import gzip
import io
import threading
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources import files

DATA = files("slrt_reference") / "data"
VERSION = (DATA / "VERSION").read_text().strip()


class Level(StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"  # kabupaten/kota (the package's "regency")
    SUBDISTRICT = "subdistrict"  # kecamatan (the package's "district")
    VILLAGE = "village"  # desa/kelurahan


LEVEL_OF_LENGTH = {2: Level.PROVINCE, 4: Level.DISTRICT, 6: Level.SUBDISTRICT, 10: Level.VILLAGE}
_FILES = (("provinces", Level.PROVINCE), ("regencies", Level.DISTRICT), ("districts", Level.SUBDISTRICT),
          ("villages", Level.VILLAGE))


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: Level

    @property
    def parent(self) -> str | None:
        return {10: self.code[:6], 6: self.code[:4], 4: self.code[:2]}.get(len(self.code))


class Regions:
    def __init__(self, areas: dict[str, Area], version: str) -> None:
        self.areas, self.version = areas, version
        self._lower = {code: area.name.lower() for code, area in areas.items()}

    def get(self, code: str) -> Area | None:
        return self.areas.get(code)

    def name(self, code: str) -> str | None:
        area = self.areas.get(code)
        return area.name if area else None

    def is_known(self, code: str, level: Level | None = None) -> bool:
        area = self.areas.get(code)
        return area is not None and (level is None or area.level is level)

    def children(self, code: str) -> list[Area]:
        """The areas one level below ``code`` (a province's districts... a sub-district's villages), by code."""
        below = {2: 4, 4: 6, 6: 10}.get(len(code))
        return sorted((a for c, a in self.areas.items() if len(c) == below and c.startswith(code)),
                      key=lambda a: a.code)

    def path(self, code: str) -> list[Area]:
        """The area and every area above it, from the province down."""
        return [a for n in (2, 4, 6, 10) if len(code) >= n and (a := self.areas.get(code[:n]))]

    def describe(self, code: str) -> str:
        """``Muara Kelingi, Musi Rawas`` style: the area's name with the names above it up to the
        district; the code itself when the reference data does not know it."""
        names = [a.name for a in reversed(self.path(code)) if a.level is not Level.PROVINCE]
        return ", ".join(names) if names and len(code) in LEVEL_OF_LENGTH and self.areas.get(code) else code

    def label(self, code: str) -> str:
        """For paper and reports, where a reader may need either: the names, then the code,
        ``Wonokerto, Tugumulyo, Kabupaten Musi Rawas (1605012007)``; the bare code when unknown."""
        described = self.describe(code)
        return f"{described} ({code})" if described != code else code

    def search(self, text: str, *, within: str = "", level: Level = Level.VILLAGE, limit: int = 20) -> list[Area]:
        """Areas of one level inside ``within`` (a code prefix) whose name contains ``text``."""
        needle = text.strip().lower()
        found = [a for code, a in self.areas.items()
                 if a.level is level and code.startswith(within) and needle in self._lower[code]]
        found.sort(key=lambda a: (not self._lower[a.code].startswith(needle), a.name, a.code))
        return found[:limit]


def _read(name: str, level: Level) -> dict[str, Area]:
    raw = gzip.decompress((DATA / f"{name}.csv.gz").read_bytes()).decode("utf-8")
    return {(code := row["code"].replace(".", "")): Area(code, row["name"].strip(), level)
            for row in csv.DictReader(io.StringIO(raw))}


_loaded: Regions | None = None
_loading = threading.Lock()


def regions() -> Regions:
    """Loaded once per process (about 84,000 villages, about a second). Under a lock: a burst of first
    requests (every service validates region codes) waits for one load instead of each doing its own."""
    global _loaded
    if _loaded is None:
        with _loading:
            if _loaded is None:
                areas: dict[str, Area] = {}
                for name, level in _FILES:
                    areas.update(_read(name, level))
                _loaded = Regions(areas, VERSION)
    return _loaded
