"""The code location: `dagster dev -w workspace.yaml` loads `defs` from here."""

import dagster as dg

from esg_pipeline.defs import automation, dbt, ingest, metrics, reference, sensors
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
    # Steps are light and DuckDB takes one writer: one process per run avoids lock contention
    # even on instances without the `warehouse` pool limit of dagster_home/dagster.yaml.
    executor=dg.in_process_executor,
)
