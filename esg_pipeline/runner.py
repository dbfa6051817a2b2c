"""Materialize the pipeline for a set of reporting years through Dagster, as the CLI's `run` does.

Partitioned assets run once per year; the reference tables and dbt models, which read every year,
run once afterwards. Each call is an ordinary Dagster run, visible in the UI when DAGSTER_HOME is set.
Runs of killed processes are cleared first, SIGTERM and SIGINT stop the run (`recovery`), and Dagster's
own log (stack traces included) goes to the log file; the caller gets one line per failed step.
"""
from __future__ import annotations

import contextlib
import gc
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from dataclasses import dataclass, field

import dagster as dg

from esg_pipeline import recovery, settings
from esg_pipeline.defs.definitions import ALL_ASSETS
from esg_pipeline.defs.partitions import (
    COMPANIES_TAG, companies_tag, reporting_year_partitions, targeted_companies,
)
from esg_pipeline.defs.resources import PipelineSettings, WarehouseResource
from esg_pipeline.defs.dbt import dbt_resource
from esg_pipeline.defs.ingest import local_report_jobs
from esg_pipeline.report_work import ExtractAhead
from esg_pipeline.warehouse import WarehouseLocked


@dataclass
class StepResult:
    label: str
    success: bool
    run_id: str = ""  # the Dagster run: its ledger rows carry it
    failed_checks: list[str] = field(default_factory=list)  # "asset:check (severity)"
    errors: list[str] = field(default_factory=list)
    locked: str | None = None  # a step found the warehouse locked by another process past the wait: why
    # raw_reports' materialization metadata: reports read and extracted this run, and those from the cache
    extracted: int = 0
    from_cache: int = 0
    seconds: float = 0.0
    step_seconds: dict[str, float] = field(default_factory=dict)  # Dagster step -> wall seconds
    # raw_reports' own split of its time: fetching and storing, then reading and extracting
    fetch_seconds: float = 0.0
    extract_seconds: float = 0.0
    skipped: str | None = None  # why the step's loads (a year) or build (dbt) were skipped: inputs unchanged


@dataclass
class PipelineRun:
    steps: list[StepResult] = field(default_factory=list)
    locked: str | None = None  # the run stopped there: every later step would wait for the same lock
    read_ahead: int = 0  # reports read and extracted ahead of their years' runs (ExtractAhead)
    waited_seconds: float = 0.0  # the years' runs waiting for their reports to be read ahead

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
    """dbt's event stream writes to stdout and Dagster's log (with stack traces) to stderr: both go to the
    log file; the terminal keeps the progress, one line per failure and the summary."""
    with log_file.open("a", encoding="utf-8") as log, contextlib.redirect_stdout(log), \
            contextlib.redirect_stderr(log):
        yield


def _run_config(log_level: str) -> dict:
    return {"loggers": {"console": {"config": {"log_level": log_level}}}}


def _instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.get() if settings.dagster_home() else dg.DagsterInstance.ephemeral()


def _root_cause(error):
    while error.cause is not None:
        error = error.cause
    return error


def _one_line(error) -> str:
    """The root cause of a step's error (a SerializableErrorInfo chain) in one line, without its module path."""
    error = _root_cause(error)
    line = next((part.strip() for part in error.message.splitlines() if part.strip()), error.cls_name or "error")
    kind, _, text = line.partition(": ")
    return text if text and " " not in kind else line


def _result(label: str, result: dg.ExecuteInJobResult, instance: dg.DagsterInstance | None = None) -> StepResult:
    failed_checks = [
        f"{e.asset_key.to_user_string()}:{e.check_name} ({e.severity.value})"
        for e in result.get_asset_check_evaluations()
        if not e.passed
    ]
    errors, locked = [], None
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            errors.append(f"{event.step_key}: {_one_line(event.step_failure_data.error)}")
            if _root_cause(event.step_failure_data.error).cls_name == WarehouseLocked.__name__:
                locked = locked or _one_line(event.step_failure_data.error)
    counts = {"extracted": 0, "from_cache": 0, "fetch_seconds": 0.0, "extract_seconds": 0.0}
    for event in result.get_asset_materialization_events():
        if event.asset_key == dg.AssetKey("raw_reports"):
            metadata = event.materialization.metadata
            for name in counts:
                if name in metadata:
                    counts[name] += metadata[name].value
    skipped = next((e.asset_observation_data.asset_observation.metadata["skipped"].value
                    for e in result.get_asset_observation_events()
                    if "skipped" in e.asset_observation_data.asset_observation.metadata), None)
    step_seconds = {}
    if instance is not None:
        for stats in instance.get_run_step_stats(result.run_id):
            if stats.start_time and stats.end_time:
                step_seconds[stats.step_key] = round(stats.end_time - stats.start_time, 3)
    return StepResult(label=label, success=result.success, run_id=result.run_id, failed_checks=failed_checks,
                      errors=errors, locked=locked, step_seconds=step_seconds, skipped=skipped, **counts)


