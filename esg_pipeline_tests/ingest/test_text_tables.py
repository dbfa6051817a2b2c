"""Tables laid out as text: one detector per layout; every cell's span points at its text in the original."""
from __future__ import annotations

from pathlib import Path

import pytest

from esg_pipeline.ingest.documents import read_document, read_document_bytes
from esg_pipeline.ingest.documents.table_cells import split_label
from esg_pipeline.ingest.documents.text_aligned import aligned_tables, stacked_tables
from esg_pipeline.ingest.documents.text_pipe import pipe_tables
from esg_pipeline.ingest.documents.text_rows import row_year_tables
from esg_pipeline.ingest.documents.text_tables import find_text_tables

REAL_DOCS = Path("/work/shared/eval/real/docs")


def _grid(block):
    return [(r.path, r.label, r.unit, [(c.col, c.text) for c in r.cells]) for r in block.table.rows]


def _assert_spans(text, blocks):
    for block in blocks:
        assert block.kind == "table" and text[block.start:block.end] == block.text
        for row in block.table.rows:
            for cell in row.cells:
                assert text[cell.start:cell.end] == cell.text
                assert block.start <= cell.start < cell.end <= block.end


PIPES = """Operational figures for the year.

Metric | Unit | 2022 | 2023 | Page
---|---|---|---|---
Energy use | MWh | 12,400 | 11,950 | 41
Waste sent to landfill (1) | t | 830 | – | 42
Staff trained | % | 88 | 93 | 57

The figures above are audited.
"""


def test_pipe_rows_with_a_rule_line():
    (block,) = pipe_tables(PIPES)
    table = block.table
    assert table.source == "text-pipe" and table.unit_header == "Unit"
    assert [(c.header, c.year, c.kind) for c in table.columns] == [
        ("2022", 2022, "value"), ("2023", 2023, "value"), ("Page", None, "note")]
    assert _grid(block) == [
        ((), "Energy use", "MWh", [(0, "12,400"), (1, "11,950"), (2, "41")]),
        ((), "Waste sent to landfill", "t", [(0, "830"), (2, "42")]),
        ((), "Staff trained", "%", [(0, "88"), (1, "93"), (2, "57")]),
    ]
    assert table.rows[1].notes == ("(1)",)
    assert block.text.startswith("Metric | Unit") and block.text.endswith("| 57")
    _assert_spans(PIPES, [block])


RAGGED_PIPES = """Indicator | Unit | 2019 | 2020 | 2021 | 2030 | Report Pages |
---|---|---|---|---|---|---|
Fleet fuel | Litres | 310 | 290 | 275 | 12 | |
Solar output | kWh | 5,100 | 6,000 | 31 | |||
"""


def test_pipe_rows_that_dropped_empty_cells_line_up_with_the_latest_periods():
    (block,) = pipe_tables(RAGGED_PIPES)
    # The second row lost its leading empty cell: its figures end at 2021, and its last one is the page.
    assert _grid(block) == [
        ((), "Fleet fuel", "Litres", [(0, "310"), (1, "290"), (2, "275"), (4, "12")]),
        ((), "Solar output", "kWh", [(1, "5,100"), (2, "6,000"), (4, "31")]),
    ]
    _assert_spans(RAGGED_PIPES, [block])


TRANSPOSED_PIPES = """12% | ||
---|---|---|
Paper purchased | ||
2022/23 | 41,250 | kg |
2021/22 | 46,875 | kg |
"""


def test_pipe_block_with_periods_down_the_first_column_is_read_as_one_row():
    (block,) = pipe_tables(TRANSPOSED_PIPES)
    table = block.table
    assert [(c.period, c.year, c.kind) for c in table.columns] == [
        ("2022/23", 2023, "value"), ("2021/22", 2022, "value"), (None, None, "change")]
    assert _grid(block) == [((), "Paper purchased", "kg", [(0, "41,250"), (1, "46,875"), (2, "12%")])]
    _assert_spans(TRANSPOSED_PIPES, [block])


ALIGNED = """Environmental performance

                                   Unit          FY2022       FY2023
Greenhouse gas emissions
...Scope 1                         tCO2e          4,210        3,980
...Scope 2                         tCO2e         18,400       17,020
Water withdrawal                   m3           120,500          N/A
Hazardous waste                    tonnes            12           <1

Notes: FY2023 excludes divested sites.
"""


