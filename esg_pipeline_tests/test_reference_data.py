import csv

import pytest

from esg_pipeline.extract.units import CANONICAL_UNITS, CURRENCIES, validate_unit_table
from esg_pipeline.reference.unit_conversions import SEED_PATH, conversion_rows, render_csv
from esg_pipeline.settings import DBT_PROJECT_DIR
from esg_pipeline.taxonomy import load_taxonomy


def test_unit_conversion_seed_matches_the_unit_table():
    assert SEED_PATH.read_text(encoding="utf-8") == render_csv(conversion_rows()), (
        "regenerate with: python -m esg_pipeline.reference.unit_conversions")
    factors = {(r["from_unit"], r["to_unit"]): float(r["factor"]) for r in conversion_rows()}
    assert factors[("MWh", "kWh")] == 1000 and factors[("GJ", "kWh")] == pytest.approx(1e6 / 3600)
    assert ("MWh", "tonne") not in factors  # only units of one kind convert


def test_fx_seed_covers_every_year_for_the_main_currencies():
    with (DBT_PROJECT_DIR / "seeds" / "fx_rates_annual.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    have = {(int(r["year"]), r["currency"]) for r in rows}
    for currency in ("CNY", "HKD", "USD", "EUR", "GBP", "KZT"):
        assert {(year, currency) for year in range(2010, 2026)} <= have
    assert all(float(r["units_per_usd"]) > 0 for r in rows)
    # Amounts in other currencies keep their value and ISO code; the marts leave their CNY/HKD/USD empty.
    assert {c for _, c in have} <= set(CURRENCIES.values())


def test_taxonomy_canonical_units_are_known_units():
    money = {i.canonical_unit for i in load_taxonomy() if i.unit_kind == "money"}
    assert money <= set(CURRENCIES.values())
    for indicator in load_taxonomy():
        if indicator.unit_kind not in ("money", "count", "ratio"):
            assert indicator.canonical_unit in CANONICAL_UNITS, indicator.id


def test_unit_table_agrees_with_pint():
    validate_unit_table()  # raises on a unit whose dimension contradicts its kind
