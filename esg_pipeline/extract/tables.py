"""Table cells to metrics, read from the document's grids: the row-label path, the column header and the
unit give value, unit and period directly; no flattened text is parsed again.

Each cell passes a short list of named rules; the rule that decided its unit is recorded in the
metric's flags (`unit:column`, `unit:label`, ...) and the reason a cell was dropped in the trace.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from esg_pipeline.extract.classify import classifier
from esg_pipeline.extract.metric import Metric
from esg_pipeline.extract.unit_parse import (UnitSpec, caption_scale, contextual_unit, parse_unit, rate_in_label,
                                             unit_in_label)
from esg_pipeline.extract.units import unit_kind
from esg_pipeline.ingest.documents.model import Block, Cell, Document, Row, Table
from esg_pipeline.ingest.documents.periods import find_periods, period_year
from esg_pipeline.taxonomy import fallback_id

# --- cell values ------------------------------------------------------------------------

CELL_RE = re.compile(
    r"^(?P<q>[<>≤≥~≈]|approx\.?\s*)?\s*(?P<sign>[(\-–−+])?\s*(?P<cur>[$€£¥])?\s*"
    r"(?P<num>\d[\d,.]*)\s*(?P<pct>%)?\s*(?P<plus>\+(?!\d))?\s*(?P<close>\))?"
    r"(?P<mark>[¹²³⁴⁵⁶⁷⁸⁹⁰]+⁾?|\*+|[a-z]{1,2}|\s+\([a-zA-Z\d]{1,2}\)|\s*\[[a-z\d]{1,2}\]|"
    r"[ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ]{1,2}|\s*\((?i:restated|revised|estimated|est\.)\))?$")  # '2.0 (a)', '2.0[1]', '2.0ᵃ'

GLUED_MARKER_RE = re.compile(r"^(?P<body>[^()]*[,.]\d+)\d\)$")  # '23,6003)': footnote 3 glued to 23,600
THOUSANDS_RE = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d{1,2}(?:,\d{2})*,\d{3}(?:\.\d+)?$")  # 1,234 / 3,59,83,177
DECIMAL_COMMA_RE = re.compile(r"^\d+,\d{1,2}$")  # '7,9' where a table writes decimals with a comma
# Dots that can only group thousands: '1.234.567', or '1.234,5' with a decimal comma after them.
DOT_THOUSANDS_RE = re.compile(r"^\d{1,3}(?:\.\d{3}){2,}$|^\d{1,3}(?:\.\d{3})+,\d+$")
QUALIFIERS = {"<": "at_most", "≤": "at_most", ">": "at_least", "≥": "at_least", "~": "approx", "≈": "approx"}
COUNT_RE = re.compile(r"\b(?:number|no\.|#|headcount|workforce|employees?|staff|workers?|people|persons?|person\(s\)|suppliers?|"
                      r"accidents?|fatalit(?:y|ies)|injur(?:y|ies|ed)|incidents?|cases?|complaints?|hires?|"
                      r"recruits?|members?|sites?|spills?|vehicles?|trainees?|participants?|beneficiar(?:y|ies)|"
                      r"by gender|by age|male|female|men|women)\b", re.I)
GHG_CONTEXT_RE = re.compile(r"\b(?:ghg|greenhouse|co2|co₂|carbon|emissions?|scope\s*[123])\b", re.I)


@dataclass(frozen=True)
class CellValue:
    value: float
    qualifier: str
    percent: bool
    currency: str | None


# Thousands grouped by apostrophes (Swiss: 184'250) or spaces (French: 184 250, 12 410,5).
GROUPED_THOUSANDS_RE = re.compile(r"(?<![\d'’ \u00a0])\d{1,3}(?:['’]\d{3})+(?![\d'’])|"
                                  r"(?<![\d'’ \u00a0])\d{1,3}(?:[ \u00a0]\d{3})+(?![\d'’]| \d)")


def parse_cell(text: str) -> CellValue | None:
    """The number a table cell prints, or None for a cell that is not a plain figure."""
    text = text.strip().replace("\u2009", "").replace("\u202f", "")
    text = GROUPED_THOUSANDS_RE.sub(lambda m: re.sub(r"['’ \u00a0]", "", m.group()), text)
    glued = GLUED_MARKER_RE.match(text)
    if glued and "(" not in text:
        text = glued.group("body")
    m = CELL_RE.match(text)
    if m is None:
        return None
    num = m.group("num").rstrip(".,")
    if THOUSANDS_RE.match(num):
        num = num.replace(",", "")
    elif DECIMAL_COMMA_RE.match(num):
        num = num.replace(",", ".")
    elif DOT_THOUSANDS_RE.match(num):
        num = num.replace(".", "").replace(",", ".")
    elif "," in num:
        return None
    try:
        value = float(num)
    except ValueError:
        return None
    sign = m.group("sign") or ""
    if sign in "-–−" and sign:
        value = -value
    q = (m.group("q") or "").strip()[:1] or (">" if m.group("plus") else "")  # '153,000+': at least
    return CellValue(value, QUALIFIERS.get(q, "approx" if q == "a" else "exact"), bool(m.group("pct")),
                     {"$": "USD", "€": "EUR", "£": "GBP", "¥": "CNY"}.get(m.group("cur") or ""))


# --- units: named rules, tried in order -----------------------------------------------------

@dataclass(frozen=True)
class TableContext:
    table: Table
    text: str  # caption, header rows and the headings/short paragraphs just above the table
    scale: UnitSpec | None
    title: str = ""  # the nearest title line above the table (its heading for KPI evidence)
    footnotes: tuple[tuple[str, str], ...] = ()  # (marker, note) of the notes printed under the table
    title_year: int | None = None  # the one period the title names ('Environmental data 2023'), if one
    # a caption naming several units ('Emissions (tCO2e) and intensity (tCO2e/employee)'): each unit with the
    # word stems of the words before it
    caption_units: tuple[tuple[frozenset[str], UnitSpec], ...] = ()
    stub: str = ""  # the header over the label column ('Average training hours per employee')


UnitRule = Callable[[Row, TableContext], UnitSpec | None]


# Symbols that are a unit only in a table's unit column: a capital 'T' there is tonnes (anywhere else,
# a letter: 'Grade T', 'T-shirts').
UNIT_COLUMN_SYMBOLS = {"T": UnitSpec("tonne", 1.0, "T")}


def unit_from_column(row: Row, ctx: TableContext) -> UnitSpec | None:
    if not row.unit:
        return None
    # 'per 200,000 hours' in the unit column is an injury rate's base
    return UNIT_COLUMN_SYMBOLS.get(row.unit.strip()) or parse_unit(row.unit) or \
        (rate_in_label(row.unit) if "per" in row.unit.lower() else None)


def _label_unit(label: str) -> UnitSpec | None:
    """The unit a label states, unless it states what the row divides by: in 'Emissions/revenues
    (million euro)' the bracket is the denominator's unit."""
    found = unit_in_label(label)
    if found is None:
        return None
    spec, (start, _) = found
    if "/" not in spec.unit and PER_BEFORE_RE.search(label[:start]):
        return None
    return spec


PER_BEFORE_RE = re.compile(r"(?:/|\bper\b)\s*(?:the\s+)?(?:number\s+of\s+)?[A-Za-z][\w\s-]{0,30}$", re.I)


def unit_from_label(row: Row, ctx: TableContext) -> UnitSpec | None:
    return _label_unit(row.label)


def unit_from_path(row: Row, ctx: TableContext) -> UnitSpec | None:
    for label in reversed(row.path):
        found = _label_unit(label)
        if found:
            return found
    return None


def unit_from_caption(row: Row, ctx: TableContext) -> UnitSpec | None:
    """The unit a caption or the line above declares ('(Unit: tonnes)', 'Energy (MWh)'). A heading that only
    names people or things ('People', 'Employees') declares no unit: counts are the counted rules' to find,
    and the table may hold hours, rates and shares too."""
    if ctx.caption_units:
        return _caption_unit_for(row, ctx.caption_units)
    return ctx.scale if ctx.scale is not None and ctx.scale.unit and ctx.scale.unit != "count" else None


RATIO_WORDS_RE = re.compile(r"\b(?:intensity|per|rate|ratio|efficiency)\b", re.I)


def _caption_unit_for(row: Row, units: tuple[tuple[frozenset[str], UnitSpec], ...]) -> UnitSpec:
    """The unit of a several-unit caption whose words the row's label and path share most; on a tie a ratio
    unit for a row saying 'intensity' or 'per', else the first plain unit."""
    text = " ".join((*row.path, row.label))
    stems = _word_stems(text)
    ratio = RATIO_WORDS_RE.search(text) is not None
    return max(units, key=lambda u: (len(u[0] & stems), ("/" in u[1].unit) == ratio,
                                     -units.index(u)))[1]


def _word_stems(text: str) -> frozenset[str]:
    return frozenset(w[:5] for w in re.findall(r"[a-z][a-z0-9]+", text.lower()) if len(w) > 2)


def caption_units(piece: str) -> tuple[tuple[frozenset[str], UnitSpec], ...]:
    """Each bracketed unit of a caption with the words since the previous bracket, when it names two or more
    different units."""
    found, start = [], 0
    for m in BRACKET_RE.finditer(piece):
        spec = parse_unit(m.group())
        if spec is not None and spec.unit not in ("", "count"):
            found.append((_word_stems(piece[start:m.start()]), spec))
        start = m.end()
    return tuple(found) if len({spec.unit for _, spec in found}) > 1 else ()


def unit_from_rate_label(row: Row, ctx: TableContext) -> UnitSpec | None:
    """'Lost-time injury frequency (per 200,000 hours worked)': a rate, not hours."""
    for label in (row.label, *reversed(row.path)):
        if found := rate_in_label(label):
            return found
    return None


def unit_from_footnote_rate(row: Row, ctx: TableContext) -> UnitSpec | None:
    """'Total recordable incident rate(a)' over the note '(a) Per 200,000 hours worked.': the row's footnote
    defines its rate."""
    notes = dict(ctx.footnotes)
    for marker in row.notes:
        note = notes.get(footnote_key(marker))
        if note and (found := rate_in_label(note)):
            return found
    return None


# 'Training hours', 'Lost days'; 'hours per employee' is an average still counted in hours (as in prose), while
# 'hours per million tonnes' is some other rate
TIME_LABEL_RE = re.compile(r"\b(?P<unit>days?|hours?)\b(?!\s*+(?:per|/)\s*+(?!(?:an?\s+|each\s+)?(?:employee|person|capita|"
                           r"head|staff|trainee|participant|worker|FTE)s?\b))", re.I)


def unit_from_time_label(row: Row, ctx: TableContext) -> UnitSpec | None:
    """'Lost days due to injury', 'Training hours': the label's own time noun is the unit."""
    m = TIME_LABEL_RE.search(row.label)
    if m is None and ctx.stub and not NOT_COUNT_RE.search(row.label):
        m = TIME_LABEL_RE.search(ctx.stub)  # 'Training hours per employee' over 'Senior management | 12.5'
    if m is None:
        return None
    return UnitSpec("day" if m.group("unit").lower().startswith("day") else "hour", 1.0, m.group())


