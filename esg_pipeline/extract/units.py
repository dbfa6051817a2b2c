"""Unit and currency tables, read from vocab/units.csv; `validate_unit_table` checks them against pint (in tests and
seed generation)."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path


VOCAB_PATH = Path(__file__).with_name("vocab") / "units.csv"


@dataclass(frozen=True)
class VocabRow:
    """One row of vocab/units.csv: a surface form and what it means (see the file's header)."""
    kind: str
    surface: str
    unit: str
    factor: float
    flags: frozenset[str]
    pint: str


def load_vocab(path: Path = VOCAB_PATH) -> tuple[VocabRow, ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    return tuple(VocabRow(r["kind"], r["surface"], r["unit"], float(r["factor"] or 1), frozenset(r["flags"].split()),
                          r["pint"]) for r in csv.DictReader(lines))


VOCAB = load_vocab()
# The prose extractor's tables: the vocabulary's rows not marked `table`.
_PROSE = [r for r in VOCAB if "table" not in r.flags]

# Currency as written -> ISO 4217. Keys are lower case; symbols keep their punctuation.
CURRENCIES: dict[str, str] = {r.surface: r.unit for r in _PROSE if r.kind == "currency"}
# Written after the number ("5 million yuan"); the rest are written before it ("RMB5 million").
CURRENCY_SUFFIXES = tuple(r.surface for r in _PROSE if r.kind == "currency" and "after" in r.flags)

# Scale words after a number.
SCALES: dict[str, float] = {r.surface: r.factor for r in _PROSE if r.kind == "scale"}

# canonical unit -> (unit kind, pint expression used to validate it, or None when pint has no such unit)
CANONICAL_UNITS: dict[str, tuple[str, str | None]] = {
    r.surface: (r.unit, r.pint or None) for r in VOCAB if r.kind == "canonical"}

# Unit as written (matched case-insensitively) -> (canonical unit, factor to the canonical unit).
# Exact spellings in CORRECT_SPELLINGS; any other capitalisation of an energy/power symbol gets the
# `unit_typo` flag ("KwH").
MEASURE_UNITS: dict[str, tuple[str, float]] = {
    r.surface.lower(): (r.unit, r.factor) for r in _PROSE if r.kind == "measure"}
CORRECT_SPELLINGS = frozenset(r.surface for r in _PROSE if r.kind == "measure" and r.flags & {"symbol", "exact"})
# Symbols that are a unit only when written exactly so: "T", "HA", "MU", "G" (5G) are not units; "ml" is a
# millilitre and "MT" a metric ton, not "ML" megalitres and "Mt" megatonnes. Longer symbols in another case
# are typos of the unit ("M3", "KG"), read and flagged. CASE_SENSITIVE also accepts the lower-case key itself.
EXACT_CASE = frozenset(r.surface.lower() for r in _PROSE if r.kind == "measure" and "exact" in r.flags)
CASE_SENSITIVE = frozenset(r.surface for r in _PROSE if r.kind == "measure" and "exact" in r.flags and r.surface.islower())

# Denominators of compound units ("tCO2e/employee", "tCO2e/HKD million"), kept as the report words them.
# No per-year or per-day: "240,000 kWh per year" is an annual amount in kWh, not a new unit.
DENOMINATORS: dict[str, str] = {r.surface: r.unit for r in _PROSE if r.kind == "denominator"}
# "per HK$ million of revenue" -> "HKD million"
CURRENCY_DENOMINATOR_SCALES = tuple(r.surface for r in VOCAB if r.kind == "scale" and "per" in r.flags)


def validate_unit_table() -> None:
    """Raise if a canonical unit's dimension contradicts its kind (a typo in the tables above).

    Run by the tests and by the unit-conversion seed generator, not at import: building a pint
    registry costs ~0.4 s, paid by every `esg-pipeline extract` for tables that only change in commits.
    """
    import pint

    ureg = pint.UnitRegistry()
    expected = {
        "energy": ureg.kilowatt_hour.dimensionality, "power": ureg.watt.dimensionality,
        "mass": ureg.kilogram.dimensionality, "volume": (ureg.meter ** 3).dimensionality,
        "length": ureg.meter.dimensionality, "area": (ureg.meter ** 2).dimensionality,
        "time": ureg.hour.dimensionality, "percent": ureg.percent.dimensionality,
        "concentration": (ureg.kilogram / ureg.meter ** 3).dimensionality,
    }
    for unit, (kind, expr) in CANONICAL_UNITS.items():
        if expr is not None and ureg.parse_expression(expr).dimensionality != expected[kind]:
            raise ValueError(f"unit table: {unit} ({expr}) is not a {kind} unit")
    for surface, (canonical, _factor) in MEASURE_UNITS.items():
        if canonical not in CANONICAL_UNITS:
            raise ValueError(f"unit table: {surface!r} maps to unknown unit {canonical!r}")


def alternation(words) -> str:
    """Regex alternation, longest first so 'tonnes of co2e' wins over 'tonnes'; spaces match any whitespace.

    Written as a trie ('t(?:onnes(?:\\s+of\\s+co2e)?|ce)'): the regex engine tries the words sharing a first
    letter only, not every word in turn, and a word is still tried before the shorter words it extends."""
    trie: dict[str, dict] = {}
    for word in set(words):
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here
    return _trie_pattern(trie)


def _trie_pattern(node: dict[str, dict]) -> str:
    branches = [(r"\s+" if ch == " " else re.escape(ch)) + _trie_pattern(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def is_unit_typo(surface: str, canonical: str) -> bool:
    """A unit symbol in a case nobody writes ("KwH", "M3", "KG"): worth a flag, still understood."""
    return (CANONICAL_UNITS[canonical][0] != "percent" and len(surface) <= 4
            and surface not in CORRECT_SPELLINGS and not surface.islower())


def unit_kind(unit: str) -> str:
    if unit in CANONICAL_UNITS:
        return CANONICAL_UNITS[unit][0]
    if "/" in unit or unit.startswith("per "):  # "g/kWh"; "per million hours" (an incident rate)
        return "ratio"
    if unit == "count":
        return "count"
    return "money"
