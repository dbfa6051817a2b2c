"""Units of prose figures: currencies to ISO codes with their scales, physical and sector units (megalitres, Mt,
mg/L, litres), compound units and the denominator after 'per', rates per hours worked, unit case variants and
typos, and what does not make a unit (a period of time after 'per', a symbol in another case).

Every text is written for these tests; none is taken from the evaluation sets. Table shapes are described
in cases.py."""
from __future__ import annotations

import pytest

from esg_pipeline_tests.extract.cases import Y23, check_absent, check_exactly, check_found, ids

# (rule, text, given, pick, want): the first figure matching `pick` exists and matches `want`.
FOUND = [
    # money to ISO codes and base units
    ("currency-scale", "The Foundation granted RMB48.215 million to rural clinics.", {}, dict(value=48_215_000, unit="CNY"), {}),
    ("currency-separators", "Procurement from poor counties totalled RMB12,480,000 during the year.", {},
     dict(value=12_480_000, unit="CNY"), {}),
    ("currency-letter-scale", "The bank sponsored the marathon with HK$8m.", {}, dict(value=8_000_000, unit="HKD"), {}),
    ("currency-spaced", "We donated HK$ 2.5 million to the Community Chest.", {}, dict(value=2_500_000, unit="HKD"), {}),
    ("currency-billion", "Green bonds of US$1.2 billion were issued.", {}, dict(value=1_200_000_000, unit="USD"), {}),
    ("currency-code", "The mine paid KZT35 million in local taxes.", {}, dict(value=35_000_000, unit="KZT"), {}),
    ("currency-word", "Scholarships worth 3.6 million yuan were awarded to students.", {},
     dict(value=3_600_000, unit="CNY"), {}),
    ("currency-spaced", "A grant of RMB 500,000 supported the library.", {}, dict(value=500_000, unit="CNY"), {}),
    ("currency-letter-scale", "Relief spending came to A$2.4m after the floods.", {}, dict(value=2_400_000, unit="AUD"), {}),
    ("currency-symbol", "The project cost €4.1 million.", {}, dict(value=4_100_000, unit="EUR"), {}),
    ("currency-ten-thousand", "The plant gave rice worth 35 ten thousand yuan to flood victims.", Y23,
     dict(value=350_000, unit="CNY", qualifier="exact"), {}),
    ("currency-twice", "The subsidy was RMB 4.8 million yuan in total.", Y23,
     dict(value=4_800_000, unit="CNY", qualifier="exact"), {}),
    ("currency-word", "Spending on wastewater treatment reached 2.7 billion yuan.", Y23,
     dict(value=2_700_000_000, unit="CNY", qualifier="exact"), {}),
    # physical units
    ("energy", "The solar farm generated 3 billion kWh of clean power.", {}, dict(value=3_000_000_000, unit="kWh"), {}),
    ("energy", "Purchased electricity was 58,310 MWh.", {}, dict(value=58_310, unit="MWh"), {}),
    ("power", "Installed wind capacity reached 1,240 MW.", {}, dict(value=1_240, unit="MW"), {}),
    ("ghg", "Scope 1 emissions were 12,806 tCO2e.", {}, dict(value=12_806, unit="tCO2e"), {}),
    ("ghg", "Emissions fell to 9,120 tonnes of CO2e.", {}, dict(value=9_120, unit="tCO2e"), {}),
    ("mass", "Hazardous waste was 48.7 tonnes.", {}, dict(value=48.7, unit="tonne"), {}),
    ("mass-scale", "We recycled 2.1 thousand tonnes of scrap steel.", {}, dict(value=2_100, unit="tonne"), {}),
    ("volume", "Water withdrawal was 640,300 m3.", {}, dict(value=640_300, unit="m3"), {}),
    ("length", "Volunteers restored 18.5 km of river bank.", {}, dict(value=18.5, unit="km"), {}),
    ("area", "The reforestation covered 1,300 acres.", {}, dict(value=1_300, unit="acre"), {}),
    ("hours", "Staff logged 9,860 volunteer hours.", {}, dict(value=9_860, unit="hour"), {}),
    ("percent", "Women make up 38.5% of managers.", {}, dict(value=38.5, unit="percent"), {}),
    ("per-cent", "Turnover fell to 7 per cent.", {}, dict(value=7, unit="percent"), {}),
    ("duration-of-activity", "Each driver received 24 hours of defensive-driving training.", Y23,
     dict(value=24, unit="hour", qualifier="exact"), {}),
    # sector units
    ("megalitres", "The brewery drew 1,240 ML of river water.", Y23,
     dict(value=1_240_000, unit="m3", qualifier="exact"), {}),  # megalitres as m3 x 1000
    ("megalitres", "Bottling used 3.2 megalitres of mains water.", Y23, dict(value=3_200, unit="m3", qualifier="exact"), {}),
    ("megatonnes", "The quarry shipped 6.8 Mt of limestone.", Y23, dict(value=6_800_000, unit="tonne", qualifier="exact"), {}),
    ("concentration", "Effluent suspended solids stayed below 30 mg/L at the outfall.", Y23,
     dict(value=30, unit="mg/L", qualifier="at_most"), {}),
    ("litres", "Delivery vans used 51,300 litres of petrol.", Y23, dict(value=51_300, unit="litre", qualifier="exact"), {}),
    ("transport-intensity", "Freight emissions intensity was 0.62 kgCO2e per tonne, or 0.0011 tCO2e per RTK.", Y23,
     dict(value=0.0011, unit="tCO2e/RTK", qualifier="exact"), {}),
    ("per-money", "Wastewater discharged was 0.8 tonnes per million yuan of sales.", Y23,
     dict(value=0.8, unit="tonne/CNY million", qualifier="exact"), {}),
    # compound units keep their denominator
    ("compound-slash", "Intensity was 1.92 tCO2e/person, or 0.44 tCO2e per RMB million of revenue.", {},
     dict(value=1.92, unit="tCO2e/person"), {}),
    ("per-money", "Intensity was 1.92 tCO2e/person, or 0.44 tCO2e per RMB million of revenue.", {},
     dict(value=0.44, unit="tCO2e/CNY million"), {}),
    ("per-noun", "Emission intensity improved to 2.7 tCO2e per employee.", {}, dict(value=2.7, unit="tCO2e/employee"), {}),
    ("average-per-employee", "Training averaged 26.5 hours per employee.", {}, dict(value=26.5, unit="hour"), {}),
    ("per-any-noun", "Our hotels used 2.4 m³ per bed-night in the year.", {}, dict(value=2.4, unit="m3/bed-night"), {}),
    ("per-any-noun", "Last-mile delivery emitted 0.31 kg CO2e per parcel.", {}, dict(value=0.31, unit="kgCO2e/parcel"), {}),
    ("per-any-noun", "Greenhouses used 12 MWh per hectare of glass.", {}, dict(value=12.0, unit="MWh/hectare"), {}),
    ("per-period-is-no-denominator", "The pumps used 5,200 kWh per year.", {}, dict(value=5200.0, unit="kWh"), {}),
    ("per-in-row-label", "Indicator | 2022 | 2023\nEnergy intensity (MWh per tonne of paper) | 1.84 | 1.79\n", {},
     dict(value=1.84, unit="MWh/tonne"), {}),
    ("per-in-row-label", "Indicator | 2022 | 2023\nEnergy intensity (MWh per tonne of paper) | 1.84 | 1.79\n", {},
     dict(value=1.79, unit="MWh/tonne"), {}),
    ("standard-coal", "The smelter consumed 52,300 tonnes of standard coal in total.", {}, dict(value=52300),
     dict(unit="tonne", subject="standard coal", indicator="standard_coal_consumption")),
    ("compound-rate", "The heat rate of our gas turbines improved to 212.6 g/kWh.", Y23, dict(value=212.6, unit="g/kWh"), {}),
    ("compound-area", "Office buildings used 143.2 kWh/m2 of electricity.", Y23, dict(value=143.2, unit="kWh/m2"), {}),
    ("square-feet", "The Group manages 860,000 ft2 of retail space.", Y23, dict(value=860_000, unit="ft2"), {}),
    ("unit-case", "Reservoir intake was 8.4 million M3 in the year.", Y23, dict(value=8_400_000, unit="m3"), {}),
    ("unit-case", "Emissions from boilers were 5,210 tco2e.", Y23, dict(value=5_210, unit="tCO2e"), {}),
    ("unit-case", "Process waste came to 320 KG per batch.", Y23, dict(value=320, unit="kg"), {}),
    ("unit-typo", "LED retrofits saved 88,000 KwH in the head office.", {}, dict(value=88_000, unit="kWh"),
     dict(flags__has="unit_typo")),
    ("unit-typo", "Rainwater harvested: 4,100 M3", Y23, dict(unit="m3"), dict(flags__has="unit_typo")),
    # rates per hours worked
    ("rate-per-million-hours", "The recordable injury rate was 0.36 per million hours worked.\n\n"
     "Indicator | 2022 | 2023\nLost-time injury frequency (per 200,000 hours worked) | 0.21 | 0.17\n", Y23,
     dict(value=0.36, unit="per 1000000 hours worked", qualifier="exact"), {}),
    ("rate-per-200000-hours", "The recordable injury rate was 0.36 per million hours worked.\n\n"
     "Indicator | 2022 | 2023\nLost-time injury frequency (per 200,000 hours worked) | 0.21 | 0.17\n", Y23,
     dict(value=0.21, unit="per 200000 hours worked", qualifier="exact"), {}),
    ("rate-per-200000-hours", "The recordable injury rate was 0.36 per million hours worked.\n\n"
     "Indicator | 2022 | 2023\nLost-time injury frequency (per 200,000 hours worked) | 0.21 | 0.17\n", Y23,
     dict(value=0.17, unit="per 200000 hours worked", qualifier="exact"), {}),
]