NOT_COUNT_RE = re.compile(r"\b(?:index|score|rate|ratio|intensity|percentage|share|average)\b", re.I)


def unit_from_counted_label(row: Row, ctx: TableContext) -> UnitSpec | None:
    """'Number of suppliers', 'Male' under 'Employees': counted things, unless the label is a measure of them."""
    if NOT_COUNT_RE.search(row.label):
        return None
    words = " ".join((*row.path, row.label))
    return UnitSpec("count", 1.0, "") if COUNT_RE.search(words) else None


def unit_from_counted_caption(row: Row, ctx: TableContext) -> UnitSpec | None:
    """Whole numbers in a table whose title counts people or things ('Employees by region and gender')."""
    if not row.cells or not COUNT_RE.search(ctx.text):
        return None
    values = [parse_cell(c.text) for c in row.cells]
    whole = [v for v in values if v is not None and not v.percent]
    if whole and all(v.value == int(v.value) and "." not in c.text for v, c in zip(values, row.cells)
                     if v is not None and not v.percent):
        return UnitSpec("count", 1.0, "")
    return None


UNIT_RULES: tuple[tuple[str, UnitRule], ...] = (
    ("column", unit_from_column), ("label", unit_from_label), ("rate-label", unit_from_rate_label),
    ("footnote-rate", unit_from_footnote_rate),
    ("path", unit_from_path),
    ("caption", unit_from_caption), ("time-label", unit_from_time_label), ("counted-label", unit_from_counted_label),
    ("counted-caption", unit_from_counted_caption),
)


