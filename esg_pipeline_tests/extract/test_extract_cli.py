"""`esg-pipeline extract FILE... --format jsonl|table` on .txt, .html and .pdf reports."""
from __future__ import annotations

import json

import pytest

from esg_pipeline.cli import main

CONTRACT = {"doc", "value", "unit", "qualifier", "hkex_kpi", "indicator", "entity", "year", "subject", "quote",
            "start", "end"}
REPORT_LINES = [
    "Qinghe Holdings Limited ESG Report 2023",
    "Community",
    "In 2023 Qinghe Holdings Limited donated RMB2.8 million and supported 46 rural schools.",
    "Environment",
    "Electricity consumption was 18,750 MWh.",
]


def run(capsys, *args) -> list[dict]:
    assert main(["extract", *map(str, args), "--format", "jsonl"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def check(rows: list[dict], doc: str) -> None:
    got = {(r["value"], r["unit"]) for r in rows}
    assert {(2_800_000, "CNY"), (46, "count"), (18_750, "MWh")} <= got
    for r in rows:
        assert CONTRACT <= set(r) and r["doc"] == doc
        assert r["year"] == 2023 or r["method"] == "table_cell"  # a table cell carries its column's year
        assert r["qualifier"] in ("exact", "approx", "at_least", "at_most")


def test_txt(tmp_path, capsys):
    path = tmp_path / "qinghe_2023.txt"
    path.write_text("\n\n".join(REPORT_LINES), encoding="utf-8")
    rows = run(capsys, path)
    check(rows, "qinghe_2023.txt")
    text = path.read_text(encoding="utf-8")
    assert all(text[r["start"]:r["end"]] == r["raw"] for r in rows)


def test_html_with_table_and_navigation(tmp_path, capsys):
    body = "".join(f"<p>{line}</p>" for line in REPORT_LINES[1:])
    html = (f"<html><head><title>{REPORT_LINES[0]}</title></head><body>"
            "<nav><a href='/p/2'>Page 2</a><a href='/p/3'>Page 3</a></nav>"
            f"<h1>{REPORT_LINES[0]}</h1>{body}"
            "<table><tr><th>Indicator</th><th>2022</th><th>2023</th></tr>"
            "<tr><td>Water consumption (m3)</td><td>61,200</td><td>58,900</td></tr></table>"
            "<footer>Page 12</footer></body></html>")
    path = tmp_path / "qinghe_2023.html"
    path.write_text(html, encoding="utf-8")
    rows = run(capsys, path)
    check(rows, "qinghe_2023.html")
    years = {r["value"]: r["year"] for r in rows if r["unit"] == "m3"}
    assert years.get(61_200) == 2022 and years.get(58_900) == 2023


def test_pdf(tmp_path, capsys):
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.set_font("Helvetica", size=11)
    for page in (REPORT_LINES[:3], REPORT_LINES[3:]):
        pdf.add_page()
        for line in page:
            pdf.multi_cell(0, 6, line)
            pdf.ln(4)
    path = tmp_path / "qinghe_2023.pdf"
    pdf.output(str(path))
    rows = run(capsys, path)
    check(rows, "qinghe_2023.pdf")
    pages = {r["value"]: r["page"] for r in rows}
    assert pages[2_800_000] == 1 and pages[18_750] == 2


def test_table_format_is_readable(tmp_path, capsys):
    path = tmp_path / "r.txt"
    path.write_text("We donated RMB2.8 million in 2023.", encoding="utf-8")
    assert main(["extract", str(path), "--format", "table"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:4] == ["doc", "line", "value", "unit"]
    assert "2,800,000" in out[1] and "CNY" in out[1]
