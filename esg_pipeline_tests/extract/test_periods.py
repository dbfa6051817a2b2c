"""The year of a prose figure: the catalog's year wins; else the year the text states, with its evidence; a
prior-year comparative in brackets ('(2022: HK$5.4 million)') gets its own year; and no year is made up.
Year columns of tables in the text are covered by test_text_tables.

Every text is written for these tests; none is taken from the evaluation sets. Table shapes are described
in cases.py."""
from __future__ import annotations

import pytest

from esg_pipeline_tests.extract.cases import Y23, check_found, ids

COMPARATIVE = "Donations were HK$6.1 million (2022: HK$5.4 million)."
STATED = "In 2022 the Group planted 8,000 trees. During 2022 we also trained 640 staff."

# (rule, text, given, pick, want): the first figure matching `pick` ({}: the first figure) matches `want`.
FOUND = [
    ("catalog-year", COMPARATIVE, Y23, dict(value=6_100_000), dict(year=2023, year_source="catalog")),
    ("prior-year-comparative", COMPARATIVE, Y23, dict(value=5_400_000), dict(year=2022)),
    ("catalog-year-wins", STATED, {"year": 2021}, {}, dict(year=2021, year_source="catalog")),
    ("stated-year-with-evidence", STATED, {}, {}, dict(year=2022, year_source__startswith="text:",
                                                       year_source__has="2022")),
    ("no-year", "The Group planted 8,000 trees.", {}, {}, dict(year=None, year_source="none")),
]


@pytest.mark.parametrize("rule,text,given,pick,want", FOUND, ids=ids(FOUND))
def test_period_of_a_figure(rule, text, given, pick, want):
    check_found(rule, text, given, pick, want)