# 'Total emissions/number of employees', 'Emissions per revenues (million euro)': what a row divides by
PER_RE = re.compile(r"(?:/|\bper\b)\s*(?:the\s+)?(?:number\s+of\s+)?(?P<den>[A-Za-z(][^/]{0,40})$", re.I)


def _per_row_denominator(spec: UnitSpec, row: Row) -> UnitSpec:
    """A table-wide unit ('TONNES OF CO2e') on an intensity row ('…/number of employees') gains the
    row's denominator: tCO2e/employee."""
    for text in (row.label, *reversed(row.path)):
        m = PER_RE.search(text)
        if m is None:
            continue
        found = parse_unit(f"t/{m.group('den').strip()}")
        if found is not None and "/" in found.unit:
            return UnitSpec(f"{spec.unit}/{found.unit.split('/', 1)[1]}", spec.factor, spec.surface)
    return spec


def row_unit(row: Row, ctx: TableContext) -> tuple[UnitSpec | None, str]:
    for name, rule in UNIT_RULES:
        spec = rule(row, ctx)
        if spec is not None:
            if name not in ("caption",) and ctx.scale is not None and not ctx.scale.unit and spec.factor == 1 \
                    and "/" not in spec.unit and spec.unit != "percent":
                spec = UnitSpec(spec.unit, ctx.scale.factor, spec.surface)  # "(in thousands)" over a plain unit
            # plain tonnes are CO2e where the row says it counts GHG; the page around it is too wide a context
            # (a GHG page also lists flaring, produced water and waste in tonnes)
            context = " ".join((*row.path, row.label, ctx.text if name == "caption" else ""))
            if name in ("caption", "path", "column") and "/" not in spec.unit:  # 'intensity per million RMB' | tonnes
                spec = _per_row_denominator(spec, row)
            return contextual_unit(spec, context), name
    return None, ""


