"""KPI pages read end to end (document grids, then the extractor): the layouts of scraped HKEX KPI pages
and flip-book report pages, in texts written for these tests. Each case names the rule it holds."""
from __future__ import annotations

import pytest

from esg_pipeline_tests.extract.cases import check_page_figure, read_page

HKEX_WORDING = ("Direct and/or indirect energy consumption by type (e.g. electricity, gas or oil) in total (kWh in "
                "'000s) and intensity (e.g. per unit of production volume, per facility).\n")
ENERGY_PIPES = (HKEX_WORDING + "| Indicator | Unit | 2022 | 2023 | Report Pages |\n|---|---|---|---|---|\n"
                "| Grid electricity consumption | 0000'KWh | 1520.5 | 1498.0 | 14 |\n"
                "| Boiler fuel oil | 000'Litres | 41.2 | 39.9 | 14 |\n")
ONE_ROW = ("The types of emissions and respective emissions data.\n| Indicator | Unit | 2022 | 2023 | Report Pages |\n"
           "|---|---|---|---|---|\n| NOx emissions from delivery vans | kg | 0.8 | 0.6 | 21 |\n"
           "Direct (Scope 1) and energy indirect (Scope 2) greenhouse gas emissions (in tonnes).\n")
INTENSITY_ROWS = ("Indicator Unit 2022 2023 Report Pages\n"
                  "GHG emissions intensity per million HKD revenue tonnes 16.4 15.1 12\n"
                  "Scope 1 emissions tonnes CO2e 410 388 12, 13\n")
FLIP_BOOK = ("        Fleet Safety\n              Year             2024                2023\n"
             "         Type          Staff    Contractors    Staff    Contractors\n"
             "        1) Lost-time injuries\n        Number             3         5           4         6\n"
             "        Rate per 1 million  0.52      0.71        0.66      0.80\n        hours worked\n")
AIR_NOT_GHG = ("Particulars of air emissions (other than GHG emissions) at our plants\n"
               "| Parameter | Unit | FY 2024-25 | FY 2023-24 |\n|---|---|---|---|\n"
               "| NOx | MT/Year | 12 | 40 |\n| Particulate matter (PM) | MT/Year | 5 | 7 |\n")
AIR_BY_GAS = ("| Air emissions | Unit | 2022 | 2023 |\n|---|---|---|---|\n| Total emissions to air | kt | 120 | 110 |\n"
              "| Non-methane hydrocarbons | kt | 31 | 29 |\n| Methane | kt | 8 | 7 |\n"
              "| Emissions to air – production and LNG | kt | 40 | 38 |\n")
RATE_BY_GENDER = ("Employee turnover rate by gender\n| Gender | 2022 | 2023 |\n|---|---|---|\n"
                  "| Male | 14% | 12% |\n| Female | 18% | 16% |\n\n"
                  "Gender diversity\n| Gender | 2022 | 2023 |\n|---|---|---|\n| Male | 55% | 54% |\n| Female | 45% | 46% |\n")
PEOPLE = "People\n| Indicator | 2023 | 2022 |\n|---|---|---|\n| Women | 1,020 | 990 |\n| Men | 1,380 | 1,400 |\n"
CO2_SHEET = ("CO2 emissions\n| Indicator | Unit | 2023 | 2022 |\n|---|---|---|---|\n"
             "| Direct CO2 emissions | tCO2 | 1,250 | 1,310 |\n| Intensity | GJ/t | 3.1 | 3.3 |\n"
             "| Electricity used | kWh/m2 | 101 | 110 |\n")
HEADCOUNT_GROUPS = ("| Indicator | Unit | 2023 | 2022 |\n|---|---|---|---|\n| Employee headcount | Number | 4,210 | 4,050 |\n"
                    "| Regions | | | |\n| Home markets | Number | 2,300 | 2,250 |\n| Growth markets | Number | 1,910 | 1,800 |\n")
WASTE_GROUP = ("| Indicator | 2023 | 2022 |\n|---|---|---|\n| Hazardous waste | | |\n| Generated (tonnes) | 30 | 28 |\n"
               "| Non-hazardous waste (tonnes) | 1,200 | 1,150 |\n")
BRACKETED_PERIODS = ("Gross figures before offsets are as follows: 1,416,000 tCO2e (FY24), 1,502,000 tCO2e (FY23), "
                     "1,611,000 tCO2e (FY22).\n")
GAS_ROWS = ("Greenhouse gas emissions\n| Indicator | Unit | FY24 | FY23 |\n|---|---|---|---|\n"
            "| Total Scope 1 emissions (break-up into CO2, CH4, N2O) | Metric tonnes | 26,410 | 27,020 |\n"
            "| Scope 1 – SF6 | mt | 2 | 3 |\n")
MATERIALS_USED = ("Resources used\n| Item | 2023 | 2022 |\n|---|---|---|\n| Stretch film (rolls) | 1,210 | 1,340 |\n"
                  "| Waste oil and solvents, hazardous (litres) | 3,400 | 3,150 |\n")
KPI_CODES = ("Environmental KPIs\n| KPI | Description | Unit | 2023 | 2022 |\n|---|---|---|---|---|\n"
             "| A2.2 | Water consumption | m3 | 4,500 | 4,700 |\n| A2.2 | Intensity | m3/employee | 3.1 | 3.3 |\n")
COUNT_AND_SHARE_BY_GENDER = ("Employees\n| Category | 2023 (headcount) | 2023 (%) |\n|---|---|---|\n"
                             "| Female | 480 | 44% |\n| Male | 610 | 56% |\n")

