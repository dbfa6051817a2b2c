"""Counted nouns and subjects: what a bare figure counts (the noun after it, past modifiers, codes, proper
names and hyphens; the noun before it; a data-sheet label's head noun; a role noun), scaled count units
(million TEU, thousand persons), parts of a whole ('of which', 'of whom', men and women), the previous value
of the same count, predicates (numbered, reached) and what is no count (a label without a countable head,
an amount noun, a unit that belongs to the next line).

Every text is written for these tests; none is taken from the evaluation sets. Table shapes are described
in cases.py."""
from __future__ import annotations

import pytest

from esg_pipeline_tests.extract.cases import Y23, check_absent, check_exactly, check_found, ids

SCALED = ("The river port moved 3.6 million TEU and the airline flew 8.1 million passengers.\n"
          "Indicator | 2022 | 2023\nBox volume (million TEU) | 2.9 | 3.6\nVisitors (thousand persons) | 41 | 55\n")
NAMES = ("The zoo opened 6 Wild Lotus Discovery Trails and funded 38 Riverbend bursaries. "
         "One whistleblowing report was received. The board approved one report on climate.")
PARTS = ("At year end the company held 310 valid patents, of which 122 are invention patents. "
         "We worked with 2,950 suppliers, of which 2,100 are based in Guangdong and 350 overseas.")
PREDICATES = "Headcount reached 6,420 at the end of the year. Lost days due to work injury dropped to 312."
BREAKDOWN = "Number of employees by gender: Male 2,310 (61%), Female 1,477 (39%)"
ZEROS = "There were zero work-related fatalities and 0 cases of bribery."
GENDERED = "Warehouse staff numbered 2,410. The courier employed 5,050 people, 3,900 men and 1,150 women."
DATA_SHEET = ("PORT OPERATIONS\n"
              "Vessel calls handled: 4,318, up 6%.\n"
              "Containers moved: approx. 2.6 million.\n"
              "Berths in service: twelve.\n"
              "Dock workers who completed crane refresher courses: more than 1,100.\n"
              "Trucks with dual-fuel engines deployed: 215 (pilot at Pier B).\n"
              "Of which tug crew: 340\n"
              "Ballast water treated (ML): 96.4\n"
              "Shore power supplied (MWh): 12,880\n")
JETS = "The depot added 6 new E175-E2 regional jets and retired Four MD-83 aircraft."
NURSES = ("The hospital network employs 312 Registered Nurse practitioners and 2,040 legacy 4G and LTE handsets were "
          "recycled.")
LABS = "The bank runs 3 provincial-level R&D laboratories with 640 R&D personnel."
RIDERS = "Registered riders passed 2.3 million, and app subscribers reached 640,000."
BEDS = "Hospital beds in service: 1,920 (2022: 1,870)."
TRAINS = "The rail operator ran 412 trains (2022: 398) on the network."