# (rule, text, given, fields, expected): the figures' fields, in text order, are exactly these.
EXACTLY = [
    ("unit-typo", "LED retrofits saved 88,000 KwH in the head office.", {}, ("value", "unit"), [(88_000, "kWh")]),
    ("unit-typo", "Rainwater harvested: 4,100 M3", Y23, "unit", ["m3"]),
    ("rate-base-in-digits", "Recordable injury rate (per 1,000,000 hours worked): 1.8\n", Y23, ("value", "unit"),
     [(1.8, "per 1000000 hours worked")]),
]

# (rule, text, given, pick): no figure matches the pick.
ABSENT = [
    ("rate-is-no-hours", "The recordable injury rate was 0.36 per million hours worked.\n\n"
     "Indicator | 2022 | 2023\nLost-time injury frequency (per 200,000 hours worked) | 0.21 | 0.17\n", Y23,
     dict(unit="hour")),
    ("symbol-in-another-case", "Samples held 4 ml of reagent.", Y23, dict(unit__in=("ML", "m3", "tonne"))),
    ("symbol-in-another-case", "Our MT fleet expanded.", Y23, dict(unit__in=("ML", "m3", "tonne"))),
    ("symbol-in-another-case", "A 12 mt crane.", Y23, dict(unit__in=("ML", "m3", "tonne"))),
]


@pytest.mark.parametrize("rule,text,given,pick,want", FOUND, ids=ids(FOUND))
def test_unit_is_read(rule, text, given, pick, want):
    check_found(rule, text, given, pick, want)


@pytest.mark.parametrize("rule,text,given,fields,expected", EXACTLY, ids=ids(EXACTLY))
def test_units_are_exactly_these(rule, text, given, fields, expected):
    check_exactly(rule, text, given, fields, expected)


@pytest.mark.parametrize("rule,text,given,pick", ABSENT, ids=ids(ABSENT))
def test_no_such_unit(rule, text, given, pick):
    check_absent(rule, text, given, pick)
