"""Tables from word geometry (`grid.find_page_tables`), case by case.

Every case is one invented ESG-like page layout: text placed at exact points. The runner reads it two
ways: as `Word`s handed straight to the grid finder (widths measured with the PDF font), and as a real
PDF built with fpdf2 and read back through `read_document_bytes`. Both must give the same grid: column
years, row labels, group paths, units, footnote markers and cells under the right columns. Every cell
must also know its page and box, and in the PDF its span in the document text must print the cell.

The defects these tests found are pinned at the end.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from esg_pipeline.ingest.documents import Document, Table, Word, read_document_bytes
from esg_pipeline.ingest.documents.grid import clean_label, find_page_tables

FONT_SIZE = 9
LINE = 14  # points between table lines
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# (x, y, text) or (x, y, text, "B"): text drawn at x, y (points, top-down) on an A4 page.
Placed = tuple


@dataclass(frozen=True)
class R:
    """An expected row: label, cells by column index, group path, unit as printed, footnote markers."""

    label: str
    cells: dict[int, str] = field(default_factory=dict)
    path: tuple[str, ...] = ()
    unit: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class T:
    """An expected table: the year of each column (None for a change/target column), its rows, and
    optionally the column kinds and header texts."""

    years: list[int | None]
    rows: list[R]
    kinds: list[str] | None = None
    headers: list[str] | None = None


@dataclass(frozen=True)
class Case:
    id: str
    placed: list[Placed]
    tables: list[T]
    sources: tuple[str, ...] = ("words", "pdf")
    unicode_font: bool = False  # needs a TTF font for characters outside Latin-1 (PDF only)
    outside: tuple[str, ...] = ()  # words that no table may take (text above or below it)


def row(y: float, *cells: tuple) -> list[Placed]:
    """Texts on one line: (x, text) or (x, text, "B")."""
    return [(x, y, *rest) for x, *rest in cells]


def flush_right(x1: float, text: str) -> float:
    """The x at which `text` ends at x1 (a figure right-aligned in its cell, as spreadsheets print them)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.add_page()
    pdf.set_font("Helvetica", "", FONT_SIZE)
    return x1 - pdf.get_string_width(text) - pdf.c_margin