# --- the pass over a document's tables ---------------------------------------------------------

@dataclass
class Trace:
    """Why each table cell was kept or dropped, for `extract --explain`."""

    entries: list[tuple[str, str, str]]  # (cell as printed with its row, decision, rule)

    def add(self, what: str, decision: str, rule: str) -> None:
        self.entries.append((what, decision, rule))


# A table's title and unit lines are short blocks just above it: this many, this long, this far (points).
TITLE_BLOCKS = 3
TITLE_MAX_CHARS = 200
TITLE_REACH = 120.0
TITLE_OVERLAP = 15.0  # a title line may overlap the table's first header line by this much


def _blocks_before(doc: Document, index: int) -> list[str]:
    """Short blocks right before the table in reading order (HTML and text have no geometry)."""
    block, above = doc.blocks[index], []
    for prev in reversed(doc.blocks[max(0, index - TITLE_BLOCKS):index]):
        if prev.kind == "table" or prev.page != block.page or len(prev.text) > TITLE_MAX_CHARS:
            break
        above.insert(0, prev.text)
    return above


# Titles that do not start a new topic: a breakdown of the one above ('By geographical location'), '(continued)'.
CONTINUATION_TITLE_RE = re.compile(r"^\W*(?:by|of\s+which|breakdown\s+by|split\s+by)\b|\bcontinued\b|\bcont['’]?d\b", re.I)


def _continued_context(doc: Document, index: int) -> list[str]:
    """The title blocks of the table this one continues: the nearest table before it, with only a few short
    blocks between, that has the same column headers."""
    headers = [c.header for c in doc.blocks[index].table.columns]
    for k in range(index - 1, max(-1, index - 1 - TITLE_BLOCKS), -1):
        prev = doc.blocks[k]
        if prev.kind == "table":
            if prev.table is not None and [c.header for c in prev.table.columns] == headers:
                return [*_blocks_before(doc, k), *([prev.table.caption] if prev.table.caption else [])]
            return []
        if len(prev.text) > TITLE_MAX_CHARS:
            return []
    return []


def _titles_above(doc: Document, index: int) -> list[str]:
    """Short blocks on the page just above the table and over its width, nearest last: reading order may
    put a title spanning two columns elsewhere."""
    block = doc.blocks[index]
    x0, top, x1, _ = block.box
    found = []
    for other in doc.blocks:
        if other is block or other.page != block.page or other.box is None or len(other.text) > TITLE_MAX_CHARS:
            continue
        ox0, otop, ox1, obottom = other.box
        # above the table, or beside its header rows when a wrapped title shares their lines
        if otop <= top + 2 and obottom <= top + TITLE_OVERLAP and top - obottom <= TITLE_REACH \
                and min(x1, ox1) - max(x0, ox0) > 0:
            found.append((top - obottom, other.text))
    found.sort(reverse=True)
    return [text for _, text in found[-TITLE_BLOCKS:]]


