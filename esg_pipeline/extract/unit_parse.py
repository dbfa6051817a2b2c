"""Units of table cells, row labels and captions, read with the vocabulary of vocab/units.csv.

    parse_unit("Tonnes CO2e/DKKm")        -> UnitSpec("tCO2e/DKK million", 1, ...)
    unit_in_label("Energy (GJ)")          -> (UnitSpec("GJ", 1, "GJ"), (6, 11))
    caption_scale("(Unit: 10,000 yuan)")  -> UnitSpec("CNY", 1e4, ...)
    contextual_unit(UnitSpec("tonne", 1e3, "kt"), "Scope 1 emissions") -> UnitSpec("tCO2e", 1e3, "kt")

Units come out in the gold's canonical spelling: a value printed in `surface` times `factor` is in `unit`.
Compound units are `<numerator>/<denominator>`; the factor applies to the numerator only and a
denominator keeps its scale in words ("tCO2e/thousand boe", "GJ/SGD million"). unit "" is a bare scale
("in thousands"). The vocabulary is compiled once, at import, into one regex alternation per role
(longest surface first) and dict lookups on the folded text.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from esg_pipeline.extract.units import VOCAB


@dataclass(frozen=True)
class UnitSpec:
    unit: str      # canonical: 'tCO2e', 'tCO2e/DKK million', 'count', 'percent', 'USD'; '' for a bare scale
    factor: float  # multiply a printed value by this to express it in `unit`
    surface: str   # the text the unit was read from


# ---------------------------------------------------------------- text folding
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUPERSCRIPT_EXPONENT_RE = re.compile(r"10([⁰¹²³⁴⁵⁶⁷⁸⁹]+)")
# Footnote markers at the end: superscript digits (not the ² ³ of m² km³ ft²), *, †, [1], (a), (1).
_FOOTNOTE_TAIL_RE = re.compile(r"(?:(?<![mt])[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\s*(?:\*+|[†‡§]+|\[(?:\d{1,2}|[a-z])\]|\((?:\d{1,2}|[a-z])\)))\s*$")
_CARBON_DIOXIDE_RE = re.compile(r"carbon\s+dioxide", re.I)
# "CO2 equivalent", "CO2-e", "CO2eq.", "CO2 eq" -> "CO2e" (not "CO2 emissions")
_CO2E_RE = re.compile(r"CO2\s*(?:-\s*)?(?:e(?:q(?:uiv(?:alents?)?)?)?\.?|equivalents?)(?![A-Za-z])", re.I)
_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "’": "'", "‘": "'", "`": "'"})


def _fold(text: str) -> str:
    """NFKC (m³ -> m3, CO₂ -> CO2, full-width ／ -> /), one kind of dash and quote, CO2e spelled one way."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    text = _CO2E_RE.sub("CO2e", _CARBON_DIOXIDE_RE.sub("CO2", text))
    return " ".join(text.split())


def _normalise(text: str) -> str:
    text = _SUPERSCRIPT_EXPONENT_RE.sub(lambda m: "10^" + m.group(1).translate(_SUPERSCRIPT_DIGITS), text.strip())
    for _ in range(2):
        text = _FOOTNOTE_TAIL_RE.sub("", text)
    return _fold(_GLUED_WORDS_RE.sub(" ", _OCR_SUBSCRIPT_RE.sub("2", text)))


# Words a PDF printed without gaps ('milliontonnesCO2equivalent'): a scale word or a mass unit glued to
# the next word splits there.
# OCR reads the small subscript 2 of CO2 as '?' or '»'.
_OCR_SUBSCRIPT_RE = re.compile(r"(?<=CO)[?»](?=[\s\-e)]|$)")
_GLUED_WORDS_RE = re.compile(r"(?:(?<=thousand)|(?<=million)|(?<=billion))(?!s\b)(?=[a-zA-Z])|(?<=tonnes)(?=CO)|(?<=\d{3})(?=[A-Za-z])"
                             r"|(?<=tons)(?=CO)|(?<=CO2)(?=equivalent)", re.I)


