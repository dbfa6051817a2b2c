"""Warehouse access (SQLAlchemy), usable without Dagster."""
from esg_pipeline.warehouse.db import (
    append_rows,
    dbt_environment,
    ensure_schema,
    is_duckdb,
    latest_successful_fetches,
    make_engine,
    replace_rows,
)

__all__ = [
    "append_rows",
    "dbt_environment",
    "ensure_schema",
    "is_duckdb",
    "latest_successful_fetches",
    "make_engine",
    "replace_rows",
]
