"""How a run's steps execute: chosen per deployment by ESG_EXECUTOR, configured by a run-config file.

- `in_process` (default): every step in the run's process. DuckDB takes one writer, and the steps are
  light next to extraction, which already uses every core through its own process pool.
- `multiprocess`: each step in its own process. Needs a persistent instance (DAGSTER_HOME); with a DuckDB
  warehouse the instance's `warehouse` pool (limit 1) serialises the writes; on PostgreSQL they run in parallel.
- `celery`, `k8s`: steps as Celery tasks or Kubernetes jobs (`pip install esg-pipeline[scale]`), for a
  cluster whose instance keeps runs and events on PostgreSQL (deploy/instance/dagster.yaml).

The run-config files in deploy/executors/ hold each executor's settings (`execution: config: ...`) and are
checked against the executor's own config schema by the tests.
"""
from __future__ import annotations

import importlib

import dagster as dg

from esg_pipeline import settings

EXECUTORS = {
    "in_process": ("dagster", "in_process_executor"),
    "multiprocess": ("dagster", "multiprocess_executor"),
    "celery": ("dagster_celery", "celery_executor"),
    "k8s": ("dagster_k8s", "k8s_job_executor"),
}


class ExecutorError(ValueError):
    pass


def executor_named(name: str) -> dg.ExecutorDefinition:
    """The executor definition called `name` (a key of EXECUTORS)."""
    try:
        module, attr = EXECUTORS[name]
    except KeyError:
        raise ExecutorError(f"ESG_EXECUTOR={name!r}: not an executor; choose one of {', '.join(EXECUTORS)}") from None
    try:
        return getattr(importlib.import_module(module), attr)
    except ImportError as exc:
        raise ExecutorError(f"ESG_EXECUTOR={name!r} needs {module.replace('_', '-')}: "
                            f"pip install 'esg-pipeline[scale]' ({exc})") from None


def configured_executor() -> dg.ExecutorDefinition:
    """ESG_EXECUTOR, else the in-process executor."""
    return executor_named(settings.executor_name())
