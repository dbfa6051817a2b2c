"""Tables laid out as text, found as grids over the original text (every cell's span is exact).

One small detector per layout that flattened reports produce:

- `pipe_tables` ('text-pipe'): rows of cells between `|`, with or without a markdown `---|---` rule under
  the header; a block whose first column holds the periods is read transposed (one row per block).
- `aligned_tables` ('text-aligned'): whitespace-aligned columns as `pdftotext -layout` writes them: a header
  line whose cells (2+ spaces apart) name ≥2 periods or ≥2 column headers, value cells lined up under them.
- `stacked_tables` ('text-stacked'): one cell per line: a header block of period lines, then each label on
  its own line followed by one value line per period.
- `row_year_tables` ('text-row-years'): `label [unit] v1 v2 v3` rows, single-spaced, under a header line
  naming ≥2 periods (`Indicator Unit 2021 2022 2023`).
- `side_by_side_tables` ('text-side-by-side'): two label/value tables printed side by side, single-spaced:
  a header line that repeats itself, then `label value label value` rows.

Conservative by design: a table needs a header (≥2 periods, or column headers over ≥2 value columns, or pipes)
and ≥2 value rows; a paragraph that happens to hold numbers is not a table.

The cell helpers here (`is_number`, `split_label`, `build_columns`, ...) are shared with the HTML reader.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from esg_pipeline.ingest.documents.model import Block, Cell, Column, Row, Table
from esg_pipeline.ingest.documents.periods import find_periods, period_year

# --- cells ----------------------------------------------------------------------------------

_SIGN = r"[<>≤≥~≈±+\-–−↑↓]"
_CURRENCY = r"(?:[A-Z]{1,3}\$|RMB|HKD|USD|[$¥€£])"
_DIGITS = r"\d[\d,]*(?:\.\d+)?|\.\d+"
VALUE_TOKEN_RE = re.compile(
    rf"{_SIGN}?\s?{_CURRENCY}?\s?\(?(?:{_DIGITS})\)?(?:%|pp|ppt|x|[kKmM]|bn|mn)?\+?[*†‡]?")
NUMBER_CELL_RE = re.compile(
    rf"{_SIGN}?\s?{_CURRENCY}?\s?\(?(?:{_DIGITS})\)?\s?(?:%|pp|ppt|x|[kKmM]|bn|mn|million|billion|thousand)?"
    r"\+?[*†‡]?")
EMPTY_VALUES = frozenset({"", "-", "–", "—", "−", "--", "n/a", "na", "n.a.", "n.a", "nil", "n.d.", "tbd",
                          "not available", "not applicable", "not disclosed", "not reported", "not measured",
                          "figures not available", "data not available"})

_UNIT_HEADER_RE = re.compile(r"units?(?:\s+of\s+measure(?:ment)?)?|measurement\s+units?", re.I)
_CHANGE_RE = re.compile(r"\b(?:yoy|y-o-y|year[\s-]+on[\s-]+year|change|changes|variance|var\.|growth|increase|"
                        r"decrease|diff(?:erence)?|movement)\b|%\s*chg|\bvs\.?\b|[△Δ]", re.I)
_TARGET_RE = re.compile(r"\b(?:targets?|goals?|objectives?|ambitions?)\b", re.I)
_BASELINE_RE = re.compile(r"\bbase(?:line|[\s-]+year)?\b", re.I)
_NOTE_RE = re.compile(r"^(?:report\s+)?pages?(?:\s+no\.?)?$|^remarks?$|^notes?$|^comments?$|^references?$|"
                      r"^sources?$|^gri\b|^hkex\b|^sdgs?\b", re.I)
# Footnote markers at the end of a label: '¹', '[A]', '(1)', '*', and a digit glued to a lower-case word
# ("employees4"; "CO2" and "m2" keep theirs).
# A superscript after a unit symbol is its power, not a note ('tCO2/m²', 'per km²', 'ft³').
_LABEL_NOTE_RE = re.compile(r"\s*(\[\w{1,3}\]|\(\d{1,2}\)|\([a-f]\)|[*†‡#]+|(?<!\bm)(?<!km)(?<!cm)(?<!ft)(?<!\dm)"
                            r"[¹²³⁴⁵⁶⁷⁸⁹⁰]+|(?<=[a-z]{3})\d{1,2})$")
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
    label = _GROUP_PREFIX_RE.sub("", " ".join(text.split()))
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
                   caption: str = "", ragged: bool = False) -> Table | None:
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
    columns = build_columns([headers[c] for c in value_cols])
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
        if not cells:
            if label and not unit and not present:
                while groups and groups[-1][0] >= level:
                    groups.pop()
                groups.append((level, label))
            continue
        path = outer + group_path(groups, level, nested)
        table.rows.append(Row(label=label, path=path, unit=unit, notes=notes, cells=cells,
                              start=raw.line.start, end=raw.line.end))
    if len(table.rows) < 2:
        return None
    return table


UNIT_MAX_CHARS = 40


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


def _pipe_table(part: list[_Line], text: str, lines: list[_Line]) -> Block | None:
    rows = [(ln, _pipe_cells(ln)) for ln in part if not _RULE_RE.fullmatch(ln.text)]
    ruled = any(_RULE_RE.fullmatch(ln.text) for ln in part)
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
    table = _rows_to_table([cells for _, cells in header], [_RawRow(ln, cells) for ln, cells in body],
                           "text-pipe", ragged=True)
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
    # A first cell at the left margin that names no period heads the label column.
    label_head = cells[0] if cells[0].start - offset <= ALIGNED_LABEL_MARGIN and not find_periods(cells[0].text) \
        else None
    col_cells = cells[1:] if label_head is not None else cells
    periods = sum(1 for c in col_cells if len(find_periods(c.text)) == 1)
    if len(col_cells) < 2 or any(len(c.text) > ALIGNED_MAX_HEADER_CHARS for c in col_cells):
        return None
    # Column centres and extents in character columns.
    spans = [(c.start - offset, c.end - offset) for c in col_cells]
    body: list[_RawRow] = []
    last = n
    blank_run = 0
    value_rows = 0
    for line in lines[n + 1:]:
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
        value_rows += bool(values)
        body.append(_RawRow(line, [label, *(values or [None] * len(spans))]))
        last = line.n
    if value_rows < 2:
        return None
    while body and not any(c is not None for c in body[-1].cells[1:]):
        body.pop()
    last = body[-1].line.n
    header = [label_head, *col_cells]
    table = _rows_to_table([header], body, "text-aligned")
    if table is None or (periods < 2 and len({c.col for r in table.rows for c in r.cells}) < 2):
        return None
    return _block(table, lines, n, last, text), last


def _place_aligned(cells: list[_Span], spans: list[tuple[int, int]], offset: int):
    """(label, values by column) for a body line, or None when its cells do not sit under the columns."""
    if not cells:
        return None
    first_col = spans[0][0]
    label = None
    rest = cells
    if cells[0].end - offset <= first_col + 1 and not _is_value_cell(cells[0].text):
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


def _is_period_line(s: str) -> bool:
    s = s.strip()
    return 0 < len(s) <= STACKED_MAX_HEADER_CHARS and len(find_periods(s)) == 1 and not s.endswith(".") \
        and not _is_value_cell(s)


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


# --- label [unit] v1 v2 v3 rows under a header of years ---------------------------------------------

ROW_HEADER_MAX_WORDS = 24
_POST_PERIOD_WORDS = re.compile(r"^(?:baseline|base|target|targets|goal|goals|actual|actuals|result|results|"
                                r"\(e\)|estimate|restated|\(restated\))$", re.I)
# A word that leads the words before it into the period after it: 'Target for FY2019', 'Goal by 2030'.
_INTO_PERIOD_WORDS = re.compile(r"^(?:for|by|in|at|of)$", re.I)
# Two periods joined into one header: 'FY21 to FY22', '2022 vs 2021' (a change between them).
_RANGE_WORDS = re.compile(r"^(?:to|vs\.?|versus|against|[-–—])$", re.I)


def _paren_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every outermost parenthesised group of a line."""
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1))
    return spans


