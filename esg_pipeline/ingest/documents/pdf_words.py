"""PDF pages as placed words, read with pypdfium2 (PDFium's text layer).

Per page: the glyphs of the text layer, cleaned (fake-bold duplicates dropped, ligatures and
full-width forms normalised, glyphs without a Unicode map dropped), grouped into words at spaces,
at glyph gaps wider than a fraction of the line height, and where a new line starts. Pages without a
text layer go to OCR when `ocr.py` and tesseract are available.

Coordinates are page points, top-down (top = page height - PDF y).
"""
from __future__ import annotations

import ctypes
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from esg_pipeline.ingest.documents.decode import _is_pdf, looks_like_html
from esg_pipeline.ingest.documents.model import DocumentError, Word
from esg_pipeline.ingest.documents.pdf_streams import DEFAULT_MAX_STREAM_BYTES, check_stream_sizes

# A glyph gap wider than this share of the glyph box height (ascent to descent, about 1.3 em) ends a
# word: a word space is ~0.25 em (~0.19 of the box), kerning and tracking stay under ~0.05 em.
WORD_GAP_SHARE = 0.12
# A glyph whose box starts this share of the box height left of the previous glyph's start is on a
# new line (or in another column), not the next letter.
BACKWARD_SHARE = 0.5
# Fake bold: the same glyph drawn again within this distance of the first copy (points), or within
# this share of its width. Two real neighbouring letters are a full advance (~100% width) apart.
FAKE_BOLD_MAX_OFFSET = 1.0
FAKE_BOLD_WIDTH_SHARE = 0.3
SAME_BOX_TOLERANCE = 0.01  # points: letters of one ligature glyph share its box exactly
COPY_LOOKBACK = 400  # glyphs: a copy is drawn right after its word or line (a few hundred glyphs at most)
# A page whose non-space glyphs are mostly unmapped codes (or control / private-use code points) has
# an unusable text layer; so has one whose readable glyphs are mostly symbols, not letters or digits.
UNUSABLE_BAD_SHARE = 0.5
MIN_ALNUM_SHARE = 0.35
MIN_GLYPHS_FOR_SYMBOL_TEST = 40  # a short page of bullets or arrows is not garbage
BOLD_WEIGHT = 600  # PDFium's font weight (400 regular, 700 bold)
# A tail of this many bytes must hold %%EOF: PDFs end with it, so its absence means a cut download.
EOF_SEARCH_BYTES = 4096

SOFT_HYPHEN = "\u00ad"
PDFIUM_LINE_END_HYPHENS = (0x02, 0xFFFE)  # PDFium's codes for a hyphen that ends a line (per glyph, in text)
BOLD_FONT_MARKERS = ("bold", "black", "heavy", "semibold", "demi")


@dataclass
class PageWords:
    page: int  # 1-based
    width: float
    height: float
    words: list[Word] = field(default_factory=list)
    has_text_layer: bool = True
    unusable: bool = False  # the text layer holds glyph codes, not text (its words are dropped)
    ocr: bool = False  # the words come from OCR


@dataclass(slots=True)
class _Glyph:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    bold: bool


# --- opening ---------------------------------------------------------------------------------

