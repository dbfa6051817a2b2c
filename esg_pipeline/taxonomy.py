"""The taxonomy (esg_pipeline/taxonomy.yaml), the one source of truth for what a figure is:
concepts (called indicators in the warehouse: ids, units, matching keywords, whether they add up,
their framework references with versions and effective dates) and the dimensions a figure can be
broken down by (scope 2 method, scope 3 category, segment, site, region, gender, age band...).
A new concept, mapping or dimension member is an edit of the YAML, not of code."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

UNIT_KINDS = frozenset(
    {"money", "energy", "emissions", "mass", "volume", "length", "area", "time", "percent", "count", "power", "ratio",
     "concentration"}
)
TAXONOMY_PATH = Path(__file__).with_name("taxonomy.yaml")
FRAMEWORKS = frozenset({"HKEX", "GRI", "IFRS_S2", "ESRS"})
REQUIREMENTS = frozenset({"mandatory", "comply_or_explain", "disclose", "voluntary"})
# Dimensions a concept takes unless it lists its own: where it happened, never who (a figure of women
# employees is a gender member only for concepts that say they are broken down by gender).
DEFAULT_DIMENSIONS = ("segment", "site", "region")
# Where a framework reference comes from when a concept gives only its hkex_kpi / gri field.
HKEX_GUIDE = {"version": "2020", "effective_from": dt.date(2020, 7, 1), "requirement": "comply_or_explain", "part": "C"}
GRI_STANDARDS = {"version": "2016", "effective_from": dt.date(2018, 7, 1), "requirement": "disclose", "part": None}


@dataclass(frozen=True)
class FrameworkRef:
    """A concept's place in a reporting framework: a reference only, never the framework's text."""
    framework: str  # HKEX | GRI | IFRS_S2 | ESRS
    reference: str  # 'A1.2', '305-1', '29(a)(i)(1)', 'E1-6'
    version: str
    requirement: str  # mandatory | comply_or_explain | disclose | voluntary
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    part: str | None = None  # HKEX Part C (KPIs) or Part D (climate)

    def to_dict(self, concept_id: str) -> dict:
        return {"indicator_id": concept_id, "framework": self.framework, "reference": self.reference,
                "version": self.version, "requirement": self.requirement, "part": self.part,
                "effective_from": self.effective_from, "effective_to": self.effective_to}


@dataclass(frozen=True)
class Dimension:
    """What a figure is broken down by; members are read from row labels and sentences."""
    id: str
    name: str
    members: tuple[tuple[str, tuple[str, ...]], ...] = ()  # member id -> phrases
    pattern: str | None = None  # a regex whose groups, joined by '-', give the member
    breakdown: tuple[str, ...] = ()  # words of a "by ..." heading whose rows are this dimension's members
    formats: tuple[tuple[str, str], ...] = ()  # named group of `pattern` -> the member's format

    @property
    def column(self) -> str:
        return f"dim_{self.id}"


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    hkex_kpi: str | None
    gri: str | None
    canonical_unit: str
    unit_kind: str
    description: str
    subject_keywords: tuple[str, ...] = field(default=())
    keywords: tuple[str, ...] = field(default=())
    requires: tuple[str, ...] = field(default=())
    verb_keywords: tuple[str, ...] = field(default=())
    keyword_zones: tuple[str, ...] = field(default=())
    requires_zones: tuple[str, ...] = field(default=())
    # stems that rule the indicator out when the counted noun has them ("rural teachers" trained by a
    # community fund are not the company's trained employees); extractor-only, not a warehouse column
    excludes: tuple[str, ...] = field(default=())
    # stems of which the counted noun must hold one ("students", "households": recipients, not masks
    # or trucks, for a beneficiary count); extractor-only
    subject_requires: tuple[str, ...] = field(default=())
    additive: bool = False  # a total is the sum of its parts (tonnes, MWh, people; not rates or shares)
    headline: str | None = None  # the name of the comparable headline metric this concept's total is
    dimensions: tuple[str, ...] = DEFAULT_DIMENSIONS  # what its figures can be broken down by
    references: tuple[FrameworkRef, ...] = ()

    def to_dict(self) -> dict:
        """Warehouse row: keyword lists joined so the table stays flat."""
        row = {k: getattr(self, k) for k in ("id", "name", "hkex_kpi", "gri", "canonical_unit", "unit_kind", "description",
                                             "additive", "headline")}
        row["dimensions"] = ", ".join(self.dimensions)
        for k in ("subject_keywords", "keywords", "requires", "verb_keywords", "keyword_zones", "requires_zones"):
            row[k] = ", ".join(getattr(self, k))
        return row


class TaxonomyError(ValueError):
    pass


def _date(value, where: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise TaxonomyError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from exc


def _reference(raw: dict, concept: str) -> FrameworkRef:
    where = f"indicator {concept!r} reference {raw.get('ref')!r}"
    missing = {"framework", "ref", "version"} - raw.keys()
    if missing:
        raise TaxonomyError(f"{where} lacks {sorted(missing)}")
    if raw["framework"] not in FRAMEWORKS:
        raise TaxonomyError(f"{where}: unknown framework {raw['framework']!r} (one of {sorted(FRAMEWORKS)})")
    requirement = raw.get("requirement", "disclose")
    if requirement not in REQUIREMENTS:
        raise TaxonomyError(f"{where}: unknown requirement {requirement!r} (one of {sorted(REQUIREMENTS)})")
    return FrameworkRef(raw["framework"], str(raw["ref"]), str(raw["version"]), requirement,
                        _date(raw.get("effective_from"), where), _date(raw.get("effective_to"), where),
                        None if raw.get("part") is None else str(raw["part"]))


def _references(raw: dict) -> tuple[FrameworkRef, ...]:
    """The concept's listed references, plus the HKEX guide KPI and the GRI disclosure of its
    hkex_kpi / gri fields unless listed already."""
    refs = [_reference(r, raw["id"]) for r in raw.get("references") or ()]
    listed = {(r.framework, r.reference) for r in refs}
    if raw.get("hkex_kpi") and ("HKEX", raw["hkex_kpi"]) not in listed:
        refs.append(FrameworkRef("HKEX", raw["hkex_kpi"], **HKEX_GUIDE))
    if raw.get("gri") is not None and ("GRI", str(raw["gri"])) not in listed:
        refs.append(FrameworkRef("GRI", str(raw["gri"]), **GRI_STANDARDS))
    return tuple(refs)


def _indicator(raw: dict, dimension_ids: frozenset[str]) -> Indicator:
    missing = {"id", "name", "canonical_unit", "unit_kind", "description"} - raw.keys()
    if missing:
        raise TaxonomyError(f"indicator {raw.get('id')!r} lacks {sorted(missing)}")
    if raw["unit_kind"] not in UNIT_KINDS:
        raise TaxonomyError(f"indicator {raw['id']!r}: unknown unit_kind {raw['unit_kind']!r}")
    dimensions = tuple(raw.get("dimensions") or DEFAULT_DIMENSIONS)
    unknown = set(dimensions) - dimension_ids
    if unknown:
        raise TaxonomyError(f"indicator {raw['id']!r}: unknown dimensions {sorted(unknown)}")
    return Indicator(
        id=raw["id"],
        name=raw["name"],
        hkex_kpi=raw.get("hkex_kpi"),
        gri=None if raw.get("gri") is None else str(raw["gri"]),
        canonical_unit=raw["canonical_unit"],
        unit_kind=raw["unit_kind"],
        description=raw["description"],
        subject_keywords=tuple(k.lower() for k in raw.get("subject_keywords") or ()),
        keywords=tuple(k.lower() for k in raw.get("keywords") or ()),
        requires=tuple(k.lower() for k in raw.get("requires") or ()),
        verb_keywords=tuple(k.lower() for k in raw.get("verb_keywords") or ()),
        keyword_zones=tuple(raw.get("keyword_zones") or ()),
        requires_zones=tuple(raw.get("requires_zones") or ()),
        excludes=tuple(k.lower() for k in raw.get("excludes") or ()),
        subject_requires=tuple(k.lower() for k in raw.get("subject_requires") or ()),
        additive=bool(raw.get("additive", False)),
        headline=raw.get("headline"),
        dimensions=dimensions,
        references=_references(raw),
    )


def _dimension(raw: dict) -> Dimension:
    if "id" not in raw or not re.fullmatch(r"[a-z][a-z0-9_]*", str(raw["id"])):
        raise TaxonomyError(f"dimension {raw.get('id')!r}: an id of lower-case letters, digits and _ is required")
    pattern = raw.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise TaxonomyError(f"dimension {raw['id']!r}: bad pattern: {exc}") from exc
    members = tuple((str(m), tuple(p.lower() for p in phrases)) for m, phrases in (raw.get("members") or {}).items())
    formats = tuple((str(g), str(f)) for g, f in (raw.get("formats") or {}).items())
    if formats and pattern is not None:
        unknown = {g for g, _ in formats} - set(re.compile(pattern).groupindex)
        if unknown:
            raise TaxonomyError(f"dimension {raw['id']!r}: formats name groups the pattern lacks: {sorted(unknown)}")
    return Dimension(raw["id"], raw.get("name", raw["id"]), members, pattern,
                     tuple(w.lower() for w in raw.get("breakdown") or ()), formats)


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping: in a hand-edited taxonomy the second
    would silently replace the first (a concept losing its id to the next one's)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise TaxonomyError(f"line {key_node.start_mark.line + 1}: key {key!r} given twice in one entry")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


@lru_cache(maxsize=4)
def _data(path: str) -> dict:
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506 (a SafeLoader)


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[tuple[Indicator, ...], tuple[Dimension, ...]]:
    data = _data(path)
    dimensions = tuple(_dimension(raw) for raw in data.get("dimensions") or ())
    _no_duplicates("dimension", [d.id for d in dimensions])
    ids = frozenset(d.id for d in dimensions)
    indicators = tuple(_indicator(raw, ids) for raw in data["indicators"])
    _no_duplicates("indicator", [i.id for i in indicators])
    _no_duplicates("headline metric", [i.headline for i in indicators if i.headline])
    return indicators, dimensions


def _no_duplicates(what: str, ids: list[str]) -> None:
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise TaxonomyError(f"duplicate {what} ids: {sorted(duplicates)}")


def load_taxonomy(path: str | Path = TAXONOMY_PATH) -> list[Indicator]:
    return list(_load(str(path))[0])


def load_dimensions(path: str | Path = TAXONOMY_PATH) -> list[Dimension]:
    return list(_load(str(path))[1])


def framework_reference_rows(indicators: list[Indicator]) -> list[dict]:
    """The rows of esg_raw.framework_references: one per concept and reference."""
    return [ref.to_dict(i.id) for i in indicators for ref in i.references]


def load_measure_words(path: str | Path = TAXONOMY_PATH) -> frozenset[str]:
    """Words that make a row label a measure, not a free-text dimension member."""
    return frozenset(w.lower() for w in _data(str(path)).get("measure_words") or ())


def fallback_id(unit_kind: str) -> str:
    return f"other_{unit_kind}"