def _header_periods(text: str) -> tuple[list[tuple[int, int, int]], list[tuple[int, int]]]:
    """The periods of a header line without those inside a parenthesised note that follows a period
    ('2022 (fiscal year ended March 31, 2023)'), and the parenthesised groups."""
    parens = _paren_spans(text)
    periods = find_periods(text)
    kept = [p for p in periods
            if not any(a < p[0] and p[1] <= b and any(q[1] <= a for q in periods) for a, b in parens)]
    return kept, parens


def _is_single_period_header(lead: list[_Span], unit_header: str | None, headers: list[str]) -> bool:
    """'Indicator Unit 2023 Report Pages': one period is a table header when a label header and a unit header
    come before it and nothing but a note column (report pages, remarks) after it."""
    return unit_header is not None and bool(lead) and all(column_kind(h) == "note" for h in headers[1:])


def _header_columns(line: _Line) -> tuple[list[_Span], list[tuple[str, int, int]], str | None] | None:
    """Split a single-spaced header line: (label-header words, value column headers as (text, start, end),
    the unit header) or None when the line is not a header of ≥2 periods (or of one period after a label
    header and a unit header)."""
    periods, parens = _header_periods(line.text)
    words = _tokens(line)
    if not periods or len(words) > ROW_HEADER_MAX_WORDS or line.text.rstrip().endswith((".", ",", ";", ":")):
        return None
    base = line.start

    def in_parens(w: _Span) -> bool:
        return any(a <= w.start - base < b for a, b in parens)

    if any(_is_value_token(w.text) for w in words
           if not in_parens(w) and not any(s <= w.start - base < e for s, e, _ in periods)):
        return None
    lead = [w for w in words if w.end - base <= periods[0][0]]
    unit_header = None
    if lead and is_unit_header(lead[-1].text):
        unit_header = lead[-1].text
        lead = lead[:-1]
    cols: list[list[int]] = [[s, e] for s, e, _ in periods]  # [start, end] per column, in line offsets
    # Words between/after periods: post-words ("Baseline", "Target") and a parenthesised note stay with the
    # period before them, the rest lead into the next period; after the last period, the rest is one more
    # column. A post-word followed by 'for'/'by' leads into the next period ('Target for FY2019').
    extra: list[_Span] = []
    merged: set[int] = set()
    for idx, (s, e, _) in enumerate(periods):
        nxt = periods[idx + 1][0] if idx + 1 < len(periods) else len(line.text)
        between = [w for w in words if e <= w.start - base and w.end - base <= nxt]
        if idx + 1 < len(periods) and len(between) == 1 and _RANGE_WORDS.match(between[0].text):
            merged.add(idx + 1)
            continue
        j = 0
        while j < len(between) and (_POST_PERIOD_WORDS.match(between[j].text) or in_parens(between[j])) and \
                not (idx + 1 < len(periods) and j + 1 < len(between) and
                     _INTO_PERIOD_WORDS.match(between[j + 1].text)):
            cols[idx][1] = between[j].end - base
            j += 1
        rest = between[j:]
        if idx + 1 < len(periods):
            if rest:
                cols[idx + 1][0] = rest[0].start - base
        else:
            extra = rest
    for idx in sorted(merged, reverse=True):  # 'FY21 to FY22': one column from the first period to the second
        cols[idx - 1][1] = cols[idx][1]
        del cols[idx]
    headers = [(line.text[s:e], line.start + s, line.start + e) for s, e in cols]
    if extra:
        headers.append((_join(extra), extra[0].start, extra[-1].end))
    if len(periods) < 2 and not _is_single_period_header(lead, unit_header, [h for h, _, _ in headers]):
        return None
    return lead, headers, unit_header


