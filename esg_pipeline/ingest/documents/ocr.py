"""OCR for PDF pages without a text layer: positioned words from the Tesseract command line.

The PDF reader calls `ocr_page_words` for a page that has no text (a scan, or a print-to-PDF whose
glyphs became paths). The page is rendered with pypdfium2, piped to `tesseract stdin stdout ... tsv`,
and every recognised word comes back as a `Word` in PDF points (top-down), like the text-layer words,
so the same grid finder reads scanned tables.

Tesseract is a system program (Debian: `tesseract-ocr`; `make system-deps`), not a Python dependency:
without it `ocr_page_words` returns None and the reader keeps its "no text layer" warning.
"""
from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

from esg_pipeline.ingest.documents.model import DocumentError, Word

# Rendering resolution. On the rasterised Shell data table (8 pt figures) 400 dpi recovers 96.6% of the
# printed number tokens with 2 wrong, 300 dpi 91.5% with 10 wrong (`1.06` read as `106`), 200 dpi 91%,
# for ~30% more time (4 Shell pages, both passes on 2 shared cores: 5.7 s per page against 4.4 s).
DEFAULT_DPI = 400
# Page segmentation modes, measured on the rasterised Shell 2019 data table (test_ocr.py):
# 11 ("sparse text") reads each figure as its own word and almost never invents one (300 dpi: 4 wrong
# number tokens of 210), but drops lone one-glyph cells (`9`, `3`, `1`); 6 ("one uniform block") finds those
# but reads `1.06` as `106` and `0.83` as `083` (56 wrong of 218); 3 (automatic layout) is like 6.
# So the sparse pass gives the words and the block pass only fills in numbers where the sparse pass
# found nothing.
PSM_SPARSE = 11
PSM_BLOCK = 6
LANGUAGE = "eng"
# A full page of prose takes ~8 s per pass on one thread; the limit only catches a hung process.
TIMEOUT_SECONDS = 120
# Tesseract's word confidence is 0-100; figures and words in clean type score 60-96. On the four
# rasterised Shell pages 26 of ~1,900 words score under 30, nearly all marks read off the logo,
# photos and rules (`—-`, `f}`, `¥`) plus two words with curly apostrophes, and no figure of the
# data table; there 30 loses no number token, 50 loses two and 70 seven. So under 30 is noise.
MIN_WORD_CONFIDENCE = 30.0
_WORD_LEVEL = "5"


class OcrError(DocumentError):
    """Tesseract failed on a page; the message names the page."""


@functools.cache
def tesseract_available() -> bool:
    """Whether the `tesseract` program is on PATH (looked up once per process)."""
    return shutil.which("tesseract") is not None


def _tesseract_command(dpi: int, psm: int) -> list[str]:
    # `preserve_interword_spaces` is left out: it changes the text output only, not the TSV word boxes.
    return ["tesseract", "stdin", "stdout", "--dpi", str(dpi), "--psm", str(psm), "-l", LANGUAGE, "tsv"]


def _render_png(page, dpi: int) -> bytes:
    image = page.render(scale=dpi / 72, grayscale=True).to_pil()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1, dpi=(dpi, dpi))
    return buffer.getvalue()


def _run_tesseract(png: bytes, page_no: int, dpi: int, psm: int) -> str:
    # One OpenMP thread per process: the same image gives the same words on any machine.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        proc = subprocess.run(_tesseract_command(dpi, psm), input=png, capture_output=True, env=env,
                              timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        raise OcrError(f"page {page_no}: tesseract took longer than {TIMEOUT_SECONDS} s") from exc
    except OSError as exc:
        raise OcrError(f"page {page_no}: cannot run tesseract: {exc.strerror or exc}") from exc
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrError(f"page {page_no}: tesseract failed (exit {proc.returncode})"
                       + (f": {detail[-1]}" if detail else ""))
    return proc.stdout.decode("utf-8", "replace")


