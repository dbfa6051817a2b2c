"""Tables the pipeline loads (schema `esg_raw`); dbt reads them as the `esg_raw` source."""
from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Double,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

RAW_SCHEMA = "esg_raw"
metadata = MetaData(schema=RAW_SCHEMA)


def _metric_columns() -> list[Column]:
    """Columns shared by loaded metrics and quarantined ones, so a fixed row can move back."""
    return [
        Column("metric_id", String(64), primary_key=True),
        Column("report_year", Integer, nullable=False, index=True),
        Column("report_id", String(255), nullable=False),
        Column("company_id", String(100), nullable=False),
        Column("doc_name", String(255)),
        Column("doc_sha256", String(64)),
        Column("value", Double),
        Column("unit", String(50)),
        Column("qualifier", String(20)),
        Column("indicator", String(100)),
        Column("hkex_kpi", String(10)),
        Column("gri", String(20)),
        Column("entity", String(255)),
        Column("metric_year", Integer),
        Column("year_source", Text),
        Column("subject", Text),
        Column("quote", Text),
        Column("raw_text", Text),
        Column("char_start", Integer),
        Column("char_end", Integer),
        Column("line", Integer),
        Column("page", Integer),
        Column("method", String(100)),
        Column("confidence", Double),
        Column("flags", Text),
    ]


metrics = Table("metrics", metadata, *_metric_columns())

quarantine = Table(
    "quarantine",
    metadata,
    *_metric_columns(),
    Column("failed_expectations", Text, nullable=False),
    Column("reason", Text, nullable=False),
)

reports = Table(
    "reports",
    metadata,
    Column("report_id", String(255), primary_key=True),
    Column("report_year", Integer, primary_key=True),
    Column("company_id", String(100), nullable=False),
    Column("title", Text),
    Column("source", Text, nullable=False),
    Column("format", String(10)),
    Column("sha256", String(64)),
    Column("bytes", Integer),
    Column("pages", Integer),
    Column("chars", Integer),
    Column("metrics_found", Integer),
    Column("fetched_at", DateTime),
    Column("status", String(20), nullable=False),
    Column("reason", Text),
)

ingest_ledger = Table(
    "ingest_ledger",
    metadata,
    Column("attempt_id", String(36), primary_key=True),
    Column("run_id", String(64)),
    Column("entry_id", String(255)),
    Column("company_id", String(100)),
    Column("report_year", Integer, index=True),
    Column("title", Text),
    Column("source", Text, nullable=False),
    Column("attempted_at", DateTime, nullable=False),
    Column("sha256", String(64)),
    Column("bytes", Integer),
    Column("content_type", String(255)),
    Column("format", String(10)),
    Column("status", String(20), nullable=False),
    Column("reason", Text),
    Column("http_status", Integer),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("raw_path", Text),
    Column("warnings", Text),  # the reader's warnings for a report that loaded, "; "-separated
)

indicators = Table(
    "indicators",
    metadata,
    Column("indicator_id", String(100), primary_key=True),
    Column("name", Text, nullable=False),
    Column("hkex_kpi", String(10)),
    Column("gri", String(20)),
    Column("canonical_unit", String(50)),
    Column("unit_kind", String(20)),
    Column("description", Text),
)

# Written only by analysts (`esg-pipeline verify`), never by pipeline runs: verified values survive re-runs.
metric_overrides = Table(
    "metric_overrides",
    metadata,
    Column("company_id", String(100), primary_key=True),
    Column("metric_year", Integer, primary_key=True),
    Column("indicator_id", String(100), primary_key=True),
    Column("entity", String(255), primary_key=True),
    Column("value", Double, nullable=False),
    Column("unit", String(50), nullable=False),
    Column("action", String(10), nullable=False),  # confirm | correct
    Column("reason", Text, nullable=False),
    Column("verified_by", String(100), nullable=False),
    Column("verified_at", DateTime, nullable=False),
)

companies = Table(
    "companies",
    metadata,
    Column("company_id", String(100), primary_key=True),
    Column("company_name", Text, nullable=False),
)

__all__ = ["RAW_SCHEMA", "metadata", "metrics", "quarantine", "reports", "ingest_ledger", "indicators", "companies", "metric_overrides"]
