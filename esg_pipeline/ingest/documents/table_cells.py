"""What a table cell and a row label are, shared by the HTML and text-layout readers: figures, empty
cells, unit headers, column kinds (value, change, target, baseline, note), footnote markers, group paths."""
from __future__ import annotations

import re

from esg_pipeline.ingest.documents.model import Column
from esg_pipeline.ingest.documents.periods import find_periods


# --- cells ----------------------------------------------------------------------------------

_SIGN = r"[<>≤≥~≈±+\-–−↑↓]"
_CURRENCY = r"(?:[A-Z]{1,3}\$|RMB|HKD|USD|[$¥€£])"
# digits grouped by commas, apostrophes (Swiss 184'250) or single spaces (French 184 250, 12 410,5)
_DIGITS = r"\d{1,3}(?:['’]\d{3})+(?:[.,]\d+)?|\d{1,3}(?:[ \u00a0]\d{3})+(?:,\d+)?|\d[\d,]*(?:\.\d+)?|\.\d+"
VALUE_TOKEN_RE = re.compile(
    rf"{_SIGN}?\s?{_CURRENCY}?\s?\(?(?:{_DIGITS})\)?(?:%|pp|ppt|x|[kKmM]|bn|mn)?\+?[*†‡]?")
NUMBER_CELL_RE = re.compile(
    rf"{_SIGN}?\s?{_CURRENCY}?\s?\(?(?:{_DIGITS})\)?\s?(?:%|pp|ppt|x|[kKmM]|bn|mn|million|billion|thousand)?"
    r"\+?[*†‡]?")
# Words a table prints where a figure is not given: the not-available phrases are one cell in a row of
# single-spaced cells ('3 2 Not relevant'), so text layouts split rows with EMPTY_PHRASE_RE.
NOT_GIVEN_WORDS = ("available", "applicable", "disclosed", "reported", "measured", "relevant", "material",
                   "significant", "calculated", "tracked", "collected", "meaningful")
EMPTY_VALUES = frozenset({"", "-", "–", "—", "−", "--", "n/a", "na", "n.a.", "n.a", "nil", "n.d.", "tbd",
                          *(f"{lead}not {word}" for word in NOT_GIVEN_WORDS for lead in ("", "figures ", "data "))})
EMPTY_PHRASE_RE = re.compile(r"(?:(?:figures|data)\s+)?not\s+(?:" + "|".join(NOT_GIVEN_WORDS) + r")(?=\s|$)|\S+",
                             re.I)

_UNIT_HEADER_RE = re.compile(r"units?(?:\s+of\s+measure(?:ment)?)?|measurement\s+units?", re.I)
_CHANGE_RE = re.compile(r"\b(?:yoy|y-o-y|year[\s-]+on[\s-]+year|change|changes|variance|var\.|growth|increase|"
                        r"decrease|diff(?:erence)?|movement)\b|%\s*chg|\bvs\.?\b|[△Δ]", re.I)
_TARGET_RE = re.compile(r"\b(?:targets?|goals?|objectives?|ambitions?)\b", re.I)
_BASELINE_RE = re.compile(r"\bbase(?:line|[\s-]+year)?\b", re.I)
_NOTE_RE = re.compile(r"^(?:report\s+)?pages?(?:\s+no\.?)?$|^remarks?$|^notes?$|^comments?$|^references?$|"
                      r"^sources?$|^gri\b|^hkex\b|^sdgs?\b", re.I)
# Footnote markers at the end of a label: '¹', '[A]', '(1)', '*', and a digit glued to a lower-case word
# ("employees4"; "CO2" and "m2" keep theirs, and so does "Scope1": a scope's own number, printed glued).
# A superscript after a unit symbol is its power, not a note ('tCO2/m²', 'per km²', 'ft³').
_LABEL_NOTE_RE = re.compile(r"\s*(\[\w{1,3}\]|\(\d{1,2}\)|\([a-f]\)|[*†‡#]+|(?<!\bm)(?<!km)(?<!cm)(?<!ft)(?<!\dm)"
                            r"[¹²³⁴⁵⁶⁷⁸⁹⁰]+|(?<=[a-z]{3})(?<![Ss]cope)\d{1,2})$")
# Markup a page converted to markdown leaves in a label: bold markers and non-breaking-space entities.
_MARKUP_RE = re.compile(r"\*\*|__|&nbsp;|&#160;", re.I)
_GROUP_PREFIX_RE = re.compile(r"^((?:\.{2,}|…)\s*)+")


def is_number(text: str) -> bool:
    """A figure as a table prints it: '1,234', '–5%', '<1', '(1.2)', 'US$80.1 million', '153,000+'."""
    return NUMBER_CELL_RE.fullmatch(text.strip()) is not None