def test_whitespace_aligned_columns_with_a_unit_column_and_nested_rows():
    (block,) = aligned_tables(ALIGNED)
    table = block.table
    assert table.source == "text-aligned" and table.unit_header == "Unit"
    assert [(c.period, c.year) for c in table.columns] == [("FY2022", 2022), ("FY2023", 2023)]
    assert _grid(block) == [
        (("Greenhouse gas emissions",), "Scope 1", "tCO2e", [(0, "4,210"), (1, "3,980")]),
        (("Greenhouse gas emissions",), "Scope 2", "tCO2e", [(0, "18,400"), (1, "17,020")]),
        ((), "Water withdrawal", "m3", [(0, "120,500")]),
        ((), "Hazardous waste", "tonnes", [(0, "12"), (1, "<1")]),
    ]
    assert "Notes:" not in block.text
    _assert_spans(ALIGNED, [block])


ALIGNED_AGE_BANDS = """                              Unit        2023     2022
        New hires
        Total                 Number       214      198
        By age group
        <30                   Number        96       88
        30-50                 Number        90       84
        >50                   Number        28       26
"""


def test_age_band_labels_left_of_the_columns_are_labels_not_figures():
    (block,) = aligned_tables(ALIGNED_AGE_BANDS)
    assert [(r.label, [(c.col, c.text) for c in r.cells]) for r in block.table.rows] == [
        ("Total", [(0, "214"), (1, "198")]), ("<30", [(0, "96"), (1, "88")]),
        ("30-50", [(0, "90"), (1, "84")]), (">50", [(0, "28"), (1, "26")])]
    _assert_spans(ALIGNED_AGE_BANDS, [block])


ALIGNED_GENDER = """Headcount at year end
                     Male      Female      Total
Full-time             412         388        800
Part-time              35          61         96
"""


def test_whitespace_aligned_columns_under_non_period_headers():
    (block,) = aligned_tables(ALIGNED_GENDER)
    assert [(c.header, c.year) for c in block.table.columns] == [("Male", None), ("Female", None), ("Total", None)]
    assert _grid(block) == [
        ((), "Full-time", None, [(0, "412"), (1, "388"), (2, "800")]),
        ((), "Part-time", None, [(0, "35"), (1, "61"), (2, "96")]),
    ]
    _assert_spans(ALIGNED_GENDER, [block])


STACKED = """Safety statistics

Indicator

2022

2023

By contractor type

Lost-time injuries

14

9

Recordable injuries²

31

26

Fatalities

0

0

Our safety programme continues next year with new training for all contractors.
"""


def test_one_cell_per_line_with_a_group_row():
    (block,) = stacked_tables(STACKED)
    table = block.table
    assert table.source == "text-stacked"
    assert [c.year for c in table.columns] == [2022, 2023]
    assert _grid(block) == [
        (("By contractor type",), "Lost-time injuries", None, [(0, "14"), (1, "9")]),
        (("By contractor type",), "Recordable injuries", None, [(0, "31"), (1, "26")]),
        (("By contractor type",), "Fatalities", None, [(0, "0"), (1, "0")]),
    ]
    assert table.rows[1].notes == ("²",)
    assert block.text.startswith("Indicator") and block.text.endswith("0")
    _assert_spans(STACKED, [block])


ROW_YEARS = """Air and waste indicators reported by the group.

Indicator Unit 2020 2021 2022 Report Pages
NOx emissions tonnes 2.41 2.05 1.98 30
Hazardous waste tonnes 0.9 0.7 31
Diesel used by fleet litres 15,200 14,880 13,900 32
Wastewater (recycled share) % 61% 64% 68% 33
"""


