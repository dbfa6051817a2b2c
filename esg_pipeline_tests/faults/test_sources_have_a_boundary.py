"""Finding 7: catalog sources may not read any local file or reach loopback and private hosts, and the
inbox does not follow symlinks. A refused source is a failed ledger row naming it and why; the rest goes on."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import dagster as dg
import pytest
from pytest_httpserver import HTTPServer

from esg_pipeline.ingest.catalog import CatalogEntry
from esg_pipeline.defs.ingest import ingest_ledger, raw_reports
from esg_pipeline.defs.resources import PipelineSettings, WarehouseResource
from esg_pipeline.ingest import boundary
from esg_pipeline.ingest.rawstore import RawStore
from esg_pipeline.ingest.service import ingest_entry
from esg_pipeline_tests.helpers import query, write_catalog

REPORT = "Harbourline ESG Report 2021\nIn 2021, Harbourline contributed HK$4.6 million to community programmes.\n"


@pytest.fixture(autouse=True)
def default_policy(monkeypatch):
    monkeypatch.delenv("ESG_ALLOW_PRIVATE_URLS", raising=False)
    monkeypatch.delenv("ESG_SOURCE_ROOTS", raising=False)


@pytest.fixture
def server():
    http = HTTPServer(host="127.0.0.1")
    http.start()
    yield http
    http.clear()
    http.stop()


def entry(source: str | Path) -> CatalogEntry:
    return CatalogEntry(company_id="harbourline", company_name="Harbourline Holdings Limited", year=2021,
                        title="ESG Report", source=str(source), resolved_source=str(source))


def pipeline_settings(folder: Path) -> PipelineSettings:
    return PipelineSettings(catalog_path=str(folder / "catalog.yaml"), raw_store_dir=str(folder / "raw"),
                            inbox_dir=str(folder / "inbox"))


def ingest(folder: Path, source: str | Path):
    settings = pipeline_settings(folder).fetch_settings()
    return ingest_entry(entry(source), RawStore(folder / "raw"), None, settings)


@pytest.fixture
def catalog_dir(tmp_path) -> Path:
    folder = tmp_path / "catalogs"
    (folder / "reports").mkdir(parents=True)
    (folder / "reports" / "good.txt").write_text(REPORT, encoding="utf-8")
    (folder / "reports" / "hostname.txt").symlink_to("/etc/hostname")
    (folder / "reports" / "environ.txt").symlink_to("/proc/self/environ")
    return folder


# (source relative to the catalog folder or absolute, ESG_SOURCE_ROOTS or None, expected problem or None)
LOCAL_CASES = [
    ("reports/good.txt", None, None),
    ("/etc/passwd", None, "is outside the source roots"),
    ("/proc/self/environ", None, "under /proc, which is never read"),
    ("/proc/self/environ", "/", "under /proc, which is never read"),
    ("/sys/kernel/hostname", "/", "under /sys, which is never read"),
    ("/dev/zero", "/", "under /dev, which is never read"),
    ("reports/hostname.txt", None, "resolves"),  # the link is in the catalog folder, its target is not
    ("reports/environ.txt", "/", "under /proc, which is never read"),
    ("reports/good.txt", "/srv/elsewhere", "is outside the source roots"),
]


@pytest.mark.parametrize("source,roots,problem", LOCAL_CASES)
def test_local_sources_stay_inside_the_roots(catalog_dir, monkeypatch, source, roots, problem):
    if roots is not None:
        monkeypatch.setenv("ESG_SOURCE_ROOTS", roots)
    path = source if source.startswith("/") else catalog_dir / source
    outcome = ingest(catalog_dir, path)
    if problem is None:
        assert outcome.status == "new", outcome.reason
        return
    assert outcome.status == "failed"
    assert outcome.reason.startswith(f"{path}: refused: ") and outcome.ledger_row["sha256"] is None
    if problem == "resolves":
        assert "/etc/hostname is outside the source roots" in outcome.reason
    else:
        assert problem in outcome.reason
    assert "ESG_" not in outcome.reason or "set ESG_SOURCE_ROOTS" in outcome.reason


def test_source_roots_setting_lists_folders(catalog_dir, tmp_path, monkeypatch):
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "r.txt").write_text(REPORT, encoding="utf-8")
    monkeypatch.setenv("ESG_SOURCE_ROOTS", os.pathsep.join(["/srv/nothing", str(other)]))
    assert ingest(catalog_dir, other / "r.txt").status == "new"


# (host, the kind of address it is refused as)
PRIVATE_HOSTS = [
    ("127.0.0.1", "a loopback"),
    ("localhost", "a loopback"),
    ("[::1]", "a loopback"),
    ("10.1.2.3", "a private"),
    ("192.168.0.10", "a private"),
    ("169.254.169.254", "a link-local"),  # cloud metadata endpoints
    ("0.0.0.0", "an unspecified"),
    ("[::ffff:127.0.0.1]", "a loopback"),
]


@pytest.mark.parametrize("host,kind", PRIVATE_HOSTS)
def test_private_hosts_are_refused_before_connecting(tmp_path, host, kind):
    url = f"http://{host}:9/report.txt"
    outcome = ingest(tmp_path, url)
    assert outcome.status == "failed"
    assert outcome.reason.startswith(f"{url}: refused: host ") and f"resolves to {kind} address" in outcome.reason
    assert "ESG_ALLOW_PRIVATE_URLS" in outcome.reason and outcome.ledger_row["http_status"] is None


def test_loopback_is_fetched_when_allowed(tmp_path, server, monkeypatch):
    server.expect_request("/r.txt").respond_with_data(REPORT, content_type="text/plain")
    url = server.url_for("/r.txt")
    refused = ingest(tmp_path, url)
    assert refused.status == "failed" and "loopback" in refused.reason and len(server.log) == 0
    monkeypatch.setenv("ESG_ALLOW_PRIVATE_URLS", "1")
    assert ingest(tmp_path, url).status == "new"


def test_public_url_redirecting_to_loopback_is_refused(tmp_path, server, monkeypatch):
    """The first host passes as public (a resolver that says so); its redirect to localhost does not."""
    real = boundary._resolve
    monkeypatch.setattr(boundary, "_resolve", lambda host: (
        [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 0))] if host == "127.0.0.1" else real(host)))
    secret = f"http://localhost:{server.port}/secret"
    server.expect_request("/moved").respond_with_data("", status=302, headers={"Location": secret})
    server.expect_request("/secret").respond_with_data("internal", content_type="text/plain")
    url = server.url_for("/moved")
    outcome = ingest(tmp_path, url)
    assert outcome.status == "failed"
    assert outcome.reason.startswith(f"{url}: redirected to {secret}: refused: host localhost resolves to a loopback")
    assert [request.path for request, _ in server.log] == ["/moved"]


def test_refused_sources_are_ledger_failures_and_the_run_goes_on(tmp_path, monkeypatch):
    """Through Dagster: the good report loads; each refused source, and a symlink in the inbox, is a failed
    ledger row naming it and why."""
    folder = tmp_path / "data"
    (folder / "reports").mkdir(parents=True)
    (folder / "reports" / "good.txt").write_text(REPORT, encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("password=hunter2\n", encoding="utf-8")
    inbox = folder / "inbox"
    inbox.mkdir()
    link = inbox / "harbourline_2021_linked.txt"
    link.symlink_to(secret)
    sources = ["reports/good.txt", "/etc/passwd", "/proc/self/environ", "http://127.0.0.1:9/r.txt"]
    catalog = write_catalog(folder, [{"company": "harbourline", "year": 2021, "title": f"Report {n}", "source": s}
                                     for n, s in enumerate(sources)],
                            [{"id": "harbourline", "name": "Harbourline Holdings Limited"}])
    url = f"duckdb:///{folder / 'esg.duckdb'}"
    result = dg.materialize(
        [raw_reports, ingest_ledger], partition_key="2021", raise_on_error=False,
        resources={"warehouse": WarehouseResource(url=url),
                   "pipeline": PipelineSettings(catalog_path=str(catalog), raw_store_dir=str(folder / "raw"),
                                                inbox_dir=str(inbox))})
    assert result.success
    ledger = dict(query(url, "select source, coalesce(reason, status) from esg_raw.ingest_ledger"))
    assert ledger[str(folder / "reports" / "good.txt")] == "new"
    assert "outside the source roots" in ledger["/etc/passwd"]
    [environ] = [reason for source, reason in ledger.items() if source.startswith("/proc/")]  # /proc/<pid>/environ
    assert "under /proc, which is never read" in environ
    assert "loopback" in ledger["http://127.0.0.1:9/r.txt"]
    assert ledger[str(link)] == f"{link}: a symbolic link; inbox files are not followed (copy the report in)"
    assert len(ledger) == 5
    assert not any(path.is_file() and b"hunter2" in path.read_bytes() for path in (folder / "raw").rglob("*"))
