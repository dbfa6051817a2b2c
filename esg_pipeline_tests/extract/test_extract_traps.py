"""Numbers that are not metrics: years, dates, names, codes, standards, ranks, ordinals, page numbers,
world statistics, and number words that do not count anything."""
from __future__ import annotations

import pytest

from esg_pipeline.extract import extract_metrics


def raw_values(text: str) -> list[float]:
    return [m.value for m in extract_metrics(text, doc="t.txt")]


@pytest.mark.parametrize("text", [
    # calendar years and dates
    "In 2022, the Group refreshed its sustainability strategy.",
    "The policy took effect on 1 July 2023 and was reviewed in March 2024.",
    "The plan runs from 2021 to 2025 under the Vision 2030 framework.",
    "Since its founding in 1998 the company has grown steadily.",
    # names, titles and standards with numbers
    "All plants are certified to ISO14001 and ISO 45001.",
    "We support the Healthy China 2030 initiative and the Made in Guangdong 2025 plan.",
    "Staff joined the Shenzhen 12 Cultural Alliance for reading promotion.",
    "The company appears in the Fortune Global 500 list.",
    "Phase II of the project and Phase 3 of the pipeline were completed.",
    "We report Scope 1 and Scope 2 emissions and monitor PM2.5 and PM10.",
    "Offices reopened after Covid19 and COVID-19 restrictions ended.",
    "The Group was ranked 17th among 200 peers and placed 3rd in the index.",
    "It won the award for the fifth consecutive year, its 25th anniversary.",
    "See page 42 and Appendix 3 for details; refer to Section 4.2.",
    "The G20 summit and the 5G network were discussed.",
    "Grade 1 safety standard was met by Line 2 of the metro.",
    # number words that do not count business objects
    "It was one of the most important milestones, and the first time we hosted it.",
    "Trade between the two countries grew, and both parties benefited.",
    "These three pillars guide our approach in two ways.",
    # statistics about the world, not about the company
    "An estimated 2.2 billion people worldwide lack safe drinking water.",
    "The 300 million people living with rare diseases around the world need support.",
    # page furniture
    "Annual ESG Report 2023    page 17",
])
def test_not_metrics(text):
    assert raw_values(text) == []


def test_metric_next_to_traps_survives():
    found = raw_values("Under Scope 2, purchased electricity was 12,400 MWh in 2023, page 9 of the ISO 50001 audit.")
    assert found == [12_400]


def test_year_like_number_with_a_unit_is_a_metric():
    assert raw_values("The new line uses 2,025 MWh a year and employs 2023 workers.") == [2_025, 2023]


def test_page_numbers_on_pdf_page_edges_are_dropped():
    page1 = "Energy use\nElectricity (MWh) | 1,200\n3\n"
    page2 = "Water\nWe used 4,800 m3 of water.\n4\n"
    text = page1 + page2
    found = extract_metrics(text, doc="r.pdf", page_starts=[0, len(page1)])
    assert [(m.value, m.page) for m in found] == [(1_200, 1), (4_800, 2)]


def test_ratio_phrase_is_not_a_count():
    assert raw_values("One in 5 managers is female, and 1 in 4 engineers.") == []


def test_amounts_in_thousands_from_table_label():
    text = "Item | 2023\nCharitable donations (HK$'000) | 1,250\n"
    assert [(m.value, m.unit) for m in extract_metrics(text, doc="t.txt")] == [(1_250_000, "HKD")]