def test_label_unit_values_rows_under_a_header_of_years():
    (block,) = row_year_tables(ROW_YEARS)
    table = block.table
    assert table.source == "text-row-years" and table.unit_header == "Unit"
    assert [(c.header, c.year, c.kind) for c in table.columns] == [
        ("2020", 2020, "value"), ("2021", 2021, "value"), ("2022", 2022, "value"), ("Report Pages", None, "note")]
    assert _grid(block) == [
        ((), "NOx emissions", "tonnes", [(0, "2.41"), (1, "2.05"), (2, "1.98"), (3, "30")]),
        # two figures and a page: the latest years
        ((), "Hazardous waste", "tonnes", [(1, "0.9"), (2, "0.7"), (3, "31")]),
        ((), "Diesel used by fleet", "litres", [(0, "15,200"), (1, "14,880"), (2, "13,900"), (3, "32")]),
        ((), "Wastewater (recycled share)", "%", [(0, "61%"), (1, "64%"), (2, "68%"), (3, "33")]),
    ]
    _assert_spans(ROW_YEARS, [block])


ROW_YEARS_KINDS = """Programme Measure 2019 Baseline Progress in 2023 2030 Target
Community programmes
Local hiring share of new hires 40% 52% 60%
Supplier audits completed share of tier-1 suppliers 10% 75% 100%
"""


def test_row_year_header_words_attach_to_their_periods():
    (block,) = row_year_tables(ROW_YEARS_KINDS)
    assert [(c.header, c.year, c.kind) for c in block.table.columns] == [
        ("2019 Baseline", 2019, "baseline"), ("Progress in 2023", 2023, "value"), ("2030 Target", 2030, "target")]
    assert [(r.path, r.label) for r in block.table.rows] == [
        (("Community programmes",), "Local hiring share of new hires"),
        (("Community programmes",), "Supplier audits completed share of tier-1 suppliers")]
    _assert_spans(ROW_YEARS_KINDS, [block])


PROSE = """In 2022 we planted 1,200 trees and in 2023 another 1,450, bringing the total to 2,650.
Emissions fell from 2021 to 2022 by 4% and from 2022 to 2023 by 6%.
Our 2030 goal is 50% and our 2050 goal is 100% renewable electricity.

Revenue 2023 was 4,100 and 2022 was 3,900.
"""


def test_paragraphs_with_numbers_are_not_tables():
    assert find_text_tables(PROSE) == []


def test_footnote_markers_leave_the_label():
    assert split_label("Total number of employees4") == ("Total number of employees", ("4",))
    assert split_label("Scope 1 emissions [A]*") == ("Scope 1 emissions", ("[A]", "*"))
    assert split_label("...Female (1)") == ("Female", ("(1)",))
    assert split_label("Emissions CO2") == ("Emissions CO2", ())
    assert split_label("Scope1") == ("Scope1", ())  # a scope's own number printed glued to it
    assert split_label("Waste (t)") == ("Waste (t)", ())


def test_text_reader_keeps_tables_as_blocks_with_the_original_text():
    text = "Air quality\n\n" + ROW_YEARS + "\nClosing remarks follow here.\n"
    document = read_document_bytes(text.encode(), "txt", name="r.txt")
    assert document.text == text
    (table_block,) = [b for b in document.blocks if b.kind == "table"]
    assert table_block.table.source == "text-row-years"
    assert "Closing remarks follow here." in [b.text for b in document.blocks]
    _assert_spans(document.text, [table_block])


@pytest.mark.skipif(not REAL_DOCS.is_dir(), reason="real report pages not available")
def test_real_documents_read_and_every_table_cell_span_matches(capsys):
    counts: dict[str, dict[str, int]] = {}
    for path in sorted(REAL_DOCS.glob("*.txt")):
        document = read_document(path)
        tables = [b for b in document.blocks if b.kind == "table"]
        _assert_spans(document.text, tables)
        for block in tables:
            counts.setdefault(path.name, {}).setdefault(block.table.source, 0)
            counts[path.name][block.table.source] += 1
    with capsys.disabled():
        print(f"\n{sum(sum(c.values()) for c in counts.values())} text tables in {len(counts)} real documents")
        for name, by_source in counts.items():
            print(f"  {name}: {by_source}")


SIDE_BY_SIDE = """Charitable giving in 2022

Programme Amount (HK$ thousand) Programme Amount (HK$ thousand)
Youth sports leagues 120.5 Elderly meal deliveries 88.0
Flood relief 45.2 Library renovations 12.9
Scholarships for apprentices 300.0 Other giving 7.5
"""