# ---------------------------------------------------------------- the compiled vocabulary
@dataclass(frozen=True)
class _Entry:
    kind: str
    unit: str
    factor: float


def _build():
    exact: dict[str, dict[str, _Entry]] = {}
    folded: dict[str, dict[str, _Entry]] = {}
    surfaces: dict[str, set[tuple[str, bool]]] = {}
    scales: dict[str, float] = {}
    convert: dict[str, tuple[str, float]] = {}
    for row in VOCAB:
        if row.kind == "canonical":
            continue
        if row.kind == "convert":
            convert[row.surface] = (row.unit, row.factor)
            continue
        surface = _fold(row.surface)
        if row.kind == "scale":
            scales[surface.lower()] = row.factor
            continue
        is_exact = "exact" in row.flags
        table = exact if is_exact else folded
        table.setdefault(surface if is_exact else surface.lower(), {})[row.kind] = _Entry(row.kind, row.unit, row.factor)
        surfaces.setdefault(row.kind, set()).add((surface, is_exact))
    return exact, folded, surfaces, scales, convert


_EXACT, _FOLDED, _SURFACES, _SCALES, _CONVERT = _build()
CONVERTED_UNITS = _CONVERT  # canonical units reported in another unit (megalitres -> m3 x 1000)


def _alternation(*kinds: str) -> str:
    """Longest surface first; exact-case surfaces as written, the others in any case."""
    parts = sorted({p for kind in kinds for p in _SURFACES.get(kind, ())}, key=lambda p: (-len(p[0]), p[0]))
    return "|".join(re.escape(s).replace(r"\ ", r"\s+") if is_exact else "(?i:" + re.escape(s).replace(r"\ ", r"\s+") + ")"
                    for s, is_exact in parts)


def _scale_alternation(words: bool) -> str:
    found = [s for s in _SCALES if not words or len(s) > 2]
    return "|".join(re.escape(s).replace(r"\ ", r"\s+") for s in sorted(found, key=len, reverse=True))


# A unit ends at a non-alphanumeric, or runs into "CO2" (tCO2e, MtCO2e, t-CO2) or a currency's scale (DKKm, $M, $bn).
_UNIT_END = r"(?:(?![A-Za-z0-9])|(?=-?CO2)|(?=(?:[mkbMKB]n?|mln)(?![A-Za-z0-9])))"
_NUMERATOR_KINDS = ("none", "count", "measure", "currency")
_DENOMINATOR_KINDS = ("denominator", "currency", "measure")
_NUMERATOR_RE = re.compile(r"(?:" + _alternation(*_NUMERATOR_KINDS) + ")" + _UNIT_END)
_DENOMINATOR_RE = re.compile(r"(?:" + _alternation(*_DENOMINATOR_KINDS) + ")" + _UNIT_END)
# Scale words before a unit ("million m3", "'000 tonnes", "10,000 yuan", "Trillion (10^12) MJ", "thousands of").
_LEADING_SCALE_RE = re.compile(r"(?i:(?P<word>" + _scale_alternation(True) + r")|10\s?\^\s?(?P<exp>\d{1,2}))"
                               r"(?:(?<=')|(?![A-Za-z0-9]))(?:\s+of\b)?\s*")  # "0000'KWh": a quote ends a scale
# Scale after a currency, glued or not ("DKKm", "$M", "HK$'000", "RMB Ten Thousand", "USD million"), or counted
# out as one of it ("KRW 1 billion", "per HK$ one million").
_CURRENCY_SCALE_RE = re.compile(r"\s?(?:(?:1|one)\s+(?=[A-Za-z]))?(?i:(?P<word>" + _scale_alternation(False) +
                                r"))(?![A-Za-z0-9])")
