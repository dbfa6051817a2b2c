"""Unit and currency tables; `validate_unit_table` checks them against pint (in tests and seed generation)."""
from __future__ import annotations

import re


# Currency as written -> ISO 4217. Keys are lower case; symbols keep their punctuation.
CURRENCIES: dict[str, str] = {
    "rmb": "CNY", "cny": "CNY", "renminbi": "CNY", "yuan": "CNY", "¥": "CNY", "rmb¥": "CNY",
    "hk$": "HKD", "hkd": "HKD", "hong kong dollars": "HKD",
    "us$": "USD", "usd": "USD", "$": "USD", "us dollars": "USD",
    "a$": "AUD", "au$": "AUD", "aud": "AUD", "australian dollars": "AUD",
    "s$": "SGD", "sgd": "SGD", "nt$": "TWD", "twd": "TWD",
    "mop": "MOP", "mop$": "MOP", "pataca": "MOP",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP",
    "kzt": "KZT", "tenge": "KZT",
    "jpy": "JPY", "yen": "JPY",
    "brl": "BRL", "inr": "INR", "idr": "IDR", "myr": "MYR", "thb": "THB", "chf": "CHF", "cad": "CAD", "c$": "CAD",
    # ISO codes of other places where HKEX issuers operate, written before the amount ("BDT 13,800").
    "bdt": "BDT", "vnd": "VND", "php": "PHP", "krw": "KRW", "nzd": "NZD", "mxn": "MXN", "clp": "CLP",
    "zar": "ZAR", "pkr": "PKR", "aed": "AED", "sar": "SAR",
}
# Written after the number ("5 million yuan"); the rest are written before it ("RMB5 million").
CURRENCY_SUFFIXES = ("yuan", "renminbi", "tenge", "euros", "euro", "hong kong dollars", "us dollars",
                     "australian dollars", "yen", "rmb", "hkd", "usd", "cny", "kzt", "aud", "eur")

# Scale words after a number.
SCALES: dict[str, float] = {
    "thousand": 1e3, "k": 1e3, "ten thousand": 1e4, "10,000": 1e4, "million": 1e6, "millions": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6,
    "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12,
}

# canonical unit -> (unit kind, pint expression used to validate it, or None when pint has no such unit)
CANONICAL_UNITS: dict[str, tuple[str, str | None]] = {
    "kWh": ("energy", "kilowatt_hour"), "MWh": ("energy", "megawatt_hour"), "GWh": ("energy", "gigawatt_hour"),
    "TWh": ("energy", "terawatt_hour"), "GJ": ("energy", "gigajoule"), "MJ": ("energy", "megajoule"),
    "TJ": ("energy", "terajoule"),
    "kW": ("power", "kilowatt"), "MW": ("power", "megawatt"), "GW": ("power", "gigawatt"),
    "tCO2e": ("emissions", None), "kgCO2e": ("emissions", None), "gCO2e": ("emissions", None),
    "tonne": ("mass", "metric_ton"), "kg": ("mass", "kilogram"), "g": ("mass", "gram"),
    "m3": ("volume", "meter ** 3"), "litre": ("volume", "liter"), "ML": ("volume", "megaliter"),
    "mg/L": ("concentration", "milligram / liter"),
    "km": ("length", "kilometer"), "m": ("length", "meter"),
    "acre": ("area", "acre"), "hectare": ("area", "hectare"), "m2": ("area", "meter ** 2"),
    "km2": ("area", "kilometer ** 2"), "ft2": ("area", "foot ** 2"), "mu": ("area", None),
    "hour": ("time", "hour"), "day": ("time", "day"), "month": ("time", "month"), "year": ("time", "year"),
    "percent": ("percent", "percent"),
}

