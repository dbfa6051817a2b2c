import dagster as dg

# Keys like "2017": one partition per reporting year; a year's partition exists once the year has ended.
reporting_year_partitions = dg.TimeWindowPartitionsDefinition(
    start="2010", fmt="%Y", cron_schedule="0 0 1 1 *", timezone="UTC"
)
