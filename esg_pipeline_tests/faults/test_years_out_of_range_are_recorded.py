"""Issue 12, finding 10, through the `esg-pipeline run` command: a catalog entry or inbox file whose year
no reporting-year partition can own (1800, 2999, a year that is not a number) gets a failed ledger row with
its reason, once per run, as well as the command's message."""
from __future__ import annotations

from esg_pipeline.ingest.catalog import max_report_year
from esg_pipeline.cli import main
from esg_pipeline_tests.helpers import query, write_catalog


def test_entries_with_years_out_of_range_are_failed_ledger_rows(workdir, capsys, monkeypatch):
    url = f"duckdb:///{workdir / 'warehouse' / 'esg.duckdb'}"
    (workdir / "acme.txt").write_text("Acme ESG Report 2022\nIn 2022 the group employed 1,850 people.\n",
                                      encoding="utf-8")
    catalog = write_catalog(workdir, [
        {"company": "acme", "year": 2022, "title": "ESG", "source": "acme.txt"},
        {"company": "acme", "year": 1800, "title": "Old", "source": "acme.txt"},
        {"company": "acme", "year": 2999, "title": "Far", "source": "acme.txt"},
        {"company": "acme", "year": "2021", "title": "Quoted", "source": "acme.txt"},
    ], [{"id": "acme", "name": "Acme"}])
    (workdir / "inbox").mkdir()
    (workdir / "inbox" / "acme_2099_outlook.txt").write_text("Looking ahead to 2099.\n", encoding="utf-8")
    monkeypatch.setenv("ESG_ALLOW_FAILED_REPORTS", "1")

    code = main(["run", "--catalog", str(catalog)])
    output = capsys.readouterr()
    assert code == 0, output.err[-3000:]
    assert "reports[1] (acme/1800 acme.txt): field 'year': year 1800 outside plausible range" in output.err
    assert "4 report(s) failed" in output.err and "exit 0 as allowed" in output.err

    failed = query(url, """select entry_id, report_year, source, reason from esg_raw.ingest_ledger
                           where status = 'failed' order by entry_id""")
    assert [(entry_id, year) for entry_id, year, _, _ in failed] == [
        ("catalog/1800/reports-1", 1800), ("catalog/2999/reports-2", 2999), ("catalog/reports-3", None),
        ("inbox/2099/acme_2099_outlook.txt", 2099)]  # one row each, not one per partition
    reasons = {entry_id: (source, reason) for entry_id, _, source, reason in failed}
    assert reasons["catalog/1800/reports-1"] == (
        f"{catalog}#reports[1]", "invalid catalog entry: reports[1] (acme/1800 acme.txt): field 'year': "
                                 f"year 1800 outside plausible range 1990-{max_report_year()}")
    assert "field 'year': Input should be a valid integer (got '2021')" in reasons["catalog/reports-3"][1]
    assert "year 2099 in the filename is outside the plausible range" in reasons["inbox/2099/acme_2099_outlook.txt"][1]
    assert "1800 catalog/1800/reports-1: invalid catalog entry" in output.out  # in the run's summary too
    assert query(url, "select count(*) from marts.fct_esg_metrics")[0][0] >= 1  # the good entry loaded