# (rule, text, given, pick, want): the first figure matching `pick` exists and matches `want`.
FOUND = [
    ("scaled-count-unit", SCALED, Y23, dict(value=3_600_000, unit="count"), {}),
    ("scaled-count-unit", SCALED, Y23, dict(value=8_100_000, unit="count"), {}),
    ("scaled-count-label", SCALED, Y23, dict(value=2_900_000, unit="count"), {}),
    ("scaled-count-label", SCALED, Y23, dict(value=41_000, unit="count"), {}),
    ("scaled-count-label", SCALED, Y23, dict(value=55_000, unit="count"), {}),
    ("role-noun-label", "Depots on solar power: 3\n", Y23, dict(value=3), dict(unit="count")),
    ("role-noun-label", "Nurses given infection-control refreshers: 1,180\n", Y23, dict(value=1_180), dict(unit="count")),
    ("role-noun-label", "Evacuation drills held: more than 75\nTraining hours: 12,400\n", Y23, dict(value=75),
     dict(unit="count")),
    ("unit-of-next-line", "Fire drills held: 64\nTraining hours: 9,300\n", Y23, dict(value=64, unit="count"), {}),
    ("proper-name-modifier", NAMES, Y23, dict(value=6, unit="count"), {}),
    ("proper-name-modifier", NAMES, Y23, dict(value=38, unit="count"), {}),
    ("misconduct-tally", NAMES, Y23, dict(value=1, unit="count"), {}),
    ("part-of-whole", PARTS, {}, dict(value=122), dict(subject="invention patents", flags__has="part_of_relation")),
    ("part-of-whole", PARTS, {}, dict(value=2100), dict(subject="suppliers")),
    ("part-of-whole-ellipsis", PARTS, {}, dict(value=350), dict(subject="suppliers")),
    ("predicate-count", PREDICATES, {}, dict(value=6420), dict(unit="count", hkex_kpi="B1.1")),
    ("predicate-duration", PREDICATES, {}, dict(value=312), dict(unit="day", hkex_kpi="B2.2")),
    ("inline-breakdown", BREAKDOWN, {}, dict(value=1_477, unit="count"), dict(subject__endswith="female", hkex_kpi="B1.1")),
    ("acronym-plural", "The bank runs 86 branches and 1,150 ATMs.", {}, dict(value=1_150, unit="count"), {}),
    ("zero-count", ZEROS, {}, dict(subject="work-related fatalities"), dict(value=0, hkex_kpi="B2.1")),
    ("digit-zero-count", ZEROS, {}, dict(subject="cases"), dict(hkex_kpi="B7.1")),
    ("predicate-numbered", GENDERED, {}, dict(raw="2,410"), {}),
    ("gendered-count", GENDERED, {}, dict(raw="3,900"), dict(hkex_kpi="B1.1")),
    ("gendered-count", GENDERED, {}, dict(raw="1,150"), dict(hkex_kpi="B1.1")),
    ("previous-value", "Patients lodged 19 formal complaints with the clinics, down from 27. Wards reopened.", {},
     dict(value=27), dict(unit="count", subject="formal complaints")),
    ("part-after-share-and-time", "Tenants raised 420 complaints and we settled 93% of them within 5 days; 30 were "
     "referred to the ombudsman.", {}, dict(raw="30"), {}),
    ("number-word-of-whole", "Seven of our 31 depots run on solar power.", Y23, dict(value=7, unit="count"),
     dict(subject__has="depots")),
    ("number-word-one", "Sadly, one worker died after a fall at the Nanping site.", Y23, dict(value=1, unit="count"),
     dict(subject__has="worker")),
    ("hyphenated-count", "The Trust opened a 240-bed care home for the elderly.", Y23, dict(value=240, unit="count"),
     dict(subject__has="bed")),
    ("number-word-modifiers", "We piloted smart meters at the four flagship hotels.", Y23, dict(value=4, unit="count"),
     dict(subject__has="hotels")),
    ("acronym-modifier", "Branches held 412 KYC refresher sessions for front-line staff.", Y23,
     dict(value=412, unit="count"), dict(subject__has="sessions")),
    ("data-sheet-label", DATA_SHEET, Y23, dict(value=4_318, unit="count", qualifier="exact"), {}),
    ("data-sheet-label", DATA_SHEET, Y23, dict(value=2_600_000, unit="count", qualifier="approx"), {}),
    ("data-sheet-label", DATA_SHEET, Y23, dict(value=12, unit="count", qualifier="exact"), {}),
    ("data-sheet-label", DATA_SHEET, Y23, dict(value=1_100, unit="count", qualifier="at_least"), {}),
    ("data-sheet-label", DATA_SHEET, Y23, dict(value=215, unit="count", qualifier="exact"), {}),
    ("data-sheet-label", DATA_SHEET, Y23, dict(value=340, unit="count", qualifier="exact"), {}),
    ("data-sheet-label-unit", DATA_SHEET, Y23, dict(value=96_400, unit="m3", qualifier="exact"), {}),
    ("data-sheet-label-unit", DATA_SHEET, Y23, dict(value=12_880, unit="MWh", qualifier="exact"), {}),
    ("model-code-modifier", JETS, Y23, dict(value=6, unit="count"), {}),
    ("model-code-modifier", JETS, Y23, dict(value=4, unit="count"), {}),
    ("title-case-modifier", NURSES, Y23, dict(value=312, unit="count"), {}),
    ("code-modifier", NURSES, Y23, dict(value=2_040, unit="count"), {}),
    ("acronym-modifier", LABS, Y23, dict(value=3, unit="count"), {}),
    ("collective-noun", LABS, Y23, dict(value=640, unit="count"), {}),
    ("collective-noun", "Auditors found one confirmed bribery case at a depot.", Y23, dict(value=1, unit="count"), {}),
    ("noun-before-figure", RIDERS, Y23, dict(value=2_300_000, qualifier="at_least", unit="count"), {}),
    ("noun-before-figure", RIDERS, Y23, dict(value=640_000, qualifier="exact", unit="count"), {}),
    ("prior-year-comparative", BEDS, Y23, dict(value=1_920, qualifier="exact", unit="count"), {}),
    ("prior-year-comparative", BEDS, Y23, dict(value=1_870, qualifier="exact", unit="count"), {}),
    ("prior-year-comparative", TRAINS, Y23, dict(value=412, qualifier="exact", unit="count"), {}),
    ("prior-year-comparative", TRAINS, Y23, dict(value=398, qualifier="exact", unit="count"), {}),
]

# (rule, text, given, fields, expected): the figures' fields, in text order, are exactly these.
EXACTLY = [
    ("inline-breakdown", BREAKDOWN, {}, ("value", "unit"),
     [(2_310, "count"), (61, "percent"), (1_477, "count"), (39, "percent")]),
    ("parts-refer-to-the-whole", "The board has 11 directors, of whom 4 are independent directors and 3 are women.", {},
     ("value", "subject"), [(11, "directors"), (4, "independent directors"), (3, "directors")]),
    ("label-names-its-figure", "We recorded 1 product recall during the year.", {}, ("subject", "hkex_kpi"),
     [("product recall", "B6.1")]),
]

# (rule, text, given, pick): no figure matches the pick.
ABSENT = [
    ("unit-of-next-line", "Fire drills held: 64\nTraining hours: 9,300\n", Y23, dict(value=64, unit="hour")),
    ("label-without-countable-head", "Port code: 4401.", Y23, dict(unit="count")),
    ("label-without-countable-head", "Emissions: 3,200.", Y23, dict(unit="count")),
    ("label-without-countable-head", "Revenue growth: 12.", Y23, dict(unit="count")),
    ("label-without-countable-head", "Reporting cycle: 2 (see note).", Y23, dict(unit="count")),
    ("amount-noun-before-figure", "Investments reached 4.5 million after the refinancing.", Y23, dict(unit="count")),
]


@pytest.mark.parametrize("rule,text,given,pick,want", FOUND, ids=ids(FOUND))
def test_count_and_its_subject(rule, text, given, pick, want):
    check_found(rule, text, given, pick, want)


@pytest.mark.parametrize("rule,text,given,fields,expected", EXACTLY, ids=ids(EXACTLY))
def test_counts_are_exactly_these(rule, text, given, fields, expected):
    check_exactly(rule, text, given, fields, expected)


@pytest.mark.parametrize("rule,text,given,pick", ABSENT, ids=ids(ABSENT))
def test_no_count(rule, text, given, pick):
    check_absent(rule, text, given, pick)
