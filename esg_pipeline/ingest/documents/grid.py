"""Tables from word geometry: PDF glyph runs, OCR words, or text lines (x = character column).

ESG data tables are anchored by a header row of periods (`2019 2020 2021`, `FY22 FY23`, `2022/23`).
The finder works from those anchors, the way text-edge detectors (Nurminen; camelot's stream
flavour) work from aligned text, but with the one alignment these tables always have:

1. header lines: lines with two or more period words; a header that repeats its years holds
   tables side by side, each its own table;
2. value columns: one per period word (plus change/target columns), as x-bands halfway to the
   neighbouring column;
3. rows: each line below the header with numbers in the bands is a row; the words left of the first
   band are its label, words under a `Unit` header its unit;
4. label lines without numbers are wrapped labels (above a row whose own label is empty, or a
   lower-case continuation below one) or group rows, which become the path of the rows below;
5. the table ends at the next header, a prose line across the value columns, or a wide gap.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from esg_pipeline.ingest.documents.model import Box, Cell, Column, Row, Table, Word
from esg_pipeline.ingest.documents.periods import period_year

# A printed value cell: numbers with separators, signs, brackets, %, a '<'/'>' bound, and a glued
# footnote marker ('23,6003)', '7,9¹⁾'). Dashes and n/a mark an empty cell.
NUMBER_RE = re.compile(r"^[<>≤≥~≈]?[(\-–−+]?\$?\d[\d,.\s]*%?\)?(?:\d\)|[¹²³⁴⁵⁶⁷⁸⁹⁰]+⁾?|\*+|[a-z]{1,2})?$")
EMPTY_CELL_RE = re.compile(r"^(?:[-–—−]+|n/?a|n\.a\.|nil|—)$", re.I)
CHANGE_HEADER_RE = re.compile(r"^(?:yoy|change|variance|var\.?|%\s*change|δ|diff\.?|growth)$", re.I)
TARGET_HEADER_RE = re.compile(r"^(?:target|goal|baseline|base)$", re.I)
UNIT_HEADER_RE = re.compile(r"^units?$", re.I)
PROSE_WORD_RE = re.compile(r"^[a-z]+[.,;:]?$")  # a lower-case word between years: they are in a sentence
# Letter footnote markers that label ends carry: 'n', 'p q', 'aa', 'bbb' (a letter alone or doubled).
LETTER_MARKER_RE = re.compile(r"^([a-z])\1{0,2}$")
BRACKET_MARKER_RE = re.compile(r"\s*\[[A-Z0-9]{1,2}\]|\s*[¹²³⁴⁵⁶⁷⁸⁹⁰]+⁾?|\*+$")
GLUED_DIGIT_MARKER_RE = re.compile(r"(?<=[a-z])\d\)(?=\s|$)")  # 'emissions1)': footnote 1, unless '(m3)'


# Two words on one line: their vertical centres lie within this share of the smaller height.
SAME_LINE_OVERLAP = 0.5
# A header needs this many periods: one year alone is a date, two are columns.
MIN_PERIODS = 2
# Between label words: gaps up to this many line heights; a wider gap separates the label from
# other text (a prose column beside the table).
LABEL_GAP_HEIGHTS = 2.5
# Within a cell words are a space apart; a gap this many line heights wide separates two cells.
PHRASE_GAP_HEIGHTS = 1.2
# A unit cell alone on its line (a wrapped unit) starts at most this far left of its 'Unit' header.
UNIT_REACH_HEIGHTS = 4.0
# The first and last value bands reach this many header widths beyond their header: values are
# right-aligned or centred under it, and a label's own number ('Scope 1') must stay in the label.
OUTER_BAND_WIDTHS = 2.5
# A line under a table with this many lower-case words and a closing full stop is a sentence.
SENTENCE_LOWER_WORDS = 4
# Sub-column headers under spanning years sit on the next line, this close (in line heights).
SUBHEADER_GAP_HEIGHTS = 1.0
# A table ends after an empty stretch this many line heights tall.
TABLE_GAP_HEIGHTS = 3.2
# Wrapped label lines join a row only when this close (in line heights) vertically.
WRAP_GAP_HEIGHTS = 0.9
# Prose across the value columns: this many alphabetic words inside the bands ends the table.
PROSE_WORDS_IN_BANDS = 3


@dataclass
class PageTable:
    table: Table
    box: Box
    word_ids: set[int]  # indices into the words passed in that the table consumed


@dataclass
class _Line:
    ids: list[int]
    top: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass
class _Band:
    x0: float
    x1: float
    column: Column


@dataclass
class _Layout:
    """One table's columns on the page: value bands, an optional unit band, its left and right limits."""

    bands: list[_Band]
    left: float
    right: float
    header_line: int
    unit_band: tuple[float, float] | None = None
    header_ids: set[int] = field(default_factory=set)
    label_limit: float | None = None  # where a second text column (scope, method) starts left of the values
    unit_header: tuple[float, float] | None = None  # x0, x1 of the 'Unit' header word
    first_header_x0: float = float("inf")  # where the first value column's header starts


@dataclass
class _RowDraft:
    line: int
    label_ids: list[int]
    unit_ids: list[int]
    cells: dict[int, int]  # column -> word id
    extra_label: list[list[int]] = field(default_factory=list)
    extra_unit: list[list[int]] = field(default_factory=list)
    above: list[list[int]] = field(default_factory=list)
    kind: str = "value"  # "value" or "group"
    indent: float = 0.0
    empty_ids: list[int] = field(default_factory=list)


PAIR_CELL_RE = re.compile(r"^\d[\d,.]*%?\s*[/／]\s*\d[\d,.]*%?$")  # '69／8.8': a count and its share


def is_number(text: str) -> bool:
    return (bool(NUMBER_RE.match(text)) or bool(PAIR_CELL_RE.match(text))) and any(ch.isdigit() for ch in text)


def is_empty_cell(text: str) -> bool:
    return bool(EMPTY_CELL_RE.match(text))


def group_lines(words: list[Word]) -> list[_Line]:
    """Words into visual lines: a word joins the line whose vertical centre it shares."""
    order = sorted(range(len(words)), key=lambda i: (words[i].yc, words[i].x0))
    lines: list[_Line] = []
    for i in order:
        w = words[i]
        line = lines[-1] if lines else None
        if line is not None and abs(w.yc - (line.top + line.bottom) / 2) <= SAME_LINE_OVERLAP * min(
                max(w.height, 1.0), max(line.height, 1.0)):
            line.ids.append(i)
            line.top, line.bottom = min(line.top, w.top), max(line.bottom, w.bottom)
        else:
            lines.append(_Line([i], w.top, w.bottom))
    for line in lines:
        line.ids.sort(key=lambda i: words[i].x0)
    return lines


def find_page_tables(words: list[Word], *, page: int | None = None) -> list[PageTable]:
    if not words:
        return []
    lines = group_lines(words)
    height = statistics.median(max(w.height, 1.0) for w in words)
    layouts = [layout for n, line in enumerate(lines) for layout in _header_layouts(words, lines, n, height)]
    _separate_neighbours(words, lines, layouts, height)
    tables: list[PageTable] = []
    for layout in layouts:
        end = _table_end(words, lines, layout, layouts, height)
        found = _build(words, lines, layout, end, height, page)
        if found is not None:
            tables.append(found)
    return tables


def _separate_neighbours(words, lines, layouts: list[_Layout], height: float) -> None:
    """Tables side by side with headers on different lines: each one's label area ends where the
    columns of the table on its left end, for tables whose natural extents overlap in height."""
    spans = [(layout.header_line, _table_end(words, lines, layout, [], height)) for layout in layouts]
    for a, (a0, a1) in zip(layouts, spans):
        for b, (b0, b1) in zip(layouts, spans):
            if a is b or a.bands[-1].x1 >= b.bands[0].x0 or a0 >= b1 or b0 >= a1:
                continue
            b.left = max(b.left, a.bands[-1].x1)  # a lies left of b while both run
            a.right = min(a.right, (a.bands[-1].x1 + b.bands[0].x0) / 2)
    for layout in layouts:  # header words beyond a table's limits belong to its neighbour's side
        layout.header_ids = {i for i in layout.header_ids if _in_table(words[i], layout)}


# --- header ---------------------------------------------------------------------------

def _header_layouts(words: list[Word], lines: list[_Line], n: int, height: float) -> list[_Layout]:
    ids = lines[n].ids
    periods = [(i, period_year(words[i].text)) for i in ids]
    periods = [(i, y) for i, y in periods if y is not None]
    if len(periods) < MIN_PERIODS:
        return []
    groups: list[list[int]] = [[]]
    seen: set[int] = set()
    for i in ids:
        year = period_year(words[i].text)
        if year is not None and year in seen:
            groups.append([])  # the years start again: a second table beside the first
            seen = set()
        elif seen and PROSE_WORD_RE.match(words[i].text):
            groups.append([])  # 'from 2016 to 2017' is a sentence, not a header
            seen = set()
        if year is not None:
            seen.add(year)
        groups[-1].append(i)
    def periods_in(group: list[int]) -> int:
        return sum(period_year(words[i].text) is not None for i in group)

    for g in range(len(groups) - 1):  # 'Metric Unit' after the last year head the next table
        while periods_in(groups[g + 1]) >= MIN_PERIODS and groups[g] and period_year(words[groups[g][-1]].text) is None and not _column_kind(words[groups[g][-1]].text):
            groups[g + 1].insert(0, groups[g].pop())
    layouts = []
    for g, group in enumerate(groups):
        period_ids = [i for i in group if period_year(words[i].text) is not None]
        if len(period_ids) < MIN_PERIODS:
            continue
        columns_ids = [i for i in group if period_year(words[i].text) is not None
                       or (words[i].x0 > words[period_ids[0]].x0 and _column_kind(words[i].text))]
        left = words[group[0]].x0 - height if g else float("-inf")
        if g:  # the previous table's last column ends where this table's first word begins
            left = (words[groups[g - 1][-1]].x1 + words[group[0]].x0) / 2
        nxt = groups[g + 1] if g + 1 < len(groups) else None
        right = float("inf") if nxt is None else (words[group[-1]].x1 + words[nxt[0]].x0) / 2
        spans = _spanned_columns(words, lines, n, columns_ids, height)
        layout = _layout(words, lines, n, group, list(spans) if spans else columns_ids, left, right, height, spans)
        layout.header_ids |= set(spans) if spans else _header_cell_lines(words, lines, n, layout, height)
        layouts.append(layout)
    return layouts


def _column_kind(text: str) -> str | None:
    if CHANGE_HEADER_RE.match(text):
        return "change"
    if TARGET_HEADER_RE.match(text):
        return "target"
    return None


def _header_cell_lines(words, lines, n: int, layout: _Layout, height: float) -> set[int]:
    """Words of header cells wrapped onto the lines just above and below the periods
    ('Financial Year 2024-25 (Current Financial Year)'): text over the value columns, no figures."""
    found: set[int] = set()
    for k in (n - 1, n + 1):
        if not 0 <= k < len(lines) or abs(lines[k].top - lines[n].top) > (1 + SUBHEADER_GAP_HEIGHTS) * height:
            continue
        over = [i for i in lines[k].ids if words[i].x1 > layout.bands[0].x0 and words[i].x0 < layout.bands[-1].x1]
        if over and not any(is_number(words[i].text) for i in over):
            found.update(over)
    return found


def _spanned_columns(words, lines, n, column_ids, height) -> dict[int, int] | None:
    """Years that span sub-columns ('2023' over 'Total Men Women'): the line below holds k words under each
    year. Returns sub-column word -> its year's word, or None when the header has no such line."""
    if n + 1 >= len(lines) or lines[n + 1].top - lines[n].bottom > SUBHEADER_GAP_HEIGHTS * height:
        return None
    periods = [i for i in column_ids if period_year(words[i].text) is not None]
    first = min(words[i].x0 for i in column_ids)
    span = max(words[i].x1 for i in column_ids) - first
    pitch = span / len(column_ids)
    last = max(words[i].x1 for i in column_ids)
    subs = [i for i in lines[n + 1].ids if words[i].x1 > first - pitch and words[i].x0 < last + pitch]
    if any(is_number(words[i].text) or is_empty_cell(words[i].text) for i in subs):
        return None  # a row of figures, not sub-headers
    if len(periods) < MIN_PERIODS or len(subs) < 2 * len(periods) or len(subs) % len(periods):
        return None
    k = len(subs) // len(periods)
    spans = {sub: periods[j // k] for j, sub in enumerate(subs)}
    if any(abs(words[sub].xc - words[p].xc) > pitch * k for sub, p in spans.items()):
        return None  # the words below do not sit under their years
    if any(words[b].x0 - words[a].x1 < PHRASE_GAP_HEIGHTS * height for a, b in zip(subs, subs[1:])):
        return None  # words a space apart are one header phrase ('Financial Year)'), not sub-columns
    return spans


def _header_cell(words, group, column_ids, i: int, height: float) -> Word:
    """A column's header cell on the header line: its period and the words printed right after it
    ('2024-25 (Current'), up to a wide gap or the next column. Values sit under the whole cell."""
    w = words[i]
    x1 = w.x1
    for j in sorted((j for j in group if words[j].x0 >= w.x1), key=lambda j: words[j].x0):
        if j in column_ids or words[j].x0 - x1 > PHRASE_GAP_HEIGHTS * height or UNIT_HEADER_RE.match(words[j].text):
            break
        x1 = words[j].x1
    return Word(w.text, w.x0, w.top, x1, w.bottom, w.page, w.bold)


def _layout(words, lines, n, group, column_ids, left, right, height, spans=None) -> _Layout:
    bands: list[_Band] = []
    cells = {i: _header_cell(words, group, column_ids, i, height) for i in column_ids}
    centres = [cells[i].xc for i in column_ids]
    gaps = [b - a for a, b in zip(centres, centres[1:])] or [max(words[column_ids[0]].x1 - words[column_ids[0]].x0, height) * 2]
    gap = min(gaps)
    for k, i in enumerate(column_ids):
        w = cells[i]
        reach = OUTER_BAND_WIDTHS * max(w.x1 - w.x0, height)  # outer bands: no further than a wide value
        lo = (centres[k - 1] + w.xc) / 2 if k else max(w.xc - gap / 2, w.x0 - reach)
        hi = (w.xc + centres[k + 1]) / 2 if k + 1 < len(centres) else min(w.xc + gap / 2, w.x1 + reach)
        lo, hi = min(lo, w.x0), max(hi, w.x1)
        if spans:  # a sub-column under a spanning year
            top = words[spans[i]]
            header, year = f"{top.text} {words[i].text}", period_year(top.text)
            kind = _column_kind(words[i].text) or "value"
            period = top.text
        else:
            header = _header_text(words, lines, n, words[i], height)
            year = period_year(words[i].text)
            kind = _column_kind(words[i].text) or "value"
            period = words[i].text if year else None
        bands.append(_Band(lo, hi, Column(header=header, period=period, year=year, kind=kind)))
    unit_band = unit_header = None
    for i in group:
        if UNIT_HEADER_RE.match(words[i].text):
            x0 = words[i].x0 - height * 0.5
            nxt = [words[j].x0 for j in group if words[j].x0 > words[i].x1]
            x1 = min(nxt) - 0.5 * height if nxt else right
            if x1 > bands[0].x0 and words[i].x1 < bands[0].x0:
                x1 = bands[0].x0
            last = max(cells.values(), key=lambda c: c.x1)
            if words[i].x0 >= last.x1:  # right of the values: the band starts halfway from the last header
                x0 = min(x0, (last.x1 + words[i].x0) / 2)
            unit_band = (x0, x1)
            unit_header = (words[i].x0, words[i].x1)
    label_limit = _second_text_column(words, group, column_ids, unit_band, height)
    if unit_band and unit_band[0] >= bands[-1].x0:  # the unit column starts where the last values end
        bands[-1].x1 = min(bands[-1].x1, unit_band[0])
    elif unit_band and unit_band[1] <= bands[0].x1:
        bands[0].x0 = max(bands[0].x0, unit_band[1])
    edge = min(right, bands[-1].x1 + gap) if right != float("inf") else bands[-1].x1 + gap / 2
    if unit_band and unit_band[0] >= bands[-1].x1:  # a unit column right of the values belongs to the table
        edge = max(edge, min(unit_band[1], right))
    return _Layout(first_header_x0=words[column_ids[0]].x0, unit_header=unit_header, label_limit=label_limit,
                   bands=bands, left=left, right=edge, header_line=n, unit_band=unit_band, header_ids=set(group))


def _second_text_column(words, group, column_ids, unit_band, height) -> float | None:
    """Header words left of the values form phrases; the second phrase heads a text column of its own."""
    first = words[column_ids[0]].x0
    heads = [i for i in group if words[i].x1 <= first and not UNIT_HEADER_RE.match(words[i].text)
             and not (unit_band and unit_band[0] <= words[i].x0 < unit_band[1])]
    for a, b in zip(heads, heads[1:]):
        if words[b].x0 - words[a].x1 > LABEL_GAP_HEIGHTS * height:
            return (words[a].x1 + words[b].x0) / 2
    return None


def _header_text(words, lines, n, w: Word, height: float) -> str:
    """The header cell of a column: its period word and the words just above or below it that overlap it."""
    parts = [w.text]
    for k in (n - 1, n + 1):
        if 0 <= k < len(lines) and abs(lines[k].top - lines[n].top) < 2 * height:
            for j in lines[k].ids:
                o = words[j]
                if min(o.x1, w.x1) - max(o.x0, w.x0) > 0.3 * min(o.x1 - o.x0, w.x1 - w.x0) and not is_number(o.text) \
                        and not is_empty_cell(o.text):
                    parts.insert(0 if k < n else len(parts), o.text)
    return " ".join(parts)


# --- extent ---------------------------------------------------------------------------

def _in_table(w: Word, layout: _Layout) -> bool:
    return layout.left <= w.xc < layout.right


def _band_of(w: Word, layout: _Layout) -> int | None:
    """The value column a number belongs to: the band holding most of it."""
    best, best_overlap = None, 0.0
    for k, band in enumerate(layout.bands):
        overlap = min(w.x1, band.x1) - max(w.x0, band.x0)
        if overlap > best_overlap:
            best, best_overlap = k, overlap
    return best if best_overlap >= 0.4 * max(w.x1 - w.x0, 1e-6) else None


def _bands_overlap(a: _Layout, b: _Layout) -> bool:
    return a.bands[0].x0 < b.bands[-1].x1 and b.bands[0].x0 < a.bands[-1].x1


def _figures_follow(words, lines, n: int, layout: _Layout, height: float) -> bool:
    """A row's figures right below a lone word of a tall cell ('Year' centred beside a wrapped label)."""
    for k in range(n + 1, min(n + 4, len(lines))):
        if lines[k].top - lines[n].bottom > TABLE_GAP_HEIGHTS * height:
            break
        figures = [i for i in lines[k].ids if _in_table(words[i], layout) and is_number(words[i].text)
                   and _band_of(words[i], layout) is not None]
        if len(figures) >= MIN_PERIODS:
            return True
    return False


def _is_sentence(texts: list[str]) -> bool:
    """A line of running text: several lower-case words and a full stop at its end."""
    lower = sum(1 for t in texts if t[:1].islower() and t.isalpha())
    return bool(texts) and texts[-1].endswith(".") and lower >= SENTENCE_LOWER_WORDS


def _table_end(words, lines, layout: _Layout, layouts: list[_Layout], height: float) -> int:
    """Index of the first line after the table."""
    last_row_bottom = lines[layout.header_line].bottom
    for n in range(layout.header_line + 1, len(lines)):
        line = lines[n]
        if any(o.header_line == n and o is not layout and _bands_overlap(o, layout) for o in layouts):
            return n  # another table's header over these columns
        mine = [i for i in line.ids if _in_table(words[i], layout) and i not in layout.header_ids]
        if not mine:
            continue
        in_bands = [i for i in mine if _band_of(words[i], layout) is not None]
        figures = sum(1 for i in in_bands if is_number(words[i].text) or is_empty_cell(words[i].text))
        if line.top - last_row_bottom > TABLE_GAP_HEIGHTS * height and figures < MIN_PERIODS and \
                not _figures_follow(words, lines, n, layout, height):
            return n  # a wide gap ends the table, unless the rows below still fill its columns
        prose = sum(1 for i in in_bands if words[i].text[:1].isalpha())
        # running text in the label column or the value columns (not in a notes column beside the label)
        text_ids = [i for i in mine if layout.label_limit is None or words[i].x0 < layout.label_limit
                    or i in in_bands]
        if prose >= PROSE_WORDS_IN_BANDS or _is_sentence([words[i].text for i in text_ids]):
            return n
        last_row_bottom = line.bottom
    return len(lines)


# --- rows -----------------------------------------------------------------------------

def _split_line(words, line: _Line, layout: _Layout, height: float) -> _RowDraft:
    cells: dict[int, int] = {}
    rest: list[int] = []
    unit_ids: list[int] = []
    others: list[int] = []
    empty: list[int] = []  # '-' and 'n/a' cells: part of the table, no value
    for i in line.ids:
        w = words[i]
        if not _in_table(w, layout) or i in layout.header_ids:
            continue
        band = _band_of(w, layout)
        if band is not None and (is_number(w.text) or is_empty_cell(w.text)):
            if is_empty_cell(w.text):
                empty.append(i)
            if is_number(w.text):
                held = cells.get(band)
                centre = (layout.bands[band].x0 + layout.bands[band].x1) / 2
                if held is None or abs(w.xc - centre) < abs(words[held].xc - centre):
                    cells[band] = i  # two numbers in one band: the one under the header
            continue
        others.append(i)
    # the label ends where the row's first value (or, without values, the first column's header) begins
    values_from = min([words[i].x0 for i in cells.values()] + [layout.first_header_x0])
    for i in others:
        w = words[i]
        if layout.unit_band and layout.unit_band[0] <= w.x0 < layout.unit_band[1]:
            unit_ids.append(i)
        elif w.x1 <= values_from + 1 and (layout.label_limit is None or w.x0 < layout.label_limit):
            rest.append(i)
    if layout.unit_header is not None and rest:
        rest, unit_ids = _unit_phrase(words, rest, unit_ids, layout.unit_header, height)
    label = _label_run(words, rest, height)
    indent = words[label[0]].x0 if label else 0.0
    return _RowDraft(line=0, label_ids=label, unit_ids=unit_ids, cells=cells, indent=indent, empty_ids=empty)


def _unit_phrase(words, rest: list[int], unit_ids: list[int], header: tuple[float, float],
                 height: float) -> tuple[list[int], list[int]]:
    """A unit cell that starts left of its centred 'Unit' header: the last phrase before the values
    (set off by a wide gap) that reaches under the header."""
    phrases: list[list[int]] = [[rest[0]]]
    for a, b in zip(rest, rest[1:]):
        if words[b].x0 - words[a].x1 > PHRASE_GAP_HEIGHTS * height:
            phrases.append([])
        phrases[-1].append(b)
    last = phrases[-1]
    under = words[last[-1]].x1 > header[0] and words[last[0]].x0 < header[1]
    if under and (len(phrases) > 1 or words[last[0]].x0 >= header[0] - UNIT_REACH_HEIGHTS * height):
        return [i for p in phrases[:-1] for i in p], sorted(last + unit_ids, key=lambda i: words[i].x0)
    return rest, unit_ids


def _label_run(words, ids: list[int], height: float) -> list[int]:
    """The words next to the columns, back to the first wide gap (a text column beside the table)."""
    if not ids:
        return []
    while len(ids) > 1 and is_number(words[ids[-1]].text) and is_number(words[ids[-2]].text):
        ids = ids[:-2]  # a run of figures left of the columns is another table's values, not a label
    if not ids:
        return []
    run = [ids[-1]]
    for i in reversed(ids[:-1]):
        if words[run[0]].x0 - words[i].x1 > LABEL_GAP_HEIGHTS * height or (
                is_number(words[i].text) and is_number(words[run[0]].text)):
            break
        run.insert(0, i)
    return run


def _build(words, lines, layout: _Layout, end: int, height: float, page: int | None) -> PageTable | None:
    drafts: list[tuple[int, _RowDraft]] = []
    for n in range(layout.header_line + 1, end):
        d = _split_line(words, lines[n], layout, height)
        d.line = n
        if d.cells or d.label_ids or d.unit_ids:
            drafts.append((n, d))
    value_rows = [d for _, d in drafts if d.cells]
    if len(value_rows) < 1 or sum(len(d.cells) for d in value_rows) < 2:
        return None
    rows = _attach_text_lines(words, lines, [d for _, d in drafts], height)
    while rows and rows[-1].kind == "group":
        rows.pop()  # text after the last row is a note under the table, left to the page's text
    table_rows = _rows_with_paths(words, rows, layout, page)
    used = set(layout.header_ids)
    for d in rows:
        used.update(d.label_ids, d.unit_ids, d.cells.values(), d.empty_ids, *d.extra_label, *d.extra_unit, *d.above)
    xs = [words[i].x0 for i in used] + [words[i].x1 for i in used]
    ys = [words[i].top for i in used] + [words[i].bottom for i in used]
    table = Table(columns=[b.column for b in layout.bands], rows=table_rows,
                  header_rows=[[words[i].text for i in sorted(layout.header_ids, key=lambda i: words[i].x0)]],
                  unit_header="Unit" if layout.unit_band else None, pages=(page,) if page else (),
                  source="pdf-year-header")
    return PageTable(table=table, box=(min(xs), min(ys), max(xs), max(ys)), word_ids=used)


def _attach_text_lines(words, lines, drafts: list[_RowDraft], height: float) -> list[_RowDraft]:
    """Lines without values: wrapped labels of the row above or below, or group rows."""
    out: list[_RowDraft] = []
    pending: list[_RowDraft] = []  # text lines waiting for the value row below them
    for k, d in enumerate(drafts):
        if d.cells:
            for p in pending:
                if not d.label_ids and _close(lines, p.line, d.line, height):
                    d.above.append(p.label_ids)
                    if p.unit_ids:
                        d.extra_unit.insert(0, p.unit_ids)
                else:
                    out.append(_as_group(p))
            pending = []
            out.append(d)
            continue
        prev = out[-1] if out and out[-1].kind == "value" else None
        nxt = next((n for n in drafts[k + 1:] if n.cells), None)
        if prev is not None and _close(lines, prev.line, d.line, height) and _continues(words, prev, d, nxt, lines, height):
            prev.extra_label.append(d.label_ids)
            if d.unit_ids:
                prev.extra_unit.append(d.unit_ids)
            prev.line = d.line  # a further wrapped line continues from here
            continue
        if not d.label_ids:
            if prev is not None and d.unit_ids:
                prev.extra_unit.append(d.unit_ids)
            continue
        if pending and _close(lines, pending[-1].line, d.line, height) and _wraps(words, pending[-1], d):
            pending[-1].label_ids = pending[-1].label_ids + d.label_ids  # a group label over two lines
            pending[-1].line = d.line
            continue
        pending.append(d)
    out.extend(_as_group(p) for p in pending)
    return out


def _wraps(words, upper: _RowDraft, lower: _RowDraft) -> bool:
    """The lower text line finishes the upper one: it starts in lower case, or the upper one ends on a
    word that cannot end a label ('of', '/', 'and', an open bracket)."""
    last, first = words[upper.label_ids[-1]].text, words[lower.label_ids[0]].text
    text = _text(words, upper.label_ids)
    return first[:1].islower() or last.lower() in WRAPPING_WORDS or last.endswith(("/", "(", ",", "-")) or \
        text.count("(") > text.count(")")


WRAPPING_WORDS = frozenset({"of", "and", "or", "per", "the", "in", "for", "to", "by", "from", "with", "&"})


def _close(lines, a: int, b: int, height: float) -> bool:
    upper, lower = (lines[a], lines[b]) if lines[a].top <= lines[b].top else (lines[b], lines[a])
    return lower.top - upper.bottom <= WRAP_GAP_HEIGHTS * height


def _continues(words, prev: _RowDraft, d: _RowDraft, nxt: _RowDraft | None, lines, height) -> bool:
    """A text line right below a row continues it: lower-case or bracket start, or the row had no label
    of its own (its label was wrapped around the values), unless it rather heads the unlabelled row below."""
    if not d.label_ids:
        return bool(d.unit_ids)
    first = words[d.label_ids[0]].text
    above = _text(words, prev.above[-1] if prev.above else [])
    own_text = f"{above} {_text(words, prev.label_ids)} {' '.join(_text(words, e) for e in prev.extra_label)}"
    if own_text.count("(") > own_text.count(")"):
        return True  # the row's label has an open bracket: this line closes it
    if _is_unit_line(_text(words, d.label_ids)):
        # a unit alone on its line: under its row's label it ends that label ('(MWh/$M)'); further
        # left it heads the rows below with their unit ('(mtCO2e)' before a second block of rows)
        own = prev.label_ids or (prev.above[-1] if prev.above else [])
        return bool(own) and words[d.label_ids[0]].x0 >= words[own[0]].x0 - INDENT_TOLERANCE
    if nxt is not None and not nxt.label_ids and _close(lines, d.line, nxt.line, height) and \
            lines[nxt.line].top - lines[d.line].bottom < lines[d.line].top - lines[prev.line].bottom:
        return False
    if first[:1].islower() or first[:1] in "([&/-–":
        return True
    own = prev.label_ids or (prev.above[-1] if prev.above else [])
    if own and words[own[-1]].text.endswith(("(", ",", "/", "-", "–", "and", "of", "per")):
        return True
    return not prev.label_ids and len(prev.above) <= 1 and not prev.extra_label


def _is_unit_line(text: str) -> bool:
    from esg_pipeline.extract.unit_parse import parse_unit  # the unit vocabulary lives with the extractor

    text = text.strip()
    return text.startswith("(") and text.endswith(")") and len(text) <= 30 and parse_unit(text) is not None


def _as_group(d: _RowDraft) -> _RowDraft:
    d.kind = "group"
    return d


def _text(words, ids: list[int]) -> str:
    return " ".join(words[i].text for i in ids)


def clean_label(label: str) -> tuple[str, tuple[str, ...]]:
    """Footnote markers off a label: '[A]', '¹⁾', '3)', '*', and trailing letter markers ('n', 'p q', 'bbb')."""
    notes = [m.group().strip() for m in BRACKET_MARKER_RE.finditer(label)]
    label = BRACKET_MARKER_RE.sub("", label).strip()
    for m in reversed(list(GLUED_DIGIT_MARKER_RE.finditer(label))):
        before = label[:m.start()]
        if before.count("(") <= before.count(")"):  # no bracket open: the ')' closes a footnote number
            notes.append(m.group())
            label = label[:m.start()] + label[m.end():]
    tokens = label.split()
    while len(tokens) > 1 and LETTER_MARKER_RE.match(tokens[-1]):
        notes.append(tokens.pop())
    label = " ".join(tokens).lstrip(".… ").strip()
    return label, tuple(notes)


@dataclass
class _Level:
    """An open row on the path stack: its indent, label, kind, boldness, and how its first child looked."""

    indent: float
    label: str
    kind: str
    bold: bool = False
    child_indent: float | None = None
    child_bold: bool = False


# Indents within this many points are the same level.
INDENT_TOLERANCE = 2.0
# A group row that names a breakdown ('By gender', 'Of which') splits the row above it at the same indent.
BREAKDOWN_RE = re.compile(r"^(?:by|of\s+which|breakdown\s+by|split\s+by|including)\b", re.I)


def _ends(stack: list[_Level], indent: float, kind: str, label: str, bold: bool) -> bool:
    """Whether the top of the path stack ends before a new row at `indent`."""
    tol = INDENT_TOLERANCE
    top = stack[-1]
    if top.indent > indent + tol:
        return True
    if top.indent < indent - tol:
        return False
    if kind == "group":  # a breakdown ('By age') splits the nearest total row above it at its own indent
        if top.kind == "value" and BREAKDOWN_RE.match(label):
            parent = stack[-2] if len(stack) > 1 else None
            return not (top.bold or parent is None or parent.indent < indent - tol)
        return True
    if top.kind == "value":
        return True
    # a group keeps same-indent rows below it when its first row sat at its own indent, until a row set
    # like a heading (bold where the group's rows are not) starts a new section
    if top.child_indent is None:
        return False  # the group's first row
    return top.child_indent > indent + tol or (bold and not top.child_bold)


def _rows_with_paths(words, drafts: list[_RowDraft], layout: _Layout, page: int | None) -> list[Row]:
    rows: list[Row] = []
    stack: list[_Level] = []
    for d in drafts:
        label_ids = [i for ids in d.above for i in ids] + d.label_ids + [i for ids in d.extra_label for i in ids]
        cleaned = [clean_label(_text(words, ids)) for ids in [*d.above, d.label_ids, *d.extra_label] if ids]
        label = " ".join(c[0] for c in cleaned if c[0])
        notes = tuple(n for c in cleaned for n in c[1])
        indent = words[label_ids[0]].x0 if label_ids else d.indent
        if _text(words, label_ids[:1]).startswith(("...", "…")):
            indent += 10.0  # '...natural gas' is a part of the row above it
        bold = bool(label_ids) and all(words[i].bold for i in label_ids)
        while stack and _ends(stack, indent, d.kind, label, bold):
            stack.pop()
        if stack and stack[-1].child_indent is None:
            stack[-1].child_indent, stack[-1].child_bold = indent, bold
        path = tuple(level.label for level in stack)
        if d.kind == "group":
            if label:  # a group row keeps its text in the table (a row without cells) and heads the rows below
                rows.append(Row(label=label, path=path, notes=notes, page=page))
                stack.append(_Level(indent, label, "group", bold))
            continue
        unit_ids = [i for ids in d.extra_unit[:1] if d.above for i in ids] + d.unit_ids + \
                   [i for ids in (d.extra_unit[1:] if d.above else d.extra_unit) for i in ids]
        unit = _text(words, unit_ids) or None
        own_unit = _text(words, d.unit_ids)
        if own_unit.rstrip().endswith(("/", " per")) and (d.extra_label or d.extra_unit):
            # a unit wrapped onto the next lines ('tonnes of CO2-e/' then 'm3 of production volume'):
            # the continuation lines finish the unit, not the label
            wrapped = sorted((i for ids in (*d.extra_label, *d.extra_unit) for i in ids),
                             key=lambda i: (round(words[i].top), words[i].x0))
            unit = f"{own_unit} {_text(words, wrapped)}"
            label = " ".join(c[0] for c in (clean_label(_text(words, ids)) for ids in [*d.above, d.label_ids] if ids)
                             if c[0])
        cells = [Cell(text=words[i].text, col=k, page=page,
                      box=(words[i].x0, words[i].top, words[i].x1, words[i].bottom))
                 for k, i in sorted(d.cells.items())]
        rows.append(Row(label=label, path=path, unit=unit, notes=notes, cells=cells, page=page))
        stack.append(_Level(indent, label, "value", bold))
    return rows
