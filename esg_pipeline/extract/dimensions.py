"""What a figure is a part of: its concept refined (GHG scope) and its dimension members, read from a
table row's label path or a sentence, with the taxonomy's dimensions as vocabulary.

Each rule is a small named function over the figure's evidence; `assign_dimensions` runs them in
order and notes in the trace which rule set what. A member is kept only for a dimension its concept
takes (`dimensions:` in taxonomy.yaml): 'women' makes a headcount a gender member, never a share
of women employees.

    "Direct GHG emissions (Scope 1)"                      -> ghg_scope1, the total
    "Breakdown by business" › "Scope 1 – Upstream"        -> ghg_scope1, segment Upstream
    "... (Scope 3 Category 11)"                           -> ghg_scope3, scope3_category 11
    "New recruitment" › "Male"                            -> new_hires, gender male
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from esg_pipeline.extract.metric import Metric
from esg_pipeline.taxonomy import Dimension, Indicator, load_dimensions, load_measure_words, load_taxonomy

PATH_SEPARATOR = " › "  # how a table metric's subject joins its row-label path (extract/tables.py)
GHG_FAMILY = "ghg_emissions"  # the concept whose figures the scope rules split into ghg_scope1/2/3
SCOPE_CONCEPTS = {"1": "ghg_scope1", "2": "ghg_scope2", "3": "ghg_scope3"}

# 'Scope 1', 'Scope II', 'Scope 3¹' / 'Scope 31' (a footnote glued on: there is no scope 31)
_SCOPE = r"(?:[123]|iii|ii|i)"
SCOPE_RE = re.compile(rf"\bscope\s*({_SCOPE})(?:\d|[¹²³⁴⁵⁶⁷⁸⁹])?\b(?!\s*(?:and|&|\+|,|/|-|–)\s*(?:scope\s*)?{_SCOPE}\b)", re.I)
MANY_SCOPES_RE = re.compile(rf"\bscopes?\s*{_SCOPE}\s*(?:and|&|\+|,|/|-|–)\s*(?:scope\s*)?{_SCOPE}\b", re.I)
ROMAN_SCOPES = {"i": "1", "ii": "2", "iii": "3"}
SCOPE3_CATEGORY_RE = re.compile(r"\bcategor(?:y|ies)\s*(?:1[0-5]|[1-9])\b", re.I)  # only Scope 3 has categories
# GHG Protocol wording without the word 'scope': at the start of a label, anywhere in a prose clause
_GHG = r"(?:ghg|greenhouse\s+gas|carbon|co2)?\s*emissions?\b"
WORDED_SCOPE = (
    (re.compile(rf"(?:^|(?<=\bour\s)|(?<=\bthe\s))(?:total\s+)?direct\s+{_GHG}", re.I), "1"),
    (re.compile(rf"(?:^|(?<=\bour\s)|(?<=\bthe\s))(?:total\s+)?energy[\s-]+indirect\s+{_GHG}", re.I), "2"),
    (re.compile(rf"(?:^|(?<=\bour\s)|(?<=\bthe\s))(?:total\s+)?other\s+indirect\s+{_GHG}", re.I), "3"),
)
# 'by business', 'breakdown by region', 'by age group': the rows below are members of a dimension
BREAKDOWN_RE = re.compile(r"\b(?:by|per|across)\s+(?P<what>[a-z][a-z ]{1,40}?)(?:\s+and\s+[a-z ]+)?(?:\s*\(|$|,|:)", re.I)
# text that is no member: units in brackets, CO2 equivalence, footnote markers
UNIT_BRACKET_RE = re.compile(r"\((?:[^()]*\b(?:tonnes?|tons?|kg|mwh|gwh|gj|tj|m3|m³|litres?|%|percent|co2e?|"
                             r"equivalent|unit|million|thousand|number|no\.|hours?|people|persons)\b[^()]*)\)", re.I)
CO2E_RE = re.compile(r"\bco2[\s-]*(?:e\b|eq\b|equivalent\b)|\bco2e\b|\btco2e?\b", re.I)
DASH_SPLIT_RE = re.compile(r"\s+[–—-]\s+|:\s+")
MAX_PROSE_MEMBER_WORDS = 6
# dimensions whose members are open (any business unit, site or country), though some have names
FREE_MEMBER_DIMENSIONS = frozenset({"segment", "site", "region"})
RESTATED_RE = re.compile(r"\brestat(?:ed|ement)\b", re.I)


@dataclass
class Evidence:
    """What a figure's dimensions are read from: its own label and the group labels above it (tables),
    or its counted noun and sentence (prose)."""
    label: str  # the row's own label, or the counted noun
    parents: tuple[str, ...]  # group rows above the label, nearest last (tables only)
    sentence: str  # the sentence, or the table row as quoted with its column header
    is_table: bool

    @property
    def path(self) -> tuple[str, ...]:
        """Nearest first: the label, then the groups above it."""
        return (self.label, *reversed(self.parents))

    @property
    def column(self) -> str:
        """A table cell's column header as quoted ('Workplace injuries [2023 Contractors]: 7'), else ''."""
        m = COLUMN_IN_QUOTE_RE.search(self.sentence) if self.is_table else None
        return m.group(1) if m else ""