# A unit word right after these words is part of the label ('emissions per MJ of gas', 'as % of total').
_LABEL_UNIT_LEADS = frozenset({"per", "as", "of"})
# Magnitude words printed before a unit belong to it ('million tCO2e', '000 kWh', "'000 litres").
_UNIT_MAGNITUDE_RE = re.compile(r"^(?:millions?|mn|billions?|bn|thousands?|'?0{3,4}'?s?|1,?000|10,?000)$", re.I)


def _unit_start(words: list[_Span]) -> int | None:
    """Index of the first word that starts a unit ('tonnes CO2e', 'kWh', '%', 'RMB', 'million tCO2e'), after
    the first word; a unit word after 'per', 'as' or 'of' (or after 'per 1000') is part of the label."""
    from esg_pipeline.extract.units import CURRENCIES, MEASURE_UNITS

    depth = 0
    for i in range(len(words)):
        w = words[i].text.lower()
        opened = depth
        depth = max(depth + w.count("(") - w.count(")"), 0)
        if i == 0 or opened or w.startswith("("):  # a word inside parentheses is part of the label
            continue
        head = re.split(r"[/(]", w)[0]
        pair = f"{w} {words[i + 1].text.lower()}" if i + 1 < len(words) else ""
        if head in MEASURE_UNITS or head in CURRENCIES or pair in MEASURE_UNITS or \
                head in {"number", "no.", "persons", "people", "times", "cases", "%"} or _is_ratio_unit(w):
            if _in_label_phrase(words, i) and not _after_magnitude_of(words, i):
                continue
            if _after_magnitude_of(words, i):  # 'Millions of liters'
                i -= 1
            while i > 1 and _UNIT_MAGNITUDE_RE.match(words[i - 1].text):
                i -= 1
            return i
    return None


