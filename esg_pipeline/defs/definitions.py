"""The code location: `dagster dev -w workspace.yaml` loads `defs` from here."""

import dagster as dg

from esg_pipeline.defs import automation, dbt, ingest, metrics, reference, sensors
from esg_pipeline.defs.executors import configured_executor
from esg_pipeline.defs.resources import default_resources
from esg_pipeline.settings import quiet_third_party_output

quiet_third_party_output()

ALL_ASSETS = dg.load_assets_from_modules([ingest, metrics, reference, dbt])

defs = dg.Definitions(
    assets=ALL_ASSETS,
    jobs=[automation.esg_annual_job],
    schedules=[automation.annual_reporting_season_schedule],
    sensors=[sensors.report_arrival_sensor],
    resources=default_resources(),
    # In-process unless ESG_EXECUTOR says otherwise (defs/executors.py): steps are light and DuckDB takes
    # one writer, so one process per run avoids lock contention even on instances without the `warehouse` pool.
    executor=configured_executor(),
)


def annual_job() -> dg.JobDefinition:
    """The annual job with the executor and resources the environment names now: the target out-of-process
    executors rebuild in each step process (`dg.execute_job(dg.reconstructable(annual_job), ...)`)."""
    return dg.Definitions(
        assets=ALL_ASSETS, jobs=[automation.esg_annual_job], resources=default_resources(), executor=configured_executor(),
    ).resolve_job_def(automation.esg_annual_job.name)
