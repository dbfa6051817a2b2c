"""Units of table cells, row labels and captions (unit_parse) and the vocabulary file they share with units.py."""
import csv
import time

import pytest

from esg_pipeline.extract import units
from esg_pipeline.extract.unit_parse import caption_scale, contextual_unit, parse_unit, unit_in_label

# (function, input, expected unit or None, expected factor). contextual_unit's input is "unit cell | context".
CASES = [
    # unit cells: emissions, scale prefixes and the case of the letters
    ("parse", "MtCO2e", "tCO2e", 1e6),
    ("parse", "mtCO2e", "tCO2e", 1),
    ("parse", "ktCO2e", "tCO2e", 1e3),
    ("parse", "tCO₂e", "tCO2e", 1),
    ("parse", "t CO2-e", "tCO2e", 1),
    ("parse", "t-CO2", "tCO2e", 1),
    ("parse", "Tonnes CO2e", "tCO2e", 1),
    ("parse", "Metric tonnes of CO2 equivalent", "tCO2e", 1),
    ("parse", "tonnes of carbon dioxide equivalent", "tCO2e", 1),
    ("parse", "MT CO2 eq.", "tCO2e", 1),
    ("parse", "million tonnes CO2e", "tCO2e", 1e6),
    ("parse", "kg CO2e", "kgCO2e", 1),
    ("parse", "Grams CO2e", "gCO2e", 1),
    ("parse", "kt", "tonne", 1e3),
    ("parse", "Mt", "tonne", 1e6),
    ("parse", "mt", "tonne", 1),
    ("parse", "(mt)", "tonne", 1),
    ("parse", "MT", "tonne", 1),
    ("parse", "ton", "tonne", 1),
    ("parse", "Tons", "tonne", 1),
    ("parse", "MT/Year", "tonne", 1),
    ("parse", "t", "tonne", 1),
    ("parse", "T", None, 1),
    ("parse", "kg", "kg", 1),
    ("parse", "'000 tonnes", "tonne", 1e3),
    ("parse", "0000'KWh", "kWh", 1e4),  # ten thousands, quote glued to the unit
    ("parse", "000'Litres", "litre", 1e3),
    ("parse", "tonnes ('000)", "tonne", 1e3),
    ("parse", "tCO2-eq/KRW 1 billion", "tCO2e/KRW billion", 1),  # a denominator counted out as one of its scale
    ("parse", "TJ/KRW 1 billion", "TJ/KRW billion", 1),
    ("parse", "Tetra Joules", "TJ", 1),  # terajoules as Korean reports spell them
    ("parse", "ea", "count", 1),  # 'each': a count in Korean data tables
    ("parse", "Years old", "year", 1),
    ("parse", "thousands of tonnes", "tonne", 1e3),
    # water and other volumes
    ("parse", "million m3", "m3", 1e6),
    ("parse", "m³", "m3", 1),
    ("parse", "cubic metres", "m3", 1),
    ("parse", "thousand litres", "litre", 1e3),
    ("parse", "L", "litre", 1),
    ("parse", "megaliters", "m3", 1e3),
    ("parse", "Megalitres", "m3", 1e3),
    ("parse", "ML", "m3", 1e3),
    ("parse", "kL", "m3", 1),
    ("parse", "kl", "m3", 1),
    ("parse", "1,000 kL", "m3", 1e3),
    ("parse", "mg/l", "mg/L", 1),
    # energy and scale words
    ("parse", "MWh", "MWh", 1),
    ("parse", "kWh", "kWh", 1),
    ("parse", "GJ", "GJ", 1),
    ("parse", "Trillion (10^12) MJ", "MJ", 1e12),
    ("parse", "10¹² MJ", "MJ", 1e12),
    ("parse", "million GJ", "GJ", 1e6),
    # counts, percentages, time
    ("parse", "#", "count", 1),
    ("parse", "Number", "count", 1),
    ("parse", "No.", "count", 1),
    ("parse", "persons", "count", 1),
    ("parse", "people", "count", 1),
    ("parse", "headcount", "count", 1),
    ("parse", "cases", "count", 1),
    ("parse", "(rolls)", "count", 1),
    ("parse", "'000 people", "count", 1e3),
    ("parse", "%", "percent", 1),
    ("parse", "% of total", "percent", 1),
    ("parse", "per cent", "percent", 1),
    ("parse", "hours", "hour", 1),
    ("parse", "days", "day", 1),
    # money
    ("parse", "$M", "USD", 1e6),
    ("parse", "US$ million", "USD", 1e6),
    ("parse", "HK$'000", "HKD", 1e3),
    ("parse", "RMB Ten Thousand", "CNY", 1e4),
    ("parse", "10,000 yuan", "CNY", 1e4),
    ("parse", "SGD", "SGD", 1),
    ("parse", "EURm", "EUR", 1e6),
    ("parse", "€bn", "EUR", 1e9),
    # compound units
    ("parse", "tCO2e per thousand boe of production", "tCO2e/thousand boe", 1),
    ("parse", "tCO2e/utilized equivalent distillation capacity", "tCO2e/UEDC", 1),
    ("parse", "tCO2e/UEDC", "tCO2e/UEDC", 1),
    ("parse", "Tonnes CO2e/DKKm", "tCO2e/DKK million", 1),
    ("parse", "tCO2e/EUR million", "tCO2e/EUR million", 1),
    ("parse", "MWh/USD million", "MWh/USD million", 1),
    ("parse", "GJ/million SGD revenue", "GJ/SGD million", 1),
    ("parse", "m3 per million SGD revenue", "m3/SGD million", 1),
    ("parse", "litres/million SGD revenue", "litre/SGD million", 1),
    ("parse", "MJ / Rupee", "MJ/INR", 1),
    ("parse", "MT CO2 eq. / Rupee", "tCO2e/INR", 1),
    ("parse", "t withdrawn/ t production", "tonne/tonne", 1),
    ("parse", "t/t", "tonne/tonne", 1),
    ("parse", "Grams CO2e/product", "gCO2e/product", 1),
    ("parse", "gCO2e/MJ", "gCO2e/MJ", 1),
    ("parse", "tCO2e/kt", "tCO2e/thousand tonne", 1),
    ("parse", "tCO2e per thousand tonnes", "tCO2e/thousand tonne", 1),
    ("parse", "tCO2e/employee", "tCO2e/employee", 1),
    ("parse", "tCO2e per FTE", "tCO2e/employee", 1),
    ("parse", "tCO2e/m²", "tCO2e/m2", 1),
    ("parse", "GJ/tonne", "GJ/tonne", 1),
    ("parse", "m3/tonne of product", "m3/tonne", 1),
    ("parse", "hours per employee", "hour/employee", 1),
    ("parse", "USD/tonne", "USD/tonne", 1),
    ("parse", "Number/million SGD revenue", "count/SGD million", 1),
    # footnote markers, brackets, and what is no unit
    ("parse", "MWh¹", "MWh", 1),
    ("parse", "tCO2e*", "tCO2e", 1),
    ("parse", "[GJ]", "GJ", 1),
    ("parse", "in thousands", "", 1e3),
    ("parse", "'000", "", 1e3),
    ("parse", "Index", None, 1),
    ("parse", "Score (0-10)", None, 1),
    ("parse", "-", None, 1),
    ("parse", "", None, 1),
    ("parse", "Scope 1", None, 1),
    ("parse", "direct", None, 1),
    ("parse", "tm", None, 1),
    # row labels
    ("label", "Energy (GJ)", "GJ", 1),
    ("label", "Electricity (kWh)", "kWh", 1),
    ("label", "Donation (SGD)", "SGD", 1),
    ("label", "Municipal water (cubic metres)", "m3", 1),
    ("label", "Water intensity (m3/million SGD revenue)", "m3/SGD million", 1),
    ("label", "Scope 1 (direct) GHG emissions (tCO2e)", "tCO2e", 1),
    ("label", "Hazardous waste (t)²", "tonne", 1),
    ("label", "Registered members (million)", "", 1e6),
    ("label", "Energy consumption, MWh", "MWh", 1),
    ("label", "Water withdrawal in megalitres", "m3", 1e3),
    ("label", "Total GHG emissions tCO2e", "tCO2e", 1),
    ("label", "Scope 1 (direct) greenhouse gas emissions", None, 1),
    ("label", "Scope 2, market-based", None, 1),
    ("label", "Investment in people", None, 1),
    ("label", "Employees (female)", None, 1),
    # captions and headers
    ("caption", "(Unit: 10,000 yuan)", "CNY", 1e4),
    ("caption", "RMB Ten Thousand", "CNY", 1e4),
    ("caption", "HK$'000", "HKD", 1e3),
    ("caption", "Table 4: Revenue (HK$'000)", "HKD", 1e3),
    ("caption", "Revenue, RMB'000", "CNY", 1e3),
    ("caption", "(million tonnes CO2 equivalent)", "tCO2e", 1e6),
    ("caption", "Trillion (10^12) MJ", "MJ", 1e12),
    ("caption", "in thousands", "", 1e3),
    ("caption", "All figures in thousands unless otherwise stated", "", 1e3),
    ("caption", "Financial highlights in millions of euros", "EUR", 1e6),
    ("caption", "'000", "", 1e3),
    ("caption", "(10,000 tons)", "tonne", 1e4),
    ("caption", "Units: tonnes", "tonne", 1),
    ("caption", "Table 5 (continued)", None, 1),
    ("caption", "GHG emissions by scope", None, 1),
    # context: plain tonnes under a GHG heading are tonnes of CO2e
    ("context", "kt | Scope 1 emissions", "tCO2e", 1e3),
    ("context", "tonnes | Greenhouse gas emissions by scope", "tCO2e", 1),
    ("context", "t | CO₂ emissions", "tCO2e", 1),
    ("context", "t/employee | GHG intensity", "tCO2e/employee", 1),
    ("context", "Mt | Methane emissions", "tonne", 1e6),
    ("context", "tonnes | SOx emissions", "tonne", 1),
    ("context", "ton | Energy consumption (standard coal)", "tonne", 1),
    ("context", "tonnes | Hazardous waste", "tonne", 1),
    ("context", "MWh | Scope 2 emissions", "MWh", 1),
]


