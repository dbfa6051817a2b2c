"""Two tables printed side by side under one repeated header, and whole data sheets a transcript
flattened onto one long line."""
from __future__ import annotations

import re

from esg_pipeline.ingest.documents.model import Block, Cell, Row, Table
from esg_pipeline.ingest.documents.periods import find_periods, period_year
from esg_pipeline.ingest.documents.table_cells import (
    build_columns, column_kind, is_empty_value, is_unit_header, split_label,
)
from esg_pipeline.ingest.documents.text_grid import _block, _is_value_token, _join, _Line, _lines, _Span, _tokens
from esg_pipeline.ingest.documents.text_rows import ROW_HEADER_MAX_WORDS, _row_tokens, _unit_start


# --- two tables side by side: `label v label v` rows under a header repeated twice ---------------------

_PAREN_TAIL_RE = re.compile(r"(\S+\s*\([^()]*\))$")


def side_by_side_tables(text: str, lines: list[_Line] | None = None) -> list[Block]:
    """A header line that is the same headers twice (`Item Amount (RMB) Item Amount (RMB)`), then rows of
    `label value label value`: one table, the left pairs' rows first, then the right pairs'."""
    lines = lines if lines is not None else _lines(text)
    blocks: list[Block] = []
    n = 0
    while n < len(lines):
        texts = lines[n].text.split() if "|" not in lines[n].text else []  # the words _tokens would find
        half = len(texts) // 2
        if half < 2 or len(texts) % 2 or len(texts) > ROW_HEADER_MAX_WORDS or texts[:half] != texts[half:]:
            n = _next_line(blocks, _two_titled_period_headers(lines, n, texts, text), n)
            continue
        words = _tokens(lines[n])
        k = 0
        while k < half - 1 and period_year(words[half - 1 - k].text) is not None:
            k += 1
        if k >= 2:  # 'Indicator 2023 2022 Indicator 2023 2022': two tables of several periods each
            n = _next_line(blocks, _side_by_side_periods(lines, n, words, half, k, text), n)
            continue
        head = _join(words[:half])  # 'Item Amount (RMB) Item Amount (RMB)': one value column each side
        m = _PAREN_TAIL_RE.search(head)
        value_header = m.group(1) if m else words[half - 1].text
        n = _next_line(blocks, _side_by_side_periods(lines, n, words, half, 1, text,
                                                     head[:len(head) - len(value_header)].strip(), [value_header]), n)
    return blocks


_YEARISH_RE = re.compile(r"(?:19|20)\d\d|FY\s?\d\d")


def _next_line(blocks: list[Block], found: tuple[Block, int] | None, n: int) -> int:
    """The line to go on from: after the table `found` ended (kept in `blocks`), else the next one."""
    if found is None:
        return n + 1
    blocks.append(found[0])
    return found[1] + 1


def _two_titled_period_headers(lines: list[_Line], n: int, texts: list[str], text: str) -> tuple[Block, int] | None:
    """'Environment 2023 2022 Social 2023 2022': two tables' headers side by side, each its own title then the
    same periods; the line ends with the second run of periods."""
    if len(texts) > ROW_HEADER_MAX_WORDS or len(_YEARISH_RE.findall(lines[n].text)) < 4:
        return None
    words = _tokens(lines[n])
    runs = _period_runs(words)
    if len(runs) != 2 or runs[1][1] != len(words) or runs[0][0] == 0 or runs[1][0] - runs[0][1] < 1:
        return None
    (a1, b1), (a2, b2) = runs
    if [w.text for w in words[a1:b1]] != [w.text for w in words[a2:b2]]:
        return None
    return _side_by_side_periods(lines, n, words, b1, b1 - a1, text,
                                 f"{_join(words[:a1])} / {_join(words[b1:a2])}")


def _side_by_side_periods(lines: list[_Line], n: int, words, half: int, k: int, text: str,
                          label_header: str | None = None, headers: list[str] | None = None
                          ) -> tuple[Block, int] | None:
    """Rows of `label v1 … vk label v1 … vk` under a header of the same label and k value headers (periods,
    unless `headers` names them) twice: one table, the left rows first, then the right ones, each figure under
    its own header."""
    headers = headers if headers is not None else [w.text for w in words[half - k:half]]
    label_header = label_header if label_header is not None else _join(words[:half - k])
    left: list[Row] = []
    right: list[Row] = []
    last = n
    for line in lines[n + 1:]:
        tokens = _tokens(line)
        at = [i for i, w in enumerate(tokens) if _is_value_token(w.text)]
        if len(at) != 2 * k or at[0] == 0 or at[-1] != len(tokens) - 1 or at[k - 1] - at[0] != k - 1 or \
                at[-1] - at[k] != k - 1 or at[k] - at[k - 1] < 2:
            break
        for side, a, first in ((left, 0, 0), (right, at[k - 1] + 1, k)):
            label, notes = split_label(_join(tokens[a:at[first]]))
            cells = [Cell(text=tokens[i].text, col=c, start=tokens[i].start, end=tokens[i].end)
                     for c, i in enumerate(at[first:first + k]) if not is_empty_value(tokens[i].text)]
            side.append(Row(label=label, notes=notes, cells=cells, start=tokens[a].start,
                            end=tokens[at[first + k - 1]].end))
        last = line.n
    if len(left) < 2:
        return None
    table = Table(columns=build_columns(headers), rows=left + right, source="text-side-by-side",
                  header_rows=[[label_header, *headers, label_header, *headers]])
    return _block(table, lines, n, last, text), last


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


# Two neighbouring words that each hold two digits in a row: every period word does ('2022', 'FY22'), so a
# line without such a pair has no run of periods and is not tokenised (most long lines are prose).
_TWO_PERIOD_WORDS_RE = re.compile(r"\d\d\S*\s+\S*\d\d")


def inline_tables(text: str, lines: list[_Line] | None = None) -> list[Block]:
    """Tables a PDF transcript or scraped page flattened onto one long line: a run of ≥2 periods, then
    `label [unit] v1 … vk` segments with as many figures as the table's rows mostly have (≥ one per period).
    A shorter run of figures is part of the next label ('Scope 1 - Total'); extra figures past the periods
    are unnamed columns (the change between them)."""
    lines = lines if lines is not None else _lines(text)
    blocks: list[Block] = []
    for line in lines:
        if len(line.text) < INLINE_MIN_CHARS or not _TWO_PERIOD_WORDS_RE.search(line.text):
            continue
        words = _row_tokens(line)
        runs = _period_runs(words)
        found = False
        for idx, (a, b) in enumerate(runs):
            stop = runs[idx + 1][0] if idx + 1 < len(runs) else len(words)
            prev_end = runs[idx - 1][1] if idx else 0
            # once the line has shown itself a data sheet, a section of it may hold a row or two
            block = _inline_table(words, a, b, stop, prev_end, text, 1 if found else INLINE_MIN_ROWS)
            if block is not None:
                blocks.append(block)
                found = True
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


def _inline_table(words: list[_Span], a: int, b: int, stop: int, prev_end: int, text: str,
                  min_rows: int = INLINE_MIN_ROWS) -> Block | None:
    k = b - a
    segments = _inline_segments(words, b, stop)
    lengths = [len(v) for _, v in segments if len(v) >= k]
    if len(lengths) < min_rows:
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
    if len(table.rows) < min_rows:
        return None
    start = lead[0].start if lead else words[a].start
    end = table.rows[-1].end
    return Block(kind="table", text=text[start:end], start=start, end=end, table=table)