COLUMN_IN_QUOTE_RE = re.compile(r"\[([^\[\]]*)\]: [^\[\]]*$")


def evidence(metric: Metric) -> Evidence:
    if metric.method == "table_cell":
        parts = tuple(p for p in metric.subject.split(PATH_SEPARATOR) if p)
        return Evidence(parts[-1] if parts else "", parts[:-1], metric.quote, True)
    return Evidence(metric.subject or "", (), metric.quote or "", False)


@dataclass(frozen=True)
class _Vocabulary:
    dimensions: dict[str, Dimension]
    member_res: dict[str, list[tuple[re.Pattern, str]]]  # dimension -> (phrase regex, member), longest first
    patterns: dict[str, re.Pattern]
    breakdown: list[tuple[re.Pattern, str]]  # breakdown words -> dimension
    concepts: dict[str, Indicator]
    measure_words: frozenset[str]
    # dimension -> one pattern of all its member phrases: a text none of them is in (most labels) costs one
    # search, not one per phrase; the ordered phrase list then picks the member as before
    member_any: dict[str, re.Pattern] = field(default_factory=dict)
    found: dict[tuple[str, str], str | None] = field(default_factory=dict)  # (text, dimension) -> member
    # concept id -> the dimensions it takes, in the vocabulary's order: what `_takes` says of each dimension
    taken: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _phrase_re(phrase: str) -> re.Pattern:
    return re.compile(r"(?<![\w-])" + re.escape(phrase).replace(r"\ ", r"\s+") + r"(?![\w-])", re.I)


@lru_cache(maxsize=1)
def vocabulary() -> _Vocabulary:
    dimensions = {d.id: d for d in load_dimensions()}
    member_res = {
        d.id: sorted(((_phrase_re(p), m) for m, phrases in d.members for p in phrases),
                     key=lambda pm: -len(pm[0].pattern))
        for d in dimensions.values() if d.members}
    patterns = {d.id: re.compile(d.pattern, re.I) for d in dimensions.values() if d.pattern}
    breakdown = sorted(((_phrase_re(w), d.id) for d in dimensions.values() for w in d.breakdown),
                       key=lambda wd: -len(wd[0].pattern))
    member_any = {d: re.compile("|".join(f"(?:{p.pattern})" for p, _ in res), re.I) for d, res in member_res.items()}
    concepts = {i.id: i for i in load_taxonomy()}
    taken = {c.id: tuple(d for d in dimensions if d in c.dimensions) for c in concepts.values()}
    return _Vocabulary(dimensions, member_res, patterns, breakdown, concepts, load_measure_words(), member_any,
                       taken=taken)


# --- rules ---------------------------------------------------------------------------------------
# Each rule takes (metric, evidence, vocabulary) and returns what it set, for the trace, or None.

Rule = Callable[[Metric, Evidence, _Vocabulary], str | None]


def _scope_of(text: str) -> str | None:
    if MANY_SCOPES_RE.search(text):
        return None  # 'Scope 1 and 2' together: no single scope
    scopes = {ROMAN_SCOPES.get(m.group(1).lower(), m.group(1)) for m in SCOPE_RE.finditer(text)}
    if len(scopes) == 1:
        return scopes.pop()
    for pattern, scope in WORDED_SCOPE:
        if pattern.search(text.strip()):
            return scope
    return None


def _prose_scope_text(metric: Metric, ev: Evidence) -> str:
    """The counted noun and the words of the sentence before the figure (its own clause's scope)."""
    at = ev.sentence.find(metric.raw) if metric.raw else -1
    before = ev.sentence[:at] if at >= 0 else ev.sentence
    clause = re.split(r"[;.]|,\s+(?:and|while|whereas|but)\s+", before)[-1]
    return f"{ev.label} {clause}"


