"""Text lines and their spans, and rows of cells to a `Table` grid whose cells keep exact offsets into the
original text (ragged rows aligned to the right end of the year columns)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from esg_pipeline.ingest.documents.model import Block, Cell, Column, Row, Table
from esg_pipeline.ingest.documents.periods import find_periods, period_year
from esg_pipeline.ingest.documents.table_cells import (
    breakdown_parent, build_columns, group_level, group_path, heads_breakdown, is_empty_value, is_number,
    is_unit_header, pair_blank_columns, split_label, VALUE_TOKEN_RE,
)


# --- lines ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    n: int
    start: int
    end: int  # without the line break
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True)
class _Span:
    """A piece of a line: its text (stripped) and its exact span in the document text."""

    text: str
    start: int
    end: int


def _lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for n, raw in enumerate(text.split("\n")):
        body = raw[:-1] if raw.endswith("\r") else raw
        out.append(_Line(n, pos, pos + len(body), body))
        pos += len(raw) + 1
    return out


def _span(line: _Line, a: int, b: int) -> _Span:
    """The stripped piece line.text[a:b] with document offsets."""
    piece = line.text[a:b]
    lead = len(piece) - len(piece.lstrip())
    stripped = piece.strip()
    start = line.start + a + lead
    return _Span(stripped, start, start + len(stripped))


def _tokens(line: _Line, a: int = 0, b: int | None = None) -> list[_Span]:
    b = len(line.text) if b is None else b
    return [_Span(m.group(), line.start + a + m.start(), line.start + a + m.end())
            for m in re.finditer(r"\S+", line.text[a:b])]


def _join(spans: list[_Span]) -> str:
    return " ".join(s.text for s in spans)


def _is_value_token(text: str) -> bool:
    return VALUE_TOKEN_RE.fullmatch(text) is not None and period_year(text) is None


def _is_value_cell(text: str) -> bool:
    return is_number(text) and period_year(text) is None


def _block(table: Table, lines: list[_Line], first: int, last: int, text: str) -> Block:
    start, end = lines[first].start, lines[last].end
    return Block(kind="table", text=text[start:end], start=start, end=end, table=table)


# --- grids -------------------------------------------------------------------------------


@dataclass
class _RawRow:
    line: _Line
    cells: list[_Span | None]  # positional: index = column


def _period_run(columns: list[Column]) -> list[int]:
    """The value columns holding the reporting series: period columns, without a lone column set apart from
    the run by a gap of years (a base year before it, a target year after it)."""
    idx = [i for i, c in enumerate(columns) if c.year is not None and c.kind in ("value", "change")]
    if len(idx) >= 3 and columns[idx[1]].year - columns[idx[0]].year >= 2:  # type: ignore[operator]
        idx = idx[1:]
    if len(idx) >= 3 and columns[idx[-1]].year - columns[idx[-2]].year >= 2:  # type: ignore[operator]
        idx = idx[:-1]
    return idx


def _place_ragged(values: list[_Span], columns: list[Column], fullest: int) -> list[tuple[int, _Span]]:
    """Columns for a row with fewer values than the table has columns (a scraped table drops empty cells):
    a trailing note column (report pages) takes the last value; the rest line up at the right end of the
    reporting series, which ends where the fullest row's values end."""
    placed: list[tuple[int, _Span]] = []
    note = len(columns) - 1 if columns and columns[-1].kind == "note" else None
    if note is not None and values:
        placed.append((note, values[-1]))
        values = values[:-1]
    run = _period_run(columns)
    if not run:
        run = [i for i in range(len(columns)) if i != note]
    end = min(max(fullest, len(values)), len(run))
    targets = run[max(end - len(values), 0):end]
    placed.extend(zip(targets, values[len(values) - len(targets):]))
    return sorted(placed, key=lambda p: p[0])


