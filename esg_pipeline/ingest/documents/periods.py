"""Reporting periods as table headers print them: `2023`, `FY2023`, `FY23`, `2022/23`, `2024-25`,
`2021/2022`, `FY 2023/24`, `23/24` (two consecutive two-digit years) and `2023/3` (a Japanese data book's
fiscal year named by its closing year and month). A fiscal year maps to the year it ends in."""
from __future__ import annotations

import re
from functools import lru_cache

# A year a report could be about; wider than any catalog, narrow enough to leave quantities like 1,850 alone.
MIN_YEAR, MAX_YEAR = 1990, 2059

PERIOD_RE = re.compile(
    r"(?<![\w.,])(?:(?P<fy>FY|F\.Y\.|Financial\s+Year|Fiscal\s+Year|Fiscal|Year)\s*)?"
    r"(?P<y1>(?:19|20)\d\d|(?<=FY)\d\d|(?<=FY\s)\d\d|\d\d(?=/\d\d(?!\d)))"
    r"(?:\s*(?P<sep>[/\-–])\s*(?P<y2>(?:19|20)?\d\d)|/(?P<month>[1-9]|1[0-2])(?!\d))?"
    r"(?P<mark>[*†‡]|\s?\(\w\)|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\d\)?)?"  # a footnote marker glued to the header: 2021⁵, 201813
    r"(?![\w.,]*\d)", re.I)


def _full(two: str, century_from: int) -> int:
    return int(two) if len(two) == 4 else century_from // 100 * 100 + int(two)


@lru_cache(maxsize=1 << 16)  # the table finder asks for every word of a page, often the same words
def period_year(text: str) -> int | None:
    """The year a header cell names, or None: the end year of a fiscal year."""
    match = PERIOD_RE.fullmatch(text.strip()) or PERIOD_RE.fullmatch(_strip_marker(text.strip()))
    if match is None:
        return None
    return _year_of(match)


def _year_of(match: re.Match) -> int | None:
    y1 = match.group("y1")
    if len(y1) == 2:
        # '23/24' without 'FY' is a fiscal year only as two consecutive years
        if not match.group("fy") and not (match.group("sep") == "/" and len(match.group("y2")) == 2
                                          and int(match.group("y2")) == int(y1) + 1):
            return None
        y1 = "20" + y1
    start = int(y1)
    end = start
    if match.group("y2"):
        end = _full(match.group("y2"), start)
        if not (end == start + 1 or (match.group("sep") in "-–" and end == start)):
            if match.group("sep") == "/" and len(y1) == 4 and 1 <= int(match.group("y2")) <= 12:
                return start if MIN_YEAR <= start <= MAX_YEAR else None  # '2023/12': closing year and month
            return None  # "2019-2023" is a range, not a fiscal year
    return end if MIN_YEAR <= end <= MAX_YEAR else None


def _strip_marker(text: str) -> str:
    return re.sub(r"(?<=\d{4})(?:\d{1,2}\)?|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\s*\(\w\)|[*†‡])$", "", text)


def find_periods(text: str) -> list[tuple[int, int, int]]:
    """(start, end, year) of every period named in a header line."""
    out = []
    for m in PERIOD_RE.finditer(text):
        year = _year_of(m)
        if year is not None:
            out.append((m.start(), m.end(), year))
    return out