# A footnote under a table opens with its marker: "(a) Per 200,000 hours", "[1] ...", "¹ ...", "* ...", "a) ...".
FOOTNOTE_RE = re.compile(r"^\s*(?P<marker>\(\w{1,3}\)|\[\w{1,3}\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|[*†‡#]+|[a-z\d]{1,2}\))\s*(?P<note>\S.*)",
                         re.S)
FOOTNOTE_BLOCKS = 12  # blocks after a table searched for its notes (same page, up to the next table)
FOOTNOTE_MAX_CHARS = 400


def footnote_key(marker: str) -> str:
    """'(a)', '[a]', 'a)' and 'a' are one marker."""
    return marker.strip().strip("()[]").lower()


def _footnotes_after(doc: Document, index: int) -> tuple[tuple[str, str], ...]:
    """The notes printed after a table on its page, by marker (the first note of a marker wins)."""
    block, found = doc.blocks[index], {}
    for after in doc.blocks[index + 1:index + 1 + FOOTNOTE_BLOCKS]:
        if after.kind == "table" or after.page != block.page:
            break
        m = FOOTNOTE_RE.match(after.text) if len(after.text) <= FOOTNOTE_MAX_CHARS else None
        if m:
            found.setdefault(footnote_key(m.group("marker")), " ".join(m.group("note").split()))
    return tuple(found.items())


def table_context(doc: Document, index: int) -> TableContext:
    block = doc.blocks[index]
    table = block.table
    above = _blocks_before(doc, index)
    if block.box:  # and titles just above it that reading order put elsewhere, tried after those
        above = [t for t in _titles_above(doc, index) if t not in above] + above
    header = " ".join(" ".join(h) for h in table.header_rows)
    text = " ".join([*above, table.caption, header]).strip()
    scale, units = None, ()
    for piece in (table.caption, header, *(a for a in reversed(above) if len(a) <= UNIT_LINE_MAX_CHARS)):
        scale = _declared_unit(piece) if piece else None
        if scale is not None:
            units = caption_units(piece) if "(" in piece else ()
            break
    if scale is None and table.unit_header is None and not any(r.unit for r in table.rows) and \
            all(CONTINUATION_TITLE_RE.search(a) for a in above):
        # a table continued under a sub-heading or on the next page (the same columns, nothing declared of its
        # own) is about what the table it continues is about
        above = _continued_context(doc, index) + above
        text = " ".join([*above, table.caption, header]).strip()
    # the header over the label column ('Workforce', 'Emissions') names what every row measures
    stub = [cells[0] for cells in table.header_rows[:1] if cells and period_year(cells[0]) is None
            and cells[0] != table.unit_header]
    # examples in a title ('... intensity (e.g. per unit of production volume, per facility)', the HKEX
    # wording over KPI pages) name no thing the rows measure
    title = EXAMPLES_RE.sub(" ", " ".join([*above, table.caption, *stub])).strip()
    title_years = {year for _, _, year in find_periods(title)}
    return TableContext(table, text, scale, title, _footnotes_after(doc, index),
                        title_years.pop() if len(title_years) == 1 else None, units, " ".join(stub))


EXAMPLES_RE = re.compile(r"\((?:e\.g\.|eg\.|for example|for instance|such as)[^()]*\)", re.I)


# A unit line above a table is short ("TONNES OF CO2e   Group"): its unit is in its first few words.
UNIT_LINE_MAX_WORDS = 8
# A line declaring a table's unit or scale is short; a long block that mentions "(kWh in '000s)" is the
# disclosure's wording, not the table's unit line.
UNIT_LINE_MAX_CHARS = 80
BRACKET_RE = re.compile(r"\([^()]{1,30}\)")


def _declared_unit(piece: str) -> UnitSpec | None:
    found = caption_scale(piece)
    if found is not None:
        return found
    for bracket in reversed(BRACKET_RE.findall(piece)):  # 'Table 6 – Energy use (MWh)'
        found = parse_unit(bracket)
        if found is not None and found.unit not in ("", "count"):
            return found
    words = piece.split()
    if len(words) > UNIT_LINE_MAX_WORDS:
        return None
    for k in range(len(words) - 1, 0, -1):
        found = parse_unit(" ".join(words[:k]))
        if found is not None and found.unit not in ("", "count"):
            return found
    return None


# A label ending in a unit the vocabulary lacks, after its multiplier: 'Paper usage 1,000 sheets'.
OWN_UNIT_RE = re.compile(r"\b\d{1,3}(?:,\d{3})+\s+[A-Za-z]+$|\b(?:thousands?|millions?)\s+(?:of\s+)?[A-Za-z]+$", re.I)
# Rules whose unit a merged unit cell may carry down to the rows under it.
STATED_UNIT_RULES = frozenset({"column", "label", "above"})


