"""Report readers: encodings, HTML structure, PDF pages/columns/tables, and every bad-input message."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from esg_pipeline.ingest.documents import (
    DocumentError,
    detect_format,
    read_document,
    read_document_bytes,
)

TRADITIONAL = ("港灣線控股有限公司致力於社區投資。2021年，"
               "我們向本地慈善機構捐款合共四百六十萬港元，"
               "並組織員工參與義工服務超過三千小時。"
               "我們亦推動綠色辦公，減少用紙及用電。\n")
SIMPLIFIED = ("港湾线控股有限公司致力于社区投资。2021年，"
              "我们向本地慈善机构捐款合共四百六十万港元，"
              "并组织员工参与志愿服务超过三千小时。"
              "我们亦推动绿色办公，减少用纸及用电。\n")
WESTERN = ("Nos émissions de gaz à effet de serre ont diminué de 12 % en 2021 "
           "grâce à l’électrification de la flotte ; 3 120 heures de bénévolat — un record.\n")


# --- plain text ----------------------------------------------------------------------

@pytest.mark.parametrize("text,encoding", [
    (TRADITIONAL, "big5"),
    (SIMPLIFIED, "gbk"),
    (SIMPLIFIED, "gb18030"),
    (TRADITIONAL, "utf-8"),
    (TRADITIONAL, "utf-8-sig"),
    (TRADITIONAL, "utf-16"),      # with BOM
    (TRADITIONAL, "utf-16-le"),   # without BOM
    (SIMPLIFIED, "utf-16-be"),
    ("Harbourline volunteered 3,120 hours in 2021.\n", "utf-16-le"),
    (WESTERN, "cp1252"),
])
def test_text_encoding_is_detected_not_assumed(tmp_path, text, encoding):
    path = tmp_path / "report.txt"
    path.write_bytes(text.encode(encoding))
    document = read_document(path)
    assert document.text == text
    assert document.format == "txt"
    assert document.page_starts == []


def test_text_newlines_are_normalised(texts):
    crlf = texts.community_2021.replace("\n", "\r\n").encode()
    assert read_document_bytes(crlf, name="a.txt").text == texts.community_2021
    old_mac = texts.community_2021.replace("\n", "\r").encode()
    assert read_document_bytes(old_mac, name="a.txt").text == texts.community_2021


def test_declared_charset_is_used_when_bytes_are_ambiguous(texts):
    data = WESTERN.encode("iso-8859-15", errors="replace")
    text = read_document_bytes(data, name="a.txt", content_type="text/plain; charset=ISO-8859-15").text
    assert "émissions" in text and "grâce" in text


def test_empty_and_whitespace_files_are_rejected(tmp_path):
    for content in (b"", b"  \n\t\r\n  "):
        path = tmp_path / "blank.txt"
        path.write_bytes(content)
        with pytest.raises(DocumentError, match=r"blank\.txt: empty file"):
            read_document(path)


@pytest.mark.parametrize("seed", range(8))
def test_binary_garbage_is_rejected(tmp_path, seed):
    rng = random.Random(seed)
    path = tmp_path / "garbage.txt"
    path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.choice([64, 900, 5000]))))
    with pytest.raises(DocumentError, match=r"garbage\.txt: binary content, not a text report"):
        read_document(path)


def test_binary_garbage_without_nul_bytes_is_rejected(tmp_path):
    rng = random.Random(42)
    path = tmp_path / "noise.bin"
    path.write_bytes(bytes(rng.randrange(1, 256) for _ in range(4000)))
    with pytest.raises(DocumentError, match="binary content"):
        read_document(path, "txt")


@settings(max_examples=40, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn")), min_size=1)
       .filter(lambda s: s.strip()))
def test_any_printable_utf8_text_round_trips(text):
    document = read_document_bytes(text.encode("utf-8"), name="prop.txt")
    expected = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    for separator in ("\u2028", "\u2029", "\x85"):
        expected = expected.replace(separator, "\n")
    assert document.text == expected


def test_oversize_file_is_rejected_before_reading(tmp_path, texts):
    path = tmp_path / "big.txt"
    path.write_text(texts.community_2021 * 50)
    with pytest.raises(DocumentError, match=r"big\.txt: file exceeds 1000 bytes"):
        read_document(path, max_bytes=1000)
    with pytest.raises(DocumentError, match="file exceeds 1000 bytes"):
        read_document_bytes(path.read_bytes(), name="big.txt", max_bytes=1000)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(DocumentError, match=r"nowhere\.txt: file not found"):
        read_document(tmp_path / "nowhere.txt")


def test_unknown_format_is_rejected(texts):
    with pytest.raises(DocumentError, match="unsupported format 'docx'"):
        read_document_bytes(texts.community_2021.encode(), "docx", name="a.docx")


# --- format detection ------------------------------------------------------------------

@pytest.mark.parametrize("data,name,content_type,expected", [
    (b"%PDF-1.7\n...", "report.txt", None, "pdf"),                  # magic bytes beat the extension
    (b"<html><body>x</body></html>", "page", "text/html; charset=utf-8", "html"),
    (b"plain words", "https://example.org/r/2021.pdf?x=1", "text/plain", "txt"),  # server type beats URL
    (b"plain words", "https://example.org/r/2021.htm", None, "html"),
    (b"  <!DOCTYPE html><p>x</p>", "download", None, "html"),
    (b"Community investment rose.", "download", "application/octet-stream", "txt"),
])
def test_detect_format(data, name, content_type, expected):
    assert detect_format(data, name, content_type) == expected


# --- HTML ----------------------------------------------------------------------------

REPORT_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Harbourline | ESG</title>
<style>p { color: green }</style><script>var tracker = "do not keep";</script></head>
<body>
<header><a href="/">Harbourline home</a> <a href="/investors">Investors</a></header>
<nav><ul><li>About us</li><li>Careers</li></ul></nav>
<main>
  <article>
    <header><h1>Community Investment 2021</h1></header>
    <p>In 2021 Harbourline contributed
       HK$4.6 million to <b>community</b> programmes.</p>
    <h2>Volunteering</h2>
    <ul><li>3,120 volunteer hours</li><li>14 partner charities</li></ul>
    <table>
      <caption>Community figures</caption>
      <thead><tr><th>Indicator</th><th>2021</th><th>2020</th></tr></thead>
      <tbody>
        <tr><td>Donations (HK$ million)</td><td>4.6</td><td>3.9</td></tr>
        <tr><td>Volunteer hours<br>(all staff)</td><td>3,120</td><td>2,480</td></tr>
      </tbody>
    </table>
    <div hidden>Draft figures, do not publish</div>
    <noscript>Enable JavaScript</noscript>
  </article>
</main>
<aside>Related: our 2019 report</aside>
<form><label>Subscribe</label><input name="email"></form>
<footer>Copyright Harbourline Holdings</footer>
</body></html>"""