def _last_scope(text: str) -> str | None:
    """In prose, the scope named last before the figure: 'Scope 1 was 70 Mt and Scope 2 was 10 Mt'
    gives 10 Mt Scope 2; 'Scope 1 and 2 emissions of 80 Mt' no single scope."""
    mentions = [(m.start(), None) for m in MANY_SCOPES_RE.finditer(text)]
    mentions += [(m.start(), ROMAN_SCOPES.get(m.group(1).lower(), m.group(1))) for m in SCOPE_RE.finditer(text)]
    if not mentions:
        return _scope_of(text)
    return max(mentions)[1]


def rule_ghg_scope(metric: Metric, ev: Evidence, vocab: _Vocabulary) -> str | None:
    """Rule `ghg-scope`: a GHG figure whose own label (else the nearest group above it; in prose the
    scope named last before it) names one scope is that scope's concept; 'Scope 1 and 2' together
    stays ghg_emissions."""
    if metric.indicator != GHG_FAMILY:
        return None
    if not ev.is_table:
        scope = _scope_of(ev.label) or _last_scope(_prose_scope_text(metric, ev))
        return _set_concept(metric, SCOPE_CONCEPTS[scope], vocab) if scope else None
    for text in ev.path:
        if MANY_SCOPES_RE.search(text):
            return None
        scope = _scope_of(text)
        if scope is not None:
            return _set_concept(metric, SCOPE_CONCEPTS[scope], vocab)
    if SCOPE3_CATEGORY_RE.search(ev.label):  # '(Category 1)' under 'Breakdown by scope'
        return _set_concept(metric, SCOPE_CONCEPTS["3"], vocab)
    return None


def _set_concept(metric: Metric, concept_id: str, vocab: _Vocabulary) -> str:
    concept = vocab.concepts[concept_id]
    metric.indicator, metric.hkex_kpi, metric.gri = concept.id, concept.hkex_kpi, concept.gri
    return f"concept={concept.id}"


def _member_text(label: str) -> str:
    """A row label as a member name: units in brackets, CO2e and footnote marks off; 'Scope 1 – Upstream'
    keeps the part that does not name the scope."""
    text = UNIT_BRACKET_RE.sub(" ", label)
    parts = [p for p in DASH_SPLIT_RE.split(text) if p.strip()]
    if len(parts) > 1:
        parts = [p for p in parts if not SCOPE_RE.search(p) and not re.search(r"\bscope\b", p, re.I)] or parts
        text = parts[-1]
    return " ".join(text.replace("*", " ").split()).strip(" .:;,-–•·")


def _takes(metric: Metric, dimension: str, vocab: _Vocabulary) -> bool:
    concept = vocab.concepts.get(metric.indicator)
    return concept is not None and dimension in concept.dimensions


def _vocab_member(text: str, dimension: str, vocab: _Vocabulary) -> str | None:
    """The member of `dimension` that `text` names; labels repeat across a row's columns, so each (text,
    dimension) is read once."""
    key = (text, dimension)
    if key in vocab.found:
        return vocab.found[key]
    member = vocab.found[key] = _read_member(text, dimension, vocab)
    if len(vocab.found) > 100_000:
        vocab.found.clear()
    return member


def _read_member(text: str, dimension: str, vocab: _Vocabulary) -> str | None:
    any_member = vocab.member_any.get(dimension)
    if any_member is not None and any_member.search(text):
        for pattern, member in vocab.member_res[dimension]:
            if pattern.search(text):
                return member
    regex = vocab.patterns.get(dimension)
    if regex is not None and (m := regex.search(text)):
        found = {k: v for k, v in m.groupdict().items() if v}
        for group, template in vocab.dimensions[dimension].formats:
            if group in found:
                return template.format(**found)
        return "-".join(g for g in m.groups() if g) if m.groups() else m.group()
    return None


def _free_member(text: str, dimension: str, vocab: _Vocabulary) -> str | None:
    """A breakdown row's own label as a member of a dimension without a closed list (a business unit, a
    country): not when it names a measure ('Energy intensity') or another dimension's member ('Male')."""
    words = set(re.findall(r"[a-z0-9]+", text.lower()))
    if not words or words & vocab.measure_words or not re.search(r"[A-Za-z]", text) or text.count("(") != text.count(")"):
        return None
    if any(_vocab_member(text, other, vocab) for other in vocab.member_res if other != dimension):
        return None
    return text