def _rows_to_table(header_rows: list[list[_Span | None]], body: list[_RawRow], source: str, *,
                   caption: str = "", ragged: bool = False, min_rows: int = 2) -> Table | None:
    """A grid from positional cells: header rows joined per column, leading text columns are labels,
    a 'Unit' column gives units; label-only rows are groups."""
    width = max([len(r) for r in header_rows] + [len(r.cells) for r in body] + [0])
    if width < 2:
        return None
    headers = []
    for c in range(width):
        parts: list[str] = []
        for row in header_rows:
            cell = row[c] if c < len(row) else None
            if cell is not None and cell.text and (not parts or parts[-1] != cell.text):
                parts.append(cell.text)
        headers.append(" ".join(parts))

    def cell(row: _RawRow, c: int) -> _Span | None:
        return row.cells[c] if c < len(row.cells) else None

    unit_col = next((c for c in range(width) if is_unit_header(headers[c])), None)
    n_labels = 0
    for c in range(width):
        if c == unit_col or find_periods(headers[c]):
            break
        texts = [x.text for r in body if (x := cell(r, c)) is not None and x.text]
        if texts and sum(_is_value_cell(t) for t in texts) * 2 >= len(texts):
            break
        n_labels += 1
    value_cols = [c for c in range(n_labels, width) if c != unit_col]
    columns = pair_blank_columns(build_columns([headers[c] for c in value_cols]))
    if not columns:
        return None
    table = Table(columns=columns, caption=caption,
                  header_rows=[[x.text if x else "" for x in row] for row in header_rows],
                  unit_header=headers[unit_col] if unit_col is not None else None, source=source)
    fullest = 0
    if ragged:
        fullest = max((len([x for c in value_cols if (x := cell(r, c)) and x.text]) for r in body), default=0)
        if columns[-1].kind == "note":
            fullest -= 1
    nested = any(group_level(x.text) for r in body if (x := cell(r, n_labels - 1)) is not None) if n_labels else False
    groups: list[tuple[int, str]] = []
    drafts: list[tuple] = []  # per body row: (raw, label, notes, outer, level, unit, cells, any cell printed)
    for raw in body:
        label_spans = [x for c in range(n_labels) if (x := cell(raw, c)) is not None and x.text]
        last = label_spans[-1] if label_spans else None
        label, notes = split_label(last.text) if last else ("", ())
        outer = tuple(split_label(x.text)[0] for x in label_spans[:-1])
        level = group_level(last.text) if last else 0
        unit_span = cell(raw, unit_col) if unit_col is not None else None
        unit = unit_span.text if unit_span is not None and unit_span.text else None
        if unit is not None and (len(unit) > UNIT_MAX_CHARS or unit.endswith(".")):
            unit = None  # a statement in the unit column, not a unit
        present = [(i, x) for i, c in enumerate(value_cols) if (x := cell(raw, c)) is not None and x.text]
        if ragged and unit_span is not None and _is_value_cell(unit_span.text):
            # the row dropped its empty unit cell: its first figure sits under 'Unit'
            unit = None
            present = list(enumerate([unit_span, *(x for _, x in present)]))
        if ragged and present and len(present) < len(columns) and \
                [i for i, _ in present] == list(range(len(present))):
            present = _place_ragged([x for _, x in present], columns, fullest)
        cells = [Cell(text=x.text, col=i, start=x.start, end=x.end) for i, x in present
                 if not is_empty_value(x.text)]
        drafts.append((raw, label, notes, outer, level, unit, cells, bool(present)))
    kinds = [(d[1], bool(d[6])) for d in drafts]
    split: list[str] = []  # the breakdowns of the row the open breakdown splits ('By gender', 'By age group')
    breakdown = 0  # how many of `groups` a breakdown row opened (the figure row it splits, and itself)
    for k, (raw, label, notes, outer, level, unit, cells, present) in enumerate(drafts):
        if not cells:
            if label and not unit and not present:
                open_parent = groups[-2][1] if breakdown and len(groups) > 1 else None
                while groups and groups[-1][0] >= level:
                    groups.pop()
                parent = None if nested else breakdown_parent(kinds, k, open_parent)
                if parent is not None:
                    groups.append((level, parent))
                groups.append((level, label))
                breakdown = 2 if parent is not None else 0
                split = split + [label] if parent is not None and parent == open_parent else [label]
            continue
        if breakdown and heads_breakdown(kinds, k, split):
            del groups[-breakdown:]  # a figure row with its own 'By gender' below ends the breakdown above
            breakdown = 0
        path = outer + group_path(groups, level, nested)
        table.rows.append(Row(label=label, path=path, unit=unit, notes=notes, cells=cells,
                              start=raw.line.start, end=raw.line.end))
    if len(table.rows) < min_rows:
        return None
    return table


UNIT_MAX_CHARS = 40
