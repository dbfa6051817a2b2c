"""When things run: the annual job in reporting season, backfills over year ranges, the inbox sensor."""

import datetime as dt

import dagster as dg

from esg_pipeline.defs.partitions import reporting_year_partitions

esg_annual_job = dg.define_asset_job(
    "esg_annual_job",
    selection=dg.AssetSelection.all(),
    partitions_def=reporting_year_partitions,
    description="Ingest, extract, validate and load one reporting year, then rebuild the dbt marts.",
)


@dg.schedule(job=esg_annual_job, cron_schedule="0 6 1 7 *", execution_timezone="UTC")
def annual_reporting_season_schedule(context: dg.ScheduleEvaluationContext):
    """HKEX issuers publish ESG reports within five months of year end; on 1 July last year's are out."""
    scheduled = context.scheduled_execution_time or dt.datetime.now(dt.timezone.utc)
    year = str(scheduled.year - 1)
    return dg.RunRequest(run_key=f"annual-{year}", partition_key=year)
