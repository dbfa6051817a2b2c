"""The pypdfium2 PDF reader: words from glyphs, layout into blocks, and every bad-input message.

PDFs are built here with fpdf2 from invented text; the real-report checks read ../shared/realpdf
by path and skip when it is absent.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from esg_pipeline.ingest.documents import DocumentError, read_document_bytes
from esg_pipeline.ingest.documents import pdf_words
from esg_pipeline.ingest.documents.layout import join_lines
from esg_pipeline.ingest.documents.pdf import read_pdf
from esg_pipeline.ingest.documents.pdf_words import page_ranges, read_pdf_words

REAL = Path(__file__).resolve().parents[3] / "shared" / "realpdf"
if not REAL.is_dir():
    REAL = Path("/work/shared/realpdf")


def _pdf(font_size: float = 10):
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=font_size)
    return pdf


def _lines(pdf, x: float, y: float, lines: list[str], pitch: float = 13.0) -> float:
    for i, line in enumerate(lines):
        pdf.text(x, y + i * pitch, line)
    return y + len(lines) * pitch


def _words(data: bytes, page: int = 1) -> list:
    pages, _ = read_pdf_words(data, "t.pdf", max_pages=10)
    return pages[page - 1].words


@pytest.fixture
def no_ocr(monkeypatch):
    monkeypatch.setattr(pdf_words, "_ocr_words", lambda page, page_no: None)


# --- words -----------------------------------------------------------------------------------

def test_fake_bold_copies_merge_into_one_bold_word():
    pdf = _pdf()
    pdf.add_page()
    pdf.text(60, 100, "Fleet diesel use fell to")
    # Printers' fake bold: the same glyphs again 0.3 pt over. (PDFium itself drops a copy that is one
    # identical text object, so the copy here is drawn in two pieces, as some producers do.)
    pdf.text(176, 100, "64 kilolitres")
    pdf.text(176.3, 100, "64 kilo")
    pdf.text(176.3 + pdf.get_string_width("64 kilo"), 100, "litres")
    pdf.text(60, 130, "Depot heating stayed at 12 boilers")
    words = _words(bytes(pdf.output()))
    texts = [w.text for w in words]
    assert texts[:7] == ["Fleet", "diesel", "use", "fell", "to", "64", "kilolitres"]
    assert "6644" not in texts and "6464" not in texts
    bold = {w.text for w in words if w.bold}
    assert bold == {"64", "kilolitres"}


def test_glued_words_split_at_glyph_gaps_but_letter_spacing_does_not_split():
    pdf = _pdf()
    pdf.add_page()
    x = 60.0
    for word in ["cut", "from", "38", "kilotonnes"]:  # placed one by one, no space characters
        pdf.text(x, 100, word)
        x += pdf.get_string_width(word) + 2.8  # a word space, as a position jump
    pdf.set_char_spacing(0.4)  # loose tracking inside words stays one word
    pdf.text(60, 140, "reforestation")
    texts = [w.text for w in _words(bytes(pdf.output()))]
    assert texts == ["cut", "from", "38", "kilotonnes", "reforestation"]


def test_a_new_line_starts_a_new_word_without_a_space():
    pdf = _pdf()
    pdf.add_page()
    pdf.text(60, 100, "heat")
    pdf.text(60, 114, "pumps")
    assert [w.text for w in _words(bytes(pdf.output()))] == ["heat", "pumps"]


def test_words_are_placed_top_down():
    pdf = _pdf()
    pdf.add_page()
    pdf.text(60, 100, "upper")
    pdf.text(60, 300, "lower")
    upper, lower = _words(bytes(pdf.output()))
    assert upper.top < upper.bottom < lower.top
    assert 60 <= upper.x0 < upper.x1 < 100


def test_a_copy_is_a_repeat_a_little_offset_but_ligature_letters_share_a_box():
    first = pdf_words._Glyph("f", 100.0, 50.0, 103.0, 61.0, False)
    ligature_second = pdf_words._Glyph("f", 100.0, 50.0, 103.0, 61.0, False)
    offset_copy = pdf_words._Glyph("f", 100.3, 50.0, 103.3, 61.0, False)
    neighbour = pdf_words._Glyph("f", 103.0, 50.0, 106.0, 61.0, False)
    assert pdf_words._copied_glyph(ligature_second, [first], [0]) is None
    assert pdf_words._copied_glyph(offset_copy, [first], [0]) is first
    assert pdf_words._copied_glyph(neighbour, [first], [0]) is None


def test_ligatures_and_full_width_forms_are_normalised():
    assert [pdf_words._normalise(c) for c in "\ufb01\ufb04\uff16\uff19\uff0f\uff05a"] == ["fi", "ffl", "6", "9", "/", "%", "a"]


def test_mostly_unmapped_glyphs_make_a_page_unusable():
    glyph = pdf_words._Glyph("a", 0, 0, 5, 10, False)
    garbage = pdf_words._PageGlyphs(glyphs=[glyph] * 10, total=100, bad=90)
    symbols = pdf_words._PageGlyphs(glyphs=[pdf_words._Glyph("§", 0, 0, 5, 10, False)] * 60 + [glyph] * 10,
                                    total=70, bad=0)
    prose = pdf_words._PageGlyphs(glyphs=[glyph] * 60, total=60, bad=0)
    assert pdf_words.page_is_unusable(garbage)
    assert pdf_words.page_is_unusable(symbols)
    assert not pdf_words.page_is_unusable(prose)


def test_page_ranges_name_runs_of_three_or_more():
    assert page_ranges([1, 2, 3, 4]) == "1-4"
    assert page_ranges([3, 4]) == "3, 4"
    assert page_ranges([1, 2, 3, 7, 9, 10]) == "1-3, 7, 9, 10"


# --- layout ----------------------------------------------------------------------------------

LEFT = ["Our depots in the northern region now capture",
        "rainwater from every roof and use it to wash",
        "the delivery vans before each morning route."]
RIGHT = ["Cardboard from inbound pallets is baled on",
         "site and collected weekly by a local mill that",
         "turns it into packaging for the same depots."]


def test_two_columns_are_read_left_then_right_between_title_and_footer():
    pdf = _pdf(9)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.text(150, 60, "Depot Resource Review")
    pdf.set_font("Helvetica", size=9)
    _lines(pdf, 50, 100, LEFT, pitch=11)
    _lines(pdf, 320, 100, RIGHT, pitch=11)
    pdf.text(50, 200, "All figures cover the calendar year and every depot we lease or own outright.")
    document = read_document_bytes(bytes(pdf.output()), name="cols.pdf")
    assert [(b.kind, b.text) for b in document.blocks] == [
        ("heading", "Depot Resource Review"),
        ("paragraph", " ".join(LEFT)),
        ("paragraph", " ".join(RIGHT)),
        ("paragraph", "All figures cover the calendar year and every depot we lease or own outright."),
    ]
    assert document.blocks[0].level == 1


def test_running_header_footer_and_page_numbers_are_dropped():
    pdf = _pdf()
    bodies = ["Tree planting along the canal reached its target.",
              "Bus passes were offered to all warehouse staff.",
              "Solar panels on the cold store came online in May."]
    for number, body in enumerate(bodies, start=1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=8)
        pdf.text(50, 30, "Marrowfield Freight - Annual Environment Review")
        pdf.text(290, 820, str(number))
        pdf.text(400, 820, f"Review page {number} of 3")
        pdf.set_font("Helvetica", size=10)
        pdf.text(50, 300, body)
    document = read_document_bytes(bytes(pdf.output()), name="running.pdf")
    assert [b.text for b in document.blocks] == bodies
    assert [b.page for b in document.blocks] == [1, 2, 3]


def test_end_of_line_hyphenation_is_joined():
    pdf = _pdf()
    pdf.add_page()
    _lines(pdf, 50, 100, ["The warehouse team ran an environ-",
                          "mental audit of every loading bay and found",
                          "CO2-",
                          "free forklifts in half of them."])
    (block,) = read_document_bytes(bytes(pdf.output()), name="hyphen.pdf").blocks
    assert block.text == ("The warehouse team ran an environmental audit of every loading bay and found "
                          "CO2-free forklifts in half of them.")


def test_join_lines_keeps_hyphens_that_are_not_line_breaks():
    assert join_lines(["well-known", "routes"]) == "well-known routes"
    assert join_lines(["re-", "Use"]) == "re- Use"


def test_headings_list_items_and_paragraph_breaks():
    pdf = _pdf()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.text(50, 80, "Water")
    pdf.set_font("Helvetica", size=10)
    _lines(pdf, 50, 110, ["Meters were fitted at every site during the spring, and",
                          "leaks were fixed within a week of being found."])
    _lines(pdf, 50, 160, ["- Rain tanks at four depots", "- Weekly leak patrols"])
    pdf.set_font("Helvetica", "B", 10)
    pdf.text(50, 210, "Waste")
    pdf.set_font("Helvetica", size=10)
    pdf.text(50, 226, "Pallets are repaired on site.")
    blocks = read_document_bytes(bytes(pdf.output()), name="blocks.pdf").blocks
    assert [(b.kind, b.level, b.text) for b in blocks] == [
        ("heading", 1, "Water"),
        ("paragraph", 0, "Meters were fitted at every site during the spring, and leaks were fixed "
                         "within a week of being found."),
        ("list_item", 0, "- Rain tanks at four depots"),
        ("list_item", 0, "- Weekly leak patrols"),
        ("heading", 2, "Waste"),
        ("paragraph", 0, "Pallets are repaired on site."),
    ]


def test_label_value_rows_stay_rows():
    pdf = _pdf()
    pdf.add_page()
    rows = [("Vans in the fleet", "212"), ("Electric vans", "64"), ("Depots", "9"), ("Staff", "1,480")]
    for i, (label, value) in enumerate(rows):
        pdf.text(50, 100 + 14 * i, label)
        pdf.text(420, 100 + 14 * i, value)
    document = read_document_bytes(bytes(pdf.output()), name="kv.pdf")
    assert document.text.splitlines() == [f"{label} {value}" for label, value in rows]


def test_blocks_carry_exact_spans_and_pages():
    pdf = _pdf()
    for body in (["Canal towpath lighting switched to LED.", "Savings were reinvested in bikes."],
                 ["Depot roofs were insulated before winter."]):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 13)
        pdf.text(50, 150 + 40 * pdf.page, "Site Notes")  # not at one place on every page: no running header
        pdf.set_font("Helvetica", size=10)
        _lines(pdf, 50, 300, body, pitch=30)
    document = read_pdf(bytes(pdf.output()), "spans.pdf", max_pages=5)
    assert document.pages == 2
    for block in document.blocks:
        assert document.text[block.start:block.end] == block.text
        assert document.page_at(block.start) == block.page
    assert [(b.kind, b.page) for b in document.blocks] == [
        ("heading", 1), ("paragraph", 1), ("paragraph", 1), ("heading", 2), ("paragraph", 2)]


# --- errors and warnings ---------------------------------------------------------------------

def _two_pages() -> bytes:
    pdf = _pdf()
    for text in ("First page of the review.", "Second page of the review."):
        pdf.add_page()
        pdf.text(50, 100, text)
    return bytes(pdf.output())


def _encrypt(data: bytes, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner-only", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_password_protected_pdf_is_rejected():
    with pytest.raises(DocumentError, match=r"^locked\.pdf: encrypted PDF"):
        read_pdf(_encrypt(_two_pages(), "open-sesame"), "locked.pdf", max_pages=10)


def test_pdf_with_an_empty_user_password_opens():
    document = read_pdf(_encrypt(_two_pages(), ""), "restricted.pdf", max_pages=10)
    assert "Second page of the review." in document.text


@pytest.mark.parametrize("data,problem", [
    (b"<html>not a pdf</html>", "HTML, not a PDF"),  # sniffed (issue 12): a web page, not a broken PDF
    (b"plain text, no header", "corrupt PDF: no %PDF header"),
    (b"%PDF-1.4\n" + bytes(range(256)) * 4 + b"\n%%EOF", "corrupt PDF"),
    (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", "corrupt PDF"),
])
def test_corrupt_pdf_is_rejected(data, problem):
    with pytest.raises(DocumentError, match=rf"^broken\.pdf: {re.escape(problem)}"):
        read_pdf(data, "broken.pdf", max_pages=10)


def test_truncated_pdf_is_rejected():
    data = _two_pages()
    with pytest.raises(DocumentError, match=r"^cut\.pdf: corrupt PDF: truncated"):
        read_pdf(data[: len(data) // 2], "cut.pdf", max_pages=10)


def test_pdf_without_pages_is_rejected():
    from pypdf import PdfWriter

    out = io.BytesIO()
    PdfWriter().write(out)
    with pytest.raises(DocumentError, match=r"^empty\.pdf: corrupt PDF"):
        read_pdf(out.getvalue(), "empty.pdf", max_pages=10)


def test_pdf_with_more_pages_than_the_limit_is_rejected():
    with pytest.raises(DocumentError, match=r"^long\.pdf: PDF has 2 pages, more than the limit of 1"):
        read_pdf(_two_pages(), "long.pdf", max_pages=1)


def _scan_pages(text_pages: set[int], count: int) -> bytes:
    pdf = _pdf()
    for page in range(1, count + 1):
        pdf.add_page()
        pdf.rect(40, 40, 200, 100, style="F")  # stands in for a scanned image
        if page in text_pages:
            pdf.text(50, 300, "Typed summary of the review.")
    return bytes(pdf.output())


def test_pdf_without_any_text_layer_is_rejected(no_ocr):
    with pytest.raises(DocumentError, match=re.escape(
            "scan.pdf: PDF has no extractable text (no text layer on pages 1-4, scanned?; "
            "install tesseract-ocr to read it)")):
        read_pdf(_scan_pages(set(), 4), "scan.pdf", max_pages=10)


def test_pages_without_a_text_layer_are_named_in_a_warning(no_ocr):
    document = read_pdf(_scan_pages({1, 2}, 4), "partial.pdf", max_pages=10)
    assert document.warnings == ["pages 3, 4: no text layer (scanned?)"]
    assert document.page_at(document.text.index("Typed summary")) == 1


# --- real reports ------------------------------------------------------------------------------

def _real(name: str) -> bytes:
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"{path} not available")
    return path.read_bytes()


def test_real_report_fake_bold_figures_are_read_once():
    pages, _ = read_pdf_words(_real("shell_2019_sustainability_excerpt.pdf"), "shell.pdf", max_pages=10)
    words = pages[3].words  # the environmental data table
    label = next(w for w in words if w.text == "Direct")
    # the figures sit level with the two-line label "Direct GHG emissions (Scope 1) ... equivalent)"
    figures = [w for w in words if w.text.isdigit() and w.x0 > label.x1 + 100
               and label.top <= w.yc <= label.bottom + label.height]
    top_row = min(w.yc for w in figures)
    first_row = [w.text for w in sorted(figures, key=lambda w: w.x0) if abs(w.yc - top_row) < 2]
    assert first_row[:3] == ["70", "71", "73"]
    assert not [w.text for w in words if re.fullmatch(r"(\d)\1(\d)\2", w.text)]
    headers = [w for w in words if w.text == "Greenhouse"]
    assert headers and all(w.bold for w in headers[:1])
    assert not any("eenhouse" in w.text and w.text != "Greenhouse" for w in words)


def test_real_reports_read_with_exact_spans():
    names = ["shell_2019_sustainability_excerpt.pdf", "bp_2023_esg_datasheet_p5_9-10.pdf",
             "sunshineoilsands_2019_esg_kpis_p10-11_17-18.pdf"]
    for name in names:
        document = read_pdf(_real(name), name, max_pages=50)
        assert document.pages and document.blocks
        for block in document.blocks:
            assert document.text[block.start:block.end] == block.text
            assert document.page_at(block.start) == block.page


def test_real_report_with_an_empty_user_password_opens():
    document = read_pdf(_real("dcc_2010_annual_report_sustainability_excerpt_encrypted.pdf"), "dcc.pdf",
                        max_pages=50)
    assert document.pages == 4 and len(document.text) > 1000


def test_real_report_with_glyph_codes_is_flagged(no_ocr):
    document = read_pdf(_real("pfizer_2022_netzero_update_webprint.pdf"), "pfizer.pdf", max_pages=50)
    assert "pages 1-10: unusable text layer (glyph codes without a Unicode map)" in document.warnings
    assert document.page_at(document.blocks[0].start) == 11
