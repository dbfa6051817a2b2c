"""Issue 12, finding 1 and the exit policy, through the `esg-pipeline run` command and dbt: a report whose
source is gone on a re-run keeps the figures it loaded, marked stale in the ledger and the marts with the
failure's reason; the run exits 1 unless failed reports are allowed; a run without faults gives the same
marts as before."""
from __future__ import annotations

from esg_pipeline.cli import main
from esg_pipeline.export import mart_tables, read_table
from esg_pipeline.warehouse import make_engine
from esg_pipeline_tests.helpers import query, write_catalog

REPORT = ("{name} ESG Report 2022\n"
          "In 2022 the group consumed {mwh} MWh of electricity and emitted 12,300 tCO2e of Scope 1 emissions. "
          "It employed 1,850 people and donated HK$2.1 million to local schools.\n")
# What a fetch attempt says rather than what the data is: the attempt's time and new / unchanged.
ATTEMPT_COLUMNS = {"dim_report": ["fetched_at", "status"]}


def marts(url: str) -> dict[str, list[str]]:
    """Every mart as sorted CSV lines (the attempt columns of dim_report left out)."""
    engine = make_engine(url, read_only=True)
    try:
        tables = {t: read_table(engine, t).drop(columns=ATTEMPT_COLUMNS.get(t, [])) for t in mart_tables(engine)}
    finally:
        engine.dispose()
    return {t: sorted(frame.to_csv(index=False).splitlines()) for t, frame in tables.items()}


def run(capsys, catalog, *extra) -> tuple[int, str]:
    code = main(["run", "--catalog", str(catalog), *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_a_report_gone_on_a_rerun_keeps_its_figures_marked_stale_and_the_run_exits_1(workdir, capsys):
    url = f"duckdb:///{workdir / 'warehouse' / 'esg.duckdb'}"
    reports = workdir / "reports"
    reports.mkdir()
    for company, mwh in (("acme", "41,200"), ("bolt", "9,870")):
        (reports / f"{company}.txt").write_text(REPORT.format(name=company.title(), mwh=mwh), encoding="utf-8")
    catalog = write_catalog(workdir, [
        {"company": c, "year": 2022, "title": "ESG Report 2022", "source": f"reports/{c}.txt"} for c in ("acme", "bolt")
    ], [{"id": "acme", "name": "Acme"}, {"id": "bolt", "name": "Bolt"}])

    assert run(capsys, catalog)[0] == 0
    clean = marts(url)
    figures = query(url, "select metric_id, value, unit from esg_raw.metrics where company_id = 'acme' order by 1")
    assert len(figures) >= 4

    (reports / "acme.txt").rename(reports / "acme.moved")  # the source is gone on the re-run
    code, output = run(capsys, catalog)
    assert code == 1
    assert "1 report(s) failed" in output and "acme.txt: file not found (earlier figures kept: stale)" in output
    assert "--allow-failed-reports or ESG_ALLOW_FAILED_REPORTS=1" in output

    assert query(url, "select metric_id, value, unit from esg_raw.metrics where company_id = 'acme' order by 1") \
        == figures
    ledger = query(url, """select status, is_stale, reason from esg_raw.ingest_ledger
                           where company_id = 'acme' order by attempted_at""")
    assert [(s, stale) for s, stale, _ in ledger] == [("new", False), ("failed", True)]
    assert ledger[-1][2].endswith("acme.txt: file not found")
    observed = query(url, """select company_id, is_stale, stale_reason, count(*) from marts.fct_esg_observations
                             group by 1, 2, 3 order by 1""")
    assert [(c, stale) for c, stale, _, _ in observed] == [("acme", True), ("bolt", False)]
    assert observed[0][2].endswith("acme.txt: file not found") and observed[1][2] is None
    assert observed[0][3] == len(figures)
    chosen = dict(query(url, "select company_id, bool_and(is_stale) from marts.fct_esg_metrics group by 1"))
    assert chosen == {"acme": True, "bolt": False}
    assert dict(query(url, "select company_id, energy_consumption from marts.fct_headline_metrics_wide")) == {
        "acme": 41_200_000, "bolt": 9_870_000}
    assert dict(query(url, "select company_id, stale_metrics > 0 from marts.fct_headline_metrics_wide")) == {
        "acme": True, "bolt": False}
    coverage = query(url, "select distinct company_id, is_stale from marts.fct_disclosure_coverage order by 1")
    assert coverage == [("acme", True), ("bolt", False)]  # the failed report's year still counts
    assert query(url, "select is_stale from marts.dim_report where company_id = 'acme'") == [(True,)]

    (reports / "acme.moved").rename(reports / "acme.txt")  # back: a run without faults
    assert run(capsys, catalog)[0] == 0
    assert marts(url) == clean  # gives the clean run's marts, byte for byte

