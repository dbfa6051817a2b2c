"""Table cells to metrics (`extract/tables.py`): the printed cell value, the named unit rules, GHG tonnes,
change columns, and the CLI views on them (`extract --explain`, `inspect`).

Grids are built here directly with the document model (one table per test document), so each case
names exactly the row, column and caption it needs; the CLI tests read small invented HTML, text and
PDF reports written to a temporary folder.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pytest

from esg_pipeline.cli import main
from esg_pipeline.extract import extract_document
from esg_pipeline.extract.tables import CellValue, Trace, extract_table_metrics, parse_cell
from esg_pipeline.ingest.documents.model import Cell, Column, Document, DocumentBuilder, Row, Table

# --- parse_cell --------------------------------------------------------------------------------------

# (cell as printed, value, qualifier, percent, currency) or (cell, None) for a cell that is no plain figure
PARSE_CASES = [
    ("1,234", 1234, "exact", False, None),
    ("1,234.5", 1234.5, "exact", False, None),
    ("100,000,000", 100_000_000, "exact", False, None),
    ("3,59,83,177", 35_983_177, "exact", False, None),  # Indian digit grouping
    ("7,9", 7.9, "exact", False, None),  # a decimal comma
    ("12,34", 12.34, "exact", False, None),
    ("23,6003)", 23_600, "exact", False, None),  # footnote 3) glued to 23,600
    ("18.53)", 18.5, "exact", False, None),
    ("7,9¹⁾", 7.9, "exact", False, None),  # a superscript footnote marker
    ("1,200*", 1200, "exact", False, None),
    ("12a", 12, "exact", False, None),  # a letter footnote marker
    ("0", 0, "exact", False, None),
    ("0.00", 0, "exact", False, None),
    ("4.", 4, "exact", False, None),
    ("<1", 1, "at_most", False, None),
    ("≤0.5", 0.5, "at_most", False, None),
    (">50", 50, "at_least", False, None),
    ("153,000+", 153_000, "at_least", False, None),  # a trailing plus: at least
    ("95%+", 95, "at_least", True, None),
    ("~20", 20, "approx", False, None),
    ("≈7", 7, "approx", False, None),
    ("approx. 40", 40, "approx", False, None),
    ("12.5%", 12.5, "exact", True, None),
    ("12 %", 12, "exact", True, None),
    ("–5%", -5, "exact", True, None),  # en dash sign
    ("-7%", -7, "exact", True, None),
    ("+3%", 3, "exact", True, None),
    ("−2.5", -2.5, "exact", False, None),  # minus sign
    ("(151)", 151, "exact", False, None),  # brackets are not read as a negative sign
    ("$12.5", 12.5, "exact", False, "USD"),
    ("€3,400", 3400, "exact", False, "EUR"),
    ("£900", 900, "exact", False, "GBP"),
    ("2.0 (a)", 2.0, "exact", False, None),  # a footnote marker after a space
    ("2.0[1]", 2.0, "exact", False, None),
    ("1,204ᵃ", 1204, "exact", False, None),  # a superscript letter footnote marker
    ("310 (restated)", 310, "exact", False, None),  # a restatement note in the cell
    ("310 (Restated)", 310, "exact", False, None),
    ("12 (est.)", 12, "exact", False, None),
    ("1.234.567", 1_234_567, "exact", False, None),  # two dots can only group thousands
    ("2.480,5", 2_480.5, "exact", False, None),  # dots group thousands before a decimal comma
    ("184'250", 184_250, "exact", False, None),  # Swiss: apostrophes group thousands
    ("1’204’500", 1_204_500, "exact", False, None),
    ("184 250", 184_250, "exact", False, None),  # French: spaces group thousands
    ("12 410,5", 12_410.5, "exact", False, None),
    ("12 41", None),  # not groups of three: no figure
    ("-", None),
    ("–", None),
    ("n/a", None),
    ("N/A", None),
    ("", None),
    ("abc", None),
    ("1,2345", None),  # neither thousands nor a decimal comma
    ("1.2.3", None),  # a section number, not a figure
    ("2.0 (abc)", None),  # a word in brackets, not a footnote marker
    ("1.234.5", None),  # a decimal point after a dot group: not a number
    ("1 234", 1234, "exact", False, None),  # a space groups thousands (SI, French): one figure
    ("1 23", None),  # no group of three: two figures, or none
]


@pytest.mark.parametrize("case", PARSE_CASES, ids=[c[0] or "<empty>" for c in PARSE_CASES])
def test_parse_cell(case):
    text, *expected = case
    got = parse_cell(text)
    if expected == [None]:
        assert got is None
    else:
        value, qualifier, percent, currency = expected
        assert got == CellValue(pytest.approx(value), qualifier, percent, currency)


# --- unit rules ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitCase:
    id: str
    label: str
    cell: str
    unit: str | None  # expected metric unit; None when the cell is dropped
    value: float | None = None
    rule: str = ""  # the `unit:<rule>` flag, or the trace reason of a dropped cell
    row_unit: str | None = None
    path: tuple[str, ...] = ()
    caption: str = ""
    above: tuple[str, ...] = ()  # short blocks just above the table (a heading with a unit)
    below: tuple[str, ...] = ()  # blocks just under the table (its footnotes)
    notes: tuple[str, ...] = ()  # the row label's footnote markers
    header: str = "2023"
    kind: str = "value"
    period: str = ""  # the period printed in the header, when the header says more ('2023 Number')


UNIT_CASES = [
    UnitCase("column", "Electricity purchased", "18,750", "MWh", 18_750, "column", row_unit="MWh"),
    UnitCase("column-beats-label", "Energy use (GJ)", "1,200", "MWh", 1200, "column", row_unit="MWh"),
    UnitCase("column-scaled", "Water withdrawal", "3.2", "m3", 3_200_000, "column", row_unit="million m3"),
    UnitCase("label-brackets", "Energy consumption (GJ)", "52,400", "GJ", 52_400, "label"),
    UnitCase("label-comma", "Diesel, litres", "9,100", "litre", 9100, "label"),
    UnitCase("label-scaled", "Water withdrawn (megalitres)", "12.5", "m3", 12_500, "label"),
    UnitCase("path", "Groundwater", "410", "m3", 410_000, "path", path=("Water withdrawal (megalitres)",)),
    UnitCase("caption", "Hazardous waste", "310", "tonne", 310, "caption", caption="(Unit: tonnes)"),
    UnitCase("caption-heading-above", "Hazardous waste", "310", "tonne", 310, "caption",
             above=("Waste generated (tonnes)",)),
    UnitCase("caption-scale-over-column", "Non-hazardous waste", "2.5", "tonne", 2500, "column",
             row_unit="tonnes", caption="(in thousands)"),
    UnitCase("time-label", "Lost days due to work injury", "37", "day", 37, "time-label"),
    UnitCase("time-label-hours", "Training hours of employees", "12,400", "hour", 12_400, "time-label"),
    UnitCase("time-label-per-employee", "Average training hours per employee", "22.4", "hour", 22.4, "time-label"),
    UnitCase("time-label-under-a-people-heading", "Average training hours per employee", "22.4", "hour", 22.4,
             "time-label", above=("People",)),
    UnitCase("not-time-per-output", "Flight hours per million tonnes", "3.2", None, rule="unit:none"),
    UnitCase("rate-label", "Lost-time injury frequency (per 200,000 hours worked)", "0.31", "per 200000 hours worked",
             0.31, "rate-label"),
    UnitCase("rate-label-words", "Recordable injuries per one million man-hours", "1.2", "per 1000000 hours worked",
             1.2, "rate-label"),
    UnitCase("rate-label-digit-one", "Rate per 1 million hours worked", "0.9", "per 1000000 hours worked", 0.9,
             "rate-label"),
    UnitCase("footnote-rate", "Recordable injury rate", "0.88", "per 200000 hours worked", 0.88, "footnote-rate",
             notes=("(b)",), below=("(a) Market-based figures.", "(b) Per 200,000 hours worked.")),
    UnitCase("footnote-rate-other-marker", "Recordable injury rate", "0.88", None, rule="unit:none",
             notes=("(a)",), below=("(b) Per 200,000 hours worked.",)),
    UnitCase("column-gains-the-label-denominator", "GHG intensity per million HKD revenue", "12.5",
             "tCO2e/HKD million", 12.5, "column", row_unit="tonnes"),
    UnitCase("rate-on-path", "Contractors", "0.9", "per 1000000 hours worked", 0.9, "rate-label",
             path=("Total recordable injury frequency per million hours worked",)),
    UnitCase("rate-not-hours", "Employees trained", "310", "count", 310, "counted-label"),
    UnitCase("counted-label", "Number of suppliers", "146", "count", 146, "counted-label"),
    UnitCase("counted-label-path", "Female", "398", "count", 398, "counted-label", path=("Employees by gender",)),
    UnitCase("counted-caption", "North region", "214", "count", 214, "counted-caption",
             caption="Employees by region"),
    UnitCase("counted-caption-not-for-decimals", "North region", "21.5", None, rule="unit:none",
             caption="Employees by region"),
    UnitCase("cell-percent", "Renewable electricity share", "41.5%", "percent", 41.5, "cell-percent"),
    UnitCase("cell-percent-beats-column", "Women in management", "38%", "percent", 38, "cell-percent",
             row_unit="headcount"),
    UnitCase("cell-currency", "Community investment", "$12.5", "USD", 12.5, "cell-currency"),
    UnitCase("no-unit-dropped", "Engagement index", "72", None, rule="unit:none"),
    UnitCase("not-a-number-dropped", "Energy consumption (GJ)", "see note", None, rule="cell:not-a-number"),
    UnitCase("change-column-dropped", "Energy consumption (GJ)", "-4%", None, rule="column:change",
             header="YoY change", kind="change"),
    UnitCase("target-column-dropped", "Energy consumption (GJ)", "50,000", None, rule="column:target",
             header="Target", kind="target"),
    # plain tonnes: CO2e where the row (or its group) is about GHG, tonnes for waste
    UnitCase("ghg-tonnes-column", "Scope 1", "4,100", "tCO2e", 4100, "column", row_unit="tonnes",
             path=("Greenhouse gas emissions",)),
    UnitCase("ghg-tonnes-label", "Scope 2 emissions (tonnes)", "2,310", "tCO2e", 2310, "label"),
    UnitCase("ghg-tonnes-caption", "Scope 2 emissions", "2,310", "tCO2e", 2310, "caption", caption="(Unit: tonnes)"),
    UnitCase("ghg-kilotonnes", "Scope 1 emissions (kt)", "4.1", "tCO2e", 4100, "label"),
    UnitCase("waste-tonnes-column", "Hazardous", "45", "tonne", 45, "column", row_unit="tonnes", path=("Waste",)),
    UnitCase("waste-tonnes-under-ghg-page", "Waste to landfill", "45", "tonne", 45, "caption",
             caption="(Unit: tonnes)", above=("Greenhouse gas emissions and waste",)),
    UnitCase("methane-tonnes", "Methane emissions (tonnes)", "91", "tonne", 91, "label"),
    # sub-columns under a year ('2023' over 'Number | %'): the column header's unit beats the table's
    UnitCase("column-header", "Women", "1,204", "count", 1204, "column-header", header="2023 Number", period="2023",
             caption="(Unit: %)"),
    UnitCase("column-header-percent", "Women", "41.2", "percent", 41.2, "column-header", header="2023 %",
             period="2023", caption="Employees by gender"),
    UnitCase("column-header-not-over-a-row-unit", "Scope 1", "4,100", "tCO2e", 4100, "column", row_unit="tCO2e",
             header="2023 %", period="2023"),
]


def one_table_document(case: UnitCase) -> Document:
    builder = DocumentBuilder("txt")
    for text in case.above:
        builder.add("heading", text)
    columns = [Column(header=case.header, period=(case.period or case.header) if case.kind == "value" else None,
                      year=2023 if case.kind == "value" else None, kind=case.kind)]
    row = Row(label=case.label, path=case.path, unit=case.row_unit, notes=case.notes,
              cells=[Cell(text=case.cell, col=0)])
    table = Table(columns=columns, rows=[row], caption=case.caption, header_rows=[[case.header]],
                  unit_header="Unit" if case.row_unit else None, source="test")
    builder.add_table(table)
    for text in case.below:
        builder.add("paragraph", text)
    return builder.build()


@pytest.mark.parametrize("case", UNIT_CASES, ids=[c.id for c in UNIT_CASES])
def test_unit_rule(case: UnitCase):
    doc = one_table_document(case)
    trace = Trace([])
    metrics = extract_table_metrics(doc, name="t.txt", entity=None, trace=trace)
    if case.unit is None:
        assert metrics == []
        assert [(decision, rule) for _, decision, rule in trace.entries] == [("dropped", case.rule)]
        return
    (metric,) = metrics
    assert (metric.unit, metric.value) == (case.unit, pytest.approx(case.value))
    assert f"unit:{case.rule}" in metric.flags
    assert [(decision, rule) for _, decision, rule in trace.entries] == [("kept", f"unit:{case.rule}")]
    assert metric.year == 2023 and metric.year_source == "column" and metric.method == "table_cell"
    assert doc.text[metric.start:metric.end] == case.cell == metric.raw


def test_every_named_unit_rule_decides_a_case():
    from esg_pipeline.extract.tables import UNIT_RULES

    decided = {c.rule for c in UNIT_CASES if c.unit is not None}
    missing = ({name for name, _ in UNIT_RULES} | {"cell-percent", "cell-currency"}) - decided
    assert not missing, f"unit rules without a case in UNIT_CASES: {sorted(missing)}"


def test_years_notes_and_spans_of_a_multi_column_row():
    builder = DocumentBuilder("txt")
    columns = [Column("2023/24", "2023/24", 2024), Column("2022/23", "2022/23", 2023),
               Column("Change", None, None, "change")]
    row = Row(label="Scope 1 emissions (tCO2e)", notes=("[A]",),
              cells=[Cell("4,100", 0), Cell("4,400", 1), Cell("-7%", 2)])
    builder.add("heading", "Climate")
    builder.add_table(Table(columns=columns, rows=[row], header_rows=[["2023/24", "2022/23", "Change"]]))
    doc = builder.build()
    metrics = extract_table_metrics(doc, name="t.txt", entity="Tarn Valley Foods")
    assert [(m.value, m.unit, m.year) for m in metrics] == [(4100, "tCO2e", 2024), (4400, "tCO2e", 2023)]
    for m in metrics:
        assert "note:[A]" in m.flags and m.entity == "Tarn Valley Foods"
        assert doc.text[m.start:m.end] == m.raw
        assert m.quote.startswith("Scope 1 emissions (tCO2e) [")


def _value_column_document(title: str | None) -> Document:
    builder = DocumentBuilder("txt")
    if title:
        builder.add("heading", title)
    row = Row(label="Water withdrawal", unit="m3", cells=[Cell("512,400", 0)])
    builder.add_table(Table(columns=[Column("Value", None, None)], rows=[row], header_rows=[["Unit", "Value"]],
                            unit_header="Unit"))
    builder.add("paragraph", "Figures cover the year ended 31 December 2020 for every site.")
    return builder.build()


@pytest.mark.parametrize("title,catalog_year,year,source", [
    ("Environmental data 2022", 2021, 2022, "table title"),  # the title's one period wins
    ("Environmental data", 2021, 2021, "catalog"),           # rule report-year: the catalog's year
    ("Environmental data", None, 2020, "text:"),             # else the year the text reports on
], ids=["table-title", "report-year-catalog", "report-year-text"])
def test_a_column_without_a_period_takes_the_title_or_report_year(title, catalog_year, year, source):
    metrics = extract_document(_value_column_document(title), doc="t.txt", year=catalog_year)
    water = [m for m in metrics if m.value == 512_400]
    assert [m.year for m in water] == [year] and water[0].year_source.startswith(source), \
        [(m.value, m.year, m.year_source) for m in metrics]


# --- the CLI: extract --explain and inspect --------------------------------------------------------

HTML_REPORT = """<html><body>
<h2>Tarn Valley Foods - environmental performance</h2>
<table>
<tr><th>Indicator</th><th>Unit</th><th>2023</th><th>2022</th><th>YoY change</th></tr>
<tr><td>Scope 1 emissions</td><td>tonnes</td><td>4,100</td><td>4,400</td><td>-7%</td></tr>
<tr><td>Hazardous waste</td><td>tonnes</td><td>310</td><td>290</td><td>7%</td></tr>
<tr><td>Brand trust index</td><td></td><td>72</td><td>68</td><td>6%</td></tr>
</table>
<p>Figures are unaudited.</p>
</body></html>
"""

TEXT_REPORT = """Tarn Valley Foods - key figures