def unit_from_row_above(row: Row, above: Row | None, above_unit: tuple[UnitSpec | None, str],
                        ctx: TableContext) -> UnitSpec | None:
    """A merged unit cell (Japanese data books, PDF grids): the rows under the one that prints the unit
    ('Scope 1 … Total | tCO2 | 51,240' / 'Overseas group | | 612') leave their unit cell blank. In a table
    with a unit column, a row with no unit of its own takes the unit of the row right above it in the same
    group, when that row stated one (unit column or label); a rate, ratio or share row takes no plain amount
    from above. Without a unit column a blank unit is the page's silence (an index, a ratio), not a merge."""
    spec, rule = above_unit
    if ctx.table.unit_header is None or above is None or spec is None or rule not in STATED_UNIT_RULES \
            or row.path != above.path:
        return None
    if row.unit or OWN_UNIT_RE.search(row.label):  # the row prints a unit of its own, one not read
        return None
    if NOT_COUNT_RE.search(row.label) and "/" not in spec.unit and spec.unit != "percent":
        return None
    return spec


def extract_table_metrics(doc: Document, *, name: str, entity: str | None, trace: Trace | None = None) -> list[Metric]:
    out: list[Metric] = []
    line_starts = _line_starts(doc.text)
    for index, block in enumerate(doc.blocks):
        if block.table is None:
            continue
        ctx = table_context(doc, index)
        above: Row | None = None
        above_unit: tuple[UnitSpec | None, str] = (None, "")
        for row in block.table.rows:
            unit = row_unit(row, ctx)
            if unit[0] is None and (carried := unit_from_row_above(row, above, above_unit, ctx)) is not None:
                unit = (carried, "above")
            out.extend(_row_metrics(row, ctx, block, unit, name=name, entity=entity, line_starts=line_starts,
                                    trace=trace))
            above, above_unit = row, unit
    return out


def _row_metrics(row: Row, ctx: TableContext, block: Block, unit: tuple[UnitSpec | None, str], *, name: str,
                 entity: str | None, line_starts: list[int], trace: Trace | None) -> Iterable[Metric]:
    spec, rule = unit
    columns = ctx.table.columns
    for cell in row.cells:
        column = columns[cell.col] if cell.col < len(columns) else None
        what = f"{row.label} [{column.header if column else '?'}]: {cell.text}"
        if column is None or column.kind != "value":
            _note(trace, what, "dropped", f"column:{column.kind if column else 'none'}")
            continue
        parsed = parse_cell(cell.text)
        pair = pair_units(row) if parsed is None else None
        if pair is not None and (values := parse_pair(cell.text)) is not None:
            for (unit, factor), value in zip(pair, values):  # '69 / 8.8' under 'persons / %'
                _note(trace, what, "kept", "unit:pair-cell")
                yield _metric(row, cell, column, value, unit, factor, "pair-cell", ctx, block, name, entity,
                              line_starts)
            continue
        if parsed is None:
            _note(trace, what, "dropped", "cell:not-a-number")
            continue
        unit, factor, unit_rule = _cell_unit(spec, rule, parsed)
        if rule in TABLE_WIDE_RULES and not parsed.percent and (own := column_unit(column)) is not None:
            unit, factor, unit_rule = own.unit, own.factor, "column-header"
        if unit is None:
            _note(trace, what, "dropped", "unit:none")
            continue
        _note(trace, what, "kept", f"unit:{unit_rule}")
        yield _metric(row, cell, column, parsed, unit, factor, unit_rule, ctx, block, name, entity, line_starts)


# Unit rules that speak for the whole table or guess from words; a column header naming a unit beats them.
TABLE_WIDE_RULES = frozenset({"", "caption", "counted-label", "counted-caption"})


def column_unit(column) -> UnitSpec | None:
    """'2024 Number', '2024 %': the unit a column header names beside its period (sub-columns under a year)."""
    rest = column.header
    if not column.period:  # 'Scope 1 (tCO2e)' over a column of figures for each year down the rows
        found = _label_unit(rest) if rest else None
        return found if found is not None and found.unit != "count" else None
    rest = rest.replace(column.period, " ", 1).strip()
    if not rest or len(rest) > 20:
        return None
    return parse_unit(rest)


