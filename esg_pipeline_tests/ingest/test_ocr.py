"""OCR of pages without a text layer: Tesseract words placed in PDF points, numbers kept intact."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from esg_pipeline.ingest.documents import ocr
from esg_pipeline.ingest.documents.model import DocumentError, Word

pdfium = pytest.importorskip("pypdfium2")

REALPDF = Path(__file__).resolve().parents[3] / "shared" / "realpdf"
SHELL_TEXT = REALPDF / "shell_2019_sustainability_excerpt.pdf"
SHELL_SCAN = REALPDF / "shell_2019_sustainability_excerpt_imageonly.pdf"
NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")

needs_tesseract = pytest.mark.skipif(not ocr.tesseract_available(), reason="tesseract is not installed")

# An invented table (no real company), drawn as pixels: a years header and three rows.
YEARS = ("2023", "2022", "2021")
ROWS = (
    ("Water withdrawn", "m3", ("12,345", "11,020", "9,870")),
    ("Energy use", "MWh", ("4,512.5", "4,388.0", "4,101.2")),
    ("Waste recycled", "%", ("62.5", "58.0", "7")),
)
IMAGE_DPI = 200
COLUMN_RIGHT_PX = (900, 1140, 1380)  # right edge of each value column, values right-aligned


def _font(size: int):
    from PIL import ImageFont

    candidates = []
    try:
        import matplotlib

        candidates.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")
    except ImportError:
        pass
    candidates.append(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
    for path in candidates:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    pytest.skip("no TrueType font to draw the test table with")


def _scanned_table_pdf(path: Path) -> dict[str, tuple[float, float, float, float]]:
    """An image-only PDF of the invented table; returns each value's drawn box in PDF points."""
    from PIL import Image, ImageDraw

    font = _font(30)  # ~11 pt at 200 dpi
    image = Image.new("L", (1480, 560), 255)
    draw = ImageDraw.Draw(image)
    boxes: dict[str, tuple[float, float, float, float]] = {}
    to_pt = 72 / IMAGE_DPI

    def put(text: str, right: int | None, x: int, y: int) -> None:
        x0, y0, x1, y1 = draw.textbbox((0, 0), text, font=font)
        left = x if right is None else right - (x1 - x0)
        draw.text((left - x0, y), text, font=font, fill=0)
        boxes[text] = (left * to_pt, (y + y0) * to_pt, (left + x1 - x0) * to_pt, (y + y1) * to_pt)

    for year, right in zip(YEARS, COLUMN_RIGHT_PX):
        put(year, right, 0, 80)
    draw.line((60, 135, 1400, 135), fill=0, width=2)
    for i, (label, unit, values) in enumerate(ROWS):
        y = 170 + i * 110
        put(label, None, 60, y)
        put(unit, None, 480, y)
        for value, right in zip(values, COLUMN_RIGHT_PX):
            put(value, right, 0, y)
    image.save(path, "PDF", resolution=IMAGE_DPI)
    return boxes


@needs_tesseract
def test_scanned_table_figures_come_back_under_their_year_with_boxes_in_points(tmp_path):
    pdf_path = tmp_path / "scan.pdf"
    drawn = _scanned_table_pdf(pdf_path)
    page = pdfium.PdfDocument(str(pdf_path))[0]

    words = ocr.ocr_page_words(page, 3)

    assert words and all(isinstance(w, Word) and w.page == 3 for w in words)
    by_text = {w.text: w for w in words}
    for year in YEARS:
        assert year in by_text
    for label, unit, values in ROWS:
        row = [by_text.get(v) for v in values]
        assert None not in row, f"{label}: read {[w.text for w in words]}"
        # same line, left to right, each under its year
        assert max(w.yc for w in row) - min(w.yc for w in row) < 3
        assert [w.x0 for w in row] == sorted(w.x0 for w in row)
        for value, year in zip(row, YEARS):
            assert abs(value.x1 - by_text[year].x1) < 4  # right-aligned column
        # PDF points, top-down: the box is where the figure was drawn
        for value in row:
            x0, top, x1, bottom = drawn[value.text]
            assert abs(value.x0 - x0) < 2 and abs(value.x1 - x1) < 2
            assert abs(value.top - top) < 2 and abs(value.bottom - bottom) < 2