# Scale word after another unit ("tonnes ('000)", "m3 thousand").
_TRAILING_SCALE_RE = re.compile(r"\s?(?i:(?P<word>" + _scale_alternation(True) + r"))(?![A-Za-z0-9])")
_CO2_SUFFIX_RE = re.compile(r"\s?-?\s?(?:of\s+)?CO2e?(?![A-Za-z0-9])", re.I)
_MASS_TO_EMISSIONS = {"tonne": "tCO2e", "kg": "kgCO2e", "g": "gCO2e"}
_SEPARATOR_RE = re.compile(r"\s*/\s*|\s+per\s+", re.I)
_DECLARATION_RE = re.compile(r"^(?:units?\s*[:：]\s*|in\s+|unit\s+of\s+measure(?:ment)?\s*[:：]?\s*)", re.I)
_QUALIFIER_RE = re.compile(r"[\s,;:.-]*(?:[A-Za-z][A-Za-z.'-]*[\s,;:.-]*){0,6}")
_PER_YEAR_RE = re.compile(r"(?i:years?|yr|annum|fy)")
_GLUED_FOOTNOTE_RE = re.compile(r"(.*[A-Za-z%)])\d{1,2}")
_SCALE_WORDS = {1e3: "thousand", 1e4: "ten thousand", 1e5: "lakh", 1e6: "million", 1e7: "crore",
                1e8: "hundred million", 1e9: "billion", 1e12: "trillion"}


def _lookup(text: str, kinds: tuple[str, ...]) -> _Entry | None:
    for table, key in ((_EXACT, text), (_FOLDED, text.lower())):
        found = table.get(key)
        if found:
            for kind in kinds:
                if kind in found:
                    return found[kind]
    return None


def _scale_value(m: re.Match) -> float:
    if m.groupdict().get("exp"):
        return 10.0 ** int(m.group("exp"))
    return _SCALES[" ".join(m.group("word").lower().split())]


def _scale_word(scale: float) -> str:
    return _SCALE_WORDS.get(scale, f"{scale:g}")


def _quantity(s: str, pattern: re.Pattern, kinds: tuple[str, ...]):
    """(entry or None, unit, factor, rest) of `s`: leading scales, the longest unit, its CO2 suffix and scale."""
    scale, pos, last = 1.0, 0, None
    while m := _LEADING_SCALE_RE.match(s, pos):
        value = _scale_value(m)
        if value != last:  # "Trillion (10^12) MJ" states the scale twice
            scale *= value
        last, pos = value, m.end()
    m = pattern.match(s, pos)
    if m is None:
        return None, "", scale, s[pos:]
    entry = _lookup(" ".join(m.group().split()), kinds)
    if entry is None:
        return None, "", scale, s[pos:]
    unit, factor, pos = entry.unit, scale * entry.factor, m.end()
    if entry.kind == "currency":
        if t := _CURRENCY_SCALE_RE.match(s, pos):
            factor, pos = factor * _scale_value(t), t.end()
    elif entry.kind == "measure":
        if unit in _MASS_TO_EMISSIONS and (t := _CO2_SUFFIX_RE.match(s, pos)):
            unit, pos = _MASS_TO_EMISSIONS[unit], t.end()
        if t := _TRAILING_SCALE_RE.match(s, pos):
            factor, pos = factor * _scale_value(t), t.end()
    if pos < len(s) and (s[pos].isalnum() or s[pos] == "'"):
        return None, "", scale, s  # ran into more letters: "tm", "gross"
    return entry, unit, factor, s[pos:]


_DENOMINATOR_FILLER_RE = re.compile(r"^(?:(?:net\s+)?(?:revenues?|sales|turnover)|revenue\s+of)\s+(?=\S)", re.I)


