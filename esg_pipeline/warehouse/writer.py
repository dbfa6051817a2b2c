"""The one way the pipeline's assets write to the warehouse: a `WarehouseWriter`.

`WarehouseResource.writer()` gives one per step. It opens the engine and one connection when first used,
makes sure the esg_raw tables exist (one query when they do), and runs each write -- a replace, a
replace of the rows a run owns, an upsert -- in a transaction of its own on that connection; the step's
reads of the warehouse (the ledger's last fetches, say) use the same connection. Leaving the `with`
block closes it, so DuckDB's file lock is held only while a step works (dbt, a BI tool and the next
step need it). On DuckDB the steps that write are serialised by the Dagster `warehouse` pool (one slot,
`dagster_home/dagster.yaml`); on PostgreSQL the pool can be raised and writes run in parallel.

A write can record a `LoadState` in its own transaction: the fingerprint of what the rows were made from
(esg_raw.load_state). A later run whose inputs have the same fingerprint skips that load
(`defs/unchanged.py`).
"""
from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from esg_pipeline.warehouse.db import (
    ensure_schema, make_engine, replace_owned_rows_in, replace_rows_in, upsert_rows_in,
)
from esg_pipeline.warehouse.schema import load_state


@dataclass(frozen=True)
class LoadState:
    """What a load was made from: its scope ('esg_raw.metrics/2022', 'dbt'), the fingerprint of its inputs,
    the run that made it and what a skipped step reports instead (`details`)."""

    scope: str
    fingerprint: str
    run_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    loaded_at: dt.datetime | None = None

    def row(self) -> dict[str, Any]:
        return {"scope": self.scope, "fingerprint": self.fingerprint, "run_id": self.run_id,
                "loaded_at": self.loaded_at or dt.datetime.now(dt.timezone.utc),
                "details": json.dumps(self.details, sort_keys=True, default=str)}


class WarehouseWriter:
    """Writes (and the reads they depend on) of one step; a context manager that closes its connection."""

    def __init__(self, url: str):
        self.url = url
        self._engine: Engine | None = None
        self._connection: sa.Connection | None = None
        self.seconds = 0.0  # spent writing: the steps' metadata

    def __enter__(self) -> WarehouseWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> sa.Connection:
        """The step's connection (opened on first use, the schema made current on it): pass it to reads such
        as `latest_successful_fetches`."""
        if self._connection is None:
            self._engine = self._engine or make_engine(self.url)
            connection = self._engine.connect()
            try:
                ensure_schema(connection)
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _write(self, write, state: LoadState | None = None) -> int:
        """`write(connection)` in a transaction of its own, with `state` recorded in the same transaction:
        the rows and the record of what they were made from commit together or not at all."""
        started = time.perf_counter()
        conn = self.connection
        if conn.in_transaction():  # a read autobegan one: a write's transaction is its own
            conn.commit()
        with conn.begin():
            count = write(conn)
            if state is not None:
                upsert_rows_in(conn, load_state, [state.row()], key="scope")
        self.seconds += time.perf_counter() - started
        return count

    def replace(self, table: sa.Table, rows: Iterable[Mapping[str, Any]], *,
                where: Mapping[str, Any] | None = None, state: LoadState | None = None) -> int:
        """The rows matching `where` (all rows if None) replaced by `rows`, in one transaction."""
        return self._write(lambda conn: replace_rows_in(conn, table, rows, where=where), state)

    def replace_owned(self, table: sa.Table, rows, *, year: int, companies: Iterable[str],
                      keep_reports: Iterable[str] = (), state: LoadState | None = None) -> int:
        """One year's rows of the run's companies replaced (`db.replace_owned_rows`), in one transaction;
        `rows` may be records or a DataFrame."""
        return self._write(lambda conn: replace_owned_rows_in(conn, table, rows, year=year, companies=companies,
                                                              keep_reports=keep_reports), state)

    def upsert(self, table: sa.Table, rows: Iterable[Mapping[str, Any]], *, key: str | Sequence[str],
               state: LoadState | None = None) -> int:
        """Rows inserted, replacing those with the same key, in one transaction."""
        return self._write(lambda conn: upsert_rows_in(conn, table, rows, key=key), state)

    def record(self, state: LoadState) -> None:
        """A load's state alone (a load made by another program, such as dbt)."""
        self._write(lambda conn: 0, state)

    def states(self, *scopes: str, prefix: str | None = None) -> dict[str, LoadState]:
        """The recorded states of `scopes`, or of every scope starting with `prefix`, by scope."""
        query = sa.select(load_state)
        query = query.where(load_state.c.scope.startswith(prefix)) if prefix is not None \
            else query.where(load_state.c.scope.in_(scopes))
        found = {}
        for row in self.connection.execute(query.order_by(load_state.c.scope)).mappings():
            found[row["scope"]] = LoadState(scope=row["scope"], fingerprint=row["fingerprint"], run_id=row["run_id"],
                                            details=json.loads(row["details"] or "{}"), loaded_at=row["loaded_at"])
        return found