Indicator                      2023        2022
Scope 2 emissions (tCO2e)     2,310       2,505
Electricity (MWh)             9,870       9,100
Employees                       812         790

Figures are unaudited.
"""


@pytest.fixture
def reports(tmp_path):
    html = tmp_path / "tarn_2023.html"
    html.write_text(HTML_REPORT, encoding="utf-8")
    txt = tmp_path / "tarn_2023.txt"
    txt.write_text(TEXT_REPORT, encoding="utf-8")
    return html, txt


def test_extract_explain_names_the_rule_for_kept_and_dropped_cells(reports, capsys):
    html, _ = reports
    assert main(["extract", str(html), "--format", "jsonl", "--explain"]) == 0
    out, err = capsys.readouterr()
    explained = [line.split(None, 2) for line in err.splitlines() if line.startswith(("kept", "dropped"))]
    assert ["kept", "unit:column", "Scope 1 emissions [2023]: 4,100"] in explained
    assert ["dropped", "column:change", "Scope 1 emissions [YoY change]: -7%"] in explained
    assert ["dropped", "unit:none", "Brand trust index [2023]: 72"] in explained
    metrics = [json.loads(line) for line in out.splitlines()]
    cells = {(m["value"], m["unit"], m["year"]) for m in metrics if m["method"] == "table_cell"}
    assert cells == {(4100, "tCO2e", 2023), (4400, "tCO2e", 2022), (310, "tonne", 2023), (290, "tonne", 2022)}
    assert all("unit:column" in m["flags"] for m in metrics if m["method"] == "table_cell")
    text = html.read_text(encoding="utf-8")
    assert not any(m["value"] in (7, -7, 6) and m["unit"] == "percent" for m in metrics), "a change cell was kept"
    assert text  # the report itself is untouched


def test_extract_without_explain_prints_no_trace(reports, capsys):
    html, _ = reports
    assert main(["extract", str(html), "--format", "jsonl"]) == 0
    assert not re.search(r"^(kept|dropped)\s", capsys.readouterr().err, re.M)


def test_explain_through_the_installed_command(reports):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("esg-pipeline")
    if not exe.exists():
        exe = shutil.which("esg-pipeline")
        if exe is None:
            pytest.skip("the esg-pipeline command is not installed")
    _, txt = reports
    done = subprocess.run([str(exe), "extract", str(txt), "--format", "jsonl", "--explain"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^kept\s+unit:label\s+Scope 2 emissions \(tCO2e\) \[2023\]: 2,310$", done.stderr, re.M)
    assert re.search(r"^kept\s+unit:counted-label\s+Employees \[2022\]: 790$", done.stderr, re.M)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert {(r["value"], r["unit"], r["year"]) for r in rows if r["method"] == "table_cell"} >= {
        (2310, "tCO2e", 2023), (9870, "MWh", 2023), (812, "count", 2023), (790, "count", 2022)}


def test_inspect_prints_the_grid_of_an_html_table(reports, capsys):
    html, _ = reports
    assert main(["inspect", str(html)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("format html,") and "1 tables" in out.splitlines()[0]
    assert "table (html-table)" in out
    lines = out.splitlines()
    header = next(line for line in lines if line.strip().startswith("row"))
    assert re.search(r"unit\s+2023 =2023\s+2022 =2022\s+YoY change \(change\)", header)
    assert any(re.fullmatch(r"\s+Scope 1 emissions\s+tonnes\s+4,100\s+4,400\s+-7%", line) for line in lines)


def test_inspect_prints_the_grid_of_a_text_layout_table(reports, capsys):
    _, txt = reports
    assert main(["inspect", str(txt)]) == 0
    out = capsys.readouterr().out
    assert "table (text-aligned)" in out
    lines = out.splitlines()
    assert any(re.fullmatch(r"\s+Scope 2 emissions \(tCO2e\)\s+2,310\s+2,505", line) for line in lines)
    assert any(re.fullmatch(r"\s+Employees\s+812\s+790", line) for line in lines)
    assert any("paragraph: Figures are unaudited." in line for line in lines)


@pytest.mark.parametrize("which", ["html", "txt"])
def test_inspect_json_is_valid_json_with_blocks(reports, capsys, which):
    path = reports[0] if which == "html" else reports[1]
    assert main(["inspect", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == which
    kinds = [b["kind"] for b in data["blocks"]]
    assert "table" in kinds and "paragraph" in kinds
    (table,) = [b["table"] for b in data["blocks"] if b["kind"] == "table"]
    assert [c["year"] for c in table["columns"]][:2] == [2023, 2022]
    labels = [r["label"] for r in table["rows"]]
    assert ("Scope 1 emissions" if which == "html" else "Scope 2 emissions (tCO2e)") in labels
    for b in data["blocks"]:
        assert {"kind", "text", "start", "end", "page"} <= set(b)


def test_inspect_reports_a_missing_file(tmp_path, capsys):
    assert main(["inspect", str(tmp_path / "missing.pdf")]) == 1
    assert "esg-pipeline inspect:" in capsys.readouterr().err


def test_inspect_prints_the_grid_of_a_pdf_table(tmp_path, capsys):
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    for x, y, text in [(300, 100, "FY2023"), (360, 100, "FY2022"),
                       (50, 114, "Scope 1 emissions (tCO2e)"), (300, 114, "4,100"), (360, 114, "4,400"),
                       (50, 128, "Electricity (MWh)"), (300, 128, "9,870"), (360, 128, "9,100")]:
        pdf.set_xy(x, y)
        pdf.cell(text=text)
    path = tmp_path / "tarn_2023.pdf"
    path.write_bytes(bytes(pdf.output()))
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "table (pdf-year-header)" in out and "FY2023 =2023" in out
    assert any(re.fullmatch(r"\s+Electricity \(MWh\)\s+9,870\s+9,100", line) for line in out.splitlines())


# --- defects found by these tests, fixed since ---------------------------------------

def test_an_index_about_suppliers_is_not_a_count():
    case = UnitCase("supplier-index", "Supplier engagement index", "72", None, rule="unit:none")
    assert extract_table_metrics(one_table_document(case), name="t.txt", entity=None) == []
