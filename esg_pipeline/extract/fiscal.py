"""Fiscal periods: the first and last day of the fiscal year a figure is for.

A report's fiscal year end is read from its text ("for the year ended 31 March 2023", "fiscal year
ending June 30"), the most frequent statement winning. Without one, a split-year period in the
figure's column header or sentence ("2022/23", "FY2024-25") means the year ends on 31 March, the
commonest split year-end (Hong Kong, India, Japan, the UK); otherwise the calendar year. So a fiscal
year ending 31 March 2023 and calendar 2023 stay apart in the warehouse by their period_end.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter
from functools import lru_cache

from esg_pipeline.extract.metric import Metric
from esg_pipeline.extract.wordscan import finditer_from_words

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTH = "|".join(MONTHS)
FISCAL_YEAR_END_RE = re.compile(
    r"\b(?:year|period)\s+end(?:ed|ing|s)?\s+(?:on\s+)?"
    rf"(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m1>{_MONTH})|(?P<m2>{_MONTH})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b)",
    re.I)
FISCAL_YEAR_END_OPENERS = ("year", "period")  # every match of FISCAL_YEAR_END_RE starts with one of them
SPLIT_YEAR_RE = re.compile(r"\b(?:FY\s?)?(?:19|20)\d\d\s?[/\-–]\s?(?:19|20)?\d\d\b|\bFY\s?\d\d/\d\d\b", re.I)
SPLIT_YEAR_END = (3, 31)
CALENDAR_YEAR_END = (12, 31)
HEADER_RE = re.compile(r"\[([^\]]*)\]: [^\[]*$")  # a table metric's quote: 'label (unit) [header]: cell'


def fiscal_year_end(text: str) -> tuple[int, int] | None:
    """(month, day) of the year end the report states most often, or None."""
    ends: Counter[tuple[int, int]] = Counter()
    for m in finditer_from_words(FISCAL_YEAR_END_RE, text, FISCAL_YEAR_END_OPENERS):
        month = MONTHS[(m.group("m1") or m.group("m2")).lower()]
        day = int(m.group("d1") or m.group("d2"))
        if 1 <= day <= calendar.monthrange(2001, month)[1]:
            ends[(month, day)] += 1
    return ends.most_common(1)[0][0] if ends else None


def _period_text(metric: Metric) -> str:
    if metric.method == "table_cell":
        m = HEADER_RE.search(metric.quote)
        return m.group(1) if m else ""
    return metric.quote or ""


def period_bounds(year: int, end: tuple[int, int]) -> tuple[dt.date, dt.date]:
    """First and last day of fiscal year `year`, which ends on `end` (month, day) of that year."""
    month, day = end
    last = dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))
    before = dt.date(year - 1, month, min(day, calendar.monthrange(year - 1, month)[1]))
    return before + dt.timedelta(days=1), last


@lru_cache(maxsize=1024)  # a report's figures share a few years and one year end
def _period_dates(year: int, end: tuple[int, int]) -> tuple[str, str]:
    """period_bounds as ISO dates."""
    first, last = period_bounds(year, end)
    return first.isoformat(), last.isoformat()


def assign_period(metric: Metric, report_year_end: tuple[int, int] | None, trace=None) -> None:
    """Rule `fiscal-period`: the metric's period_start and period_end for its year."""
    if metric.year is None:
        return
    if report_year_end is not None:
        end, why = report_year_end, "stated year end"
    elif SPLIT_YEAR_RE.search(_period_text(metric)):
        end, why = SPLIT_YEAR_END, "split-year period"
    else:
        end, why = CALENDAR_YEAR_END, "calendar year"
    first, last = _period_dates(metric.year, end)
    metric.period_start, metric.period_end = first, last
    if trace is not None and end != CALENDAR_YEAR_END:
        trace.add(f"line {metric.line}: {' '.join(metric.raw.split())}  period {first} to {last}", why, "fiscal-period")