def test_two_tables_side_by_side_become_one_table_left_pairs_first():
    (block,) = [b for b in find_text_tables(SIDE_BY_SIDE)]
    table = block.table
    assert table.source == "text-side-by-side"
    assert table.caption == "Charitable giving in 2022"
    assert [c.header for c in table.columns] == ["Amount (HK$ thousand)"]
    assert [(r.label, [c.text for c in r.cells]) for r in table.rows] == [
        ("Youth sports leagues", ["120.5"]), ("Flood relief", ["45.2"]), ("Scholarships for apprentices", ["300.0"]),
        ("Elderly meal deliveries", ["88.0"]), ("Library renovations", ["12.9"]), ("Other giving", ["7.5"])]
    _assert_spans(SIDE_BY_SIDE, [block])


def test_unit_line_above_a_table_is_its_caption():
    text = "(Unit: tonnes)\n" + ROW_YEARS.split("\n", 2)[2]
    (block,) = find_text_tables(text)
    assert block.table.caption == "(Unit: tonnes)"


# (rule, text, expected columns as (header, kind), expected rows as (label, unit, [(col, text)])): layouts of
# scraped KPI pages and flattened data sheets, invented text; the first table found in the text.
ROW_YEAR_CASES = [
    ("single-period-header",
     "Indicator Unit 2024 Report Pages\nBoiler fuel burnt GJ 4120 17\nCanteen food waste kg 96.5 18\n",
     [("2024", "value"), ("Report Pages", "note")],
     [("Boiler fuel burnt", "GJ", [(0, "4120"), (1, "17")]), ("Canteen food waste", "kg", [(0, "96.5"), (1, "18")])]),
    ("single-period-header-one-row",
     "Indicator Unit FY2024 Report Pages\nDelivery vans electrified % 35 9\n\nNext section starts here.\n",
     [("FY2024", "value"), ("Report Pages", "note")],
     [("Delivery vans electrified", "%", [(0, "35"), (1, "9")])]),
    ("period-note-in-parentheses",
     "Indicator Unit 2023 (year ended 31 March, 2024) Report Pages\nRoof solar output MWh 812 6\n"
     "Grid power bought MWh 9050 6\n",
     [("2023 (year ended 31 March, 2024)", "value"), ("Report Pages", "note")],
     [("Roof solar output", "MWh", [(0, "812"), (1, "6")]), ("Grid power bought", "MWh", [(0, "9050"), (1, "6")])]),
    ("target-for-period",
     "Survey Unit FY2021 FY2022 Goal for FY2022\nStaff who feel heard % 71% 74% 75%\n"
     "Survey response rate % 80% 83% 85%\n",
     [("FY2021", "value"), ("FY2022", "value"), ("Goal for FY2022", "target")],
     [("Staff who feel heard", "%", [(0, "71%"), (1, "74%"), (2, "75%")]),
      ("Survey response rate", "%", [(0, "80%"), (1, "83%"), (2, "85%")])]),
    ("period-span-is-a-change",
     "Indicator Unit FY2022 FY2023 FY22 to FY23 Report Pages\nForklift diesel litres 5,400 4,900 -9% 30\n"
     "Office paper tonnes 700 610 -13% 31\n",
     [("FY2022", "value"), ("FY2023", "value"), ("FY22 to FY23", "change"), ("Report Pages", "note")],
     [("Forklift diesel", "litres", [(0, "5,400"), (1, "4,900"), (2, "-9%"), (3, "30")]),
      ("Office paper", "tonnes", [(0, "700"), (1, "610"), (2, "-13%"), (3, "31")])]),
    ("unit-word-read-by-the-label",
     "Indicator Unit 2022 2023 Report Pages\nDust emitted per MJ of steam kg per million MJ 2.2 1.9 44\n"
     "Recycled share as % of all packaging % 41 47 45\nSludge per 1000 m3 treated tonne/1000 m3 0.5 0.4 46\n",
     [("2022", "value"), ("2023", "value"), ("Report Pages", "note")],
     [("Dust emitted per MJ of steam", "kg per million MJ", [(0, "2.2"), (1, "1.9"), (2, "44")]),
      ("Recycled share as % of all packaging", "%", [(0, "41"), (1, "47"), (2, "45")]),
      ("Sludge per 1000 m3 treated", "tonne/1000 m3", [(0, "0.5"), (1, "0.4"), (2, "46")])]),
    ("magnitude-word-starts-the-unit",
     "Indicator Unit 2022 2023 Report Pages\nFleet emissions (chart) million tCO2e 1.4 1.2 12\n"
     "Depot heating (all sites) thousand litres 88 80 12\n",
     [("2022", "value"), ("2023", "value"), ("Report Pages", "note")],
     [("Fleet emissions (chart)", "million tCO2e", [(0, "1.4"), (1, "1.2"), (2, "12")]),
      ("Depot heating (all sites)", "thousand litres", [(0, "88"), (1, "80"), (2, "12")])]),
    ("ratio-unit-word-and-its-power",
     "Indicator Unit 2022 2023 Report Pages\nCarbon per floor area t-CO2/m² 0.31 0.29 8\n"
     "Water per floor area m³/m² 1.1 1.0 8\n",
     [("2022", "value"), ("2023", "value"), ("Report Pages", "note")],
     [("Carbon per floor area", "t-CO2/m²", [(0, "0.31"), (1, "0.29"), (2, "8")]),
      ("Water per floor area", "m³/m²", [(0, "1.1"), (1, "1.0"), (2, "8")])]),
    ("not-available-phrase-is-one-cell",
     "Indicator Unit FY21 FY22 FY23 Report Pages\nSolvent vapour t 2.4 Not available 1.7 52\n"
     "Ozone-depleting gases t Not applicable Not applicable 0.0 52\n",
     [("FY21", "value"), ("FY22", "value"), ("FY23", "value"), ("Report Pages", "note")],
     [("Solvent vapour", "t", [(0, "2.4"), (2, "1.7"), (3, "52")]),
      ("Ozone-depleting gases", "t", [(2, "0.0"), (3, "52")])]),
    ("page-list-is-one-note-cell",
     "Indicator Unit 2022 2023 Report Pages\nSoot from boilers kg 3.61 2.90 12, 15\nSolvent vapour kg 0.7 0.5 12\n",
     [("2022", "value"), ("2023", "value"), ("Report Pages", "note")],
     [("Soot from boilers", "kg", [(0, "3.61"), (1, "2.90"), (2, "12, 15")]),
      ("Solvent vapour", "kg", [(0, "0.7"), (1, "0.5"), (2, "12")])]),
    ("two-word-unit-and-its-ratio",
     "Indicator Unit 2022 2023 Report Pages\nMains water used cubic metre 4410.5 3980.2 30\n"
     "Mains water per guest cubic metre/person 0.8 0.7 30\n",
     [("2022", "value"), ("2023", "value"), ("Report Pages", "note")],
     [("Mains water used", "cubic metre", [(0, "4410.5"), (1, "3980.2"), (2, "30")]),
      ("Mains water per guest", "cubic metre/person", [(0, "0.8"), (1, "0.7"), (2, "30")])]),
    ("magnitude-after-per-is-the-label's",
     "Indicator Unit 2022 2023 Report Pages\nCarbon intensity per million HKD revenue tonnes 12.5 11.0 8\n"
     "Waste intensity per million HKD revenue kg 3.1 2.8 8\n",
     [("2022", "value"), ("2023", "value"), ("Report Pages", "note")],
     [("Carbon intensity per million HKD revenue", "tonnes", [(0, "12.5"), (1, "11.0"), (2, "8")]),
      ("Waste intensity per million HKD revenue", "kg", [(0, "3.1"), (1, "2.8"), (2, "8")])]),
    ("figure-closing-the-label-parenthesis",
     "Indicator Unit 2023 Report Pages\nNew hires (part-time, aged 18 to 25) 41 20\nNew hires (full-time, under 30) 63 20\n",
     [("2023", "value"), ("Report Pages", "note")],
     [("New hires (part-time, aged 18 to 25)", None, [(0, "41"), (1, "20")]),
      ("New hires (full-time, under 30)", None, [(0, "63"), (1, "20")])]),
    ("unit-column-after-the-periods",
     "Scope FY2021 FY2022 FY2023 Unit\nBoiler gas burnt group 3,120 2,980 2,805 GJ\n"
     "Site water drawn group 41.5 40.2 38.9 thousand m3\nHeads of plant Male 12 12 11 Persons\nFemale 2 3 3\n",
     [("FY2021", "value"), ("FY2022", "value"), ("FY2023", "value")],
     [("Boiler gas burnt group", "GJ", [(0, "3,120"), (1, "2,980"), (2, "2,805")]),
      ("Site water drawn group", "thousand m3", [(0, "41.5"), (1, "40.2"), (2, "38.9")]),
      ("Heads of plant Male", "Persons", [(0, "12"), (1, "12"), (2, "11")]),
      ("Female", None, [(0, "2"), (1, "3"), (2, "3")])]),
    ("magnitude-figure-starts-a-trailing-unit",
     "Scope FY2022 FY2023 Unit\nWell water drawn group 310 295 1,000 m3\nMains water drawn group 88 84 1,000 m3\n",
     [("FY2022", "value"), ("FY2023", "value")],
     [("Well water drawn group", "1,000 m3", [(0, "310"), (1, "295")]),
      ("Mains water drawn group", "1,000 m3", [(0, "88"), (1, "84")])]),
    ("scope-number-stays-in-the-label",
     "Emissions (tCO2e) 2022 2023 2024\nScope 1 5,210 4,980 4,615\nScope 3 60,400 58,100\n",
     [("2022", "value"), ("2023", "value"), ("2024", "value")],
     [("Scope 1", None, [(0, "5,210"), (1, "4,980"), (2, "4,615")]),
      ("Scope 3", None, [(1, "60,400"), (2, "58,100")])]),
    ("unit-word-inside-the-label",
     "Category Unit 2022 2023\nISO 9001 % of plants certified % 61 67\nPlants audited this year ea 12 14\n",
     [("2022", "value"), ("2023", "value")],
     [("ISO 9001 % of plants certified", "%", [(0, "61"), (1, "67")]),
      ("Plants audited this year", "ea", [(0, "12"), (1, "14")])]),
    ("fiscal-year-by-closing-month",
     "Item Unit 2022/3 2023/3 2024/3\nScope1 t-CO2 2,210 2,180 2,050\nScope2 t-CO2 7,302 7,160 7,055\n",
     [("2022/3", "value"), ("2023/3", "value"), ("2024/3", "value")],
     [("Scope1", "t-CO2", [(0, "2,210"), (1, "2,180"), (2, "2,050")]),
      ("Scope2", "t-CO2", [(0, "7,302"), (1, "7,160"), (2, "7,055")])]),
]


