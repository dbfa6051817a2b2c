"""Table layouts of European and North American reports read end to end (document grids, then the
extractor): decimal commas with dots grouping thousands, units in square brackets, a unit column of symbols,
and rates defined by a footnote under the table. Texts written for these tests."""
from __future__ import annotations

import pytest

from esg_pipeline.extract.decimals import writes_decimal_comma
from esg_pipeline_tests.extract.cases import check_page_figure, read_page

COMMA_DECIMALS = ("Climate\n\nDirect and indirect emissions (tCO2e) 2023 2022 2021\n"
                  "Scope 1 12.604 13.911 15.087\nScope 2 market based 8.215 9.442 9.706\n\n"
                  "Emission intensity (tCO2e/t) 2023 2022 2021\nKiln line intensity 0,27 0,26 0,29\n"
                  "Clinker produced (t) 88.310 91.002 87.454\n\nWe cut emissions by 9,4 % against 2022.\n")
POINT_DECIMALS = ("Emissions (tCO2e) 2023 2022 2021\nScope 1 12.604 13.911 15.087\n"
                  "Intensity (tCO2e/t) 2023 2022 2021\nKiln line intensity 0.27 0.26 0.29\n")
BRACKETS = ("WATER WITHDRAWAL All plants [ML] 2023 2022 2021\nGroundwater 5.82 6.10 6.44\nMunicipal water 1.25 1.31 1.40\n\n"
            "AIR EMISSIONS [kg] 2023 2022 2021\nNOx 7.31 6.95 7.02\nSOx 0.42 0.40 0.45\n")
NOTED = ("Operations data\nMetric Unit 2022 2023 % change\nScope 1 emissions MTCO2e 51,200 48,930 (4.4)%\n"
         "Fresh water withdrawn M3 410,500 398,200 (3.0)%\n\nSafety Baseline (2020) 2022 2023 2030 Target\n"
         "Recordable injury rate(b) 1.31 0.95 0.88 0.60\nEmployee fatalities 1 0 0 0\n\n"
         "(a) Market-based.\n(b) Per 200,000 hours worked.\n")
MERGED_UNIT = ("Energy and emissions\n\nItem Coverage Unit Results\n2022/3 2023/3 2024/3\n"
               "Scope 1 emissions Head company tCO2 8,410 8,102 7,955\nSubsidiaries 1,215 1,190 1,122\n"
               "Group total 9,625 9,292 9,077\nPrinting paper bought Head company 1,000 sheets 4,410 4,120 3,880\n"
               "Recycling rate Head company 71 73 76\n")
UNIT_LAST = ("Board data\n\nIndicators FY2021 FY2022 FY2023 Unit\nDirectors Male 7 7 6 Persons\nFemale 1 1 2\n"
             "Average age of directors 60 61 60.5 Years old\nPlant water drawn 2,118 2,065 1,987 thousand m3\n")
LABEL_OVER_UNIT = ("Performance data\n\nMetric Unit 2022 2023 2024\nGreenhouse gas emissions\n"
                   "Scope 1 from fleet tCO2e 14 12 9\n\nBusiness travel\n\ntCO2e 620 3,410 7,905\n\n"
                   "Employee commute\n\ntCO2e * 166 190\nWater used m3 2,210 2,904 4,410\n")
SWISS = ("Environmental key figures\n\nIndicator | Unit | 2023 | 2022\n---|---|---|---\n"
         "Energy used | MWh | 184'250 | 191'030\nWater drawn | m3 | 1'204'500 | 1'250'000\n")
FRENCH = ("Indicateurs\n\nIndicator | Unit | 2023 | 2022\n---|---|---|---\nEnergy used | MWh | 184 250 | 191 030\n"
          "Scope 1 emissions | t CO2e | 12 410,5 | 13 002,1\nShare of renewables | % | 45,2 | 41,8\n")
PERIOD_ROWS = ("GHG emissions by year (tCO2e)\n\n| Year | Scope 1 | Scope 2 |\n|---|---|---|\n| 2022 | 5,120 | 11,905 |\n"
               "| 2023 | 4,870 | 10,214 |\n")
