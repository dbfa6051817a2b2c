"""Page layout from placed words: lines, text columns, reading order, and blocks (headings,
paragraphs, list items).

Works on any words with boxes (PDF glyph runs, OCR words). Tables are found before this and enter
only as anchors (their boxes), so they are read where they sit.
"""
from __future__ import annotations

import bisect
import itertools
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from esg_pipeline.ingest.documents.model import Box, Word

# Two words are on one line when their boxes overlap vertically by this share of the smaller height
# (superscripts and mixed fonts overlap less than fully; the next line does not overlap at all).
ROW_OVERLAP_SHARE = 0.5
# Column gutters: searched in the middle of the text span (outside this margin share of it), at least
# this wide (points, or this share of the body text height), crossed by few words (titles, footers).
GUTTER_SEARCH_MARGIN = 0.15
MIN_GUTTER_WIDTH = 6.0
MIN_GUTTER_HEIGHT_SHARE = 0.8
GUTTER_CROSSING_ROWS_SHARE = 0.1
MIN_CROSSING_ROWS = 2  # a title above and a footer below may always cross
MAX_COLUMNS = 3
# A text column holds prose: enough lines, several words a line, lines that fill its width, and a
# width that is a fair share of the text span. A label/value layout has a narrow, short value column.
MIN_COLUMN_LINES = 3
MIN_COLUMN_WORDS_PER_LINE = 3
MIN_COLUMN_FILL = 0.5
MIN_COLUMN_WIDTH_SHARE = 0.2
MIN_WORDY_SHARE = 0.7  # text columns (and a title or caption beside one) are mostly words, not figures
# An empty strip this many body-line heights tall across all columns ends a band of columns.
SECTION_GAP_LINES = 2.5
# Headings: a line this much larger than the body text, or a short bold line.
HEADING_SIZE_RATIO = 1.15
HEADING_MAX_WORDS = 20
BOLD_HEADING_MAX_WORDS = 12
SIZE_STEP = 0.5  # points: heading sizes closer than this are one level
# Paragraphs: a line pitch this much above the page's normal pitch starts a new paragraph; so does
# a line after a sentence-ending line shorter than this share of the column width, or a first-line
# indent of this many line heights. Sizes within this ratio are one font size.
PARAGRAPH_PITCH_RATIO = 1.35
SHORT_LAST_LINE_SHARE = 0.8
INDENT_LINES = 1.0
SAME_SIZE_RATIO = 0.12
WIDE_GAP_LINES = 2.0  # a gap of this many glyph heights inside a line: a label/value row, not prose
MAX_LINE_PITCH_SHARE = 2.0  # lines further apart than this many glyph heights are never one paragraph's
DEFAULT_PITCH_SHARE = 1.1  # line pitch / glyph box height when a page has no two body lines in a row

BULLET_RE = re.compile(r"^(?:[•·▪■●◦○‣⁃➢➤►▶✓✔\-–—*]|\(?\d{1,2}[.)]|\(?[a-zA-Z][.)]|\([ivx]{1,4}\))(?=\s)")
SENTENCE_END = (".", "!", "?", ":", ";", "。")
FULL = -1  # the column index of a line or table that spans the gutters


@dataclass
class Line:
    words: list[Word]
    column: int = FULL

    def __post_init__(self) -> None:
        self.text = " ".join(w.text for w in self.words)
        self.x0, self.x1 = self.words[0].x0, max(w.x1 for w in self.words)
        self.top, self.bottom = min(w.top for w in self.words), max(w.bottom for w in self.words)
        self.box: Box = (self.x0, self.top, self.x1, self.bottom)
        self.size = statistics.median(w.height for w in self.words)
        self.bold = all(w.bold for w in self.words)


@dataclass
class Anchor:
    """A table's place on the page: read where its box sits."""

    index: int
    box: Box
    column: int = FULL

    x0 = property(lambda self: self.box[0])
    top = property(lambda self: self.box[1])
    x1 = property(lambda self: self.box[2])
    bottom = property(lambda self: self.box[3])


