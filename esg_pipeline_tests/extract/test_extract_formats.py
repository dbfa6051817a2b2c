"""Number formats the extractor must read: money, scales, number words, units, tables, PDF quirks.

All texts are written for these tests in the style of Hong Kong / mainland ESG reports."""
from __future__ import annotations

import pytest

from esg_pipeline.extract import extract_metrics


def metrics(text: str, **kw):
    return extract_metrics(text, doc="t.txt", **kw)


def values(text: str, **kw) -> list[tuple[float, str]]:
    return [(m.value, m.unit) for m in metrics(text, **kw)]


@pytest.mark.parametrize("text, value, unit", [
    ("The Foundation granted RMB48.215 million to rural clinics.", 48_215_000, "CNY"),
    ("Procurement from poor counties totalled RMB12,480,000 during the year.", 12_480_000, "CNY"),
    ("The bank sponsored the marathon with HK$8m.", 8_000_000, "HKD"),
    ("We donated HK$ 2.5 million to the Community Chest.", 2_500_000, "HKD"),
    ("Green bonds of US$1.2 billion were issued.", 1_200_000_000, "USD"),
    ("The mine paid KZT35 million in local taxes.", 35_000_000, "KZT"),
    ("Scholarships worth 3.6 million yuan were awarded to students.", 3_600_000, "CNY"),
    ("A grant of RMB 500,000 supported the library.", 500_000, "CNY"),
    ("Relief spending came to A$2.4m after the floods.", 2_400_000, "AUD"),
    ("The project cost €4.1 million.", 4_100_000, "EUR"),
])
def test_money_to_iso_code_and_base_units(text, value, unit):
    assert (value, unit) in values(text)


def test_parenthesised_amount_is_positive_and_flagged():
    (m,) = metrics("In total the Group contributed about RMB (87) million to charity.")
    assert (m.value, m.unit, m.qualifier) == (87_000_000, "CNY", "approx")
    assert "parenthesised_amount" in m.flags
    (m,) = metrics("Community spending reached HK$(12.4) million.")
    assert m.value == 12_400_000 and "parenthesised_amount" in m.flags


@pytest.mark.parametrize("text, value, subject_head", [
    ("Seven clinics received new equipment.", 7, "clinics"),
    ("Twenty-four of our branches joined the campaign.", 24, "branches"),
    ("The programme reached nine townships and three orphanages.", 9, "townships"),
    ("Our livestream drew nearly two million viewers.", 2_000_000, "viewers"),
    ("Fourteen suppliers were audited on site.", 14, "suppliers"),
])
def test_number_word_counts(text, value, subject_head):
    found = {m.value: m for m in metrics(text)}
    assert value in found
    assert found[value].unit == "count"
    assert found[value].subject.endswith(subject_head)


@pytest.mark.parametrize("text, value, unit", [
    ("The solar farm generated 3 billion kWh of clean power.", 3_000_000_000, "kWh"),
    ("Purchased electricity was 58,310 MWh.", 58_310, "MWh"),
    ("Installed wind capacity reached 1,240 MW.", 1_240, "MW"),
    ("Scope 1 emissions were 12,806 tCO2e.", 12_806, "tCO2e"),
    ("Emissions fell to 9,120 tonnes of CO2e.", 9_120, "tCO2e"),
    ("Hazardous waste was 48.7 tonnes.", 48.7, "tonne"),
    ("We recycled 2.1 thousand tonnes of scrap steel.", 2_100, "tonne"),
    ("Water withdrawal was 640,300 m3.", 640_300, "m3"),
    ("Volunteers restored 18.5 km of river bank.", 18.5, "km"),
    ("The reforestation covered 1,300 acres.", 1_300, "acre"),
    ("Staff logged 9,860 volunteer hours.", 9_860, "hour"),
    ("Women make up 38.5% of managers.", 38.5, "percent"),
    ("Turnover fell to 7 per cent.", 7, "percent"),
])
def test_physical_units(text, value, unit):
    assert (value, unit) in values(text)


def test_compound_units_keep_their_denominator():
    found = values("Intensity was 1.92 tCO2e/person, or 0.44 tCO2e per RMB million of revenue.")
    assert (1.92, "tCO2e/person") in found
    assert (0.44, "tCO2e/CNY million") in found
    assert (2.7, "tCO2e/employee") in values("Emission intensity improved to 2.7 tCO2e per employee.")


def test_average_hours_per_employee_stay_hours():
    assert (26.5, "hour") in values("Training averaged 26.5 hours per employee.")


def test_unit_typo_is_read_and_flagged():
    (m,) = metrics("LED retrofits saved 88,000 KwH in the head office.")
    assert (m.value, m.unit) == (88_000, "kWh") and "unit_typo" in m.flags


def test_pdf_glued_label_and_line_breaks():
    (m,) = metrics("Storage fleet\n450MWCapacity of energy storage\n")
    assert (m.value, m.unit) == (450, "MW") and "glued_label" in m.flags
    text = "Across the year our branches collected\n3,460 kilograms of used clothing for\nlocal shelters."
    (m,) = metrics(text)
    assert (m.value, m.unit) == (3_460, "kg")
    assert m.quote.startswith("Across the year") and m.quote.endswith("shelters.")