@pytest.mark.parametrize("rule,text,columns,rows", ROW_YEAR_CASES, ids=[c[0] for c in ROW_YEAR_CASES])
def test_row_year_layouts_of_scraped_kpi_pages(rule, text, columns, rows):
    blocks = row_year_tables(text)
    assert blocks, rule
    table = blocks[0].table
    assert [(c.header, c.kind) for c in table.columns] == columns
    assert [(r.label, r.unit, [(c.col, c.text) for c in r.cells]) for r in table.rows] == rows
    _assert_spans(text, blocks)


def test_a_sentence_naming_a_unit_and_one_year_is_no_header():
    text = "Business unit 2023 results were strong\nRetail stores 40 52\nOnline orders 18 21\n"
    assert row_year_tables(text) == []


# (rule, text, expected rows as (label, unit, [(col, text)])) for pipe tables.
PIPE_CASES = [
    ("data-frame-dump",
     "|    | 0 | 1 | 2 |\n|---:|:---|:---|:---|\n|  0 |  | FY23 | FY22 |\n|  1 | Fleet diesel (kL) | 410 | 455 |\n"
     "|  2 | Site water (m3) | 9,120 | 9,480 |\n",
     [("Fleet diesel (kL)", None, [(0, "410"), (1, "455")]), ("Site water (m3)", None, [(0, "9,120"), (1, "9,480")])]),
    ("markdown-bold-and-nbsp-in-labels",
     "| Indicator | Unit | 2022 | 2023 |\n|---|---|---|---|\n| **Boiler gas** | GJ | 310 | 295 |\n"
     "| &nbsp;&nbsp;Night shift | GJ | 120 | 101 |\n",
     [("Boiler gas", "GJ", [(0, "310"), (1, "295")]), ("Night shift", "GJ", [(0, "120"), (1, "101")])]),
    ("repeated-period-header-row",
     "MWh by site | 2021 | 2022 |\nNorth plant | 1,200 | 1,150 |\nSouth plant | 800 | 760 |\n"
     "Share of that energy bought from the grid | 2021 | 2022 |\nGrid | 1,500 | 1,410 |\n",
     [("North plant", None, [(0, "1,200"), (1, "1,150")]), ("South plant", None, [(0, "800"), (1, "760")]),
      ("Grid", None, [(0, "1,500"), (1, "1,410")])]),
    ("figure-under-the-unit-header",
     "| Indicator | Unit | 2021 | 2022 | Report Pages |\n|---|---|---|---|---|\n"
     "| Boiler output | GJ | 310 | 295 | 12 |\n| Boiler efficiency (GJ out/GJ in) | 0.82 | 12 | ||\n",
     [("Boiler output", "GJ", [(0, "310"), (1, "295"), (2, "12")]),
      ("Boiler efficiency (GJ out/GJ in)", None, [(1, "0.82"), (2, "12")])]),
    ("one-row-under-a-ruled-period-header",
     "Indicator | Unit | 2022/23 | 2023/24 | Report Pages |\n---|---|---|---|---|\nSoot from the kilns | kg | 0.6 | 0.45 | 9 |\n"
     "The kilns were relined in the second half.\n",
     [("Soot from the kilns", "kg", [(0, "0.6"), (1, "0.45"), (2, "9")])]),
]


