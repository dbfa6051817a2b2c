"""The whole path on real components: catalog -> raw store -> text -> metrics -> GX -> DuckDB -> dbt marts."""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from esg_pipeline.defs.definitions import ALL_ASSETS
from esg_pipeline.defs.partitions import reporting_year_partitions
from esg_pipeline.defs.resources import PipelineSettings, WarehouseResource
from esg_pipeline.runner import run_pipeline
from esg_pipeline.warehouse import make_engine
from esg_pipeline.warehouse.schema import metrics as metrics_table
from esg_pipeline_tests.helpers import query, write_catalog

KESTREL = [{"id": "kestrel", "name": "Kestrel Ports Group"}]

KESTREL_2019 = textwrap.dedent("""\
    Kestrel Ports Group
    Environmental, Social and Governance Report 2019

    Community Investment

    In 2019 the Group donated a total of RMB6.4 million to education and disaster relief, and our
    employees gave more than 3,100 volunteer hours to 14 community organisations.
      • Kestrel Terminals sponsored 220 students through the Harbour 2030 Scholarship.

    Environment

    Total greenhouse gas emissions were approximately 18,450 tCO2e, and we consumed 2.6 million kWh
    of electricity at our terminals.
    """)


def run_years(workdir: Path, catalog: Path, years):
    url = f"duckdb:///{workdir / 'warehouse' / 'esg.duckdb'}"
    result = run_pipeline(years, catalog_path=str(catalog), warehouse_url=url, raw_store_dir=str(workdir / "raw"),
                          inbox_dir=str(workdir / "inbox"), log_file=workdir / "run.log", progress=lambda _: None)
    return url, result


def test_partition_loads_good_reports_records_broken_ones_and_reruns_idempotently(workdir):
    (workdir / "reports").mkdir()
    (workdir / "reports" / "kestrel_2019.txt").write_text(KESTREL_2019, encoding="utf-8")
    catalog = write_catalog(workdir, [
        {"company": "kestrel", "year": 2019, "title": "ESG Report 2019", "source": "reports/kestrel_2019.txt"},
        {"company": "kestrel", "year": 2019, "title": "Annex", "source": "reports/missing_annex.txt"},
        {"company": "kestrel", "year": 2019, "title": "Typo", "source": "reports/x.txt", "fromat": "txt"},
    ], KESTREL)

    url, result = run_years(workdir, catalog, [2019])
    assert result.success, result.steps

    mart = query(url, "select indicator_id, value, unit from marts.fct_esg_metrics where report_year = 2019")
    assert (6_400_000, "CNY") in {(v, u) for _, v, u in mart}
    assert len(mart) >= 4
    failed = sorted(query(url, "select source, reason from esg_raw.ingest_ledger where status = 'failed'"))
    assert len(failed) == 2
    assert failed[0][0].endswith("catalog.yaml#reports[2]") and "field 'fromat': unknown field" in failed[0][1]
    assert "missing_annex.txt" in failed[1][1]
    assert query(url, "select status from esg_raw.reports where report_id like '%annex%'") == [("failed",)]
    assert any(s.failed_checks == ["raw_reports:all_reports_ingested (WARN)"] for s in result.steps)

    before = query(url, "select metric_id, value, unit from esg_raw.metrics order by 1")
    url, again = run_years(workdir, catalog, [2019])
    assert again.success
    assert query(url, "select metric_id, value, unit from esg_raw.metrics order by 1") == before
    assert query(url, "select count(*) from marts.fct_esg_metrics")[0][0] == len(before)
    statuses = query(url, "select status, count(*) from esg_raw.ingest_ledger group by 1 order by 1")
    assert dict(statuses) == {"failed": 4, "new": 1, "unchanged": 1}


def metric_row(metric_id: str, **overrides) -> dict:
    row = {c.name: None for c in metrics_table.columns}
    row.update(metric_id=metric_id, report_year=2019, report_id="kestrel/2019/esg", company_id="kestrel",
               value=6.4e6, unit="CNY", qualifier="exact", indicator="community_investment", hkex_kpi="B8.2",
               metric_year=2019, confidence=0.9, quote="We donated RMB6.4 million.", char_start=3, char_end=17)
    row.update(overrides)
    return row


