"""`label unit v1 v2` rows under a header row of years (or one year before a notes column), the unit
split from the label by the unit vocabulary, and headers printed one cell per line."""
from __future__ import annotations

import re

from esg_pipeline.ingest.documents.model import Block, Cell, Row, Table
from esg_pipeline.ingest.documents.periods import find_periods, period_year
from esg_pipeline.ingest.documents.table_cells import (
    EMPTY_PHRASE_RE, build_columns, column_kind, is_empty_value, is_unit_header, split_label,
)
from esg_pipeline.ingest.documents.text_aligned import STACKED_MAX_HEADER_CHARS
from esg_pipeline.ingest.documents.text_grid import (
    _block, _is_value_token, _join, _Line, _lines, _place_ragged, _Span, _span, _tokens,
)


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
    if "(" not in text:
        return []  # most lines: no character loop
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
    periods = find_periods(text)
    if not periods:
        return [], []  # no period: the groups matter to no caller
    parens = _paren_spans(text)
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
    # A sentence or a long line is no header: tested first, by the word count alone (str.split and the
    # tokens' \S+ split at the same characters), so prose lines cost neither periods nor word spans.
    if line.text.rstrip().endswith((".", ",", ";", ":")) or len(line.text.split()) > ROW_HEADER_MAX_WORDS:
        return None
    periods, parens = _header_periods(line.text)
    if not periods:
        return None
    words = _tokens(line)
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
    from esg_pipeline.extract.unit_parse import parse_unit

    candidates = list(_unit_starts(words))
    # 'ISO 14001 % of sites certified %': a unit word inside the label starts a tail that reads as no unit;
    # the first start whose tail reads as a unit wins, else the first start
    for i in candidates:
        if parse_unit(_join(words[i:])) is not None:
            return i
    return candidates[0] if candidates else None


def _unit_starts(words: list[_Span]):
    """Every index where a unit could start (see `_unit_start`), first to last."""
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
        if head in MEASURE_UNITS or head in CURRENCIES or pair in MEASURE_UNITS or _is_unit_pair(pair) or \
                head in {"number", "no.", "persons", "people", "times", "cases", "ea", "%"} or _is_ratio_unit(w) or \
                _is_symbol_unit(words[i].text):
            if _in_label_phrase(words, i) and not _after_magnitude_of(words, i):
                continue
            if _after_magnitude_of(words, i):  # 'Millions of liters'
                i -= 1
            while i > 1 and _UNIT_MAGNITUDE_RE.match(words[i - 1].text):
                i -= 1
            yield i


def _reads_as_measure(text: str) -> bool:
    """The unit vocabulary reads `text` as a unit of measure (not a bare scale, not a count)."""
    from esg_pipeline.extract.unit_parse import parse_unit

    spec = parse_unit(text)
    return spec is not None and spec.unit not in ("", "count")


def _is_unit_pair(pair: str) -> bool:
    """Two words the unit vocabulary reads as one unit, whatever follows a slash: 'cubic metre/person'."""
    head = re.split(r"[/(]", pair)[0]
    return " " in head.strip() and _reads_as_measure(head)


def _is_symbol_unit(word: str) -> bool:
    """A unit symbol the vocabulary reads in another case than its own: 'MTCO2e' (metric tonnes), 'M3'."""
    return (any(c.isdigit() for c in word) or any(c.isupper() for c in word[1:])) and _reads_as_measure(word)


def _is_ratio_unit(word: str) -> bool:
    """A unit written as one ratio word the vocabulary lacks at its head: 't-CO2/m²', 'g/MWh'."""
    from esg_pipeline.extract.unit_parse import parse_unit

    return "/" in word and word[0].isalpha() and parse_unit(word) is not None


def _after_magnitude_of(words: list[_Span], i: int) -> bool:
    """'Millions of liters': a unit after a magnitude word and 'of'."""
    return i >= 3 and words[i - 1].text.lower() == "of" and _UNIT_MAGNITUDE_RE.match(words[i - 2].text) is not None


