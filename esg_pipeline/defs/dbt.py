"""dbt owns the SQL: staging views and marts built from the esg_raw tables."""

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from esg_pipeline.defs.resources import PipelineSettings, WarehouseResource
from esg_pipeline.defs.unchanged import DBT_SCOPE, dbt_fingerprint, dbt_relations, marts_present, observe_skipped
from esg_pipeline.settings import DBT_PROJECT_DIR
from esg_pipeline.warehouse import dbt_environment
from esg_pipeline.warehouse.dbt_runs import keep_parse_state, prune_runs
from esg_pipeline.warehouse.writer import LoadState

# The manifest is prepared at build time (`make install` / test fixture), never on import.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """dbt from this interpreter's environment, so a venv works without being activated."""
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else "dbt"


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable())


class EsgDbtTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        # models/staging/* -> "staging", models/marts/* -> "marts", seeds -> "reference"
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


@contextlib.contextmanager
def dbt_target_env(warehouse_url: str) -> Iterator[None]:
    """dbt runs as a subprocess that inherits os.environ; point its profile at our warehouse."""
    env = dbt_environment(warehouse_url)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=EsgDbtTranslator(),
    pool="warehouse",
)
def esg_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource,
                   pipeline: PipelineSettings):
    """`dbt build`, skipped when nothing it reads changed since its last successful build (defs/unchanged.py)
    unless `run --force`; the build's fingerprint is recorded once it has succeeded."""
    with warehouse.writer() as writer:
        fingerprint = dbt_fingerprint(writer, DBT_PROJECT_DIR)
        last = writer.states(DBT_SCOPE).get(DBT_SCOPE)
        built = marts_present(writer, dbt_relations(dbt_project.manifest_path))
    whole = set(context.selected_asset_keys) == set(context.assets_def.keys)  # a subset leaves the others as they are
    if not pipeline.force_extract and whole and built and last is not None and last.fingerprint == fingerprint:
        why = (f"raw tables, overrides and dbt project unchanged since the build of run {last.run_id} "
               f"({last.loaded_at:%Y-%m-%d %H:%M:%S}; fingerprint {fingerprint[:12]}): the marts stand")
        context.log.info(f"dbt build skipped: {why}")
        yield from observe_skipped([key.path for key in context.selected_asset_keys], why)
        return
    with dbt_target_env(warehouse.url):
        invocation = dbt.cli(["build"], context=context)
        try:
            yield from invocation.stream()  # raises when the build fails: nothing recorded
        finally:  # the parse state holds either way; the next run on this warehouse starts from it
            runs = invocation.target_path.parent  # dagster-dbt's target/ (DBT_TARGET_PATH), a build's folder in it
            keep_parse_state(invocation.target_path, runs)
            prune_runs(runs, context.op_execution_context.op.name)
    if whole:
        with warehouse.writer() as writer:
            writer.record(LoadState(scope=DBT_SCOPE, fingerprint=fingerprint, run_id=context.run_id))