def _is_ratio_unit(word: str) -> bool:
    """A unit written as one ratio word the vocabulary lacks at its head: 't-CO2/m²', 'g/MWh'."""
    from esg_pipeline.extract.unit_parse import parse_unit

    return "/" in word and word[0].isalpha() and parse_unit(word) is not None


def _after_magnitude_of(words: list[_Span], i: int) -> bool:
    """'Millions of liters': a unit after a magnitude word and 'of'."""
    return i >= 3 and words[i - 1].text.lower() == "of" and _UNIT_MAGNITUDE_RE.match(words[i - 2].text) is not None


def _in_label_phrase(words: list[_Span], i: int) -> bool:
    """The unit word at i is read by the label ('per MJ', 'as %', 'per 1000 m3'), not the unit column."""
    before = [w.text.lower() for w in words[max(i - 2, 0):i]]
    if before and before[-1] in _LABEL_UNIT_LEADS:
        return True
    return len(before) == 2 and before[0] in _LABEL_UNIT_LEADS and re.fullmatch(r"[\d,.]+", before[1]) is not None


# Not-available markers of more than one word are one cell: 'Not available', 'Not applicable'.
_EMPTY_PHRASE_RE = re.compile(r"(?:(?:figures|data)\s+)?not\s+(?:available|applicable|disclosed|reported|measured)"
                              r"(?=\s|$)|\S+", re.I)


def _row_tokens(line: _Line) -> list[_Span]:
    """The words of a single-spaced row, a not-available phrase as one word."""
    return [_Span(m.group(), line.start + m.start(), line.start + m.end())
            for m in _EMPTY_PHRASE_RE.finditer(line.text)]


def _closes_label_paren(words: list[_Span], i: int) -> bool:
    """'(new hires, under 29)': a figure closing a parenthesis the label opened is part of the label."""
    if not words[i].text.endswith(")") or "(" in words[i].text:
        return False
    before = "".join(w.text for w in words[:i])
    return before.count("(") > before.count(")")


def row_year_tables(text: str, lines: list[_Line] | None = None) -> list[Block]:
    """`label [unit] v1 v2 ...` rows (single spaces) under a header line of ≥2 periods, or under a header
    printed one cell per line (a flattened web table: 'Area' / 'Unit' / '2019' / '2020' / 'Target 2020')."""
    lines = lines if lines is not None else _lines(text)
    blocks: list[Block] = []
    n = 0
    while n < len(lines):
        parsed = _header_columns(lines[n]) if "|" not in lines[n].text else None
        first = n
        if parsed is None:
            stacked = _stacked_header(lines, n)
            if stacked is None:
                n += 1
                continue
            parsed, n = stacked
        block, last = _row_year_table(lines, n, parsed, text, first=first)
        if block is not None:
            blocks.append(block)
            n = last + 1
        else:
            n = first + 1
    return blocks


