import dagster as dg

# Keys like "2017": one partition per reporting year; a year's partition exists once the year has ended.
reporting_year_partitions = dg.TimeWindowPartitionsDefinition(
    start="2010", fmt="%Y", cron_schedule="0 0 1 1 *", timezone="UTC"
)


def yearly_warehouse_table(key: list[str], **kwargs):
    """An asset that writes one reporting year of a warehouse table; DuckDB's single writer -> one pool."""
    return dg.asset(key=key, partitions_def=reporting_year_partitions, group_name="warehouse",
                    kinds={"sqlalchemy"}, pool="warehouse", **kwargs)