# Unit as written (matched case-insensitively) -> (canonical unit, factor to the canonical unit).
# Exact spellings in CORRECT_SPELLINGS; any other capitalisation of an energy/power symbol gets the
# `unit_typo` flag ("KwH").
MEASURE_UNITS: dict[str, tuple[str, float]] = {
    "kwh": ("kWh", 1), "kilowatt-hours": ("kWh", 1), "kilowatt hours": ("kWh", 1), "kilowatt-hour": ("kWh", 1),
    "kilowatt hour": ("kWh", 1), "kw·h": ("kWh", 1), "kw-h": ("kWh", 1),
    "mwh": ("MWh", 1), "megawatt-hours": ("MWh", 1), "megawatt hours": ("MWh", 1),
    "gwh": ("GWh", 1), "gigawatt-hours": ("GWh", 1), "gigawatt hours": ("GWh", 1), "twh": ("TWh", 1),
    "gj": ("GJ", 1), "gigajoules": ("GJ", 1), "mj": ("MJ", 1), "tj": ("TJ", 1),
    "kw": ("kW", 1), "kwp": ("kW", 1), "kilowatts": ("kW", 1),
    "mw": ("MW", 1), "mwp": ("MW", 1), "megawatts": ("MW", 1), "gw": ("GW", 1), "gigawatts": ("GW", 1),
    "tco2e": ("tCO2e", 1), "tco₂e": ("tCO2e", 1), "tco2-e": ("tCO2e", 1), "tco2eq": ("tCO2e", 1),
    "t co2e": ("tCO2e", 1), "tonnes co2e": ("tCO2e", 1), "tonnes of co2e": ("tCO2e", 1),
    "tonnes of co2 equivalent": ("tCO2e", 1), "tonnes of carbon dioxide equivalent": ("tCO2e", 1),
    "tons of co2e": ("tCO2e", 1), "tons co2e": ("tCO2e", 1), "tonnes of co₂e": ("tCO2e", 1),
    "tonnes co2-e": ("tCO2e", 1), "tonnes of co2-e": ("tCO2e", 1), "tonnes of co₂ equivalent": ("tCO2e", 1),
    "tonnes co₂e": ("tCO2e", 1), "tonnes of co2": ("tCO2e", 1), "tonnes of carbon dioxide": ("tCO2e", 1), "tonnes of carbon": ("tCO2e", 1),
    "ktco2e": ("tCO2e", 1e3), "kilotonnes of co2e": ("tCO2e", 1e3),
    # Standard coal is a mass of coal: tonnes, with "standard coal" as the subject (not a unit of its own).
    "tonnes of standard coal equivalent": ("tonne", 1), "tonnes of standard coal": ("tonne", 1),
    "tons of standard coal": ("tonne", 1), "tce": ("tonne", 1), "tonnes of coal equivalent": ("tonne", 1),
    "kg co2e": ("kgCO2e", 1), "kgco2e": ("kgCO2e", 1), "kg co₂e": ("kgCO2e", 1), "kgco₂e": ("kgCO2e", 1),
    "kg of co2e": ("kgCO2e", 1), "kg co2-e": ("kgCO2e", 1), "gco2e": ("gCO2e", 1), "g co2e": ("gCO2e", 1),
    "tonnes": ("tonne", 1), "tonne": ("tonne", 1), "tons": ("tonne", 1), "ton": ("tonne", 1),
    "metric tons": ("tonne", 1), "t": ("tonne", 1), "kilotonnes": ("tonne", 1e3), "kt": ("tonne", 1e3),
    "mt": ("tonne", 1e6), "million tonnes": ("tonne", 1e6),  # "21.4 Mt" (mining); only "Mt" in that case
    "kg": ("kg", 1), "kilograms": ("kg", 1), "kilogrammes": ("kg", 1), "g": ("g", 1), "grams": ("g", 1),
    "m3": ("m3", 1), "m³": ("m3", 1), "cubic metres": ("m3", 1), "cubic meters": ("m3", 1), "cu m": ("m3", 1),
    "litres": ("litre", 1), "liters": ("litre", 1), "litre": ("litre", 1), "liter": ("litre", 1),
    # Megalitres stay megalitres (water reporting's own unit); "ML" only in that case, since "ml" is a millilitre.
    "megalitres": ("ML", 1), "megaliters": ("ML", 1), "ml": ("ML", 1), "gl": ("ML", 1e3), "gigalitres": ("ML", 1e3),
    "mg/l": ("mg/L", 1), "mg/litre": ("mg/L", 1),
    "km": ("km", 1), "kilometres": ("km", 1), "kilometers": ("km", 1), "kilometre": ("km", 1), "kilometer": ("km", 1),
    "metres": ("m", 1), "meters": ("m", 1),
    "acres": ("acre", 1), "acre": ("acre", 1), "hectares": ("hectare", 1), "hectare": ("hectare", 1), "ha": ("hectare", 1),
    "mu": ("mu", 1), "square metres": ("m2", 1), "square meters": ("m2", 1), "sq m": ("m2", 1), "sq. m": ("m2", 1),
    "m2": ("m2", 1), "m²": ("m2", 1), "sqm": ("m2", 1),
    "square feet": ("ft2", 1), "sq ft": ("ft2", 1), "sq. ft.": ("ft2", 1), "sq.ft.": ("ft2", 1), "sq. ft": ("ft2", 1),
    "sqft": ("ft2", 1), "ft2": ("ft2", 1), "ft²": ("ft2", 1), "square kilometres": ("km2", 1), "km2": ("km2", 1), "km²": ("km2", 1),
    "hours": ("hour", 1), "hour": ("hour", 1), "hrs": ("hour", 1), "man-hours": ("hour", 1), "person-hours": ("hour", 1),
    "man-hour": ("hour", 1), "training hours": ("hour", 1), "volunteer hours": ("hour", 1), "service hours": ("hour", 1),
    "days": ("day", 1), "working days": ("day", 1), "man-days": ("day", 1),
    "%": ("percent", 1), "percent": ("percent", 1), "per cent": ("percent", 1),
}
CORRECT_SPELLINGS = frozenset({"kWh", "MWh", "GWh", "TWh", "GJ", "MJ", "TJ", "kW", "kWp", "MW", "MWp", "GW",
                               "tCO2e", "tCO₂e", "tCO2-e", "tCO2eq", "ktCO2e", "t CO2e", "tce", "km", "kg",
                               "kgCO2e", "kg CO2e", "kgCO₂e", "kg CO₂e", "gCO2e", "g CO2e", "kg CO2-e",
                               "m3", "m³", "m2", "m²", "km2", "km²", "ha", "t", "g", "ML", "GL", "Mt", "kt", "mg/L"})
