"""Whose figure it is: statistics about the world, a country, an industry or a place's population are not the
company's; limits set by a rule are not figures; the company's own people, sites and shares still count; and
the entity a figure belongs to (the named subsidiary, a heading's subsidiary, the group, the entity passed in).

Every text is written for these tests; none is taken from the evaluation sets. Table shapes are described
in cases.py."""
from __future__ import annotations

import pytest

from esg_pipeline_tests.extract.cases import Y23, check_absent, check_exactly, check_found, ids

PLACE = ("Riverton Ferries Limited carried 3.1 million passengers. "
         "Shenzhen's 17 million residents welcome more than 40 million tourists each year. "
         "In Penang's 12 districts, our clinics treated 41,000 patients.")
COUNTRY_OUTPUT = ("Peru produced about 2.8 million tonnes of copper in 2023. "
                  "Our mine produced 210,000 tonnes of copper concentrate.")
NATIONAL_AVERAGE = "Our starting pay was HK$21,000 a month, above the national average wage of HK$19,500."
COUNTRY_STATISTICS = ("Lending\nWhile Spain's GDP rose by 2.5% in 2023, the country's 3 million small firms struggled. "
                      "Gas still supplies about 24% of Italy's primary energy, and our bank lent EUR 40 million to SMEs.")
OWN_WORKFORCE = "The Group's workforce of 4,200 employees includes 38% women."
GROUP = "Lianhua Holdings Limited"

# (rule, text, given, fields, expected): the figures' fields, in text order, are exactly these ([]: none).
EXACTLY = [
    ("world-statistic", "An estimated 2.2 billion people worldwide lack safe drinking water.", {}, "value", []),
    ("world-statistic", "The 300 million people living with rare diseases around the world need support.", {},
     "value", []),
    ("population", "Serving a nation of 210 million people demands reliable power.", Y23, "value", []),
    ("population", "Singapore's 5.9 million residents depend on imported water.", Y23, "value", []),
    ("population", "Our mission is to feed the 80 million people of our country safely.", Y23, "value", []),
    ("national-statistic", "According to national health statistics, there are some 2.4 million nurses in the country.",
     Y23, "value", []),
    ("place-population", "Singapore's population of about 5.9 million includes some 9% who are over 70.", Y23,
     "value", []),
    ("country-statistic", "Malaysia's broadband penetration is above 120%, so rural demand is what grows.", Y23,
     "value", []),
    ("rule-limit", "Under our gifts policy, no driver may accept hospitality worth more than EUR 80. We donated EUR "
     "90,000.", {}, "value", [90000]),
    ("entity-named-subsidiary-or-group", "Lianhua Holdings Limited publishes this report. Lianhua Holdings Limited and "
     "its subsidiaries donated RMB4 million. Lianhua Cement planted 20,000 trees in Anhui. "
     "We also sponsored 12 rural schools.", {}, ("value", "entity"),
     [(4_000_000, GROUP), (20_000, "Lianhua Cement"), (12, GROUP)]),
    ("entity-heading-subsidiary", "Lianhua Logistics\n\n  • The unit donated 300 food parcels.\n", {"entity": GROUP},
     "entity", ["Lianhua Logistics"]),
    ("entity-passed-in", "We donated 300 food parcels.", {"entity": GROUP}, "entity", [GROUP]),
]

# (rule, text, given, pick, want): the first figure matching `pick` exists and matches `want`.
FOUND = [
    ("own-figure-beside-a-place", PLACE, Y23, dict(value=3_100_000, unit="count"), {}),
    ("own-figure-beside-a-place", PLACE, Y23, dict(value=41_000, unit="count"), {}),
    ("own-figure-beside-a-country", COUNTRY_OUTPUT, {}, dict(value=210000.0, unit="tonne"), {}),
    ("own-figure-beside-an-average", NATIONAL_AVERAGE, {}, dict(value=21000.0, unit="HKD"), {}),
    ("own-figure-beside-a-country", COUNTRY_STATISTICS, {}, dict(value=4e7), {}),
    ("share-of-own-site", "The Ravenna smelter ran all year. Local suppliers received EUR 12 million, or 35% of "
     "Ravenna's total spend.", {}, dict(value=35.0), {}),
    ("own-people", "The Company's 2,650 people logged 9,100 volunteer hours.", Y23,
     dict(value=2_650, unit="count", qualifier="exact"), {}),
    ("company-possessive", OWN_WORKFORCE, Y23, dict(value=4_200, unit="count", qualifier="exact"), {}),
    ("company-possessive", OWN_WORKFORCE, Y23, dict(value=38, unit="percent", qualifier="exact"), {}),
]

# (rule, text, given, pick): no figure matches the pick.
ABSENT = [
    ("place-population", PLACE, Y23, dict(value=17_000_000, unit="count")),
    ("place-visitors", PLACE, Y23, dict(value=40_000_000, unit="count")),
    ("country-output", COUNTRY_OUTPUT, {}, dict(value=2.8e6, unit="tonne")),
    ("national-average", NATIONAL_AVERAGE, {}, dict(value=19500.0, unit="HKD")),
    ("country-gdp", COUNTRY_STATISTICS, {}, dict(value=2.5)),
    ("country-firms", COUNTRY_STATISTICS, {}, dict(value=3e6)),
    ("country-energy-share", COUNTRY_STATISTICS, {}, dict(value=24.0)),
]


@pytest.mark.parametrize("rule,text,given,fields,expected", EXACTLY, ids=ids(EXACTLY))
def test_only_the_companys_figures(rule, text, given, fields, expected):
    check_exactly(rule, text, given, fields, expected)


@pytest.mark.parametrize("rule,text,given,pick,want", FOUND, ids=ids(FOUND))
def test_own_figure_is_kept(rule, text, given, pick, want):
    check_found(rule, text, given, pick, want)


@pytest.mark.parametrize("rule,text,given,pick", ABSENT, ids=ids(ABSENT))
def test_others_figure_is_dropped(rule, text, given, pick):
    check_absent(rule, text, given, pick)
