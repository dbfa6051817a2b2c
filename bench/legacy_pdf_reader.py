"""The pdfplumber reader of earlier releases (before the pypdfium2 document layer), kept only as the
benchmark's baseline: `bench_pdf.py` prints its pages per second beside the new reader's."""
from __future__ import annotations

import io
import statistics
from dataclasses import dataclass

from esg_pipeline.ingest.documents.decode import _is_pdf
from esg_pipeline.ingest.documents.model import TABLE_CELL_SEPARATOR, DocumentError

# --- PDF -----------------------------------------------------------------------------

@dataclass
class _Block:
    """Something placed on a PDF page: one line of words, or a table (several row lines)."""

    top: float
    bottom: float
    x0: float
    x1: float
    lines: list[str]
    column: str = "full"  # "left", "right" or "full" (spans the gutter / single-column page)


def _pdf_text(data: bytes, name: str) -> tuple[str, list[int]]:
    if not _is_pdf(data):
        raise DocumentError(f"{name}: corrupt PDF: no %PDF header")
    _reject_encrypted(data, name)
    try:
        pages = _pdfplumber_pages(data)
    except Exception as plumber_error:  # pdfminer raises many exception types on malformed files
        try:
            pages = _pypdf_pages(data)
        except Exception:
            raise DocumentError(f"{name}: corrupt PDF: {_first_line(plumber_error)}") from plumber_error
    if not any(page.strip() for page in pages):
        raise DocumentError(f"{name}: PDF has no extractable text (scanned images only?)")
    text = ""
    page_starts = []
    for page in pages:
        page_starts.append(len(text))
        text += page.strip("\n") + "\n\n"
    return text.rstrip("\n") + "\n", page_starts