def open_pdf(data: bytes, name: str, *, max_pages: int,
             max_stream_bytes: int = DEFAULT_MAX_STREAM_BYTES) -> pdfium.PdfDocument:
    """The PDFium document, or a DocumentError naming the file and the problem."""
    if not _is_pdf(data):
        if looks_like_html(data):  # a server's error or login page, or a link to the report's web page
            raise DocumentError(f"{name}: HTML, not a PDF (the content is a web page, not the report)")
        raise DocumentError(f"{name}: corrupt PDF: no %PDF header")
    if b"%%EOF" not in data[-EOF_SEARCH_BYTES:]:
        raise DocumentError(f"{name}: corrupt PDF: truncated (no %%EOF marker at the end)")
    check_stream_sizes(data, name, max_stream_bytes)
    try:
        pdf = pdfium.PdfDocument(data)  # an empty user password is tried by PDFium itself
    except pdfium.PdfiumError as exc:
        # PDFium keeps its last error code: a password error counts only where the file has /Encrypt
        if exc.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY) and b"/Encrypt" in data:
            raise DocumentError(f"{name}: encrypted PDF (a password is required to read it)") from exc
        if exc.err_code == pdfium_c.FPDF_ERR_SUCCESS or exc.err_code in (
                pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise DocumentError(f"{name}: corrupt PDF: PDFium cannot open it (no pages, or a broken page tree)") from exc
        raise DocumentError(f"{name}: corrupt PDF: {exc}") from exc
    pages = len(pdf)
    if pages == 0:
        pdf.close()
        raise DocumentError(f"{name}: corrupt PDF: it has no pages")
    if pages > max_pages:
        pdf.close()
        raise DocumentError(f"{name}: PDF has {pages} pages, more than the limit of {max_pages}")
    return pdf


# --- glyphs ----------------------------------------------------------------------------------

def _normalise(char: str) -> str:
    """Ligatures and full-width forms to plain letters/digits/punctuation (NFKC on those only)."""
    code = ord(char)
    if 0xFB00 <= code <= 0xFB06 or 0xFF01 <= code <= 0xFF5E or code == 0x3000:
        return unicodedata.normalize("NFKC", char)
    return char


def _is_bad(code: int) -> bool:
    """A code point that is no text: control, private use, replacement, unassigned surrogate."""
    return (code < 0x20 and code not in (9, 10, 13)) or 0xE000 <= code <= 0xF8FF or code in (0xFFFD, 0xFFFE) \
        or 0xD800 <= code <= 0xDFFF or 0x7F <= code <= 0x9F


class _BoldFonts:
    """Whether a glyph's font is bold (weight, or a bold name), or its text is drawn filled and stroked
    (another way to embolden); cached per font."""

    def __init__(self) -> None:
        self.fonts: dict[int | None, bool] = {}
        self.buffer = ctypes.create_string_buffer(128)

    def is_bold(self, textpage, index: int) -> bool:
        text_object = pdfium_c.FPDFText_GetTextObject(textpage, index)
        if not text_object:
            return False
        if pdfium_c.FPDFTextObj_GetTextRenderMode(text_object) == pdfium_c.FPDF_TEXTRENDERMODE_FILL_STROKE:
            return True
        font = pdfium_c.FPDFTextObj_GetFont(text_object)
        key = ctypes.cast(font, ctypes.c_void_p).value
        if key not in self.fonts:
            self.fonts[key] = bool(font) and self._font_is_bold(font)
        return self.fonts[key]

    def _font_is_bold(self, font) -> bool:
        if pdfium_c.FPDFFont_GetWeight(font) >= BOLD_WEIGHT:
            return True
        length = pdfium_c.FPDFFont_GetBaseFontName(font, self.buffer, len(self.buffer))
        name = self.buffer.raw[:max(min(length, len(self.buffer)) - 1, 0)].decode("latin-1").lower()
        return any(marker in name for marker in BOLD_FONT_MARKERS)


def _copied_glyph(glyph: _Glyph, glyphs: list[_Glyph | None], positions: list[int]) -> _Glyph | None:
    """The earlier glyph this one repeats almost on top of (fake bold, shadow text), if any: searched
    among the last COPY_LOOKBACK glyphs, where a producer's second pass over a word or line lands.
    `positions`: the indices in `glyphs` of the glyphs with the same text, in order."""
    limit = max(FAKE_BOLD_MAX_OFFSET, FAKE_BOLD_WIDTH_SHARE * (glyph.x1 - glyph.x0))
    x0, top = glyph.x0, glyph.top
    last, first = len(glyphs) - 1, max(len(glyphs) - COPY_LOOKBACK, 0)
    for index in reversed(positions):
        if index < first:
            break
        other = glyphs[index]
        if abs(other.x0 - x0) < limit and abs(other.top - top) < limit:
            if index == last and _same_box(other, glyph):
                return None  # a ligature glyph ("ff") gives its letters one box: no copy
            return other
    return None


def _same_box(a: _Glyph, b: _Glyph) -> bool:
    return abs(a.x0 - b.x0) < SAME_BOX_TOLERANCE and abs(a.x1 - b.x1) < SAME_BOX_TOLERANCE


def _may_be_copy(glyph: _Glyph, previous: _Glyph | None, copying: bool) -> bool:
    """Only a glyph that steps back over the previous one (or follows a copy) can repeat an earlier
    glyph: text runs left to right, so looking only then keeps the search off the common path."""
    if previous is None:
        return False
    return copying or glyph.x0 < previous.x1 - FAKE_BOLD_WIDTH_SHARE * (glyph.x1 - glyph.x0)


# Text turned more than this (radians) off the horizontal is a rotated margin label, not page text.
ROTATED_TEXT_RADIANS = 0.2


def _rotated(angle: float) -> bool:
    if angle < 0:  # pdfium's error value: read the glyph as upright
        return False
    return ROTATED_TEXT_RADIANS < angle < 2 * 3.141592653589793 - ROTATED_TEXT_RADIANS


@dataclass
class _PageGlyphs:
    glyphs: list[_Glyph | None]  # None marks a break: space, line break
    total: int = 0  # non-space glyphs in the text layer
    bad: int = 0  # of those, unmapped or non-text codes


def _page_glyphs(textpage, height: float) -> _PageGlyphs:
    handle = textpage.raw
    count = pdfium_c.FPDFText_CountChars(handle)
    chars = textpage.get_text_range(0, count) if count else ""
    exact = len(chars) == count  # UTF-16 surrogate pairs break the index match: ask per glyph then
    is_generated = pdfium_c.FPDFText_IsGenerated
    map_error = pdfium_c.FPDFText_HasUnicodeMapError
    get_unicode = pdfium_c.FPDFText_GetUnicode
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    get_angle = pdfium_c.FPDFText_GetCharAngle
    rect = pdfium_c.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    bold_fonts = _BoldFonts()
    glyphs: list[_Glyph | None] = []
    same_text: defaultdict[str, list[int]] = defaultdict(list)  # where each text's glyphs are, for copies
    total = bad = 0
    bold_font = False
    previous: _Glyph | None = None
    copying = False  # the previous glyph was a copy: a redrawn word continues
    for index in range(count):
        code = ord(chars[index]) if exact else get_unicode(handle, index)
        if code in PDFIUM_LINE_END_HYPHENS:
            code = 0x2D
        char = chr(code) if code < 0x110000 else "\ufffd"
        if char.isspace():
            # PDFium's own spaces, and the spaces of a redrawn copy, are no breaks: the glyph gaps decide
            if not copying and not is_generated(handle, index):
                glyphs.append(None)
            continue
        total += 1
        if code < 0x20 or (code >= 0x7F and _is_bad(code)):
            bad += 1
            continue
        get_box(handle, index, rect_ref)
        x0, top, x1, bottom = rect.left, height - rect.top, rect.right, height - rect.bottom
        if previous is None or glyphs[-1] is None or not _adjacent(previous, x0, bottom):
            # once per word, as fonts, text objects and their rotation change at words (a PDFium call
            # per glyph would cost as much as reading the glyph)
            if map_error(handle, index):
                bad += 1
                continue
            if _rotated(get_angle(handle, index)):
                glyphs.append(None)  # vertical margin labels: their glyphs would scatter into the rows beside them
                previous = None
                continue
            bold_font = bold_fonts.is_bold(handle, index)
        if code >= 0xFB00:
            char = _normalise(char)
        glyph = _Glyph(char, x0, top, x1, bottom, bold_font)
        positions = same_text[char]
        first = _copied_glyph(glyph, glyphs, positions) if _may_be_copy(glyph, previous, copying) else None
        copying = first is not None
        if copying:
            first.bold = True
            continue
        positions.append(len(glyphs))
        glyphs.append(glyph)
        previous = glyph
    return _PageGlyphs(glyphs, total, bad)


def _adjacent(previous: _Glyph, x0: float, bottom: float) -> bool:
    """The next glyph continues the previous one's word (same line, no word gap)."""
    size = previous.bottom - previous.top
    return abs(bottom - previous.bottom) < 0.5 * size and abs(x0 - previous.x1) <= WORD_GAP_SHARE * size


def page_is_unusable(glyphs: _PageGlyphs) -> bool:
    if glyphs.total == 0:
        return False
    if glyphs.bad > UNUSABLE_BAD_SHARE * glyphs.total:
        return True
    readable = [g.text for g in glyphs.glyphs if g is not None]
    if len(readable) < MIN_GLYPHS_FOR_SYMBOL_TEST:
        return False
    alnum = sum(1 for text in readable if text.isalnum())
    return alnum < MIN_ALNUM_SHARE * len(readable)


# --- words -----------------------------------------------------------------------------------

def _starts_new_word(prev: _Glyph, glyph: _Glyph) -> bool:
    size = prev.bottom - prev.top
    if size < 1.0:
        size = 1.0
    centre = (glyph.top + glyph.bottom) / 2
    new_line = not (prev.top <= centre <= prev.bottom) or glyph.x0 < prev.x0 - BACKWARD_SHARE * size
    return new_line or glyph.x0 - prev.x1 > WORD_GAP_SHARE * size


class _WordRun:
    """The glyphs of the word being built, with running bounds."""

    def __init__(self, page: int) -> None:
        self.page = page
        self.words: list[Word] = []
        self.texts: list[str] = []

    def start(self, glyph: _Glyph) -> None:
        self.texts = [glyph.text]
        self.x0, self.top, self.x1, self.bottom = glyph.x0, glyph.top, glyph.x1, glyph.bottom
        self.bold = int(glyph.bold)
        self.last = glyph

    def extend(self, glyph: _Glyph) -> None:
        self.texts.append(glyph.text)
        # comparisons, not min()/max(): this runs once per glyph
        if glyph.x0 < self.x0:
            self.x0 = glyph.x0
        if glyph.x1 > self.x1:
            self.x1 = glyph.x1
        if glyph.top < self.top:
            self.top = glyph.top
        if glyph.bottom > self.bottom:
            self.bottom = glyph.bottom
        self.bold += glyph.bold
        self.last = glyph

    def flush(self) -> None:
        if not self.texts:
            return
        text = "".join(self.texts)
        if text.endswith(SOFT_HYPHEN):  # a soft hyphen that broke a line: layout joins it like a hyphen
            text = text.rstrip(SOFT_HYPHEN) + "-"
        text = text.replace(SOFT_HYPHEN, "")
        if text:
            self.words.append(Word(text, self.x0, self.top, self.x1, self.bottom, page=self.page,
                                   bold=self.bold * 2 >= len(self.texts)))
        self.texts = []


def words_from_glyphs(glyphs: list[_Glyph | None], page: int) -> list[Word]:
    run = _WordRun(page)
    for glyph in glyphs:
        if glyph is None:
            run.flush()
        elif run.texts and not _starts_new_word(run.last, glyph):
            run.extend(glyph)
        else:
            run.flush()
            run.start(glyph)
    run.flush()
    return run.words


# --- pages -----------------------------------------------------------------------------------

def _ocr_words(page, page_no: int) -> list[Word] | None:
    try:
        from esg_pipeline.ingest.documents.ocr import ocr_page_words
    except ImportError:
        return None
    return ocr_page_words(page, page_no)


def read_page_words(pdf: pdfium.PdfDocument, index: int) -> PageWords:
    page = pdf[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            glyphs = _page_glyphs(textpage, height)
        finally:
            textpage.close()
        result = PageWords(index + 1, width, height, has_text_layer=glyphs.total > 0,
                           unusable=page_is_unusable(glyphs))
        if result.has_text_layer and not result.unusable:
            result.words = words_from_glyphs(glyphs.glyphs, index + 1)
        elif not result.has_text_layer:  # a scanned page: OCR reads it where tesseract is installed
            result.words = _ocr_words(page, index + 1) or []
            result.ocr = bool(result.words)
        # a page of glyph codes without a Unicode map is reported, not guessed at: its figures could
        # only come from OCR of a page that claims to have text, which a reviewer should decide to run
        return result
    finally:
        page.close()


def page_ranges(pages: list[int]) -> str:
    """'1-4, 7, 9, 10': runs of three or more pages as ranges."""
    parts: list[str] = []
    run: list[int] = []
    for page in [*sorted(pages), None]:
        if page is not None and run and page == run[-1] + 1:
            run.append(page)
            continue
        if run:
            parts.append(f"{run[0]}-{run[-1]}" if len(run) >= 3 else ", ".join(map(str, run)))
        run = [page] if page is not None else []
    return ", ".join(parts)


def _pages_label(pages: list[int]) -> str:
    return f"{'page' if len(pages) == 1 else 'pages'} {page_ranges(pages)}"


def read_pdf_words(data: bytes, name: str, *, max_pages: int, max_stream_bytes: int = DEFAULT_MAX_STREAM_BYTES
                   ) -> tuple[list[PageWords], list[str]]:
    """Every page's words and the document's warnings; a DocumentError when no page has readable text."""
    pdf = open_pdf(data, name, max_pages=max_pages, max_stream_bytes=max_stream_bytes)
    try:
        pages = [read_page_words(pdf, index) for index in range(len(pdf))]
    except pdfium.PdfiumError as exc:
        raise DocumentError(f"{name}: corrupt PDF: {exc}") from exc
    finally:
        pdf.close()
    no_layer = [p.page for p in pages if not p.has_text_layer and not p.words]
    unusable = [p.page for p in pages if p.unusable and not p.words]
    if not any(p.words for p in pages):
        if unusable:
            raise DocumentError(f"{name}: unusable text layer (glyph codes without a Unicode map) "
                                f"on {_pages_label(unusable)}")
        raise DocumentError(f"{name}: PDF has no extractable text (no text layer on {_pages_label(no_layer)}, "
                            "scanned?; install tesseract-ocr to read it)")
    warnings = []
    if no_layer:
        warnings.append(f"{_pages_label(no_layer)}: no text layer (scanned?)")
    if unusable:
        warnings.append(f"{_pages_label(unusable)}: unusable text layer (glyph codes without a Unicode map)")
    ocr = [p.page for p in pages if p.ocr]
    if ocr:
        warnings.append(f"{_pages_label(ocr)}: text read by OCR (check its figures)")
    return pages, warnings
