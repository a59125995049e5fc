"""Fuzzy matching of Indonesian names: normalisation, a blocking key, and candidate scoring.

The same person is written "Muhammad Rizki", "M. Rizky", "MUH RIZKI" or "Bpk. Moh. Rizki, S.Pd";
"Nurhayati" and "Nur Hayati"; old spellings "Soekarno"/"Sukarno", "Djoko"/"Joko". Names are
normalised once at import (stored beside the row) and compared with rapidfuzz. Blocking, so that a
search over a million people scores hundreds of rows, not a million: candidates share the exact
birth date (catches any misspelling) or the name key within a year of the birth year (catches a
mistyped birth date).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from rapidfuzz import fuzz

HONORIFICS = frozenset({
    "h", "hj", "haji", "hajjah", "bapak", "bpk", "pak", "ibu", "bu", "ny", "nyonya", "nn", "nona", "tn", "tuan",
    "sdr", "sdri", "saudara", "saudari", "dr", "drs", "dra", "ir", "prof", "kh", "ust", "ustadz", "ustadzah",
    "alm", "almh", "almarhum", "almarhumah",
})
ABBREVIATIONS = {
    "m": "muhammad", "muh": "muhammad", "muhd": "muhammad", "moh": "muhammad", "mhd": "muhammad",
    "mohd": "muhammad", "moch": "muhammad", "mochamad": "muhammad", "mochammad": "muhammad",
    "mohamad": "muhammad", "mohammad": "muhammad", "muhamad": "muhammad", "muhammat": "muhammad",
    "muchammad": "muhammad", "muchamad": "muhammad", "mukhamad": "muhammad", "mohamed": "muhammad",
    "abd": "abdul", "abd.": "abdul", "achmad": "ahmad", "ahmat": "ahmad", "akhmad": "ahmad",
    "st": "siti", "sti": "siti", "nurul": "nurul",
}
# Pre-1972 spelling still found in names; applied before comparing.
_OLD_SPELLING = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("nj", "ny"), ("ch", "kh"))
_NON_LETTERS = re.compile(r"[^a-z ]+")
_TITLE_AFTER_COMMA = re.compile(r",.*$")  # "Budi Santoso, S.Pd." -> academic titles after a comma
_SOUNDS = (("kh", "k"), ("sy", "s"), ("ph", "f"), ("dh", "d"), ("th", "t"), ("q", "k"), ("v", "f"), ("z", "j"),
           ("x", "ks"), ("y", "i"), ("w", "u"))
_VOWELS = frozenset("aeiou")


def normalise_name(name: str) -> str:
    """Lower case, titles and honorifics dropped, abbreviations expanded, old spelling modernised."""
    text = _TITLE_AFTER_COMMA.sub("", name.lower())
    tokens = []
    for raw in text.replace(".", ". ").split():
        token = _NON_LETTERS.sub("", raw)
        if not token or (token in HONORIFICS and (raw.endswith(".") or not tokens)):
            continue
        token = ABBREVIATIONS.get(token, token)
        for old, new in _OLD_SPELLING:
            if old in token:
                token = token.replace(old, new)
        tokens.append(ABBREVIATIONS.get(token, token))
    return " ".join(tokens) or _NON_LETTERS.sub("", text).strip()


def name_key(normalised: str) -> str:
    """A 4-letter phonetic key of the whole name without spaces ("nur hayati" = "nurhayati"):
    the first letter, then consonants with similar sounds merged and repeats collapsed."""
    text = normalised.replace(" ", "")
    if not text:
        return ""
    for a, b in _SOUNDS:
        if a in text:
            text = text.replace(a, b)
    key = [text[0]]
    for ch in text[1:]:
        if ch in _VOWELS or ch == "h" or ch == key[-1]:
            continue
        key.append(ch)
        if len(key) == 4:
            break
    return "".join(key)


@dataclass(frozen=True)
class Score:
    total: float
    name: float
    birth_date: float
    region: float


def name_score(query: str, candidate: str) -> float:
    """0-100: the best of word-order-insensitive and spacing-insensitive similarity."""
    return max(fuzz.token_sort_ratio(query, candidate),
               fuzz.ratio(query.replace(" ", ""), candidate.replace(" ", "")),
               0.95 * fuzz.token_set_ratio(query, candidate))  # one name a subset of the other


def birth_date_score(query: dt.date, candidate: dt.date) -> float:
    if query == candidate:
        return 100.0
    if (query.year, query.day, query.month) == (candidate.year, candidate.month, candidate.day):
        return 80.0  # day and month swapped
    if abs((query - candidate).days) <= 31 or (query.month, query.day) == (candidate.month, candidate.day):
        return 60.0  # one digit off, or the right day in the wrong year
    if query.year == candidate.year:
        return 40.0
    return 0.0


def region_score(query: str | None, village_code: str) -> float:
    if not query:
        return 0.0
    if village_code.startswith(query):
        return 100.0
    shared = 0
    for level in (2, 4, 6, 10):
        if village_code[:level] == query[:level]:
            shared = level
    return {0: 0.0, 2: 20.0, 4: 50.0, 6: 80.0}.get(shared, 0.0)


def score(query_name: str, query_birth: dt.date, query_region: str | None,
          name: str, birth_date: dt.date, village_code: str) -> Score:
    n = name_score(query_name, name)
    b = birth_date_score(query_birth, birth_date)
    r = region_score(query_region, village_code)
    # The name decides; the birth date separates namesakes; the region breaks the remaining ties.
    total = 0.7 * n + 0.2 * b + 0.1 * r if query_region else 0.75 * n + 0.25 * b
    return Score(round(total, 1), round(n, 1), b, r)