PAIR_RE = re.compile(r"^(?P<a>[^/]+?)\s*/\s*(?P<b>[^/]+)$")


def parse_pair(text: str) -> tuple[CellValue, CellValue] | None:
    """A cell holding two figures ('69／8.8'): a count and its share, as data books print them."""
    m = PAIR_RE.match(text.replace("／", "/"))
    if m is None:
        return None
    a, b = parse_cell(m.group("a")), parse_cell(m.group("b"))
    return (a, b) if a is not None and b is not None else None


def pair_units(row: Row) -> tuple[tuple[str, float], tuple[str, float]] | None:
    """The two units of a 'persons / %' unit cell or label unit: the first as parsed, then percent."""
    text = (row.unit or "") or (PAIR_UNIT_RE.search(row.label).group(1) if PAIR_UNIT_RE.search(row.label) else "")
    m = PAIR_RE.match(text.replace("／", "/"))
    if m is None or m.group("b").strip() != "%":
        return None
    first = parse_unit(m.group("a")) or (UnitSpec("count", 1.0, "") if COUNT_RE.search(m.group("a")) else None)
    return ((first.unit, first.factor), ("percent", 1.0)) if first is not None else None


PAIR_UNIT_RE = re.compile(r"\(([^()]*(?:\([^()]*\))?[^()]*[/／]\s*%)\)\s*$")


def _cell_unit(spec: UnitSpec | None, rule: str, parsed: CellValue) -> tuple[str | None, float, str]:
    if parsed.percent:
        return "percent", 1.0, "cell-percent"
    if parsed.currency and spec is None:
        return parsed.currency, 1.0, "cell-currency"
    if spec is None:
        return None, 1.0, ""
    return spec.unit, spec.factor, rule


def _metric(row: Row, cell: Cell, column, parsed: CellValue, unit: str, factor: float, unit_rule: str,
            ctx: TableContext, block: Block, name: str, entity: str | None, line_starts: list[int]) -> Metric:
    label = row.label or (row.path[-1] if row.path else "")
    subject = " › ".join(row.label_path)
    row_year = period_year(row.label) if column.year is None and column.header else None
    if row_year is not None:  # period-rows: years down the first column, what is measured across the top
        label, subject = column.header, " › ".join((*row.path, column.header))
    path_text = " › ".join(row.path)
    cls = classifier()
    # a breakdown row's own label is a member ('Male', '<30'): what it measures is named up its path
    concept = " ".join(p for p in row.path if not BREAKDOWN_LABEL_RE.match(p))
    # a bare gender label ('Turnover rate › By gender › Female') is a member of the breakdown of what the path
    # or title measures, not evidence of its own: 'Female' is no female share (that row is 'Women in workforce')
    own = "" if MEMBER_LABEL_RE.match(label) else label
    # and a table titled by what it counts ('Employees by region and gender') names it for every row
    zones = {"subject": cls.stems_of_label(f"{ctx.title} {concept} {own}"),
             "sentence": cls.stems_of_label(f"{path_text} {own}"),
             "heading": cls.stems_of_label(f"{path_text} {ctx.title}"), "section": cls.stems_of_label(ctx.text)}
    indicator = cls.classify(*_classified_as(unit, f"{path_text} {label} {ctx.title}"), zones)
    if not own and label and indicator.id == fallback_id(indicator.unit_kind):
        # nothing up the path or in the title names the measure: the member is the only evidence
        # ('Employees' › 'Female 44%' is the female share)
        indicator = cls.classify(*_classified_as(unit, f"{path_text} {label} {ctx.title}"),
                                 {**zones, "subject": cls.stems_of_label(f"{ctx.title} {concept} {label}"),
                                  "sentence": cls.stems_of_label(f"{path_text} {label}")})
    if own and row.path and "non-" in own.lower():
        # 'Non-hazardous waste' under a 'Hazardous waste' row: the row's own negated name beats its path's
        alone = {"subject": cls.stems_of_label(own), "sentence": cls.stems_of_label(own)}
        found = cls.classify(*_classified_as(unit, label), alone)
        if found.id != fallback_id(found.unit_kind):
            indicator = found
    if unit == "count" and indicator.id == fallback_id("count") and row.path and ctx.table.rows and \
            ctx.table.rows[0] is not row and not ctx.table.rows[0].path:
        # 'Employee headcount 13,687' then 'Regions › European markets 8,502': a group of members under a
        # table's opening total counts what the total counts
        first = ctx.table.rows[0].label
        indicator = cls.classify("count", "count", {**zones, "subject": cls.stems_of_label(f"{ctx.title} {first}")})
    if (code := KPI_CODE_RE.search(path_text)) and indicator.hkex_kpi != code.group(1).upper():
        # a row under its HKEX KPI code ('A2.2 › Intensity (m3/employee)'): the one indicator of that code
        # and unit kind is what the row reports
        kind = _classified_as(unit, f"{path_text} {label} {ctx.title}")[1]
        named = [e.indicator for e in cls.by_kind.get(kind, ()) if e.indicator.hkex_kpi == code.group(1).upper()]
        if len(named) == 1:
            indicator = named[0]
    if not own and unit == "count" and indicator.id == fallback_id("count"):
        indicator = cls.by_id[GENDER_COUNT_INDICATOR]  # 'People' › 'Women 1,020': people counted by gender
    if indicator.id == FEMALE_SHARE_INDICATOR and MALE_MEMBER_RE.match(label):
        # 'By gender (%)' › 'Male 62': the men's share of the breakdown, not the female share
        indicator = cls.by_id[GENDER_SHARE_INDICATOR]
    value = parsed.value * factor
    unit_text = f" ({row.unit})" if row.unit else ""
    year, year_source = column.year, "column" if column.year else "none"
    if row_year is not None:
        year, year_source = row_year, "row"
    if year is None and ctx.title_year is not None:
        year, year_source = ctx.title_year, "table title"  # 'Environmental data 2023' over 'Unit | Value'

    return Metric(
        doc=name, value=float(f"{value:.12g}"), unit=unit, qualifier=parsed.qualifier, hkex_kpi=indicator.hkex_kpi,
        gri=indicator.gri, indicator=indicator.id, entity=entity or "", year=year,
        year_source=year_source, subject=subject,
        quote=f"{label}{unit_text} [{column.header}]: {cell.text}", start=cell.start, end=cell.end,
        line=bisect_right(line_starts, cell.start), page=cell.page or block.page, method="table_cell",
        confidence=0.9, flags=[f"unit:{unit_rule}", *(f"note:{n}" for n in row.notes)], raw=cell.text,
    )


