"""Tables as they reach the prose text (document grids are covered by test_table_cells): ' | ' rows under a
header of years, one cell per line, space-separated PDF rows, scales and units in row labels ('000,
(million), (HK$'000)), a unit declaration heading a 'Label: value' list, lists of labels under a count, and
shares alone on their line that take the table's headers.

Every text is written for these tests; none is taken from the evaluation sets. Table shapes are described
in cases.py."""
from __future__ import annotations

import pytest

from esg_pipeline_tests.extract.cases import Y23, check_absent, check_exactly, check_found, ids

PIPE = ("Key figures\n"
        "Indicator | 2021 | 2022 | 2023\n"
        "Electricity consumption (MWh) | 41,200 | 39,850 | 38,010\n"
        "Donations (RMB million) | 3.2 | 4.5 | (5.1)\n"
        "Employees (persons) | 8,410 | 8,622 | 8,903\n"
        "Female managers (%) | 29.1 | 30.4 | 31.0\n")
STACKED = ("Suppliers by location\nLocation\nNumber of suppliers\n"
           "Guangdong\n1,420\nOther provinces\n860\nOverseas\n75\n")
UNDER_A_COUNT = ("We bought from 1,520 suppliers, located as follows:\n"
                 "Hong Kong: 610\nMainland China: 880\nOther regions: 30\n")
FLATTENED = ("Customer reach\nItem\n2022\n2023\nBranch outlets and sub-branches\n218\n224\n"
             "POS terminals and kiosks\n3,410\n3,655\nOnline banking customers (million)\n2.4\n2.9\n")
SHARES = "Our People\nHeadcount by site\nSite\nEmployees\nWomen share\nLyon\n1,200\n38%\nPorto\n640\n52%\n"

# (rule, text, given, pick, want): the first figure matching `pick` exists and matches `want`.
FOUND = [
    ("pipe-year-columns", PIPE, Y23, dict(value=39_850, unit="MWh"), dict(year=2022)),
    ("pipe-year-columns", PIPE, Y23, dict(value=38_010, unit="MWh"), dict(year=2023)),
    ("pipe-year-columns", PIPE, Y23, dict(value=41_200, unit="MWh"), dict(year_source__startswith="text:")),
    ("pipe-bracketed-cell", PIPE, Y23, dict(value=5_100_000, unit="CNY"),
     dict(year=2023, flags__has="parenthesised_amount")),
    ("pipe-label-unit", PIPE, Y23, dict(value=8_903, unit="count"), dict(hkex_kpi="B1.1")),
    ("pipe-label-percent", PIPE, Y23, dict(value=31.0, unit="percent"), {}),
    ("stacked-cells", STACKED, {}, dict(value=75), dict(unit="count", hkex_kpi="B5.1")),
    ("list-under-a-count", UNDER_A_COUNT, {}, dict(value=1520), {}),
    ("list-under-a-count", UNDER_A_COUNT, {}, dict(value=610), {}),
    ("list-under-a-count", UNDER_A_COUNT, {}, dict(value=880), dict(subject__startswith="suppliers")),
    ("list-under-a-count", UNDER_A_COUNT, {}, dict(value=30), {}),
    ("flattened-plural-label", FLATTENED, Y23, dict(value=218, unit="count", year=2022), {}),
    ("flattened-plural-label", FLATTENED, Y23, dict(value=224, unit="count", year=2023), {}),
    ("flattened-plural-label", FLATTENED, Y23, dict(value=3_410, unit="count", year=2022), {}),
    ("flattened-plural-label", FLATTENED, Y23, dict(value=3_655, unit="count", year=2023), {}),
    ("flattened-label-scale", FLATTENED, Y23, dict(value=2_400_000, unit="count", year=2022), {}),
    ("flattened-label-scale", FLATTENED, Y23, dict(value=2_900_000, unit="count", year=2023), {}),
    ("label-thousands", "Indicator | 2022 | 2023\nApp subscribers ('000) | 512 | 640\n", Y23,
     dict(value=512_000, unit="count", qualifier="exact"), {}),
    ("label-thousands", "Indicator | 2022 | 2023\nApp subscribers ('000) | 512 | 640\n", Y23,
     dict(value=640_000, unit="count", qualifier="exact"), {}),
    ("share-takes-headers", SHARES, {}, dict(raw="38%"), dict(hkex_kpi="B1.1")),
    ("share-takes-headers", SHARES, {}, dict(raw="52%"), dict(hkex_kpi="B1.1")),
]

# (rule, text, given, fields, expected): the figures' fields, in text order, are exactly these.
EXACTLY = [
    ("stacked-cells", STACKED, {}, "value", [1420, 860, 75]),
    ("stacked-header-years", "Indicator\n2022\n2023\nWater consumption (m3)\n51,300\n49,870\n", {},
     ("value", "year"), [(51_300, 2022), (49_870, 2023)]),
    ("pdf-space-separated-row", "Indicator 2021 2022 2023\n"
     "Scope 2 GHG emissions (tCO2e) 30,150 28,960 28,330\n"
     "Total employees 13,420 13,880 14,260\n", {}, ("value", "unit", "year"),
     [(30_150, "tCO2e", 2021), (28_960, "tCO2e", 2022), (28_330, "tCO2e", 2023),
      (13_420, "count", 2021), (13_880, "count", 2022), (14_260, "count", 2023)]),
    ("label-money-thousands", "Item | 2023\nCharitable donations (HK$'000) | 1,250\n", {}, ("value", "unit"),
     [(1_250_000, "HKD")]),
    ("unit-declaration-header", "Charitable spending in 2023 (Unit: 10,000 yuan)\nStudent grants: 42.5\n"
     "Elderly care: 17.0\nTotal: 59.5\n", Y23, ("value", "unit"),
     [(425_000, "CNY"), (170_000, "CNY"), (595_000, "CNY")]),
]

# (rule, text, given, pick): no figure matches the pick.
ABSENT = [
    ("pipe-every-cell-is-a-row", PIPE, Y23, dict(flags__lacks="table_row")),
    ("pipe-header-years", PIPE, Y23, dict(value__in=(2021, 2022, 2023))),
    ("no-unit-header-no-money", "Community programmes\nLibraries: 12\nClinics: 4\n", Y23, dict(unit="CNY")),
]


@pytest.mark.parametrize("rule,text,given,pick,want", FOUND, ids=ids(FOUND))
def test_table_figure_is_read(rule, text, given, pick, want):
    check_found(rule, text, given, pick, want)


@pytest.mark.parametrize("rule,text,given,fields,expected", EXACTLY, ids=ids(EXACTLY))
def test_table_figures_are_exactly_these(rule, text, given, fields, expected):
    check_exactly(rule, text, given, fields, expected)


@pytest.mark.parametrize("rule,text,given,pick", ABSENT, ids=ids(ABSENT))
def test_table_gives_no_such_figure(rule, text, given, pick):
    check_absent(rule, text, given, pick)
