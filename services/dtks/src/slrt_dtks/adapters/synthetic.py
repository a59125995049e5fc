"""Synthetic DTKS registry extracts: realistic in shape, about nobody.

Real extracts are personal data and never leave the district, yet demos, tests and a fresh
embedded install need a registry to check against. This generates one with the real formats:
NIKs whose sub-district, birth date (day + 40 for women) and serial digits agree with the person,
16-digit family-card numbers, households of 1-6 members sharing a family card and household id,
welfare deciles skewed to the poor (DTKS is a register of the lower deciles) and programme
memberships at plausible rates. Seeded, and independent of today's date, so the same arguments
always give the same file, and the first N people of a bigger extract are the N-people extract.

Every registry id starts with ``SYN-``: the service shows demo samples only from such rows.

    python -m slrt_dtks.adapters.synthetic --district 1605 --people 2000 --seed 7 --out var/dtks-extract.csv
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from slrt_contracts import InvalidNIK
from slrt_reference.regions import regions

from .registry import COLUMNS, SYNTHETIC_PREFIX
from .registry.model import check_nik

REFERENCE_DATE = dt.date(2025, 1, 1)  # "today" for ages: fixed, so output depends on the seed only

GIVEN_MALE = ("Agus", "Budi", "Dedi", "Eko", "Fajar", "Hendra", "Irfan", "Joko", "Rudi", "Slamet",
              "Wahyu", "Yusuf", "Ahmad", "Bambang", "Dimas", "Rizki", "Teguh", "Hasan", "Iwan", "Sutrisno")
GIVEN_FEMALE = ("Siti", "Dewi", "Sri", "Ani", "Rina", "Wulan", "Nur", "Yuni", "Lestari", "Fitri",
                "Indah", "Ratna", "Aisyah", "Putri", "Sari", "Rahma", "Endang", "Mega", "Tuti", "Nurul")
FAMILY = ("Saputra", "Pratama", "Wijaya", "Hidayat", "Santoso", "Kurniawan", "Setiawan", "Nugroho",
          "Siregar", "Lubis", "Harahap", "Rahmawati", "Susanti", "Hasibuan", "Simanjuntak", "Gunawan",
          "Firmansyah", "Ramadhan", "Maulana", "Syahputra")
STREETS = ("Jl. Merdeka", "Jl. Sudirman", "Jl. Pasar", "Jl. Masjid", "Jl. Sekolah", "Jl. Kebun Karet",
           "Jl. Lintas Sumatera", "Jl. Poros Desa", "Gg. Melati", "Gg. Mawar")
OTHER_BIRTH_PLACES = ("Palembang", "Lubuklinggau", "Lahat", "Bengkulu", "Jambi", "Jakarta", "Muara Enim")

HOUSEHOLD_SIZES = {1: 10, 2: 15, 3: 22, 4: 25, 5: 17, 6: 11}  # weights, roughly census-shaped
DECILE_WEIGHTS = (16, 15, 14, 12, 10, 9, 8, 7, 5, 4)  # deciles 1..10
SUBDISTRICTS = 10  # at most: the first ones of the district in the reference data
VILLAGES_PER_SUBDISTRICT = 10


def district_name(district: str) -> str | None:
    """The district's name from python-stdnum's region table (used for birth places)."""
    from stdnum import numdb

    parts = numdb.get("id/loc").info(district)
    name = parts[1][1].get("name_id") if len(parts) > 1 else None
    return name.title() if name else None


def villages_of(district: str) -> dict[str, list[str]]:
    """Sub-district -> village codes where generated people live: real ones from the region reference
    data (every service refuses an unknown village, so an invented code would make the demo data unusable)."""
    reference = regions()
    found = {s.code: [v.code for v in reference.children(s.code)][:VILLAGES_PER_SUBDISTRICT]
             for s in reference.children(district)[:SUBDISTRICTS]}
    found = {s: v for s, v in found.items() if v}
    if not found:
        raise ValueError(f"district {district} has no villages in the region reference data")
    return found


class _Numbers:
    """Hands out the 4-digit serials that make NIKs and family-card numbers unique."""

    def __init__(self) -> None:
        self._serials: Counter[str] = Counter()

    def take(self, prefix: str) -> str:
        self._serials[prefix] += 1
        if self._serials[prefix] > 9999:
            raise OverflowError("more than 9999 numbers with one prefix")
        return f"{prefix}{self._serials[prefix]:04d}"


def _birth_date(rng: random.Random, age: int) -> dt.date:
    return REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age) - dt.timedelta(days=rng.randrange(365))


def make_nik(numbers: _Numbers, subdistrict: str, birth_date: dt.date, sex: str) -> str:
    day = birth_date.day + (40 if sex == "F" else 0)
    nik = numbers.take(f"{subdistrict}{day:02d}{birth_date:%m%y}")
    try:
        return check_nik(nik)  # memoised: a million people share a few thousand birth dates
    except InvalidNIK as e:  # only an unknown district code can get here
        raise ValueError(f"cannot make valid NIKs for district {subdistrict[:4]}: {e}") from None


def _members(rng: random.Random, size: int) -> list[tuple[str, int, str]]:
    """(sex, age, relation) of each household member: head, maybe spouse, children, maybe a parent."""
    head_sex = "M" if rng.random() < 0.8 else "F"
    head_age = rng.randint(22, 75)
    members = [(head_sex, head_age, "head")]
    if size >= 2 and rng.random() < 0.85:
        spouse_sex = "F" if head_sex == "M" else "M"
        members.append((spouse_sex, max(18, head_age + rng.randint(-8, 3)), "spouse"))
    if len(members) < size and head_age < 50 and rng.random() < 0.15:
        members.append(("F" if rng.random() < 0.6 else "M", head_age + rng.randint(22, 32), "parent"))
    while len(members) < size:
        oldest_child = max(0, min(head_age - 18, 30))
        members.append((rng.choice("MF"), rng.randint(0, oldest_child), "child"))
    return members


def _programmes(rng: random.Random, decile: int, age: int, household_pkh: bool, household_bpnt: bool) -> list[str]:
    codes = []
    if household_pkh:
        codes.append("PKH")
    if household_bpnt:
        codes.append("BPNT")
    pbi_jk = rng.random() < (0.75 if decile <= 4 else 0.35 if decile <= 6 else 0.05)
    if pbi_jk:
        codes.append("PBI-JK")
    # Never both PBI-JK and PBI-Daerah: the district pays only for people the centre does not.
    elif rng.random() < (0.35 if decile <= 6 else 0.05):
        codes.append("PBI-Daerah")
    if 6 <= age <= 21 and rng.random() < (0.55 if decile <= 4 else 0.2 if decile <= 6 else 0.0):
        codes.append("KIP")
    return codes


def generate(district: str, people: int, seed: int = 7) -> Iterator[dict[str, str]]:
    """Yield ``people`` registry rows (dicts over :data:`registry.COLUMNS`) for ``district``."""
    rng = random.Random(seed)
    numbers = _Numbers()
    home = district_name(district) or "Kota"
    villages = villages_of(district)
    subdistricts = list(villages)
    made = household_no = 0
    while made < people:
        household_no += 1
        size = rng.choices(list(HOUSEHOLD_SIZES), weights=list(HOUSEHOLD_SIZES.values()))[0]
        subdistrict = rng.choice(subdistricts)
        village = rng.choice(villages[subdistrict])
        issued = REFERENCE_DATE - dt.timedelta(days=rng.randrange(20 * 365))
        family_card = numbers.take(f"{subdistrict}{issued:%d%m%y}")
        household_id = f"{SYNTHETIC_PREFIX}HH-{district}-{household_no:06d}"
        address = (f"{rng.choice(STREETS)} No. {rng.randint(1, 150)}, "
                   f"RT {rng.randint(1, 12):03d}/RW {rng.randint(1, 6):03d}")
        decile = rng.choices(range(1, 11), weights=DECILE_WEIGHTS)[0]
        members = _members(rng, size)
        vulnerable = any(age < 18 or age >= 60 for _, age, _ in members)  # PKH needs children/elderly
        pkh = vulnerable and rng.random() < (0.45 if decile <= 3 else 0.15 if decile <= 5 else 0.02)
        bpnt = rng.random() < (0.6 if decile <= 3 else 0.3 if decile <= 5 else 0.08 if decile <= 7 else 0.02)
        family = rng.choice(FAMILY)
        for sex, age, relation in members:
            if made == people:  # the last household is cut short, so a smaller extract is a prefix
                return
            made += 1
            born = _birth_date(rng, age)
            given = rng.choice(GIVEN_FEMALE if sex == "F" else GIVEN_MALE)
            surname = rng.choice(FAMILY) if relation in ("spouse", "parent") else family
            yield {
                "registry_id": f"{SYNTHETIC_PREFIX}{district}-{made:07d}",
                "nik": make_nik(numbers, subdistrict, born, sex),
                "family_card": family_card,
                "household_id": household_id,
                "name": f"{given} {surname}",
                "sex": sex,
                "birth_place": home if rng.random() < 0.7 else rng.choice(OTHER_BIRTH_PLACES),
                "birth_date": born.isoformat(),
                "address": address,
                "village_code": village,
                "welfare_decile": str(decile),
                "programmes": ",".join(_programmes(rng, decile, age, pkh, bpnt)),
            }


def write_csv(rows: Iterator[dict[str, str]], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m slrt_dtks.adapters.synthetic", description=__doc__.split("\n\n")[0])
    parser.add_argument("--district", default="1605", help="4-digit district code (default 1605)")
    parser.add_argument("--people", type=int, default=2000, help="number of people (default 2000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--out", type=Path, default=Path("var/dtks-extract.csv"), help="CSV file to write")
    args = parser.parse_args(argv)
    if args.people < 1:
        parser.error("--people must be at least 1")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with args.out.open("w", encoding="utf-8", newline="") as f:
            count = write_csv(generate(args.district, args.people, args.seed), f)
    except ValueError as e:
        args.out.unlink(missing_ok=True)
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {count} synthetic people for district {args.district} to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
