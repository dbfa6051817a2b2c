"""The Metric record: one quantitative statement with its provenance."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

QUALIFIERS = ("exact", "approx", "at_least", "at_most")


@dataclass
class Metric:
    doc: str
    value: float
    unit: str
    qualifier: str
    hkex_kpi: str | None
    gri: str | None
    indicator: str
    entity: str
    year: int | None
    year_source: str
    subject: str
    quote: str
    start: int
    end: int
    line: int
    page: int | None
    method: str
    confidence: float
    flags: list[str] = field(default_factory=list)
    raw: str = ""
    # what the figure is a part of: dimension id -> member ({'segment': 'Upstream'}); empty for a total
    dimensions: dict[str, str] = field(default_factory=dict)
    basis: str = "reported"  # reported | restated | target | baseline
    period_start: str | None = None  # ISO dates of the fiscal year `year`
    period_end: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)