def _cases(function):
    return [pytest.param(text, unit, factor, id=text) for f, text, unit, factor in CASES if f == function]


def _check(spec, unit, factor):
    if unit is None:
        assert spec is None
    else:
        assert spec is not None and (spec.unit, spec.factor) == (unit, pytest.approx(factor))


@pytest.mark.parametrize("text, unit, factor", _cases("parse"))
def test_parse_unit(text, unit, factor):
    _check(parse_unit(text), unit, factor)


@pytest.mark.parametrize("text, unit, factor", _cases("label"))
def test_unit_in_label(text, unit, factor):
    found = unit_in_label(text)
    _check(found and found[0], unit, factor)
    if found:
        spec, (start, end) = found
        rest = (text[:start] + text[end:]).strip()
        assert spec.surface in text[start:end] and rest
        assert f"({spec.surface})" not in rest and not rest.endswith((spec.surface, ","))


@pytest.mark.parametrize("text, unit, factor", _cases("caption"))
def test_caption_scale(text, unit, factor):
    _check(caption_scale(text), unit, factor)


@pytest.mark.parametrize("text, unit, factor", _cases("context"))
def test_contextual_unit(text, unit, factor):
    cell, context = (part.strip() for part in text.split("|"))
    _check(contextual_unit(parse_unit(cell), context), unit, factor)