STACKED_HEADER_MAX_CELLS = 12
STACKED_ROW_BLANKS = 3  # blank (or blank-padded) lines a flattened web table leaves between its rows


def _is_extra_header_cell(s: str) -> bool:
    """A header cell after the periods: another period ('Ambition 2025') or a note/target/change column."""
    return len(find_periods(s)) == 1 or column_kind(s) in ("note", "target", "change", "baseline")


def _stacked_header(lines: list[_Line], n: int) -> tuple[tuple[list[_Span], list[tuple[str, int, int]], str | None],
                                                         int] | None:
    """A header printed one cell per line, blank lines between: a label-header line, an optional unit-header
    line, ≥2 period lines and optional extra columns; (parsed header as `_header_columns` gives it, its last
    line index) when single-spaced value rows follow."""
    if lines[n].blank:
        return None
    cells: list[_Line] = []
    i = n
    while i < len(lines) and len(cells) <= STACKED_HEADER_MAX_CELLS:
        ln = lines[i]
        if not ln.blank:
            s = ln.text.strip()
            if len(s) > STACKED_MAX_HEADER_CHARS or s.endswith((".", ":", ";")) or "|" in s or "  " in s:
                break
            if any(_is_value_token(w.text) for w in _tokens(ln)) and not find_periods(s):
                break
            if cells and not (is_unit_header(s) or find_periods(s) or _is_extra_header_cell(s)):
                break
            cells.append(ln)
        i += 1
    if len(cells) < 3 or find_periods(cells[0].text):
        return None
    unit_header = None
    rest = cells[1:]
    if is_unit_header(rest[0].text):
        unit_header = rest[0].text.strip()
        rest = rest[1:]
    if sum(1 for c in rest if period_year(c.text) is not None) < 2 or not find_periods(rest[0].text):
        return None
    # value rows must follow: the next line with text past groups holds a label and ≥2 figures
    after = [ln for ln in lines[cells[-1].n + 1:cells[-1].n + 12] if not ln.blank][:4]
    if not any(sum(_is_value_token(w.text) for w in _row_tokens(ln)) >= 2 for ln in after):
        return None
    lead = _tokens(cells[0])
    headers = [(c.text.strip(), _span(c, 0, len(c.text)).start, _span(c, 0, len(c.text)).end) for c in rest]
    return (lead, headers, unit_header), cells[-1].n


