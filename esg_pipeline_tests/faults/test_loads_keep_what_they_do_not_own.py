"""Issue 12, findings 1 and 2, through Dagster: loading a year replaces only the rows of the companies this
run loads, and a report that fails on a re-run keeps the figures it loaded before."""
from __future__ import annotations

import dagster as dg

from esg_pipeline.defs.ingest import raw_reports, report_text, reports_table
from esg_pipeline.defs.metrics import extracted_metrics, metrics_table, quarantine_table, validate_extracted_metrics
from esg_pipeline.defs.resources import PipelineSettings, WarehouseResource
from esg_pipeline_tests.helpers import query, write_catalog

REPORT = ("In 2022 the group consumed 41,200 MWh of electricity and emitted 12,300 tCO2e of Scope 1 emissions. "
          "It employed 1,850 people and donated HK$2.1 million to {who}.\n")
ASSETS = [raw_reports, report_text, extracted_metrics, validate_extracted_metrics, metrics_table, quarantine_table,
          reports_table]


def run_year(folder, catalog, url):
    result = dg.materialize(ASSETS, partition_key="2022", raise_on_error=False, resources={
        "warehouse": WarehouseResource(url=url),
        "pipeline": PipelineSettings(catalog_path=str(catalog), raw_store_dir=str(folder / "raw"),
                                     inbox_dir=str(folder / "inbox"))})
    assert result.success


def counts(url):
    return dict(query(url, "select company_id, count(*) from esg_raw.metrics group by company_id"))


def test_a_second_catalog_keeps_the_first_catalogs_companies_and_a_failed_report_keeps_its_figures(tmp_path):
    url = f"duckdb:///{tmp_path / 'esg.duckdb'}"
    folders = {}
    for company in ("acme", "bolt"):
        folder = folders[company] = tmp_path / company
        (folder / "inbox").mkdir(parents=True)
        (folder / "report.txt").write_text(REPORT.format(who=f"{company} schools"), encoding="utf-8")
        write_catalog(folder, [{"company": company, "year": 2022, "title": "ESG Report", "source": "report.txt"}],
                      [{"id": company, "name": f"{company.title()} Holdings"}])
    run_year(folders["acme"], folders["acme"] / "catalog.yaml", url)
    acme = counts(url)["acme"]
    assert acme >= 4
    run_year(folders["bolt"], folders["bolt"] / "catalog.yaml", url)  # another catalog, same year
    assert counts(url) == {"acme": acme, "bolt": acme}
    assert sorted(query(url, "select company_id from esg_raw.reports")) == [("acme",), ("bolt",)]

    (folders["acme"] / "report.txt").unlink()  # the source is gone on the re-run
    run_year(folders["acme"], folders["acme"] / "catalog.yaml", url)
    assert counts(url) == {"acme": acme, "bolt": acme}  # last good data stays
    [(status,)] = query(url, "select status from esg_raw.reports where company_id = 'acme'")
    assert status == "failed"
