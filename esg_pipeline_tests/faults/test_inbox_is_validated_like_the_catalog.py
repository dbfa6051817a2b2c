"""Issue 12, finding 8, through the `esg-pipeline run` command and dbt: an inbox file for a company the
catalog does not know, for a company and year the catalog already lists, or making an entry another inbox
file makes first, is a failed ledger row with a one-line reason; the marts build and hold no trace of it."""
from __future__ import annotations

from esg_pipeline.cli import main
from esg_pipeline_tests.helpers import query, write_catalog

REPORT = ("Acme ESG Report {year}\n"
          "In {year} the group consumed {mwh} MWh of electricity and employed 1,850 people.\n")


def test_unknown_companies_and_duplicates_in_the_inbox_fail_in_the_ledger_and_the_marts_build(workdir, capsys):
    url = f"duckdb:///{workdir / 'warehouse' / 'esg.duckdb'}"
    (workdir / "acme_2022.txt").write_text(REPORT.format(year=2022, mwh="41,200"), encoding="utf-8")
    catalog = write_catalog(workdir, [{"company": "acme", "year": 2022, "title": "ESG Report",
                                       "source": "acme_2022.txt"}], [{"id": "acme", "name": "Acme"}])
    inbox = workdir / "inbox"
    inbox.mkdir()
    (inbox / "ghost_2022_esg_report.txt").write_text(REPORT.format(year=2022, mwh="7,000"), encoding="utf-8")
    (inbox / "acme_2022_ESG_Report.txt").write_text(REPORT.format(year=2022, mwh="99,999"), encoding="utf-8")
    (inbox / "acme_2021_annual.html").write_text(
        "<html><body><p>{}</p></body></html>".format(REPORT.format(year=2021, mwh="38,000")), encoding="utf-8")
    (inbox / "acme_2021_annual.txt").write_text(REPORT.format(year=2021, mwh="38,000"), encoding="utf-8")

    code = main(["run", "--catalog", str(catalog), "--years", "2021,2022", "--allow-failed-reports"])
    output = capsys.readouterr()
    assert code == 0, output.err[-3000:]  # every step passed: dbt build and its tests included
    assert "3 report(s) failed" in output.err and "exit 0 as allowed" in output.err

    failed = dict(query(url, "select entry_id, reason from esg_raw.ingest_ledger where status = 'failed'"))
    assert failed == {
        "inbox/2022/ghost_2022_esg_report.txt":
            f"{inbox / 'ghost_2022_esg_report.txt'}: unknown company 'ghost' (not among the companies of {catalog}; "
            f"add it there)",
        "inbox/2022/acme_2022_ESG_Report.txt":
            f"{inbox / 'acme_2022_ESG_Report.txt'}: duplicate of catalog entry acme/2022/esg-report (the catalog "
            f"lists a 2022 report of 'acme'; list this file there)",
        "inbox/2021/acme_2021_annual.txt":
            f"{inbox / 'acme_2021_annual.txt'}: duplicate entry acme/2021/annual (inbox file acme_2021_annual.html "
            f"makes it first)",
    }
    assert all("\n" not in reason for reason in failed.values())
    reports = query(url, "select report_year, report_id, source from marts.dim_report order by 1")
    assert reports == [(2021, "acme/2021/annual", str(inbox / "acme_2021_annual.html")),
                       (2022, "acme/2022/esg-report", str(workdir / "acme_2022.txt"))]
    energy = query(url, """select company_id, metric_year, value from marts.fct_esg_metrics
                           where indicator_id = 'energy_consumption' order by 2""")
    assert energy == [("acme", 2021, 38_000_000), ("acme", 2022, 41_200_000)]  # kWh
    assert query(url, "select company_id from marts.dim_company") == [("acme",)]