def _row_year_table(lines: list[_Line], n: int, parsed, text: str, *, first: int | None = None) \
        -> tuple[Block | None, int]:
    """The rows under the header at line n (a stacked header ends at line n and starts at `first`)."""
    lead, headers, unit_header = parsed
    stacked = first is not None and first != n
    first = n if first is None else first
    columns = build_columns([h for h, _, _ in headers])
    table = Table(columns=columns, header_rows=[[_join(lead), *([unit_header] if unit_header else []),
                                                  *(h for h, _, _ in headers)]],
                  unit_header=unit_header, source="text-row-years")
    groups: list[tuple[int, str]] = []
    pending: list[tuple[_Line, list[_Span], list[_Span]]] = []
    blank_run, last = 0, n
    for line in lines[n + 1:]:
        if line.blank:
            blank_run += 1
            if blank_run > (STACKED_ROW_BLANKS if stacked else 1):
                break
            continue
        if _header_columns(line) is not None or "|" in line.text or \
                ("  " in line.text.strip() and not stacked) or (stacked and _stacked_header(lines, line.n)):
            break
        words = _row_tokens(line)
        k = len(words)
        while k > 1 and (_is_value_token(words[k - 1].text) or (is_empty_value(words[k - 1].text)
                                                                and words[k - 1].text != "")) \
                and not _closes_label_paren(words, k - 1):
            k -= 1
        label_words, values = words[:k], words[k:]
        if not values:
            if len(line.text.strip()) > 60 or line.text.rstrip().endswith("."):
                break
            pending.append((line, label_words, []))
        else:
            pending.append((line, label_words, values))
        blank_run = 0
        last = line.n
    while pending and not pending[-1][2]:
        pending.pop()
    # A table has ≥2 rows of ≥2 figures (of its one figure under a one-period header); a header naming its
    # unit and page columns ('Indicator Unit 2023 Report Pages') heads a table of one row.
    strong = unit_header is not None and columns[-1].kind == "note"
    if sum(len(v) >= min(2, len(columns)) for _, _, v in pending) < (1 if strong else 2):
        return None, n
    fullest = max((len(v) for _, _, v in pending), default=0)
    if columns[-1].kind == "note":
        fullest -= 1
    for line, label_words, values in pending:
        if not values:
            label, _ = split_label(_join(label_words))
            groups[:] = [(0, label)]
            continue
        if len(values) > len(columns):  # the label ends in figures; the last ones are the values
            label_words = label_words + values[:len(values) - len(columns)]
            values = values[len(values) - len(columns):]
        unit = None
        if unit_header is not None:
            at = _unit_start(label_words)
            if at is not None:
                unit = _join(label_words[at:])
                label_words = label_words[:at]
        label, notes = split_label(_join(label_words))
        placed = list(enumerate(values)) if len(values) == len(columns) else \
            _place_ragged(values, columns, fullest)
        cells = [Cell(text=v.text, col=i, start=v.start, end=v.end) for i, v in placed if not is_empty_value(v.text)]
        if cells:
            table.rows.append(Row(label=label, path=tuple(g for _, g in groups), unit=unit, notes=notes,
                                  cells=cells, start=line.start, end=line.end))
    if len(table.rows) < (1 if strong else 2):
        return None, n
    last = max(r.end for r in table.rows)
    last_n = next(ln.n for ln in lines if ln.start <= last <= ln.end)
    return _block(table, lines, first, last_n, text), last_n


# --- two tables side by side: `label v label v` rows under a header repeated twice ---------------------

_PAREN_TAIL_RE = re.compile(r"(\S+\s*\([^()]*\))$")


def side_by_side_tables(text: str, lines: list[_Line] | None = None) -> list[Block]:
    """A header line that is the same headers twice (`Item Amount (RMB) Item Amount (RMB)`), then rows of
    `label value label value`: one table, the left pairs' rows first, then the right pairs'."""
    lines = lines if lines is not None else _lines(text)
    blocks: list[Block] = []
    n = 0
    while n < len(lines):
        words = _tokens(lines[n]) if "|" not in lines[n].text else []
        half = len(words) // 2
        if half < 2 or len(words) % 2 or len(words) > ROW_HEADER_MAX_WORDS or \
                [w.text for w in words[:half]] != [w.text for w in words[half:]]:
            n += 1
            continue
        head = _join(words[:half])
        m = _PAREN_TAIL_RE.search(head)
        value_header = m.group(1) if m else words[half - 1].text
        label_header = head[:len(head) - len(value_header)].strip()
        left: list[Row] = []
        right: list[Row] = []
        last = n
        for line in lines[n + 1:]:
            tokens = _tokens(line)
            at = [i for i, w in enumerate(tokens) if _is_value_token(w.text)]
            if len(at) != 2 or at[1] != len(tokens) - 1 or at[0] == 0 or at[0] >= len(tokens) - 2:
                break
            for side, (a, b) in ((left, (0, at[0])), (right, (at[0] + 1, at[1]))):
                label, notes = split_label(_join(tokens[a:b]))
                v = tokens[b]
                side.append(Row(label=label, notes=notes, cells=[Cell(text=v.text, col=0, start=v.start, end=v.end)],
                                start=tokens[a].start, end=v.end))
            last = line.n
        if len(left) >= 2:
            table = Table(columns=build_columns([value_header]), rows=left + right, source="text-side-by-side",
                          header_rows=[[label_header, value_header, label_header, value_header]])
            blocks.append(_block(table, lines, n, last, text))
            n = last + 1
        else:
            n += 1
    return blocks


# --- a data sheet flattened onto one line: `[unit] 2022 2021 2020 label v v v label v v v ...` ---------

