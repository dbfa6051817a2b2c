"""Every setting the pipeline takes from the environment, and every default, in one place.

Functions, not module globals, so the environment is read when asked (never at import). The CLI calls
them; the Dagster resources (defs/resources.py) take their defaults from them. `VARIABLES` lists each
ESG_* variable for README's settings table, which a test checks against the readers here.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
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


def warehouse_url_variable() -> str | None:
    """"ESG_WAREHOUSE_URL" when it names the warehouse, for the `warehouse` resource's dg.EnvVar: Dagster
    resolves it per run and keeps the URL's password out of the run config it shows. None: the default."""
    return "ESG_WAREHOUSE_URL" if os.environ.get("ESG_WAREHOUSE_URL") else None


def raw_store_dir() -> Path:
    """ESG_RAW_STORE, else raw/ under the data folder: downloaded reports by sha256, write-once."""
    return Path(os.environ.get("ESG_RAW_STORE") or data_dir() / "raw").resolve()


def inbox_dir() -> Path:
    """ESG_INBOX, else inbox/ under the data folder: reports dropped in by hand."""
    return Path(os.environ.get("ESG_INBOX") or data_dir() / "inbox").resolve()


def run_log_file() -> Path:
    """Where `esg-pipeline run` writes dbt's and Dagster's logs."""
    return data_dir() / "logs" / "esg-pipeline-run.log"


def report_file() -> Path:
    """Where `esg-pipeline report` writes unless --output says."""
    return data_dir() / "reports_out" / "esg_report.html"


def exports_dir() -> Path:
    """Where `esg-pipeline export` writes unless --output says."""
    return data_dir() / "exports"


def executor_name() -> str:
    """ESG_EXECUTOR: the Dagster executor runs use (defs/executors.py); default in_process."""
    return os.environ.get("ESG_EXECUTOR", "").strip() or "in_process"


def bi_password() -> str | None:
    """ESG_BI_PASSWORD: the login password `esg-pipeline bi-role` gives the role unless --password does."""
    return os.environ.get("ESG_BI_PASSWORD") or None


def dagster_home() -> str | None:
    """DAGSTER_HOME (Dagster's own): a persistent instance there, else runs use an ephemeral one."""
    return os.environ.get("DAGSTER_HOME") or None


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


# Download defaults, shared by ingest.fetch.FetchSettings and the `pipeline` resource.
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 60.0  # max silence between bytes, not the whole download
HTTP_RETRIES = 4
MAX_REPORT_BYTES = 100 * 1024 * 1024


def fetch_deadline_s() -> float:
    """ESG_FETCH_DEADLINE_S: the most one download may take, start to last byte (default 600 s)."""
    return _number("ESG_FETCH_DEADLINE_S", 600.0)


# Per-document parse limits (the reader runs in a child process that is killed at a limit). The defaults
# are the document readers' own (ingest/documents), defined here once.
MAX_REPORT_PAGES = 2000
MAX_STREAM_MB = 256


def parse_timeout_s() -> float:
    """ESG_PARSE_TIMEOUT_S: the most one document may take to read, OCR included, and extract (default 600 s)."""
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


def extract_cache_dir(raw_store: str | Path | None = None) -> Path:
    """ESG_EXTRACT_CACHE, else `extract-cache` beside the raw store (derived data: safe to delete)."""
    configured = os.environ.get("ESG_EXTRACT_CACHE")
    if configured:
        return Path(configured).resolve()
    return Path(raw_store or raw_store_dir()).resolve().parent / "extract-cache"


def extract_workers() -> int:
    """ESG_EXTRACT_WORKERS: processes that read and extract reports in parallel; default (and 0) one per core."""
    configured = int(_number("ESG_EXTRACT_WORKERS", 0))
    if configured > 0:
        return configured
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Variable:
    """One ESG_* variable as README's settings table shows it. `read` is its reader here: its value with
    every ESG_* variable unset is the default the table shows; `default` describes it when there is no
    reader (another program reads the variable) or the value depends on other input."""

    name: str
    meaning: str
    read: Callable[[], object] | None = None
    default: str | None = None


VARIABLES = (
    Variable("ESG_DATA_DIR", "folder of the DuckDB warehouse, raw store, inbox, run log, report and exports", data_dir),
    Variable("ESG_CATALOG", "the report catalog (YAML); ESG_DATA_DIR does not move it", default_catalog_path),
    Variable("ESG_WAREHOUSE_URL", "the warehouse as a SQLAlchemy URL: DuckDB file (under ESG_DATA_DIR) or PostgreSQL",
             warehouse_url),
    Variable("ESG_RAW_STORE", "downloaded reports by sha256, write-once (default under ESG_DATA_DIR)", raw_store_dir),
    Variable("ESG_INBOX", "reports dropped in by hand (default under ESG_DATA_DIR)", inbox_dir),
    Variable("ESG_SOURCE_ROOTS", "folders local sources may be read from (os.pathsep-separated)",
             default="the catalog's folder and data/"),
    Variable("ESG_ALLOW_PRIVATE_URLS", "fetch http(s) sources on loopback, private and reserved addresses",
             allow_private_urls),
    Variable("ESG_FETCH_DEADLINE_S", "the most one download may take, seconds", fetch_deadline_s),
    Variable("ESG_PARSE_TIMEOUT_S", "the most one document may take to read (OCR included) and extract, seconds",
             parse_timeout_s),
    Variable("ESG_PARSE_MEMORY_MB", "the most memory the reading process may use, MB", parse_memory_mb),
    Variable("ESG_MAX_STREAM_MB", "the most one compressed PDF stream may inflate to, MB", max_stream_mb),
    Variable("ESG_MAX_REPORT_PAGES", "a PDF with more pages fails unread", max_report_pages),
    Variable("ESG_DUCKDB_LOCK_WAIT_S", "how long opening a locked DuckDB warehouse is retried, seconds",
             duckdb_lock_wait_s),
    Variable("ESG_EXTRACT_CACHE", "extraction output by content (derived data: safe to delete)", extract_cache_dir),
    Variable("ESG_EXTRACT_WORKERS", "processes reading and extracting reports at once, each within the parse limits",
             default="one per core"),
    Variable("ESG_ALLOW_FAILED_REPORTS", "`esg-pipeline run` exits 0 when reports failed", allow_failed_reports),
    Variable("ESG_EXECUTOR", "Dagster executor: in_process, multiprocess, celery or k8s", executor_name),
    Variable("ESG_BI_PASSWORD", "password `esg-pipeline bi-role` gives the role", bi_password),
    Variable("ESG_DAGSTER_POSTGRES_URL", "the Dagster instance's PostgreSQL (deploy/instance/dagster.yaml)",
             default="none: read by Dagster, not here"),
)


def shown_default(variable: Variable) -> str:
    """The default as README shows it; call with the ESG_* variables unset. Paths are shown relative to the
    project folder, so the table reads the same on every machine."""
    if variable.default is not None:
        return variable.default
    value = variable.read()
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "`" + str(value).replace(f"{PROJECT_DIR}{os.sep}", "").replace(str(PROJECT_DIR), ".") + "`"


def settings_table() -> str:
    """README's settings table (markdown); call with the ESG_* variables unset."""
    rows = [f"| `{v.name}` | {shown_default(v)} | {v.meaning} |" for v in VARIABLES]
    return "\n".join(["| variable | default | what it sets |", "| --- | --- | --- |", *rows])
