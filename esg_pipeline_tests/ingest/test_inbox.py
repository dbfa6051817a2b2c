"""Inbox helpers: metadata from filename, sidecar or text; fingerprints for the sensor cursor."""
from __future__ import annotations

import os
import re
import time

import pytest

from esg_pipeline.ingest.catalog import load_catalog
from esg_pipeline.ingest.inbox import (
    check_against_catalog, file_fingerprint, inbox_entries, infer_report_year, new_files, scan_inbox,
)


def test_filename_gives_company_year_and_title(tmp_path, texts):
    (tmp_path / "harbourline_2021_community_investment.txt").write_text(texts.community_2021)
    [found] = scan_inbox(tmp_path)
    assert found.ready and found.year_source == "filename"
    assert (found.company_id, found.year, found.title, found.format) == (
        "harbourline", 2021, "community investment", "txt")
    [entry] = inbox_entries([found], companies={"harbourline": "Harbourline Holdings Limited"})
    assert entry.entry_id == "harbourline/2021/community-investment"
    assert entry.company_name == "Harbourline Holdings Limited"
    assert entry.resolved_source == str((tmp_path / "harbourline_2021_community_investment.txt").resolve())


def test_sidecar_overrides_filename(tmp_path, pdfs, texts):
    report = tmp_path / "scan-0042.pdf"
    report.write_bytes(pdfs.pages([texts.emissions_2022]))
    (tmp_path / "scan-0042.pdf.yaml").write_text(
        "company: kestrel-bay\ncompany_name: Kestrel Bay Logistics plc\nyear: 2022\ntitle: Sustainability Report\n")
    [found] = scan_inbox(tmp_path)  # the sidecar itself is not listed as a report
    assert found.ready and found.year_source == "sidecar"
    [entry] = inbox_entries([found])
    assert (entry.company_id, entry.company_name, entry.year, entry.title, entry.format) == (
        "kestrel-bay", "Kestrel Bay Logistics plc", 2022, "Sustainability Report", "pdf")


def test_year_is_inferred_from_text_when_not_given(tmp_path, texts):
    (tmp_path / "harbourline_community.txt").write_text(texts.community_2021)
    [found] = scan_inbox(tmp_path)
    assert found.ready and (found.company_id, found.year, found.year_source) == ("harbourline", 2021, "text")
    assert found.title == "community"


def test_year_is_inferred_from_html_and_pdf_text(tmp_path, pdfs, texts):
    (tmp_path / "kestrel-bay_emissions.pdf").write_bytes(pdfs.pages([texts.emissions_2022]))
    (tmp_path / "harbourline_web.html").write_text(
        "<html><body><nav>2019 archive</nav><h1>ESG Report 2021</h1><p>In 2021 we planted 900 trees.</p>"
        "</body></html>")
    years = {f.company_id: f.year for f in scan_inbox(tmp_path)}
    assert years == {"kestrel-bay": 2022, "harbourline": 2021}


@pytest.mark.parametrize("name,content,problem", [
    ("Quarterly Notes.txt", "In 2021 we grew.", "company unknown"),
    ("harbourline_notes.txt", "Nothing dated here at all.", "report year not in the filename"),
    ("harbourline_2021_deck.pptx", "slides", "unsupported file type '.pptx'"),
    ("harbourline_empty.txt", "", "cannot infer the report year: .*empty file"),
    ("harbourline_2099_outlook.txt", "Looking ahead.", "year 2099 in the filename is outside"),
])
def test_files_that_cannot_become_entries_say_why(tmp_path, name, content, problem):
    (tmp_path / name).write_text(content)
    [found] = scan_inbox(tmp_path)
    assert not found.ready
    assert str(tmp_path / name) in found.problem
    assert re.search(problem, found.problem)
    assert inbox_entries([found]) == []


def test_invalid_sidecar_is_reported(tmp_path, texts):
    (tmp_path / "report.txt").write_text(texts.community_2021)
    (tmp_path / "report.txt.yaml").write_text("company: Harbour Line\nyear: 2150\n")
    [found] = scan_inbox(tmp_path)
    assert not found.ready
    assert "report.txt.yaml: invalid sidecar" in found.problem
    assert "field 'company'" in found.problem and "field 'year'" in found.problem


def test_hidden_partial_and_sidecar_files_are_skipped(tmp_path, texts):
    for name in (".harbourline_2021_a.txt", "harbourline_2021_b.txt.part", "harbourline_2021_c.txt~",
                 "notes.yaml"):
        (tmp_path / name).write_text(texts.community_2021)
    (tmp_path / "sub").mkdir()
    assert scan_inbox(tmp_path) == []
    assert scan_inbox(tmp_path / "does-not-exist") == []


def test_files_are_checked_against_the_catalog_like_its_entries(tmp_path, texts):
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text('{"companies": [{"id": "harbourline", "name": "Harbourline"}, {"id": "tianmu", "name": "Tianmu"}],'
                       ' "reports": [{"company": "harbourline", "year": 2021, "title": "ESG", "source": "r.txt"}]}')
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("ghost_2021_esg.txt", "harbourline_2021_annex.txt", "tianmu_2021_esg.html", "tianmu_2021_esg.txt",
                 "tianmu_2021_water.txt"):
        (inbox / name).write_text(texts.community_2021)
    checked = {f.path.name: f.problem for f in check_against_catalog(scan_inbox(inbox), load_catalog(catalog))}
    assert checked["ghost_2021_esg.txt"].endswith("unknown company 'ghost' (not among the companies of "
                                                  f"{catalog}; add it there)")
    assert "duplicate of catalog entry harbourline/2021/esg (" in checked["harbourline_2021_annex.txt"]
    assert "duplicate entry tianmu/2021/esg (inbox file tianmu_2021_esg.html makes it first)" in \
        checked["tianmu_2021_esg.txt"]
    assert checked["tianmu_2021_esg.html"] is None and checked["tianmu_2021_water.txt"] is None  # two reports


def test_fingerprint_changes_with_file_or_sidecar(tmp_path, texts):
    report = tmp_path / "harbourline_2021_community.txt"
    report.write_text(texts.community_2021)
    first = scan_inbox(tmp_path)
    assert first[0].fingerprint == file_fingerprint(report)
    assert new_files(first, {first[0].fingerprint}) == []

    report.write_text(texts.community_2021 + "Updated figures.\n")
    later = time.time() + 5
    os.utime(report, (later, later))
    changed = scan_inbox(tmp_path)
    assert new_files(changed, {first[0].fingerprint}) == changed

    (tmp_path / "harbourline_2021_community.txt.yaml").write_text("title: Community Investment\n")
    with_sidecar = scan_inbox(tmp_path)
    assert with_sidecar[0].fingerprint != changed[0].fingerprint
    assert with_sidecar[0].title == "Community Investment"


@pytest.mark.parametrize("text,year", [
    ("Harbourline ESG Report 2021. In 2021 we invested more than in 2020.", 2021),
    ("As of the end of 2022, 41% of tariffs were renewable; in 2021 it was 30%.", 2022),
    ("Sustainability Report 2023\nCompared with 2022, water use fell. We aim for net zero by 2050.", 2023),
    ("For the year ended 31 December 2020 the group reports scope 1 emissions.", 2020),
    ("FY2019 highlights: during 2019 we opened two depots.", 2019),
    ("本集團於2021年的溫室氣體排放量較2020年下降。2021年，我們完成了節能改造。", 2021),
    ("Targets: net zero by 2050, halve waste by 2030.", None),
    ("In 1987 the company was founded.", None),
    ("", None),
])
def test_infer_report_year(text, year):
    assert infer_report_year(text) == year