@pytest.mark.parametrize("rule,text,rows", PIPE_CASES, ids=[c[0] for c in PIPE_CASES])
def test_pipe_layouts_of_scraped_kpi_pages(rule, text, rows):
    (block,) = pipe_tables(text)
    assert [(r.label, r.unit, [(c.col, c.text) for c in r.cells]) for r in block.table.rows] == rows
    _assert_spans(text, [block])


def test_a_superscript_after_a_unit_symbol_is_no_footnote():
    assert split_label("Roof area km²") == ("Roof area km²", ())
    assert split_label("Intensity t/m³") == ("Intensity t/m³", ())
    assert split_label("Contractors²") == ("Contractors", ("²",))


STACKED_HEADER_ROWS = """Operations

Item

Unit

2021

2022

2023

Goal 2025

          

Fleet

          
Electric buses in service % of fleet 12 18 26 40
Depot electricity MWh 3,100 3,350 3,020
Tyres retreaded number     410 455

Our next report adds the rail business.
"""


def test_header_printed_one_cell_per_line_over_single_spaced_rows():
    (block,) = row_year_tables(STACKED_HEADER_ROWS)
    table = block.table
    assert table.unit_header == "Unit"
    assert [(c.header, c.year, c.kind) for c in table.columns] == [
        ("2021", 2021, "value"), ("2022", 2022, "value"), ("2023", 2023, "value"), ("Goal 2025", 2025, "target")]
    assert [(r.path, r.label, r.unit, [(c.col, c.text) for c in r.cells]) for r in table.rows] == [
        (("Fleet",), "Electric buses in service", "% of fleet", [(0, "12"), (1, "18"), (2, "26"), (3, "40")]),
        (("Fleet",), "Depot electricity", "MWh", [(0, "3,100"), (1, "3,350"), (2, "3,020")]),
        (("Fleet",), "Tyres retreaded", "number", [(1, "410"), (2, "455")]),
    ]
    assert block.text.startswith("Item") and "next report" not in block.text
    _assert_spans(STACKED_HEADER_ROWS, [block])


