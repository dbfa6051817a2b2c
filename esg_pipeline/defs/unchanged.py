"""Skip the loads whose inputs did not change (issue 11: a no-change re-run in seconds).

A year's loads (esg_raw.metrics, esg_raw.quarantine and esg_raw.reports of the run's companies) are made
from the year's ingest outcomes: each report's extraction-cache key (its sha256, the extractor and
taxonomy versions, the catalog's fields, the read limits) or, for a report that failed, its reason, its
warnings and whether its earlier rows are kept stale; the run's companies; the blocking-check setting;
and the code between extraction and warehouse rows. `year_fingerprint` hashes all of that. Each load
records the fingerprint in esg_raw.load_state in the transaction that writes its rows
(`WarehouseWriter`). When raw_reports finds all three recorded with the fingerprint it has now, the
year's rows are what this run would load: `extracted_metrics` yields no output, so Dagster skips the
validation and the loads after it, and the skip is a log line and an observation on each skipped asset
("skipped": why, the run whose load stands). The ingestion ledger is written on every run.

The dbt build is skipped the same way when nothing it reads changed since its last successful build:
`dbt_fingerprint` hashes the year loads' recorded fingerprints, the reference tables, the analysts'
overrides and the dbt project's files, and the build records it in esg_raw.load_state (scope 'dbt')
once it has succeeded; marts missing from the warehouse mean a build.

`run --force` (`pipeline.force_extract`) skips nothing. esg_raw.load_state is bookkeeping: deleting it
costs one full load and build.
"""
from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import sqlalchemy as sa

from esg_pipeline.warehouse import schema as wh
from esg_pipeline.warehouse.writer import LoadState, WarehouseWriter

# The tables a year partition replaces, and the Dagster assets that load them.
YEAR_TABLES = (wh.metrics, wh.quarantine, wh.reports)
SKIPPED_WITH_THE_LOADS = (("extracted_metrics",), ("validated_metrics",), ("quarantined_metrics",),
                          ("esg_raw", "metrics"), ("esg_raw", "quarantine"), ("esg_raw", "reports"))
DBT_SCOPE = "dbt"
# The code between a report's extracted rows and the warehouse rows, besides the extractor's own version.
_LOAD_CODE = ("quality", "warehouse", "defs/ingest.py", "defs/metrics.py", "defs/unchanged.py", "report_work.py")
_DBT_FILES = ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")


