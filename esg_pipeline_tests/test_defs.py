import datetime as dt

import dagster as dg

from esg_pipeline.defs.definitions import defs
from esg_pipeline.defs.partitions import reporting_year_partitions


def test_definitions_load_and_validate():
    dg.Definitions.validate_loadable(defs)
    assert defs.get_job_def("esg_annual_job").partitions_def == reporting_year_partitions
    assert defs.get_schedule_def("annual_reporting_season_schedule")


def test_lineage_runs_from_raw_report_to_mart():
    graph = defs.resolve_asset_graph()
    key = dg.AssetKey

    def upstream(asset):
        seen, todo = set(), [asset]
        while todo:
            for parent in graph.get(todo.pop()).parent_keys:
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    lineage = upstream(key(["marts", "fct_esg_metrics"]))
    for expected in ("raw_reports", "report_text", "extracted_metrics", "validated_metrics"):
        assert key(expected) in lineage
    # Python asset keys are the dbt sources: dbt models hang off what Python loaded.
    assert key(["esg_raw", "metrics"]) in graph.get(key(["staging", "stg_metrics"])).parent_keys


def test_partitions_are_reporting_years():
    keys = reporting_year_partitions.get_partition_keys()
    assert keys[0] == "2010" and "2017" in keys and all(len(k) == 4 for k in keys)


def test_schedule_requests_last_years_partition():
    schedule = defs.get_schedule_def("annual_reporting_season_schedule")
    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2024, 7, 1, 6, tzinfo=dt.timezone.utc),
        repository_def=defs.get_repository_def(),
    )
    request = schedule.evaluate_tick(context).run_requests[0]
    assert request.partition_key == "2023"
