"""Which mark a report uses for decimals, and what "18.402" means in it.

Continental European reports write decimals with a comma and group thousands with a dot: "0,31 tCO2e/t",
"18.402 tCO2e" (eighteen thousand), "1.234,5 MWh". A figure such as "18.402" is ambiguous alone; the
document decides. A text that writes decimal commas ("0,31", "3,2 %", "1.234,5") several times and
hardly ever a decimal point with one or two digits ("4.15", "3.5") writes decimal commas, and a dot
followed by exactly three digits in it groups thousands.
"""
from __future__ import annotations

import re

from esg_pipeline.extract.metric import Metric

# A comma that can only be a decimal mark: one or two digits after it ("0,31", "3,2"), or after dot-grouped
# thousands ("1.234,5"). A point with one or two digits can only be a decimal point ("4.15", "3.5").
# Both open with a digit (the lookbehind tests the character before it), so the scan skips to digits fast.
_COMMA_DECIMAL_RE = re.compile(r"\d(?<![\d.,]\d)(?:\d{0,2}(?:\.\d{3})+,\d+|\d*,\d{1,2})(?![\d.,]?\d)")
_POINT_DECIMAL_RE = re.compile(r"\d(?<![\d.,]\d)\d*\.\d{1,2}(?![\d.,]?\d)")
_MIN_EVIDENCE = 2
# The number a figure prints, and one that a decimal comma text groups by one dot: "18.402" ("1.234.567" is
# never a decimal: the cell parser reads it as thousands in any text).
_NUMBER_RE = re.compile(r"\d[\d.,]*")
_DOT_GROUPED_RE = re.compile(r"^\d{1,3}\.\d{3}$")


def writes_decimal_comma(text: str) -> bool:
    """True when the text's decimals are commas: at least two decimal commas, and at least twice as many
    as decimal points (section numbers such as "2.1" are decimal points to this count)."""
    commas = sum(1 for _ in _COMMA_DECIMAL_RE.finditer(text))
    if commas < _MIN_EVIDENCE:
        return False
    points = sum(1 for _ in _POINT_DECIMAL_RE.finditer(text))
    return commas >= 2 * points


def decimal_comma(metric: Metric, decimal_comma_text: bool, trace=None) -> None:
    """Rule `decimal-comma`: in a text that writes decimal commas, "18.402" is 18,402 (the dot groups
    thousands), however the reader first took it."""
    if not decimal_comma_text:
        return
    m = _NUMBER_RE.search(metric.raw or "")
    if m is None or not _DOT_GROUPED_RE.match(m.group()):
        return
    as_printed, read_as = float(m.group().replace(".", "")), float(m.group())
    if read_as == 0 or metric.value == 0:
        return
    factor = metric.value / read_as  # the unit's scale the reader applied ("thousand tonnes": 1000)
    value = float(f"{as_printed * factor:.12g}")
    if trace is not None:
        trace.add(f"line {metric.line}: {' '.join(metric.raw.split())}  value {metric.value:g} -> {value:g}",
                  "changed", "decimal-comma")
    metric.value = value
