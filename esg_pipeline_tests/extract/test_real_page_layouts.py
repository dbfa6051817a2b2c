"""Layouts of real report web pages and PDF transcripts, one case per general rule, on invented texts:
scale letters and words glued to the figure or to the next word, comparison signs of key-figure tiles,
and the page debris that is no quantity (footnote markers, digit runs, codes)."""
from __future__ import annotations

import pytest

from esg_pipeline.extract import extract_metrics

# (rule, text, value, unit, qualifier): the text holds this quantity.
FOUND = [
    ("letter-scale", "Highlights $845M Committed to our clean-tech fund in FY22.", 845e6, "USD", "exact"),
    ("letter-scale", "Water 2.1M m³ of water returned to stressed basins.", 2.1e6, "m3", "exact"),
    ("letter-scale", "Community >64K people reached by our clinics this year.", 64000, "count", "at_least"),
    ("glued-word", "HKD 41,380 millionin sales came from members of the loyalty scheme.", 41380e6, "HKD", "exact"),
    ("glued-word", "Fuel efficiency improved by 12.4 %in freight tonne-km since 2005.", 12.4, "percent", "exact"),
    ("glued-word", "Electricity intensity ↓9.8%kWh/m2 against baseline year FY2019", 9.8, "percent", "exact"),
    ("symbol-qualifier", "Raised >HK$7 Billion through green bonds since 2019.", 7e9, "HKD", "at_least"),
    ("symbol-qualifier", "~12.5% women in the engineering workforce", 12.5, "percent", "approx"),
    ("symbol-qualifier", "Improving >3 million lives through rural clinics", 3e6, "count", "at_least"),
    ("ghg-mass", "Operational emissions were 3.4 Mt CO 2 -e in FY2021.", 3.4e6, "tCO2e", "exact"),
    ("ghg-mass", "In FY22 the airline contracted to remove 1.2 million mtCO 2 , its two-year goal.", 1.2e6, "tCO2e", "exact"),
    ("ghg-mass", "The mill's emission intensity was 1.87 tCO2/tcs last year.", 1.87, "tCO2e/tcs", "exact"),
    ("ghg-mass", "Its solar farms have avoided 8,120,554 kg of carbon since 2015.", 8120554, "kgCO2e", "exact"),
    ("ghg-mass", "Carbon Intensity:0.61 tonne (Mt) of CO2e/HKD million", 0.61, "tCO2e/HKD million", "exact"),
    ("units", "The bottling plants reused 410 million gallons of process water.", 410e6, "gallon", "exact"),
    ("units", "Reusable crates replaced 23.5 million pounds of cardboard.", 23.5e6, "lb", "exact"),
    ("units", "Proved reserves stand at 5.2 billion barrels of oil equivalent.", 5.2e9, "boe", "exact"),
    ("units", "The works reached an energy intensity of 6.01 GCal/tcs.", 6.01, "Gcal/tcs", "exact"),
    ("units", "Emissions per sales were 2.9 tons of CO2e/million KRW in 2019.", 2.9, "tCO2e/KRW million", "exact"),
]


@pytest.mark.parametrize("rule,text,value,unit,qualifier", FOUND, ids=[f"{c[0]}-{i}" for i, c in enumerate(FOUND)])
def test_layout_quantity_is_read(rule, text, value, unit, qualifier):
    metrics = extract_metrics(text, doc="t.txt")
    hits = [m for m in metrics if m.unit == unit and abs(m.value - value) <= abs(value) * 1e-9]
    assert hits, (rule, [(m.raw, m.value, m.unit) for m in metrics])
    assert hits[0].qualifier == qualifier, (rule, hits[0])


# (rule, text, value): no quantity with this value is read from the text.
NOT_FOUND = [
    ("letter-scale", "The 3M respirators were issued to 40 welders.", 3e6),
    ("glued-word", "Electricity intensity ↓9.8%kWh/m2 against baseline year FY2019", 2),
    ("pounds-of", "Staff raised 2 million pounds for the hospice appeal.", 2e6),
]


@pytest.mark.parametrize("rule,text,value", NOT_FOUND, ids=[f"{c[0]}-{i}" for i, c in enumerate(NOT_FOUND)])
def test_layout_debris_is_no_quantity(rule, text, value):
    metrics = extract_metrics(text, doc="t.txt")
    assert not [m for m in metrics if m.value == value], (rule, [(m.raw, m.value, m.unit) for m in metrics])