def _denominator(text: str) -> str | None:
    """A denominator as the gold writes it; "" for a per-year annual amount; None when not understood."""
    text = _DENOMINATOR_FILLER_RE.sub("", text.strip(" ,;:.-"))  # "MWh/revenue $M": per $M of revenue
    if _PER_YEAR_RE.fullmatch(text):
        return ""
    entry, unit, factor, rest = _quantity(text, _DENOMINATOR_RE, _DENOMINATOR_KINDS)
    if entry is None or not _QUALIFIER_RE.fullmatch(rest):  # "of production", "revenue", "withdrawn"
        return None
    if entry.kind == "currency":
        return unit if factor == 1 else f"{unit} {_scale_word(factor)}"
    return unit if factor == 1 else f"{_scale_word(factor)} {unit}"


def _unbracket(s: str) -> str:
    while len(s) > 1 and s[0] in "([" and s[-1] in ")]" and _balanced(s[1:-1]):
        s = s[1:-1].strip()
    return " ".join(s.replace("(", " ").replace(")", " ").replace("[", " ").replace("]", " ").split())


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        depth += ch in "(["
        depth -= ch in ")]"
        if depth < 0:
            return False
    return depth == 0


def _parse(text: str, strict: bool, surface: str = "") -> UnitSpec | None:
    surface = surface or text.strip()
    s = _DECLARATION_RE.sub("", _unbracket(_normalise(text)))
    if not s:
        return None
    entry, unit, factor, rest = _quantity(s, _NUMERATOR_RE, _NUMERATOR_KINDS)
    if entry is None:
        if factor == 1 or rest.strip(" ,;:.-") and (strict or not _QUALIFIER_RE.fullmatch(rest)):
            m = _GLUED_FOOTNOTE_RE.fullmatch(s)  # "MWh3": a glued footnote marker
            return _parse(m.group(1), strict, surface) if m else None
        return UnitSpec("", factor, surface)  # a bare scale: "in thousands", "'000"
    if entry.kind == "none":
        return None
    parts = _SEPARATOR_RE.split(rest)
    own = parts[0].strip(" ,;:.-")
    if own and (strict or not _QUALIFIER_RE.fullmatch(own)):  # "t withdrawn", "% of total"
        m = _GLUED_FOOTNOTE_RE.fullmatch(s)
        return _parse(m.group(1), strict, surface) if m else None
    if unit in _CONVERT:  # megalitres -> m3 x 1000
        unit, by = _CONVERT[unit]
        factor *= by
    for part in parts[1:]:
        den = _denominator(part)
        if den is None:
            return None
        if den:
            unit = f"{unit}/{den}"
        elif "/" in unit:
            unit = f"{unit}/year"  # "tCO2e/m2/year": a yearly intensity keeps its year; "t/year" is a plain amount
    return UnitSpec(unit, factor, surface)


def parse_unit(text: str) -> UnitSpec | None:
    """A unit cell or unit phrase as printed ("MtCO2e", "Tonnes CO2e/DKKm", "1,000 kL", "#", "(mt)"); None when
    it states no unit (an index, a score, a blank or a dash). Words after a unit qualify it ("t withdrawn")."""
    return _parse(text, strict=False)


# ---------------------------------------------------------------- rates per exposure
# An incident rate: "0.11 per million hours worked", "(per 200,000 hours worked)", "per 100 employees".
RATE_RE = re.compile(r"\s*per\s+(?P<base>(?:(?:one|1)\s+)?(?:million|thousand|hundred)|\d{1,3}(?:,\d{3})+|\d+)\s+"
                     r"(?P<what>(?:man-|person-|working\s+|work\s+)?hours|employees|workers|staff|people|persons)"
                     r"(?:\s+worked)?\b", re.I)
_RATE_BASES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}


def rate_unit(rate: re.Match) -> str:
    """One spelling per rate, as the gold writes it: the base in digits, and hours as hours worked
    ("per million man-hours" -> "per 1000000 hours worked", "per 200,000 hours" -> "per 200000 hours worked")."""
    what = re.sub(r"^(?:man-|person-|working\s+|work\s+)", "", rate.group("what").lower())
    base = re.sub(r"^(?:one|1)\s+", "", rate.group("base").lower())
    number = _RATE_BASES.get(base) or int(base.replace(",", ""))
    return f"per {number} {'hours worked' if what == 'hours' else what}"