def _in_label_phrase(words: list[_Span], i: int) -> bool:
    """The unit word at i is read by the label ('per MJ', 'as %', 'per 1000 m3', 'per million RMB'), not the
    unit column."""
    before = [w.text.lower() for w in words[max(i - 2, 0):i]]
    if before and before[-1] in _LABEL_UNIT_LEADS:
        return True
    return len(before) == 2 and before[0] in _LABEL_UNIT_LEADS and (
        re.fullmatch(r"[\d,.]+", before[1]) is not None or _UNIT_MAGNITUDE_RE.match(before[1]) is not None)




PAGE_LIST_RE = re.compile(r"\d{1,4}(?:,\s?\d{1,4})+")  # '41, 46' under 'Report Pages'


def _row_tokens(line: _Line) -> list[_Span]:
    """The words of a single-spaced row, a not-available phrase as one word."""
    return [_Span(m.group(), line.start + m.start(), line.start + m.end())
            for m in EMPTY_PHRASE_RE.finditer(line.text)]


# 'Scope 3', 'Category 6', 'Tier 1': a small whole number after these words is part of the label
_NUMBERED_LABEL_WORDS = re.compile(r"^(?:scope|category|cat\.?|tier|phase|level|grade|class)$", re.I)


def _numbers_label(words: list[_Span], i: int) -> bool:
    """'Scope 3 402,115 455,870': the 3 numbers the label's scope, not a figure of the first period."""
    return i > 0 and re.fullmatch(r"\d{1,2}", words[i].text) is not None and \
        _NUMBERED_LABEL_WORDS.match(words[i - 1].text) is not None


def _closes_label_paren(words: list[_Span], i: int) -> bool:
    """'(new hires, under 29)': a figure closing a parenthesis the label opened is part of the label."""
    if not words[i].text.endswith(")") or "(" in words[i].text:
        return False
    before = "".join(w.text for w in words[:i])
    return before.count("(") > before.count(")")


def _trailing_unit(words: list[_Span], width: int) -> tuple[list[_Span], list[_Span]]:
    """A row under a header whose last column is 'Unit': (the words up to its last figure, the unit words
    after it). A magnitude printed as a figure ('1,000 m3') is the unit's when the row has more figures than
    periods; a row with no figure keeps its words."""
    j = len(words)
    while j > 0 and not _is_value_token(words[j - 1].text) and not is_empty_value(words[j - 1].text):
        j -= 1
    if j == 0 or j == len(words):
        return words, []
    values = 0
    while values < j and (_is_value_token(words[j - 1 - values].text) or is_empty_value(words[j - 1 - values].text)):
        values += 1
    if values > width and _UNIT_MAGNITUDE_RE.match(words[j - 1].text):
        j -= 1
    return words[:j], words[j:]


def _is_unit_only(words: list[_Span]) -> bool:
    """A row's words before its figures are a unit and nothing else ('tCO2e', 'kWh/employee')."""
    from esg_pipeline.extract.unit_parse import parse_unit

    if not words or len(words) > 3:
        return False
    spec = parse_unit(_join(words))
    return spec is not None and spec.surface.strip().lower() == _join(words).strip().lower()


def _unit_header_above(lines: list[_Line], n: int) -> str | None:
    """'Item Coverage Unit Results' over a line of periods alone: the column headers were printed on the line
    above the periods (a two-row header), and one of them is the unit column's."""
    above = next((ln for ln in reversed(lines[max(n - 2, 0):n]) if not ln.blank), None)
    if above is None or len(_tokens(above)) > ROW_HEADER_MAX_WORDS:
        return None
    return next((w.text for w in _tokens(above) if is_unit_header(w.text)), None)


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


