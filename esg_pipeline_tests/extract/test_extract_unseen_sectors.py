"""Categories from sectors the development texts lack (shipping, brewing, forestry, logistics, rail, hospitals):
data-sheet 'Label: value' lines, counts of unfamiliar nouns with modifiers, nouns before their figure,
sector units (megalitres, Mt, mg/L, litres, transport intensities) and statistics about a country.

Every text is written for these tests; none is taken from the evaluation sets."""
from __future__ import annotations

import pytest

from esg_pipeline.extract import extract_metrics


def metrics(text: str):
    return extract_metrics(text, doc="t.txt", year=2023)


def triples(text: str) -> list[tuple[float, str, str]]:
    return [(m.value, m.unit, m.qualifier) for m in metrics(text)]


@pytest.mark.parametrize("text, expected", [
    ("The brewery drew 1,240 ML of river water.", (1_240, "ML", "exact")),
    ("Bottling used 3.2 megalitres of mains water.", (3.2, "ML", "exact")),
    ("The quarry shipped 6.8 Mt of limestone.", (6_800_000, "tonne", "exact")),
    ("Effluent suspended solids stayed below 30 mg/L at the outfall.", (30, "mg/L", "at_most")),
    ("Delivery vans used 51,300 litres of petrol.", (51_300, "litre", "exact")),
    ("Freight emissions intensity was 0.62 kgCO2e per tonne, or 0.0011 tCO2e per RTK.", (0.0011, "tCO2e/RTK", "exact")),
    ("Wastewater discharged was 0.8 tonnes per million yuan of sales.", (0.8, "tonne/CNY million", "exact")),
])
def test_sector_units(text, expected):
    assert expected in triples(text)


@pytest.mark.parametrize("text", ["Samples held 4 ml of reagent.", "Our MT fleet expanded.", "A 12 mt crane."])
def test_unit_symbols_in_another_case_are_not_those_units(text):
    assert not any(u in ("ML", "tonne") for _, u, _ in triples(text))
