"""Document-level context computed once per text: lines, headings, sentences, reporting group, year."""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass

# A sentence ends at . ! ? followed by space and a capital/digit/bullet, at a blank line, or at a bullet.
# A single newline ends one only when the line looks complete; PDF line breaks inside sentences
# (lowercase or comma before, lowercase after) do not.
SENTENCE_BOUNDARY_RE = re.compile(  # opens with a character set so the scan skips ordinary text quickly
    r"[.!?\n•▪●■](?:(?<=[.!?])['\"”’)]?\s+(?=[A-Z0-9\"“‘(•▪●■\-–])|(?<=\n)[ \t]*\n|(?<=[•▪●■])"
    r"|(?<=\n)(?<![A-Za-z,\-–(;:]\n)|(?<=\n)(?=[ \t]*[•▪●■\-–]))"
)
HEADING_MAX_CHARS = 90
ORG_SUFFIX_RE = re.compile(
    r"\b((?:[A-Z][A-Za-z&.'-]*|of|and)(?:\s+(?:[A-Z][A-Za-z&.'-]*|of|and)){0,4}?)\s+((?:(?:Holdings|Group)\s+)?(?:Limited|Ltd\.?|Group|Holdings|Corporation|Corp\.|plc|Inc\.?))\b"
)
# "Holdings Limited": the second suffix word ends the name, so the first is skipped.
# Patterns that run over the whole text open with a character set so the regex engine skips ahead quickly.
ORG_SUFFIX_WORD_RE = re.compile(r"[LGHCpI](?<=\s[LGHCpI])(?:imited|td\.?|roup|oldings|orporation|orp\.|lc|nc\.?)\b"
                                r"(?!\s+(?:Limited|Ltd|Group|Holdings|Corporation|Corp|plc|Inc)\b)")
ORG_SUFFIX_NOT_NAME = frozenset({"Company", "The", "This", "Our", "Co.,", "Co."})
ACRONYM_RE = re.compile(r"[A-Z](?<![A-Za-z][A-Z])[A-Z][A-Z]+(?![A-Za-z])")
ACRONYM_NOT_BRAND = frozenset({"ESG", "HKEX", "GRI", "CSR", "ISO", "COVID", "GDP", "SDG", "SDGS", "UN", "PPP", "ABS", "ENR",
                               "CEO", "CFO", "THE", "AND", "PDF", "KPI", "CO2", "GHG", "NGO", "HK", "USA", "PRC", "APP",
                               "RMB", "HKD", "USD", "CNY", "KZT", "AUD", "EUR", "GBP", "MWH", "KWH", "GWH", "LTD"})
YEAR_RE = re.compile(r"[12](?<![\w.,][12])(?:9[89]|0[0-4])\d(?![\w%]|\s*(?:-|to|–)\s*\d)")
YEAR_PERIOD_WORDS_RE = re.compile(
    r"(?:\b(?:in|during|for|throughout|end of|year|fy|fiscal year|reporting year|reporting period|report|december))\s*$")
YEAR_CELL_RE = re.compile(r"^\s*(?:FY\s?)?((?:19[89]|20[0-4])\d)\s*$")


@dataclass
class DocContext:
    text: str
    line_starts: list[int]
    heading_offsets: list[int]
    heading_texts: list[str]
    group: str
    brand: str
    year: int | None
    year_source: str
    _boundaries: list[tuple[int, int]] | None = None
    _boundary_starts: list[int] | None = None

    def line_index(self, pos: int) -> int:
        """0-based index of the line holding pos."""
        return bisect_right(self.line_starts, pos) - 1

    def line_span(self, idx: int) -> tuple[int, int]:
        start = self.line_starts[idx]
        end = self.line_starts[idx + 1] - 1 if idx + 1 < len(self.line_starts) else len(self.text)
        return start, end

    def headings_before(self, pos: int, n: int = 2) -> list[str]:
        i = bisect_right(self.heading_offsets, pos)
        return self.heading_texts[max(0, i - n):i]

    def sentence_span(self, start: int, end: int, reach: int = 700) -> tuple[int, int]:
        """The sentence around [start, end), at most `reach` characters either side."""
        if self._boundaries is None:  # one pass over the text, then bisection per metric
            self._boundaries = [m.span() for m in SENTENCE_BOUNDARY_RE.finditer(self.text)]
            self._boundary_starts = [b[0] for b in self._boundaries]
        i = bisect_right(self._boundary_starts, start) - 1
        while i >= 0 and self._boundaries[i][1] > start:
            i -= 1  # a boundary cannot cut the quantity itself
        s = max(self._boundaries[i][1] if i >= 0 else 0, start - reach)
        j = bisect_right(self._boundary_starts, end - 1)
        if j < len(self._boundaries) and self._boundaries[j][0] < end + reach:
            b = self._boundaries[j][0]
            e = b + 1 if self.text[b] in ".!?" else b
        else:
            e = min(len(self.text), end + reach)
        return s, e


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


