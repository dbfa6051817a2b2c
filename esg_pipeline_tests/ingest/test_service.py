"""ingest_entry end to end: local files and a loopback HTTP server into the raw store and ledger rows."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import os
import random
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from esg_pipeline.ingest.catalog import CatalogEntry, load_catalog
from esg_pipeline.ingest.documents import ocr
from esg_pipeline.ingest.service import LEDGER_COLUMNS, PreviousFetch, ingest_entry
from esg_pipeline_tests.helpers import query, write_catalog

pytestmark = pytest.mark.usefixtures("allow_private_urls")


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    http = HTTPServer(host="127.0.0.1")
    http.start()
    yield http
    http.clear()
    http.stop()


@pytest.fixture(autouse=True)
def fresh_server(server):
    server.clear()
    yield


def entry(source: str | Path, *, title: str = "Community Investment", fmt: str | None = None,
          sha256: str | None = None, year: int = 2021) -> CatalogEntry:
    return CatalogEntry(company_id="harbourline", company_name="Harbourline Holdings Limited", year=year,
                        title=title, source=str(source), resolved_source=str(source), format=fmt, sha256=sha256)


def previous_from(outcome) -> PreviousFetch | None:
    return PreviousFetch.from_ledger_row(outcome.ledger_row)


def test_local_text_file_is_new_then_unchanged(tmp_path, store, fast_settings, texts):
    path = tmp_path / "community.txt"
    path.write_text(texts.community_2021, encoding="utf-8")
    first = ingest_entry(entry(path), store, None, fast_settings)
    row = first.ledger_row
    assert tuple(row) == LEDGER_COLUMNS
    assert row["status"] == "new" and row["reason"] is None
    assert row["entry_id"] == "harbourline/2021/community-investment"
    assert row["company_id"] == "harbourline" and row["report_year"] == 2021
    assert row["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert row["bytes"] == path.stat().st_size and row["format"] == "txt"
    assert row["content_type"] == "text/plain" and row["http_status"] is None
    assert Path(row["raw_path"]).read_bytes() == path.read_bytes()
    assert row["attempted_at"].tzinfo is not None and row["attempted_at"].utcoffset() == dt.timedelta(0)
    assert first.document.text == texts.community_2021

    second = ingest_entry(entry(path), store, previous_from(first), fast_settings)
    assert second.status == "unchanged"
    assert second.ledger_row["sha256"] == row["sha256"] and second.document.text == texts.community_2021


def test_changed_local_report_gets_new_version_and_old_stays(tmp_path, store, fast_settings, texts):
    path = tmp_path / "community.txt"
    path.write_text(texts.community_2021)
    first = ingest_entry(entry(path), store, None, fast_settings)
    path.write_text(texts.community_2021.replace("HK$4.6 million", "HK$4.9 million"))
    second = ingest_entry(entry(path), store, previous_from(first), fast_settings)
    assert second.status == "new"
    assert second.ledger_row["sha256"] != first.ledger_row["sha256"]
    assert Path(first.ledger_row["raw_path"]).exists() and Path(second.ledger_row["raw_path"]).exists()
    assert "HK$4.9 million" in second.document.text


def test_http_report_second_run_uses_conditional_get(server, store, fast_settings, texts):
    body = texts.emissions_2022.encode("utf-16")
    server.expect_request("/kestrel/2022.txt", headers={"If-None-Match": '"e-2022"'}).respond_with_data(
        b"", status=304, headers={"ETag": '"e-2022"'})
    server.expect_request("/kestrel/2022.txt").respond_with_data(
        body, content_type="text/plain", headers={"ETag": '"e-2022"',
                                                  "Last-Modified": "Mon, 06 Mar 2023 09:30:00 GMT"})
    report = entry(server.url_for("/kestrel/2022.txt"), year=2022, title="Emissions")

    first = ingest_entry(report, store, None, fast_settings)
    assert first.status == "new" and first.ledger_row["http_status"] == 200
    assert first.ledger_row["etag"] == '"e-2022"'
    assert first.document.text == texts.emissions_2022

    second = ingest_entry(report, store, previous_from(first), fast_settings)
    row = second.ledger_row
    assert row["status"] == "unchanged" and row["http_status"] == 304
    assert row["reason"] == "not modified (HTTP 304); stored copy reused"
    assert row["sha256"] == first.ledger_row["sha256"] and row["raw_path"] == first.ledger_row["raw_path"]
    assert row["last_modified"] == "Mon, 06 Mar 2023 09:30:00 GMT"
    assert second.document == first.document
    conditional, _ = server.log[-1]
    assert conditional.headers["If-Modified-Since"] == "Mon, 06 Mar 2023 09:30:00 GMT"


def test_same_bytes_from_a_server_without_validators_is_unchanged(server, store, fast_settings, texts):
    server.expect_request("/plain.txt").respond_with_data(texts.community_2021)
    report = entry(server.url_for("/plain.txt"))
    first = ingest_entry(report, store, None, fast_settings)
    second = ingest_entry(report, store, previous_from(first), fast_settings)
    assert (first.status, second.status) == ("new", "unchanged")
    assert second.ledger_row["http_status"] == 200


def test_no_conditional_get_when_stored_copy_is_gone(server, tmp_path, fast_settings, texts):
    from esg_pipeline.ingest.rawstore import RawStore

    server.expect_request("/r.txt").respond_with_data(texts.community_2021, headers={"ETag": '"x"'})
    report = entry(server.url_for("/r.txt"))
    first = ingest_entry(report, RawStore(tmp_path / "old-store"), None, fast_settings)
    second = ingest_entry(report, RawStore(tmp_path / "new-store"), previous_from(first), fast_settings)
    request, _ = server.log[-1]
    assert "If-None-Match" not in request.headers
    assert second.status == "unchanged" and Path(second.ledger_row["raw_path"]).exists()


def test_expected_sha256_mismatch_fails_but_keeps_the_raw_bytes(tmp_path, store, fast_settings, texts):
    path = tmp_path / "community.txt"
    path.write_text(texts.community_2021)
    outcome = ingest_entry(entry(path, sha256="0" * 64), store, None, fast_settings)
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    assert outcome.status == "failed" and outcome.document is None
    assert outcome.reason == f"{path}: sha256 mismatch: catalog expects {'0' * 64}, content is {actual}"
    assert outcome.ledger_row["sha256"] == actual and Path(outcome.ledger_row["raw_path"]).exists()

    matching = ingest_entry(entry(path, sha256=actual), store, None, fast_settings)
    assert matching.status == "new"


@pytest.fixture
def no_ocr(monkeypatch):
    """Tesseract absent, whether or not this machine has it: pages without a text layer stay unread."""
    monkeypatch.setattr(ocr, "tesseract_available", lambda: False)


def image_only_pdf() -> bytes:
    """One page holding only a picture (a scan): no text layer at all."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (595, 842), "white")
    ImageDraw.Draw(image).rectangle((60, 60, 400, 120), fill="black")
    out = io.BytesIO()
    image.save(out, "PDF", resolution=72.0)
    return out.getvalue()


