"""No-change re-runs skip what did not change (issue 11): a year whose loads were made from the same inputs is
not validated or loaded again, and dbt does not rebuild marts whose inputs did not change. Through real
Dagster, DuckDB and dbt: the skips are visible (the CLI, Dagster observations), the marts stay identical, and
a changed report, a changed override, a report that fails, or `--force` is never skipped."""
from __future__ import annotations

from esg_pipeline.cli import main
from esg_pipeline.runner import run_pipeline
from esg_pipeline.warehouse import make_engine
from esg_pipeline.warehouse.overrides import MetricOverride, record_overrides
from esg_pipeline_tests.helpers import query
from esg_pipeline_tests.test_backfill import snapshot, write_reports


def run(workdir, catalog, **options):
    url = f"duckdb:///{workdir / 'warehouse' / 'esg.duckdb'}"
    result = run_pipeline([2022], catalog_path=str(catalog), warehouse_url=url, raw_store_dir=str(workdir / "raw"),
                          inbox_dir=str(workdir / "inbox"), log_file=workdir / "run.log", progress=lambda _: None,
                          extract_workers=2, **options)
    assert result.success, [e for s in result.steps for e in s.errors]
    year, dbt = result.steps
    return url, year, dbt


def marts(url):
    """The marts and raw tables, exactly (a skipped load rewrites nothing, not even when it ran)."""
    return {table: query(url, f"select * from {table} order by all") for table in (
        "esg_raw.metrics", "esg_raw.quarantine", "esg_raw.reports", "marts.fct_esg_observations",
        "marts.fct_esg_metrics", "marts.fct_headline_metrics_wide", "marts.dim_report")}


def test_a_no_change_rerun_skips_the_loads_and_the_build_and_leaves_the_marts_identical(workdir, capsys):
    catalog = write_reports(workdir)
    url, loaded, built = run(workdir, catalog)
    assert not loaded.skipped and not built.skipped and loaded.extracted == 4
    first = marts(url)

    url, year, dbt = run(workdir, catalog)
    assert year.skipped.startswith(f"inputs unchanged since run {loaded.run_id}")
    assert dbt.skipped.startswith(f"raw tables, overrides and dbt project unchanged since the build of run {built.run_id}")
    assert (year.extracted, year.from_cache) == (0, 4)
    assert marts(url) == first
    attempts = query(url, "select run_id, status, count(*) from esg_raw.ingest_ledger group by all order by 2")
    assert [(status, n) for _, status, n in attempts] == [("new", 4), ("unchanged", 4)]  # the ledger still records

    assert main(["run", "--catalog", str(catalog)]) == 0  # the CLI's own run: the skip is said, and exits 0
    out = capsys.readouterr().out
    assert "Skipped, inputs unchanged since their last successful load: 2022, dbt" in out
    assert marts(url) == first


def test_a_changed_report_or_override_or_a_failure_is_never_skipped_and_force_skips_nothing(workdir):
    catalog = write_reports(workdir)
    url, _, _ = run(workdir, catalog)
    before = snapshot(url)

    log_before = len((workdir / "run.log").read_text(encoding="utf-8"))
    write_reports(workdir, scale={"cora": 3})  # one report changes: its year loads, the marts rebuild
    url, year, dbt = run(workdir, catalog)
    assert not year.skipped and not dbt.skipped and (year.extracted, year.from_cache) == (1, 3)
    second_build = (workdir / "run.log").read_text(encoding="utf-8")[log_before:]
    assert "PASS=" in second_build and "Unable to do partial parsing" not in second_build  # started from the first's
    assert (3 * 3 * 12_300.0,) in query(url, "select value from esg_raw.metrics where company_id = 'cora'")
    assert (3 * 3 * 12_300.0,) in query(url, "select value from marts.fct_esg_metrics where company_id = 'cora'")
    changed = snapshot(url)
    assert changed != before
    _, year, dbt = run(workdir, catalog)
    assert year.skipped and dbt.skipped and snapshot(url) == changed

    engine = make_engine(url)  # an analyst's override: the loads stand, the marts rebuild
    record_overrides(engine, [MetricOverride(
        company_id="acme", metric_year=2022, indicator_id="ghg_emissions", entity="Acme Holdings", value=777.0,
        unit="tCO2e", action="correct", reason="restated in the annual report", verified_by="jlee")])
    engine.dispose()
    _, year, dbt = run(workdir, catalog)
    assert year.skipped and not dbt.skipped
    assert query(url, "select original_value from marts.fct_esg_metrics where company_id = 'acme' and is_verified") \
        == [(777.0,)]

    (workdir / "bolt.txt").unlink()  # a report that fails: the year loads (its rows kept, stale)
    _, year, dbt = run(workdir, catalog)
    assert not year.skipped and not dbt.skipped
    assert query(url, "select distinct is_stale from marts.fct_esg_metrics where company_id = 'bolt'") == [(True,)]
    _, year, dbt = run(workdir, catalog)  # the same failure again: nothing new to load
    assert year.skipped and dbt.skipped
    write_reports(workdir, scale={"cora": 3})  # back again: the year loads, the flag is cleared
    _, year, dbt = run(workdir, catalog)
    assert not year.skipped and not dbt.skipped
    assert query(url, "select distinct is_stale from marts.fct_esg_metrics where company_id = 'bolt'") == [(False,)]

    _, year, dbt = run(workdir, catalog, force=True)  # --force: everything again
    assert not year.skipped and not dbt.skipped and year.extracted == 4