@dataclass
class PageLayout:
    page: int
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    gutters: list[tuple[float, float]] = field(default_factory=list)  # (x0, x1) of each gutter
    body_size: float = 10.0


@dataclass
class LayoutBlock:
    kind: str  # "heading", "paragraph", "list_item", "table"
    text: str
    box: Box
    page: int
    level: int = 0
    size: float = 0.0
    table_index: int | None = None


# --- lines and columns -------------------------------------------------------------------------

def _overlaps(word: Word, ref: Word) -> bool:
    overlap = min(word.bottom, ref.bottom) - max(word.top, ref.top)
    return overlap >= ROW_OVERLAP_SHARE * min(word.height, ref.height)


def group_rows(words: list[Word]) -> list[list[Word]]:
    """Words on one visual row (overlapping the row's first word vertically), each row left to right."""
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        if rows and _overlaps(word, rows[-1][0]):
            rows[-1].append(word)
        else:
            rows.append([word])
    return [sorted(row, key=lambda w: w.x0) for row in rows]


def _body_size(words: list[Word]) -> float:
    """The median glyph height, each word weighing as many glyphs as it has."""
    weighted = sorted((w.height, max(len(w.text), 1)) for w in words)
    middle, seen = sum(n for _, n in weighted) // 2, 0
    for height, n in weighted:
        seen += n
        if seen > middle:
            return height
    return 10.0


def _low_runs(coverage: list[int], lo: int, hi: int, level: int, min_width: float) -> list[tuple[int, int]]:
    runs, start = [], None
    for x in range(lo, hi + 2):
        low = x <= hi and coverage[x] <= level
        if low and start is None:
            start = x
        elif not low and start is not None:
            if x - start >= min_width:
                runs.append((start, x))
            start = None
    return runs


def _gutter_candidates(words: list[Word], rows: int, body: float) -> list[tuple[int, int]]:
    """The emptiest vertical bands in the middle of the text: at the lowest crossing count that has any."""
    left, right = min(w.x0 for w in words), max(w.x1 for w in words)
    margin = GUTTER_SEARCH_MARGIN * (right - left)
    lo, hi = max(0, int(left + margin)), int(right - margin)  # text drawn left of the page is no column
    if hi <= lo:
        return []
    # words per point column: +1 where a word starts, -1 after it ends, summed left to right
    steps = [0] * (int(right) + 3)
    for word in words:
        start, end = max(lo, int(word.x0)), min(hi, int(word.x1))
        if start <= end:
            steps[start] += 1
            steps[end + 1] -= 1
    coverage = list(itertools.accumulate(steps))
    min_width = max(MIN_GUTTER_WIDTH, MIN_GUTTER_HEIGHT_SHARE * body)
    for level in range(0, max(MIN_CROSSING_ROWS, int(GUTTER_CROSSING_ROWS_SHARE * rows)) + 1):
        runs = _low_runs(coverage, lo, hi, level, min_width)
        if runs:
            return sorted(runs, key=lambda r: r[0] - r[1])[:MAX_COLUMNS]  # widest first
    return []


def _column_stats(pieces: list[list[Word]]) -> tuple[float, list[float]]:
    x0 = min(p[0].x0 for p in pieces)
    return max(w.x1 for p in pieces for w in p) - x0, [max(w.x1 for w in p) - p[0].x0 for p in pieces]


def _is_text_column(pieces: list[list[Word]], span: float) -> bool:
    """Prose: enough lines, several words a line, lines that fill a fair share of the text span."""
    if len(pieces) < MIN_COLUMN_LINES:
        return False
    width, widths = _column_stats(pieces)
    return (width >= MIN_COLUMN_WIDTH_SHARE * span and _wordy(pieces)
            and statistics.median(len(p) for p in pieces) >= MIN_COLUMN_WORDS_PER_LINE
            and statistics.median(widths) >= MIN_COLUMN_FILL * width)


