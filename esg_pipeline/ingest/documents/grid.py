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

import statistics
from dataclasses import dataclass, replace

from esg_pipeline.ingest.documents.grid_header import _band_of, _bands_overlap, _header_layouts, _in_table, _Layout
from esg_pipeline.ingest.documents.grid_lines import (
    MIN_PERIODS, PROSE_WORDS_IN_BANDS, SENTENCE_LOWER_WORDS, TABLE_GAP_HEIGHTS, _Line, clean_label, group_lines,
    is_empty_cell, is_number,
)
from esg_pipeline.ingest.documents.grid_rows import _attach_text_lines, _RowDraft, _rows_with_paths, _split_line
from esg_pipeline.ingest.documents.model import Box, Table, Word
from esg_pipeline.ingest.documents.periods import period_year

# A table continued from the previous page shows figures in its columns within its first lines.
CONTINUATION_LEAD_LINES = 2
# Header cells of one header row printed at staggered heights lie within this many line heights.
STAGGER_GAP_HEIGHTS = 0.8


@dataclass
class PageTable:
    table: Table
    box: Box
    word_ids: set[int]  # indices into the words passed in that the table consumed
    layout: _Layout | None = None  # its columns on the page, for a continuation on the next page


def find_page_tables(words: list[Word], *, page: int | None = None) -> list[PageTable]:
    if not words:
        return []
    height = statistics.median(max(w.height, 1.0) for w in words)
    lines = _merge_staggered_headers(words, group_lines(words), height)
    layouts = [layout for n, line in enumerate(lines) for layout in _header_layouts(words, lines, n, height)]
    _separate_neighbours(words, lines, layouts, height)
    tables: list[PageTable] = []
    for layout in layouts:
        end = _table_end(words, lines, layout, layouts, height)
        found = _build(words, lines, layout, end, height, page)
        if found is not None:
            tables.append(found)
    return tables


def continue_table(words: list[Word], carried: PageTable, *, page: int | None = None) -> PageTable | None:
    """The rows at the top of a page that continue a table from the page before without repeating its
    header: figures in two or more of its columns on the page's first table lines."""
    if not words or carried.layout is None:
        return None
    height = statistics.median(max(w.height, 1.0) for w in words)
    lines = group_lines(words)
    layout = replace(carried.layout, header_line=-1, header_ids=set())
    first = next((n for n, line in enumerate(lines) if any(_in_table(words[i], layout) for i in line.ids)), None)
    if first is None or not any(_figures_in_bands(words, lines[k], layout) >= MIN_PERIODS
                                for k in range(first, min(first + CONTINUATION_LEAD_LINES, len(lines)))):
        return None
    headers = [o for n in range(len(lines)) for o in _header_layouts(words, lines, n, height)]
    if any(o.header_line <= first for o in headers):
        return None  # the page starts with a header of its own
    found = _build(words, lines, layout, _table_end(words, lines, layout, headers, height), height, page)
    if found is not None:
        found.table.source = "pdf-continued"
    return found


def _figures_in_bands(words: list[Word], line: _Line, layout: _Layout) -> int:
    return sum(1 for i in line.ids if is_number(words[i].text) and _in_table(words[i], layout)
               and _band_of(words[i], layout) is not None)


def _merge_staggered_headers(words: list[Word], lines: list[_Line], height: float) -> list[_Line]:
    """Header cells printed at staggered heights ('Financial Year 2024-25' a little above 'Financial Year
    2023-24'): two near lines whose periods sit in different columns are one header line."""
    out: list[_Line] = []
    for line in lines:
        prev = out[-1] if out else None
        if prev is not None and line.top - prev.bottom < STAGGER_GAP_HEIGHTS * height \
                and _periods_of(words, prev) and _periods_of(words, line) \
                and len(_periods_of(words, prev)) + len(_periods_of(words, line)) >= MIN_PERIODS \
                and len(_periods_of(words, prev)) < MIN_PERIODS and len(_periods_of(words, line)) < MIN_PERIODS \
                and not _overlap_x(words, _periods_of(words, prev), _periods_of(words, line)):
            out[-1] = _Line(sorted(prev.ids + line.ids, key=lambda i: words[i].x0), prev.top,
                            max(prev.bottom, line.bottom))
            continue
        out.append(line)
    return out


