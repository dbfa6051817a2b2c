"""SQLAlchemy access to the warehouse: DuckDB file by default, PostgreSQL by URL."""
from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from esg_pipeline import settings
from esg_pipeline.warehouse import schema

# DuckDB's words when another process holds the file: "... Conflicting lock is held in /usr/bin/python3 (PID 42)"
_LOCK_CONFLICT_RE = re.compile(r"Could not set lock on file")
_LOCK_HOLDER_RE = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")
LOCK_RETRY_FIRST_S = 0.05  # the first wait; doubled each time, up to LOCK_RETRY_MAX_S
LOCK_RETRY_MAX_S = 2.0
INSERT_BATCH_ROWS = 10_000  # rows turned into dicts at a time where no Arrow insert is made (PostgreSQL)


class WarehouseLocked(Exception):
    """The DuckDB warehouse stayed locked by another process past the wait; one line naming it."""


def is_duckdb(url: str | URL) -> bool:
    return make_url(str(url)).get_backend_name() == "duckdb"


def duckdb_path(url: str | URL) -> Path:
    database = make_url(str(url)).database
    if not database or database == ":memory:":
        raise ValueError(f"DuckDB warehouse needs a file path, got {url!s}")
    return Path(database).resolve()


def make_engine(url: str, *, read_only: bool = False, lock_wait_s: float | None = None) -> Engine:
    """An engine for the warehouse. DuckDB files are single-writer: readers should pass read_only.
    Opening a DuckDB file that another process has locked is retried with backoff for `lock_wait_s`
    (default ESG_DUCKDB_LOCK_WAIT_S), then fails with a one-line `WarehouseLocked`."""
    if is_duckdb(url):
        path = duckdb_path(url)
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            f"duckdb:///{path}", connect_args={"read_only": read_only}, poolclass=sa.pool.NullPool
        )
        wait = settings.duckdb_lock_wait_s() if lock_wait_s is None else lock_wait_s
        sa.event.listen(engine, "do_connect", _connect_retrying_locks(path, wait))
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _holder(message: str) -> str:
    """The other process as DuckDB names it, with its command line when this machine can see it."""
    found = _LOCK_HOLDER_RE.search(message)
    if not found:
        return "another process"
    pid = found.group("pid")
    try:
        command = " ".join(Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").replace("\0", " ").split())
    except OSError:
        command = ""
    command = command or found.group("program")
    return f"process {pid} ({command[:117] + '...' if len(command) > 120 else command})"


def _connect_retrying_locks(path: Path, wait_s: float):
    """A do_connect hook: DuckDB's lock conflicts retried with backoff until `wait_s`, then one line."""
    def connect(dialect, connection_record, cargs, cparams):
        deadline = time.monotonic() + wait_s
        delay = LOCK_RETRY_FIRST_S
        while True:
            try:
                return dialect.connect(*cargs, **cparams)
            except Exception as exc:  # duckdb.IOException; the driver is imported by the dialect
                message = str(exc)
                if not _LOCK_CONFLICT_RE.search(message):
                    raise
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WarehouseLocked(f"warehouse {path} is locked by {_holder(message)}; gave up after "
                                          f"{wait_s:g} s (ESG_DUCKDB_LOCK_WAIT_S)") from None
                time.sleep(min(delay, remaining))
                delay = min(delay * 2, LOCK_RETRY_MAX_S)
    return connect


def ensure_schema(bind: Engine | sa.Connection) -> None:
    """Create the esg_raw schema, its tables and the columns added since a warehouse was made, on one
    connection (an engine's, or the one given, committed); one query when they are all there already (a
    run's every step asks)."""
    if isinstance(bind, sa.Connection):
        if bind.in_transaction():
            bind.commit()
        with bind.begin():
            _ensure_schema_in(bind)
        return
    with bind.begin() as conn:
        _ensure_schema_in(conn)


def _ensure_schema_in(conn: sa.Connection) -> None:
    if schema_is_current(conn):
        return
    conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {schema.RAW_SCHEMA}"))
    schema.metadata.create_all(conn)
    _add_missing_columns(conn)
    _drop_duckdb_keys(conn)


KEYED = "<keyed>"  # schema_is_current's marker row: a table of observations that has a key or index on DuckDB
UNKEYED_ON_DUCKDB = (schema.metrics, schema.quarantine)  # keyed and indexed on PostgreSQL only (observation.py)
_UNKEYED_NAMES = [table.name for table in UNKEYED_ON_DUCKDB]


def schema_is_current(conn: sa.Connection) -> bool:
    """Every table and column of `schema.metadata` exists (information_schema, on DuckDB and PostgreSQL),
    and on DuckDB no table of observations carries the key or index an earlier release gave it: one query
    (every step of a run asks)."""
    query = "select table_name, column_name from information_schema.columns where table_schema = :s"
    params: dict[str, Any] = {"s": schema.RAW_SCHEMA}
    if conn.dialect.name == "duckdb":  # the keyed tables as marker rows, in the same statement
        query += f" union all {_keyed_tables_sql(f'table_name, {KEYED!r}')}"
        params["t"] = _UNKEYED_NAMES
    have = set(conn.execute(sa.text(query), params).all())
    return all((table.name, column.name) in have
               for table in schema.metadata.sorted_tables for column in table.columns) \
        and not any(column == KEYED for _, column in have)


def _keyed_tables_sql(columns: str) -> str:
    """DuckDB's indexes and keys of the tables named `:t` in schema `:s`, a row of `columns` each."""
    return (f"select {columns} from duckdb_indexes() where schema_name = :s and list_contains(:t, table_name) "
            f"union all select {columns} from duckdb_constraints() where schema_name = :s "
            "and list_contains(:t, table_name) and constraint_type in ('PRIMARY KEY', 'UNIQUE')")


def _duckdb_keyed_tables(conn: sa.Connection) -> list[sa.Table]:
    """Tables of observations that have a key or an index on DuckDB: made by an earlier release."""
    if conn.dialect.name != "duckdb":
        return []
    keyed = set(conn.execute(sa.text(_keyed_tables_sql("table_name")),
                             {"s": schema.RAW_SCHEMA, "t": _UNKEYED_NAMES}).scalars())
    return [table for table in UNKEYED_ON_DUCKDB if table.name in keyed]


def _drop_duckdb_keys(conn: sa.Connection) -> None:
    """An earlier release's key and index on a DuckDB table of observations are dropped: the table is made
    again without them and its rows copied over (DuckDB cannot drop a primary key), in the schema's
    transaction. Once per warehouse; 2.3 million rows take about 10 s."""
    for table in _duckdb_keyed_tables(conn):
        old = f"{table.name}__keyed"
        for (index,) in conn.execute(sa.text(
                "select index_name from duckdb_indexes() where schema_name = :s and table_name = :t"),
                {"s": schema.RAW_SCHEMA, "t": table.name}).all():
            conn.execute(sa.text(f'DROP INDEX {schema.RAW_SCHEMA}."{index}"'))
        conn.execute(sa.text(f"ALTER TABLE {schema.RAW_SCHEMA}.{table.name} RENAME TO {old}"))
        table.create(conn)
        columns = ", ".join(f'"{c.name}"' for c in table.columns)
        conn.execute(sa.text(f"INSERT INTO {schema.RAW_SCHEMA}.{table.name} ({columns}) "
                             f"SELECT {columns} FROM {schema.RAW_SCHEMA}.{old}"))
        conn.execute(sa.text(f"DROP TABLE {schema.RAW_SCHEMA}.{old}"))


def _add_missing_columns(conn: sa.Connection) -> None:
    """A warehouse made by an earlier release gets the nullable columns added since (create_all adds
    tables, never columns). information_schema works on DuckDB and PostgreSQL alike."""
    for table in schema.metadata.sorted_tables:
        have = {name for (name,) in conn.execute(sa.text(
            "select column_name from information_schema.columns where table_schema = :s and table_name = :t"),
            {"s": table.schema, "t": table.name})}
        for column in table.columns if have else ():
            if column.name not in have and column.nullable and not column.primary_key:
                conn.execute(sa.text(f"ALTER TABLE {table.schema}.{table.name} ADD COLUMN {column.name} "
                                     f"{column.type.compile(dialect=conn.dialect)}"))


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return _clean(value.item())
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return value


def clean_records(table: sa.Table, records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Keep the table's columns only, with NaN and numpy values made plain."""
    names = [c.name for c in table.columns]
    return [{n: _clean(r.get(n)) for n in names} for r in records]


def arrow_type_of(column: sa.Column):
    """The Arrow type of a column for a bulk insert, or None where only a plain insert is safe."""
    import pyarrow as pa

    kind = column.type
    if isinstance(kind, (sa.Double, sa.Float)):
        return pa.float64()
    if isinstance(kind, sa.Integer):
        return pa.int64()
    if isinstance(kind, (sa.String, sa.Text)):
        return pa.string()
    if isinstance(kind, sa.Boolean):
        return pa.bool_()
    if isinstance(kind, sa.Date) and not isinstance(kind, sa.DateTime):
        return pa.date32()
    return None  # timestamps and the rest: time zones are the driver's business


def _coerce(value: Any, arrow_type) -> Any:
    """What the driver's implicit casts would do: 3.0 into an integer column, 7 into a text column."""
    import pyarrow as pa

    if value is None:
        return None
    if pa.types.is_integer(arrow_type) and isinstance(value, float) and value.is_integer():
        return int(value)
    if pa.types.is_string(arrow_type) and not isinstance(value, str):
        return str(value)
    if pa.types.is_date(arrow_type) and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def _column_values(records, name: str):
    """A column of records (a list), or of a DataFrame (its Series: no Python object per value)."""
    if hasattr(records, "columns"):  # a DataFrame: a column at a time, no dict per row
        return records[name] if name in records.columns else [None] * len(records)
    return [r.get(name) for r in records]


def _direct(found, wanted) -> bool:
    """Arrow's reading of a pandas column of type `found` can be cast to `wanted` as the driver would."""
    import pyarrow as pa

    if pa.types.is_dictionary(found):
        found = found.value_type
    if found == wanted or pa.types.is_null(found):
        return True
    if pa.types.is_string(wanted):
        return pa.types.is_string(found) or pa.types.is_large_string(found)
    if pa.types.is_floating(wanted):
        return pa.types.is_floating(found) or pa.types.is_integer(found)
    return pa.types.is_integer(wanted) and pa.types.is_integer(found)


def arrow_array(values, arrow_type):
    """`values` (a list, or a pandas Series) as an Arrow array of `arrow_type`, NaN and numpy values as
    `_clean` makes them, or None when some value will not convert. A Series of Arrow-backed strings, a
    categorical or a numeric column is read from its buffers, without a Python object per value."""
    import pyarrow as pa

    if hasattr(values, "dtype"):
        try:
            array = pa.array(values, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError):
            array = None
        if array is not None and _direct(array.type, arrow_type):
            try:
                if isinstance(array, pa.ChunkedArray):
                    array = array.combine_chunks()
                if pa.types.is_dictionary(array.type):
                    if pa.types.is_string(arrow_type):  # DuckDB reads the codes and their strings
                        return array.cast(pa.dictionary(array.type.index_type, arrow_type))
                    array = array.dictionary_decode()
                return array.cast(arrow_type)  # a safe cast: 2.5 into an integer column raises
            except (pa.ArrowException, TypeError, ValueError):
                pass
        values = values.tolist()
    try:  # the common case, in C: NaN becomes null, numpy scalars are read as they are
        return pa.array(values, type=arrow_type, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        try:  # what the driver's casts would make of the odd value: 7 into a text column, a date string
            return pa.array([_coerce(_clean(v), arrow_type) for v in values], type=arrow_type)
        except (pa.ArrowException, TypeError, ValueError):
            return None


def _records(records) -> Sequence[Mapping[str, Any]]:
    return records.to_dict("records") if hasattr(records, "to_dict") else records


def _arrow_columns(table: sa.Table, records: Sequence[Mapping[str, Any]]):
    """The records as an Arrow table in the table's column types (NaN and numpy values as `_clean` makes
    them), or None when some value will not convert."""
    import pyarrow as pa

    types = [arrow_type_of(c) for c in table.columns]
    if None in types:
        return None
    columns = {}
    for column, arrow_type in zip(table.columns, types):
        array = arrow_array(_column_values(records, column.name), arrow_type)
        if array is None:
            return None
        columns[column.name] = array
    return pa.table(columns)


def insert_rows(conn: sa.Connection, table: sa.Table, records) -> None:
    """Insert records, or a DataFrame's rows (cleaned here: NaN, numpy values) in the connection's transaction. DuckDB takes them in
    one statement from an Arrow table (an executemany costs about a millisecond a row there: a year of a
    thousand reports' metrics took minutes); PostgreSQL gets SQLAlchemy's batched executemany, and so does
    a table or a value Arrow cannot carry."""
    if not len(records):
        return
    frame = _arrow_columns(table, records) if conn.dialect.name == "duckdb" else None
    if frame is None:  # a dict per row for a batch at a time: a year's rows are never all dicts at once
        for start in range(0, len(records), INSERT_BATCH_ROWS):
            batch = records.iloc[start:start + INSERT_BATCH_ROWS] if hasattr(records, "iloc") \
                else records[start:start + INSERT_BATCH_ROWS]
            conn.execute(table.insert(), clean_records(table, _records(batch)))
        return
    names = [c.name for c in table.columns]
    columns = ", ".join(f'"{n}"' for n in names)
    raw = conn.connection.dbapi_connection
    view = f"esg_insert_{table.name}"
    statement = f'INSERT INTO {table.schema}.{table.name} ({columns}) SELECT {columns} FROM "{view}"'
    raw.register(view, frame)
    try:
        raw.execute(statement)
    except Exception as exc:  # the driver's error, as SQLAlchemy would have raised it (a DBAPIError)
        import duckdb

        if isinstance(exc, duckdb.Error):
            raise sa.exc.DBAPIError.instance(statement, None, exc, duckdb.Error) from exc
        raise
    finally:
        raw.unregister(view)


def replace_rows(
    engine: Engine,
    table: sa.Table,
    records: Iterable[Mapping[str, Any]],
    *,
    where: Mapping[str, Any] | None = None,
) -> int:
    """Replace the rows matching `where` (all rows if None) in one transaction: re-runs are idempotent."""
    with engine.begin() as conn:
        return replace_rows_in(conn, table, records, where=where)


def replace_rows_in(conn: sa.Connection, table: sa.Table, records: Iterable[Mapping[str, Any]], *,
                    where: Mapping[str, Any] | None = None) -> int:
    """`replace_rows` in the connection's transaction."""
    rows = clean_records(table, records)
    delete = table.delete()
    for column, value in (where or {}).items():
        delete = delete.where(table.c[column] == value)
    conn.execute(delete)
    insert_rows(conn, table, rows)
    return len(rows)


def replace_owned_rows(
    engine: Engine,
    table: sa.Table,
    records,
    *,
    year: int,
    companies: Iterable[str],
    keep_reports: Iterable[str] = (),
) -> int:
    """Replace one reporting year's rows of the companies this run loads, and only theirs: another
    catalog's companies in the same warehouse keep their rows, and so do the reports in `keep_reports`
    (those that failed this time: the last good data stays). One transaction: re-runs are idempotent."""
    with engine.begin() as conn:
        return replace_owned_rows_in(conn, table, records, year=year, companies=companies, keep_reports=keep_reports)


def replace_owned_rows_in(conn: sa.Connection, table: sa.Table, records, *, year: int, companies: Iterable[str],
                          keep_reports: Iterable[str] = ()) -> int:
    """`replace_owned_rows` in the connection's transaction."""
    # Records or a DataFrame: insert_rows cleans them (a column at a time on DuckDB).
    rows = records if hasattr(records, "columns") else list(records)
    found = _column_values(rows, "company_id")
    found = found.dropna().unique().tolist() if hasattr(found, "unique") else found  # a Series: its values once
    owners = sorted(set(companies) | {str(c) for c in found if isinstance(c, str) and c})
    keep = sorted(set(keep_reports))
    if owners:
        delete = table.delete().where(table.c.report_year == year, table.c.company_id.in_(owners))
        if keep:
            delete = delete.where(table.c.report_id.not_in(keep))
        conn.execute(delete)
    insert_rows(conn, table, rows)
    return len(rows)


@contextlib.contextmanager
def _connected(bind: Engine | sa.Connection) -> Iterator[sa.Connection]:
    """A connection: the one given, or one of the engine's for the block."""
    if isinstance(bind, sa.Connection):
        yield bind
        return
    with bind.connect() as conn:
        yield conn


def reports_with_rows(engine: Engine | sa.Connection, year: int, report_ids: Iterable[str]) -> set[str]:
    """Those of `report_ids` with rows of `year` loaded in `esg_raw.metrics` or `esg_raw.quarantine`: a
    report among them that fails this time keeps those rows, stale."""
    report_ids = sorted(set(report_ids))
    if not report_ids:
        return set()
    found: set[str] = set()
    with _connected(engine) as conn:
        for table in (schema.metrics, schema.quarantine):
            query = (sa.select(table.c.report_id).distinct()
                     .where(table.c.report_year == year, table.c.report_id.in_(report_ids)))
            found.update(conn.execute(query).scalars())
    return found


def upsert_rows(
    engine: Engine, table: sa.Table, records: Iterable[Mapping[str, Any]], *, key: str | Sequence[str]
) -> int:
    """Insert rows, replacing any with the same key: loading the same rows twice adds nothing."""
    rows = clean_records(table, records)
    if not rows:
        return 0
    with engine.begin() as conn:
        return upsert_rows_in(conn, table, rows, key=key)


def upsert_rows_in(conn: sa.Connection, table: sa.Table, records: Iterable[Mapping[str, Any]], *,
                   key: str | Sequence[str]) -> int:
    """`upsert_rows` in the connection's transaction."""
    rows = clean_records(table, records)
    columns = [key] if isinstance(key, str) else list(key)
    if rows:
        if len(columns) == 1:
            conn.execute(table.delete().where(table.c[columns[0]].in_([r[columns[0]] for r in rows])))
        else:  # composite keys: one delete per row keeps the SQL portable
            for row in rows:
                conn.execute(table.delete().where(sa.and_(*(table.c[c] == row[c] for c in columns))))
        insert_rows(conn, table, rows)
    return len(rows)


def latest_successful_fetches(engine: Engine | sa.Connection, sources: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Per source, the newest ledger row that brought content: the validators for a conditional GET."""
    sources = list(sources)
    if not sources:
        return {}
    ledger = schema.ingest_ledger
    query = (
        sa.select(ledger)
        .where(ledger.c.source.in_(sources), ledger.c.status != "failed", ledger.c.sha256.is_not(None))
        .order_by(ledger.c.attempted_at)
    )
    latest: dict[str, dict[str, Any]] = {}
    with _connected(engine) as conn:
        for row in conn.execute(query).mappings():
            latest[row["source"]] = dict(row)
    return latest


def dbt_environment(url: str) -> dict[str, str]:
    """Environment for dbt's profiles.yml so dbt writes where SQLAlchemy loaded."""
    if is_duckdb(url):
        # dbt-duckdb retries a locked file too, sleeping 1, 2, 4 ... s: as many attempts as fill the same wait
        attempts = 1 + math.ceil(math.log2(settings.duckdb_lock_wait_s() + 1))
        return {"DBT_TARGET": "duckdb", "ESG_DUCKDB_PATH": str(duckdb_path(url)),
                "ESG_DUCKDB_CONNECT_ATTEMPTS": str(attempts)}
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"unsupported warehouse backend {parsed.get_backend_name()!r} in {url}")
    return {
        "DBT_TARGET": "postgres",
        "ESG_PG_HOST": parsed.host or "localhost",
        "ESG_PG_PORT": str(parsed.port or 5432),
        "ESG_PG_USER": parsed.username or "postgres",
        "ESG_PG_PASSWORD": parsed.password or "",
        "ESG_PG_DATABASE": parsed.database or "postgres",
    }
