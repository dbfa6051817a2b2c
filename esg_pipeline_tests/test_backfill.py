"""Backfills through real Dagster, DuckDB and dbt: a report is read and extracted once per content, a re-run
reads back unchanged reports from the extraction cache (the raw_reports metadata counts both), `--force`
extracts everything again, and the rows and marts are the same whichever way a report's rows were made."""
from __future__ import annotations

import dagster as dg

from esg_pipeline.cli import main
from esg_pipeline.defs.ingest import ingest_ledger, raw_reports, report_text, reports_table
from esg_pipeline.defs.metrics import extracted_metrics, metrics_table, quarantine_table, validate_extracted_metrics
from esg_pipeline.defs.resources import PipelineSettings, WarehouseResource
from esg_pipeline.runner import run_pipeline
from esg_pipeline_tests.helpers import query, write_catalog

COMPANIES = [{"id": c, "name": f"{c.title()} Holdings"} for c in ("acme", "bolt", "cora", "dune")]
REPORT = ("{name}\nEnvironmental, Social and Governance Report 2022\n\n"
          "In 2022 the group consumed {mwh:,} MWh of electricity and emitted {t:,} tCO2e of Scope 1 emissions. "
          "It employed {people:,} people and donated HK${m} million to local schools.\n")
ASSETS = [raw_reports, ingest_ledger, report_text, extracted_metrics, validate_extracted_metrics, metrics_table, quarantine_table,
          reports_table]


def write_reports(folder, scale: dict[str, int] | None = None):
    (folder / "inbox").mkdir(exist_ok=True)
    entries = []
    for n, company in enumerate(COMPANIES, 1):
        k = (scale or {}).get(company["id"], 1)
        (folder / f"{company['id']}.txt").write_text(
            REPORT.format(name=company["name"], mwh=41_200 * n * k, t=12_300 * n * k, people=1_850 * n, m=2 * n),
            encoding="utf-8")
        entries.append({"company": company["id"], "year": 2022, "title": "ESG Report", "source": f"{company['id']}.txt"})
    return write_catalog(folder, entries, COMPANIES)


def run_year(folder, catalog, url, **settings):
    result = dg.materialize(ASSETS, partition_key="2022", raise_on_error=False, resources={
        "warehouse": WarehouseResource(url=url),
        "pipeline": PipelineSettings(catalog_path=str(catalog), raw_store_dir=str(folder / "raw"),
                                     inbox_dir=str(folder / "inbox"), **settings)})
    assert result.success
    metadata = {e.asset_key.to_user_string(): {k: v.value for k, v in e.materialization.metadata.items()}
                for e in result.get_asset_materialization_events()}
    # every step of the partition says how long it took
    assert all(any(name.endswith("seconds") for name in m) for m in metadata.values()), metadata
    return metadata["raw_reports"]


def test_a_rerun_after_one_report_changes_reextracts_only_that_report(tmp_path):
    url = f"duckdb:///{tmp_path / 'esg.duckdb'}"
    catalog = write_reports(tmp_path)
    first = run_year(tmp_path, catalog, url, extract_workers=2)
    assert (first["extracted"], first["from_cache"], first["new"]) == (4, 0, 4)
    assert first["workers"] == 2 and first["extract_seconds"] > 0 and first["reports_per_minute"] > 0
    assert {"fetch_seconds", "extract_cpu_seconds", "metrics"} <= set(first)
    before = dict(query(url, "select report_id, count(*) from esg_raw.metrics group by 1"))

    unchanged = run_year(tmp_path, catalog, url, extract_workers=2)
    assert (unchanged["extracted"], unchanged["from_cache"], unchanged["unchanged"]) == (0, 4, 4)
    assert unchanged["extracted_reports"] == []
    assert dict(query(url, "select report_id, count(*) from esg_raw.metrics group by 1")) == before

    write_reports(tmp_path, scale={"cora": 3})  # one report changes
    changed = run_year(tmp_path, catalog, url, extract_workers=2)
    assert (changed["extracted"], changed["from_cache"], changed["new"], changed["unchanged"]) == (1, 3, 1, 3)
    [cora] = changed["extracted_reports"]
    assert cora.startswith("cora/")
    assert (3 * 3 * 12_300.0,) in query(url, "select value from esg_raw.metrics where company_id = 'cora'")
    assert dict(query(url, "select report_id, count(*) from esg_raw.metrics group by 1")) == before

    rows = query(url, "select * from esg_raw.metrics order by metric_id")
    forced = run_year(tmp_path, catalog, url, extract_workers=2, force_extract=True)
    assert (forced["extracted"], forced["from_cache"], forced["forced"]) == (4, 0, True)
    assert query(url, "select * from esg_raw.metrics order by metric_id") == rows  # three of them were cache hits