def zero_page_pdf() -> bytes:
    from pypdf import PdfWriter

    out = io.BytesIO()
    PdfWriter().write(out)
    return out.getvalue()


def joined_pdfs(*parts: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _bad_inputs(tmp_path: Path, pdfs, texts) -> dict[str, tuple[str, bytes]]:
    rng = random.Random(7)
    return {
        "empty": ("empty.txt", b""),
        "binary": ("noise.txt", bytes(rng.randrange(256) for _ in range(3000))),
        "corrupt_pdf": ("broken.pdf", b"%PDF-1.5\n" + bytes(range(256)) * 3),
        "encrypted_pdf": ("locked.pdf", pdfs.encrypt(pdfs.pages([texts.community_2021]), "pw")),
        "html_no_text": ("blank.html", b"<html><head><script>x()</script></head><body><nav>Menu</nav></body></html>"),
        "scanned_pdf": ("scan.pdf", image_only_pdf()),
        "zero_page_pdf": ("nothing.pdf", zero_page_pdf()),
        "too_many_pages": ("long.pdf", pdfs.pages([f"Page {n} of the long report" for n in (1, 2, 3)])),
    }


@pytest.mark.parametrize("case,problem", [
    ("empty", "empty file"),
    ("binary", "binary content, not a text report"),
    ("corrupt_pdf", "corrupt PDF: "),
    ("encrypted_pdf", "encrypted PDF (a password is required to read it)"),
    ("html_no_text", "HTML with no text"),
    ("scanned_pdf", "PDF has no extractable text (no text layer on page 1, scanned?"),
    ("too_many_pages", "PDF has 3 pages, more than the limit of 2"),
])
def test_bad_local_files_fail_with_a_reason_naming_the_file(tmp_path, store, fast_settings, pdfs, texts, no_ocr,
                                                            case, problem):
    name, data = _bad_inputs(tmp_path, pdfs, texts)[case]
    path = tmp_path / name
    path.write_bytes(data)
    outcome = ingest_entry(entry(path), store, None, fast_settings, max_pages=2)
    assert outcome.status == "failed" and outcome.document is None
    assert outcome.reason.startswith(f"{path}: ") and problem in outcome.reason
    assert outcome.ledger_row["warnings"] is None
    if data:  # raw inputs are never lost, even unreadable ones
        assert Path(outcome.ledger_row["raw_path"]).read_bytes() == data


def test_zero_page_pdf_fails_and_names_the_file(tmp_path, store, fast_settings):
    path = tmp_path / "nothing.pdf"
    path.write_bytes(zero_page_pdf())
    outcome = ingest_entry(entry(path), store, None, fast_settings)
    assert outcome.status == "failed" and outcome.document is None and outcome.reason.startswith(f"{path}: ")
    assert Path(outcome.ledger_row["raw_path"]).read_bytes() == path.read_bytes()


def test_zero_page_pdf_is_not_called_encrypted_after_an_encrypted_one(tmp_path, store, fast_settings, pdfs,
                                                                      texts):
    locked, empty = tmp_path / "locked.pdf", tmp_path / "nothing.pdf"
    locked.write_bytes(pdfs.encrypt(pdfs.pages([texts.community_2021]), "pw"))
    empty.write_bytes(zero_page_pdf())
    assert "encrypted PDF" in ingest_entry(entry(locked), store, None, fast_settings).reason
    reason = ingest_entry(entry(empty), store, None, fast_settings).reason
    assert "encrypted" not in reason and "corrupt PDF" in reason, reason


def test_page_limit_comes_from_the_caller(tmp_path, store, fast_settings, pdfs):
    path = tmp_path / "long.pdf"
    path.write_bytes(pdfs.pages([f"Page {n} of the long report" for n in (1, 2, 3)]))
    assert ingest_entry(entry(path), store, None, fast_settings, max_pages=3).status == "new"
    assert ingest_entry(entry(path), store, None, fast_settings).status == "new"  # the reader's default limit


def test_pages_without_text_layer_load_the_rest_and_are_recorded(tmp_path, store, fast_settings, pdfs, texts,
                                                                 no_ocr):
    path = tmp_path / "part-scanned.pdf"
    path.write_bytes(joined_pdfs(pdfs.pages([texts.community_2021]), image_only_pdf(), image_only_pdf()))
    outcome = ingest_entry(entry(path), store, None, fast_settings)
    assert outcome.status == "new" and outcome.reason is None
    assert outcome.document.pages == 3 and "3,120 hours" in outcome.document.text
    assert outcome.document.warnings == ["pages 2, 3: no text layer (scanned?)"]
    assert outcome.ledger_row["warnings"] == "pages 2, 3: no text layer (scanned?)"

    again = ingest_entry(entry(path), store, previous_from(outcome), fast_settings)
    assert again.status == "unchanged" and again.ledger_row["warnings"] == outcome.ledger_row["warnings"]


def test_every_warning_of_the_reader_reaches_the_ledger(tmp_path, store, fast_settings, texts, monkeypatch):
    from esg_pipeline.ingest import service

    path = tmp_path / "community.txt"
    path.write_text(texts.community_2021)
    real_read = service.read_document_bytes

    def read_with_warnings(*args, **kwargs):
        document = real_read(*args, **kwargs)
        document.warnings.extend(["pages 3, 4: no text layer (scanned?)", "page 7: text read by OCR"])
        return document

    monkeypatch.setattr(service, "read_document_bytes", read_with_warnings)
    outcome = ingest_entry(entry(path), store, None, fast_settings)
    assert outcome.status == "new"
    assert outcome.ledger_row["warnings"] == "pages 3, 4: no text layer (scanned?); page 7: text read by OCR"


def test_oversize_local_file_fails_without_storing(tmp_path, store, fast_settings, texts):
    path = tmp_path / "big.txt"
    path.write_text(texts.community_2021 * 100)
    outcome = ingest_entry(entry(path), store, None, dataclasses.replace(fast_settings, max_bytes=2048))
    assert outcome.status == "failed"
    assert outcome.reason == f"{path}: file exceeds 2048 bytes ({path.stat().st_size} bytes)"
    assert outcome.ledger_row["raw_path"] is None


def test_oversize_download_fails(server, store, fast_settings, texts):
    server.expect_request("/big.txt").respond_with_data(texts.community_2021 * 100)
    url = server.url_for("/big.txt")
    outcome = ingest_entry(entry(url), store, None, dataclasses.replace(fast_settings, max_bytes=2048))
    assert outcome.status == "failed" and outcome.reason.startswith(f"{url}: Content-Length ")
    assert outcome.ledger_row["http_status"] == 200


@pytest.mark.parametrize("source,problem", [
    ("ftp://files.example.org/harbourline/2021.pdf", "disallowed URL scheme 'ftp'"),
    ("file:///etc/hostname", "disallowed URL scheme 'file'"),
    ("http://127.0.0.1:9/closed-port.txt", "cannot connect"),
])
def test_unreachable_or_disallowed_urls_fail(store, fast_settings, source, problem):
    outcome = ingest_entry(entry(source), store, None, dataclasses.replace(fast_settings, retries=0))
    assert outcome.status == "failed"
    assert outcome.reason.startswith(f"{source}: ") and problem in outcome.reason
    assert outcome.ledger_row["sha256"] is None and outcome.ledger_row["raw_path"] is None


def test_http_404_is_recorded(server, store, fast_settings):
    server.expect_request("/gone.pdf").respond_with_data("not here", status=404)
    outcome = ingest_entry(entry(server.url_for("/gone.pdf")), store, None, fast_settings)
    assert outcome.status == "failed" and outcome.ledger_row["http_status"] == 404
    assert "HTTP 404" in outcome.reason


def test_missing_local_file_is_recorded(tmp_path, store, fast_settings):
    outcome = ingest_entry(entry(tmp_path / "absent.txt"), store, None, fast_settings)
    assert outcome.status == "failed" and outcome.reason == f"{tmp_path / 'absent.txt'}: file not found"


def test_store_failure_becomes_a_failed_row_not_an_exception(tmp_path, fast_settings, texts):
    from esg_pipeline.ingest.rawstore import RawStore

    path = tmp_path / "community.txt"
    path.write_text(texts.community_2021)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the store should be")
    outcome = ingest_entry(entry(path), RawStore(blocker), None, fast_settings)
    assert outcome.status == "failed" and "raw store" in outcome.reason and str(path) in outcome.reason


CATALOG = """
companies:
  - id: harbourline
    name: Harbourline Holdings Limited
  - id: kestrel-bay
    name: Kestrel Bay Logistics plc
reports:
  - {company: harbourline, year: 2021, title: Community Investment, source: src/community.txt}
  - {company: harbourline, year: 2021, title: Environment, source: src/environment.pdf}
  - {company: kestrel-bay, year: 2021, title: Web Summary, source: "%(url)s"}
  - {company: kestrel-bay, year: 2021, title: Broken, source: src/broken.pdf}
  - {company: kestrel-bay, year: 2021, title: Mirror, source: "ftp://mirror.example.org/k.pdf"}
  - {company: kestrel-bay, year: 1850, title: Typo, source: src/typo.txt}
"""


def test_partition_with_broken_entries_loads_the_good_ones_and_second_run_changes_nothing(
        tmp_path, server, store, fast_settings, pdfs, texts):
    src = tmp_path / "src"
    src.mkdir()
    (src / "community.txt").write_text(texts.community_2021, encoding="utf-16")
    (src / "environment.pdf").write_bytes(pdfs.two_columns("Environment 2021", texts.left_column,
                                                           texts.right_column))
    (src / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a PDF")
    page = f"<html><body><h1>Kestrel Bay 2021</h1><p>{texts.emissions_2022}</p></body></html>"
    server.expect_request("/summary.html", headers={"If-None-Match": '"s1"'}).respond_with_data(b"", status=304)
    server.expect_request("/summary.html").respond_with_data(page, content_type="text/html; charset=utf-8",
                                                             headers={"ETag": '"s1"'})
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(textwrap.dedent(CATALOG % {"url": server.url_for("/summary.html")}))

    load = load_catalog(catalog)
    assert [str(e) for e in load.errors] == [
        "reports[5] (kestrel-bay/1850 src/typo.txt): field 'year': year 1850 outside plausible range "
        f"1990-{dt.date.today().year + 1}"]
    year = load.for_year(2021)
    first = [ingest_entry(e, store, None, fast_settings) for e in year]
    assert [o.status for o in first] == ["new", "new", "new", "failed", "failed"]
    assert "corrupt PDF" in first[3].reason and "disallowed URL scheme 'ftp'" in first[4].reason
    assert "Water stewardship" in first[1].document.text and first[1].document.pages == 1

    ledger = {o.ledger_row["entry_id"]: o.ledger_row for o in first}
    second = [ingest_entry(e, store, PreviousFetch.from_ledger_row(ledger[e.entry_id]), fast_settings)
              for e in year]
    assert [o.status for o in second] == ["unchanged", "unchanged", "unchanged", "failed", "failed"]
    assert [o.ledger_row["http_status"] for o in first + second if o.ledger_row["http_status"]] == [200, 304]
    for before, after in zip(first, second):
        assert before.document == after.document
        for column in ("sha256", "bytes", "format", "raw_path", "entry_id", "source"):
            assert before.ledger_row[column] == after.ledger_row[column]


def test_file_store_stays_write_once_across_runs(tmp_path, store, fast_settings, texts):
    path = tmp_path / "community.txt"
    path.write_text(texts.community_2021)
    first = ingest_entry(entry(path), store, None, fast_settings)
    mtime = os.stat(first.ledger_row["raw_path"]).st_mtime_ns
    ingest_entry(entry(path), store, previous_from(first), fast_settings)
    assert os.stat(first.ledger_row["raw_path"]).st_mtime_ns == mtime


def test_dagster_ingest_records_every_bad_pdf_and_loads_the_rest(workdir, pdfs, texts, no_ocr):
    """The assets, resources and warehouse of a real run: bad PDFs become ledger reasons, the page limit
    comes from the `pipeline` resource, and a part-scanned report loads with its warnings."""
    import dagster as dg

    from esg_pipeline.defs.ingest import ingest_ledger, raw_reports
    from esg_pipeline.defs.resources import PipelineSettings, WarehouseResource

    src = workdir / "reports"
    src.mkdir()
    files = {
        "good.txt": texts.community_2021.encode(),
        "part-scanned.pdf": joined_pdfs(pdfs.pages([texts.community_2021]), image_only_pdf()),
        "locked.pdf": pdfs.encrypt(pdfs.pages([texts.community_2021]), "pw"),
        "broken.pdf": b"%PDF-1.4 this is not really a PDF",
        "scan.pdf": image_only_pdf(),
        "nothing.pdf": zero_page_pdf(),
        "long.pdf": pdfs.pages([f"Page {n} of the long report" for n in (1, 2, 3)]),
    }
    for name, data in files.items():
        (src / name).write_bytes(data)
    catalog = write_catalog(workdir, [
        {"company": "harbourline", "year": 2021, "title": name.split(".")[0], "source": f"reports/{name}"}
        for name in files], [{"id": "harbourline", "name": "Harbourline Holdings Limited"}])
    url = f"duckdb:///{workdir / 'warehouse' / 'esg.duckdb'}"

    result = dg.materialize(
        [raw_reports, ingest_ledger], partition_key="2021", raise_on_error=False,
        resources={"warehouse": WarehouseResource(url=url),
                   "pipeline": PipelineSettings(catalog_path=str(catalog), raw_store_dir=str(workdir / "raw"),
                                                inbox_dir=str(workdir / "inbox"), max_report_pages=2)})

    assert result.success
    [check] = result.get_asset_check_evaluations()
    assert check.check_name == "all_reports_ingested" and not check.passed
    ledger = {source.rsplit("/", 1)[-1]: (status, reason, warnings) for source, status, reason, warnings in query(
        url, "select source, status, reason, warnings from esg_raw.ingest_ledger")}
    assert set(ledger) == set(files)
    assert ledger["good.txt"] == ("new", None, None)
    assert ledger["part-scanned.pdf"] == ("new", None, "page 2: no text layer (scanned?)")
    expected = {
        "locked.pdf": "encrypted PDF (a password is required to read it)",
        "broken.pdf": "corrupt PDF: ",
        "scan.pdf": "no text layer on page 1, scanned?",
        "nothing.pdf": "PDF",  # what it is called: see the xfail test above
        "long.pdf": "PDF has 3 pages, more than the limit of 2",
    }
    for name, problem in expected.items():
        status, reason, warnings = ledger[name]
        assert status == "failed" and reason.startswith(str(src / name)) and problem in reason, (name, reason)
        assert warnings is None
