"""What dbt keeps in target/ between runs (warehouse/dbt_runs.py): the parse state a build on the same
warehouse starts from, and only the newest build folders. The pipeline's own use is in
test_unchanged_reruns.py (a second build on a warehouse does not parse the project again)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from esg_pipeline.settings import DBT_PROJECT_DIR
from esg_pipeline.warehouse.db import dbt_environment
from esg_pipeline.warehouse.dbt_runs import PARSE_STATE, keep_parse_state, parse_project, prune_runs


def test_only_the_newest_build_folders_are_kept_and_others_left_alone(tmp_path):
    for age in range(6):
        run = tmp_path / f"esg_dbt_models-{age}"
        (run / "compiled").mkdir(parents=True)
        os.utime(run, (1_000_000 - age, 1_000_000 - age))  # 0 is the newest
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    (tmp_path / "other_op-1").mkdir()
    removed = prune_runs(tmp_path, "esg_dbt_models", keep=4)
    assert sorted(p.name for p in removed) == ["esg_dbt_models-4", "esg_dbt_models-5"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "esg_dbt_models-0", "esg_dbt_models-1", "esg_dbt_models-2", "esg_dbt_models-3", "manifest.json", "other_op-1"]


def test_a_builds_parse_state_replaces_the_projects_and_a_build_without_one_leaves_it(tmp_path):
    target, run = tmp_path / "target", tmp_path / "target" / "esg_dbt_models-1"
    run.mkdir(parents=True)
    (target / PARSE_STATE).write_bytes(b"old")
    assert not keep_parse_state(run, target) and (target / PARSE_STATE).read_bytes() == b"old"
    (run / PARSE_STATE).write_bytes(b"new")
    assert keep_parse_state(run, target) and (target / PARSE_STATE).read_bytes() == b"new"
    assert sorted(p.name for p in target.iterdir()) == ["esg_dbt_models-1", PARSE_STATE]  # no temporary left


def _parse(project: Path, url: str) -> str:
    dbt = Path(sys.executable).with_name("dbt")
    done = subprocess.run([str(dbt), "parse", "--profiles-dir", "."], cwd=project, capture_output=True, text=True,
                          env=dict(os.environ, **dbt_environment(url)), timeout=600, check=True)
    return done.stdout


def test_the_install_parse_is_the_one_a_build_on_that_warehouse_starts_from(tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    warehouse = f"duckdb:///{tmp_path / 'warehouse' / 'esg.duckdb'}"
    parse_project(warehouse, project_dir=project)
    assert (project / "target" / "manifest.json").is_file()
    assert "Unable to do partial parsing" not in _parse(project, warehouse)  # same warehouse: the saved parse
    assert "Unable to do partial parsing" in _parse(project, f"duckdb:///{tmp_path / 'elsewhere.duckdb'}")
