"""Export every table of the `marts` schema to Parquet and/or CSV files for BI tools: among them
fct_esg_metrics with its dimension columns, fiscal period and chosen_because, the headline marts
(long and wide), sum of parts, year over year and framework coverage."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from esg_pipeline.warehouse import make_engine

MARTS_SCHEMA = "marts"
EXPORT_FORMATS = ("parquet", "csv")
# OWASP CSV injection: a spreadsheet runs a cell starting with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class MartsUnavailable(RuntimeError):
    """The warehouse has no marts to read yet (or cannot be opened): run the pipeline first."""


@dataclass
class ExportedTable:
    table: str
    rows: int
    files: list[Path] = field(default_factory=list)


def mart_tables(engine: Engine) -> list[str]:
    """Tables and views dbt built in the marts schema; the lead's dbt project decides which."""
    try:
        inspector = sa.inspect(engine)
        if not inspector.has_schema(MARTS_SCHEMA):  # duckdb-engine lists schemas as "<db>.<schema>"
            return []
        names = inspector.get_table_names(schema=MARTS_SCHEMA) + inspector.get_view_names(schema=MARTS_SCHEMA)
    except sa.exc.OperationalError as exc:  # e.g. no such file, or a DuckDB writer holds the lock
        raise MartsUnavailable(f"cannot open the warehouse: {exc.orig}") from exc
    return sorted(set(names))


def open_marts(url: str) -> tuple[Engine, list[str]]:
    """A read-only engine and the mart tables, or MartsUnavailable saying what to run."""
    engine = make_engine(url, read_only=True)
    try:
        tables = mart_tables(engine)
    except MartsUnavailable:
        engine.dispose()
        raise
    if not tables:
        engine.dispose()
        raise MartsUnavailable(f"no marts in {url}: run `esg-pipeline run` first")
    return engine, tables


def read_table(engine: Engine, table: str) -> pd.DataFrame:
    """The whole table, nullable dtypes so integer columns with NULLs stay integers in Parquet, and
    DATE columns (fiscal period_start / period_end) as dates, not text."""
    # sa.table() quotes the name without reflecting columns (duckdb-engine's column reflection is unreliable).
    query = sa.select(sa.text("*")).select_from(sa.table(table, schema=MARTS_SCHEMA))
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn, dtype_backend="numpy_nullable")
        date_columns = [name for (name,) in conn.execute(sa.text(
            "select column_name from information_schema.columns"
            " where table_schema = :schema and table_name = :table and lower(data_type) = 'date'"),
            {"schema": MARTS_SCHEMA, "table": table})]
    for name in date_columns:  # the nullable backend reads dates as strings; pyarrow writes date objects as date32
        if name in frame.columns:
            frame[name] = pd.Series(
                [_as_date(v) for v in frame[name]], index=frame.index, dtype="object", name=name)
    return frame


def _as_date(value) -> dt.date | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def parse_formats(text: str) -> list[str]:
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(EXPORT_FORMATS))
    if unknown or not formats:
        raise ValueError(f"unknown export format(s) {unknown or text!r}; choose from {','.join(EXPORT_FORMATS)}")
    return list(dict.fromkeys(formats))


def export_marts(url: str, output_dir: Path, formats: Iterable[str] = EXPORT_FORMATS) -> list[ExportedTable]:
    formats = list(formats)
    engine, tables = open_marts(url)
    output_dir.mkdir(parents=True, exist_ok=True)
    exported = []
    try:
        for table in tables:
            frame = read_table(engine, table)
            result = ExportedTable(table=table, rows=len(frame))
            for fmt in formats:
                path = output_dir / f"{table}.{fmt}"
                if fmt == "parquet":
                    frame.to_parquet(path, index=False)
                else:
                    # CRLF rows (RFC 4180): the writer then quotes a CR inside a cell, which would otherwise end the row.
                    csv_safe(frame).to_csv(path, index=False, lineterminator="\r\n")
                result.files.append(path)
            exported.append(result)
    finally:
        engine.dispose()
    return exported


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas: a text cell starting with `=`, `+`, `-`,
    `@`, tab or CR gets a leading single quote (the OWASP rule). Numeric columns are left as they are, so a
    negative number stays a number; the text comes from report sentences and catalog names."""
    safe = frame.copy()
    for name in safe.columns:
        column = safe[name]
        if pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
            safe[name] = column.map(_neutralise, na_action="ignore")
    return safe


def _neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
