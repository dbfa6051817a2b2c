"""Extract, validate (GX 1.x as asset checks) and load metrics of a reporting year."""

import time

import dagster as dg
import pandas as pd

from esg_pipeline.defs.partitions import reporting_year_partitions, yearly_warehouse_table
from esg_pipeline.defs.resources import PipelineSettings, WarehouseResource
from esg_pipeline.defs.unchanged import SKIPPED_WITH_THE_LOADS, observe_skipped, year_load
from esg_pipeline.pipeline import ReportText, run_scope
from esg_pipeline.quality.metrics_suite import validate_metrics
from esg_pipeline.report_work import metrics_frame
from esg_pipeline.taxonomy import load_taxonomy
from esg_pipeline.warehouse import schema as wh

METRIC_COLUMNS = [c.name for c in wh.metrics.columns]


@dg.asset(partitions_def=reporting_year_partitions, group_name="extract", kinds={"python", "pandas"},
          output_required=False)
def extracted_metrics(context: dg.AssetExecutionContext, report_text: list[ReportText], raw_reports: list[dict]):
    """Every quantitative statement found in the year's reports, with its sentence and provenance (the rows
    raw_reports' workers extracted, or an earlier run's for an unchanged report, from the extraction cache).
    No output when the year's loads stand (their inputs are unchanged, defs/unchanged.py): Dagster then
    skips the validation and the loads after it."""
    load = year_load(raw_reports)
    if load is not None and load.unchanged:
        why = load.why()
        context.log.info(f"{context.partition_key}: extraction rows, validation and loads skipped: {why}")
        yield from observe_skipped(SKIPPED_WITH_THE_LOADS, why, context.partition_key,
                                   fingerprint=load.fingerprint, reports=len(report_text))
        return
    started = time.perf_counter()
    frame = metrics_frame([report.extraction for report in report_text], METRIC_COLUMNS)
    yield dg.Output(frame, metadata={
        "rows": len(frame),
        "reports": len(report_text),
        "by_indicator": dg.MetadataValue.json(frame["indicator"].value_counts().to_dict()),
        "seconds": round(time.perf_counter() - started, 3),
    })


CHECKS = [
    dg.AssetCheckSpec("metrics_schema", asset="validated_metrics", blocking=True,
                      description="Table-level expectations: the columns the warehouse needs are there."),
    dg.AssetCheckSpec("row_expectations", asset="validated_metrics",
                      description="Row-level GX expectations; failing rows are quarantined with the reason."),
    dg.AssetCheckSpec("quarantine_share", asset="validated_metrics", blocking=True,
                      description="Too large a share of quarantined rows means the partition is broken."),
]


@dg.multi_asset(
    partitions_def=reporting_year_partitions,
    group_name="quality",
    outs={
        "validated_metrics": dg.AssetOut(kinds={"pandas"}, description="Metrics that passed every expectation."),
        "quarantined_metrics": dg.AssetOut(kinds={"pandas"},
                                           description="Metrics held back, with the expectations they failed."),
    },
    check_specs=CHECKS,
)
def validate_extracted_metrics(context: dg.AssetExecutionContext, extracted_metrics: pd.DataFrame,
                               pipeline: PipelineSettings):
    started = time.perf_counter()
    outcome = validate_metrics(extracted_metrics, allowed_indicators={i.id for i in load_taxonomy()})
    seconds = round(time.perf_counter() - started, 3)
    yield dg.Output(outcome.valid, output_name="validated_metrics", metadata={"rows": len(outcome.valid),
                                                                              "seconds": seconds})
    yield dg.Output(outcome.quarantined, output_name="quarantined_metrics", metadata={"rows": len(outcome.quarantined),
                                                                                      "seconds": seconds})

    table_failures = outcome.table_failures
    yield dg.AssetCheckResult(
        check_name="metrics_schema", asset_key="validated_metrics", passed=not table_failures,
        metadata={"failed": dg.MetadataValue.json([e.name for e in table_failures])},
    )
    yield dg.AssetCheckResult(
        check_name="row_expectations", asset_key="validated_metrics", passed=not outcome.row_failures,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "quarantined_rows": len(outcome.quarantined),
            "failed_expectations": dg.MetadataValue.json({e.name: e.unexpected_count for e in outcome.row_failures}),
        },
    )
    share = outcome.quarantine_share
    yield dg.AssetCheckResult(
        check_name="quarantine_share", asset_key="validated_metrics", passed=share <= pipeline.max_quarantine_share,
        metadata={"share": share, "max_share": pipeline.max_quarantine_share},
    )


def _load_year(context: dg.AssetExecutionContext, table, frame: pd.DataFrame, raw_reports: list[dict],
               warehouse: WarehouseResource):
    year = int(context.partition_key)
    started = time.perf_counter()
    scope = run_scope(raw_reports)
    load = year_load(raw_reports)
    with warehouse.writer() as writer:  # the rows and what they were made from, in one transaction
        loaded = writer.replace_owned(table, frame, year=year, companies=scope.companies,
                                      keep_reports=scope.failed_reports,
                                      state=load.state(table, context.run_id) if load else None)
    return dg.MaterializeResult(metadata={"rows": loaded, "table": f"{wh.RAW_SCHEMA}.{table.name}",
                                          "seconds": round(time.perf_counter() - started, 3),
                                          "kept_from_earlier_runs": dg.MetadataValue.json(sorted(scope.failed_reports))})


@yearly_warehouse_table(["esg_raw", "metrics"])
def metrics_table(context: dg.AssetExecutionContext, validated_metrics: pd.DataFrame, raw_reports: list[dict],
                  warehouse: WarehouseResource):
    """Validated metrics of the year's reports of this run, replaced in one transaction so re-runs never
    duplicate; a report that failed this time keeps the figures it loaded before."""
    return _load_year(context, wh.metrics, validated_metrics, raw_reports, warehouse)


@yearly_warehouse_table(["esg_raw", "quarantine"])
def quarantine_table(context: dg.AssetExecutionContext, quarantined_metrics: pd.DataFrame, raw_reports: list[dict],
                     warehouse: WarehouseResource):
    """Quarantined metrics of the year with the expectations they failed."""
    return _load_year(context, wh.quarantine, quarantined_metrics, raw_reports, warehouse)