GROUPED = "| Indicator | 2023 | 2022 |\n|---|---|---|\n| Energy consumed (GJ) | 1.204.551 | 1.311.078 |\n| Fuel (GJ) | 2.480,5 | 2.512,0 |\n"
FLAT_BREAKDOWNS = ("People data\n\n| Indicator | 2023 | 2024 |\n|---|---|---|\n| Total workforce | 2,400 | 2,510 |\n"
                   "| By gender | | |\n| Male | 1,380 | 1,420 |\n| Female | 1,020 | 1,090 |\n| By age group | | |\n"
                   "| Under 30 | 610 | 640 |\n| Turnover rate | 9% | 8% |\n| By gender | | |\n| Male | 7% | 6% |\n"
                   "| Female | 12% | 11% |\n")
FLAT_SHEET = ("ENERGY Energy consumption [GJ] 2023 2022 2021 Natural gas 1,204.5 1,310.2 1,290.8 Diesel for vehicles "
              "88.4 91.0 95.7 Purchased electricity 2,410.0 2,390.6 2,455.1 EMISSIONS GHG emissions [tCO2e] 2023 2022 "
              "2021 Scope 1 - Total 310.4 322.9 330.1 Scope 2 - Market based 410.7 455.0 470.2\n")
COUNT_AND_SHARE = ("Workforce by contract\n\n| Contract | 2024 | | 2023 | |\n|---|---|---|---|---|\n"
                   "| Permanent | 3,150 | 91% | 3,020 | 90% |\n| Temporary | 311 | 9% | 335 | 10% |\n")
TWO_UNIT_CAPTION = ("Emission intensity (tCO2e/employee) and greenhouse gas emissions (tCO2e)\n\n"
                    "| Indicator | 2024 | 2023 |\n|---|---|---|\n| Scope 1 emissions | 1,250 | 1,310 |\n"
                    "| Emission intensity | 2.1 | 2.4 |\n\n"
                    "Energy use (MWh) and energy intensity (MWh per m2)\n\n| Indicator | 2024 | 2023 |\n"
                    "|---|---|---|\n| Electricity | 8,200 | 8,450 |\n| Energy intensity | 0.31 | 0.33 |\n")
CONTINUED = ("Total workforce (number of staff) at year end by gender\n| Gender | 2023 | 2022 |\n|---|---|---|\n"
             "| Male | 43 | 50 |\n| Female | 16 | 17 |\n\nBy region\n| Region | 2023 | 2022 |\n|---|---|---|\n"
             "| Inland | 52 | 60 |\n| Coastal | 7 | 7 |\n")
HOURS_STUB = ("Learning\n\nAverage training hours per employee      2024      2023\nSenior management"
              "                         11.5       9.0\nFrontline staff                           24.4      21.1\n")
RATE_UNIT_COLUMN = ("Safety\n\n| Indicator | Unit | 2024 | 2023 |\n|---|---|---|---|\n"
                    "| Lost-time injury rate | per 200,000 hours | 0.21 | 0.25 |\n| Lost days | days | 312 | 355 |\n")
TWO_COLUMN_PAGE = ("Planet                                         People\n"
                   "Indicator             2024      2023               Indicator                2024      2023\n"
                   "Electricity (MWh)     1,410     1,520              Employees                615       590\n"
                   "Water (m3)            7,300     7,750              Training hours           4,480     4,120\n"
                   "Paper (kg)            280       330                Work injuries            2         4\n")
TWO_TITLED_HALVES = ("Environment             2024      2023            Social                   2024      2023\n"
                     "Electricity (MWh)       1,410     1,520           Employees                615       590\n"
                     "Water (m3)              7,300     7,750           Training hours           4,480     4,120\n")