# Short symbols that are only a unit when written in exact case: "T", "HA", "MU", "G" (5G) are not units.
# Longer symbols in another case are typos of the unit ("M3", "KG"), read and flagged.
CASE_SENSITIVE = frozenset({"t", "ha", "mu", "g"})
# Symbols whose other cases mean another unit or a word ("ml" millilitre, "MT" metric ton, "GL" an acronym):
# a unit only when written exactly so.
EXACT_CASE = frozenset({"ml", "gl", "mt", "kt"})

# Denominators of compound units ("tCO2e/employee", "tCO2e/HKD million"), kept as the report words them.
# No per-year or per-day: "240,000 kWh per year" is an annual amount in kWh, not a new unit.
DENOMINATORS: dict[str, str] = {
    "person": "person", "employee": "employee", "capita": "capita", "head": "person", "staff": "employee",
    "m2": "m2", "m²": "m2", "square metre": "m2", "square meter": "m2", "sq m": "m2",
    "tonne": "tonne", "ton": "tonne", "unit": "unit", "vehicle": "vehicle", "km": "km", "mwh": "MWh", "kwh": "kWh",
    "million revenue": "million revenue",
    # transport output: "tCO2e per revenue tonne-km (RTK)"
    "rtk": "RTK", "revenue tonne-km": "RTK", "revenue tonne-kilometre": "RTK", "revenue tonne-kilometres": "RTK",
    "ask": "ASK", "available seat-km": "ASK", "available seat-kilometre": "ASK", "passenger-km": "pkm", "pkm": "pkm",
}
# "per HK$ million of revenue" -> "HKD million"
CURRENCY_DENOMINATOR_SCALES = ("million", "thousand", "billion", "10,000", "10 thousand")


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
    """Regex alternation, longest first so 'tonnes of co2e' wins over 'tonnes'; spaces match any whitespace."""
    parts = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in parts)


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
