"""The warehouse writer every asset writes through: one connection per step, released when the step ends (so
another process can take DuckDB's file lock), each write its own transaction, and a schema that is
already current checked with one query."""
from __future__ import annotations

import subprocess
import sys

import pytest
import sqlalchemy as sa

from esg_pipeline.warehouse import ensure_schema, make_engine
from esg_pipeline.warehouse import schema as wh
from esg_pipeline.warehouse.writer import WarehouseWriter


def _metric(metric_id, company_id="acme", year=2022):
    return {"metric_id": metric_id, "report_year": year, "report_id": f"{company_id}/{year}/esg",
            "company_id": company_id, "value": 1.0}


def other_process_can_write(path) -> bool:
    """Whether a second process can open the DuckDB file for writing now (the lock is free)."""
    script = f"import duckdb; duckdb.connect({str(path)!r}).execute('select 1')"
    return subprocess.run([sys.executable, "-c", script], capture_output=True).returncode == 0


def test_a_steps_writes_share_one_connection_and_release_the_file(tmp_path):
    path = tmp_path / "esg.duckdb"
    connects = []
    listener = lambda *args: connects.append(1)  # noqa: E731 -- every DBAPI connection any engine opens
    sa.event.listen(sa.engine.Engine, "connect", listener)
    try:
        with WarehouseWriter(f"duckdb:///{path}") as writer:
            writer.upsert(wh.companies, [{"company_id": "acme", "company_name": "Acme"}], key="company_id")
            writer.replace_owned(wh.metrics, [_metric("m1"), _metric("m2")], year=2022, companies=["acme"])
            writer.replace(wh.indicators, [])
            opened = len(connects)
            assert not other_process_can_write(path)  # held while the step writes
    finally:
        sa.event.remove(sa.engine.Engine, "connect", listener)
    assert opened == 1  # the schema checked and every write on the same connection
    assert other_process_can_write(path)  # released when the step ends
    engine = make_engine(f"duckdb:///{path}", read_only=True)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from esg_raw.metrics")).scalar() == 2


def test_a_failed_write_rolls_back_alone(tmp_path):
    with WarehouseWriter(f"duckdb:///{tmp_path / 'esg.duckdb'}") as writer:
        writer.replace_owned(wh.metrics, [_metric("m1")], year=2022, companies=["acme"])
        with pytest.raises(sa.exc.DBAPIError):  # a row without its report (NOT NULL): the year's old rows stay
            writer.replace_owned(wh.metrics, [_metric("m2"), {**_metric("m3"), "report_id": None}], year=2022,
                                 companies=["acme"])
        writer.upsert(wh.companies, [{"company_id": "acme", "company_name": "Acme"}], key="company_id")
        rows = writer.connection.execute(sa.text("select metric_id from esg_raw.metrics")).all()
        assert rows == [("m1",)]
        assert writer.connection.execute(sa.text("select count(*) from esg_raw.companies")).scalar() == 1


def test_a_current_schema_is_checked_with_one_query(tmp_path):
    engine = make_engine(f"duckdb:///{tmp_path / 'esg.duckdb'}")
    ensure_schema(engine)
    statements = []
    sa.event.listen(engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: statements.append(statement))
    ensure_schema(engine)
    assert len(statements) == 1
    with engine.begin() as conn:  # a table an older release did not have is created again
        conn.execute(sa.text("drop table esg_raw.companies"))
    ensure_schema(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from esg_raw.companies")).scalar() == 0
