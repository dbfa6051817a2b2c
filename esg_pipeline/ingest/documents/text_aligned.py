"""Tables laid out as whitespace-aligned columns (as `pdftotext -layout` writes them) and tables with
one cell per line under a header block of years."""
from __future__ import annotations

import re
from functools import lru_cache

from esg_pipeline.ingest.documents.model import Block
from esg_pipeline.ingest.documents.periods import find_periods
from esg_pipeline.ingest.documents.table_cells import is_empty_value, is_unit_header
from esg_pipeline.ingest.documents.text_grid import (
    _block, _is_value_cell, _Line, _lines, _RawRow, _rows_to_table, _Span, _span,
)


# --- whitespace-aligned columns ----------------------------------------------------------------

ALIGNED_LABEL_MARGIN = 4
ALIGNED_MAX_HEADER_CHARS = 40
_GAP_RE = re.compile(r"\S+(?: \S+)*")  # a cell: words one space apart; cells are 2+ spaces apart


def _aligned_cells(line: _Line) -> list[_Span]:
    return [_Span(m.group(), line.start + m.start(), line.start + m.end()) for m in _GAP_RE.finditer(line.text)]


def aligned_tables(text: str, lines: list[_Line] | None = None) -> list[Block]:
    """A header line of cells 2+ spaces apart naming ≥2 periods (or ≥2 column headers over value columns),
    then rows whose values sit under those headers."""
    lines = lines if lines is not None else _lines(text)
    blocks: list[Block] = []
    n = 0
    while n < len(lines):
        found = _aligned_at(lines, n, text)
        if found is None:
            n += 1
            continue
        block, last = found
        blocks.append(block)
        n = last + 1
    return blocks


def _aligned_at(lines: list[_Line], n: int, text: str) -> tuple[Block, int] | None:
    head = lines[n]
    cells = _aligned_cells(head)
    if len(cells) < 2 or "|" in head.text or any(_is_value_cell(c.text) for c in cells):
        return None
    offset = head.start
    # A first cell at the left margin that names no period heads the label column; so does a first cell
    # that names none before cells that all name one ('Year   2023   2022   2021', indented like the body).
    label_head = cells[0] if not find_periods(cells[0].text) and (
        cells[0].start - offset <= ALIGNED_LABEL_MARGIN
        or not is_unit_header(cells[0].text) and all(len(find_periods(c.text)) == 1 for c in cells[1:])) else None
    col_cells = cells[1:] if label_head is not None else cells
    periods = sum(1 for c in col_cells if len(find_periods(c.text)) == 1)
    if len(col_cells) < 2 or any(len(c.text) > ALIGNED_MAX_HEADER_CHARS for c in col_cells):
        return None
    header_rows = [[label_head, *col_cells]]
    first_body = n + 1
    members = _member_header(lines, n, col_cells) if periods == len(col_cells) else None
    if members is not None:  # 'Year 2023 2022' over 'Type  Employees  Contractors  Employees  Contractors'
        member_label, member_cells, first_body = members
        offset = lines[first_body - 1].start  # columns are placed by the member line
        per = len(member_cells) // len(col_cells)
        header_rows = [[label_head, *(c for c in col_cells for _ in range(per))], [member_label, *member_cells]]
        col_cells = member_cells
    # Column centres and extents in character columns.
    spans = [(c.start - offset, c.end - offset) for c in col_cells]
    body: list[_RawRow] = []
    ends: list[int] = []  # each row's last line
    last = n
    blank_run = 0
    value_rows = 0
    for line in lines[first_body:]:
        if line.blank:
            blank_run += 1
            if blank_run > 1:
                break
            continue
        row_cells = _aligned_cells(line)
        placed = _place_aligned(row_cells, spans, line.start)
        if placed is None:
            break
        label, values = placed
        if values and not any(v is not None and (_is_value_cell(v.text) or is_empty_value(v.text)) for v in values):
            break
        if not values and (len(line.text.strip()) > 80 or line.text.rstrip().endswith(".")):
            break
        blank_run = 0
        if not values and label is not None and body and _continues_label(body[-1], label):
            prev = body[-1].cells[0]  # 'Rate per 1 million  0.41 ...' then 'hours worked': one wrapped label
            body[-1].cells[0] = _Span(f"{prev.text} {label.text}", prev.start, label.end)
            ends[-1] = last = line.n
            continue
        value_rows += bool(values)
        body.append(_RawRow(line, [label, *(values or [None] * len(spans))]))
        ends.append(line.n)
        last = line.n
    if value_rows < 2:
        return None
    while body and not any(c is not None for c in body[-1].cells[1:]):
        body.pop()
        ends.pop()
    last = ends[-1]  # the last row's last line, a wrapped label's included
    table = _rows_to_table(header_rows, body, "text-aligned")
    if table is None or (periods < 2 and len({c.col for r in table.rows for c in r.cells}) < 2):
        return None
    return _block(table, lines, n, last, text), last


MEMBER_HEADER_REACH = 40  # characters a member line may start left of the first period


def _member_header(lines: list[_Line], n: int, periods: list[_Span]) -> tuple[_Span | None, list[_Span], int] | None:
    """A second header line under a line of periods naming the same members under each period ('Employees
    Contractors' twice or more): (its label cell, its member cells, the first body line)."""
    for k in range(n + 1, min(n + 3, len(lines))):
        if lines[k].blank:
            continue
        cells = _aligned_cells(lines[k])
        if any(_is_value_cell(c.text) or find_periods(c.text) for c in cells):
            return None
        label = None
        if len(cells) % len(periods):
            label, cells = cells[0], cells[1:]
        per = len(cells) // len(periods)
        if per < 2 or len(cells) != per * len(periods) or any(len(c.text) > ALIGNED_MAX_HEADER_CHARS for c in cells):
            return None
        names = [c.text.lower() for c in cells]
        if any(names[i] != names[i % per] for i in range(len(names))):
            return None  # the members repeat under every period
        if cells[0].start < periods[0].start - MEMBER_HEADER_REACH:
            return None  # members sit under the periods, not out in the label column
        return label, cells, k + 1
    return None