def ocr_page_words(page, page_no: int, *, dpi: int = DEFAULT_DPI) -> list[Word] | None:
    """The words Tesseract reads on a pypdfium2 `page`, boxes in PDF points (top-down), `page=page_no`.

    Sparse-text words in Tesseract's order, then the figures only the block pass found. Returns None
    when Tesseract is not installed; raises `OcrError` naming `page_no` when it fails or times out.
    Numeric tokens have letter/digit confusions repaired (`normalize_numeric_token`).
    """
    if not tesseract_available():
        return None
    png = _render_png(page, dpi)
    with ThreadPoolExecutor(max_workers=2) as pool:  # two processes: the passes run side by side
        sparse, block = pool.map(lambda psm: _run_tesseract(png, page_no, dpi, psm), (PSM_SPARSE, PSM_BLOCK))
    words = parse_tsv_words(sparse, page_no, scale=dpi / 72)
    return words + fill_in_numbers(words, parse_tsv_words(block, page_no, scale=dpi / 72))


def fill_in_numbers(words: list[Word], candidates: list[Word]) -> list[Word]:
    """The numeric `candidates` whose box overlaps none of `words`: cells one pass dropped."""
    found = []
    for cand in candidates:
        if not _NUMBER.match(_AFFIXES.match(cand.text).group(2)):
            continue
        if not any(min(cand.x1, w.x1) > max(cand.x0, w.x0) and min(cand.bottom, w.bottom) > max(cand.top, w.top)
                   for w in words):
            found.append(cand)
    return found


def parse_tsv_words(tsv: str, page_no: int, *, scale: float,
                    min_confidence: float = MIN_WORD_CONFIDENCE) -> list[Word]:
    """Words from Tesseract's TSV output: level-5 rows with text and enough confidence, pixel boxes
    divided by `scale` (pixels per point)."""
    words: list[Word] = []
    lines = tsv.splitlines()
    if not lines:
        return words
    header = lines[0].split("\t")
    col = {name: i for i, name in enumerate(header)}
    for line in lines[1:]:
        fields = line.split("\t")
        if len(fields) < len(header) or fields[col["level"]] != _WORD_LEVEL:
            continue
        text = fields[col["text"]].strip()
        if not text or float(fields[col["conf"]]) < min_confidence:
            continue
        left, top = int(fields[col["left"]]), int(fields[col["top"]])
        width, height = int(fields[col["width"]]), int(fields[col["height"]])
        words.append(Word(text=normalize_numeric_token(text), x0=left / scale, top=top / scale,
                          x1=(left + width) / scale, bottom=(top + height) / scale, page=page_no))
    return words


# Letters Tesseract reads for digits in figures: O/o for 0; l, I, | for 1 (a sans-serif 1 is a bar).
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})
_LOOKALIKE_CHARS = frozenset("OolI|")
_AFFIXES = re.compile(r"^([(\-–−]?)(.*?)([%)]?)$")
_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


def normalize_numeric_token(text: str) -> str:
    """`2O19` → `2019`, `l2.5` → `12.5`, `1,O2l` → `1,021`: digit look-alikes are replaced only in a token
    that already has a digit and becomes a well-formed number (optionally in parentheses, signed or
    with %). Words (`Oil`, `CO2`, `NO2`) and `O2` (a leading zero would be invented) stay as read."""
    m = _AFFIXES.match(text)
    if m is None:
        return text
    prefix, core, suffix = m.groups()
    if not any(c in _LOOKALIKE_CHARS for c in core) or not any(c.isdigit() for c in core):
        return text
    fixed = core.translate(_DIGIT_LOOKALIKES)
    if not _NUMBER.match(fixed):
        return text
    if fixed[0] == "0" and len(fixed) > 1 and fixed[1] != "." and core[0] in _LOOKALIKE_CHARS:
        return text
    return prefix + fixed + suffix