def test_html_keeps_content_in_reading_order_and_drops_chrome():
    document = read_document_bytes(REPORT_PAGE.encode("utf-8"), name="community.html")
    assert document.format == "html"
    assert document.text.splitlines() == [
        "Community Investment 2021",
        "In 2021 Harbourline contributed HK$4.6 million to community programmes.",
        "Volunteering",
        "3,120 volunteer hours",
        "14 partner charities",
        "Community figures",
        "Indicator | 2021 | 2020",
        "Donations (HK$ million) | 4.6 | 3.9",
        "Volunteer hours (all staff) | 3,120 | 2,480",
    ]


def test_html_table_keeps_empty_cells_so_year_columns_stay_aligned():
    page = ("<table><tr><th>Indicator</th><th>2021</th><th>2020</th></tr>"
            "<tr><td>Scope 3 emissions</td><td></td><td>41,000</td></tr></table>")
    lines = read_document_bytes(page.encode(), "html", name="t.html").text.splitlines()
    assert lines == ["Indicator | 2021 | 2020", "Scope 3 emissions |  | 41,000"]


@pytest.mark.parametrize("encoding", ["gbk", "big5"])
def test_html_uses_meta_charset(encoding):
    body = SIMPLIFIED if encoding == "gbk" else TRADITIONAL
    page = f'<html><head><meta charset="{encoding}"></head><body><p>{body}</p></body></html>'
    document = read_document_bytes(page.encode(encoding), name="zh.html")
    assert document.text == body.strip()


def test_html_http_content_type_charset_is_honoured():
    page = f"<html><body><p>{TRADITIONAL}</p></body></html>"
    document = read_document_bytes(page.encode("big5"), name="https://example.org/zh",
                                   content_type="text/html; charset=big5")
    assert document.format == "html"
    assert document.text == TRADITIONAL.strip()


def test_html_with_no_text_is_rejected():
    page = ("<html><head><title>Loading</title><script>render()</script></head>"
            "<body><nav>Home</nav><div id='app'></div><!-- content comes later --></body></html>")
    with pytest.raises(DocumentError, match=r"app\.html: HTML with no text"):
        read_document_bytes(page.encode(), name="app.html")


# --- PDF -----------------------------------------------------------------------------

def _paragraph(text: str) -> str:
    """A page's lines as the reader joins them into one paragraph."""
    return " ".join(text.split())


def test_pdf_pages_and_page_starts(pdfs, texts):
    data = pdfs.pages([texts.community_2021, texts.emissions_2022])
    document = read_document_bytes(data, name="two-pages.pdf")
    assert document.format == "pdf"
    assert document.pages == 2
    first, second = document.page_starts
    assert first == 0
    assert _paragraph(document.text[first:second]) == _paragraph(texts.community_2021)
    assert _paragraph(document.text[second:]) == _paragraph(texts.emissions_2022)
    offset = document.text.index("Scope 1 emissions")
    assert document.page_at(offset) == 2
    assert document.page_at(document.text.index("mangrove")) == 1


def test_pdf_two_columns_read_left_then_right(pdfs, texts):
    title = "Environment 2021: Water and Waste"
    footer = "Figures cover the twelve months to 31 December 2021 and all owned depots."
    data = pdfs.two_columns(title, texts.left_column, texts.right_column, footer=footer)
    text = _paragraph(read_document_bytes(data, name="columns.pdf").text)
    assert text == _paragraph(" ".join([title, *texts.left_column, *texts.right_column, footer]))


