"""Where things live by default. Functions, not module globals, so the environment is read when asked."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DBT_PROJECT_DIR = PROJECT_DIR / "dbt_project"


def data_dir() -> Path:
    return Path(os.environ.get("ESG_DATA_DIR", PROJECT_DIR / "data")).resolve()


def default_catalog_path() -> Path:
    """ESG_CATALOG, else the bundled sample catalog (ESG_DATA_DIR moves outputs, not the samples)."""
    return Path(os.environ.get("ESG_CATALOG", PROJECT_DIR / "data" / "catalog.yaml")).resolve()


def default_warehouse_url() -> str:
    return f"duckdb:///{data_dir() / 'warehouse' / 'esg.duckdb'}"


def warehouse_url() -> str:
    return os.environ.get("ESG_WAREHOUSE_URL") or default_warehouse_url()


def quiet_third_party_output() -> None:
    """Runs are logs, not terminals: no GX analytics, no progress bars."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def source_roots(catalog_path: str | Path) -> list[Path]:
    """Folders local report sources may be read from: ESG_SOURCE_ROOTS (os.pathsep-separated), else the
    catalog's folder and the project's data/. /proc, /sys and /dev are refused whatever this says."""
    configured = os.environ.get("ESG_SOURCE_ROOTS")
    if configured:
        return [Path(p).expanduser().resolve() for p in configured.split(os.pathsep) if p.strip()]
    return [Path(catalog_path).resolve().parent, (PROJECT_DIR / "data").resolve()]


def allow_private_urls() -> bool:
    """ESG_ALLOW_PRIVATE_URLS: fetch http(s) sources on loopback, private, link-local and reserved addresses."""
    return _truthy("ESG_ALLOW_PRIVATE_URLS")


def allow_failed_reports() -> bool:
    """ESG_ALLOW_FAILED_REPORTS: `esg-pipeline run` exits 0 when reports failed (default: exit 1)."""
    return _truthy("ESG_ALLOW_FAILED_REPORTS")


def _number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a number") from None


def fetch_deadline_s() -> float:
    """ESG_FETCH_DEADLINE_S: the most one download may take, start to last byte (default 600 s)."""
    return _number("ESG_FETCH_DEADLINE_S", 600.0)


# Per-document parse limits (the reader runs in a child process that is killed at a limit). The defaults
# are the document readers' own (ingest/documents), defined here once.
MAX_REPORT_PAGES = 2000
MAX_STREAM_MB = 256


def parse_timeout_s() -> float:
    """ESG_PARSE_TIMEOUT_S: the most one document may take to read, OCR included (default 600 s)."""
    return _number("ESG_PARSE_TIMEOUT_S", 600.0)


def parse_memory_mb() -> int:
    """ESG_PARSE_MEMORY_MB: the most resident memory the reading process may use (default 2048 MB)."""
    return int(_number("ESG_PARSE_MEMORY_MB", 2048))


def max_report_pages() -> int:
    """ESG_MAX_REPORT_PAGES: a PDF with more pages fails instead of being read (default 2000)."""
    return int(_number("ESG_MAX_REPORT_PAGES", MAX_REPORT_PAGES))


def max_stream_mb() -> int:
    """ESG_MAX_STREAM_MB: the most one compressed PDF stream may inflate to (default 256 MB)."""
    return int(_number("ESG_MAX_STREAM_MB", MAX_STREAM_MB))


def duckdb_lock_wait_s() -> float:
    """ESG_DUCKDB_LOCK_WAIT_S: how long opening the DuckDB warehouse retries while another process holds
    its lock (a BI tool reading, another run writing) before it fails naming that process (default 60 s)."""
    return _number("ESG_DUCKDB_LOCK_WAIT_S", 60.0)


def extract_cache_dir(raw_store_dir: str | Path) -> Path:
    """ESG_EXTRACT_CACHE, else `extract-cache` beside the raw store (derived data: safe to delete)."""
    configured = os.environ.get("ESG_EXTRACT_CACHE")
    return Path(configured).resolve() if configured else Path(raw_store_dir).resolve().parent / "extract-cache"


def extract_workers() -> int:
    """ESG_EXTRACT_WORKERS: processes that read and extract reports in parallel; default (and 0) one per core."""
    configured = int(_number("ESG_EXTRACT_WORKERS", 0))
    if configured > 0:
        return configured
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