def test_qualifiers():
    found = {m.value: m.qualifier for m in metrics(
        "About 1,200 employees volunteered. More than 40 schools took part. Up to 300 families were helped. "
        "Just over 9,000 books were donated. Close to RMB6 million was raised for relief. "
        "Fewer than 20 suppliers failed the audit. Exactly 512 students received bursaries. "
        "We planted 5,000 or more trees.")}
    assert found == {1200: "approx", 40: "at_least", 300: "at_most", 9000: "at_least", 6_000_000: "approx",
                     20: "at_most", 512: "exact", 5000: "at_least"}


def test_part_of_whole_relations():
    found = {m.value: m for m in metrics(
        "At year end the company held 310 valid patents, of which 122 are invention patents. "
        "We worked with 2,950 suppliers, of which 2,100 are based in Guangdong and 350 overseas.")}
    assert found[122].subject == "invention patents"
    assert found[2100].subject == "suppliers" and found[350].subject == "suppliers"
    assert "part_of_relation" in found[122].flags


def test_pipe_table_with_year_columns():
    text = ("Key figures\n"
            "Indicator | 2021 | 2022 | 2023\n"
            "Electricity consumption (MWh) | 41,200 | 39,850 | 38,010\n"
            "Donations (RMB million) | 3.2 | 4.5 | (5.1)\n"
            "Employees (persons) | 8,410 | 8,622 | 8,903\n"
            "Female managers (%) | 29.1 | 30.4 | 31.0\n")
    found = {(m.value, m.unit): m for m in metrics(text, year=2023)}
    assert found[(39_850, "MWh")].year == 2022 and found[(38_010, "MWh")].year == 2023
    assert found[(41_200, "MWh")].year_source.startswith("text:")
    assert found[(5_100_000, "CNY")].year == 2023 and "parenthesised_amount" in found[(5_100_000, "CNY")].flags
    assert found[(8_903, "count")].hkex_kpi == "B1.1"
    assert (31.0, "percent") in found
    assert all("table_row" in m.flags for m in found.values())
    assert not any(m.value in (2021, 2022, 2023) for m in found.values())


def test_stacked_table_one_cell_per_line():
    text = ("Suppliers by location\nLocation\nNumber of suppliers\n"
            "Guangdong\n1,420\nOther provinces\n860\nOverseas\n75\n")
    found = {m.value: m for m in metrics(text)}
    assert set(found) == {1420, 860, 75}
    assert found[75].unit == "count" and found[75].hkex_kpi == "B5.1"


def test_stacked_table_takes_years_from_header_block():
    text = "Indicator\n2022\n2023\nWater consumption (m3)\n51,300\n49,870\n"
    found = {m.value: m.year for m in metrics(text)}
    assert found == {51_300: 2022, 49_870: 2023}


def test_label_value_lines_under_a_count():
    text = ("We bought from 1,520 suppliers, located as follows:\n"
            "Hong Kong: 610\nMainland China: 880\nOther regions: 30\n")
    found = {m.value: m for m in metrics(text)}
    assert {1520, 610, 880, 30} <= set(found)
    assert found[880].subject.startswith("suppliers")


def test_prior_year_comparative_gets_its_own_year():
    found = {m.value: m for m in metrics("Donations were HK$6.1 million (2022: HK$5.4 million).", year=2023)}
    assert found[6_100_000].year == 2023 and found[6_100_000].year_source == "catalog"
    assert found[5_400_000].year == 2022


def test_predicate_counts_and_durations():
    found = {m.value: m for m in metrics(
        "Headcount reached 6,420 at the end of the year. Lost days due to work injury dropped to 312.")}
    assert found[6420].unit == "count" and found[6420].hkex_kpi == "B1.1"
    assert found[312].unit == "day" and found[312].hkex_kpi == "B2.2"


def test_inline_breakdown_with_shares():
    found = {(m.value, m.unit): m for m in metrics("Number of employees by gender: Male 2,310 (61%), Female 1,477 (39%)")}
    assert {(2_310, "count"), (1_477, "count"), (61, "percent"), (39, "percent")} == set(found)
    assert found[(1_477, "count")].subject.endswith("female") and found[(1_477, "count")].hkex_kpi == "B1.1"


def test_acronym_plurals_and_zero_counts():
    assert (1_150, "count") in values("The bank runs 86 branches and 1,150 ATMs.")
    found = {m.subject: m for m in metrics("There were zero work-related fatalities and 0 cases of bribery.")}
    assert found["work-related fatalities"].value == 0 and found["work-related fatalities"].hkex_kpi == "B2.1"
    assert found["cases"].hkex_kpi == "B7.1"


def test_fuel_by_volume_is_energy():
    (m,) = metrics("Company vehicles burned 86,400 litres of diesel.")
    assert (m.value, m.unit, m.hkex_kpi) == (86_400, "litre", "A2.1")


def test_pdf_table_row_with_space_separated_columns():
    text = ("Indicator 2021 2022 2023\n"
            "Scope 2 GHG emissions (tCO2e) 30,150 28,960 28,330\n"
            "Total employees 13,420 13,880 14,260\n")
    found = {(m.value, m.unit): m.year for m in metrics(text)}
    assert found == {(30_150, "tCO2e"): 2021, (28_960, "tCO2e"): 2022, (28_330, "tCO2e"): 2023,
                     (13_420, "count"): 2021, (13_880, "count"): 2022, (14_260, "count"): 2023}