def rate_in_label(label: str) -> UnitSpec | None:
    """The rate a row label states: "Total recordable injury frequency (per 200,000 hours worked)"."""
    m = RATE_RE.search(label)
    return UnitSpec(rate_unit(m), 1.0, m.group().strip()) if m else None


# ---------------------------------------------------------------- row labels
_LABEL_TAIL_RE = re.compile(r"(?:\s*(?:\*+|[†‡§]+|[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\[\d{1,2}\]|\(\d{1,2}\)))*\s*$")
_COMMA_UNIT_RE = re.compile(r"\s*,\s*(?P<unit>[^,()]+?)\s*$")
_IN_UNIT_RE = re.compile(r"\s+in\s+(?P<unit>[^()]+?)\s*$", re.I)
_LAST_TOKEN_RE = re.compile(r"\s+(?P<unit>\S+)\s*$")


def _symbol_like(token: str) -> bool:
    """A bare last token counts as a unit only when it looks like a symbol: "tCO2e", "MWh", "m3", "%", "t", "kg"."""
    return len(token) <= 2 or not token[0].isalpha() or any(not c.islower() for c in token[1:])


_CLOSING = {")": "(", "]": "["}


def _parentheses(text: str):
    """(start, end) of each top-level bracketed group, last first: "(MWh)", and the square brackets of
    European tables, "[ML]", "[tCO2e]"."""
    found, stack = [], []
    for i, ch in enumerate(text):
        if ch in "([":
            stack.append((ch, i))
        elif ch in _CLOSING and stack and stack[-1][0] == _CLOSING[ch]:
            start = stack.pop()[1]
            if not stack:
                found.append((start, i + 1))
    return reversed(found)


def unit_in_label(label: str) -> tuple[UnitSpec, tuple[int, int]] | None:
    """The unit a row label states, and its span: "Energy (GJ)", "Water intensity (m3/million SGD revenue)",
    "Energy consumption, MWh", "Water withdrawal in megalitres". `label[:start] + label[end:]` is the label
    without the unit (the span takes the space or comma before it and footnote markers after it)."""
    end = len(label) - len(_LABEL_TAIL_RE.search(label).group())
    for start, stop in _parentheses(label):
        inner = label[start + 1:stop - 1]
        spec = _parse(inner, strict=False)
        if spec is None and "," in inner:  # "(MWh, 2023 restated)": the unit, then a note
            spec = _parse(inner.split(",")[0], strict=True)
        if spec is not None:
            while start > 0 and label[start - 1].isspace():
                start -= 1
            return spec, (start, len(label) if stop >= end else stop)
    body = label[:end]
    for pattern in (_COMMA_UNIT_RE, _IN_UNIT_RE, _LAST_TOKEN_RE):
        m = pattern.search(body)
        if m is None or m.start() == 0:
            continue
        if pattern is _LAST_TOKEN_RE and not _symbol_like(m.group("unit")):
            continue
        spec = _parse(m.group("unit"), strict=True)
        if spec is None or (pattern is _IN_UNIT_RE and spec.unit == "count"):  # "investment in people"
            continue
        if spec.unit or pattern is not _LAST_TOKEN_RE:
            return UnitSpec(spec.unit, spec.factor, m.group("unit")), (m.start(), len(label))
    return None


# ---------------------------------------------------------------- captions
_UNIT_DECLARATION_RE = re.compile(r"\bunits?\s*[:：]\s*(?P<unit>[^)\]；;\n]+)", re.I)
_IN_PHRASE_RE = re.compile(r"\bin\s+(?P<unit>[^()\n;,]+)", re.I)
_BARE_SCALE_RE = re.compile(r"(?<![\d,.])['’]000(?![\d,])|\b000s\b")


