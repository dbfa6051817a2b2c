"""Shared test material: report texts written for these tests, and builders for real PDFs."""
from __future__ import annotations

import io

import pytest

from esg_pipeline.ingest.fetch import FetchSettings
from esg_pipeline.ingest.rawstore import RawStore

# Fictional company, fictional figures.
COMMUNITY_2021 = (
    "Harbourline Holdings ESG Report 2021 - Community Investment\n"
    "In 2021, Harbourline contributed HK$4.6 million to community programmes across the harbour districts.\n"
    "Our employees volunteered 3,120 hours, mostly mentoring school leavers and restoring mangrove walks.\n"
    "As of the end of 2021, 14 partner charities received multi-year grants.\n"
)

EMISSIONS_2022 = (
    "Kestrel Bay Logistics Sustainability Report 2022\n"
    "Scope 1 emissions fell to 18,450 tonnes CO2e in 2022 as the depot fleet moved to electric tractors.\n"
    "Electricity purchased for warehouses totalled 9,870 MWh, of which 41% came from renewable tariffs.\n"
)

LEFT_COLUMN = [
    "Water stewardship matters at every depot we run.",
    "Rainwater tanks at four sites supplied washing bays.",
    "Metered withdrawals fell by a tenth over the year.",
    "Leak patrols now run weekly instead of monthly.",
    "Staff training covered spill response and reuse.",
    "Left column closes with the water summary line.",
]
RIGHT_COLUMN = [
    "Waste handled by contractors is weighed at the gate.",
    "Pallets are repaired and returned to circulation.",
    "Cardboard bales went to a mill thirty miles away.",
    "Hazardous waste fell after solvent recycling began.",
    "Food waste from canteens is now composted on site.",
    "Right column closes with the waste summary line.",
]


@pytest.fixture
def store(tmp_path) -> RawStore:
    return RawStore(tmp_path / "raw")


@pytest.fixture
def fast_settings() -> FetchSettings:
    """Small timeouts and backoff so retry tests stay quick."""
    return FetchSettings(connect_timeout=1.0, read_timeout=0.5, retries=2, backoff_factor=0.01,
                         backoff_max=0.05, max_retry_after=2.0, max_bytes=200_000)


def _new_pdf():
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=10)
    return pdf


def pdf_pages(pages: list[str]) -> bytes:
    """A single-column PDF, one string (lines separated by newline) per page."""
    pdf = _new_pdf()
    for page in pages:
        pdf.add_page()
        pdf.set_xy(50, 60)
        for line in page.splitlines():
            pdf.set_x(50)
            pdf.cell(0, 14, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def pdf_two_columns(title: str, left: list[str], right: list[str], footer: str | None = None,
                    right_table: list[list[str]] | None = None) -> bytes:
    """A page with a full-width title, two text columns side by side, optionally a ruled table
    under the right column's text, and an optional full-width footer."""
    pdf = _new_pdf()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.set_xy(50, 50)
    pdf.cell(495, 20, title, align="C")
    pdf.set_font("Helvetica", size=9)
    column_width, right_x = 230, 315
    for column_x, lines in ((50, left), (right_x, right)):
        for row, line in enumerate(lines):
            pdf.set_xy(column_x, 100 + row * 14)
            pdf.cell(column_width, 12, line)
    bottom = 100 + max(len(left), len(right)) * 14
    if right_table:
        pdf.set_left_margin(right_x)
        pdf.set_xy(right_x, 100 + len(right) * 14 + 6)
        with pdf.table(width=column_width, align="LEFT", first_row_as_headings=False) as table:
            for cells in right_table:
                table_row = table.row()
                for cell in cells:
                    table_row.cell(cell)
        pdf.set_left_margin(50)
        bottom = max(bottom, pdf.get_y())
    if footer:
        pdf.set_xy(50, bottom + 30)
        pdf.cell(495, 12, footer)
    return bytes(pdf.output())


def pdf_with_table(intro: str, rows: list[list[str]], outro: str) -> bytes:
    """A paragraph, a ruled table (as pdfplumber finds it) and a closing paragraph."""
    pdf = _new_pdf()
    pdf.add_page()
    pdf.set_xy(50, 60)
    pdf.cell(0, 14, intro, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_left_margin(50)
    with pdf.table(width=400, first_row_as_headings=False) as table:
        for cells in rows:
            table_row = table.row()
            for cell in cells:
                table_row.cell(cell)
    pdf.ln(10)
    pdf.cell(0, 14, outro, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def encrypt_pdf(data: bytes, user_password: str, owner_password: str = "owner-secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class PdfBuilder:
    """Handed to tests as a fixture, so test modules need not import conftest."""

    pages = staticmethod(pdf_pages)
    two_columns = staticmethod(pdf_two_columns)
    with_table = staticmethod(pdf_with_table)
    encrypt = staticmethod(encrypt_pdf)


class Texts:
    community_2021 = COMMUNITY_2021
    emissions_2022 = EMISSIONS_2022
    left_column = LEFT_COLUMN
    right_column = RIGHT_COLUMN


@pytest.fixture
def pdfs() -> type[PdfBuilder]:
    return PdfBuilder


@pytest.fixture
def texts() -> type[Texts]:
    return Texts
