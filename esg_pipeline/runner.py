"""Materialize the pipeline for a set of reporting years through Dagster, as the CLI's `run` does.

Partitioned assets run once per year; the reference tables and dbt models, which read every year,
run once afterwards. Each call is an ordinary Dagster run, visible in the UI when DAGSTER_HOME is set.
"""
from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from dataclasses import dataclass, field

import dagster as dg

from esg_pipeline.defs.definitions import ALL_ASSETS
from esg_pipeline.defs.partitions import reporting_year_partitions
from esg_pipeline.defs.resources import PipelineSettings, WarehouseResource
from esg_pipeline.defs.dbt import dbt_resource


@dataclass
class StepResult:
    label: str
    success: bool
    failed_checks: list[str] = field(default_factory=list)  # "asset:check (severity)"
    errors: list[str] = field(default_factory=list)
    # raw_reports' materialization metadata: reports read and extracted this run, and those from the cache
    extracted: int = 0
    from_cache: int = 0
    seconds: float = 0.0
    step_seconds: dict[str, float] = field(default_factory=dict)  # Dagster step -> wall seconds
    # raw_reports' own split of its time: fetching and storing, then reading and extracting
    fetch_seconds: float = 0.0
    extract_seconds: float = 0.0


@dataclass
class PipelineRun:
    steps: list[StepResult] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(s.success for s in self.steps)


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


def _result(label: str, result: dg.ExecuteInJobResult, instance: dg.DagsterInstance | None = None) -> StepResult:
    failed_checks = [
        f"{e.asset_key.to_user_string()}:{e.check_name} ({e.severity.value})"
        for e in result.get_asset_check_evaluations()
        if not e.passed
    ]
    errors = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            errors.append(f"{event.step_key}: {event.step_failure_data.error.message.strip()}")
    counts = {"extracted": 0, "from_cache": 0, "fetch_seconds": 0.0, "extract_seconds": 0.0}
    for event in result.get_asset_materialization_events():
        if event.asset_key == dg.AssetKey("raw_reports"):
            metadata = event.materialization.metadata
            for name in counts:
                if name in metadata:
                    counts[name] += metadata[name].value
    step_seconds = {}
    if instance is not None:
        for stats in instance.get_run_step_stats(result.run_id):
            if stats.start_time and stats.end_time:
                step_seconds[stats.step_key] = round(stats.end_time - stats.start_time, 3)
    return StepResult(label=label, success=result.success, failed_checks=failed_checks, errors=errors,
                      step_seconds=step_seconds, **counts)


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
    force: bool = False,
    extract_workers: int = 0,
    extract_cache_dir: str = "",
    show_progress: bool = False,
) -> PipelineRun:
    """`force`: read and extract every report again, ignoring the extraction cache; `extract_workers`:
    processes for that (0: ESG_EXTRACT_WORKERS, else one per core); `show_progress`: a per-report bar on
    stderr."""
    resources = {
        "warehouse": WarehouseResource(url=warehouse_url),
        "pipeline": PipelineSettings(catalog_path=catalog_path, raw_store_dir=raw_store_dir, inbox_dir=inbox_dir,
                                     force_extract=force, extract_workers=extract_workers,
                                     extract_cache_dir=extract_cache_dir, show_progress=show_progress),
        "dbt": dbt_resource(),
    }
    instance = _instance()
    run = PipelineRun()
    years = sorted(set(years))
    log_file.parent.mkdir(parents=True, exist_ok=True)
    for number, year in enumerate(years, 1):
        progress(f"[{number}/{len(years)}] reporting year {year}: ingest, extract, validate, load")
        started = time.perf_counter()
        with _output_to(log_file):
            result = dg.materialize(
                ALL_ASSETS,
                selection=dg.AssetSelection.assets(*_asset_keys(partitioned=True)),
                partition_key=str(year),
                resources=resources,
                instance=instance,
                raise_on_error=False,
                run_config=_run_config(log_level),
                tags={"esg/source": "cli"},
            )
        step = _result(str(year), result, instance)
        step.seconds = time.perf_counter() - started
        run.steps.append(step)
    progress(f"reference tables and dbt models (staging, marts); dbt output in {log_file}")
    started = time.perf_counter()
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
    step = _result("dbt", result, instance)
    step.seconds = time.perf_counter() - started
    run.steps.append(step)
    return run
