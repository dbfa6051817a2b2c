"""How figures are written in prose: bracketed amounts, number words, the Chinese wan (10,000) as a label's
multiplier, labels glued to the figure, figures broken over lines, and the qualifiers around a figure
(about, more than, up to, no fewer than, in excess of, passed, below, 'or more').

Every text is written for these tests in the style of Hong Kong / mainland and other reports; none is taken
from the evaluation sets. Table shapes are described in cases.py."""
from __future__ import annotations

import pytest

from esg_pipeline_tests.extract.cases import Y23, check_exactly, check_found, ids

# (rule, text, given, pick, want): the first figure matching `pick` exists and matches `want`.
FOUND = [
    ("parenthesised-amount", "In total the Group contributed about RMB (87) million to charity.", {},
     dict(value=87_000_000, unit="CNY"), dict(qualifier="approx", flags__has="parenthesised_amount")),
    ("parenthesised-amount", "Community spending reached HK$(12.4) million.", {},
     dict(value=12_400_000), dict(flags__has="parenthesised_amount")),
    ("number-word", "Seven clinics received new equipment.", {}, dict(value=7),
     dict(unit="count", subject__endswith="clinics")),
    ("number-word", "Twenty-four of our branches joined the campaign.", {}, dict(value=24),
     dict(unit="count", subject__endswith="branches")),
    ("number-word", "The programme reached nine townships and three orphanages.", {}, dict(value=9),
     dict(unit="count", subject__endswith="townships")),
    ("number-word-scale", "Our livestream drew nearly two million viewers.", {}, dict(value=2_000_000),
     dict(unit="count", subject__endswith="viewers")),
    ("number-word", "Fourteen suppliers were audited on site.", {}, dict(value=14),
     dict(unit="count", subject__endswith="suppliers")),
    ("glued-label", "Storage fleet\n450MWCapacity of energy storage\n", {}, dict(value=450, unit="MW"),
     dict(flags__has="glued_label")),
    ("line-breaks", "Across the year our branches collected\n3,460 kilograms of used clothing for\nlocal shelters.", {},
     dict(value=3_460, unit="kg"), dict(quote__startswith="Across the year", quote__endswith="shelters.")),
    ("qualifier-no-fewer-than", "Microloans reached no fewer than 12,000 farmers.", Y23,
     dict(value=12_000, qualifier="at_least"), {}),
    ("qualifier-not-fewer-than", "Grants went to not fewer than 35 schools.", Y23, dict(value=35, qualifier="at_least"), {}),
    ("qualifier-no-more-than", "Fees were waived for no more than 400 accounts.", Y23,
     dict(value=400, qualifier="at_most"), {}),
    ("qualifier-in-brackets", "Most calls concerned billing (around 37%) and\nrepairs (20%).", Y23,
     dict(value=37, qualifier="approx"), {}),
    ("qualifier-passed", "The team has passed 5 million safe man-hours.", Y23,
     dict(value=5_000_000, qualifier="at_least"), {}),
    ("qualifier-below", "Card fraud fell below 2% of disputes.", Y23, dict(value=2, qualifier="at_most"), {}),
    ("qualifier-in-excess-of", "Savings were in excess of 9,000 kWh.", Y23, dict(value=9_000, qualifier="at_least"), {}),
]

# (rule, text, given, fields, expected): the figures' fields, in text order, are exactly these.
EXACTLY = [
    # the wan multiplier scales the figure and is never a figure itself
    ("wan-label", "Water use in the mill (10,000 tonnes): 87, steam purchased (10,000 GJ): 12.", Y23,
     ("value", "unit"), [(870_000, "tonne"), (120_000, "GJ")]),
    ("wan-label", "Grid electricity (10,000 kWh): 3,115\n", Y23, ("value", "unit"), [(31_150_000, "kWh")]),
    ("wan-money", "The dairy set aside 742 (10,000 yuan) for rural road repairs.", Y23,
     ("value", "unit"), [(7_420_000, "CNY")]),
    ("wan-money", "Spending on flood defence this year: 96.5 (10,000 yuan)\n", Y23, ("value", "unit"), [(965_000, "CNY")]),
    # a bracketed amount is positive
    ("parenthesised-amount", "In total the Group contributed about RMB (87) million to charity.", {},
     ("value", "unit", "qualifier"), [(87_000_000, "CNY", "approx")]),
    ("parenthesised-amount", "Community spending reached HK$(12.4) million.", {}, "value", [12_400_000]),
    # PDF text: a label glued to the figure, a sentence broken over lines
    ("glued-label", "Storage fleet\n450MWCapacity of energy storage\n", {}, ("value", "unit"), [(450, "MW")]),
    ("line-breaks", "Across the year our branches collected\n3,460 kilograms of used clothing for\nlocal shelters.", {},
     ("value", "unit"), [(3_460, "kg")]),
    ("qualifiers", "About 1,200 employees volunteered. More than 40 schools took part. Up to 300 families were helped. "
     "Just over 9,000 books were donated. Close to RMB6 million was raised for relief. "
     "Fewer than 20 suppliers failed the audit. Exactly 512 students received bursaries. "
     "We planted 5,000 or more trees.", {}, ("value", "qualifier"),
     [(1200, "approx"), (40, "at_least"), (300, "at_most"), (9000, "at_least"), (6_000_000, "approx"),
      (20, "at_most"), (512, "exact"), (5000, "at_least")]),
]


@pytest.mark.parametrize("rule,text,given,pick,want", FOUND, ids=ids(FOUND))
def test_written_figure_is_read(rule, text, given, pick, want):
    check_found(rule, text, given, pick, want)


@pytest.mark.parametrize("rule,text,given,fields,expected", EXACTLY, ids=ids(EXACTLY))
def test_written_figures_are_exactly_these(rule, text, given, fields, expected):
    check_exactly(rule, text, given, fields, expected)