def validate_and_load(workdir: Path, rows: list[dict]):
    """Run the real validation and load assets on given extraction output (the extractor is tested elsewhere)."""
    url = f"duckdb:///{workdir / 'warehouse' / 'esg.duckdb'}"

    @dg.asset(name="extracted_metrics", partitions_def=reporting_year_partitions)
    def given_extraction() -> pd.DataFrame:
        return pd.DataFrame(rows)

    @dg.asset(name="raw_reports", partitions_def=reporting_year_partitions)
    def given_ingest() -> list[dict]:
        return []  # no ledger rows: the load owns the companies of the rows it writes

    wanted = {dg.AssetKey(k) for k in (["validated_metrics"], ["quarantined_metrics"], ["esg_raw", "metrics"],
                                       ["esg_raw", "quarantine"])}
    result = dg.materialize(
        [given_extraction, given_ingest, *(a for a in ALL_ASSETS if set(a.keys) & wanted)],
        partition_key="2019",
        resources={"warehouse": WarehouseResource(url=url),
                   "pipeline": PipelineSettings(catalog_path="unused", raw_store_dir=str(workdir / "raw"),
                                                inbox_dir=str(workdir / "inbox"))},
        raise_on_error=False,
    )
    return url, result, {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_bad_row_fails_the_gx_check_and_lands_in_quarantine(workdir):
    rows = [metric_row("good-1"), metric_row("good-2", value=14.0, unit="count"), metric_row("bad", qualifier="maybe")]
    url, result, checks = validate_and_load(workdir, rows)
    assert result.success  # one bad row in three is noise, not a broken partition
    assert not checks["row_expectations"].passed
    assert checks["quarantine_share"].passed and checks["metrics_schema"].passed
    assert query(url, "select metric_id from esg_raw.metrics order by 1") == [("good-1",), ("good-2",)]
    quarantined = query(url, "select metric_id, failed_expectations from esg_raw.quarantine")
    assert quarantined == [("bad", "expect_column_values_to_be_in_set(qualifier)")]


def test_blocking_check_stops_the_load_when_most_rows_are_bad(workdir):
    rows = [metric_row(f"m{i}", value=-1.0) for i in range(4)]
    _, result, checks = validate_and_load(workdir, rows)
    assert not result.success
    assert not checks["quarantine_share"].passed
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert dg.AssetKey(["esg_raw", "metrics"]) not in materialized


def test_cli_run_on_the_seed_reports_loads_every_year(workdir, shared_dir):
    seeds = sorted((shared_dir / "seeds").glob("*.txt"))
    years = [2017, 2019, 2020]  # the three seed sections, in file order
    catalog = write_catalog(
        workdir,
        [{"company": "citic", "year": y, "title": f"ESG Report {y}", "source": str(p)} for y, p in zip(years, seeds)],
        companies=[{"id": "citic", "name": "CITIC Limited"}],
    )
    cli = Path(sys.executable).with_name("esg-pipeline")
    done = subprocess.run([str(cli), "run", "--catalog", str(catalog)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    url = f"duckdb:///{workdir / 'warehouse' / 'esg.duckdb'}"
    loaded = dict(query(url, "select metric_year, count(*) from marts.fct_esg_metrics group by 1"))
    assert set(loaded) >= set(years) and all(loaded[y] > 0 for y in years)
    assert "2017" in done.stdout and "Warehouse:" in done.stdout


def test_unchanged_http_report_is_not_downloaded_again(workdir, report_server):
    served, base_url, responses = report_server
    html = "<html><head><title>Kestrel 2019</title><script>var x = 1;</script></head><body>" + "".join(
        f"<p>{line}</p>" for line in KESTREL_2019.splitlines() if line.strip()) + "</body></html>"
    (served / "kestrel_2019.html").write_text(html, encoding="utf-8")
    catalog = write_catalog(workdir, [{"company": "kestrel", "year": 2019, "title": "ESG Report 2019",
                                       "source": f"{base_url}/kestrel_2019.html"}], KESTREL)

    url, first = run_years(workdir, catalog, [2019])
    assert first.success
    loaded = query(url, "select metric_id, value, unit from esg_raw.metrics order by 1")
    assert (6_400_000, "CNY") in {(v, u) for _, v, u in loaded}

    url, second = run_years(workdir, catalog, [2019])
    assert second.success
    assert responses == [200, 304]  # the second run asked, and the server had nothing new to send
    ledger = query(url, "select status, http_status from esg_raw.ingest_ledger order by attempted_at")
    assert ledger == [("new", 200), ("unchanged", 304)]
    assert query(url, "select metric_id, value, unit from esg_raw.metrics order by 1") == loaded