# an HKEX KPI code printed in a row's own code column ('A2.2', 'KPI B1.1')
KPI_CODE_RE = re.compile(r"^(?:KPI\s*)?([AB]\d{1,2}\.\d{1,2})\b", re.I)
# what a table counts when a row is only a gender and nothing names the thing counted: a company's people
GENDER_COUNT_INDICATOR = "employees_total"
# a share under a gender breakdown whose row is the men's: the breakdown's share, with its gender member
FEMALE_SHARE_INDICATOR, GENDER_SHARE_INDICATOR = "female_employee_share", "workforce_share"
MALE_MEMBER_RE = re.compile(r"^\W*(?:males?|m[ae]n)\b", re.I)
MEMBER_LABEL_RE = re.compile(r"^\W*(?:fe)?males?\W*$|^\W*(?:wo)?m[ae]n\W*$", re.I)
BREAKDOWN_LABEL_RE = re.compile(r"^(?:by|of\s+which|breakdown)\b", re.I)
GHG_GAS_RE = re.compile(r"\b(?:ghg|greenhouse|scope\s*[123]|methane|ch4|n2o|nitrous|hfcs?|pfcs?|sf6|co2e?)\b", re.I)
# A gas named to be set apart is no evidence for it: "non-methane hydrocarbons", "air emissions (other than GHG)".
NOT_GHG_RE = re.compile(r"\bnon-?\s?(?:methane|ghg)\b|\b(?:other\s+than|excluding|excl\.?|except)\s+(?:the\s+)?"
                        r"(?:ghgs?|greenhouse\s+gas(?:es)?)(?:\s+emissions?)?", re.I)


def _classified_as(unit: str, context: str) -> tuple[str, str]:
    """The unit and unit kind to classify by: a greenhouse gas weighed in tonnes (methane, HFCs under
    Scope 1) is evidence for the GHG indicator, though its unit stays the mass printed."""
    kind = unit_kind(unit)
    if kind == "mass" and GHG_GAS_RE.search(NOT_GHG_RE.sub(" ", context)):
        return "tCO2e", unit_kind("tCO2e")
    return unit, kind


def _note(trace: Trace | None, what: str, decision: str, rule: str) -> None:
    if trace is not None:
        trace.add(what, decision, rule)


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts
