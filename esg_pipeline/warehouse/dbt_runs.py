"""What dbt keeps in its project's target/ from one run to the next.

dagster-dbt gives every `dbt build` a folder of its own under target/ and starts it from
target/partial_parse.msgpack when there is one. dbt reuses that parse state only while the profile's
connection (for DuckDB: the warehouse file) is the one it was made for; otherwise it parses the whole
project again, 15-45 s on this project's 2-core machine. So:

- `parse_project` (make install) parses for the default warehouse, so the first run starts from it;
- `keep_parse_state` puts each build's parse state back in target/, so the next run on the same
  warehouse starts from it (dbt itself re-parses any file changed since);
- `prune_runs` keeps the newest `RUNS_KEPT` build folders (each ~11 MB: manifest, compiled SQL, logs),
  which otherwise pile up with every run.

Pure: no Dagster; `python -m esg_pipeline.warehouse.dbt_runs` is the install step.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from esg_pipeline import settings
from esg_pipeline.warehouse.db import dbt_environment

PARSE_STATE = "partial_parse.msgpack"
RUNS_KEPT = 10  # build folders of past runs kept under target/ (run_results.json, dbt.log, compiled SQL)


def keep_parse_state(run_dir: Path, target: Path) -> bool:
    """Copies the parse state of a build's folder to target/ (replacing it at once, so a run starting
    meanwhile reads the old file or the new one, never half of one). False when the build left none."""
    source = run_dir / PARSE_STATE
    if not source.is_file():
        return False
    partial = target / f".{PARSE_STATE}.{os.getpid()}.tmp"
    shutil.copyfile(source, partial)
    os.replace(partial, target / PARSE_STATE)
    return True


def prune_runs(target: Path, prefix: str, keep: int = RUNS_KEPT) -> list[Path]:
    """Removes all but the `keep` newest build folders named `prefix-*`; returns what it removed."""
    runs = sorted((p for p in target.glob(f"{prefix}-*") if p.is_dir()), key=lambda p: p.stat().st_mtime,
                  reverse=True)
    removed = runs[keep:]
    for run in removed:
        shutil.rmtree(run, ignore_errors=True)
    return removed


def parse_project(warehouse_url: str | None = None, project_dir: Path = settings.DBT_PROJECT_DIR) -> None:
    """`dbt parse` with the profile the pipeline's builds use for `warehouse_url` (default: the
    configured warehouse): writes target/manifest.json, which the Dagster definitions read, and the
    parse state a build on that warehouse starts from."""
    dbt = Path(sys.executable).with_name("dbt")
    env = dict(os.environ, **dbt_environment(warehouse_url or settings.warehouse_url()))
    subprocess.run([str(dbt) if dbt.exists() else "dbt", "parse", "--quiet", "--profiles-dir", "."],
                   cwd=project_dir, env=env, check=True)


if __name__ == "__main__":
    parse_project()