# (rule, text, pick, want): the first figure whose fields match `pick` has the fields of `want`.
CASES = [
    ("decimal-comma", COMMA_DECIMALS, dict(raw="12.604"), dict(value=12_604, unit="tCO2e", year=2023)),
    ("decimal-comma", COMMA_DECIMALS, dict(raw="91.002"), dict(value=91_002, unit="tonne", year=2022)),
    ("decimal-comma", COMMA_DECIMALS, dict(raw="0,26"), dict(value=0.26, year=2022)),
    ("decimal-point-stays", POINT_DECIMALS, dict(raw="12.604"), dict(value=12.604, unit="tCO2e")),
    ("square-bracket-unit", BRACKETS, dict(raw="5.82"), dict(value=5_820, unit="m3", year=2023)),
    ("square-bracket-unit", BRACKETS, dict(raw="6.95"), dict(value=6.95, unit="kg", hkex_kpi="A1.1", year=2022)),
    ("dots-only-group", GROUPED, dict(raw="1.204.551"), dict(value=1_204_551, unit="GJ", year=2023)),
    ("symbol-unit-column", NOTED, dict(raw="48,930"), dict(unit="tCO2e", subject="Scope 1 emissions", year=2023)),
    ("symbol-unit-column", NOTED, dict(raw="398,200"), dict(unit="m3", subject="Fresh water withdrawn")),
    ("footnote-rate", NOTED, dict(raw="0.95"), dict(unit="per 200000 hours worked", year=2022,
                                                     indicator="work_injury_rate")),
    ("dots-then-comma", GROUPED, dict(raw="2.512,0"), dict(value=2_512, unit="GJ", year=2022)),
    ("apostrophe-thousands", SWISS, dict(raw="1'204'500"), dict(value=1_204_500, unit="m3", year=2023)),
    ("space-thousands", FRENCH, dict(raw="191 030"), dict(value=191_030, unit="MWh", year=2022)),
    ("space-thousands", FRENCH, dict(raw="12 410,5"), dict(value=12_410.5, unit="tCO2e", year=2023)),
    ("period-rows", PERIOD_ROWS, dict(raw="10,214"), dict(value=10_214, unit="tCO2e", year=2023, subject="Scope 2",
                                                        hkex_kpi="A1.2")),
    ("merged-unit-cell", MERGED_UNIT, dict(raw="1,190"), dict(value=1_190, unit="tCO2e", year=2023, hkex_kpi="A1.2")),
    ("merged-unit-cell", MERGED_UNIT, dict(raw="9,077"), dict(value=9_077, unit="tCO2e", year=2024)),
    ("unit-column-last", UNIT_LAST, dict(raw="2,065"), dict(value=2_065_000, unit="m3", year=2022)),
    ("unit-column-last", UNIT_LAST, dict(raw="60.5"), dict(unit="year", year=2023)),
    ("unit-column-last", UNIT_LAST, dict(subject__endswith="Female", year=2023), dict(value=2, unit="count")),
    ("label-above-unit-row", LABEL_OVER_UNIT, dict(raw="3,410"), dict(unit="tCO2e", year=2023,
                                                                       subject__endswith="Business travel")),
    ("label-above-unit-row", LABEL_OVER_UNIT, dict(raw="166"), dict(unit="tCO2e", year=2023,
                                                                     subject__endswith="Employee commute")),
    ("flat-breakdown-splits-row-above", FLAT_BREAKDOWNS, dict(raw="1,090"), dict(
        unit="count", year=2024, subject="Total workforce › By gender › Female", dimensions={"gender": "female"})),
    ("flat-breakdown-splits-row-above", FLAT_BREAKDOWNS, dict(raw="640"), dict(
        subject="Total workforce › By age group › Under 30", hkex_kpi="B1.1")),
    ("workforce-is-counted", FLAT_BREAKDOWNS, dict(raw="2,400"), dict(unit="count", year=2023, hkex_kpi="B1.1")),
    ("repeated-breakdown-starts-new-row", FLAT_BREAKDOWNS, dict(raw="12%"), dict(
        subject="Turnover rate › By gender › Female", hkex_kpi="B1.2", dimensions={"gender": "female"})),
    ("flat-sheet-section-of-two-rows", FLAT_SHEET, dict(raw="455.0"), dict(
        unit="tCO2e", year=2022, indicator="ghg_scope2", subject="Scope 2 - Market based")),
    ("flat-sheet-section-of-two-rows", FLAT_SHEET, dict(raw="310.4"), dict(unit="tCO2e", year=2023)),
    ("blank-column-shares-period-on-its-left", COUNT_AND_SHARE, dict(raw="9%"), dict(value=9, unit="percent", year=2024)),
    ("blank-column-shares-period-on-its-left", COUNT_AND_SHARE, dict(raw="90%"), dict(unit="percent", year=2023)),
    ("caption-unit-by-row-words", TWO_UNIT_CAPTION, dict(raw="2.1"), dict(unit="tCO2e/employee", year=2024)),
    ("caption-unit-plain-on-a-tie", TWO_UNIT_CAPTION, dict(raw="8,200"), dict(unit="MWh", hkex_kpi="A2.1")),
    ("continued-table-keeps-its-topic", CONTINUED, dict(raw="60"), dict(
        value=60, unit="count", year=2022, hkex_kpi="B1.1")),
    ("label-column-header-names-the-unit", HOURS_STUB, dict(raw="9.0"), dict(unit="hour", year=2023, hkex_kpi="B3.2")),
    ("rate-base-in-unit-column", RATE_UNIT_COLUMN, dict(raw="0.25"), dict(
        unit="per 200000 hours worked", year=2023, hkex_kpi="B2.2")),
    ("side-by-side-tables-of-several-periods", TWO_COLUMN_PAGE, dict(raw="590"), dict(
        unit="count", year=2023, subject="Employees", hkex_kpi="B1.1")),
    ("side-by-side-tables-of-several-periods", TWO_COLUMN_PAGE, dict(raw="4,480"), dict(unit="hour", year=2024)),
    ("side-by-side-tables-with-own-titles", TWO_TITLED_HALVES, dict(raw="590"), dict(
        unit="count", year=2023, subject="Employees")),
    ("side-by-side-tables-with-own-titles", TWO_TITLED_HALVES, dict(raw="4,120"), dict(unit="hour", year=2023)),
    ("label-above-unit-row", LABEL_OVER_UNIT, dict(raw="2,904"), dict(unit="m3", subject="Greenhouse gas emissions › Water used")),
]