def _is_side_text(pieces: list[list[Word]], span: float) -> bool:
    """Words beside a prose column (a big title, a caption): wide enough and made of words, not the
    figures of a label/value layout."""
    return bool(pieces) and _column_stats(pieces)[0] >= MIN_COLUMN_WIDTH_SHARE * span and _wordy(pieces)


def _wordy(pieces: list[list[Word]]) -> bool:
    """Mostly words, not figures: the columns of a table's numbers are no text column."""
    words = [w for p in pieces for w in p]
    wordy = sum(1 for w in words if sum(map(str.isalpha, w.text)) > len(w.text) / 2)
    return wordy >= MIN_WORDY_SHARE * len(words)


def _are_columns(columns: list[list[list[Word]]], span: float) -> bool:
    prose = [_is_text_column(pieces, span) for pieces in columns]
    if not any(prose):
        return False
    return all(is_prose or _is_side_text(pieces, span) for is_prose, pieces in zip(prose, columns))


def _middles(gutters: list[tuple[float, float]]) -> list[float]:
    """The gutters' middle x, left to right: a word belongs to the column between two middles."""
    return sorted((g0 + g1) / 2 for g0, g1 in gutters)


def _crosses(row: list[Word], gutters: list[tuple[float, float]]) -> bool:
    """A row that spans a gutter: a word over its middle, or an ordinary word space inside it."""
    for g0, g1 in gutters:
        middle = (g0 + g1) / 2
        if any(w.x0 < middle < w.x1 for w in row):
            return True
        left = [w for w in row if w.x1 <= middle]
        right = [w for w in row if w.x0 >= middle]
        if left and right and right[0].x0 - left[-1].x1 < (g1 - g0) / 2:
            return True
    return False


def _column_of(x0: float, x1: float, middles: list[float]) -> int:
    """The column (0 leftmost) of a box, or FULL for one across a gutter's middle."""
    column = bisect.bisect_right(middles, x0)
    if column < len(middles) and middles[column] < x1:
        return FULL
    return column


def _split_rows(rows: list[list[Word]], gutters: list[tuple[float, float]]) -> list[Line]:
    """Lines: a row that spans the gutters whole, the others cut at them (column by column, a big title
    in one column spans several lines of the next: each column's words are regrouped)."""
    if not gutters:
        return [Line(row, 0) for row in rows]
    lines: list[Line] = []
    middles = _middles(gutters)
    for row in rows:
        if _crosses(row, gutters):
            lines.append(Line(row, FULL))
            continue
        for column, words in sorted(_by_column(row, middles).items()):
            lines.extend(Line(part, column) for part in group_rows(words))
    return lines


def _by_column(words: list[Word], middles: list[float]) -> dict[int, list[Word]]:
    by_column: dict[int, list[Word]] = defaultdict(list)
    for word in words:
        by_column[_column_of(word.x0, word.x1, middles)].append(word)
    return by_column


def _column_pieces(rows: list[list[Word]], gutters: list[tuple[float, float]]) -> list[list[list[Word]]]:
    """Per column, each row's words in it (rows that span a gutter left out)."""
    columns: list[list[list[Word]]] = [[] for _ in range(len(gutters) + 1)]
    middles = _middles(gutters)
    for row in rows:
        if not _crosses(row, gutters):
            for column, words in _by_column(row, middles).items():
                columns[column].append(words)
    return columns


def find_gutters(rows: list[list[Word]], body: float) -> list[tuple[float, float]]:
    """Up to MAX_COLUMNS - 1 gutters with a text column on each side; none for label/value layouts."""
    words = [w for row in rows for w in row]
    if len(rows) < MIN_COLUMN_LINES:
        return []
    span = max(w.x1 for w in words) - min(w.x0 for w in words)
    candidates = _gutter_candidates(words, len(rows), body)
    trials = [sorted(candidates[:2])] + [[c] for c in candidates] if len(candidates) > 1 else [[c] for c in candidates]
    for gutters in trials:
        if _are_columns(_column_pieces(rows, gutters), span):
            return [(float(g0), float(g1)) for g0, g1 in gutters]
    return []


