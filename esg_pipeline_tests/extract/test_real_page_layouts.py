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
]


@pytest.mark.parametrize("rule,text,value", NOT_FOUND, ids=[f"{c[0]}-{i}" for i, c in enumerate(NOT_FOUND)])
def test_layout_debris_is_no_quantity(rule, text, value):
    metrics = extract_metrics(text, doc="t.txt")
    assert not [m for m in metrics if m.value == value], (rule, [(m.raw, m.value, m.unit) for m in metrics])
