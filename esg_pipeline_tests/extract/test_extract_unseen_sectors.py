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
    ("The brewery drew 1,240 ML of river water.", (1_240_000, "m3", "exact")),  # megalitres as m3 x 1000
    ("Bottling used 3.2 megalitres of mains water.", (3_200, "m3", "exact")),
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
    assert not any(u in ("ML", "m3", "tonne") for _, u, _ in triples(text))


def test_data_sheet_lines_count_the_label_head_noun():
    text = ("PORT OPERATIONS\n"
            "Vessel calls handled: 4,318, up 6%.\n"
            "Containers moved: approx. 2.6 million.\n"
            "Berths in service: twelve.\n"
            "Dock workers who completed crane refresher courses: more than 1,100.\n"
            "Trucks with dual-fuel engines deployed: 215 (pilot at Pier B).\n"
            "Of which tug crew: 340\n"
            "Ballast water treated (ML): 96.4\n"
            "Shore power supplied (MWh): 12,880\n")
    got = set(triples(text))
    assert {(4_318, "count", "exact"), (2_600_000, "count", "approx"), (12, "count", "exact"),
            (1_100, "count", "at_least"), (215, "count", "exact"), (340, "count", "exact"),
            (96_400, "m3", "exact"), (12_880, "MWh", "exact")} <= got


@pytest.mark.parametrize("text", [
    "Port code: 4401.",
    "Emissions: 3,200.",
    "Revenue growth: 12.",
    "Reporting cycle: 2 (see note).",
])
def test_data_sheet_lines_without_a_countable_head_give_no_count(text):
    assert not [t for t in triples(text) if t[1] == "count"]


@pytest.mark.parametrize("text, expected", [
    ("The depot added 6 new E175-E2 regional jets and retired Four MD-83 aircraft.", {(6, "count"), (4, "count")}),
    ("The hospital network employs 312 Registered Nurse practitioners and 2,040 legacy 4G and LTE handsets were recycled.",
     {(312, "count"), (2_040, "count")}),
    ("The bank runs 3 provincial-level R&D laboratories with 640 R&D personnel.", {(3, "count"), (640, "count")}),
    ("Auditors found one confirmed bribery case at a depot.", {(1, "count")}),
])
def test_counts_with_modifiers_codes_and_collective_nouns(text, expected):
    assert expected <= {(m.value, m.unit) for m in metrics(text)}


@pytest.mark.parametrize("text", [
    "3.1 Water and effluents",
    "B.2 Training and development programmes",
    "Fleet: ten B737-800 freighters.",
    "Late deliveries fell to 0.8 per 1,000 parcels.",
    "Our depot helpline is open 24 hours a day, and the clinic 7 days a week.",
    "For help, call 2233 4455 (24 hours).",
])
def test_section_numbers_codes_rate_bases_and_opening_times_are_not_metrics(text):
    got = {(m.value, m.unit) for m in metrics(text)}
    assert not got & {(3.1, "count"), (2, "count"), (800, "count"), (1_000, "count"), (24, "hour"), (7, "day")}


def test_twenty_four_hours_of_an_activity_is_a_duration():
    assert (24, "hour", "exact") in triples("Each driver received 24 hours of defensive-driving training.")


@pytest.mark.parametrize("text, expected", [
    ("Registered riders passed 2.3 million, and app subscribers reached 640,000.", {(2_300_000, "at_least"), (640_000, "exact")}),
    ("Hospital beds in service: 1,920 (2022: 1,870).", {(1_920, "exact"), (1_870, "exact")}),
    ("The rail operator ran 412 trains (2022: 398) on the network.", {(412, "exact"), (398, "exact")}),
])
def test_nouns_before_their_figure_and_prior_year_comparatives(text, expected):
    assert expected <= {(m.value, m.qualifier) for m in metrics(text) if m.unit == "count"}


def test_an_amount_noun_before_a_bare_figure_is_not_a_count():
    assert not [t for t in triples("Investments reached 4.5 million after the refinancing.") if t[1] == "count"]


@pytest.mark.parametrize("text", [
    "According to national health statistics, there are some 2.4 million nurses in the country.",
    "Singapore's population of about 5.9 million includes some 9% who are over 70.",
    "Malaysia's broadband penetration is above 120%, so rural demand is what grows.",
])
def test_statistics_about_a_place_are_not_metrics(text):
    assert metrics(text) == []


def test_a_company_possessive_still_reports_its_own_figures():
    got = triples("The Group's workforce of 4,200 employees includes 38% women.")
    assert (4_200, "count", "exact") in got and (38, "percent", "exact") in got


@pytest.mark.parametrize("text, kpi", [
    ("The shipping line bunkered 212,400 tonnes of marine fuel oil.", "A2.1"),
    ("Slow steaming saved about 9,300 tonnes of fuel across the fleet.", "A2.3"),
    ("The brewery's water consumption was 812,000 tonnes.", "A2.2"),
    ("The smelter drew 3.6 million tonnes of process water.", "A2.2"),
])
def test_fuel_and_water_measured_by_mass(text, kpi):
    (m,) = [m for m in metrics(text) if m.unit == "tonne"]
    assert m.hkex_kpi == kpi