def page_gutters(words: list[Word]) -> list[tuple[float, float]]:
    return find_gutters(group_rows(words), _body_size(words)) if words else []


def column_groups(words: list[Word], gutters: list[tuple[float, float]]) -> list[list[int]]:
    """Indices of the words in each text column, and of those spanning the gutters, so a table
    finder can look at one column at a time (a table beside prose must not take the prose lines)."""
    groups: dict[int, list[int]] = defaultdict(list)
    middles = _middles(gutters)
    for index, word in enumerate(words):
        groups[_column_of(word.x0, word.x1, middles)].append(index)
    return [groups[key] for key in sorted(groups)]


def page_layout(words: list[Word], page: int, width: float, height: float,
                gutters: list[tuple[float, float]] | None = None) -> PageLayout:
    rows = group_rows(words)
    body = _body_size(words)
    if gutters is None:
        gutters = find_gutters(rows, body)
    return PageLayout(page, width, height, _split_rows(rows, gutters), gutters, body)


# --- reading order -------------------------------------------------------------------------------

def reading_order(items: list[Line | Anchor], section_gap: float) -> list[Line | Anchor]:
    """Top to bottom; within a band of columns, columns left to right. A band ends at a full-width
    item, or at an empty strip taller than `section_gap` across all columns."""
    ordered: list[Line | Anchor] = []
    pending: dict[int, list[Line | Anchor]] = defaultdict(list)
    band_bottom = float("-inf")

    def flush() -> None:
        for column in sorted(pending):
            ordered.extend(sorted(pending[column], key=lambda item: item.top))
        pending.clear()

    for item in sorted(items, key=lambda item: (item.top, item.x0)):
        if item.column == FULL or item.top - band_bottom > section_gap:
            flush()
            band_bottom = float("-inf")
        if item.column == FULL:
            ordered.append(item)
        else:
            pending[item.column].append(item)
        band_bottom = max(band_bottom, item.bottom)
    flush()
    return ordered


# --- blocks --------------------------------------------------------------------------------------

def join_lines(texts: list[str]) -> str:
    """Lines of one paragraph as one text: `environ-` + `mental` -> `environmental`, `CO2-` + `free`
    -> `CO2-free`, otherwise a space."""
    out = ""
    for text in texts:
        if out.endswith("-") and text[:1].islower():
            out = out[:-1] + text if out[-2:-1].islower() else out + text
        else:
            out = f"{out} {text}" if out else text
    return out


def _same_size(a: float, b: float) -> bool:
    return abs(a - b) <= SAME_SIZE_RATIO * max(a, b)


def _is_heading(line: Line, body: float) -> bool:
    words = len(line.words)
    if not any(c.isalpha() for c in line.text):
        return False
    if line.size >= HEADING_SIZE_RATIO * body and words <= HEADING_MAX_WORDS:
        return True
    return line.bold and words <= BOLD_HEADING_MAX_WORDS and not line.text.endswith(SENTENCE_END)


def _normal_pitch(lines: list[Line], body: float) -> float:
    """The page's usual distance from one body line's top to the next one's."""
    pitches = [b.top - a.top for a, b in zip(lines, lines[1:])
               if a.column == b.column and _same_size(a.size, body) and _same_size(b.size, body)
               and 0 < b.top - a.top < MAX_LINE_PITCH_SHARE * a.size]
    return statistics.median(pitches) if pitches else DEFAULT_PITCH_SHARE * body


@dataclass
class _Run:
    """Lines of one block being built."""

    kind: str
    lines: list[Line]


