"""Warehouse access (SQLAlchemy), usable without Dagster."""
from esg_pipeline.warehouse.db import (
    WarehouseLocked,
    dbt_environment,
    ensure_schema,
    is_duckdb,
    latest_successful_fetches,
    make_engine,
    replace_owned_rows,
    replace_rows,
    reports_with_rows,
    upsert_rows,
)

__all__ = [
    "WarehouseLocked",
    "dbt_environment",
    "ensure_schema",
    "is_duckdb",
    "latest_successful_fetches",
    "make_engine",
    "replace_owned_rows",
    "replace_rows",
    "reports_with_rows",
    "upsert_rows",
]