def _periods_of(words: list[Word], line: _Line) -> list[int]:
    return [i for i in line.ids if period_year(words[i].text) is not None]


def _overlap_x(words: list[Word], a: list[int], b: list[int]) -> bool:
    return any(min(words[i].x1, words[j].x1) > max(words[i].x0, words[j].x0) for i in a for j in b)


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
    last_row_bottom = lines[layout.header_line].bottom if layout.header_line >= 0 else lines[0].top
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


# Right-aligned figures: the right edges of one column's figures agree within this many line heights.
RIGHT_EDGE_SPREAD_HEIGHTS = 0.3
MIN_FULL_ROWS = 2


def _right_aligned_bands(words, lines, layout: _Layout, end: int, height: float) -> _Layout:
    """Figures right-aligned under headers set flush left (an Excel export: text headers left, numbers
    right): a short figure sits nearer the next column's header than its own. When the rows that fill every
    column put each column's figures on one right edge, and a figure's band by its right edge differs from
    its band by overlap, the bands are rebuilt between those right edges. Otherwise the layout stays."""
    first, last = layout.bands[0], layout.bands[-1]
    lo, hi = first.x0 - (first.x1 - first.x0) / 2, last.x1 + (last.x1 - last.x0) / 2  # a figure may overhang
    rows = []
    for n in range(layout.header_line + 1, end):
        ids = sorted((i for i in lines[n].ids if is_number(words[i].text) and lo <= words[i].xc <= hi
                      and i not in layout.header_ids), key=lambda i: words[i].x0)
        if ids:
            rows.append(ids)
    full = [ids for ids in rows if len(ids) == len(layout.bands)]
    if len(full) < MIN_FULL_ROWS:
        return layout
    anchors = []
    for k in range(len(layout.bands)):
        edges = sorted(words[ids[k]].x1 for ids in full)
        if edges[-1] - edges[0] > RIGHT_EDGE_SPREAD_HEIGHTS * height:
            return layout  # not right-aligned
        anchors.append(edges[len(edges) // 2])
    if any(b <= a for a, b in zip(anchors, anchors[1:])):
        return layout
    tol = RIGHT_EDGE_SPREAD_HEIGHTS * height
    bands = [replace(band, x0=(anchors[k - 1] + tol if k else min(band.x0, anchors[0] - (anchors[1] - anchors[0])
                                                                  if len(anchors) > 1 else band.x0)),
                     x1=anchors[k] + tol) for k, band in enumerate(layout.bands)]
    moved = replace(layout, bands=bands)
    if all(_band_of(words[i], moved) == _band_of(words[i], layout) for ids in rows for i in ids):
        return layout
    return moved


def _build(words, lines, layout: _Layout, end: int, height: float, page: int | None) -> PageTable | None:
    layout = _right_aligned_bands(words, lines, layout, end, height)
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
    table_rows = _rows_with_paths(words, lines, rows, layout, page)
    used = set(layout.header_ids)
    for d in rows:
        used.update(d.label_ids, d.unit_ids, d.cells.values(), d.empty_ids, d.qualifier_ids, *d.extra_label, *d.extra_unit, *d.above)
    xs = [words[i].x0 for i in used] + [words[i].x1 for i in used]
    ys = [words[i].top for i in used] + [words[i].bottom for i in used]
    table = Table(columns=[b.column for b in layout.bands], rows=table_rows,
                  header_rows=[[words[i].text for i in sorted(layout.header_ids, key=lambda i: words[i].x0)]]
                  if layout.header_ids else [],
                  unit_header="Unit" if layout.unit_band else None, pages=(page,) if page else (),
                  source="pdf-year-header")
    return PageTable(table=table, box=(min(xs), min(ys), max(xs), max(ys)), word_ids=used, layout=layout)

__all__ = ["PageTable", "clean_label", "find_page_tables", "group_lines", "is_empty_cell", "is_number"]