def _has_wide_gap(line: Line) -> bool:
    """A label/value row (or a row of figures): prose lines have no gap this wide."""
    return any(b.x0 - a.x1 > WIDE_GAP_LINES * a.height for a, b in zip(line.words, line.words[1:]))


def _same_column(prev: Line, line: Line) -> bool:
    """The same column; or a wide line (a caption across the gutter) going on in the column below it."""
    if line.column == prev.column:
        return True
    return FULL in (line.column, prev.column) and abs(line.x0 - prev.x0) < line.size


def _continues(run: _Run, line: Line, pitch: float, right: float, body: float) -> bool:
    prev = run.lines[-1]
    if not _same_column(prev, line) or not _same_size(line.size, prev.size):
        return False
    if line.top - prev.top > PARAGRAPH_PITCH_RATIO * pitch * line.size / body or line.top <= prev.top:
        return False
    if run.kind == "heading":
        return _is_heading(line, body) and line.bold == prev.bold
    if _is_heading(line, body) or BULLET_RE.match(line.text) or _has_wide_gap(line) or _has_wide_gap(prev):
        return False
    width = right - min(l.x0 for l in run.lines)
    short = prev.text.endswith(SENTENCE_END) and prev.x1 - prev.x0 < SHORT_LAST_LINE_SHARE * width
    if short:
        return False
    if run.kind == "list_item":
        return line.x0 > run.lines[0].x0 + 0.5 * line.size  # hanging indent under the item's text
    indented = line.x0 > prev.x0 + INDENT_LINES * line.size
    return not indented


def _runs(items: list[Line | Anchor], layout: PageLayout) -> list[_Run | Anchor]:
    lines = [item for item in items if isinstance(item, Line)]
    pitch = _normal_pitch(lines, layout.body_size)
    right_of: dict[int, float] = defaultdict(float)
    for line in lines:
        right_of[line.column] = max(right_of[line.column], line.x1)
    out: list[_Run | Anchor] = []
    for item in items:
        last = out[-1] if out else None
        if isinstance(item, Anchor):
            out.append(item)
        elif isinstance(last, _Run) and _continues(last, item, pitch, right_of[item.column], layout.body_size):
            last.lines.append(item)
        else:
            kind = ("heading" if _is_heading(item, layout.body_size)
                    else "list_item" if BULLET_RE.match(item.text) else "paragraph")
            out.append(_Run(kind, [item]))
    return out


def _block(run: _Run, page: int) -> LayoutBlock:
    boxes = [line.box for line in run.lines]
    box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    return LayoutBlock(run.kind, join_lines([line.text for line in run.lines]), box, page,
                       size=statistics.median(line.size for line in run.lines))


def page_blocks(layout: PageLayout, table_boxes: list[Box] = ()) -> list[LayoutBlock]:
    """The page's blocks in reading order; tables as blocks of kind 'table' naming their index."""
    anchors = [Anchor(i, box, _column_of(box[0], box[2], _middles(layout.gutters)))
               for i, box in enumerate(table_boxes)]
    items = reading_order([*layout.lines, *anchors], SECTION_GAP_LINES * layout.body_size)
    blocks = []
    for run in _runs(items, layout):
        if isinstance(run, Anchor):
            blocks.append(LayoutBlock("table", "", run.box, layout.page, table_index=run.index))
        else:
            blocks.append(_block(run, layout.page))
    return blocks


def assign_heading_levels(blocks: list[LayoutBlock]) -> None:
    """Level 1 for the document's largest heading size, 2 for the next, ...; headings at body size
    (bold) come last."""
    sizes = sorted({round(b.size / SIZE_STEP) for b in blocks if b.kind == "heading"}, reverse=True)
    rank = {size: i + 1 for i, size in enumerate(sizes)}
    for block in blocks:
        if block.kind == "heading":
            block.level = rank[round(block.size / SIZE_STEP)]
