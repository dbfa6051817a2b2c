"""Real `esg-pipeline run` processes for the run-level fault tests: a small catalog of the bundled sample
reports (two years, two companies), a Dagster instance with the shipped dagster.yaml, and the marts of a
clean run to compare against (built once per test session)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from esg_pipeline.warehouse import make_engine
from esg_pipeline_tests.helpers import write_catalog

REPO = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).with_name("esg-pipeline")
SAMPLES = REPO / "data" / "reports"
YEARS = (2021, 2022)
RUN_TIMEOUT_S = 900  # a whole run on a loaded two-core machine; a run that hangs fails the test here
VOLATILE_COLUMNS = {"fetched_at"}  # when a report was fetched: differs between any two runs
# A report's status says whether its content is new to the warehouse: after earlier (killed) runs fetched
# it, a complete run finds it `unchanged` where a first run finds it `new`. Both are a loaded report.
SAME_STATUS = {"unchanged": "new"}


def sample_catalog(folder: Path) -> Path:
    """Two reporting years of the bundled samples: text, HTML and text reports of two companies."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_catalog(folder, [
        {"company": "harbourline", "year": 2021, "title": "ESG Report 2021",
         "source": str(SAMPLES / "harbourline" / "2021_esg_report.txt")},
        {"company": "harbourline", "year": 2022, "title": "ESG Report 2022",
         "source": str(SAMPLES / "harbourline" / "2022_esg_report.html")},
        {"company": "tianmu", "year": 2022, "title": "ESG Report 2022",
         "source": str(SAMPLES / "tianmu" / "tianmu_2022_esg_report.txt")},
    ], [{"id": "harbourline", "name": "Harbourline Holdings Limited"},
        {"id": "tianmu", "name": "Tianmu Renewables Group"}])


def dagster_home(folder: Path) -> Path:
    """A Dagster instance configured as the shipped one (`warehouse` pool limited to one slot)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", folder / "dagster.yaml")
    return folder


def run_env(data: Path, home: Path | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "ESG_CATALOG")}
    env.update(ESG_DATA_DIR=str(data), ESG_WAREHOUSE_URL=warehouse_url(data), PYTHONPATH=str(REPO), **extra)
    if home is not None:
        env["DAGSTER_HOME"] = str(home)
    return env


def warehouse_url(data: Path) -> str:
    return f"duckdb:///{data / 'warehouse' / 'esg.duckdb'}"


def start_run(catalog: Path, env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([str(CLI), "run", "--catalog", str(catalog), *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(run: subprocess.Popen, timeout: float = RUN_TIMEOUT_S) -> tuple[int, str, str]:
    """The run's exit code, stdout and stderr; a run still going after `timeout` is killed and reported hung."""
    try:
        out, err = run.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        run.kill()
        out, err = run.communicate()
        raise AssertionError(f"the run hung for {timeout} s; its output:\n{out[-2000:]}\n{err[-2000:]}") from None
    return run.returncode, out, err


def marts_snapshot(url: str) -> dict[str, list[tuple]]:
    """Every marts table's rows (sorted, without the fetch timestamps, `unchanged` read as `new`), to compare
    two warehouses."""
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            tables = [t for (t,) in conn.execute(sa.text(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"))]
            snapshot = {}
            for table in tables:
                result = conn.execute(sa.text(f"select * from marts.{table}"))
                columns = list(result.keys())
                keep = [i for i, column in enumerate(columns) if column not in VOLATILE_COLUMNS]
                status = columns.index("status") if "status" in columns else None
                snapshot[table] = sorted((tuple(SAME_STATUS.get(row[i], row[i]) if i == status else row[i]
                                                for i in keep) for row in result), key=repr)
            return snapshot
    finally:
        engine.dispose()


_CLEAN: dict[str, dict[str, list[tuple]]] = {}


def clean_marts(folder: Path) -> dict[str, list[tuple]]:
    """The marts of a clean run of the sample catalog, without faults (one run per test session)."""
    if "marts" not in _CLEAN:
        data = folder / "clean-data"
        code, out, err = finish(start_run(sample_catalog(folder / "clean"), run_env(data)))
        assert code == 0, out[-2000:] + err[-3000:]
        _CLEAN["marts"] = marts_snapshot(warehouse_url(data))
        assert {row for row in _CLEAN["marts"]["fct_esg_metrics"]} and set(YEARS) <= {
            year for (year,) in _years(warehouse_url(data))}
    return _CLEAN["marts"]


def _years(url: str) -> list[tuple]:
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("select distinct metric_year from marts.fct_esg_metrics")).all()
    finally:
        engine.dispose()


def new_runs(instance: dg.DagsterInstance, known: set[str]) -> list[dg.DagsterRun]:
    return [r.dagster_run for r in instance.get_run_records() if r.dagster_run.run_id not in known]


def wait_for(condition, timeout: float, what: str, run: subprocess.Popen | None = None, poll: float = 0.05) -> None:
    """Poll `condition()` until true; fail naming `what` after `timeout` s (or when `run` ended first)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if run is not None and run.poll() is not None:
            out, err = run.communicate()
            raise AssertionError(f"the run ended (exit {run.returncode}) before {what}:\n{out[-1500:]}\n{err[-1500:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s")
        time.sleep(poll)
