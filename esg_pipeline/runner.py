"""Materialize the pipeline for a set of reporting years through Dagster, as the CLI's `run` does.

Partitioned assets run once per year; the reference tables and dbt models, which read every year,
run once afterwards. Each call is an ordinary Dagster run, visible in the UI when DAGSTER_HOME is set.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from dataclasses import dataclass, field

import dagster as dg

from esg_pipeline.defs.definitions import ALL_ASSETS
from esg_pipeline.defs.partitions import COMPANIES_TAG, companies_tag, reporting_year_partitions
from esg_pipeline.defs.resources import PipelineSettings, WarehouseResource
from esg_pipeline.defs.dbt import dbt_resource


@dataclass
class StepResult:
    label: str
    success: bool
    run_id: str = ""  # the Dagster run: its ledger rows carry it
    failed_checks: list[str] = field(default_factory=list)  # "asset:check (severity)"
    errors: list[str] = field(default_factory=list)


@dataclass
class PipelineRun:
    steps: list[StepResult] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(s.success for s in self.steps)

    @property
    def run_ids(self) -> list[str]:
        return [s.run_id for s in self.steps if s.run_id]


def available_years() -> set[int]:
    return {int(k) for k in reporting_year_partitions.get_partition_keys()}


def _asset_keys(partitioned: bool) -> list[dg.AssetKey]:
    return [key for a in ALL_ASSETS if (a.partitions_def is not None) == partitioned for key in a.keys]


@contextlib.contextmanager
def _output_to(log_file: Path) -> Iterator[None]:
    """dbt's event stream writes to stdout; keep the terminal for progress and the summary."""
    with log_file.open("a", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        yield


def _run_config(log_level: str) -> dict:
    return {"loggers": {"console": {"config": {"log_level": log_level}}}}


def _instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def _result(label: str, result: dg.ExecuteInJobResult) -> StepResult:
    failed_checks = [
        f"{e.asset_key.to_user_string()}:{e.check_name} ({e.severity.value})"
        for e in result.get_asset_check_evaluations()
        if not e.passed
    ]
    errors = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            errors.append(f"{event.step_key}: {event.step_failure_data.error.message.strip()}")
    return StepResult(label=label, success=result.success, run_id=result.run_id, failed_checks=failed_checks,
                      errors=errors)


def run_pipeline(
    years: Iterable[int],
    *,
    catalog_path: str,
    warehouse_url: str,
    raw_store_dir: str,
    inbox_dir: str,
    log_file: Path,
    progress: Callable[[str], None] = print,
    log_level: str = "WARNING",
    companies: Iterable[str] = (),
) -> PipelineRun:
    """One run per year of the partitioned assets, then one of the marts. `companies` limits the year runs to
    those catalog companies' reports (the `esg/companies` tag); the others' rows stay as they are."""
    resources = {
        "warehouse": WarehouseResource(url=warehouse_url),
        "pipeline": PipelineSettings(catalog_path=catalog_path, raw_store_dir=raw_store_dir, inbox_dir=inbox_dir),
        "dbt": dbt_resource(),
    }
    instance = _instance()
    run = PipelineRun()
    years = sorted(set(years))
    log_file.parent.mkdir(parents=True, exist_ok=True)
    targeted = companies_tag(companies)
    for number, year in enumerate(years, 1):
        who = f" ({targeted[COMPANIES_TAG]})" if targeted else ""
        progress(f"[{number}/{len(years)}] reporting year {year}{who}: ingest, extract, validate, load")
        with _output_to(log_file):
            result = dg.materialize(
                ALL_ASSETS,
                selection=dg.AssetSelection.assets(*_asset_keys(partitioned=True)),
                partition_key=str(year),
                resources=resources,
                instance=instance,
                raise_on_error=False,
                run_config=_run_config(log_level),
                tags={"esg/source": "cli", **targeted},
            )
        run.steps.append(_result(str(year), result))
    progress(f"reference tables and dbt models (staging, marts); dbt output in {log_file}")
    with _output_to(log_file):
        result = dg.materialize(
            ALL_ASSETS,
            selection=dg.AssetSelection.assets(*_asset_keys(partitioned=False)),
            resources=resources,
            instance=instance,
            raise_on_error=False,
            run_config=_run_config(log_level),
            tags={"esg/source": "cli"},
        )
    run.steps.append(_result("dbt", result))
    return run