def is_empty_value(text: str) -> bool:
    """Empty, dash and not-available cells carry no value."""
    return " ".join(text.split()).lower() in EMPTY_VALUES


def is_unit_header(text: str) -> bool:
    return _UNIT_HEADER_RE.fullmatch(text.strip()) is not None


def split_label(text: str) -> tuple[str, tuple[str, ...]]:
    """The label without its nesting prefix ('...') and trailing footnote markers, and those markers."""
    label = _GROUP_PREFIX_RE.sub("", " ".join(_MARKUP_RE.sub(" ", text).split()))
    notes: list[str] = []
    while True:
        m = _LABEL_NOTE_RE.search(label)
        if m is None or m.start() == 0:
            break
        notes.insert(0, m.group(1))
        label = label[:m.start()].rstrip()
    return label, tuple(notes)


def group_level(text: str) -> int:
    """Nesting shown by ellipsis prefixes: '...Male' is one level below 'By gender'."""
    m = _GROUP_PREFIX_RE.match(text.strip())
    return len(re.findall(r"\.{2,}|…", m.group(0))) if m else 0


def group_path(groups: list[tuple[int, str]], level: int, nested: bool) -> tuple[str, ...]:
    """The group rows above a value row at `level`; pops the groups it has left.

    In a nested layout a row belongs to the groups less indented than itself; in a flat one (no indentation
    anywhere) to the last group row above it."""
    while groups and (groups[-1][0] >= level if nested else groups[-1][0] > level):
        groups.pop()
    return tuple(label for _, label in groups)


# A label-only row naming a breakdown ('By gender', 'Of which') in a flat table (no indentation anywhere).
BREAKDOWN_ROW_RE = re.compile(r"^(?:by|of\s+which|breakdown\s+by|split\s+by)\b", re.I)


def breakdown_parent(rows: list[tuple[str, bool]], k: int, open_parent: str | None = None) -> str | None:
    """In a flat table a label-only breakdown row ('By gender') right under a figure row breaks that row down:
    the figure row's label heads the members too ('Turnover rate › By gender › Female'). `rows` holds each
    body row's (label, has figures); a breakdown after another ('By age' after 'By gender' › 'Female') splits
    the row the open one split (`open_parent`)."""
    if k == 0 or not BREAKDOWN_ROW_RE.match(rows[k][0]):
        return None
    if open_parent is not None:
        return open_parent
    label, figures = rows[k - 1]
    return label if figures and label and not BREAKDOWN_ROW_RE.match(label) else None


def heads_breakdown(rows: list[tuple[str, bool]], k: int, split: list[str]) -> bool:
    """A figure row with a breakdown below it that already split the open row ('By gender' again) is a new
    measure broken down the same way, ending the open breakdown; a new one ('By age group') splits the same row."""
    if k + 1 >= len(rows) or rows[k + 1][1] or not BREAKDOWN_ROW_RE.match(rows[k + 1][0]):
        return False
    return " ".join(rows[k + 1][0].lower().split()) in {" ".join(s.lower().split()) for s in split}


_PERIOD_SPAN_RE = re.compile(r"^\S+\s+(?:to|versus|against|[-–—])\s+\S+$", re.I)


def _is_period_span(header: str) -> bool:
    """'FY21 to FY22': a header spanning two periods holds the change between them."""
    periods = find_periods(header)
    return len(periods) == 2 and _PERIOD_SPAN_RE.match(header[periods[0][0]:periods[1][1]]) is not None


def column_kind(header: str) -> str:
    if _NOTE_RE.search(header.strip()):
        return "note"
    if _CHANGE_RE.search(header) or _is_period_span(header):
        return "change"
    if _TARGET_RE.search(header):
        return "target"
    if _BASELINE_RE.search(header):
        return "baseline"
    return "value"


def build_columns(headers: list[str]) -> list[Column]:
    """One Column per value column header: the period it names (as printed) and its year, and its kind."""
    columns = []
    for header in headers:
        header = " ".join(header.split())
        periods = find_periods(header)
        period = year = None
        if periods:
            start, end, year = periods[0]
            period = header[start:end].strip()
        columns.append(Column(header=header, period=period, year=year, kind=column_kind(header)))
    return columns


def pair_blank_columns(columns: list[Column]) -> list[Column]:
    """'2023 | (blank) | 2022 | (blank)': when every period column has a blank-headed column right after it,
    each blank one is a sub-column of the period on its left (a count, then its share in %), and takes that
    period."""
    periods = [i for i, c in enumerate(columns) if c.period]
    if not periods or any(i + 1 >= len(columns) or columns[i + 1].header for i in periods):
        return columns
    for i in periods:
        left = columns[i]
        columns[i + 1] = Column(header=left.header, period=left.period, year=left.year, kind=left.kind)
    return columns
