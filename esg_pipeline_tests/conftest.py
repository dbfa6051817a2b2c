"""Shared fixtures: a throwaway warehouse and data folder per test, the dbt manifest prepared once."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


def pytest_configure(config):
    # Definitions import the dbt manifest; prepare it before collection if `make` did not.
    manifest = REPO / "dbt_project" / "target" / "manifest.json"
    if not manifest.exists():
        from esg_pipeline.warehouse.dbt_runs import parse_project
        parse_project()


@pytest.fixture
def shared_dir(tmp_path, monkeypatch) -> Path:
    """../shared, readable as a report source next to the test's own folder (ESG_SOURCE_ROOTS)."""
    if not (SHARED / "seeds").is_dir():
        pytest.skip("../shared (seed reports and gold labels) is not present")
    monkeypatch.setenv("ESG_SOURCE_ROOTS", os.pathsep.join([str(SHARED.resolve()), str(tmp_path.resolve())]))
    return SHARED


@pytest.fixture
def allow_private_urls(monkeypatch) -> None:
    """For tests whose HTTP servers listen on loopback, which sources may not reach by default."""
    monkeypatch.setenv("ESG_ALLOW_PRIVATE_URLS", "1")


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """A data folder and DuckDB warehouse of the test's own."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("ESG_DATA_DIR", str(data))
    monkeypatch.setenv("ESG_WAREHOUSE_URL", f"duckdb:///{data / 'warehouse' / 'esg.duckdb'}")
    monkeypatch.delenv("ESG_CATALOG", raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return data


@pytest.fixture
def report_server(tmp_path, allow_private_urls):
    """A real HTTP server on loopback serving a folder, answering If-Modified-Since with 304."""
    import functools
    import http.server
    import threading

    served = tmp_path / "site"
    served.mkdir()
    responses: list[int] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_request(self, code="-", size="-"):
            responses.append(int(code))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}", responses
    server.shutdown()