def _hash(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


@functools.cache
def load_code_version() -> str:
    from esg_pipeline.extract.version import _digest, extractor_version, taxonomy_version

    return f"{extractor_version()}|{taxonomy_version()}|{_digest(_LOAD_CODE, '*.py')}"


def year_scope(table: sa.Table, year: int) -> str:
    return f"{table.schema}.{table.name}/{year}"


def year_fingerprint(outcomes: Sequence[dict], *, year: int, max_quarantine_share: float) -> str:
    """The fingerprint of what a year's loads are made from (see the module docstring)."""
    reports = []
    for outcome in outcomes:
        if not outcome.get("entry"):  # catalog and inbox problems: ledger rows only, never loaded
            continue
        row, extraction = outcome["ledger_row"], outcome.get("extraction")
        failed = row["status"] == "failed"
        reports.append({
            "id": row["entry_id"], "company": row["company_id"],
            "extraction": extraction.job.key if extraction is not None and not failed else None,
            "failed": failed, "reason": row["reason"] if failed else None,
            "warnings": row["warnings"], "stale": bool(row.get("is_stale")),
        })
    return _hash({"year": year, "code": load_code_version(), "max_quarantine_share": max_quarantine_share,
                  "reports": sorted(reports, key=lambda r: r["id"])})


@dataclass(frozen=True)
class YearLoad:
    """raw_reports' decision for its year's loads: the inputs' fingerprint, and the load that stands when
    they are those of the last successful load of every year table (`unchanged`), else None."""

    year: int
    fingerprint: str
    unchanged: LoadState | None = None

    def state(self, table: sa.Table, run_id: str, **details: Any) -> LoadState:
        """The state a load of `table` records with its rows."""
        return LoadState(scope=year_scope(table, self.year), fingerprint=self.fingerprint, run_id=run_id,
                         details=details)

    def why(self) -> str:
        since = self.unchanged
        return (f"inputs unchanged since run {since.run_id} (loaded {since.loaded_at:%Y-%m-%d %H:%M:%S}; "
                f"fingerprint {self.fingerprint[:12]}): its rows stand") if since else ""


class YearOutcomes(list):
    """raw_reports' output: one outcome per entry, as a list, and `load`, the year's `YearLoad`."""

    load: YearLoad | None = None


def decide_year(writer: WarehouseWriter, outcomes: Sequence[dict], *, year: int, max_quarantine_share: float,
                force: bool) -> YearLoad:
    fingerprint = year_fingerprint(outcomes, year=year, max_quarantine_share=max_quarantine_share)
    if force:
        return YearLoad(year, fingerprint)
    states = writer.states(*(year_scope(t, year) for t in YEAR_TABLES))
    if len(states) == len(YEAR_TABLES) and all(s.fingerprint == fingerprint for s in states.values()):
        return YearLoad(year, fingerprint, unchanged=states[year_scope(wh.metrics, year)])
    return YearLoad(year, fingerprint)


def year_load(raw_reports: Sequence[dict]) -> YearLoad | None:
    return getattr(raw_reports, "load", None)


def observe_skipped(keys: Iterable[Sequence[str]], why: str, partition: str | None = None,
                    **metadata: Any) -> list[dg.AssetObservation]:
    """What a skipped asset says in Dagster: an observation with `skipped` (why) instead of a materialization."""
    return [dg.AssetObservation(asset_key=dg.AssetKey(list(key)), partition=partition,
                                metadata={"skipped": why, **metadata}) for key in keys]


# --- the dbt build --------------------------------------------------------------------------------

def dbt_fingerprint(writer: WarehouseWriter, project_dir: Path) -> str:
    """What the marts are built from: every year load's recorded fingerprint, the reference tables, the
    overrides, and the dbt project's files."""
    conn = writer.connection
    tables = {}
    for table in (wh.companies, wh.indicators, wh.framework_references, wh.metric_overrides):
        order = [c for c in table.primary_key.columns] or list(table.columns)
        tables[table.name] = [list(r) for r in conn.execute(sa.select(table).order_by(*order)).all()]
    loads = {scope: state.fingerprint for scope, state in writer.states(prefix=f"{wh.RAW_SCHEMA}.").items()}
    return _hash({"loads": loads, "tables": tables, "dbt": _files_digest(project_dir)})


def _files_digest(root: Path) -> str:
    digest = hashlib.sha256()
    root = Path(root)
    for part in _DBT_FILES:
        path = root / part
        files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path] if path.is_file() else []
        for file in files:
            digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def dbt_relations(manifest_path: Path) -> list[tuple[str, str]]:
    """(schema, name) of every model and seed the dbt project builds, from its manifest."""
    nodes = json.loads(Path(manifest_path).read_text(encoding="utf-8"))["nodes"].values()
    return sorted({(n["schema"], n.get("alias") or n["name"]) for n in nodes
                   if n["resource_type"] in ("model", "seed") and n["config"].get("materialized") != "ephemeral"})


def marts_present(writer: WarehouseWriter, relations: Iterable[tuple[str, str]]) -> bool:
    """Whether every (schema, name) the dbt project builds exists in the warehouse."""
    have = {(s.lower(), n.lower()) for s, n in writer.connection.execute(sa.text(
        "select table_schema, table_name from information_schema.tables")).all()}
    return all((s.lower(), n.lower()) in have for s, n in relations)