def _breakdown_words(text: str) -> str | None:
    """What a 'by ...' group label breaks down by ('business' in 'GHG emissions by business (Scope 1
    and 2)'), or None for a label that is no breakdown."""
    m = BREAKDOWN_RE.search(text)
    return m.group("what") if m else None


def _breakdown_dimension(words: str, vocab: _Vocabulary) -> str | None:
    for pattern, dimension in vocab.breakdown:
        if pattern.search(words):
            return dimension
    return None


def rule_breakdown_member(metric: Metric, ev: Evidence, vocab: _Vocabulary) -> str | None:
    """Rule `breakdown-member`: the rows right under a group 'by business' / 'by region' / 'by age
    group' are members of that dimension, each row's own label (cleaned) its member. Rows under a
    measure row below the breakdown ('Total water withdrawal' › 'Groundwater') are that measure's
    parts, and a breakdown by something that is no dimension ('by type of hire') sets nothing."""
    if not ev.is_table or not ev.parents:
        return None
    words = _breakdown_words(ev.parents[-1])
    if words is None:
        return None
    dimension = _breakdown_dimension(words, vocab)
    if dimension is None or dimension in metric.dimensions or not _takes(metric, dimension, vocab):
        return None
    text = _member_text(ev.label)
    member = _vocab_member(text, dimension, vocab)
    if member is None and (not vocab.dimensions[dimension].members or dimension in FREE_MEMBER_DIMENSIONS):
        member = _free_member(text, dimension, vocab)
    if member:
        metric.dimensions[dimension] = member
        return f"{dimension}={member}"
    return None


def rule_vocabulary_members(metric: Metric, ev: Evidence, vocab: _Vocabulary) -> str | None:
    """Rule `vocabulary-member`: member words of the dimensions the concept takes, in the row's label, the
    groups above it or its column header (tables), or in the counted noun (prose): 'Female', 'Under 30', 'Contractors',
    'Location-based', 'Category 11', 'Methane (CH4)'."""
    if not ev.is_table and len(ev.label.split()) > MAX_PROSE_MEMBER_WORDS:
        return None  # a long counted noun is a description, not a breakdown
    texts = (*ev.path, ev.column) if ev.is_table else (ev.label,)  # '2023 Contractors' over a column
    set_now = []
    for dimension in vocab.taken.get(metric.indicator, ()):
        if dimension in metric.dimensions:
            continue
        for text in texts:
            cleaned = CO2E_RE.sub(" ", UNIT_BRACKET_RE.sub(" ", text)) if dimension == "gas" else text
            member = _vocab_member(cleaned, dimension, vocab)
            if member:
                metric.dimensions[dimension] = member
                set_now.append(f"{dimension}={member}")
                break
    return ", ".join(set_now) or None


def rule_restated(metric: Metric, ev: Evidence, vocab: _Vocabulary) -> str | None:
    """Rule `restated`: a figure whose label, column header or clause says it is restated."""
    if metric.basis != "reported" or not _may_say_restated(metric):
        return None
    text = " ".join(ev.path) + " " + (ev.sentence if ev.is_table else _prose_scope_text(metric, ev))
    if RESTATED_RE.search(text):
        metric.basis = "restated"
        return "basis=restated"
    return None


def _may_say_restated(metric: Metric) -> bool:
    """False only when RESTATED_RE cannot match: the evidence texts are pieces of the subject and the quote, and
    a match, ignoring case, is 'restat' lower-cased or holds the long s that matches 's'."""
    return any("restat" in low or "ſ" in low for low in ((metric.quote or "").lower(), (metric.subject or "").lower()))


RULES: tuple[tuple[str, Rule], ...] = (
    ("ghg-scope", rule_ghg_scope),
    ("breakdown-member", rule_breakdown_member),
    ("vocabulary-member", rule_vocabulary_members),
    ("restated", rule_restated),
)


def assign_dimensions(metric: Metric, trace=None) -> None:
    """Run the rules in order on one metric; each may refine its concept, add members or set its basis."""
    vocab = vocabulary()
    ev = evidence(metric)
    for name, rule in RULES:
        outcome = rule(metric, ev, vocab)
        if outcome and trace is not None:
            trace.add(f"line {metric.line}: {' '.join(metric.raw.split())}  {outcome}", "set", name)