def _first_line(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()
    return message[0] if message else type(exc).__name__


def _reject_encrypted(data: bytes, name: str) -> None:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if not reader.is_encrypted:
            return
    except Exception:
        return  # structural damage: let the parsers report it
    try:
        opened = reader.decrypt("")  # owner-password-only PDFs open with an empty user password
    except Exception:
        opened = 0
    if not opened:
        raise DocumentError(f"{name}: encrypted PDF (a password is required to read it)")


def _pypdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        reader.decrypt("")
    return [page.extract_text() or "" for page in reader.pages]


def _pdfplumber_pages(data: bytes) -> list[str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = []
        for page in pdf.pages:
            pages.append("\n".join(_page_lines(page.dedupe_chars())))
            page.close()
        return pages


def _page_lines(page) -> list[str]:
    tables = page.find_tables()
    boxes = [table.bbox for table in tables]
    words = [w for w in page.extract_words(use_text_flow=False)
             if not any(_centre_inside(w, box) for box in boxes)]
    rows = _word_rows(words)
    gutter = _find_gutter(rows, page.width)
    blocks = [block for row in rows for block in _row_blocks(row, gutter)]
    line_height = statistics.median(w["bottom"] - w["top"] for w in words) if words else 10.0
    for table in tables:
        x0, top, x1, bottom = table.bbox
        lines = [TABLE_CELL_SEPARATOR.join(" ".join((cell or "").split()) for cell in row).strip()
                 for row in table.extract()]
        lines = [line for line in lines if line.replace("|", "").strip()]
        block = _Block(top=top, bottom=bottom, x0=x0, x1=x1, lines=lines)
        block.column = _column_of(x0, x1, gutter)
        blocks.append(block)
    return _reading_order(blocks, section_gap=2.5 * line_height)


def _centre_inside(word: dict, box: tuple[float, float, float, float]) -> bool:
    x = (word["x0"] + word["x1"]) / 2
    y = (word["top"] + word["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _word_rows(words: list[dict]) -> list[list[dict]]:
    """Words grouped into visual rows (same baseline within a tolerance), each sorted left to right."""
    if not words:
        return []
    heights = [w["bottom"] - w["top"] for w in words]
    tolerance = max(1.0, 0.4 * statistics.median(heights))
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if rows and abs(word["top"] - rows[-1][0]["top"]) <= tolerance:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [sorted(row, key=lambda w: w["x0"]) for row in rows]


@dataclass(frozen=True)
class _Gutter:
    x: float  # centre of the empty vertical band between the columns
    width: float


def _find_gutter(rows: list[list[dict]], page_width: float) -> _Gutter | None:
    """Find an (almost) empty vertical band in the middle of the page with prose on both sides.

    Some rows may cross it (a title or footer spanning both columns). Label/value layouts also leave a
    band, but their value column is narrow; the width checks keep those pages single-column.
    """
    words = [w for row in rows for w in row]
    if len(rows) < 6 or len(words) < 30:
        return None
    lo, hi = int(page_width * 0.25), int(page_width * 0.75)
    coverage = [0] * (hi + 1)
    for word in words:
        for x in range(max(lo, int(word["x0"])), min(hi, int(word["x1"]) + 1) + 1):
            coverage[x] += 1
    allowed = max(2, len(rows) // 4)  # rows that may cross: titles, footers, wide figures
    # The emptiest band wins: a sparse column next to the gutter must not widen it.
    best = None
    for level in range(min(coverage[lo:]), allowed + 1):
        best = _widest_run(coverage, lo, hi, level)
        if best is not None and best[1] - best[0] >= 6:
            break
        best = None
    if best is None:
        return None
    gutter = _Gutter(x=(best[0] + best[1]) / 2, width=best[1] - best[0])
    left = [seg for seg in (_segment(row, lambda w: w["x1"] <= gutter.x) for row in rows) if seg]
    right = [seg for seg in (_segment(row, lambda w: w["x0"] >= gutter.x) for row in rows) if seg]
    if len(left) < 3 or len(right) < 3:
        return None
    widths = (_column_width(left), _column_width(right))
    # Text columns are wide, of similar width, and their lines fill them.
    if min(widths) < 0.25 * page_width or min(widths) < 0.5 * max(widths):
        return None
    if not (_fills_column(left, widths[0]) and _fills_column(right, widths[1])):
        return None
    return gutter


def _widest_run(coverage: list[int], lo: int, hi: int, level: int) -> tuple[int, int] | None:
    """(start, end) of the widest stretch of x in [lo, hi] covered by at most `level` words."""
    best: tuple[int, int] | None = None
    start = None
    for x in range(lo, hi + 2):
        low = x <= hi and coverage[x] <= level
        if low and start is None:
            start = x
        elif not low and start is not None:
            if best is None or x - start > best[1] - best[0]:
                best = (start, x)
            start = None
    return best


def _segment(row: list[dict], keep) -> tuple[float, float] | None:
    kept = [w for w in row if keep(w)]
    return (kept[0]["x0"], max(w["x1"] for w in kept)) if kept else None


def _column_width(segments: list[tuple[float, float]]) -> float:
    return max(x1 for _, x1 in segments) - min(x0 for x0, _ in segments)


def _fills_column(segments: list[tuple[float, float]], width: float) -> bool:
    return statistics.median(x1 - x0 for x0, x1 in segments) >= 0.5 * width


def _column_of(x0: float, x1: float, gutter: _Gutter | None) -> str:
    if gutter is None or (x0 < gutter.x < x1):
        return "full"
    return "left" if x1 <= gutter.x else "right"


def _row_blocks(row: list[dict], gutter: _Gutter | None) -> list[_Block]:
    def block(words: list[dict], column: str) -> _Block:
        return _Block(top=min(w["top"] for w in words), bottom=max(w["bottom"] for w in words),
                      x0=words[0]["x0"], x1=max(w["x1"] for w in words),
                      lines=[" ".join(w["text"] for w in words)], column=column)

    if gutter is None:
        return [block(row, "full")]
    left = [w for w in row if w["x1"] <= gutter.x]
    right = [w for w in row if w["x0"] >= gutter.x]
    crossing = len(left) + len(right) < len(row)
    # A spanning title whose word gap happens to fall on the gutter: ordinary word spacing.
    joined = bool(left and right) and right[0]["x0"] - max(w["x1"] for w in left) < gutter.width / 2
    if crossing or joined:
        return [block(row, "full")]
    return [block(part, column) for part, column in ((left, "left"), (right, "right")) if part]


def _reading_order(blocks: list[_Block], section_gap: float) -> list[str]:
    """Top to bottom; within a band of columns, the left column is read before the right one.

    A band ends at a full-width block, or at an empty horizontal strip taller than
    `section_gap` across both columns (a new section starts below it).
    """
    lines: list[str] = []
    pending: dict[str, list[_Block]] = {"left": [], "right": []}
    band_bottom = float("-inf")

    def flush_columns() -> None:
        for column in ("left", "right"):
            for block in sorted(pending[column], key=lambda b: b.top):
                lines.extend(block.lines)
            pending[column] = []

    for block in sorted(blocks, key=lambda b: (b.top, b.x0)):
        if block.column == "full" or block.top - band_bottom > section_gap:
            flush_columns()
        if block.column == "full":
            lines.extend(block.lines)
        else:
            pending[block.column].append(block)
        band_bottom = max(band_bottom, block.bottom) if block.column != "full" else block.bottom
    flush_columns()
    return lines
