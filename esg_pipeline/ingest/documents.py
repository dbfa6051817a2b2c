"""Turn a raw report (plain text, HTML or PDF) into text for the extractor.

- Plain text: encoding detected (BOM, UTF-8, declared charset, charset-normalizer), never
  assumed; newlines normalised.
- HTML: page chrome (scripts, styles, navigation, page header/footer, forms) dropped;
  headings, paragraphs, list items and table cells kept in reading order, one block per
  line, a table row as ONE line with cells joined by " | ".
- PDF: pdfplumber (pypdf as fallback), text per page with `page_starts` for provenance,
  two-column pages read left column then right, ruled tables kept as " | " rows.

Every failure is a `DocumentError` whose message names the file and the problem.
"""
from __future__ import annotations

import bisect
import codecs
import io
import re
import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal, get_args
from urllib.parse import urlsplit

FormatName = Literal["txt", "html", "pdf"]
FORMATS: tuple[str, ...] = get_args(FormatName)
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
TABLE_CELL_SEPARATOR = " | "


class DocumentError(ValueError):
    """A report that cannot be turned into text; the message names the file and the problem."""


@dataclass(frozen=True)
class Document:
    text: str
    format: str
    page_starts: list[int] = field(default_factory=list)  # char offset where each PDF page starts
    encoding: str | None = None  # the decoding used for txt/html; None for PDF

    @property
    def pages(self) -> int | None:
        return len(self.page_starts) or None

    def page_at(self, offset: int) -> int | None:
        """1-based page number holding char `offset`, or None for documents without pages."""
        if not self.page_starts:
            return None
        return max(bisect.bisect_right(self.page_starts, offset), 1)


