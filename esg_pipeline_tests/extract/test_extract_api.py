"""The API contract others code against, and properties that hold for any text."""
from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from esg_pipeline.extract import Metric, extract_metrics
from esg_pipeline.extract.metric import QUALIFIERS
from esg_pipeline.observation import BASES
from esg_pipeline.taxonomy import load_taxonomy

KEYS = {"doc", "value", "unit", "qualifier", "hkex_kpi", "gri", "indicator", "entity", "year", "year_source",
        "subject", "quote", "start", "end", "line", "page", "method", "confidence", "flags", "raw",
        "dimensions", "basis", "period_start", "period_end"}
INDICATOR_IDS = {i.id for i in load_taxonomy()}


def check(metric: Metric, text: str) -> None:
    row = metric.to_dict()
    assert set(row) == KEYS
    json.dumps(row)
    assert 0 <= metric.start < metric.end <= len(text)
    assert text[metric.start:metric.end] == metric.raw
    assert metric.qualifier in QUALIFIERS
    assert metric.indicator in INDICATOR_IDS
    assert 0 < metric.confidence <= 1
    assert metric.basis in BASES
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in metric.dimensions.items())
    assert metric.value >= 0
    assert metric.line == text.count("\n", 0, metric.start) + 1
    assert metric.year_source == "catalog" or metric.year_source == "none" or metric.year_source.startswith("text:")


def test_to_dict_contract_and_provenance():
    text = "Environment\n\nIn 2023 the Group used 4,200 MWh.\nWe donated RMB1.5 million to 12 schools."
    found = extract_metrics(text, doc="abc123", page_starts=[0, 40])
    assert [m.value for m in found] == [4_200, 1_500_000, 12]
    for m in found:
        check(m, text)
        assert m.doc == "abc123" and m.year == 2023
    assert [m.page for m in found] == [1, 2, 2]
    assert found[1].quote == "We donated RMB1.5 million to 12 schools."
    assert found[1].method == "currency_amount" and found[2].method == "counted_noun"


def test_empty_and_number_free_text():
    assert extract_metrics("", doc="d") == []
    assert extract_metrics("No figures here at all.", doc="d") == []


GENRE = st.sampled_from([
    "RMB", "HK$", "US$", " (", ")", " million", " billion", " kWh", " MWh", "KwH", " tCO2e", "/person", " per ",
    " tonnes", " m3", " km", " acres", "%", " hours", " of which ", " are ", " more than ", " around ", " up to ",
    " villages", " employees", " suppliers", " patents", "Eleven", "Thirty-five", " one ", " the two ", " 2023",
    " ISO9000", " Scope 1", " PM2.5", " 65th", " Phase I", " | ", "\n", "\n\n", ". ", ", ", ": ", "•", "(2022: ",
    "1,234", "56.7", "(151)", "0", "9", "12,345,678", "Top 250", " page 4", " worldwide", " living with ",
])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(GENRE, st.text(max_size=12)), max_size=40))
def test_never_crashes_and_spans_are_valid(parts):
    text = "".join(parts)
    for m in extract_metrics(text, doc="fuzz", page_starts=[0, len(text) // 2]):
        check(m, text)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300), st.integers(min_value=1, max_value=10**9))
def test_arbitrary_unicode_with_a_known_amount(noise, amount):
    text = f"{noise}\n\nThe Group donated RMB{amount:,} to charity.\n"
    found = extract_metrics(text, doc="fuzz")
    for m in found:
        check(m, text)
    assert any(m.value == amount and m.unit == "CNY" for m in found)