@pytest.mark.parametrize("rule,text,pick,want", CASES, ids=[c[0] for c in CASES])
def test_table_layout_figure(rule, text, pick, want):
    check_page_figure(rule, text, pick, want)


def test_a_change_column_and_a_target_column_give_no_figures():
    figures = read_page(NOTED)
    assert not [m for m in figures if m.raw in ("(4.4)%", "(3.0)%", "0.60") or m.year == 2030], \
        [(m.raw, m.year) for m in figures]


def test_a_row_printing_its_own_unreadable_unit_or_a_rate_takes_no_unit_from_above():
    figures = read_page(MERGED_UNIT)
    assert not [m for m in figures if m.raw in ("4,410", "4,120", "3,880", "71", "73", "76")], \
        [(m.raw, m.unit, m.flags) for m in figures]


@pytest.mark.parametrize("text,expected", [
    (COMMA_DECIMALS, True), (POINT_DECIMALS, False),
    ("Revenue rose 4,2 % while costs fell 3,1 %. See section 2.1.", True),   # one section number is outvoted
    ("Water use was 3.5 ML, down 0.4 ML; energy 1,234 MWh.", False),        # 1,234 groups thousands
    ("In 2023, 15 sites and 4,5 km of pipe; at 2.5 and 3.1 and 7.2 bar.", False),  # too few to outvote points
], ids=["comma-table", "point-table", "section-number-outvoted", "thousands-comma", "points-win"])
def test_which_mark_a_text_uses_for_decimals(text, expected):
    assert writes_decimal_comma(text) is expected