INLINE_MIN_CHARS = 200  # a line this long holding a header of periods and rows of figures
INLINE_MIN_ROWS = 3
INLINE_MAX_LABEL_WORDS = 25  # a longer run of words between figures is prose: the table ends
INLINE_LEAD_WORDS = 6  # title words before the periods kept as the table's caption
_INLINE_NOTE_RE = re.compile(r"^\(\d{1,2}\)$")  # a footnote marker between figures: '3,694 (1) 3,866'
_STARS = "*†‡"
_INLINE_EMPTY = frozenset({"unknown", "insignificant"})  # words standing for a figure in a run of figures


def _inline_value(word: _Span) -> _Span | None:
    """The figure of a word ('3,512,039**' -> '3,512,039'), or None."""
    core = word.text.rstrip(_STARS) or word.text
    if not _is_value_token(core) and not (is_empty_value(core) and core not in ("-", "–", "—", "−", "--")) and \
            core.lower() not in _INLINE_EMPTY:
        return None
    return _Span(core, word.start, word.start + len(core))


def _period_runs(words: list[_Span]) -> list[tuple[int, int]]:
    """(start, end) word indices of every run of ≥2 consecutive period words ('2022 2021 2020')."""
    runs, i = [], 0
    while i < len(words):
        j = i
        while j < len(words) and period_year(words[j].text) is not None:
            j += 1
        if j - i >= 2:
            runs.append((i, j))
        i = max(j, i + 1)
    return runs


def inline_tables(text: str, lines: list[_Line] | None = None) -> list[Block]:
    """Tables a PDF transcript or scraped page flattened onto one long line: a run of ≥2 periods, then
    `label [unit] v1 … vk` segments with as many figures as the table's rows mostly have (≥ one per period).
    A shorter run of figures is part of the next label ('Scope 1 - Total'); extra figures past the periods
    are unnamed columns (the change between them)."""
    lines = lines if lines is not None else _lines(text)
    blocks: list[Block] = []
    for line in lines:
        if len(line.text) < INLINE_MIN_CHARS:
            continue
        words = _row_tokens(line)
        runs = _period_runs(words)
        for idx, (a, b) in enumerate(runs):
            stop = runs[idx + 1][0] if idx + 1 < len(runs) else len(words)
            prev_end = runs[idx - 1][1] if idx else 0
            block = _inline_table(words, a, b, stop, prev_end, text)
            if block is not None:
                blocks.append(block)
    return blocks


_HEADER_WORD_RE = re.compile(r"^(?:%|\(%\)|vs\.?|versus|in|to|and)$", re.I)


def _without_column_headers(words: list[_Span]) -> list[_Span]:
    """The words after the leading header words of change, target and note columns ('Change % Fuel oil')."""
    i = 0
    while i < len(words) - 1 and (column_kind(words[i].text) != "value" or find_periods(words[i].text) or
                                  _HEADER_WORD_RE.match(words[i].text)):
        i += 1
    return words[i:]


def _is_unit_word(text: str) -> bool:
    from esg_pipeline.extract.units import MEASURE_UNITS

    return " " not in text and text.lower() in MEASURE_UNITS


def _inline_segments(words: list[_Span], start: int, stop: int) -> list[tuple[list[_Span], list[_Span]]]:
    """(label words, figures) pieces of words[start:stop]; footnote markers between figures are skipped."""
    segments: list[tuple[list[_Span], list[_Span]]] = []
    label: list[_Span] = []
    values: list[_Span] = []
    for w in words[start:stop]:
        if values and _INLINE_NOTE_RE.match(w.text):
            continue
        value = _inline_value(w)
        if value is not None:
            values.append(value)
        else:
            if values:
                segments.append((label, values))
                label, values = [], []
            label.append(w)
    segments.append((label, values))
    return segments