def _materialize(stop: recovery.SignalStop, log_file: Path, **kwargs) -> dg.ExecuteInJobResult:
    """One Dagster run; RunStopped when a signal arrived during it (Dagster interrupts the step it is in)."""
    try:
        with _output_to(log_file):
            result = dg.materialize(ALL_ASSETS, raise_on_error=False, **kwargs)
    except (KeyboardInterrupt, dg.DagsterExecutionInterruptedError):
        if stop.signum is None:
            raise
    stop.check()
    return result


@contextlib.contextmanager
def _extract_ahead(pipeline: PipelineSettings, years: list[int], companies: frozenset[str] | None,
                   progress: Callable[[str], None]) -> Iterator[ExtractAhead | None]:
    """For a run of several years, the reports of every year read and extracted in the background, in year
    order, while the earlier years validate and load (`report_work.ExtractAhead`); None for one year and
    for `--force` (whose years' runs read every report themselves)."""
    if len(years) < 2 or pipeline.force_extract:
        yield None
        return
    from tqdm import tqdm

    with tqdm(desc="read+extract", unit="report", file=sys.stderr, disable=not pipeline.show_progress,
              dynamic_ncols=True) as bar:
        def advance(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        progress(f"reading and extracting the reports of {len(years)} years ahead of their runs "
                 f"({pipeline.workers()} processes)")
        with ExtractAhead(lambda: local_report_jobs(pipeline, years, companies), workers=pipeline.workers(),
                          limits=pipeline.parse_limits(), session=pipeline.run_session, progress=advance) as ahead:
            yield ahead


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
    force: bool = False,
    extract_workers: int = 0,
    extract_cache_dir: str = "",
    show_progress: bool = False,
) -> PipelineRun:
    """One run per year of the partitioned assets, then one of the marts. `companies` limits the year runs to
    those catalog companies' reports (the `esg/companies` tag); the others' rows stay as they are. `force`:
    read and extract every report again, ignoring the extraction cache; `extract_workers`: processes for
    that (0: ESG_EXTRACT_WORKERS, else one per core); `show_progress`: a per-report bar on stderr."""
    pipeline = PipelineSettings(catalog_path=catalog_path, raw_store_dir=raw_store_dir, inbox_dir=inbox_dir,
                                force_extract=force, extract_workers=extract_workers,
                                extract_cache_dir=extract_cache_dir, show_progress=show_progress,
                                run_session=uuid.uuid4().hex)
    resources = {"warehouse": WarehouseResource(url=warehouse_url), "pipeline": pipeline, "dbt": dbt_resource()}
    instance = _instance()
    run = PipelineRun()
    years = sorted(set(years))
    log_file.parent.mkdir(parents=True, exist_ok=True)
    dead = recovery.free_dead_runs(instance)
    if dead:
        progress(f"marked {len(dead)} run(s) of killed esg-pipeline processes failed; their pool slots are free")
    targeted = companies_tag(companies)
    process = recovery.process_tags()
    with recovery.stop_on_signals(instance) as stop, \
            _extract_ahead(pipeline, years, targeted_companies(targeted), progress) as ahead:
        for number, year in enumerate(years, 1):
            stop.doing = f"reporting year {year}"
            if ahead is not None:
                stop.doing = f"reading reporting year {year}'s reports"
                waiting = time.perf_counter()
                ahead.wait_for(year)
                run.waited_seconds += time.perf_counter() - waiting
                run.read_ahead = ahead.extracted
                stop.check()
                stop.doing = f"reporting year {year}"
            who = f" ({targeted[COMPANIES_TAG]})" if targeted else ""
            progress(f"[{number}/{len(years)}] reporting year {year}{who}: ingest, extract, validate, load")
            started = time.perf_counter()
            result = _materialize(
                stop, log_file,
                selection=dg.AssetSelection.assets(*_asset_keys(partitioned=True)),
                partition_key=str(year),
                resources=resources,
                instance=instance,
                run_config=_run_config(log_level),
                tags={"esg/source": "cli", **targeted, **process},
            )
            run.steps.append(_result(str(year), result, instance))
            del result  # the year's frames hang off its result: not kept while the next year runs
            gc.collect()  # nor in the reference cycles of its Dagster contexts
            run.steps[-1].seconds = time.perf_counter() - started
            if run.steps[-1].locked:  # every later step would wait for the same lock
                run.locked = run.steps[-1].locked
                return run
        stop.doing = "the dbt models"
        progress(f"reference tables and dbt models (staging, marts); dbt output in {log_file}")
        started = time.perf_counter()
        result = _materialize(
            stop, log_file,
            selection=dg.AssetSelection.assets(*_asset_keys(partitioned=False)),
            resources=resources,
            instance=instance,
            run_config=_run_config(log_level),
            tags={"esg/source": "cli", **process},
        )
        run.steps.append(_result("dbt", result, instance))
        run.steps[-1].seconds = time.perf_counter() - started
        run.locked = run.steps[-1].locked
    return run
