"""Numbers that are not quantities: calendar years and dates, names, titles, standards and codes with numbers,
ranks and ordinals, section and page numbers, phone numbers, ages and age limits, opening times, rate bases,
later members of a named list (Scope 1 and 2), number words and hyphenated adjectives that count nothing —
and the figures next to them that still count.

Every text is written for these tests; none is taken from the evaluation sets. Table shapes are described
in cases.py."""
from __future__ import annotations

import pytest

from esg_pipeline_tests.extract.cases import Y23, check_absent, check_exactly, check_found, ids

PAGE1 = "Energy use\nElectricity (MWh) | 1,200\n3\n"
PAGE2 = "Water\nWe used 4,800 m3 of water.\n4\n"

# (rule, text, given, fields, expected): the figures' fields, in text order, are exactly these ([]: none).
EXACTLY = [
    ("calendar-year", "In 2022, the Group refreshed its sustainability strategy.", {}, "value", []),
    ("date", "The policy took effect on 1 July 2023 and was reviewed in March 2024.", {}, "value", []),
    ("year-range", "The plan runs from 2021 to 2025 under the Vision 2030 framework.", {}, "value", []),
    ("calendar-year", "Since its founding in 1998 the company has grown steadily.", {}, "value", []),
    ("standard", "All plants are certified to ISO14001 and ISO 45001.", {}, "value", []),
    ("name-with-number", "We support the Healthy China 2030 initiative and the Made in Guangdong 2025 plan.", {}, "value", []),
    ("name-with-number", "Staff joined the Shenzhen 12 Cultural Alliance for reading promotion.", {}, "value", []),
    ("name-with-number", "The company appears in the Fortune Global 500 list.", {}, "value", []),
    ("phase", "Phase II of the project and Phase 3 of the pipeline were completed.", {}, "value", []),
    ("scope-and-pollutant", "We report Scope 1 and Scope 2 emissions and monitor PM2.5 and PM10.", {}, "value", []),
    ("name-with-number", "Offices reopened after Covid19 and COVID-19 restrictions ended.", {}, "value", []),
    ("rank", "The Group was ranked 17th among 200 peers and placed 3rd in the index.", {}, "value", []),
    ("ordinal", "It won the award for the fifth consecutive year, its 25th anniversary.", {}, "value", []),
    ("cross-reference", "See page 42 and Appendix 3 for details; refer to Section 4.2.", {}, "value", []),
    ("code", "The G20 summit and the 5G network were discussed.", {}, "value", []),
    ("grade-and-line", "Grade 1 safety standard was met by Line 2 of the metro.", {}, "value", []),
    ("number-word-non-count", "It was one of the most important milestones, and the first time we hosted it.", {}, "value", []),
    ("number-word-non-count", "Trade between the two countries grew, and both parties benefited.", {}, "value", []),
    ("number-word-non-count", "These three pillars guide our approach in two ways.", {}, "value", []),
    ("page-furniture", "Annual ESG Report 2023    page 17", {}, "value", []),
    ("ratio-phrase", "One in 5 managers is female, and 1 in 4 engineers.", {}, "value", []),
    ("phone-number", "For bookings call (853) 2882 6100 or +86 21 6543 2100.", Y23, "value", []),
    ("age-range", "The summer camp welcomed pupils aged 9 to 13.", Y23, "value", []),
    ("age-range", "Our apprenticeships target school leavers aged 17-21.", Y23, "value", []),
    ("one-of", "One of the goals is to halve waste by 2030.", Y23, "value", []),
    ("hyphenated-adjective", "We offer a one-stop service and a 24-hour hotline.", Y23, "value", []),
    ("hyphenated-adjective", "A 30-day cooling-off period and a 5-star rating apply.", Y23, "value", []),
    ("named-list", "Scope 1 and 2 emissions are verified each year.", Y23, "value", []),
    ("named-list", "Our work supports SDG 6, 7 and 13 targets.", Y23, "value", []),
    ("named-list", "Phase 1 and 2 buildings are complete.", Y23, "value", []),
    ("report-on-topic", "The board approved one report on climate.", Y23, "value", []),
    # the figures next to traps still count
    ("next-to-traps", "Under Scope 2, purchased electricity was 12,400 MWh in 2023, page 9 of the ISO 50001 audit.", {},
     "value", [12_400]),
    ("year-like-with-unit", "The new line uses 2,025 MWh a year and employs 2023 workers.", {}, "value", [2_025, 2023]),
    ("title-case-name", 'Our brewery was named in the "50 Best Places to Work" list and ran its "200 Days Accident Free" '
     "drive. Quality is the first of our Three Golden Rules. We employ 850 people.", {}, "value", [850]),
    ("page-number-on-page-edge", PAGE1 + PAGE2, {"page_starts": [0, len(PAGE1)]}, ("value", "page"),
     [(1_200, 1), (4_800, 2)]),
]

# section numbers, codes, rate bases and opening times
NUMBERING = [dict(value=3.1, unit="count"), dict(value=2, unit="count"), dict(value=800, unit="count"),
             dict(value=1_000, unit="count"), dict(value=24, unit="hour"), dict(value=7, unit="day")]

# (rule, text, given, pick): no figure matches the pick (or any pick of a list).
ABSENT = [
    ("age-limit", "Audits found no workers under 16 at the farms we buy from.", {}, dict(raw="16")),
    ("section-number", "3.1 Water and effluents", Y23, NUMBERING),
    ("section-number", "B.2 Training and development programmes", Y23, NUMBERING),
    ("model-code", "Fleet: ten B737-800 freighters.", Y23, NUMBERING),
    ("rate-base", "Late deliveries fell to 0.8 per 1,000 parcels.", Y23, NUMBERING),
    ("opening-times", "Our depot helpline is open 24 hours a day, and the clinic 7 days a week.", Y23, NUMBERING),
    ("phone-number", "For help, call 2233 4455 (24 hours).", Y23, NUMBERING),
]

# (rule, text, given, pick, want): the first figure matching `pick` exists and matches `want`.
FOUND = [
    ("after-named-list-item", "Emissions were 1,200 tCO2e of Scope 1 and 3,400 tCO2e of Scope 2.", Y23,
     dict(value=3_400, unit="tCO2e", qualifier="exact"), {}),
]


@pytest.mark.parametrize("rule,text,given,fields,expected", EXACTLY, ids=ids(EXACTLY))
def test_only_real_quantities_are_read(rule, text, given, fields, expected):
    check_exactly(rule, text, given, fields, expected)


@pytest.mark.parametrize("rule,text,given,pick", ABSENT, ids=ids(ABSENT))
def test_trap_number_is_no_quantity(rule, text, given, pick):
    check_absent(rule, text, given, pick)


@pytest.mark.parametrize("rule,text,given,pick,want", FOUND, ids=ids(FOUND))
def test_quantity_beside_a_trap_is_read(rule, text, given, pick, want):
    check_found(rule, text, given, pick, want)