# A label line with no figures continues the row above when it starts in lower case or the row's label
# ends in a word that needs more ('Total number of', 'Rate per 1 million').
_OPEN_LABEL_END_RE = re.compile(r"(?:\b(?:of|per|and|or|in|to|for|by|the|from|with)|million|thousand|\d)$", re.I)


def _continues_label(row: _RawRow, label: _Span) -> bool:
    prev = row.cells[0]
    if prev is None or not any(c is not None for c in row.cells[1:]):
        return False
    return label.text[:1].islower() or _OPEN_LABEL_END_RE.search(prev.text) is not None


def _place_aligned(cells: list[_Span], spans: list[tuple[int, int]], offset: int):
    """(label, values by column) for a body line, or None when its cells do not sit under the columns."""
    if not cells:
        return None
    first_col = spans[0][0]
    label = None
    rest = cells
    if cells[0].start - offset < first_col - 1 and (not _is_value_cell(cells[0].text)
                                                    or cells[0].end - offset < first_col - ALIGNED_LABEL_MARGIN):
        # a label starts left of the first column; it may run past its start. A figure-like cell that ends
        # well left of every column ('≤25', '26-35', '>50': an age band) is a label too.
        label, rest = cells[0], cells[1:]
    if not rest:
        return label, []
    values: list[_Span | None] = [None] * len(spans)
    for cell in rest:
        a, b = cell.start - offset, cell.end - offset
        best, best_d = None, None
        for i, (x0, x1) in enumerate(spans):
            overlap = min(b, x1) - max(a, x0)
            d = 0 if overlap > 0 else min(abs(a - x1), abs(b - x0))
            if best_d is None or d < best_d:
                best, best_d = i, d
        if best is None or best_d > 3 or values[best] is not None:
            return None
        values[best] = cell
    return label, values


# --- one cell per line ------------------------------------------------------------------------

STACKED_MAX_HEADER_CHARS = 40
STACKED_MAX_LABEL_CHARS = 150


@lru_cache(maxsize=4096)  # the stacked-table finder asks about each line two or three times
def _is_period_line(s: str) -> bool:
    s = s.strip()
    return 0 < len(s) <= STACKED_MAX_HEADER_CHARS and len(find_periods(s)) == 1 and not s.endswith(".") \
        and not _is_value_cell(s)


@lru_cache(maxsize=4096)
def _is_label_line(s: str) -> bool:
    s = s.strip()
    return 0 < len(s) <= STACKED_MAX_LABEL_CHARS and not s.endswith((".", ":", ";")) and \
        not _is_value_cell(s) and not is_empty_value(s) and any(ch.isalpha() for ch in s)


def stacked_tables(text: str, lines: list[_Line] | None = None) -> list[Block]:
    """A header block of k period lines (after an optional label-header line), then label lines each followed
    by k value lines; blank lines between cells are ignored. One period column needs ≥3 value rows."""
    lines = lines if lines is not None else _lines(text)
    filled = [ln for ln in lines if not ln.blank]
    blocks: list[Block] = []
    i = 0
    while i < len(filled):
        found = _stacked_at(filled, i, text, lines)
        if found is None:
            i += 1
            continue
        block, i = found
        blocks.append(block)
    return blocks


def _stacked_at(filled: list[_Line], i: int, text: str, lines: list[_Line]) -> tuple[Block, int] | None:
    first = i
    label_header = None
    if _is_label_line(filled[i].text) and not _is_period_line(filled[i].text) and i + 1 < len(filled) \
            and _is_period_line(filled[i + 1].text):
        label_header = filled[i]
        i += 1
    periods = []
    while i < len(filled) and _is_period_line(filled[i].text):
        periods.append(filled[i])
        i += 1
    k = len(periods)
    if k == 0 or (k == 1 and label_header is None):
        return None
    body: list[_RawRow] = []
    value_rows = 0
    while i < len(filled) and _is_label_line(filled[i].text) and not _is_period_line(filled[i].text):
        label = filled[i]
        vals = filled[i + 1:i + 1 + k]
        if len(vals) == k and all(_is_value_cell(v.text) or is_empty_value(v.text) for v in vals):
            body.append(_RawRow(label, [_span(label, 0, len(label.text)),
                                        *(_span(v, 0, len(v.text)) for v in vals)]))
            value_rows += 1
            i += 1 + k
        elif i + 1 < len(filled) and _is_label_line(filled[i + 1].text):
            body.append(_RawRow(label, [_span(label, 0, len(label.text))]))  # a group row
            i += 1
        else:
            break
    while body and len(body[-1].cells) == 1:
        body.pop()
    if value_rows < (3 if k == 1 else 2):
        return None
    header = [_span(label_header, 0, len(label_header.text)) if label_header else None,
              *(_span(p, 0, len(p.text)) for p in periods)]
    table = _rows_to_table([header], body, "text-stacked")
    if table is None:
        return None
    end_line = body[-1].cells[-1]
    last_n = next(ln.n for ln in lines if ln.start <= end_line.start <= ln.end)  # type: ignore[union-attr]
    block = _block(table, lines, filled[first].n, last_n, text)
    return block, next(j for j, ln in enumerate(filled) if ln.n > last_n) if filled[-1].n > last_n else len(filled)