def test_pdf_table_inside_a_column_stays_in_that_column(pdfs, texts):
    left = texts.left_column + texts.left_column[:4]  # longer than the right column's text
    right = texts.right_column[:3]
    table = [["Waste stream", "2021", "2020"], ["Cardboard (t)", "410", "388"], ["Pallets (units)", "9,200", "8,750"]]
    footer = "All depots owned at year end are included."
    data = pdfs.two_columns("Environment 2021", left, right, footer=footer, right_table=table)
    document = read_document_bytes(data, name="mixed.pdf")
    [grid] = document.tables
    assert [(r.label, [c.text for c in r.cells]) for r in grid.rows] == [
        ("Cardboard (t)", ["410", "388"]), ("Pallets (units)", ["9,200", "8,750"])]
    assert [c.year for c in grid.columns] == [2021, 2020]
    table = next(b for b in document.blocks if b.kind == "table")
    before, after = _paragraph(document.text[:table.start]), _paragraph(document.text[table.end:])
    assert before == _paragraph(" ".join(["Environment 2021", *left, *right]))
    assert after == footer


def test_pdf_label_value_layout_is_not_mistaken_for_columns(tmp_path, pdfs):
    rows = [("Total energy consumption", "12,345 MWh"), ("Scope 1 emissions", "18,450 tCO2e"),
            ("Scope 2 emissions", "6,010 tCO2e"), ("Water withdrawal", "88,000 m3"),
            ("Employees at year end", "2,410"), ("Lost-time injury rate", "0.42"),
            ("Training hours per employee", "21.5"), ("Women in senior management", "34%")]
    from fpdf import FPDF

    pdf = FPDF(unit="pt")
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for number, (label, value) in enumerate(rows):
        pdf.set_xy(50, 60 + number * 14)
        pdf.cell(200, 12, label)
        pdf.set_xy(400, 60 + number * 14)
        pdf.cell(100, 12, value)
    lines = read_document_bytes(bytes(pdf.output()), name="kv.pdf").text.splitlines()
    assert lines == [f"{label} {value}" for label, value in rows]


def test_pdf_table_rows_become_pipe_joined_lines(pdfs):
    rows = [["Indicator", "2021", "2020"],
            ["Scope 1 emissions (tCO2e)", "18,450", "19,900"],
            ["Volunteer hours", "3,120", ""]]
    data = pdfs.with_table("Key figures for the year follow.", rows, "Figures are unaudited.")
    lines = [line.rstrip() for line in read_document_bytes(data, name="table.pdf").text.splitlines()]
    assert lines == ["Key figures for the year follow.",
                     "Indicator | 2021 | 2020",
                     "Scope 1 emissions (tCO2e) | 18,450 | 19,900",
                     "Volunteer hours | 3,120 |",
                     "Figures are unaudited."]


def test_encrypted_pdf_is_rejected(pdfs, texts):
    data = pdfs.encrypt(pdfs.pages([texts.community_2021]), user_password="let-me-in")
    with pytest.raises(DocumentError, match=r"locked\.pdf: encrypted PDF"):
        read_document_bytes(data, name="locked.pdf")


def test_pdf_with_owner_password_only_is_read(pdfs, texts):
    data = pdfs.encrypt(pdfs.pages([texts.community_2021]), user_password="")
    document = read_document_bytes(data, name="restricted.pdf")
    assert "3,120 hours" in document.text


@pytest.mark.parametrize("data,problem", [
    (b"%PDF-1.4\n" + bytes(range(256)) * 4, "corrupt PDF"),
    (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", "corrupt PDF"),
])
def test_corrupt_pdf_is_rejected(tmp_path, data, problem):
    path = tmp_path / "broken.pdf"
    path.write_bytes(data)
    with pytest.raises(DocumentError, match=rf"broken\.pdf: ({problem})"):
        read_document(path)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9])
def test_truncated_pdf_is_rejected(tmp_path, pdfs, texts, keep):
    data = pdfs.pages([texts.community_2021, texts.emissions_2022])
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(DocumentError, match=r"cut\.pdf: corrupt PDF: \S"):
        read_document(path)


def test_pdf_without_a_text_layer_is_rejected():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 80, 60, style="F")  # stands in for a scanned page image
    with pytest.raises(DocumentError, match=r"scan\.pdf: PDF has no extractable text"):
        read_document_bytes(bytes(pdf.output()), name="scan.pdf")


def test_pdf_extension_on_non_pdf_bytes_names_the_problem(tmp_path):
    path = tmp_path / "error-page.pdf"
    path.write_bytes(b"<html><body>Not found</body></html>")
    with pytest.raises(DocumentError, match=r"error-page\.pdf: HTML, not a PDF"):  # sniffed (issue 12)
        read_document(path, "pdf")
    path.write_bytes(b"Not found")
    with pytest.raises(DocumentError, match=r"error-page\.pdf: corrupt PDF: no %PDF header"):
        read_document(path, "pdf")