def _vocab_rows():
    with units.VOCAB_PATH.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if line.strip() and not line.startswith("#")))


def test_vocabulary_units_are_known():
    currencies = {r.unit for r in units.VOCAB if r.kind == "currency"}
    for row in units.VOCAB:
        if row.kind in ("measure", "convert"):
            assert row.unit in units.CANONICAL_UNITS, row
        elif row.kind == "count":
            assert row.unit == "count", row
        elif row.kind == "currency":
            assert len(row.unit) == 3 and row.unit.isupper(), row
        elif row.kind == "canonical":
            assert row.unit in {"energy", "power", "emissions", "mass", "volume", "concentration", "length",
                                "area", "time", "percent"}, row
        else:
            assert row.kind in ("scale", "denominator", "none"), row
    assert {"CNY", "HKD", "USD", "SGD", "EUR", "DKK", "INR"} <= currencies


def test_vocabulary_has_no_conflicting_surfaces():
    rows = _vocab_rows()
    assert {"kind", "surface", "unit", "factor", "flags", "pint"} == set(rows[0])
    meaning: dict[tuple[str, bool, str], tuple[str, str]] = {}
    numerator_kind: dict[tuple[bool, str], str] = {}
    prose_measures: dict[str, str] = {}
    for row in rows:
        flags = row["flags"].split()
        exact = "exact" in flags
        key = row["surface"] if exact else row["surface"].lower()
        seen = meaning.setdefault((row["kind"], exact, key), (row["unit"], row["factor"]))
        assert seen == (row["unit"], row["factor"]), f"{row['surface']!r} means {seen} and {row}"
        if row["kind"] in ("measure", "currency", "count", "none"):  # one reading of a unit cell
            assert numerator_kind.setdefault((exact, key), row["kind"]) == row["kind"], row
        if row["kind"] == "measure" and "table" not in flags:  # the prose table is keyed in lower case
            assert prose_measures.setdefault(key.lower(), row["surface"]) == row["surface"], row
    # an exact-case surface and a case-free one that also matches it must agree
    for (kind, exact, key), value in meaning.items():
        if exact and (kind, False, key.lower()) in meaning:
            assert meaning[(kind, False, key.lower())] == value, key


def test_prose_tables_come_from_the_vocabulary():
    assert units.MEASURE_UNITS["tonnes of co2e"] == ("tCO2e", 1)
    assert units.MEASURE_UNITS["mt"] == ("tonne", 1e6) and "mt" in units.EXACT_CASE and "Mt" in units.CORRECT_SPELLINGS
    assert units.CURRENCIES["hk$"] == "HKD" and "yuan" in units.CURRENCY_SUFFIXES
    assert "kl" not in units.MEASURE_UNITS  # table-only rows stay out of the prose extractor
    units.validate_unit_table()


def test_parsing_is_fast():
    cells = [text for f, text, _unit, _factor in CASES if f == "parse"] * 20
    started = time.perf_counter()
    for cell in cells:
        parse_unit(cell)
    assert (time.perf_counter() - started) / len(cells) < 2e-4