def _inline_table(words: list[_Span], a: int, b: int, stop: int, prev_end: int, text: str) -> Block | None:
    k = b - a
    segments = _inline_segments(words, b, stop)
    lengths = [len(v) for _, v in segments if len(v) >= k]
    if len(lengths) < INLINE_MIN_ROWS:
        return None
    width = max(set(lengths), key=lambda n: (lengths.count(n), -n))
    lead = words[max(prev_end, a - INLINE_LEAD_WORDS):a]
    figures = [i for i, w in enumerate(lead) if _inline_value(w) is not None]
    if figures:  # the title starts after the last figure of what comes before it
        lead = lead[figures[-1] + 1:]
    unit_header = None
    if lead and is_unit_header(lead[-1].text):
        unit_header = lead[-1].text
    headers = [w.text for w in words[a:b]] + [""] * (width - k)
    columns = build_columns(headers)
    for col in columns[k:]:
        col.kind = "note"  # an unnamed figure past the periods: a change, a target or a page
    caption = re.sub(r"\[([^\[\]]{1,30})\]", r"(\1)", _join([w for w in lead if w.text != unit_header]))
    table = Table(columns=columns, caption=caption, unit_header=unit_header, source="text-inline",
                  header_rows=[[_join(lead), *headers[:k]]])
    if width > k:  # the extra columns' header words ('Change %', 'Changes 2019 vs. 2018') lead the first label
        segments[0] = (_without_column_headers(segments[0][0]), segments[0][1])
    carry: list[_Span] = []  # words of a short run of figures, and figures past the row, lead the next label
    for label_words, values in segments:
        label_words = carry + label_words
        carry = []
        if len(label_words) > INLINE_MAX_LABEL_WORDS:
            break
        if len(values) < k:
            carry = label_words + values
            continue
        carry = values[width:]
        values = values[:width]
        if not label_words:
            continue
        at = _unit_start(label_words) if len(label_words) > 1 else None
        unit = _join(label_words[at:]) if at is not None else None
        label, notes = split_label(_join(label_words[:at] if at is not None else label_words))
        if table.rows and _is_unit_word(label):  # 'Diesel … litres 54 64 GWh 585 691': the row again, in GWh
            label, unit, notes = table.rows[-1].label, label, ()
        cells = [Cell(text=v.text, col=i, start=v.start, end=v.end) for i, v in enumerate(values)
                 if not is_empty_value(v.text)]
        table.rows.append(Row(label=label, unit=unit, notes=notes, cells=cells,
                              start=label_words[0].start, end=values[-1].end))
    if len(table.rows) < INLINE_MIN_ROWS:
        return None
    start = lead[0].start if lead else words[a].start
    end = table.rows[-1].end
    return Block(kind="table", text=text[start:end], start=start, end=end, table=table)


# --- all layouts ----------------------------------------------------------------------------

DETECTORS = (pipe_tables, row_year_tables, side_by_side_tables, aligned_tables, stacked_tables, inline_tables)


def find_text_tables(text: str) -> list[Block]:
    """Tables in every layout, earlier detectors first; a later table overlapping an earlier one is dropped."""
    lines = _lines(text)
    taken: list[tuple[int, int]] = []
    blocks: list[Block] = []
    for detect in DETECTORS:
        for block in detect(text, lines):
            if any(block.start < e and s < block.end for s, e in taken):
                continue
            taken.append((block.start, block.end))
            blocks.append(block)
    blocks.sort(key=lambda b: b.start)
    for block in blocks:
        if block.table is not None and not block.table.caption:
            block.table.caption = _caption_above(lines, block, taken)
    return blocks


CAPTION_MAX_CHARS = 100
_UNIT_LINE_RE = re.compile(r"^\(?\s*units?\s*[:：]", re.I)


def _caption_above(lines: list[_Line], block: Block, taken: list[tuple[int, int]]) -> str:
    """The title or unit line right above a table (at most one blank line between), if short."""
    n = next((ln.n for ln in lines if ln.start == block.start), None)
    if n is None:  # a table starting inside a line has no line above it
        return ""
    for ln in reversed(lines[max(n - 2, 0):n]):
        if ln.blank:
            continue
        s = ln.text.strip()
        if any(a <= ln.start < b for a, b in taken) or len(s) > CAPTION_MAX_CHARS or "|" in s:
            return ""
        if _UNIT_LINE_RE.match(s) or not s.endswith((".", ",", ";")):
            return s
        return ""
    return ""
