"""HTML tables become grids: spans expanded, header rows joined per column, labels, groups, units, columns."""
from __future__ import annotations

import pytest

from esg_pipeline.ingest.documents import read_document_bytes


def _read(page: str):
    return read_document_bytes(page.encode("utf-8"), "html", name="t.html")


def _assert_cell_spans(document):
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                assert document.text[cell.start:cell.end] == cell.text


SPANNED = """<html><body>
<h2>Workforce</h2>
<p>(Unit: persons)</p>
<table>
  <thead>
    <tr><th rowspan="2">Indicator</th><th rowspan="2">Unit</th><th colspan="3">Year</th><th rowspan="2">YoY change</th></tr>
    <tr><th>FY2021</th><th>FY2022</th><th>FY2023</th></tr>
  </thead>
  <tbody>
    <tr><td>Employees by gender</td><td></td><td></td><td></td><td></td><td></td></tr>
    <tr><td>Male<sup>1</sup></td><td>persons</td><td>1,210</td><td>1,305</td><td>1,388</td><td>+6%</td></tr>
    <tr><td>Female</td><td>persons</td><td>980</td><td>N/A</td><td>1,101</td><td>–</td></tr>
    <tr><td>Employees by region</td><td></td><td></td><td></td><td></td><td></td></tr>
    <tr><td>Northern plants [A]</td><td>persons</td><td colspan="2">2,000</td><td>2,120</td><td>&lt;1%</td></tr>
  </tbody>
</table>
<ul><li>Figures at year end</li></ul>
</body></html>"""


def test_html_table_grid_with_spans_units_groups_and_kinds():
    document = _read(SPANNED)
    assert [b.kind for b in document.blocks] == ["heading", "table", "list_item"]
    assert document.blocks[0].level == 2
    (table,) = document.tables
    assert table.source == "html-table"
    assert table.caption == "(Unit: persons)"
    assert table.unit_header == "Unit"
    assert [(c.header, c.period, c.year, c.kind) for c in table.columns] == [
        ("Year FY2021", "FY2021", 2021, "value"),
        ("Year FY2022", "FY2022", 2022, "value"),
        ("Year FY2023", "FY2023", 2023, "value"),
        ("YoY change", None, None, "change"),
    ]
    assert table.header_rows == [["Indicator", "Unit", "Year", "YoY change"], ["FY2021", "FY2022", "FY2023"]]
    rows = {r.label: r for r in table.rows}
    assert list(rows) == ["Male", "Female", "Northern plants"]
    male = rows["Male"]
    assert male.path == ("Employees by gender",) and male.unit == "persons" and male.notes == ("1",)
    assert [(c.col, c.text) for c in male.cells] == [(0, "1,210"), (1, "1,305"), (2, "1,388"), (3, "+6%")]
    assert [(c.col, c.text) for c in rows["Female"].cells] == [(0, "980"), (2, "1,101")]  # N/A and dash skipped
    north = rows["Northern plants"]
    assert north.path == ("Employees by region",) and north.notes == ("[A]",)
    # A value spanning two columns is read once, where it starts.
    assert [(c.col, c.text) for c in north.cells] == [(0, "2,000"), (2, "2,120"), (3, "<1%")]
    _assert_cell_spans(document)


NESTED_ROWSPAN = """<table>
<tr><th>Scope</th><th>Region</th><th>2022</th><th>2023</th><th>2030 target</th></tr>
<tr><td rowspan="2">Scope 1</td><td>Hong Kong</td><td>749</td><td>679</td><td>400</td></tr>
<tr><td>Mainland</td><td>5,074</td><td>5,067</td><td></td></tr>
<tr><td>Scope 2</td><td>Hong Kong</td><td>147,511</td><td>110,957</td><td>-</td></tr>
</table>"""


