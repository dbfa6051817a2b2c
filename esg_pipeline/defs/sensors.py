"""Reports arrive without waiting for the schedule: files dropped in the inbox, edits to the catalog."""
import hashlib
import json

import dagster as dg

from esg_pipeline.ingest.catalog import CatalogFileError, changed_years, load_catalog
from esg_pipeline.defs.automation import esg_annual_job
from esg_pipeline.defs.partitions import companies_tag, reporting_year_partitions
from esg_pipeline.defs.resources import PipelineSettings
from esg_pipeline.ingest.inbox import new_files, scan_inbox


@dg.sensor(job=esg_annual_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED)
def report_arrival_sensor(context: dg.SensorEvaluationContext, pipeline: PipelineSettings):
    """Request the year partitions touched by new inbox files or by catalog edits. A year touched only by
    inbox files is run for those files' companies (the `esg/companies` tag); a catalog edit runs the year."""
    cursor = json.loads(context.cursor) if context.cursor else {}
    files = scan_inbox(pipeline.inbox_dir, max_bytes=pipeline.max_report_bytes)
    years: dict[str, str] = {}  # partition -> why
    inbox_companies: dict[str, set[str]] = {}  # partition -> companies of its new inbox files (a ready file names one)
    for file in new_files(files, set(cursor.get("inbox", []))):
        if file.ready:
            years[str(file.year)] = f"inbox file {file.path.name}"
            inbox_companies.setdefault(str(file.year), set()).add(file.company_id)
        else:
            context.log.warning(file.problem)

    try:
        digests = {str(y): d for y, d in load_catalog(pipeline.catalog_path).year_digests().items()}
    except CatalogFileError as exc:
        context.log.error(str(exc))
        digests = cursor.get("catalog", {})
    if "catalog" in cursor:  # the first tick only learns the catalog; it does not backfill history
        for year in changed_years(cursor["catalog"], digests) & digests.keys():  # removed years: nothing to run
            years.setdefault(year, "catalog entries changed")
            inbox_companies.pop(year, None)  # the catalog changed: the whole year runs

    existing = set(reporting_year_partitions.get_partition_keys())
    requests = []
    for year, why in sorted(years.items()):
        if year not in existing:
            context.log.warning(f"no partition for reporting year {year} yet ({why})")
            continue
        run_key = f"{year}:{hashlib.sha256((why + json.dumps(digests)).encode()).hexdigest()[:12]}"
        requests.append(dg.RunRequest(run_key=run_key, partition_key=year,
                                      tags={"esg/trigger": why, **companies_tag(inbox_companies.get(year, ()))}))
    new_cursor = {"inbox": sorted(f.fingerprint for f in files), "catalog": digests}
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(new_cursor))