def centred(xc: float, text: str) -> float:
    """The x at which `text` is centred on xc (a label centred in its cell, as data books print them)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.add_page()
    pdf.set_font("Helvetica", "", FONT_SIZE)
    return xc - pdf.get_string_width(text) / 2 - pdf.c_margin


def centred_row(y: float, xc: float, label: str, *figures: tuple) -> list[Placed]:
    return row(y, (centred(xc, label), label), *figures)


def right_row(y: float, label: tuple, *figures: tuple[float, str]) -> list[Placed]:
    """A label at its x, then figures each ending at its x1."""
    return row(y, label, *((flush_right(x1, text), text) for x1, text in figures))


# --- the cases ----------------------------------------------------------------------------------

C1, C2, C3 = 300, 360, 420  # value column x positions

CASES: list[Case] = [
    Case(
        # one value column named 'Value' beside a 'Unit' column: a single-period table (GRI-style data pages)
        "unit-and-value-header",
        [*row(100, (50, "Indicator"), (230, "Unit"), (330, "Value"), (420, "GRI")),
         *row(100 + LINE, (50, "Total energy consumption"), (230, "GJ"), (330, "184,230"), (420, "302-1")),
         *row(100 + 2 * LINE, (50, "Water withdrawal"), (230, "m3"), (330, "512,400"), (420, "303-3")),
         *row(100 + 3 * LINE, (50, "Employees"), (230, "number"), (330, "2,315"), (420, "2-7"))],
        [T([None], [
            R("Total energy consumption", {0: "184,230"}, unit="GJ"),
            R("Water withdrawal", {0: "512,400"}, unit="m3"),
            R("Employees", {0: "2,315"}, unit="number"),
        ], kinds=["value"], headers=["Value"])],
        outside=("302-1", "303-3"),
    ),
    Case(
        # a page's text column beside the table shares its lines: its words are neither header nor labels
        "text-column-beside",
        [*row(100, (40, "Our mills used less fuel again"), (250, "Indicator"), (400, "2022"), (450, "2023")),
         *row(100 + LINE, (40, "and the figures on the right cover"), (250, "Purchased steam (GJ)"), (400, "8,410"),
              (450, "8,120")),
         *row(100 + 2 * LINE, (40, "every site that we operate today."), (250, "Scope 1 (tCO2e)"), (400, "1,930"),
              (450, "1,874")),
         *row(100 + 3 * LINE, (40, "Joint ventures count by share."), (250, "Scope 2 (tCO2e)"), (400, "12,400"),
              (450, "12,090"))],
        [T([2022, 2023], [
            R("Purchased steam (GJ)", {0: "8,410", 1: "8,120"}),
            R("Scope 1 (tCO2e)", {0: "1,930", 1: "1,874"}),
            R("Scope 2 (tCO2e)", {0: "12,400", 1: "12,090"}),
        ], headers=["2022", "2023"])],
        outside=("mills", "figures", "operate", "ventures"),
    ),
    Case(
        # a data book's item and coverage columns: the coverage qualifies the item, and a row with no item of
        # its own sits under the item cell merged over it (its unit cell is blank: merged too)
        "item-and-coverage-columns",
        [*row(100, (50, "Item"), (160, "Coverage"), (230, "Unit"), (C1, "2022/3"), (C2, "2023/3")),
         *row(100 + LINE, (50, "Scope 1 emissions"), (160, "Japan"), (230, "t-CO2"), (C1, "8,410"), (C2, "8,102")),
         *row(100 + 2 * LINE, (160, "Overseas"), (C1, "1,215"), (C2, "1,190")),
         *row(100 + 3 * LINE, (50, "Waste generated"), (160, "Group"), (230, "t"), (C1, "5,410"), (C2, "5,220"))],
        [T([2022, 2023], [
            R("Scope 1 emissions Japan", {0: "8,410", 1: "8,102"}, unit="t-CO2"),
            R("Scope 1 emissions Overseas", {0: "1,215", 1: "1,190"}),
            R("Waste generated Group", {0: "5,410", 1: "5,220"}, unit="t"),
        ])],
    ),
    Case(
        # an Excel export: text headers flush left, figures flush right in wide cells; a short figure sits
        # nearer the next header than its own, so the columns are the figures' right edges
        "figures-flush-right-under-headers-flush-left",
        [*row(100, (50, "Indicator"), (240, "FY2021"), (320, "FY2022"), (400, "FY2023")),
         *right_row(100 + LINE, (50, "Employees"), (310, "12,410"), (390, "12,980"), (470, "13,305")),
         *right_row(100 + 2 * LINE, (50, "Female managers (%)"), (310, "8.1"), (390, "9.0"), (470, "10.2")),
         *right_row(100 + 3 * LINE, (50, "Energy use (TJ)"), (310, "1,920"), (390, "1,884"), (470, "1,802"))],
        [T([2021, 2022, 2023], [
            R("Employees", {0: "12,410", 1: "12,980", 2: "13,305"}),
            R("Female managers (%)", {0: "8.1", 1: "9.0", 2: "10.2"}),
            R("Energy use (TJ)", {0: "1,920", 1: "1,884", 2: "1,802"}),
        ])],
    ),
    Case(
        # 'Target 2030' is one header cell: a target column, not a target column and a 2030 value column
        "target-and-its-year-in-one-cell",
        [*row(100, (50, "Metric"), (C1, "2022"), (C2, "2023"), (C3, "Target 2030")),
         *row(100 + LINE, (50, "Scope 1 (tCO2e)"), (C1, "4,120"), (C2, "3,980"), (C3, "2,000")),
         *row(100 + 2 * LINE, (50, "Renewable power (%)"), (C1, "41"), (C2, "48"), (C3, "100"))],
        [T([2022, 2023, None], [
            R("Scope 1 (tCO2e)", {0: "4,120", 1: "3,980", 2: "2,000"}),
            R("Renewable power (%)", {0: "41", 1: "48", 2: "100"}),
        ], kinds=["value", "value", "target"])],
    ),
    Case(
        "fy-headers",
        [*row(100, (50, "Indicator"), (C1, "FY2023"), (C2, "FY2022"), (C3, "FY2021")),
         *row(100 + LINE, (50, "Scope 1 emissions (tCO2e)"), (C1, "4,120"), (C2, "4,390"), (C3, "4,655")),
         *row(100 + 2 * LINE, (50, "Electricity purchased (MWh)"), (C1, "12,800"), (C2, "12,410"), (C3, "11,975"))],
        [T([2023, 2022, 2021], [
            R("Scope 1 emissions (tCO2e)", {0: "4,120", 1: "4,390", 2: "4,655"}),
            R("Electricity purchased (MWh)", {0: "12,800", 1: "12,410", 2: "11,975"}),
        ], kinds=["value"] * 3, headers=["FY2023", "FY2022", "FY2021"])],
    ),
    Case(
        "split-year-headers",
        [*row(100, (C1, "2022/23"), (C2, "2023/24"), (C3, "2024-25")),
         *row(100 + LINE, (50, "Water withdrawn (ML)"), (C1, "1,204"), (C2, "1,150"), (C3, "1,098")),
         *row(100 + 2 * LINE, (50, "Renewable electricity share"), (C1, "41%"), (C2, "47%"), (C3, "55%"))],
        [T([2023, 2024, 2025], [
            R("Water withdrawn (ML)", {0: "1,204", 1: "1,150", 2: "1,098"}),
            R("Renewable electricity share", {0: "41%", 1: "47%", 2: "55%"}),
        ])],
    ),
    Case(
        # units printed under a centred 'Unit' header; a wide unit starts left of the header
        "unit-column-centred",
        [*row(100, (50, "Indicator"), (205, "Unit"), (C1, "2023"), (C2, "2022")),
         *row(100 + LINE, (50, "Scope 2 emissions"), (201, "tCO2e"), (C1, "2,310"), (C2, "2,505")),
         *row(100 + 2 * LINE, (50, "Water withdrawal"), (210, "m3"), (C1, "9,870"), (C2, "9,120")),
         *row(100 + 3 * LINE, (50, "Employees"), (190, "headcount"), (C1, "812"), (C2, "790"))],
        [T([2023, 2022], [
            R("Scope 2 emissions", {0: "2,310", 1: "2,505"}, unit="tCO2e"),
            R("Water withdrawal", {0: "9,870", 1: "9,120"}, unit="m3"),
            R("Employees", {0: "812", 1: "790"}, unit="headcount"),
        ])],
    ),
    Case(
        # the unit column to the right of the values
        "unit-column-right",
        [*row(100, (50, "Indicator"), (C1, "2023"), (C2, "2022"), (400, "Unit")),
         *row(100 + LINE, (50, "Diesel used by the fleet"), (C1, "1,430"), (C2, "1,512"), (400, "kL")),
         *row(100 + 2 * LINE, (50, "Hazardous waste"), (C1, "45.2"), (C2, "51.0"), (400, "t"))],
        [T([2023, 2022], [
            R("Diesel used by the fleet", {0: "1,430", 1: "1,512"}, unit="kL"),
            R("Hazardous waste", {0: "45.2", 1: "51.0"}, unit="t"),
        ])],
    ),
    Case(
        # two tables side by side under one header line: the years repeat
        "side-by-side",
        [*row(100, (40, "Emissions"), (150, "2023"), (200, "2022"), (300, "Waste"), (420, "2023"), (470, "2022")),
         *row(100 + LINE, (40, "Scope 1"), (150, "1,240"), (200, "1,310"),
              (300, "Hazardous (t)"), (425, "45"), (475, "52")),
         *row(100 + 2 * LINE, (40, "Scope 2"), (155, "880"), (205, "910"),
              (300, "Recycled (t)"), (420, "310"), (470, "298"))],
        [T([2023, 2022], [R("Scope 1", {0: "1,240", 1: "1,310"}), R("Scope 2", {0: "880", 1: "910"})]),
         T([2023, 2022], [R("Hazardous (t)", {0: "45", 1: "52"}), R("Recycled (t)", {0: "310", 1: "298"})])],
    ),
    Case(
        # a label wrapped over two lines, the values vertically centred between them
        "wrapped-label-centred",
        [*row(100, (C1, "2023"), (C2, "2022")),
         *row(114, (50, "Energy consumed within")),
         *row(121, (C1, "5,400"), (C2, "5,130")),
         *row(128, (50, "the organisation (GJ)")),
         *row(142, (50, "Fuel oil (GJ)"), (C1, "220"), (C2, "240"))],
        [T([2023, 2022], [
            R("Energy consumed within the organisation (GJ)", {0: "5,400", 1: "5,130"}),
            R("Fuel oil (GJ)", {0: "220", 1: "240"}),
        ])],
    ),
    Case(
        # a lower-case line below a row continues its label
        "lower-case-continuation",
        [*row(100, (C1, "2023"), (C2, "2022")),
         *row(114, (50, "Electricity from renewable"), (C1, "3,910"), (C2, "3,120")),
         *row(128, (50, "sources (MWh)")),
         *row(142, (50, "Natural gas (MWh)"), (C1, "760"), (C2, "805"))],
        [T([2023, 2022], [
            R("Electricity from renewable sources (MWh)", {0: "3,910", 1: "3,120"}),
            R("Natural gas (MWh)", {0: "760", 1: "805"}),
        ])],
    ),
    Case(
        # group rows head the indented rows below them; they stay in the table as rows without cells
        "group-rows",
        [*row(100, (C1, "2023"), (C2, "2022")),
         *row(114, (50, "By gender")),
         *row(128, (62, "Male"), (C1, "412"), (C2, "400")),
         *row(142, (62, "Female"), (C1, "398"), (C2, "380")),
         *row(156, (50, "By age group")),
         *row(170, (62, "Under 30"), (C1, "120"), (C2, "110")),
         *row(184, (62, "30 to 50"), (C1, "505"), (C2, "488"))],
        [T([2023, 2022], [
            R("By gender"),
            R("Male", {0: "412", 1: "400"}, path=("By gender",)),
            R("Female", {0: "398", 1: "380"}, path=("By gender",)),
            R("By age group"),
            R("Under 30", {0: "120", 1: "110"}, path=("By age group",)),
            R("30 to 50", {0: "505", 1: "488"}, path=("By age group",)),
        ])],
    ),
    Case(
        # footnote markers end up in Row.notes, not in the label
        "footnote-markers",
        [*row(100, (C1, "2023"), (C2, "2022")),
         *row(114, (50, "Scope 1 emissions [A]"), (C1, "4,100"), (C2, "4,400")),
         *row(128, (50, "Scope 2 emissions a"), (C1, "2,100"), (C2, "2,400")),
         *row(142, (50, "Scope 3 emissions bb"), (C1, "9,100"), (C2, "9,400")),
         *row(156, (50, "Energy use¹⁾"), (C1, "8,100"), (C2, "8,400"))],
        [T([2023, 2022], [
            R("Scope 1 emissions", {0: "4,100", 1: "4,400"}, notes=("[A]",)),
            R("Scope 2 emissions", {0: "2,100", 1: "2,400"}, notes=("a",)),
            R("Scope 3 emissions", {0: "9,100", 1: "9,400"}, notes=("bb",)),
            R("Energy use", {0: "8,100", 1: "8,400"}, notes=("¹⁾",)),
        ])],
        unicode_font=True,
    ),
    Case(
        # a year spanning sub-columns: '2023' over 'Total Men Women'
        "year-spanning-subcolumns",
        [*row(100, (272, "2023"), (402, "2022")),
         *row(112, (230, "Total"), (270, "Men"), (310, "Women"), (360, "Total"), (400, "Men"), (440, "Women")),
         *row(126, (50, "Employees"), (230, "810"), (270, "412"), (310, "398"), (360, "780"), (400, "400"), (440, "380")),
         *row(140, (50, "New hires"), (235, "90"), (275, "50"), (315, "40"), (365, "85"), (405, "45"), (445, "40"))],
        [T([2023, 2023, 2023, 2022, 2022, 2022], [
            R("Employees", {0: "810", 1: "412", 2: "398", 3: "780", 4: "400", 5: "380"}),
            R("New hires", {0: "90", 1: "50", 2: "40", 3: "85", 4: "45", 5: "40"}),
        ], headers=["2023 Total", "2023 Men", "2023 Women", "2022 Total", "2022 Men", "2022 Women"])],
    ),
    Case(
        # printers' fake bold: the current-year figure drawn again 0.3 pt over, in two pieces (PDFium keeps
        # both copies then), is one cell
        "fake-bold-once",
        [*row(100, (C1, "2023", "B"), (C2, "2022")),
         (C1, 114, "4,100", "B"), (C1 + 0.3, 114, "4,1", "B"), (C1 + 0.3 + 11.5, 114, "00", "B"),
         *row(114, (50, "Scope 1 emissions"), (C2, "4,400")),
         (C1, 128, "2,100", "B"), (C1 + 0.3, 128, "2,100", "B"),
         *row(128, (50, "Scope 2 emissions"), (C2, "2,400"))],
        [T([2023, 2022], [
            R("Scope 1 emissions", {0: "4,100", 1: "4,400"}),
            R("Scope 2 emissions", {0: "2,100", 1: "2,400"}),
        ])],
        sources=("pdf",),
    ),
    Case(
        # two years in a sentence are no header; the figures under it make no table
        "sentence-with-two-years",
        [*row(100, (50, "Emissions fell from 2019 to 2021 as two depots closed and the fleet changed.")),
         *row(114, (50, "Scope 1 emissions"), (C1, "4,100"), (C2, "4,400")),
         *row(128, (50, "Scope 2 emissions"), (C1, "2,100"), (C2, "2,400"))],
        [],
    ),
    Case(
        # numbers that belong to the label stay in it, even close to the first value column
        "label-keeps-its-number",
        [*row(100, (C1, "2023"), (C2, "2022")),
         *row(114, (50, "Scope 1"), (C1, "4,100"), (C2, "4,400")),
         *row(128, (50, "Scope 3 category 6 business travel"), (C1, "310"), (C2, "150")),
         *row(142, (50, "Number of production sites certified to ISO 14001"), (C1, "14"), (C2, "12"))],
        [T([2023, 2022], [
            R("Scope 1", {0: "4,100", 1: "4,400"}),
            R("Scope 3 category 6 business travel", {0: "310", 1: "150"}),
            R("Number of production sites certified to ISO 14001", {0: "14", 1: "12"}),
        ])],
    ),
    Case(
        # '-', '–', 'N/A', 'n/a' are empty cells: skipped, and the other cells keep their columns
        "empty-cells",
        [*row(100, (C1, "2023"), (C2, "2022"), (C3, "2021")),
         *row(114, (50, "Scope 1 emissions"), (C1, "4,100"), (C2, "4,400"), (C3, "4,000")),
         *row(128, (50, "Scope 2 emissions"), (C1, "N/A"), (C2, "2,400"), (C3, "2,300")),
         *row(142, (50, "Scope 3 emissions"), (C1, "n/a"), (C2, "–"), (C3, "9,000")),
         *row(156, (50, "Biogenic emissions"), (C1, "120"), (C2, "-"), (C3, "95"))],
        [T([2023, 2022, 2021], [
            R("Scope 1 emissions", {0: "4,100", 1: "4,400", 2: "4,000"}),
            R("Scope 2 emissions", {1: "2,400", 2: "2,300"}),
            R("Scope 3 emissions", {2: "9,000"}),
            R("Biogenic emissions", {0: "120", 2: "95"}),
        ])],
        unicode_font=True,
    ),
    Case(
        # the title above, the notes right below (one reaching into the value columns) and a paragraph
        # further down are the page's text, not table rows
        "text-around-the-table",
        [*row(70, (50, "Environmental performance", "B")),
         *row(100, (C1, "2023"), (C2, "2022")),
         *row(114, (50, "Scope 1 emissions"), (C1, "4,100"), (C2, "4,400")),
         *row(128, (50, "Scope 2 emissions"), (C1, "2,100"), (C2, "2,400")),
         *row(142, (50, "Figures for 2022 were restated after a review of the fleet fuel records.")),
         *row(156, (50, "Totals may not add up.")),
         *row(230, (50, "Our depots ran 9 electric trucks and 14 vans by the end of 2023."))],
        [T([2023, 2022], [
            R("Scope 1 emissions", {0: "4,100", 1: "4,400"}),
            R("Scope 2 emissions", {0: "2,100", 1: "2,400"}),
        ])],
        outside=("Environmental", "restated", "Totals", "add", "depots", "trucks", "vans"),
    ),
    Case(
        # a data book whose labels are centred in merged cells: an item cell across the label column, and
        # under an item a group cell on the left ('By contract', centred on the rows it spans, so printed
        # halfway down them) beside the sub-item cells; a short centred label starts further right than a
        # long one without being its child; a row between two group labels goes with the nearer; a label
        # wrapped so that its second line sits beside the figures is one label
        "centred-label-cells",
        [*row(100, (C1, "2022"), (C2, "2023")),
         *centred_row(114, 150, "Sites assessed for biodiversity risk", (C1, "12"), (C2, "14")),
         *centred_row(128, 150, "Share of suppliers screened against labour and human rights"),
         *centred_row(142, 150, "standards", (C1, "61"), (C2, "66")),
         *centred_row(156, 150, "Number of contractors", (C1, "410"), (C2, "385")),
         *centred_row(170, 195, "Full-time", (C1, "300"), (C2, "280")),
         *centred_row(184, 95, "By contract"),
         *centred_row(198, 195, "Part-time", (C1, "110"), (C2, "105")),
         *centred_row(212, 195, "On site", (C1, "350"), (C2, "330")),
         *centred_row(226, 95, "By location"),
         *centred_row(240, 195, "Remote", (C1, "60"), (C2, "55")),
         *centred_row(254, 150, "Total headcount", (C1, "2,950"), (C2, "3,020")),
         *centred_row(268, 195, "North", (C1, "1,700"), (C2, "1,760")),
         *centred_row(282, 95, "By area"),
         *centred_row(296, 195, "Southern plants", (C1, "1,250"), (C2, "1,260"))],
        [T([2022, 2023], [
            R("Sites assessed for biodiversity risk", {0: "12", 1: "14"}),
            R("Share of suppliers screened against labour and human rights standards", {0: "61", 1: "66"}),
            R("Number of contractors", {0: "410", 1: "385"}),
            R("By contract", path=("Number of contractors",)),
            R("Full-time", {0: "300", 1: "280"}, ("Number of contractors", "By contract")),
            R("Part-time", {0: "110", 1: "105"}, ("Number of contractors", "By contract")),
            R("By location", path=("Number of contractors",)),
            R("On site", {0: "350", 1: "330"}, ("Number of contractors", "By location")),
            R("Remote", {0: "60", 1: "55"}, ("Number of contractors", "By location")),
            R("Total headcount", {0: "2,950", 1: "3,020"}),
            R("By area", path=("Total headcount",)),
            R("North", {0: "1,700", 1: "1,760"}, ("Total headcount", "By area")),
            R("Southern plants", {0: "1,250", 1: "1,260"}, ("Total headcount", "By area")),
        ])],
    ),
    Case(
        # labels centred in their cells, but each group label set at the top of its merged cell, on the line
        # above its rows: the group heads the rows below it only, even where a row is nearer the next group
        "centred-label-cells-groups-on-top",
        [*row(100, (C1, "2022"), (C2, "2023")),
         *centred_row(114, 150, "Total waste generated", (C1, "940"), (C2, "910")),
         *centred_row(128, 95, "By type"),
         *centred_row(142, 195, "Hazardous", (C1, "40"), (C2, "38")),
         *centred_row(156, 195, "Non-hazardous", (C1, "600"), (C2, "590")),
         *centred_row(170, 195, "Packaging", (C1, "300"), (C2, "282")),
         *centred_row(184, 95, "By site"),
         *centred_row(198, 195, "Plant A", (C1, "500"), (C2, "480")),
         *centred_row(212, 195, "Riverside plant", (C1, "440"), (C2, "430")),
         *centred_row(226, 150, "Waste recycled", (C1, "610"), (C2, "575"))],
        [T([2022, 2023], [
            R("Total waste generated", {0: "940", 1: "910"}),
            R("By type", path=("Total waste generated",)),
            R("Hazardous", {0: "40", 1: "38"}, ("Total waste generated", "By type")),
            R("Non-hazardous", {0: "600", 1: "590"}, ("Total waste generated", "By type")),
            R("Packaging", {0: "300", 1: "282"}, ("Total waste generated", "By type")),
            R("By site", path=("Total waste generated",)),
            R("Plant A", {0: "500", 1: "480"}, ("Total waste generated", "By site")),
            R("Riverside plant", {0: "440", 1: "430"}, ("Total waste generated", "By site")),
            R("Waste recycled", {0: "610", 1: "575"}),
        ])],
    ),
    Case(
        # a row whose cells are all '-' or 'N/A' is a row of the table with nothing to report, not a heading
        # over the rows below it
        "row-of-empty-cells-heads-nothing",
        [*row(100, (C1, "2023"), (C2, "2022")),
         *row(114, (50, "Scope 1 emissions"), (C1, "4,100"), (C2, "4,400")),
         *row(128, (50, "Refrigerant leaks"), (C1, "-"), (C2, "N/A")),
         *row(142, (50, "Sulphur oxides"), (C1, "12.5"), (C2, "13.1"))],
        [T([2023, 2022], [
            R("Scope 1 emissions", {0: "4,100", 1: "4,400"}),
            R("Refrigerant leaks"),
            R("Sulphur oxides", {0: "12.5", 1: "13.1"}),
        ])],
    ),
    Case(
        # a tall header row whose 'Unit' cell sits on a line below the periods; unit cells centred under it
        # and wider than it; a unit wrapped around its row's figures ('m3 per' above, 'million revenue'
        # below) while the row above has a unit of its own
        "unit-cells-of-a-tall-header",
        [*row(100, (C1, "2023"), (C2, "2022")),
         *centred_row(114, 245, "Unit"),
         *row(128, (50, "Electricity purchased"), (centred(245, "MWh"), "MWh"), (C1, "8,400"), (C2, "8,100")),
         *row(142, (50, "Energy intensity of output"), (centred(245, "GJ / tonne"), "GJ / tonne"), (C1, "2.4"),
              (C2, "2.6")),
         *row(156, (50, "Waste recycled"), (centred(245, "t"), "t"), (C1, "310"), (C2, "290")),
         *centred_row(170, 245, "m3 per"),
         *row(184, (50, "Water use intensity"), (C1, "0.52"), (C2, "0.55")),
         *centred_row(198, 245, "million revenue")],
        [T([2023, 2022], [
            R("Electricity purchased", {0: "8,400", 1: "8,100"}, unit="MWh"),
            R("Energy intensity of output", {0: "2.4", 1: "2.6"}, unit="GJ / tonne"),
            R("Waste recycled", {0: "310", 1: "290"}, unit="t"),
            R("Water use intensity", {0: "0.52", 1: "0.55"}, unit="m3 per million revenue"),
        ])],
    ),
    Case(
        # a title right above the header that mentions units is no 'Unit' header cell
        "title-with-units-over-the-header",
        [*row(86, (50, "All units")),
         *row(100, (C1, "2023"), (C2, "2022")),
         *row(114, (50, "Electricity purchased"), (C1, "8,400"), (C2, "8,100")),
         *row(128, (50, "Fuel burnt"), (C1, "1,200"), (C2, "1,350"))],
        [T([2023, 2022], [
            R("Electricity purchased", {0: "8,400", 1: "8,100"}),
            R("Fuel burnt", {0: "1,200", 1: "1,350"}),
        ])],
        outside=("All",),
    ),
    Case(
        # labels and unit cells over several lines, the figures on a line of their own or beside the label's
        # last line: the unit lines beside a label waiting for its figures are that label's unit, and a label
        # line that cannot end (open bracket, 'of') goes on in the label on the figures' line
        "wrapped-label-and-unit-cells",
        [*row(100, (50, "Indicator"), (230, "Unit"), (C1, "2023"), (C2, "2022")),
         *row(114, (50, "Emission intensity per tonne of"), (230, "t CO2e /")),
         *row(128, (50, "Product"), (230, "tonne")),
         *row(142, (C1, "0.41"), (C2, "0.44")),
         *row(156, (50, "(scope 1 and 2)")),
         *row(180, (50, "Energy use per site (Total energy /")),
         *row(194, (230, "MWh")),
         *row(208, (50, "Number of sites)"), (C1, "12.5"), (C2, "13.0")),
         *row(222, (50, "Sites certified"), (230, "number"), (C1, "14"), (C2, "12"))],
        [T([2023, 2022], [
            R("Emission intensity per tonne of Product (scope 1 and 2)", {0: "0.41", 1: "0.44"}, unit="t CO2e / tonne"),
            R("Energy use per site (Total energy / Number of sites)", {0: "12.5", 1: "13.0"}, unit="MWh"),
            R("Sites certified", {0: "14", 1: "12"}, unit="number"),
        ])],
    ),
]


# --- building the two inputs ---------------------------------------------------------------------

@functools.cache
def _measure():
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.add_page()
    if DEJAVU.exists():
        pdf.add_font("DejaVu", "", str(DEJAVU))
    return pdf


def words_of(placed: list[Placed]) -> list[Word]:
    """One Word per space-separated token, measured in Helvetica as the PDF draws it (x0 after the
    cell margin, as fpdf2 places text)."""
    pdf = _measure()
    out = []
    for x, y, text, *style in placed:
        pdf.set_font("Helvetica", style[0] if style else "", FONT_SIZE)
        space = pdf.get_string_width(" ")
        x += pdf.c_margin
        for token in text.split():
            width = pdf.get_string_width(token) if token.isascii() else len(token) * space * 2
            out.append(Word(token, x, y - 1, x + width, y + FONT_SIZE * 1.15, page=1, bold=bool(style)))
            x += width + space
    return out


def pdf_of(placed: list[Placed], unicode_font: bool = False) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    if unicode_font:
        pdf.add_font("DejaVu", "", str(DEJAVU))
        pdf.add_font("DejaVu", "B", str(DEJAVU))  # the grid does not need a real bold face
    family = "DejaVu" if unicode_font else "Helvetica"
    for x, y, text, *style in placed:
        pdf.set_font(family, style[0] if style else "", FONT_SIZE)
        pdf.set_xy(x, y)
        pdf.cell(text=text)
    return bytes(pdf.output())


def read_pdf_bytes(data: bytes, name: str) -> Document:
    return read_document_bytes(data, "pdf", name)


def summary(table: Table, expected: T) -> T:
    """The table in the shape of the expectation (kinds and headers only when the case names them)."""
    return T(
        years=[c.year for c in table.columns],
        rows=[R(r.label, {c.col: c.text for c in r.cells}, r.path, r.unit, r.notes) for r in table.rows],
        kinds=[c.kind for c in table.columns] if expected.kinds is not None else None,
        headers=[c.header for c in table.columns] if expected.headers is not None else None,
    )


# --- the runner ----------------------------------------------------------------------------------

PARAMS = [pytest.param(case, source, id=f"{case.id}-{source}") for case in CASES for source in case.sources]


@pytest.mark.parametrize("case,source", PARAMS)
def test_grid_case(case: Case, source: str):
    if source == "words":
        words = words_of(case.placed)
        found = find_page_tables(words, page=1)
        tables = [f.table for f in found]
        taken = {words[i].text for f in found for i in f.word_ids}
        for text in case.outside:
            assert text not in taken, f"{text!r} was taken into a table"
        for table in tables:
            for r in table.rows:
                for cell in r.cells:
                    assert cell.page == 1
                    assert any(cell.box == (w.x0, w.top, w.x1, w.bottom) and w.text == cell.text for w in words)
    else:
        if case.unicode_font and not DEJAVU.exists():
            pytest.skip(f"{DEJAVU} is needed to draw characters outside Latin-1")
        doc = read_pdf_bytes(pdf_of(case.placed, case.unicode_font), f"{case.id}.pdf")
        tables = doc.tables
        table_text = "\n".join(b.text for b in doc.blocks if b.table is not None)
        other_text = "\n".join(b.text for b in doc.blocks if b.table is None)
        for text in case.outside:
            assert text not in table_text, f"{text!r} was taken into a table"
            assert text in other_text, f"{text!r} was lost from the page text"
        assert_cells_located(doc)
    assert [summary(t, e) for t, e in zip(tables, case.tables)] == case.tables
    assert len(tables) == len(case.tables)


def assert_cells_located(doc: Document) -> None:
    """Every value cell knows its page and box, and its span in the document text prints it."""
    for block in doc.blocks:
        if block.table is None:
            continue
        x0, top, x1, bottom = block.box
        assert block.start <= block.end and doc.text[block.start:block.end] == block.text
        for r in block.table.rows:
            assert doc.text[r.start:r.end].startswith(" › ".join(r.label_path) or "-")
            for cell in r.cells:
                assert cell.page == block.page == 1
                assert cell.box is not None
                cx0, ctop, cx1, cbottom = cell.box
                assert x0 - 0.5 <= cx0 < cx1 <= x1 + 0.5 and top - 0.5 <= ctop < cbottom <= bottom + 0.5
                assert doc.text[cell.start:cell.end] == cell.text
                assert doc.page_at(cell.start) == 1


# --- whole-page checks that the case table does not express -------------------------------------

def test_fake_bold_number_is_printed_once_in_the_document_text():
    case = next(c for c in CASES if c.id == "fake-bold-once")
    doc = read_pdf_bytes(pdf_of(case.placed), "bold.pdf")
    assert doc.text.count("4,100") == 1 and doc.text.count("2,100") == 1
    assert "4,14,100" not in doc.text and "4,100 00" not in doc.text


def test_sentence_with_two_years_stays_a_paragraph():
    case = next(c for c in CASES if c.id == "sentence-with-two-years")
    doc = read_pdf_bytes(pdf_of(case.placed), "sentence.pdf")
    assert doc.tables == []
    assert any("from 2019 to 2021" in b.text for b in doc.blocks if b.kind == "paragraph")


def test_two_pages_each_cell_knows_its_page():
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=FONT_SIZE)
    for page, (label, a, b) in enumerate([("Scope 1 emissions", "4,100", "4,400"),
                                          ("Water withdrawal (ML)", "912", "955")], start=1):
        pdf.add_page()
        for x, y, text in [(C1, 100, "2023"), (C2, 100, "2022"), (50, 114, label), (C1, 114, a), (C2, 114, b)]:
            pdf.set_xy(x, y)
            pdf.cell(text=text)
    doc = read_pdf_bytes(bytes(pdf.output()), "two-pages.pdf")
    assert [t.pages for t in doc.tables] == [(1,), (2,)]
    for block in doc.blocks:
        for r in block.table.rows if block.table else []:
            for cell in r.cells:
                assert cell.page == block.page == doc.page_at(cell.start)
                assert doc.text[cell.start:cell.end] == cell.text


@pytest.mark.parametrize("label,expected", [
    ("Scope 1 emissions [A]", ("Scope 1 emissions", ("[A]",))),
    ("Scope 2 emissions a", ("Scope 2 emissions", ("a",))),
    ("Scope 2 emissions p q", ("Scope 2 emissions", ("q", "p"))),
    ("Waste to landfill bbb", ("Waste to landfill", ("bbb",))),
    ("Energy use¹⁾", ("Energy use", ("¹⁾",))),
    ("Lost-time injuries*", ("Lost-time injuries", ("*",))),
    ("Employees3)", ("Employees", ("3)",))),
    ("Scope 1 emissions", ("Scope 1 emissions", ())),
    ("Sites certified to ISO 14001", ("Sites certified to ISO 14001", ())),
    ("…natural gas", ("natural gas", ())),
])
def test_clean_label(label, expected):
    assert clean_label(label) == expected


# --- defects found by these tests, fixed since --------------------------------------------------

@pytest.mark.parametrize("label", ["Water withdrawal (m3)", "Land restored (km2)"])
def test_unit_with_a_digit_in_brackets_is_not_a_footnote(label):
    assert clean_label(label) == (label, ())


def test_wide_unit_cell_right_of_the_values():
    placed = [*row(100, (50, "Indicator"), (C1, "2023"), (C2, "2022"), (420, "Unit")),
              *row(114, (50, "Scope 1 emissions"), (C1, "4,100"), (C2, "4,400"), (420, "tCO2e")),
              *row(128, (50, "Water withdrawal"), (C1, "9,870"), (C2, "9,100"), (420, "m3"))]
    (table,) = [f.table for f in find_page_tables(words_of(placed), page=1)]
    assert [r.unit for r in table.rows] == ["tCO2e", "m3"]


def test_empty_cell_under_a_header_is_not_part_of_it():
    placed = [*row(100, (C1, "2023"), (C2, "2022")),
              *row(114, (50, "Scope 1 emissions"), (C1, "4,100"), (C2, "-")),
              *row(128, (50, "Scope 2 emissions"), (C1, "2,100"), (C2, "2,400"))]
    (table,) = [f.table for f in find_page_tables(words_of(placed), page=1)]
    assert [c.header for c in table.columns] == ["2023", "2022"]


def test_sentence_ending_in_a_year_under_the_table_is_not_a_row():
    placed = [*row(100, (C1, "2023"), (C2, "2022")),
              *row(114, (50, "Scope 1 emissions"), (C1, "4,100"), (C2, "4,400")),
              *row(128, (50, "Our depots ran 9 electric trucks and 14 vans by the end of 2023."))]
    (table,) = [f.table for f in find_page_tables(words_of(placed), page=1)]
    assert [r.label for r in table.rows] == ["Scope 1 emissions"]


def test_empty_cells_leave_no_stray_paragraphs():
    placed = [*row(100, (C1, "2023"), (C2, "2022")),
              *row(114, (50, "Scope 1 emissions"), (C1, "4,100"), (C2, "4,400")),
              *row(128, (50, "Scope 2 emissions"), (C1, "-"), (C2, "2,400"))]
    doc = read_pdf_bytes(pdf_of(placed), "dash.pdf")
    assert [b.text for b in doc.blocks if b.table is None] == []


def _two_page_table(repeat_header: bool) -> bytes:
    """A data table that runs over the bottom of page 1 onto page 2; page 2 repeats the header or not."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(595, 842))
    pdf.set_font("Helvetica", size=9)
    pdf.set_auto_page_break(False)

    def row(y: float, label: str, unit: str, values: list[str]) -> None:
        pdf.set_xy(50, y)
        pdf.cell(200, 10, label)
        pdf.set_xy(260, y)
        pdf.cell(60, 10, unit)
        for k, value in enumerate(values):
            pdf.set_xy(340 + 70 * k, y)
            pdf.cell(50, 10, value, align="R")

    pdf.add_page()
    pdf.set_xy(50, 60)
    pdf.cell(300, 12, "Resource use of our depots")
    row(90, "Indicator", "Unit", ["2023", "2022", "2021"])
    for n in range(50):
        row(110 + 14 * n, f"Depot {n + 1} electricity", "MWh", [f"{1000 + n},5", f"{900 + n}", f"{800 + n}"])
    pdf.add_page()
    top = 60
    if repeat_header:
        row(top, "Indicator", "Unit", ["2023", "2022", "2021"])
        top += 20
    for n in range(3):
        row(top + 14 * n, f"Depot {51 + n} water", "m3", [f"{5000 + n}", f"{4800 + n}", f"{4600 + n}"])
    pdf.set_xy(50, top + 80)
    pdf.cell(400, 12, "Figures cover every depot we ran during the year.")
    return bytes(pdf.output())


@pytest.mark.parametrize("repeat_header", [False, True])
def test_table_continued_on_the_next_page_keeps_its_columns(repeat_header):
    document = read_document_bytes(_two_page_table(repeat_header), name="continued.pdf")
    rows = [row for table in document.tables for row in table.rows if row.label.startswith("Depot 5")]
    page_two = [row for row in rows if row.page == 2]
    assert [row.label for row in page_two] == ["Depot 51 water", "Depot 52 water", "Depot 53 water"]
    for row in page_two:
        table = next(t for t in document.tables if row in t.rows)
        assert [table.columns[c.col].year for c in row.cells] == [2023, 2022, 2021]
        assert row.unit == "m3"
        assert all(c.page == 2 and document.text[c.start:c.end] == c.text for c in row.cells)
    if not repeat_header:  # one table over both pages
        assert len(document.tables) == 1 and document.tables[0].pages == (1, 2)
    assert "Figures cover every depot" in document.text