def test_html_rowspan_label_column_becomes_the_path_and_target_column_kind():
    document = _read(NESTED_ROWSPAN)
    (table,) = document.tables
    assert [(c.year, c.kind) for c in table.columns] == [(2022, "value"), (2023, "value"), (2030, "target")]
    assert [(r.path, r.label, [c.text for c in r.cells]) for r in table.rows] == [
        (("Scope 1",), "Hong Kong", ["749", "679", "400"]),
        (("Scope 1",), "Mainland", ["5,074", "5,067"]),
        (("Scope 2",), "Hong Kong", ["147,511", "110,957"]),
    ]
    assert table.unit_header is None and all(r.unit is None for r in table.rows)
    _assert_cell_spans(document)


INDENTED = """<table>
<tr><td></td><td>2022</td><td>2023</td></tr>
<tr><td>Water withdrawal</td><td></td><td></td></tr>
<tr><td style="padding-left:12px">Municipal</td><td>10.5</td><td>11.0</td></tr>
<tr><td style="padding-left:12px">Groundwater</td><td>2.1</td><td>1.9</td></tr>
<tr><td>Total withdrawal</td><td>12.6</td><td>12.9</td></tr>
</table>"""


def test_html_indented_rows_nest_under_their_group_and_an_outdented_row_leaves_it():
    table = _read(INDENTED).tables[0]
    assert [c.year for c in table.columns] == [2022, 2023]
    assert [(r.path, r.label) for r in table.rows] == [
        (("Water withdrawal",), "Municipal"), (("Water withdrawal",), "Groundwater"), ((), "Total withdrawal")]


SECTIONED = """<table>
<thead><tr><th rowspan="2">Indicator</th><th rowspan="2">Unit</th><th colspan="2">Fiscal year</th></tr>
<tr><th>FY2022</th><th>FY2023</th></tr></thead>
<tbody><tr><td colspan="4"><strong>Energy</strong></td></tr>
<tr><td>Purchased electricity</td><td>MWh</td><td>8,100</td><td>7,940</td></tr>
<tr><td colspan="4"><strong>Workforce</strong></td></tr>
<tr><td>Employees</td><td>persons</td><td>2,040</td><td>2,115</td></tr>
<tr><td>&nbsp;&nbsp;Female</td><td>persons</td><td>880</td><td>912</td></tr>
<tr><td>&nbsp;&nbsp;Male</td><td>persons</td><td>1,160</td><td>1,203</td></tr>
<tr><td>Contractors</td><td>persons</td><td>310</td><td>296</td></tr></tbody>
</table>"""


def test_html_section_rows_spanning_the_unit_column_and_breakdowns_under_a_row_with_figures():
    table = _read(SECTIONED).tables[0]
    assert [c.year for c in table.columns] == [2022, 2023]
    assert [(r.path, r.label, r.unit) for r in table.rows] == [
        (("Energy",), "Purchased electricity", "MWh"), (("Workforce",), "Employees", "persons"),
        (("Workforce", "Employees"), "Female", "persons"), (("Workforce", "Employees"), "Male", "persons"),
        (("Workforce",), "Contractors", "persons")]


def test_html_layout_table_without_figures_stays_text():
    page = ("<table><tr><td><h3>Our approach</h3><p>We listen to stakeholders.</p></td>"
            "<td><p>See the appendix for details.</p></td></tr></table>")
    document = _read(page)
    assert document.tables == []
    assert [(b.kind, b.text) for b in document.blocks] == [
        ("heading", "Our approach"), ("paragraph", "We listen to stakeholders."),
        ("paragraph", "See the appendix for details.")]


def test_html_table_without_thead_takes_leading_rows_without_figures_as_header():
    page = ("<table><tr><td>Metric</td><td>2021/22</td><td>2022/23</td></tr>"
            "<tr><td>Energy use (MWh)</td><td>1,020</td><td>998</td></tr>"
            "<tr><td>Waste (t)</td><td>15.2</td><td>14.8</td></tr></table>")
    table = _read(page).tables[0]
    assert [(c.period, c.year) for c in table.columns] == [("2021/22", 2022), ("2022/23", 2023)]
    assert [r.label for r in table.rows] == ["Energy use (MWh)", "Waste (t)"]
    assert table.header_rows == [["Metric", "2021/22", "2022/23"]]