_BRACKETED_TAIL_RE = re.compile(r"[(\[][^()\[\]]{1,40}[)\]]\s*$")  # a caption's unit: "(tCO2e)", "[ML]"
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
            if any(_is_value_token(w) for w in ln.text.split()) and not find_periods(s):  # _tokens' texts
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
    # 'Coverage FY2021 FY2022 FY2023 Unit': a unit column printed after the periods (Japanese data books);
    # every row then ends in its unit ('… 2,118 2,065 thousand m3'), or leaves it to the row above
    unit_last = unit_header is None and len(headers) > 2 and is_unit_header(headers[-1][0])
    if unit_last:
        unit_header, headers = headers[-1][0], headers[:-1]
    elif unit_header is None and not lead and not stacked:
        unit_header = _unit_header_above(lines, n)
    columns = build_columns([h for h, _, _ in headers])
    table = Table(columns=columns, header_rows=[[_join(lead), *([unit_header] if unit_header else []),
                                                  *(h for h, _, _ in headers)]],
                  unit_header=unit_header, source="text-row-years")
    groups: list[tuple[int, str]] = []
    pending: list[tuple[_Line, list[_Span], list[_Span]]] = []
    units_after: dict[int, list[_Span]] = {}  # line number -> the unit words printed after its figures
    blank_run, last = 0, n
    page_column = bool(columns) and columns[-1].kind == "note"
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
        tail: list[_Span] = []
        if unit_last:
            words, tail = _trailing_unit(words, len(columns))
        if page_column and len(words) > 2 and PAGE_LIST_RE.fullmatch(line.text, words[-2].start - line.start):
            # 'Report Pages' listing several pages ('41, 46'): one cell
            words = [*words[:-2], _Span(f"{words[-2].text} {words[-1].text}", words[-2].start, words[-1].end)]
        k = len(words)
        while k > 1 and (_is_value_token(words[k - 1].text) or (is_empty_value(words[k - 1].text)
                                                                and words[k - 1].text != "")
                         or page_column and k == len(words) and PAGE_LIST_RE.fullmatch(words[k - 1].text)) \
                and not _closes_label_paren(words, k - 1) and not _numbers_label(words, k - 1):
            k -= 1
        label_words, values = words[:k], words[k:]
        if not values:
            if len(line.text.strip()) > 60 or line.text.rstrip().endswith("."):
                break
            pending.append((line, label_words + tail, []))
        else:
            pending.append((line, label_words, values))
            if tail:
                units_after[line.n] = tail
        blank_run = 0
        last = line.n
    while pending and not pending[-1][2]:
        pending.pop()
    # A table has ≥2 rows of ≥2 figures (of its one figure under a one-period header); a header naming its
    # unit and page columns ('Indicator Unit 2023 Report Pages') heads a table of one row, and so does a
    # caption ending in a bracketed unit over ≥2 periods whose row fills every period
    # ('Direct emissions (tCO2e) 2023 2022 2021' / 'Scope 1 12,604 13,911 15,087').
    strong = (unit_header is not None and columns[-1].kind == "note") or (
        len(columns) >= 2 and _BRACKETED_TAIL_RE.search(_join(lead)) is not None
        and any(len(v) >= len(columns) for _, _, v in pending))
    if sum(len(v) >= min(2, len(columns)) for _, _, v in pending) < (1 if strong else 2):
        return None, n
    fullest = max((len(v) for _, _, v in pending), default=0)
    if columns[-1].kind == "note":
        fullest -= 1
    before: list[tuple[int, str]] | None = None  # the groups before a label-only line replaced them
    for line, label_words, values in pending:
        if not values:
            label, _ = split_label(_join(label_words))
            before, groups[:] = list(groups), [(0, label)]
            continue
        if len(values) > len(columns):  # the label ends in figures; the last ones are the values
            label_words = label_words + values[:len(values) - len(columns)]
            values = values[len(values) - len(columns):]
        unit = None
        if line.n in units_after:
            unit = _join(units_after[line.n])
        elif unit_header is not None and not unit_last:
            at = _unit_start(label_words)
            if at is not None:
                unit = _join(label_words[at:])
                label_words = label_words[:at]
            elif before is not None and _is_unit_only(label_words):
                # label-above-unit-row: 'Business travel' / 'tCO2e 13,400 610' — a label printed on its own
                # line over the row of its unit and figures is that row's label, not a group
                unit, label_words = _join(label_words), [_Span(groups[-1][1], line.start, line.start)]
                groups[:] = before
        before = None
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
