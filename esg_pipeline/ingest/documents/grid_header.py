"""A table's header row: periods found on one line become value columns (x-bands), with a unit
column, change/target columns, years spanning sub-columns, and the limits of the table's label area."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from esg_pipeline.ingest.documents.grid_lines import (
    LABEL_GAP_HEIGHTS, MIN_PERIODS, OUTER_BAND_WIDTHS, PHRASE_GAP_HEIGHTS, SUBHEADER_GAP_HEIGHTS, _Line, is_empty_cell,
    is_number,
)
from esg_pipeline.ingest.documents.model import Column, Word
from esg_pipeline.ingest.documents.periods import period_year


CHANGE_HEADER_RE = re.compile(r"^(?:yoy|change|variance|var\.?|%\s*change|δ|diff\.?|growth)$", re.I)


TARGET_HEADER_RE = re.compile(r"^(?:target|goal|baseline|base)$", re.I)


UNIT_HEADER_RE = re.compile(r"^units?$", re.I)


PROSE_WORD_RE = re.compile(r"^[a-z]+[.,;:]?$")  # a lower-case word between years: they are in a sentence


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


def _header_layouts(words: list[Word], lines: list[_Line], n: int, height: float) -> list[_Layout]:
    ids = lines[n].ids
    periods = [(i, period_year(words[i].text)) for i in ids]
    periods = [(i, y) for i, y in periods if y is not None]
    if len(periods) < MIN_PERIODS:
        single = _single_value_header(words, ids)
        return [_layout(words, lines, n, ids, [single], float("-inf"), float("inf"), height)] if single is not None else []
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
        columns_ids = _kind_phrases(words, [i for i in group if period_year(words[i].text) is not None
                                            or (words[i].x0 > words[period_ids[0]].x0 and _column_kind(words[i].text))],
                                    height)
        left = words[group[0]].x0 - height if g else float("-inf")
        if g:  # the previous table's last column ends where this table's first word begins
            left = (words[groups[g - 1][-1]].x1 + words[group[0]].x0) / 2
        elif (gutter := _prose_gutter(words, lines, n, group, words[period_ids[0]].x0, height)) is not None:
            left = gutter  # a text column beside the table shares its lines: its words are not the table's
            group = [i for i in group if words[i].xc >= gutter]
        nxt = groups[g + 1] if g + 1 < len(groups) else None
        right = float("inf") if nxt is None else (words[group[-1]].x1 + words[nxt[0]].x0) / 2
        spans = _spanned_columns(words, lines, n, columns_ids, height)
        if not any(UNIT_HEADER_RE.match(words[i].text) for i in group):
            group = sorted(group + _unit_in_header_block(words, lines, n, left, right, period_ids, height),
                           key=lambda i: words[i].x0)
        layout = _layout(words, lines, n, group, list(spans) if spans else columns_ids, left, right, height, spans)
        layout.header_ids |= set(spans) if spans else _header_cell_lines(words, lines, n, layout, height)
        layouts.append(layout)
    return layouts


def _unit_in_header_block(words, lines, n: int, left: float, right: float, period_ids: list[int],
                          height: float) -> list[int]:
    """A 'Unit' header cell of a tall header row printed on another line than the periods (the header cells
    are centred in the row: 'Financial Year 2024-25 (Current Financial Year)' wraps over four lines, 'Unit'
    sits on one of them): the header block is the run of lines without figures next to the period line,
    each within a sub-header gap of the one before. The line holds a few header words, the word is a cell of
    its own (no word a phrase gap either side: not 'Business units'), beside the value columns."""
    lo, hi = min(words[i].x0 for i in period_ids), max(words[i].x1 for i in period_ids)
    found: list[int] = []
    for step in (-1, 1):
        k = n
        while 0 <= k + step < len(lines):
            a, b = (lines[k + step], lines[k]) if step < 0 else (lines[k], lines[k + step])
            if b.top - a.bottom > SUBHEADER_GAP_HEIGHTS * height or \
                    any(is_number(words[i].text) for i in lines[k + step].ids):
                break
            k += step
            if len(lines[k].ids) > SINGLE_HEADER_MAX_WORDS:
                continue
            found += [i for i in lines[k].ids if UNIT_HEADER_RE.match(words[i].text) and left <= words[i].x0 < right
                      and (words[i].x1 < lo or words[i].x0 > hi) and not any(
                          j != i and max(words[j].x0 - words[i].x1, words[i].x0 - words[j].x1) < PHRASE_GAP_HEIGHTS * height
                          for j in lines[k].ids)]
    return found[:1]


# A page's text column beside a table: a gap this wide (in line heights) left of the table's first header
# word, with prose left of it on the header line and on the table's rows, and no word across it.
GUTTER_MIN_HEIGHTS = 2.5
GUTTER_PROSE_WORDS = 4  # words of prose per line left of the gap, on average (a label is a few words)
GUTTER_LOOKAHEAD_LINES = 40


def _prose_gutter(words, lines, n: int, group: list[int], values_x0: float, height: float) -> float | None:
    """The x of the gutter between a text column and the table beside it, or None. Tried at each wide gap
    between the header line's words left of its periods, leftmost first: the cut just before the word after
    the gap must cross no word of the table's rows, and the words left of it must be prose (lines of
    several words, mostly lower case), not a label column."""
    left_ids = sorted((i for i in group if words[i].x1 <= values_x0), key=lambda i: words[i].x0)
    for a, b in zip(left_ids, left_ids[1:]):
        if words[b].x0 - words[a].x1 < GUTTER_MIN_HEIGHTS * height:
            continue
        cut = words[b].x0 - height / 2
        beside = [[i for i in left_ids if words[i].x1 <= cut]]
        rows = 0
        for line in lines[n + 1:n + 1 + GUTTER_LOOKAHEAD_LINES]:
            if any(words[i].x0 < cut < words[i].x1 for i in line.ids):
                break  # a line across the cut: the table (or the text column) has ended
            if any(words[i].x0 >= cut and is_number(words[i].text) for i in line.ids):
                rows += 1
                beside.append([i for i in line.ids if words[i].x1 <= cut])
        beside = [ids for ids in beside if ids]
        texts = [words[i].text for ids in beside for i in ids]
        if rows >= 2 and beside and len(texts) >= GUTTER_PROSE_WORDS * len(beside) and \
                sum(bool(PROSE_WORD_RE.match(t)) for t in texts) * 2 >= len(texts):
            return cut
    return None


# The one figure column of a single-period table: 'Indicator  Unit  Value', 'Metric  Unit  2023'.
VALUE_HEADER_RE = re.compile(r"^(?:values?|amounts?|quantity|data|results?|performance|figures?)$", re.I)
SINGLE_HEADER_MAX_WORDS = 8


def _single_value_header(words, ids: list[int]) -> int | None:
    """The header word of the one value column of a short header line that also names a 'Unit' column:
    a value word or a single period right of the first word; None for any other line."""
    if len(ids) > SINGLE_HEADER_MAX_WORDS or not any(UNIT_HEADER_RE.match(words[i].text) for i in ids):
        return None
    found = [i for i in ids[1:] if VALUE_HEADER_RE.match(words[i].text) or period_year(words[i].text) is not None]
    return found[0] if len(found) == 1 else None


WORD_SPACE_HEIGHTS = 0.6  # a space between two words of one header cell, in line heights


def _kind_phrases(words, column_ids: list[int], height: float) -> list[int]:
    """'Target 2030', '2030 Goal': a target word and a period a space apart head one column, not two. The
    first word of the pair stays the column's word; its header cell reaches over the second."""
    ordered = sorted(column_ids, key=lambda i: words[i].x0)
    drop: set[int] = set()
    for a, b in zip(ordered, ordered[1:]):
        if a in drop or words[b].x0 - words[a].x1 > WORD_SPACE_HEIGHTS * height:
            continue  # one cell's words are a word space apart; neighbouring columns' headers further
        kinds = (_column_kind(words[a].text), _column_kind(words[b].text))
        years = (period_year(words[a].text), period_year(words[b].text))
        if (kinds[0] and years[1] is not None) or (years[0] is not None and kinds[1]):
            drop.add(b)
    return [i for i in column_ids if i not in drop]


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
            # the kind of the cell's own word, or of a word its cell reaches over ('2030 Target')
            inside = [j for j in group if j != i and w.x0 <= words[j].x0 and words[j].x1 <= w.x1]
            kind = next((k for k in map(_column_kind, [words[i].text, *(words[j].text for j in inside)]) if k),
                        "value")
            if inside and kind != "value":
                header = " ".join(words[j].text for j in sorted([i, *inside], key=lambda j: words[j].x0))
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


def _in_table(w: Word, layout: _Layout) -> bool:
    return layout.left <= w.xc < layout.right


def _band_of(w: Word, layout: _Layout) -> int | None:
    """The value column a number belongs to: the band holding most of it."""
    x0, x1 = w.x0, w.x1
    best, best_overlap = None, 0.0
    for k, band in enumerate(layout.bands):
        if band.x1 <= x0 or band.x0 >= x1:
            continue  # no overlap (the common case: one band of many holds the word)
        overlap = (x1 if x1 < band.x1 else band.x1) - (x0 if x0 > band.x0 else band.x0)
        if overlap > best_overlap:
            best, best_overlap = k, overlap
    return best if best_overlap >= 0.4 * max(x1 - x0, 1e-6) else None


def _bands_overlap(a: _Layout, b: _Layout) -> bool:
    return a.bands[0].x0 < b.bands[-1].x1 and b.bands[0].x0 < a.bands[-1].x1
