"""Text drawn left of the page (negative x, as some generators place hidden or clipped text) must not break
the column finder: found by bench/bench_backfill.py's 40-page PDFs, which failed with an IndexError."""
from fpdf import FPDF

from esg_pipeline.ingest.documents import read_document_bytes


def test_text_left_of_the_page_is_read_around():
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "", 10)
    for i in range(30):
        pdf.text(20, 20 + i * 8, f"Scope 1 emissions in 2023 were {1000 + i} tCO2e at site {i}")
    pdf.text(-900, 100, "Drawn far left of the page")
    document = read_document_bytes(bytes(pdf.output()), "pdf", "offpage.pdf")
    assert document.pages == 1 and "1029 tCO2e at site 29" in document.text