@pytest.mark.parametrize("headers,years", [
    (("22/23", "23/24"), [2023, 2024]),  # two consecutive two-digit years: a fiscal year, named by its end
    (("2023/3", "2024/3"), [2023, 2024]),  # a Japanese data book's year by its closing month
    (("12/14", "14/16"), [None, None]),  # not consecutive: no fiscal year
], ids=["short-fiscal-year", "closing-month", "not-a-fiscal-year"])
def test_html_fiscal_year_headers(headers, years):
    page = (f"<table><tr><td>Indicator</td><td>{headers[0]}</td><td>{headers[1]}</td></tr>"
            "<tr><td>Energy use (MWh)</td><td>1,020</td><td>998</td></tr>"
            "<tr><td>Waste (t)</td><td>15.2</td><td>14.8</td></tr></table>")
    table = _read(page).tables[0]
    assert [c.year for c in table.columns] == years


def test_a_year_over_sub_columns_without_colspan_spans_its_blank_neighbour():
    page = ("<table><tr><th></th><th>2024</th><th></th><th>2023</th><th></th></tr>"
            "<tr><th></th><th>Number</th><th>%</th><th>Number</th><th>%</th></tr>"
            "<tr><td>Women</td><td>1,204</td><td>41.2</td><td>1,150</td><td>40.5</td></tr>"
            "<tr><td>Men</td><td>1,718</td><td>58.8</td><td>1,690</td><td>59.5</td></tr></table>")
    table = _read(page).tables[0]
    assert [(c.header, c.year) for c in table.columns] == [
        ("2024 Number", 2024), ("2024 %", 2024), ("2023 Number", 2023), ("2023 %", 2023)]


FLAT_BREAKDOWN_PAGE = """<html><body><table>
<tr><th>Indicator</th><th>2023</th><th>2024</th></tr>
<tr><td>Training rate</td><td>81%</td><td>86%</td></tr>
<tr><td>By gender</td><td></td><td></td></tr>
<tr><td>Male</td><td>79%</td><td>84%</td></tr>
<tr><td>Female</td><td>83%</td><td>88%</td></tr>
<tr><td>By employee category</td><td></td><td></td></tr>
<tr><td>Managers</td><td>90%</td><td>92%</td></tr>
<tr><td>Turnover rate</td><td>9%</td><td>8%</td></tr>
<tr><td>By gender</td><td></td><td></td></tr>
<tr><td>Female</td><td>12%</td><td>11%</td></tr>
</table></body></html>"""


@pytest.mark.parametrize("rule,label,path", [
    ("flat-breakdown-splits-row-above", "Female", ("Training rate", "By gender")),
    ("second-breakdown-splits-same-row", "Managers", ("Training rate", "By employee category")),
    ("repeated-breakdown-starts-new-row", "Female", ("Turnover rate", "By gender")),
    ("figure-row-heading-a-breakdown-has-no-path", "Turnover rate", ()),
], ids=lambda c: c if isinstance(c, str) and "-" in c else None)
def test_flat_html_breakdown_rows_name_the_row_they_split(rule, label, path):
    rows = [r for r in _read(FLAT_BREAKDOWN_PAGE).tables[0].rows if r.label == label]
    assert path in [r.path for r in rows], (rule, [(r.label, r.path) for r in rows])


def test_blank_headed_columns_after_each_year_are_that_years_share_columns():
    page = ("<table><tr><th>Gender</th><th>2023</th><th></th><th>2022</th><th></th></tr>"
            "<tr><td>Women</td><td>980</td><td>45%</td><td>940</td><td>46%</td></tr>"
            "<tr><td>Men</td><td>1,200</td><td>55%</td><td>1,100</td><td>54%</td></tr></table>")
    (table,) = _read(page).tables
    assert [c.year for c in table.columns] == [2023, 2023, 2022, 2022]
