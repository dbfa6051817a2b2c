"""Reports arrive without waiting for the schedule: files dropped in the inbox, edits to the catalog."""
import hashlib
import json

import dagster as dg

from esg_pipeline.catalog import CatalogFileError, load_catalog
from esg_pipeline.defs.automation import esg_annual_job
from esg_pipeline.defs.partitions import reporting_year_partitions
from esg_pipeline.defs.resources import PipelineSettings
from esg_pipeline.ingest.inbox import new_files, scan_inbox


def catalog_year_digests(catalog_path: str) -> dict[str, str]:
    """One digest per reporting year of the catalog's valid entries; a changed digest means re-run that year."""
    catalog = load_catalog(catalog_path)
    by_year: dict[str, list[str]] = {}
    for entry in catalog.entries:
        by_year.setdefault(str(entry.year), []).append(entry.model_dump_json())
    return {year: hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()[:16] for year, rows in by_year.items()}


@dg.sensor(job=esg_annual_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED)
def report_arrival_sensor(context: dg.SensorEvaluationContext, pipeline: PipelineSettings):
    """Request the year partitions touched by new inbox files or by catalog edits."""
    cursor = json.loads(context.cursor) if context.cursor else {}
    files = scan_inbox(pipeline.inbox_dir, max_bytes=pipeline.max_report_bytes)
    years: dict[str, str] = {}  # partition -> why
    for file in new_files(files, set(cursor.get("inbox", []))):
        if file.ready:
            years[str(file.year)] = f"inbox file {file.path.name}"
        else:
            context.log.warning(file.problem)

    try:
        digests = catalog_year_digests(pipeline.catalog_path)
    except CatalogFileError as exc:
        context.log.error(str(exc))
        digests = cursor.get("catalog", {})
    if "catalog" in cursor:  # the first tick only learns the catalog; it does not backfill history
        before = cursor["catalog"]
        for year in before.keys() | digests.keys():
            if before.get(year) != digests.get(year) and year in digests:
                years.setdefault(year, "catalog entries changed")

    existing = set(reporting_year_partitions.get_partition_keys())
    requests = []
    for year, why in sorted(years.items()):
        if year not in existing:
            context.log.warning(f"no partition for reporting year {year} yet ({why})")
            continue
        run_key = f"{year}:{hashlib.sha256((why + json.dumps(digests)).encode()).hexdigest()[:12]}"
        requests.append(dg.RunRequest(run_key=run_key, partition_key=year, tags={"esg/trigger": why}))
    new_cursor = {"inbox": sorted(f.fingerprint for f in files), "catalog": digests}
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(new_cursor))
