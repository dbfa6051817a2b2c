"""Warehouse inserts on DuckDB go in one statement from an Arrow table: the rows that land are the rows a
plain executemany would have written, and a failing insert still rolls back the whole replacement."""
from __future__ import annotations

import contextlib
import datetime as dt
import os

import pytest
import sqlalchemy as sa

from esg_pipeline.warehouse import ensure_schema, make_engine, replace_owned_rows
from esg_pipeline_tests.helpers import postgres_databases
from esg_pipeline.warehouse import schema as wh


def metric(n: int, **overrides) -> dict:
    row = {c.name: None for c in wh.metrics.columns}
    row.update(metric_id=f"m{n:05d}", report_year=2022, report_id=f"acme/2022/r{n % 3}", company_id="acme",
               doc_name="r.txt", value=n * 1.5, unit="tCO2e", qualifier="exact", indicator="ghg_scope1",
               metric_year=2022, period_start=dt.date(2022, 1, 1), period_end=dt.date(2022, 12, 31),
               dimension_key="", subject="Scope 1 – Refining ‘upstream’", quote=f"emitted {n} tCO2e\nin 2022",
               char_start=n, char_end=n + 4, line=float(n % 50 or "nan"), page=None, confidence=0.9, flags="")
    row.update(overrides)
    return row


def rows_of(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.select(wh.metrics).order_by(wh.metrics.c.metric_id)).all()


def test_bulk_insert_writes_what_executemany_writes(tmp_path):
    rows = [metric(n) for n in range(2_000)] + [metric(9_999, value=float("nan"), line=7.0, page=3,
                                                       period_start="2021-04-01", hkex_kpi=12)]
    bulk = make_engine(f"duckdb:///{tmp_path / 'bulk.duckdb'}")
    plain = make_engine(f"duckdb:///{tmp_path / 'plain.duckdb'}")
    for engine in (bulk, plain):
        ensure_schema(engine)
    assert replace_owned_rows(bulk, wh.metrics, rows, year=2022, companies=["acme"]) == len(rows)
    from esg_pipeline.warehouse.db import clean_records

    with plain.begin() as conn:
        conn.execute(wh.metrics.insert(), clean_records(wh.metrics, rows))  # one row at a time, the old way
    loaded = rows_of(bulk)
    assert loaded == rows_of(plain)
    last = loaded[-1]._mapping
    assert (last["value"], last["line"], last["page"], last["period_start"], last["hkex_kpi"]) == \
        (None, 7, 3, dt.date(2021, 4, 1), "12")


def test_a_failing_bulk_insert_rolls_back_the_replacement(tmp_path):
    engine = make_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    ensure_schema(engine)
    replace_owned_rows(engine, wh.metrics, [metric(n) for n in range(10)], year=2022, companies=["acme"])
    before = rows_of(engine)
    with pytest.raises(sa.exc.DBAPIError):
        # the second row breaks NOT NULL: the delete before the insert is rolled back too
        replace_owned_rows(engine, wh.metrics, [metric(1), metric(2, report_id=None)], year=2022, companies=["acme"])
    assert rows_of(engine) == before


def test_a_frame_loads_the_rows_its_records_load(tmp_path):
    import pandas as pd

    rows = [metric(n) for n in range(500)] + [metric(777, page=4, value=float("nan"), hkex_kpi=12)]
    engines = [make_engine(f"duckdb:///{tmp_path / f'{name}.duckdb'}") for name in ("frame", "records")]
    for engine in engines:
        ensure_schema(engine)
    frame = pd.DataFrame(rows).assign(failed_expectations="not a metrics column")
    replace_owned_rows(engines[0], wh.metrics, frame, year=2022, companies=[])
    replace_owned_rows(engines[1], wh.metrics, frame.to_dict("records"), year=2022, companies=[])  # the old way
    assert rows_of(engines[0]) == rows_of(engines[1])
    assert len(rows_of(engines[0])) == len(rows)


@pytest.mark.parametrize("backend", ["duckdb", pytest.param("postgres", marks=pytest.mark.skipif(
    not os.environ.get("ESG_TEST_POSTGRES_URL"), reason="ESG_TEST_POSTGRES_URL not set (see .ci/postgres.sh)"))])
def test_a_compact_frame_loads_the_rows_its_records_load(tmp_path, backend, monkeypatch):
    """The year's frame has categorical and Arrow-backed string columns (report_work.metrics_frame): DuckDB's
    Arrow insert reads them from their buffers, PostgreSQL's batched executemany from dicts of plain values,
    and both write what the records write."""
    import pandas as pd

    from esg_pipeline.report_work import REPEATED_COLUMNS
    from esg_pipeline.warehouse import db

    monkeypatch.setattr(db, "INSERT_BATCH_ROWS", 128)  # several batches
    rows = [metric(n) for n in range(500)] + [metric(777, page=4, value=float("nan"), unit=None)]
    frame = pd.DataFrame(rows).astype({c: "category" for c in REPEATED_COLUMNS}).astype(
        {"quote": "str", "metric_id": "str"})
    assert isinstance(frame["report_id"].dtype, pd.CategoricalDtype)
    with contextlib.ExitStack() as stack:
        urls = [f"duckdb:///{tmp_path / f'{name}.duckdb'}" for name in ("frame", "records")] if backend == "duckdb" \
            else stack.enter_context(postgres_databases(2))
        engines = [make_engine(url) for url in urls]
        for engine in engines:
            stack.callback(engine.dispose)
            ensure_schema(engine)
        replace_owned_rows(engines[0], wh.metrics, frame, year=2022, companies=[])
        replace_owned_rows(engines[1], wh.metrics, rows, year=2022, companies=[])
        assert rows_of(engines[0]) == rows_of(engines[1])
        assert len(rows_of(engines[0])) == len(rows)


def test_rows_without_an_arrow_insert_go_in_batches_and_all_land(tmp_path, monkeypatch):
    """Where no Arrow insert is made (PostgreSQL; a table with timestamps) rows become dicts a batch at a
    time, INSERT_BATCH_ROWS each, in the one transaction: every row lands, a frame's as its records'."""
    import pandas as pd

    from esg_pipeline.warehouse import db

    monkeypatch.setattr(db, "INSERT_BATCH_ROWS", 7)
    made = dt.datetime(2024, 5, 1, 12, 0)
    rows = [{"attempt_id": f"a{n:03d}", "run_id": "r", "entry_id": f"acme/2022/r{n}", "company_id": "acme",
             "report_year": 2022, "source": f"r{n}.txt", "attempted_at": made, "status": "new"} for n in range(30)]
    engine = make_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    ensure_schema(engine)
    batches = []

    @sa.event.listens_for(engine, "before_execute")
    def count(conn, clause, multiparams, params, options):
        if isinstance(clause, sa.Insert):
            batches.append(len(multiparams))

    with engine.begin() as conn:
        db.insert_rows(conn, wh.ingest_ledger, pd.DataFrame(rows))
    assert batches == [7, 7, 7, 7, 2]
    with engine.connect() as conn:
        loaded = conn.execute(sa.select(wh.ingest_ledger.c.attempt_id, wh.ingest_ledger.c.attempted_at)
                              .order_by(wh.ingest_ledger.c.attempt_id)).all()
    assert loaded == [(r["attempt_id"], made) for r in rows]