# (rule, text, pick, want): the first figure whose fields match `pick` has the fields of `want`.
CASES = [
    ("examples-in-a-title-name-nothing", ENERGY_PIPES, dict(value=15_205_000), dict(
        unit="kWh", year=2022, indicator="energy_consumption", hkex_kpi="A2.1")),
    ("ten-thousand-quote-scale", ENERGY_PIPES, dict(value=14_980_000), dict(unit="kWh", year=2023)),
    ("thousand-quote-scale", ENERGY_PIPES, dict(value=41_200), dict(unit="litre")),
    ("one-row-ruled-table", ONE_ROW, dict(value=0.8), dict(unit="kg", year=2022, hkex_kpi="A1.1")),
    ("one-row-ruled-table", ONE_ROW, dict(value=0.6), dict(unit="kg", year=2023)),
    ("label-per-gives-the-denominator", INTENSITY_ROWS, dict(value=16.4), dict(
        unit="tCO2e/HKD million", indicator="ghg_intensity", year=2022)),
    ("page-list-is-no-figure", INTENSITY_ROWS, dict(value=388), dict(unit="tCO2e", year=2023)),
    ("periods-over-members", FLIP_BOOK, dict(value=5), dict(
        unit="count", year=2024, hkex_kpi="B2.2", dimensions={"employment_type": "contractor"})),
    ("periods-over-members", FLIP_BOOK, dict(value=4), dict(unit="count", year=2023, dimensions={})),
    ("wrapped-rate-label", FLIP_BOOK, dict(value=0.8), dict(unit="per 1000000 hours worked", year=2023)),
    ("gas-set-apart-is-no-ghg", AIR_NOT_GHG, dict(value=12), dict(unit="tonne", hkex_kpi="A1.1", year=2025)),
    ("gas-set-apart-is-no-ghg", AIR_NOT_GHG, dict(value=7), dict(unit="tonne", hkex_kpi="A1.1", year=2024)),
    ("gas-set-apart-is-no-ghg", AIR_BY_GAS, dict(value=31_000), dict(unit="tonne", indicator="air_emissions")),
    ("gender-label-is-a-member", RATE_BY_GENDER, dict(value=18), dict(
        hkex_kpi="B1.2", indicator="employee_turnover_rate", dimensions={"gender": "female"})),
    ("gender-count-is-headcount", PEOPLE, dict(value=990), dict(
        unit="count", hkex_kpi="B1.1", indicator="employees_total", dimensions={"gender": "female"}, year=2022)),
    ("ratio-numerator-names-the-measure", CO2_SHEET, dict(value=3.3), dict(unit="GJ/tonne", hkex_kpi="A2.1",
                                                                            indicator="energy_intensity")),
    ("ratio-numerator-names-the-measure", CO2_SHEET, dict(value=101), dict(unit="kWh/m2", indicator="energy_intensity")),
    ("members-count-what-the-opening-total-counts", HEADCOUNT_GROUPS, dict(value=1_800), dict(
        unit="count", year=2022, hkex_kpi="B1.1", indicator="employees_total")),
    ("negated-label-beats-its-path", WASTE_GROUP, dict(value=1_150), dict(unit="tonne", hkex_kpi="A1.4")),
    ("bracketed-period-after-figure", BRACKETED_PERIODS, dict(value=1_502_000), dict(unit="tCO2e", year=2023)),
    ("bracketed-period-after-figure", BRACKETED_PERIODS, dict(value=1_611_000), dict(year=2022)),
    ("gas-list-names-a-scope-total", GAS_ROWS, dict(value=27_020), dict(unit="tCO2e", hkex_kpi="A1.2", year=2023)),
    ("one-gas-weighed-in-its-own-mass", GAS_ROWS, dict(value=3), dict(unit="tonne", year=2023)),
    ("packaging-counted-in-units", MATERIALS_USED, dict(value=1_340), dict(unit="count", hkex_kpi="A2.5", year=2022)),
    ("hazardous-waste-by-volume", MATERIALS_USED, dict(raw="3,150"), dict(unit="litre", hkex_kpi="A1.3", year=2022)),
    ("kpi-code-column-names-the-kpi", KPI_CODES, dict(value=3.3), dict(unit="m3/employee", hkex_kpi="A2.2",
                                                                     indicator="water_intensity", year=2022)),
    ("gender-label-is-evidence-when-nothing-else-is", COUNT_AND_SHARE_BY_GENDER, dict(value=44), dict(
        unit="percent", year=2023, indicator="female_employee_share")),
    ("mens-share-is-no-female-share", COUNT_AND_SHARE_BY_GENDER, dict(value=56), dict(
        unit="percent", year=2023, hkex_kpi="B1.1", indicator="workforce_share", dimensions={"gender": "male"})),
    ("emissions-to-air-are-pollutants", AIR_BY_GAS, dict(value=120_000), dict(unit="tonne", hkex_kpi="A1.1")),
    ("emitted-mass-is-no-fuel", AIR_BY_GAS, dict(value=38_000), dict(unit="tonne", hkex_kpi="A1.1")),
]


@pytest.mark.parametrize("rule,text,pick,want", CASES, ids=[c[0] for c in CASES])
def test_kpi_page_figure(rule, text, pick, want):
    check_page_figure(rule, text, pick, want)


@pytest.mark.parametrize("rule,text,value", [
    ("page-list-is-no-figure", INTENSITY_ROWS, 12), ("page-list-is-no-figure", INTENSITY_ROWS, 13),
    ("one-row-ruled-table", ONE_ROW, 21)], ids=lambda c: c if isinstance(c, str) else None)
def test_kpi_page_gives_no_such_figure(rule, text, value):
    assert not [m for m in read_page(text) if m.value == value], rule
