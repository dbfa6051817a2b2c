"""Further linguistic categories from other sectors: the Chinese wan (10,000) as a unit multiplier, scaled
count units, role-noun data-sheet labels, proper-name modifiers, misconduct tallies, and traps (phone
numbers, rate bases written in digits, ages, units on the next line).

Every text is written for these tests; none is taken from the evaluation sets."""
from __future__ import annotations

import pytest

from esg_pipeline.extract import extract_metrics


def metrics(text: str):
    return extract_metrics(text, doc="t.txt", year=2023)


def pairs(text: str) -> set[tuple[float, str]]:
    return {(m.value, m.unit) for m in metrics(text)}


@pytest.mark.parametrize("text, expected", [
    ("Water use in the mill (10,000 tonnes): 87, steam purchased (10,000 GJ): 12.", {(870_000, "tonne"), (120_000, "GJ")}),
    ("Grid electricity (10,000 kWh): 3,115\n", {(31_150_000, "kWh")}),
    ("The dairy set aside 742 (10,000 yuan) for rural road repairs.", {(7_420_000, "CNY")}),
    ("Spending on flood defence this year: 96.5 (10,000 yuan)\n", {(965_000, "CNY")}),
])
def test_wan_multiplier_scales_the_figure_and_is_never_a_figure(text, expected):
    got = pairs(text)
    assert got == expected
    assert not any(v == 10_000 for v, _ in got)


def test_scaled_count_units_in_text_and_table_labels():
    got = pairs("The river port moved 3.6 million TEU and the airline flew 8.1 million passengers.\n"
                "Indicator | 2022 | 2023\nBox volume (million TEU) | 2.9 | 3.6\nVisitors (thousand persons) | 41 | 55\n")
    assert {(3_600_000, "count"), (8_100_000, "count"), (2_900_000, "count"), (41_000, "count"),
            (55_000, "count")} <= got


@pytest.mark.parametrize("text, value", [
    ("Depots on solar power: 3\n", 3),
    ("Nurses given infection-control refreshers: 1,180\n", 1_180),
    ("Evacuation drills held: more than 75\nTraining hours: 12,400\n", 75),
])
def test_data_sheet_role_noun_labels_count(text, value):
    found = [m for m in metrics(text) if m.value == value]
    assert found and found[0].unit == "count"


def test_unit_on_the_next_line_belongs_to_the_next_label():
    got = pairs("Fire drills held: 64\nTraining hours: 9,300\n")
    assert (64, "count") in got and (64, "hour") not in got


def test_proper_name_modifiers_and_misconduct_tallies():
    got = pairs("The zoo opened 6 Wild Lotus Discovery Trails and funded 38 Riverbend bursaries. "
                "One whistleblowing report was received. The board approved one report on climate.")
    assert {(6, "count"), (38, "count"), (1, "count")} <= got
    assert len([m for m in metrics("The board approved one report on climate.")]) == 0


@pytest.mark.parametrize("text", [
    "For bookings call (853) 2882 6100 or +86 21 6543 2100.",
    "The summer camp welcomed pupils aged 9 to 13.",
    "Our apprenticeships target school leavers aged 17-21.",
])
def test_phone_numbers_and_ages_are_traps(text):
    assert metrics(text) == []


def test_rate_base_in_digits_reads_as_million():
    (m,) = metrics("Recordable injury rate (per 1,000,000 hours worked): 1.8\n")
    assert (m.value, m.unit) == (1.8, "per 1000000 hours worked")


def test_a_sentence_led_by_a_place_population_is_about_the_place():
    got = pairs("Riverton Ferries Limited carried 3.1 million passengers. "
                "Shenzhen's 17 million residents welcome more than 40 million tourists each year. "
                "In Penang's 12 districts, our clinics treated 41,000 patients.")
    assert (3_100_000, "count") in got and (41_000, "count") in got
    assert not {(17_000_000, "count"), (40_000_000, "count")} & got


@pytest.mark.parametrize("text, kpi", [
    ("The LED upgrade replaced more than 18,000 conventional lamps across our depots.", "A2.3"),
    ("Our schools employed 1,240 teachers at year end.", "B1.1"),
    ("The hospital recorded 3 data-privacy incidents in the year.", "B6.5"),
    ("We offered free online courses to the public, which attracted 9,400 learners.", "B8.2"),
    ("The foundation awarded 45 bursaries to nursing students from low-income families.", "B8.2"),
])
def test_kpi_by_what_is_counted(text, kpi):
    found = [m for m in metrics(text) if m.unit == "count"]
    assert found and found[0].hkex_kpi == kpi