INLINE = ("48 49 ANNEX Group data book AIR EMISSIONS Site emissions [t] 2023 2022 2021 Nitrogen oxides 12.4 13.1 "
          "14.0 Sulphur oxides 0.8 0.9 1.2 Dust (PM10) 0.31 0.35 0.40 Tier 2 boilers 5.5 6.0 6.1 ENERGY Indicator "
          "Unit 2022 2023 Change % Fuel oil burnt Millions of litres 1.25 1.10 -12% GWh 13 11 -15% Grid power (1) "
          "MWh 8,400 8,150 (2) -3% Share of green power % 41 55** 34% Site heating GJ Unknown 2,100 n/a "
          "* Restated. (1) Includes offices.\n")


def test_a_data_sheet_flattened_onto_one_line():
    blocks = find_text_tables(INLINE)
    assert [b.table.source for b in blocks] == ["text-inline", "text-inline"]
    emissions, energy = (b.table for b in blocks)
    assert emissions.caption.endswith("AIR EMISSIONS Site emissions (t)")  # a few title words before the periods
    assert [c.year for c in emissions.columns] == [2023, 2022, 2021]
    # 'Tier 2 boilers': a lone figure inside the label is the label's
    assert [(r.label, [c.text for c in r.cells]) for r in emissions.rows] == [
        ("Nitrogen oxides", ["12.4", "13.1", "14.0"]), ("Sulphur oxides", ["0.8", "0.9", "1.2"]),
        ("Dust (PM10)", ["0.31", "0.35", "0.40"]), ("Tier 2 boilers", ["5.5", "6.0", "6.1"])]
    assert energy.unit_header == "Unit"
    assert [(c.year, c.kind) for c in energy.columns] == [(2022, "value"), (2023, "value"), (None, "note")]
    # a unit alone repeats the row above in that unit; footnote markers between figures are skipped; stars go
    assert [(r.label, r.unit, [(c.col, c.text) for c in r.cells]) for r in energy.rows] == [
        ("Fuel oil burnt", "Millions of litres", [(0, "1.25"), (1, "1.10"), (2, "-12%")]),
        ("Fuel oil burnt", "GWh", [(0, "13"), (1, "11"), (2, "-15%")]),
        ("Grid power", "MWh", [(0, "8,400"), (1, "8,150"), (2, "-3%")]),
        ("Share of green power", "%", [(0, "41"), (1, "55"), (2, "34%")]),
        ("Site heating", "GJ", [(0, "Unknown"), (1, "2,100")])]
    _assert_spans(INLINE, blocks)


