"""Finding 9: a BI tool polling the DuckDB file once a second (read-only connections, in another process)
must not make a run lose a year, and a write lock another process keeps gives one line naming that
process, never tracebacks or a crashed summary. Opening a locked file is retried with backoff for
ESG_DUCKDB_LOCK_WAIT_S; dbt's own connections retry as long."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from esg_pipeline.warehouse import WarehouseLocked, make_engine
from esg_pipeline_tests.faults.runs import (
    YEARS, clean_marts, finish, marts_snapshot, run_env, sample_catalog, start_run, warehouse_url,
)

# A dashboard: every second it opens the file read-only, runs its queries (they take a while), and closes;
# when the pipeline holds the file it tries again on its next tick. It counts what it saw.
BI_READER = """
import sys, time, duckdb
path, stop = sys.argv[1], sys.argv[2]
read = refused = 0
import os
while not os.path.exists(stop):
    try:
        con = duckdb.connect(path, read_only=True)
        try:
            con.execute("select count(*) from information_schema.tables").fetchall()
            time.sleep(0.4)
        finally:
            con.close()
        read += 1
    except duckdb.Error:
        refused += 1
    time.sleep(1)
print(read, refused, flush=True)
"""

# Another writer that keeps the file open: a second pipeline, or a notebook left connected.
WRITER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
"""


def hold(path: Path, seconds: float) -> subprocess.Popen:
    path.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder


def test_a_bi_reader_polling_every_second_costs_the_run_no_year(tmp_path):
    expected = clean_marts(tmp_path)
    data = tmp_path / "data"
    database = data / "warehouse" / "esg.duckdb"
    stop = tmp_path / "stop-reading"
    database.parent.mkdir(parents=True)
    reader = subprocess.Popen([sys.executable, "-c", BI_READER, str(database), str(stop)], stdout=subprocess.PIPE,
                              text=True)
    try:
        code, out, err = finish(start_run(sample_catalog(tmp_path / "catalog"), run_env(data)))
    finally:
        stop.touch()
        read, refused = map(int, reader.communicate(timeout=30)[0].split())
    assert code == 0, out[-2000:] + err[-3000:]
    assert read >= 5 and refused >= 1  # the reader read the warehouse during the run, and they contended
    assert "Traceback" not in err
    assert marts_snapshot(warehouse_url(data)) == expected
    assert {int(line.split()[0]) for line in out.splitlines() if line.strip()[:4].isdigit()} == set(YEARS)


def test_a_write_lock_held_through_the_run_is_one_line_naming_its_process(tmp_path):
    data = tmp_path / "data"
    holder = hold(data / "warehouse" / "esg.duckdb", 600)
    try:
        code, out, err = finish(start_run(sample_catalog(tmp_path / "catalog"),
                                          run_env(data, ESG_DUCKDB_LOCK_WAIT_S="2")), timeout=600)
    finally:
        holder.kill()
        holder.wait()
    assert code == 1
    assert "Traceback" not in err and "Stack Trace" not in err, err[-3000:]
    [line] = err.strip().splitlines()
    assert line.startswith(f"esg-pipeline run: stopped: warehouse {data / 'warehouse' / 'esg.duckdb'} "
                           f"is locked by process {holder.pid} (")
    assert line.endswith("; gave up after 2 s (ESG_DUCKDB_LOCK_WAIT_S)")
    assert "[1/2] reporting year 2021" in out and "[2/2]" not in out  # later years would wait for the same lock


def test_a_connect_waits_for_a_lock_to_go_and_gives_up_at_the_wait(tmp_path):
    path = tmp_path / "w.duckdb"
    holder = hold(path, 1.5)
    started = time.monotonic()
    with make_engine(f"duckdb:///{path}", lock_wait_s=30).connect() as conn:  # retried until the holder exits
        assert conn.execute(sa.text("select 42")).scalar() == 42
    assert 0.5 < time.monotonic() - started < 30
    holder.wait()

    holder = hold(path, 60)
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseLocked) as info:
            make_engine(f"duckdb:///{path}", read_only=True, lock_wait_s=1).connect()
        assert 1 <= time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait()
    message = str(info.value)
    assert message.startswith(f"warehouse {path} is locked by process {holder.pid} (") and "\n" not in message
