"""Issue 12, finding 1 (a corrupted raw-store blob), through Dagster: a blob whose content no longer matches
its sha256 is quarantined -- moved aside, never deleted -- and the report read or fetched again from its
source, so the run loads the same figures as a clean run instead of failing on every run from then on."""
from __future__ import annotations

import os
import stat

import dagster as dg

from esg_pipeline.defs.ingest import ingest_ledger, raw_reports, report_text, reports_table
from esg_pipeline.defs.metrics import extracted_metrics, metrics_table, quarantine_table, validate_extracted_metrics
from esg_pipeline.defs.resources import PipelineSettings, WarehouseResource
from esg_pipeline_tests.helpers import query, write_catalog

REPORT = ("Acme ESG Report 2022\n"
          "In 2022 the group consumed 41,200 MWh of electricity and emitted 12,300 tCO2e of Scope 1 emissions. "
          "It employed 1,850 people and donated HK$2.1 million to local schools.\n")
ASSETS = [raw_reports, ingest_ledger, report_text, extracted_metrics, validate_extracted_metrics, metrics_table,
          quarantine_table, reports_table]


def run_year(workdir, catalog) -> str:
    url = f"duckdb:///{workdir / 'warehouse' / 'esg.duckdb'}"
    result = dg.materialize(ASSETS, partition_key="2022", raise_on_error=False, resources={
        "warehouse": WarehouseResource(url=url),
        "pipeline": PipelineSettings(catalog_path=str(catalog), raw_store_dir=str(workdir / "raw"),
                                     inbox_dir=str(workdir / "inbox"))})
    assert result.success
    return url


def corrupt(raw_path: str) -> bytes:
    """Flip bytes of a stored (read-only) blob in place, as a disk fault or a careless hand would."""
    path = os.fspath(raw_path)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    with open(path, "r+b") as blob:
        blob.write(b"XXXX")
    with open(path, "rb") as blob:
        return blob.read()


def figures(url) -> list:
    return query(url, "select metric_id, value, unit from esg_raw.metrics order by 1")


def check_repaired(workdir, url, clean, damaged: bytes) -> list:
    assert figures(url) == clean
    *_, (status, reason, warnings, sha256, raw_path) = query(
        url, "select status, reason, warnings, sha256, raw_path from esg_raw.ingest_ledger order by attempted_at")
    assert status == "unchanged" and reason is None
    assert f"raw store blob {sha256} was corrupted: quarantined to" in warnings
    [kept] = (workdir / "raw" / "quarantine").iterdir()
    assert kept.name.startswith(sha256) and kept.read_bytes() == damaged  # kept for inspection
    with open(raw_path, "rb") as blob:  # and the intact content is back under its hash
        assert blob.read() == REPORT.encode()
    return query(url, "select status from esg_raw.reports")


def test_a_corrupted_blob_of_a_local_report_is_quarantined_and_read_again(workdir):
    (workdir / "acme.txt").write_text(REPORT, encoding="utf-8")
    catalog = write_catalog(workdir, [{"company": "acme", "year": 2022, "title": "ESG", "source": "acme.txt"}],
                            [{"id": "acme", "name": "Acme"}])
    url = run_year(workdir, catalog)
    clean = figures(url)
    assert len(clean) >= 4
    [(raw_path,)] = query(url, "select raw_path from esg_raw.ingest_ledger")
    damaged = corrupt(raw_path)

    run_year(workdir, catalog)
    assert check_repaired(workdir, url, clean, damaged) == [("unchanged",)]
    run_year(workdir, catalog)  # and it stays repaired
    assert figures(url) == clean
    assert len(list((workdir / "raw" / "quarantine").iterdir())) == 1


def test_a_corrupted_blob_of_an_unchanged_url_is_fetched_again_without_a_conditional_get(workdir, report_server):
    served, base_url, statuses = report_server
    (served / "acme.txt").write_text(REPORT, encoding="utf-8")
    catalog = write_catalog(workdir, [{"company": "acme", "year": 2022, "title": "ESG",
                                       "source": f"{base_url}/acme.txt"}], [{"id": "acme", "name": "Acme"}])
    url = run_year(workdir, catalog)
    clean = figures(url)
    [(raw_path,)] = query(url, "select raw_path from esg_raw.ingest_ledger")
    damaged = corrupt(raw_path)

    run_year(workdir, catalog)
    assert statuses == [200, 304, 200]  # "not modified", but the stored copy is bad: asked again in full
    assert check_repaired(workdir, url, clean, damaged) == [("unchanged",)]