def test_progress_bar_counts_reports_only_when_asked(tmp_path, capfd):
    url = f"duckdb:///{tmp_path / 'esg.duckdb'}"
    catalog = write_reports(tmp_path)
    run_year(tmp_path, catalog, url, extract_workers=1, show_progress=True)
    err = capfd.readouterr().err
    assert "2022 read+extract" in err and "4/4" in err and "report/s" in err or "s/report" in err
    run_year(tmp_path, catalog, url, extract_workers=1, force_extract=True)
    assert "read+extract" not in capfd.readouterr().err


def snapshot(url):
    """What a run leaves for analysts, without the columns that record when it ran."""
    return {
        "metrics": query(url, "select * from esg_raw.metrics order by metric_id"),
        "quarantine": query(url, "select * from esg_raw.quarantine order by metric_id"),
        "reports": query(url, "select report_id, sha256, format, pages, chars, metrics_found "
                              "from esg_raw.reports order by report_id"),
        "observations": query(url, "select * from marts.fct_esg_observations order by all"),
        "metrics_mart": query(url, "select * from marts.fct_esg_metrics order by all"),
        "headline": query(url, "select * from marts.fct_headline_metrics_wide order by all"),
    }


def test_cache_hits_load_the_rows_and_marts_of_a_fresh_extraction(workdir, capsys):
    catalog = write_reports(workdir)
    url = f"duckdb:///{workdir / 'warehouse' / 'esg.duckdb'}"
    fresh = run_pipeline([2022], catalog_path=str(catalog), warehouse_url=url, raw_store_dir=str(workdir / "raw"),
                         inbox_dir=str(workdir / "inbox"), log_file=workdir / "run.log", progress=lambda _: None,
                         extract_workers=2)
    assert fresh.success and (fresh.steps[0].extracted, fresh.steps[0].from_cache) == (4, 0)
    made_fresh = snapshot(url)
    assert len(made_fresh["metrics"]) >= 16 and len(made_fresh["metrics_mart"]) >= 16

    assert main(["run", "--catalog", str(catalog)]) == 0  # the CLI: every report from the cache
    out = capsys.readouterr()
    assert "Reports read and extracted: 0; from the extraction cache (unchanged): 4" in out.out
    assert "read+extract" not in out.err  # not a terminal: no progress bar
    assert snapshot(url) == made_fresh


def test_run_force_reaches_the_pipeline_settings():
    from esg_pipeline.cli import build_parser

    assert build_parser().parse_args(["run", "--force"]).force is True
    assert build_parser().parse_args(["run"]).force is False


def test_a_run_of_several_years_reads_the_later_years_ahead_with_the_same_results(tmp_path):
    """A run of two years reads both years' reports in the background (report_work.ExtractAhead) while
    the first year validates and loads: each report is read once, counted as read by this run, and the
    warehouse and marts are those of the years run one at a time."""
    import json

    def two_years(folder):
        catalog = write_reports(folder)
        data = json.loads(catalog.read_text())
        data["reports"] += [dict(r, year=2021) for r in data["reports"]]
        catalog.write_text(json.dumps(data))
        return catalog

    def run(folder, years, messages):
        catalog = two_years(folder)
        url = f"duckdb:///{folder / 'esg.duckdb'}"
        result = run_pipeline(years, catalog_path=str(catalog), warehouse_url=url, raw_store_dir=str(folder / "raw"),
                              inbox_dir=str(folder / "inbox"), log_file=folder / "run.log",
                              progress=messages.append, extract_workers=2)
        assert result.success, [s.errors for s in result.steps]
        return result, url

    together, alone = tmp_path / "together", tmp_path / "alone"
    together.mkdir(), alone.mkdir()
    messages: list[str] = []
    result, url = run(together, [2021, 2022], messages)
    assert any("ahead" in m for m in messages)
    assert [(s.extracted, s.from_cache) for s in result.steps[:2]] == [(4, 0), (4, 0)]  # read by this run
    summaries = [json.loads(p.read_text()) for p in (together / "extract-cache").rglob("*.json")]
    assert len(summaries) == 8 and len({s["session"] for s in summaries}) == 1 and summaries[0]["session"]

    one_by_one: list[str] = []
    run(alone, [2021], one_by_one)
    _, alone_url = run(alone, [2022], one_by_one)
    assert not any("ahead" in m for m in one_by_one)
    assert snapshot(url) == snapshot(alone_url)
