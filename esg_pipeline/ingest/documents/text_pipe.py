"""Tables written as pipe rows ('a | b | c'), including blocks with years down the first column."""
from __future__ import annotations

import re

from esg_pipeline.ingest.documents.model import Block, Cell, Column, Row, Table
from esg_pipeline.ingest.documents.periods import find_periods, period_year
from esg_pipeline.ingest.documents.table_cells import build_columns, split_label
from esg_pipeline.ingest.documents.text_grid import (
    _block, _is_value_cell, _Line, _lines, _RawRow, _rows_to_table, _Span, _span,
)


# --- pipe rows ------------------------------------------------------------------------------

_RULE_RE = re.compile(r"\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*")


def _pipe_cells(line: _Line) -> list[_Span | None]:
    text = line.text
    bars = [i for i, ch in enumerate(text) if ch == "|"]
    edges = [-1, *bars, len(text)]
    cells: list[_Span | None] = [_span(line, a + 1, b) for a, b in zip(edges, edges[1:])]
    if text.lstrip().startswith("|"):
        cells = cells[1:]
    while cells and (cells[-1] is None or not cells[-1].text):
        cells.pop()
    return [c if c is not None and c.text else None for c in cells]


def pipe_tables(text: str, lines: list[_Line] | None = None) -> list[Block]:
    """Runs of ≥3 lines holding '|' (a markdown rule line makes the line above it a header)."""
    lines = lines if lines is not None else _lines(text)
    blocks: list[Block] = []
    n = 0
    while n < len(lines):
        if "|" not in lines[n].text:
            n += 1
            continue
        end = n
        while end + 1 < len(lines) and "|" in lines[end + 1].text:
            end += 1
        run = lines[n:end + 1]
        n = end + 1
        if len(run) < 3:
            continue
        # Split the run into tables: a rule line marks the line above it as a new table's header.
        starts = [0] + [i - 1 for i, ln in enumerate(run) if _RULE_RE.fullmatch(ln.text) and i >= 2]
        for a, b in zip(starts, [*starts[1:], len(run)]):
            part = run[a:b]
            block = _pipe_table(part, text, lines)
            if block is not None:
                blocks.append(block)
    return blocks


def _is_period_header_row(cells: list[_Span | None]) -> bool:
    """'Share by region | 2019 | 2020 |': a row naming periods after its first cell repeats the header."""
    rest = [c.text for c in cells[1:] if c is not None]
    return len(rest) >= 2 and all(period_year(t) is not None for t in rest)


def _is_index(cells: list[_Span | None]) -> bool:
    """Cells that are 0, 1, 2, …: the column or row numbers a data-frame dump prints."""
    texts = [c.text for c in cells if c is not None]
    return len(texts) >= 2 and texts == [str(k) for k in range(int(texts[0]), int(texts[0]) + len(texts))] \
        if texts and texts[0].isdigit() else False


def _without_index(rows: list[tuple[_Line, list[_Span | None]]]) -> list[tuple[_Line, list[_Span | None]]] | None:
    """A table dumped from a data frame ('|    | 0 | 1 | 2 |' over '|  0 |  | FY23 | FY22 |'): numbered
    columns over rows numbered down the first column. Without the numbers, the first row is the header."""
    head = rows[0][1]
    if head and head[0] is None and _is_index(head[1:]) and \
            _is_index([cells[0] if cells else None for _, cells in rows[1:]]):
        return [(ln, cells[1:]) for ln, cells in rows[1:]]
    return None


def _pipe_table(part: list[_Line], text: str, lines: list[_Line]) -> Block | None:
    rows = [(ln, _pipe_cells(ln)) for ln in part if not _RULE_RE.fullmatch(ln.text)]
    ruled = any(_RULE_RE.fullmatch(ln.text) for ln in part)
    if len(rows) > 2 and (unnumbered := _without_index(rows)) is not None:
        rows, ruled = unnumbered, True  # data-frame-dump
    if len(rows) < 2:
        return None
    first_cells = [c for c in rows[0][1] if c is not None]
    head = 1 if ruled or any(find_periods(c.text) for c in first_cells[1:]) or \
        not any(_is_value_cell(c.text) for c in first_cells) else 0
    header, body = rows[:head], rows[head:]
    if head:  # a header repeated inside the table is no row of figures
        body = [(ln, cells) for ln, cells in body if not _is_period_header_row(cells)]
    transposed = _transposed(header, body, part, text, lines)
    if transposed is not None:
        return transposed
    if not any(len([c for c in cells if c is not None]) >= 2 for _, cells in body):
        return None
    # a ruled header naming periods heads a table even of one row ('NOx | kg | 0.4 | 1.95 | 20')
    strong = ruled and any(find_periods(c.text) for cells in (first_cells[1:],) for c in cells)
    table = _rows_to_table([cells for _, cells in header], [_RawRow(ln, cells) for ln, cells in body],
                           "text-pipe", ragged=True, min_rows=1 if strong else 2)
    if table is None:
        return None
    return _block(table, lines, part[0].n, part[-1].n, text)


def _transposed(header, body, part: list[_Line], text: str, lines: list[_Line]) -> Block | None:
    """A block whose rows are periods (`2018/19 | 166,838,047 | kWh`) under a metric line: one row, the
    periods as columns; a figure alone in the header row (the change between them) becomes a change column."""
    period_rows = [(ln, cells) for ln, cells in body if cells and cells[0] is not None
                   and period_year(cells[0].text) is not None]
    if len(period_rows) < 2:
        return None
    if any(len([c for c in cells if c is not None]) > 1 for _, cells in body if (_, cells) not in period_rows):
        return None
    names = [cells[0] for _, cells in body if (_, cells) not in period_rows and cells and cells[0] is not None]
    columns: list[Column] = []
    cells_out: list[Cell] = []
    units = set()
    for _, cells in period_rows:
        values = [c for c in cells[1:] if c is not None and _is_value_cell(c.text)]
        if len(values) != 1:
            return None
        rest = [c.text for c in cells[1:] if c is not None and c is not values[0]]
        units.update(rest[:1])
        columns.append(build_columns([cells[0].text])[0])
        cells_out.append(Cell(text=values[0].text, col=len(columns) - 1, start=values[0].start, end=values[0].end))
    head_values = [c for _, cells in header for c in cells if c is not None and _is_value_cell(c.text)]
    if len(head_values) == 1:
        columns.append(Column(header="", kind="change"))
        cells_out.append(Cell(text=head_values[0].text, col=len(columns) - 1,
                              start=head_values[0].start, end=head_values[0].end))
    label, notes = split_label(names[-1].text) if names else ("", ())
    row_line = next(ln for ln, cells in body if cells and cells[0] is names[-1]) if names else period_rows[0][0]
    row = Row(label=label, notes=notes, unit=units.pop() if len(units) == 1 else None, cells=cells_out,
              start=row_line.start, end=row_line.end)
    table = Table(columns=columns, rows=[row], header_rows=[[c.text if c else "" for c in cells] for _, cells in header],
                  source="text-pipe")
    return _block(table, lines, part[0].n, part[-1].n, text)
