"""Linguistic categories other companies' reports use and the development texts rarely do: one-cell-per-line
tables with scaled labels, Chinese money units, compound and rate units, unit case variants, number words and
hyphenated counts, population statistics, lists of names, and qualifiers inside brackets.

Every text is written for these tests; none is taken from the evaluation sets."""
from __future__ import annotations

import pytest

from esg_pipeline.extract import extract_metrics


def metrics(text: str):
    return extract_metrics(text, doc="t.txt", year=2023)


def triples(text: str) -> list[tuple[float, str, str]]:
    return [(m.value, m.unit, m.qualifier) for m in metrics(text)]


def test_flattened_table_counts_any_plural_label_and_label_scale():
    text = ("Customer reach\nItem\n2022\n2023\nBranch outlets and sub-branches\n218\n224\n"
            "POS terminals and kiosks\n3,410\n3,655\nOnline banking customers (million)\n2.4\n2.9\n")
    got = {(m.value, m.unit, m.year) for m in metrics(text)}
    assert {(218, "count", 2022), (224, "count", 2023), (3_410, "count", 2022), (3_655, "count", 2023),
            (2_400_000, "count", 2022), (2_900_000, "count", 2023)} <= got


def test_pipe_table_label_scale_in_thousands():
    got = triples("Indicator | 2022 | 2023\nApp subscribers ('000) | 512 | 640\n")
    assert (512_000, "count", "exact") in got and (640_000, "count", "exact") in got


@pytest.mark.parametrize("text, value", [
    ("The plant gave rice worth 35 ten thousand yuan to flood victims.", 350_000),
    ("The subsidy was RMB 4.8 million yuan in total.", 4_800_000),
    ("Spending on wastewater treatment reached 2.7 billion yuan.", 2_700_000_000),
])
def test_chinese_money_units(text, value):
    assert (value, "CNY", "exact") in triples(text)


def test_unit_declaration_header_scales_a_label_value_list_and_is_not_a_metric():
    text = ("Charitable spending in 2023 (Unit: 10,000 yuan)\nStudent grants: 42.5\nElderly care: 17.0\n"
            "Total: 59.5\n")
    assert sorted(v for v, _, _ in triples(text)) == [170_000, 425_000, 595_000]
    assert {u for _, u, _ in triples(text)} == {"CNY"}


def test_a_list_without_a_unit_header_is_not_money():
    text = "Community programmes\nLibraries: 12\nClinics: 4\n"
    assert all(u != "CNY" for _, u, _ in triples(text))


@pytest.mark.parametrize("text, value, unit", [
    ("The heat rate of our gas turbines improved to 212.6 g/kWh.", 212.6, "g/kWh"),
    ("Office buildings used 143.2 kWh/m2 of electricity.", 143.2, "kWh/m2"),
    ("The Group manages 860,000 ft2 of retail space.", 860_000, "ft2"),
    ("Reservoir intake was 8.4 million M3 in the year.", 8_400_000, "m3"),
    ("Emissions from boilers were 5,210 tco2e.", 5_210, "tCO2e"),
    ("Process waste came to 320 KG per batch.", 320, "kg"),
])
def test_compound_units_and_case_variants(text, value, unit):
    assert (value, unit) in [(v, u) for v, u, _ in triples(text)]


def test_upper_case_unit_is_flagged_as_a_typo():
    (m,) = metrics("Rainwater harvested: 4,100 M3")
    assert m.unit == "m3" and "unit_typo" in m.flags


def test_rates_per_exposure_are_not_hours():
    got = triples("The recordable injury rate was 0.36 per million hours worked.\n\n"
                  "Indicator | 2022 | 2023\nLost-time injury frequency (per 200,000 hours worked) | 0.21 | 0.17\n")
    assert (0.36, "per 1000000 hours worked", "exact") in got
    assert (0.21, "per 200000 hours worked", "exact") in got and (0.17, "per 200000 hours worked", "exact") in got
    assert all(u != "hour" for _, u, _ in got)


@pytest.mark.parametrize("text, value, subject_word", [
    ("Seven of our 31 depots run on solar power.", 7, "depots"),
    ("Sadly, one worker died after a fall at the Nanping site.", 1, "worker"),
    ("The Trust opened a 240-bed care home for the elderly.", 240, "bed"),
    ("We piloted smart meters at the four flagship hotels.", 4, "hotels"),
    ("Branches held 412 KYC refresher sessions for front-line staff.", 412, "sessions"),
])
def test_number_words_hyphenated_counts_and_acronym_modifiers(text, value, subject_word):
    found = [m for m in metrics(text) if m.value == value and m.unit == "count"]
    assert found and subject_word in found[0].subject


@pytest.mark.parametrize("text", [
    "One of the goals is to halve waste by 2030.",
    "We offer a one-stop service and a 24-hour hotline.",
    "A 30-day cooling-off period and a 5-star rating apply.",
])
def test_one_and_hyphenated_adjectives_stay_out(text):
    assert triples(text) == []


@pytest.mark.parametrize("text", [
    "Serving a nation of 210 million people demands reliable power.",
    "Singapore's 5.9 million residents depend on imported water.",
    "Our mission is to feed the 80 million people of our country safely.",
])
def test_population_statistics_are_not_metrics(text):
    assert triples(text) == []


def test_the_companys_own_people_still_count():
    assert (2_650, "count", "exact") in triples("The Company's 2,650 people logged 9,100 volunteer hours.")


@pytest.mark.parametrize("text", [
    "Scope 1 and 2 emissions are verified each year.",
    "Our work supports SDG 6, 7 and 13 targets.",
    "Phase 1 and 2 buildings are complete.",
])
def test_later_members_of_a_named_list_are_names(text):
    assert triples(text) == []


def test_a_quantity_after_a_named_list_item_stays():
    got = triples("Emissions were 1,200 tCO2e of Scope 1 and 3,400 tCO2e of Scope 2.")
    assert (3_400, "tCO2e", "exact") in got


@pytest.mark.parametrize("text, value, qualifier", [
    ("Microloans reached no fewer than 12,000 farmers.", 12_000, "at_least"),
    ("Grants went to not fewer than 35 schools.", 35, "at_least"),
    ("Fees were waived for no more than 400 accounts.", 400, "at_most"),
    ("Most calls concerned billing (around 37%) and\nrepairs (20%).", 37, "approx"),
    ("The team has passed 5 million safe man-hours.", 5_000_000, "at_least"),
    ("Card fraud fell below 2% of disputes.", 2, "at_most"),
    ("Savings were in excess of 9,000 kWh.", 9_000, "at_least"),
])
def test_qualifiers(text, value, qualifier):
    assert any(v == value and q == qualifier for v, _, q in triples(text))