def caption_scale(text: str) -> UnitSpec | None:
    """A unit or scale a caption or header declares: "(Unit: 10,000 yuan)" -> CNY x1e4, "HK$'000" -> HKD x1000,
    "(million tonnes CO2 equivalent)" -> tCO2e x1e6, "in thousands" -> UnitSpec("", 1000, ...)."""
    whole = _parse(text, strict=True)
    if whole is not None:
        return whole
    for m in _UNIT_DECLARATION_RE.finditer(text):
        spec = _parse(m.group("unit"), strict=False)
        if spec is not None:
            return spec
    in_label = unit_in_label(text)  # "Revenue (HK$'000)", "Revenue, RMB'000", "Energy use in GJ"
    if in_label is not None:
        return in_label[0]
    for m in _IN_PHRASE_RE.finditer(text):  # "Figures in thousands of euros"; not "investment in people"
        spec = _parse(m.group("unit"), strict=False)
        if spec is not None and spec.unit != "count" and (spec.unit or spec.factor != 1):
            return spec
    m = _BARE_SCALE_RE.search(text)
    return UnitSpec("", 1e3, m.group()) if m else None


# ---------------------------------------------------------------- context
# GHG tables print plain "tonnes": under a heading or label about GHG they are tonnes of CO2e. Not for named
# pollutants and gases (bp's methane in Mt stays tonnes), waste, or coal and fuel in tonnes.
_GHG_CONTEXT_RE = re.compile(r"\b(?:GHG|greenhouse|CO2e?|scope\s*[123]|carbon\s+(?:emissions?|footprint|intensity))\b", re.I)
_EMISSIONS_CONTEXT_RE = re.compile(r"\bemissions?\b", re.I)
_NOT_CO2E_CONTEXT_RE = re.compile(
    r"\b(?:methane|CH4|N2O|nitrous|SOx|NOx|SO2|NO2|VOCs?|particulates?|PM\s?(?:2\.5|10)?|dust|HFCs?|PFCs?|SF6|NF3|"
    r"refrigerants?|ozone|waste|standard\s+coal|coal\s+equivalent|tce|nitrogen|sulph\w*|sulf\w*|hydrocarbons?|"
    r"flar(?:ing|ed)|COD|discharg\w*|water|to\s+air|air\s+emissions?|pollutants?)\b", re.I)
_FUEL_CONTEXT_RE = re.compile(r"\b(?:energy|fuel|coal|diesel|gasoline|petrol|LPG|gas\s+oil|natural\s+gas)\b", re.I)


_SCOPE_RE = re.compile(r"\bscope\s*[123]\b", re.I)
_GAS_LIST_RE = re.compile(r"\b(?:co2|ch4|n2o|hfcs?|pfcs?|sf6|nf3|methane|nitrous)\b")
_GAS_LIST_PAIR_RE = re.compile(rf"{_GAS_LIST_RE.pattern},\s*{_GAS_LIST_RE.pattern}")


def contextual_unit(spec: UnitSpec, context: str) -> UnitSpec:
    """tonne -> tCO2e (same factor) when the label or heading is about GHG emissions; anything else unchanged."""
    if spec.unit != "tonne" and not spec.unit.startswith("tonne/"):
        return spec
    context = _fold(context)
    blocking = [m.group().lower() for m in _NOT_CO2E_CONTEXT_RE.finditer(context)]
    # 'Total Scope 1 emissions (CO2, CH4, N2O, HFCs, SF6)': a list of the gases names what a total covers;
    # one gas named ('Scope 1 – SF6') is weighed in its own mass
    if blocking and not (_SCOPE_RE.search(context) and _GAS_LIST_PAIR_RE.search(context.lower())
                         and all(_GAS_LIST_RE.fullmatch(b) for b in blocking)):
        return spec
    if _GHG_CONTEXT_RE.search(context) or (_EMISSIONS_CONTEXT_RE.search(context) and not _FUEL_CONTEXT_RE.search(context)):
        return UnitSpec("tCO2e" + spec.unit[len("tonne"):], spec.factor, spec.surface)
    return spec
