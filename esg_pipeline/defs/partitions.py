"""How runs are cut: one partition per reporting year, and, inside a year, the companies a run targets.

A year partition holds every company's report of that year, so the annual run and a backfill of years
take one run per year (Dagster cannot run a range of two-dimensional partitions in one run, and a run per
company x year would spend more on run overhead than on the reports). A run that names companies in its
`esg/companies` tag ingests, extracts and loads only those companies' reports of the year and leaves the
other companies' rows as they are: `esg-pipeline run --company heron --from 2019 --to 2023`, the UI's
backfill dialog with that tag, or the inbox sensor for the companies whose files arrived.
"""
from collections.abc import Iterable

import dagster as dg

# Keys like "2017": one partition per reporting year; a year's partition exists once the year has ended.
reporting_year_partitions = dg.TimeWindowPartitionsDefinition(
    start="2010", fmt="%Y", cron_schedule="0 0 1 1 *", timezone="UTC"
)

COMPANIES_TAG = "esg/companies"  # comma-separated catalog company ids a run is limited to


def companies_tag(companies: Iterable[str]) -> dict[str, str]:
    """The run tags that limit a run to `companies` (none: every company)."""
    chosen = sorted({c.strip() for c in companies if c and c.strip()})
    return {COMPANIES_TAG: ",".join(chosen)} if chosen else {}


def targeted_companies(tags: dict[str, str]) -> frozenset[str] | None:
    """The companies a run's tags limit it to, or None for every company."""
    value = (tags or {}).get(COMPANIES_TAG, "")
    chosen = frozenset(c.strip() for c in value.split(",") if c.strip())
    return chosen or None


def yearly_warehouse_table(key: list[str], **kwargs):
    """An asset that writes one reporting year of a warehouse table; DuckDB's single writer -> one pool."""
    return dg.asset(key=key, partitions_def=reporting_year_partitions, group_name="warehouse",
                    kinds={"sqlalchemy"}, pool="warehouse", **kwargs)