# A heading: one short line, capitalised, not ending like a sentence or a figure, not a table row.
HEADING_RE = re.compile(r"^[ \t]*([A-Z][^\n|]{0,%d}?[^\s.,;:|\d])[ \t]*$" % (HEADING_MAX_CHARS - 2), re.M)


_CAPS_BEFORE_RE = re.compile(r"\b[A-Z]{3,}[ \t]+$")
_CAPS_AFTER_RE = re.compile(r"[ \t]+[A-Z]{3,}\b")


def _in_capitals_run(text: str, start: int, end: int) -> bool:
    return bool(_CAPS_BEFORE_RE.search(text[max(0, start - 24):start]) or _CAPS_AFTER_RE.match(text, end))


def _used_in_lower_case(text: str, word: str, seen: dict[str, bool]) -> bool:
    """Does the text also write `word` (capital letters A-Z) in lower case as a word of its own?"""
    found = seen.get(word)
    if found is None:
        low = word.lower()
        found = seen[word] = low in text and re.search(r"\b" + low + r"\b", text) is not None
    return found


def infer_group(text: str) -> str | None:
    """The most-mentioned '<Name> Limited/Group/Holdings/...'; else the most frequent brand acronym."""
    names = Counter()
    for suffix in ORG_SUFFIX_WORD_RE.finditer(text):  # find the rare suffix words first, then read the name
        m = ORG_SUFFIX_RE.search(text, max(0, suffix.start() - 80), suffix.end())
        if m is None or m.end() != suffix.end():
            continue
        words = m.group(1).split()
        while words and (words[0] in ORG_SUFFIX_NOT_NAME or words[0] in ("of", "and")):
            words = words[1:]
        if words:
            names[" ".join(words) + " " + m.group(2)] += 1
    # a word set in capitals (a heading's 'GREENHOUSE', 'NOTE') is no brand: the text uses it in lower case too
    in_lower_case: dict[str, bool] = {}  # asked once per distinct word, not by listing every word of the text
    # nor is a label word ('NOTE:', 'SOURCE:') or a word of a line set in capitals ('ALL FIGURES ARE FOR')
    acronyms = Counter(m.group() for m in ACRONYM_RE.finditer(text)
                       if m.group() not in ACRONYM_NOT_BRAND and not _used_in_lower_case(text, m.group(), in_lower_case)
                       and not text.startswith(":", m.end()) and not _in_capitals_run(text, m.start(), m.end()))
    brand, brand_count = acronyms.most_common(1)[0] if acronyms else ("", 0)
    if names:
        # A subsidiary or partner named once must not beat the brand that runs through the whole text.
        best = max(names.items(), key=lambda kv: (text.count(kv[0].split()[0]), kv[1], -len(kv[0])))[0]
        if brand_count <= 2 * text.count(best.split()[0]) or best.startswith(brand + " "):
            return best
    return brand if brand_count >= 2 else None


def infer_year(text: str) -> tuple[int | None, str]:
    """The year most often named as the reporting period ('In 2020', 'during 2020', 'Report 2020',
    '31 December 2020'); a tie goes to the later year."""
    years = Counter(m.group() for m in YEAR_RE.finditer(text)
                    if YEAR_PERIOD_WORDS_RE.search(text[max(0, m.start() - 22):m.start()].lower()))
    if not years:
        return None, "none"
    year, count = max(years.items(), key=lambda kv: (kv[1], kv[0]))
    return int(year), f"text: '{year}' named as the period {count}x"


def build_context(text: str, *, year: int | None, entity: str | None) -> DocContext:
    starts = _line_starts(text)
    heading_offsets, heading_texts = [], []
    # HEADING_RE matches only at a line start and within the line: tried at each line start, not each character
    for m in filter(None, (HEADING_RE.match(text, p) for p in starts)):
        heading_offsets.append(m.start())
        heading_texts.append(m.group(1))
    group = entity or infer_group(text) or "unknown"
    if year is not None:
        year_value, year_source = year, "catalog"
    else:
        year_value, year_source = infer_year(text)
    brand = group.split()[0] if group != "unknown" else ""
    return DocContext(text, starts, heading_offsets, heading_texts, group, brand, year_value, year_source)


def cell_year(cell: str) -> int | None:
    """The year of a table cell holding only a year ('2023', 'FY2023')."""
    m = YEAR_CELL_RE.match(cell)
    return int(m.group(1)) if m else None


def year_columns(cells: list[str]) -> dict[int, int]:
    """Column index -> year for a table header row ('Indicator | 2019 | 2020')."""
    return {i: year for i, c in enumerate(cells) if (year := cell_year(c))}
