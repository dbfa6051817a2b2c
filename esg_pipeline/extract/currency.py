"""The report's currency, and what a bare `$` means in it.

A `$` alone is the US dollar only in a report that reports in US dollars. A Hong Kong, Singapore or
Australian report writes "$3.2 million" for its own dollars, and says so once ("All amounts are in Hong
Kong dollars unless otherwise stated") or writes the prefixed form elsewhere (HK$, S$, A$). The currency
comes from, in this order: the catalog (`currency:` of the report's entry), a declaration in the text, or
one dollar currency the text prints with its prefix while it never prints US$ / USD. Currency names and
symbols are the unit vocabulary's (vocab/units.csv), not a list of their own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from esg_pipeline.extract.metric import Metric
from esg_pipeline.extract.unit_parse import parse_unit
from esg_pipeline.extract.wordscan import finditer_from_words

# "All amounts are in Hong Kong dollars", "figures are expressed in HK$", "Currency: AUD",
# "the reporting currency is the Australian dollar"
DECLARATION_RE = re.compile(
    r"\b(?:(?:all\s+)?(?:amounts?|figures?|monetary\s+(?:amounts?|values?|figures?)|values?)\s+"
    r"(?:in\s+this\s+(?:report|document)\s+)?(?:are|is)\s+(?:expressed\s+|stated\s+|presented\s+|reported\s+|shown\s+)?"
    r"in|(?:reporting|presentation|functional)\s+currency\s+is|currency\s*[:：])\s*(?:the\s+)?"
    r"(?P<currency>[^.,;:()\n]{1,40})", re.I)
DECLARATION_OPENERS = ("all", "amount", "figure", "monetary", "value", "reporting", "presentation", "functional",
                       "currency")  # every match of DECLARATION_RE starts with one of them
# Dollar currencies printed with their prefix: the report's own dollar when it never prints US$ or USD.
PREFIXED_DOLLAR_RE = re.compile(r"(?<![A-Za-z])(?P<prefix>HK|S|A|AU|C|NZ|NT|MOP)\$", re.I)
US_DOLLAR_RE = re.compile(r"(?<![A-Za-z])(?:US\$|USD\b|U\.S\.\s*dollars?|US\s+dollars?)", re.I)
# A figure whose own text has a bare dollar sign: "$3.2 million", "($12.5)", "$ 40m"
BARE_DOLLAR_RE = re.compile(r"^\(?\s*\$")


@dataclass(frozen=True)
class ReportCurrency:
    code: str      # ISO 4217
    evidence: str  # "catalog", or the text it was read from


def report_currency(text: str, declared: str | None = None) -> ReportCurrency | None:
    """The currency a bare `$` stands for in this report; None when it is the US dollar or unknown."""
    if declared:
        code = _currency_code(declared) or declared.strip().upper()
        return ReportCurrency(code, "catalog") if code != "USD" else None
    for m in finditer_from_words(DECLARATION_RE, text, DECLARATION_OPENERS):
        code = _currency_code(m.group("currency"))
        if code is not None:
            return ReportCurrency(code, m.group().strip()) if code != "USD" else None
    if US_DOLLAR_RE.search(text):
        return None
    prefixes = {m.group().upper() for m in PREFIXED_DOLLAR_RE.finditer(text)}
    codes = {code for p in prefixes if (code := _currency_code(p)) is not None}
    if len(codes) == 1:
        code = codes.pop()
        return ReportCurrency(code, f"{sorted(prefixes)[0]} printed, never US$")
    return None


def _currency_code(phrase: str) -> str | None:
    """ISO code of the longest leading words of `phrase` the unit vocabulary reads as a currency."""
    words = phrase.split()
    for k in range(min(len(words), 4), 0, -1):
        spec = parse_unit(" ".join(words[:k]))
        if spec is not None and spec.factor == 1 and len(spec.unit) == 3 and spec.unit.isupper():
            return spec.unit
    return None


def report_dollar(metric: Metric, currency: ReportCurrency | None, trace=None) -> None:
    """Rule `report-dollar`: a figure printed with a bare `$` is in the report's own dollar."""
    if currency is None or not metric.unit.startswith("USD") or not BARE_DOLLAR_RE.match(metric.raw or ""):
        return
    unit = currency.code + metric.unit[3:]
    if trace is not None:
        trace.add(f"line {metric.line}: {' '.join(metric.raw.split())}  unit {metric.unit} -> {unit} "
                  f"({currency.evidence[:60]})", "changed", "report-dollar")
    metric.unit = unit
