"""Tables the pipeline loads (schema `esg_raw`); dbt reads them as the `esg_raw` source."""
from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from esg_pipeline.observation import observation_columns, observation_constraints

RAW_SCHEMA = "esg_raw"
metadata = MetaData(schema=RAW_SCHEMA)


def _metric_columns(table_name: str) -> list:
    """Columns shared by loaded metrics and quarantined ones, so a fixed row can move back: the
    observation record's fields (esg_pipeline/observation.py), defined there once, with their key and index
    (on PostgreSQL only: `observation_constraints`)."""
    return [*observation_columns(), *observation_constraints(table_name)]


def _stale_column() -> Column:
    """Last good data wins: a report that fails keeps the figures an earlier run loaded, and this marks
    them. The marts carry it as `is_stale`, with the failure's reason as `stale_reason`."""
    return Column("is_stale", Boolean, comment="the report failed this time; the figures an earlier run loaded "
                                               "stay, marked stale (reason: why it failed)")


metrics = Table("metrics", metadata, *_metric_columns("metrics"))

quarantine = Table(
    "quarantine",
    metadata,
    *_metric_columns("quarantine"),
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
    _stale_column(),
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
    _stale_column(),
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
    Column("additive", Boolean),
    Column("headline", String(100)),
    Column("dimensions", Text),
)

# Each concept's place in HKEX, GRI, IFRS S2 and ESRS, with versions and effective dates (references only).
framework_references = Table(
    "framework_references",
    metadata,
    Column("indicator_id", String(100), primary_key=True),
    Column("framework", String(20), primary_key=True),
    Column("reference", String(100), primary_key=True),
    Column("version", String(20), primary_key=True),
    Column("part", String(10)),
    Column("requirement", String(30), nullable=False),
    Column("effective_from", Date),
    Column("effective_to", Date),
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

# What each load was made from (warehouse/writer.py): a load whose inputs have the same fingerprint as the
# last successful one is skipped. One row per scope ('esg_raw.metrics/2022', 'dbt'); derived bookkeeping,
# safe to delete (the next run then loads everything again).
load_state = Table(
    "load_state",
    metadata,
    Column("scope", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("run_id", String(64)),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
    Column("details", Text),  # JSON: what a skipped step reports instead (a validation's check results)
)

__all__ = ["RAW_SCHEMA", "metadata", "metrics", "quarantine", "reports", "ingest_ledger", "indicators", "framework_references", "companies",
           "metric_overrides", "load_state"]
