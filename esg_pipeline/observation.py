"""The observation record: one extracted figure as the warehouse keeps it, defined once.

`OBSERVATION_FIELDS` lists every column with its type and meaning; the dimension columns
(`dim_<id>`) come from the taxonomy's dimensions. The warehouse tables `esg_raw.metrics` and
`esg_raw.quarantine` are built from this list (`warehouse/schema.py`), the Great Expectations suite
checks the loaded frame against those tables' columns, the rows are made here
(`observation_row`), and a test checks that dbt's `stg_metrics` carries every field.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Date, Double, Index, Integer, PrimaryKeyConstraint, String, Text
from sqlalchemy.types import TypeEngine

from esg_pipeline.extract.metric import Metric
from esg_pipeline.taxonomy import load_dimensions

BASES = ("reported", "restated", "target", "baseline")


@dataclass(frozen=True)
class Field:
    name: str
    type: Callable[[], TypeEngine]
    doc: str
    value: Callable[[Metric, Mapping[str, Any]], Any]  # (metric, report context) -> column value
    primary_key: bool = False
    nullable: bool = True
    index: bool = False
    # its values repeat across a year's rows (one per report, or a small vocabulary): a categorical column
    # of the year's frame and a dictionary-encoded column of the extraction cache, a code per row
    repeats: bool = False

    def column(self) -> Column:
        """The warehouse column. Its key and index are `observation_constraints`, not column flags."""
        return Column(self.name, self.type(), nullable=self.nullable and not self.primary_key, comment=self.doc)


def metric_id(report_id: str, sha256: str, start: int, end: int, unit: str, year: int | None) -> str:
    """Stable across runs, so re-loading a partition yields the same keys."""
    key = f"{report_id}|{sha256}|{start}|{end}|{unit}|{year}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def dimension_key(dimensions: Mapping[str, str]) -> str:
    """'gender=female;segment=Upstream': the members in id order; '' for a total."""
    return ";".join(f"{k}={v}" for k, v in sorted(dimensions.items()))


def _m(attr: str) -> Callable[[Metric, Mapping[str, Any]], Any]:
    return lambda m, r: getattr(m, attr)


def _r(key: str) -> Callable[[Metric, Mapping[str, Any]], Any]:
    return lambda m, r: r[key]


def _date(attr: str) -> Callable[[Metric, Mapping[str, Any]], Any]:
    import datetime as dt
    return lambda m, r: dt.date.fromisoformat(getattr(m, attr)) if getattr(m, attr) else None


OBSERVATION_FIELDS: tuple[Field, ...] = (
    Field("metric_id", lambda: String(64), "stable key: report, content hash, span, unit and year",
          lambda m, r: metric_id(r["report_id"], r["sha256"], m.start, m.end, m.unit, m.year), primary_key=True),
    Field("report_year", Integer, "the catalog year of the report", _r("report_year"), nullable=False, index=True),
    Field("report_id", lambda: String(255), "the catalog entry", _r("report_id"), nullable=False,
          repeats=True),
    Field("company_id", lambda: String(100), "the catalog company", _r("company_id"), nullable=False,
          repeats=True),
    Field("doc_name", lambda: String(255), "the report's file name", _r("doc_name"), repeats=True),
    Field("doc_sha256", lambda: String(64), "sha256 of the raw report", _r("sha256"), repeats=True),
    Field("value", Double, "the figure, scale applied (millions multiplied out)", _m("value")),
    Field("unit", lambda: String(50), "its unit as normalised by the extractor", _m("unit"), repeats=True),
    Field("qualifier", lambda: String(20), "exact, approx, at_least or at_most", _m("qualifier"), repeats=True),
    Field("indicator", lambda: String(100), "the concept id of the taxonomy", _m("indicator"), repeats=True),
    Field("hkex_kpi", lambda: String(10), "the HKEX ESG guide KPI of the concept", _m("hkex_kpi"), repeats=True),
    Field("gri", lambda: String(20), "the GRI disclosure of the concept", _m("gri"), repeats=True),
    Field("entity", lambda: String(255), "the company, or a subsidiary the text names", _m("entity"), repeats=True),
    Field("metric_year", Integer, "the fiscal year the figure is for (the year its period ends in)", _m("year")),
    Field("period_start", Date, "first day of that fiscal year", _date("period_start")),
    Field("period_end", Date, "last day of that fiscal year", _date("period_end")),
    Field("year_source", Text, "where the year came from: column, sentence, catalog...", _m("year_source"),
          repeats=True),
    Field("basis", lambda: String(20), "reported, restated, target or baseline", _m("basis"), repeats=True),
    Field("dimension_key", lambda: String(500), "the dimension members, 'gender=female;segment=Upstream'; '' for a total",
          lambda m, r: dimension_key(m.dimensions), repeats=True),
    Field("subject", Text, "what is measured: the counted noun, or the table row's label path", _m("subject"),
          repeats=True),
    Field("quote", Text, "the sentence or table row it was read from", _m("quote")),
    Field("raw_text", Text, "the figure as printed", _m("raw")),
    Field("char_start", Integer, "start of the figure in the document text", _m("start")),
    Field("char_end", Integer, "end of the figure in the document text", _m("end")),
    Field("line", Integer, "line of the document text", _m("line")),
    Field("page", Integer, "page of the PDF", _m("page")),
    Field("method", lambda: String(100), "the rule that decided the figure", _m("method"), repeats=True),
    Field("confidence", Double, "the extractor's confidence, 0-1", _m("confidence")),
    Field("flags", Text, "comma-separated notes of the rules (unit_typo, parenthesised_amount...)",
          lambda m, r: ",".join(m.flags or []), repeats=True),
)


def dimension_fields() -> tuple[Field, ...]:
    """One nullable column per taxonomy dimension, holding the figure's member (null: not broken down)."""
    return tuple(Field(d.column, lambda: String(255), d.name, (lambda m, r, _id=d.id: m.dimensions.get(_id)),
                       repeats=True)
                 for d in load_dimensions())


def all_fields() -> tuple[Field, ...]:
    return OBSERVATION_FIELDS + dimension_fields()


def observation_columns() -> list[Column]:
    return [f.column() for f in all_fields()]


def observation_constraints(table_name: str) -> list[Any]:
    """The key (`metric_id`) and the index (`report_year`) of a table of observations, made on PostgreSQL
    only. On DuckDB an ART index costs more than it gives: loading a year of 100 reports (230,000 rows)
    into 2.3 million took 7.4 s with them and 1.6 s without, replacing it 25 s against 1.5 s, and DuckDB
    finds a year's rows by the min-max zone maps of its row groups anyway. `metric_id` stays unique there
    by the loads (a year's rows of a company are replaced whole) and dbt's `unique` test on stg_metrics."""
    keys = [f.name for f in all_fields() if f.primary_key]
    indexed = [f.name for f in all_fields() if f.index]
    return [PrimaryKeyConstraint(*keys).ddl_if(dialect="postgresql"),
            *(Index(f"ix_esg_raw_{table_name}_{name}", name).ddl_if(dialect="postgresql") for name in indexed)]


def observation_row(metric: Metric, report: Mapping[str, Any]) -> dict[str, Any]:
    """The warehouse row of one metric; `report` gives report_id, report_year, company_id, doc_name, sha256."""
    return observation_rows([metric], report)[0]


def observation_rows(metrics: Iterable[Metric], report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The warehouse rows of a report's metrics (the fields are built once for all of them, not per row)."""
    fields = [(f.name, f.value) for f in all_fields()]
    return [{name: value(metric, report) for name, value in fields} for metric in metrics]