@needs_tesseract
def test_tesseract_failure_raises_an_error_naming_the_page(tmp_path, monkeypatch):
    pdf_path = tmp_path / "scan.pdf"
    _scanned_table_pdf(pdf_path)
    page = pdfium.PdfDocument(str(pdf_path))[0]
    monkeypatch.setattr(ocr, "LANGUAGE", "no_such_language")

    with pytest.raises(DocumentError, match=r"^page 7: tesseract failed"):
        ocr.ocr_page_words(page, 7)


def test_without_tesseract_ocr_returns_none(monkeypatch):
    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    ocr.tesseract_available.cache_clear()
    try:
        assert ocr.tesseract_available() is False
        assert ocr.ocr_page_words(object(), 1) is None  # the page is never touched
    finally:
        ocr.tesseract_available.cache_clear()


TSV = "\n".join([
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
    "1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t",
    "4\t1\t1\t1\t1\t0\t400\t200\t500\t40\t-1\t",
    "5\t1\t1\t1\t1\t1\t400\t200\t100\t40\t91.5\t2O23",
    "5\t1\t1\t1\t1\t2\t600\t200\t80\t40\t95.0\t ",
    "5\t1\t1\t1\t1\t3\t800\t200\t100\t40\t12.0\t—-",
    "5\t1\t1\t1\t1\t4\t1000\t200\t150\t40\t88.0\t1,234",
]) + "\n"


def test_tsv_word_rows_become_words_in_points_without_blanks_or_low_confidence_noise():
    words = ocr.parse_tsv_words(TSV, 2, scale=400 / 72)

    assert [w.text for w in words] == ["2023", "1,234"]
    first = words[0]
    assert (first.x0, first.top, first.x1, first.bottom) == pytest.approx((72.0, 36.0, 90.0, 43.2))
    assert first.page == 2 and not first.bold


@pytest.mark.parametrize("read, fixed", [
    ("2O19", "2019"), ("l2.5", "12.5"), ("1,O2l", "1,021"), ("7|", "71"), ("(l5)", "(15)"), ("9O%", "90%"),
    ("0.l68", "0.168"),
    # left as read: words, formulae, tokens without a digit, and numbers that would gain a leading zero
    ("Oil", "Oil"), ("CO2", "CO2"), ("NO2)", "NO2)"), ("O2", "O2"), ("lO", "lO"), ("I", "I"),
    ("12,345", "12,345"), ("1.2.3", "1.2.3"), ("l0l0l", "10101"),
])
def test_digit_lookalikes_are_repaired_only_inside_numeric_tokens(read, fixed):
    assert ocr.normalize_numeric_token(read) == fixed


def test_block_pass_fills_in_only_numbers_where_the_sparse_pass_found_nothing():
    sparse = [Word("12.5", 100, 10, 120, 18), Word("Scope", 10, 10, 40, 18)]
    block = [Word("125", 100, 10, 120, 18),  # same place, misread: the sparse reading stands
             Word("9", 140, 10, 145, 18),  # a lone digit the sparse pass dropped
             Word("Scope", 10, 30, 40, 38)]  # a word: not filled in
    assert [w.text for w in ocr.fill_in_numbers(sparse, block)] == ["9"]


def _number_tokens(texts) -> Counter:
    return Counter(t for t in (s.strip("()[],;:") for s in texts) if NUMBER.match(t))


@needs_tesseract
@pytest.mark.skipif(not (SHELL_TEXT.exists() and SHELL_SCAN.exists()), reason="shared real PDFs are absent")
def test_rasterised_real_data_table_gives_back_the_text_layer_numbers():
    page_no = 4  # the environmental data table: 10 year columns, 8 pt figures, a shaded column
    expected = _number_tokens(pdfium.PdfDocument(str(SHELL_TEXT))[page_no - 1].get_textpage()
                              .get_text_range().split())
    words = ocr.ocr_page_words(pdfium.PdfDocument(str(SHELL_SCAN))[page_no - 1], page_no)
    got = _number_tokens(w.text for w in words)

    recovered = sum((got & expected).values()) / sum(expected.values())
    wrong = sum((got - expected).values())
    print(f"number tokens recovered: {recovered:.3f} of {sum(expected.values())}, wrong: {wrong}")
    assert recovered >= 0.95  # measured 0.966 at 400 dpi (300 dpi: 0.915)
    assert wrong <= 5  # measured 2
