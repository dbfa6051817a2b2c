"""Categories generalised in round five, on invented texts from other sectors: intensities whose denominator is
any singular noun after "per" (also inside a row label's parenthesis), kg CO2e as a unit, standard coal in tonnes,
and a country's or an industry's output or national aggregates, which are not the company's figures."""
from __future__ import annotations

from esg_pipeline.extract import extract_metrics


def _units(text: str) -> list[tuple[float, str]]:
    return [(m.value, m.unit) for m in extract_metrics(text, doc="t.txt")]


def test_any_singular_noun_after_per_is_a_denominator():
    assert (2.4, "m3/bed-night") in _units("Our hotels used 2.4 m³ per bed-night in the year.")
    assert (0.31, "kgCO2e/parcel") in _units("Last-mile delivery emitted 0.31 kg CO2e per parcel.")
    assert (12.0, "MWh/hectare") in _units("Greenhouses used 12 MWh per hectare of glass.")


def test_periods_of_time_are_not_denominators():
    assert (5200.0, "kWh") in _units("The pumps used 5,200 kWh per year.")


def test_denominator_in_a_row_label_parenthesis_with_what_it_measures():
    text = "Indicator | 2022 | 2023\nEnergy intensity (MWh per tonne of paper) | 1.84 | 1.79\n"
    assert {(1.84, "MWh/tonne"), (1.79, "MWh/tonne")} <= set(_units(text))


def test_standard_coal_is_tonnes_with_standard_coal_as_subject():
    ms = extract_metrics("The smelter consumed 52,300 tonnes of standard coal in total.", doc="t.txt")
    coal = [m for m in ms if m.value == 52300]
    assert coal and coal[0].unit == "tonne" and coal[0].subject == "standard coal"
    assert coal[0].indicator == "standard_coal_consumption"


def test_a_countrys_output_is_not_the_companys():
    text = ("Peru produced about 2.8 million tonnes of copper in 2023. "
            "Our mine produced 210,000 tonnes of copper concentrate.")
    units = _units(text)
    assert (2.8e6, "tonne") not in units and (210000.0, "tonne") in units


def test_a_national_aggregate_before_the_figure_is_not_the_companys():
    units = _units("Our starting pay was HK$21,000 a month, above the national average wage of HK$19,500.")
    assert (21000.0, "HKD") in units and (19500.0, "HKD") not in units
