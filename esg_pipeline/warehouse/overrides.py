"""Analyst-verified values: confirmed or corrected figures that win in the marts.

They live in esg_raw.metric_overrides, which pipeline runs never write, so a later run cannot undo them.
"""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.engine import Engine

from esg_pipeline.taxonomy import load_taxonomy
from esg_pipeline.warehouse.db import ensure_schema, upsert_rows
from esg_pipeline.warehouse.schema import metric_overrides

KEY = ("company_id", "metric_year", "indicator_id", "entity")


class MetricOverride(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    company_id: str = Field(min_length=1)
    metric_year: int = Field(ge=1990, le=2100)
    indicator_id: str
    entity: str = Field(min_length=1)
    value: float
    unit: str = Field(min_length=1)
    action: str = "correct"
    reason: str = Field(min_length=3)
    verified_by: str = Field(min_length=1)

    @field_validator("indicator_id")
    @classmethod
    def _known_indicator(cls, indicator_id: str) -> str:
        if indicator_id not in {i.id for i in load_taxonomy()}:
            raise ValueError(f"unknown indicator {indicator_id!r} (see esg_pipeline/taxonomy.yaml)")
        return indicator_id

    @field_validator("action")
    @classmethod
    def _known_action(cls, action: str) -> str:
        if action not in ("confirm", "correct"):
            raise ValueError("action must be 'confirm' or 'correct'")
        return action


class OverrideFileError(ValueError):
    pass


def read_overrides_csv(path: str | Path) -> list[MetricOverride]:
    """Curated overrides file; every bad row is reported with its line number, none is half-loaded."""
    overrides, problems = [], []
    with Path(path).open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                overrides.append(MetricOverride(**{k: v for k, v in row.items() if v not in (None, "")}))
            except ValidationError as exc:
                fields = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
                problems.append(f"{path}:{line}: {fields}")
    if problems:
        raise OverrideFileError("\n".join(problems))
    return overrides


def record_overrides(engine: Engine, overrides: list[MetricOverride]) -> int:
    ensure_schema(engine)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    rows = [dict(o.model_dump(), verified_at=now) for o in overrides]
    return upsert_rows(engine, metric_overrides, rows, key=KEY)