def test_a_long_paragraph_with_years_and_figures_is_no_table():
    text = ("Across 2021 2022 and the year after, our 14 sites cut waste by 12 % and water by 9 %, while the 3 new "
            "depots opened in 2023 added 40 jobs and 2 training centres; in total 1,200 staff took 6 courses each, "
            "and 85 % of them rated the courses good or very good in the survey we ran at the end of the year.\n")
    assert find_text_tables(text) == []


# A flip-book page: indented columns, periods over members repeated under each, numbered section lines,
# wrapped labels and 'Not relevant' cells (own text, in the layout such pages print).
ALIGNED_TWO_HEADERS = """          Harbour Works Safety
                Year              2024                  2023
           Worker type    Staff    Contractors    Staff    Contractors
          1) Recordable injuries
          Number              12        19          15        22

          Rate per 1 million  1.10      1.35        1.42      1.61
          hours worked
          2) Lost days
          Total number of     96        140         Not relevant   N/A
          lost days

The year brought fewer injuries on every site.
"""


def test_aligned_columns_under_periods_and_members_with_sections_and_wrapped_labels():
    (block,) = aligned_tables(ALIGNED_TWO_HEADERS)
    assert [(c.header, c.year) for c in block.table.columns] == [
        ("2024 Staff", 2024), ("2024 Contractors", 2024), ("2023 Staff", 2023), ("2023 Contractors", 2023)]
    assert _grid(block) == [
        (("1) Recordable injuries",), "Number", None, [(0, "12"), (1, "19"), (2, "15"), (3, "22")]),
        (("1) Recordable injuries",), "Rate per 1 million hours worked", None,
         [(0, "1.10"), (1, "1.35"), (2, "1.42"), (3, "1.61")]),
        (("2) Lost days",), "Total number of lost days", None, [(0, "96"), (1, "140")]),
    ]
    _assert_spans(ALIGNED_TWO_HEADERS, [block])
    assert block.text.rstrip().endswith("lost days")  # the wrapped label line belongs to the table