def read_document(path: str | Path, fmt: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(f"{path}: file exceeds {max_bytes} bytes ({size} bytes)")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise DocumentError(f"{path}: file not found") from exc
    except IsADirectoryError as exc:
        raise DocumentError(f"{path}: is a directory, not a report file") from exc
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read file: {exc.strerror or exc}") from exc
    return read_document_bytes(data, fmt, str(path), max_bytes=max_bytes)


def read_document_bytes(data: bytes, fmt: str | None = None, name: str = "<bytes>", *,
                        content_type: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Parse report bytes; `name` (file path or URL) appears in errors and guides format inference."""
    if len(data) > max_bytes:
        raise DocumentError(f"{name}: file exceeds {max_bytes} bytes ({len(data)} bytes)")
    if not data.strip():
        raise DocumentError(f"{name}: empty file")
    if fmt is not None and fmt not in FORMATS:
        raise DocumentError(f"{name}: unsupported format '{fmt}' (expected one of {', '.join(FORMATS)})")
    fmt = fmt or detect_format(data, name, content_type)
    if fmt == "pdf":
        text, page_starts = _pdf_text(data, name)
        return Document(text=text, format="pdf", page_starts=page_starts)
    if fmt == "html":
        encoding, text = decode_text(data, name, declared=[_charset_param(content_type), *_html_declared(data)])
        return Document(text=_html_text(text, name), format="html", encoding=encoding)
    encoding, text = decode_text(data, name, declared=[_charset_param(content_type)])
    return Document(text=text, format="txt", encoding=encoding)


# --- format -----------------------------------------------------------------------

_EXTENSIONS = {".txt": "txt", ".text": "txt", ".md": "txt",
               ".html": "html", ".htm": "html", ".xhtml": "html", ".pdf": "pdf"}
_CONTENT_TYPES = {"text/plain": "txt", "text/markdown": "txt", "text/html": "html",
                  "application/xhtml+xml": "html", "application/pdf": "pdf", "application/x-pdf": "pdf"}
_HTML_SNIFF = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)


def format_from_name(name: str | None) -> str | None:
    if not name:
        return None
    path = urlsplit(name).path if "://" in name else name
    return _EXTENSIONS.get(PurePosixPath(path.replace("\\", "/")).suffix.lower())


def detect_format(data: bytes, name: str | None = None, content_type: str | None = None) -> str:
    """PDF magic bytes, then the HTTP content type, then the file extension, then sniffing."""
    if _is_pdf(data):
        return "pdf"
    media_type = (content_type or "").split(";")[0].strip().lower()
    by_name = format_from_name(name)
    if media_type in _CONTENT_TYPES:
        return _CONTENT_TYPES[media_type]
    if by_name:
        return by_name
    return "html" if _HTML_SNIFF.match(data.lstrip(codecs.BOM_UTF8)[:2048]) else "txt"


def _is_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]  # the spec tolerates junk before the header


# --- text decoding -----------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Labels that under-describe what the bytes really use (WHATWG maps them to the superset).
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs",
              "iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "ascii": "cp1252",
              "us-ascii": "cp1252"}
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_ALLOWED_CONTROLS = set("\t\n\r\f\v")
_BINARY_CHAR_RATIO = 0.02


def decode_text(data: bytes, name: str = "<bytes>", declared: Sequence[str | None] = ()) -> tuple[str, str]:
    """Return (encoding, text with '\\n' newlines); raises DocumentError for binary content."""
    encoding = _detect_encoding(data, [d for d in declared if d])
    if encoding is None:
        raise DocumentError(f"{name}: binary content, not a text report")
    text = data.decode(encoding, errors="replace")
    text = _NEWLINES.sub("\n", text.replace("\ufeff", ""))
    if _looks_binary(text):
        raise DocumentError(f"{name}: binary content, not a text report")
    if not text.strip():
        raise DocumentError(f"{name}: empty file")
    return encoding, text


def _detect_encoding(data: bytes, declared: list[str]) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    if b"\x00" in data:
        return _bomless_utf16(data)  # ASCII in UTF-16 has NULs; anywhere else they mean binary
    if _decodes(data, "utf-8"):
        return "utf-8"  # non-ASCII legacy text is almost never valid UTF-8 by accident
    for label in declared:
        encoding = _codec_name(label)
        if encoding and _decodes(data, encoding):
            return encoding
    return _guess_legacy_encoding(data)


# Legacy Western text is nearly always Windows-1252; charset-normalizer scores rarer code
# pages (cp775, mac_latin2...) about as well on short texts, so near-ties go to cp1252.
_WESTERN_DEFAULT = "cp1252"
_NEAR_TIE_CHAOS = 0.05


def _guess_legacy_encoding(data: bytes) -> str | None:
    import charset_normalizer
    from charset_normalizer.utils import is_multi_byte_encoding

    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    if not is_multi_byte_encoding(best.encoding):
        for match in matches:
            if _WESTERN_DEFAULT in match.could_be_from_charset and match.chaos <= best.chaos + _NEAR_TIE_CHAOS:
                return _WESTERN_DEFAULT
    return _codec_name(best.encoding)


def _codec_name(label: str) -> str | None:
    label = label.strip().strip("'\"").lower()
    label = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


# Code point ranges ordinary report text is made of (besides ASCII): Latin-1/Extended,
# general punctuation, CJK punctuation, kana, CJK ideographs, Hangul, fullwidth forms.
_COMMON_RANGES = ((0x00A0, 0x024F), (0x2000, 0x206F), (0x3000, 0x30FF), (0x4E00, 0x9FFF),
                  (0xAC00, 0xD7AF), (0xFF00, 0xFFEF))


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM: the byte order whose decoding reads as ordinary text, if any does.

    Scoring favours ASCII so Latin text read in the wrong byte order (which lands in the
    CJK block) loses to the right one.
    """
    if len(data) % 2:
        return None
    best, best_score = None, 0.0
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            sample = codecs.getincrementaldecoder(encoding)().decode(data[:8192], final=False)
        except UnicodeDecodeError:
            continue
        score = sum(2 if ch.isascii() and (ch.isprintable() or ch in _ALLOWED_CONTROLS)
                    else 1 if any(lo <= ord(ch) <= hi for lo, hi in _COMMON_RANGES) else 0
                    for ch in sample) / max(len(sample), 1)
        if score > best_score:
            best, best_score = encoding, score
    return best if best_score >= 0.9 and best and _decodes(data, best) else None


_BINARY_SAMPLE_CHARS = 256 * 1024  # binary files show it early; sampling keeps big reports fast


def _looks_binary(text: str) -> bool:
    sample = text[:_BINARY_SAMPLE_CHARS]
    if not sample:
        return False
    bad = sum(1 for ch in sample if ch == "\ufffd" or (
        ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")))
    return bad / len(sample) > _BINARY_CHAR_RATIO


def _charset_param(content_type: str | None) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type or "", re.I)
    return match.group(1) if match else None


_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.I)


def _html_declared(data: bytes) -> list[str]:
    head = data[:8192]
    found = [m.group(1) for m in (_META_CHARSET.search(head), _XML_ENCODING.search(head)) if m]
    return [label.decode("ascii", "replace") for label in found]


# --- HTML ----------------------------------------------------------------------------

_DROPPED_TAGS = frozenset({"script", "style", "noscript", "nav", "aside", "form", "template", "head", "svg",
                           "iframe", "canvas", "object", "embed", "button", "select", "textarea", "dialog"})
_PAGE_CHROME = frozenset({"header", "footer"})
_CHROME_ROLES = frozenset({"banner", "contentinfo"})
_DROPPED_ROLES = frozenset({"navigation", "search", "menu", "menubar"})
_CONTENT_CONTAINERS = frozenset({"article", "main"})
_BLOCK_TAGS = frozenset({"address", "article", "blockquote", "body", "caption", "center", "dd", "details", "div",
                         "dl", "dt", "fieldset", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6",
                         "hr", "html", "legend", "li", "main", "ol", "p", "section", "summary", "table", "tbody",
                         "td", "tfoot", "th", "thead", "ul", "header", "footer"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _html_text(markup: str, name: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    lines = _HtmlLines()
    lines.walk(soup)
    lines.flush()
    if not lines.lines:
        raise DocumentError(f"{name}: HTML with no text")
    return "\n".join(lines.lines)


def _is_dropped(tag) -> bool:
    name = tag.name
    if name in _DROPPED_TAGS or tag.has_attr("hidden") or tag.get("aria-hidden") == "true":
        return True
    if _HIDDEN_STYLE.search(tag.get("style") or ""):
        return True
    role = (tag.get("role") or "").lower()
    if role in _DROPPED_ROLES:
        return True
    if name in _PAGE_CHROME or role in _CHROME_ROLES:
        # A site banner/footer is chrome; an article's own <header> holds its title.
        return not any(parent.name in _CONTENT_CONTAINERS for parent in tag.parents)
    return False


class _HtmlLines:
    """Collects visible text as lines: one per block element, one per table row."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._inline: list[str] = []

    def flush(self) -> None:
        self.add_line("".join(self._inline))
        self._inline = []

    def add_line(self, text: str) -> None:
        line = " ".join(text.split())
        if line:
            self.lines.append(line)

    def walk(self, node) -> None:
        from bs4 import NavigableString, Tag

        for child in node.children:
            if isinstance(child, Tag):
                self._element(child)
            elif type(child) is NavigableString or child.__class__.__name__ == "CData":
                self._inline.append(str(child))
            # comments, doctype, processing instructions: not text

    def _element(self, tag) -> None:
        if _is_dropped(tag):
            return
        name = tag.name
        if name == "br":
            self.flush()
        elif name == "tr":
            self.flush()
            self._row(tag)
        elif name == "pre":
            self.flush()
            for line in tag.get_text().split("\n"):
                self.add_line(line)
        elif name in _BLOCK_TAGS:
            self.flush()
            self.walk(tag)
            self.flush()
        else:
            self.walk(tag)

    def _row(self, tr) -> None:
        cells = []
        for cell in tr.find_all(["td", "th"], recursive=False):
            if _is_dropped(cell):
                continue
            inner = _HtmlLines()
            inner.walk(cell)
            inner.flush()
            cells.append(" ".join(inner.lines))
        if any(cells):
            self.lines.append(TABLE_CELL_SEPARATOR.join(cells).strip())


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
