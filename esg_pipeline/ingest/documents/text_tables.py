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
  a header line that repeats itself, then `label value label value` rows; or, under a repeated header of
  periods (`Indicator 2023 2022 Indicator 2023 2022`, a two-column page flattened to text), rows of
  `label v1 v2 label v1 v2`, each figure under its own period.

Conservative by design: a table needs a header (≥2 periods, or column headers over ≥2 value columns, or pipes)
and ≥2 value rows; a paragraph that happens to hold numbers is not a table.

The layouts live one module each (text_pipe, text_aligned, text_rows, text_inline) over text_grid; the cell
helpers (`is_number`, `split_label`, `build_columns`, ...) in table_cells are shared with the HTML reader.
"""
from __future__ import annotations

import re
from bisect import bisect_left

from esg_pipeline.ingest.documents.model import Block
from esg_pipeline.ingest.documents.text_aligned import aligned_tables, stacked_tables
from esg_pipeline.ingest.documents.text_grid import _Line, _lines
from esg_pipeline.ingest.documents.text_inline import inline_tables, side_by_side_tables
from esg_pipeline.ingest.documents.text_pipe import pipe_tables
from esg_pipeline.ingest.documents.text_rows import row_year_tables


# --- all layouts ----------------------------------------------------------------------------

DETECTORS = (pipe_tables, row_year_tables, side_by_side_tables, aligned_tables, stacked_tables, inline_tables)


def find_text_tables(text: str) -> list[Block]:
    """Tables in every layout, earlier detectors first; a later table overlapping an earlier one is dropped."""
    lines = _lines(text)
    starts = [ln.start for ln in lines]  # increasing: a table's first line is found by bisection
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
            block.table.caption = _caption_above(lines, block, taken, starts)
    return blocks


CAPTION_MAX_CHARS = 100
_UNIT_LINE_RE = re.compile(r"^\(?\s*units?\s*[:：]", re.I)


def _caption_above(lines: list[_Line], block: Block, taken: list[tuple[int, int]], starts: list[int]) -> str:
    """The title or unit line right above a table (at most one blank line between), if short."""
    k = bisect_left(starts, block.start)
    if k == len(starts) or starts[k] != block.start:  # a table starting inside a line has no line above it
        return ""
    n = lines[k].n
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
