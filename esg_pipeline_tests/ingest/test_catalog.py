"""Catalog validation: every bad entry is reported by index, ref and field; the good ones still load."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from esg_pipeline.ingest.catalog import (
    CatalogEntry,
    CatalogFileError,
    changed_years,
    load_catalog,
    slugify,
)

GOOD = """
companies:
  - id: harbourline
    name: Harbourline Holdings Limited
  - id: kestrel-bay
    name: Kestrel Bay Logistics plc
reports:
  - company: harbourline
    year: 2021
    title: ESG Report 2021 - Community Investment
    source: reports/harbourline/2021_community.txt
  - company: harbourline
    year: 2022
    title: ESG Report 2022
    source: https://reports.example.org/harbourline/2022.pdf
    format: PDF
    sha256: "%s"
  - company: kestrel-bay
    year: 2021
    title: Sustainability Report
    source: /srv/reports/kestrel/2021.html
""" % ("AB" * 32)


def write(tmp_path: Path, text: str, name: str = "catalog.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_valid_catalog_loads_resolved_entries(tmp_path):
    load = load_catalog(write(tmp_path, GOOD))
    assert load.errors == []
    assert [e.entry_id for e in load.entries] == [
        "harbourline/2021/esg-report-2021-community-investment",
        "harbourline/2022/esg-report-2022",
        "kestrel-bay/2021/sustainability-report",
    ]
    local, remote, absolute = load.entries
    assert local.company_name == "Harbourline Holdings Limited"
    assert local.source == "reports/harbourline/2021_community.txt"
    assert local.resolved_source == str((tmp_path / "reports/harbourline/2021_community.txt").resolve())
    assert not local.is_url and local.format is None and local.sha256 is None
    assert remote.resolved_source == remote.source and remote.is_url
    assert remote.format == "pdf" and remote.sha256 == "ab" * 32
    assert absolute.resolved_source == "/srv/reports/kestrel/2021.html"
    assert load.years == [2021, 2022]
    assert [e.entry_id for e in load.for_year(2021)] == [local.entry_id, absolute.entry_id]
    assert CatalogEntry.for_year(load.entries, 2022) == [remote]
    assert load.entries[0].model_dump()["entry_id"] == local.entry_id  # the lead stores dumps


def test_each_broken_entry_is_reported_and_valid_ones_still_load(tmp_path):
    catalog = """
    companies:
      - id: harbourline
        name: Harbourline Holdings Limited
      - id: Bad Id
        name: Nameless
      - name: No Id Ltd
    reports:
      - company: harbourline
        year: 2021
        title: Community Investment
        source: reports/2021.txt
      - company: harbourline
        year: 1875
        title: Ancient
        source: reports/1875.txt
      - company: ghost
        year: 2021
        title: Haunted
        source: https://example.org/ghost.pdf
      - company: harbourline
        year: "2021"
        title: Quoted year
        source: reports/q.txt
      - company: harbourline
        year: 2020
        title: Typo field
        sorce: reports/t.txt
      - company: harbourline
        year: 2020
        title: Word format
        source: reports/w.docx
        format: docx
      - company: harbourline
        year: 2020
        title: Bad hash
        source: reports/h.txt
        sha256: not-a-hash
      - company: harbourline
        year: 2021
        title: Community investment
        source: reports/duplicate.txt
      - just a string
    """
    load = load_catalog(write(tmp_path, catalog))
    assert [e.entry_id for e in load.entries] == ["harbourline/2021/community-investment"]
    found = {(e.section, e.index, e.field) for e in load.errors}
    assert found == {
        ("companies", 1, "id"), ("companies", 2, "id"),
        ("reports", 1, "year"), ("reports", 2, "company"), ("reports", 3, "year"),
        ("reports", 4, "source"), ("reports", 4, "sorce"), ("reports", 5, "format"),
        ("reports", 6, "sha256"), ("reports", 7, "title"), ("reports", 8, None),
    }
    messages = [str(e) for e in load.errors]
    assert any("reports[1] (harbourline/1875 reports/1875.txt): field 'year': year 1875 outside" in m
               for m in messages)
    assert any("reports[2] (ghost/2021 https://example.org/ghost.pdf): field 'company': unknown company 'ghost'"
               in m for m in messages)
    assert any("field 'sorce': unknown field" in m for m in messages)
    assert any("duplicate entry id 'harbourline/2021/community-investment' (same as reports[0])" in m
               for m in messages)
    assert any(m.startswith("reports[8]: expected a mapping") for m in messages)


def test_disallowed_scheme_is_left_for_the_fetcher_to_record(tmp_path):
    # The ledger must show a failed attempt for ftp:// and file:// sources, so the catalog keeps them.
    catalog = """
    companies: [{id: harbourline, name: Harbourline}]
    reports:
      - {company: harbourline, year: 2021, title: A, source: "ftp://files.example.org/a.pdf"}
      - {company: harbourline, year: 2021, title: B, source: "file:///etc/passwd"}
    """
    load = load_catalog(write(tmp_path, catalog))
    assert load.errors == []
    assert [e.resolved_source for e in load.entries] == ["ftp://files.example.org/a.pdf", "file:///etc/passwd"]
    assert all(e.is_url for e in load.entries)


@pytest.mark.parametrize("content,problem", [
    ("companies: [unclosed", "not valid YAML"),
    ("- just\n- a list\n", "must be a YAML mapping"),
    ("plain words", "must be a YAML mapping"),
    ("companies: {id: x}\nreports: []\n", "'companies' must be a list"),
    ("companies: []\nreport: []\n", "unknown top-level key"),
])
def test_unusable_catalog_file_raises_naming_the_file(tmp_path, content, problem):
    path = write(tmp_path, content, "broken.yaml")
    with pytest.raises(CatalogFileError, match=problem) as info:
        load_catalog(path)
    assert str(path) in str(info.value)


def test_missing_catalog_file_raises(tmp_path):
    with pytest.raises(CatalogFileError, match="cannot read catalog"):
        load_catalog(tmp_path / "absent.yaml")


def test_empty_catalog_is_valid_and_empty(tmp_path):
    load = load_catalog(write(tmp_path, "companies: []\nreports: []\n"))
    assert load.entries == [] and load.errors == []


def test_changed_years_finds_added_removed_and_edited_entries(tmp_path):
    before = load_catalog(write(tmp_path, GOOD))
    edited = GOOD.replace("reports/harbourline/2021_community.txt", "reports/harbourline/2021_v2.txt")
    edited = edited.replace("year: 2022", "year: 2023")
    after = load_catalog(write(tmp_path, edited, "edited.yaml"))
    assert changed_years(before.year_digests(), after.year_digests()) == {2021, 2022, 2023}
    assert changed_years(before.year_digests(), before.year_digests()) == set()
    assert changed_years(None, before.year_digests()) == {2021, 2022}


def test_slugify_keeps_cjk_and_falls_back_when_empty():
    assert slugify("ESG Report 2021 - Community Investment") == "esg-report-2021-community-investment"
    assert slugify("環境、社會及管治報告 2021") == "環境-社會及管治報告-2021"
    assert slugify("***") == "report"


def test_company_currency_reaches_its_entries_and_a_bad_code_is_refused(tmp_path):
    text = """
    companies:
      - id: harbourline
        name: Harbourline Holdings Limited
        currency: hkd
      - id: kestrel-bay
        name: Kestrel Bay Logistics plc
        currency: dollars
    reports:
      - company: harbourline
        year: 2022
        title: ESG Report 2022
        source: a.txt
      - company: kestrel-bay
        year: 2022
        title: ESG Report 2022
        source: b.txt
    """
    load = load_catalog(write(tmp_path, text))
    assert [(e.company_id, e.currency) for e in load.entries] == [("harbourline", "HKD")]
    (company_error, report_error) = load.errors
    assert company_error.field == "currency" and "kestrel-bay" in str(company_error)
    assert report_error.field == "company"
