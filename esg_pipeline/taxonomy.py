"""The indicator taxonomy (esg_pipeline/taxonomy.yaml): ids, HKEX KPI, GRI, units, matching keywords."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

UNIT_KINDS = frozenset(
    {"money", "energy", "emissions", "mass", "volume", "length", "area", "time", "percent", "count", "power", "ratio",
     "concentration"}
)
TAXONOMY_PATH = Path(__file__).with_name("taxonomy.yaml")


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

    def to_dict(self) -> dict:
        """Warehouse row: keyword lists joined so the table stays flat."""
        row = {k: getattr(self, k) for k in ("id", "name", "hkex_kpi", "gri", "canonical_unit", "unit_kind", "description")}
        for k in ("subject_keywords", "keywords", "requires", "verb_keywords", "keyword_zones", "requires_zones"):
            row[k] = ", ".join(getattr(self, k))
        return row


class TaxonomyError(ValueError):
    pass


def _indicator(raw: dict) -> Indicator:
    missing = {"id", "name", "canonical_unit", "unit_kind", "description"} - raw.keys()
    if missing:
        raise TaxonomyError(f"indicator {raw.get('id')!r} lacks {sorted(missing)}")
    if raw["unit_kind"] not in UNIT_KINDS:
        raise TaxonomyError(f"indicator {raw['id']!r}: unknown unit_kind {raw['unit_kind']!r}")
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
    )


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[Indicator, ...]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    indicators = tuple(_indicator(raw) for raw in data["indicators"])
    ids = [i.id for i in indicators]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise TaxonomyError(f"duplicate indicator ids: {sorted(duplicates)}")
    return indicators


def load_taxonomy(path: str | Path = TAXONOMY_PATH) -> list[Indicator]:
    return list(_load(str(path)))


def fallback_id(unit_kind: str) -> str:
    return f"other_{unit_kind}"
