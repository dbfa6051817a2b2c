"""Command line: `esg-pipeline extract|run|verify|report|export|bi-role`."""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path


def _cmd_extract(args: argparse.Namespace) -> int:
    from esg_pipeline.extract import extract_document
    from esg_pipeline.extract.tables import Trace
    from esg_pipeline.ingest.documents import DocumentError, read_file_bytes
    from esg_pipeline.ingest.documents.bounded import BoundedReader

    failed = 0
    rows = []
    trace = Trace([]) if args.explain else None
    # Each file is read in a killable worker within the parse limits (ESG_PARSE_TIMEOUT_S, ...): a file that
    # hangs or crashes the reader fails alone, and the other files are still read.
    with BoundedReader() as reader:
        for name in args.files:
            try:
                data = read_file_bytes(name)
                document = reader.read(data, name=str(name))
            except (DocumentError, OSError) as exc:
                print(f"esg-pipeline extract: {exc}", file=sys.stderr)
                failed += 1
                continue
            doc_sha256 = hashlib.sha256(data).hexdigest()  # the document id in provenance
            for metric in extract_document(document, doc=Path(name).name, trace=trace):
                rows.append({**metric.to_dict(), "doc_sha256": doc_sha256})
    if trace is not None:
        for what, decision, rule in trace.entries:
            print(f"{decision:8} {rule:24} {what}", file=sys.stderr)
    try:
        if args.format == "jsonl":
            for row in rows:
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            _print_table(rows)
        sys.stdout.flush()
    except BrokenPipeError:  # `| head`: the reader has all it wants
        sys.stdout = open(os.devnull, "w")
    return 1 if failed and not rows else 0


def _print_table(rows: list[dict]) -> None:
    """Aligned columns for people; long text is cut so one metric stays on one line."""
    cols = ["doc", "line", "value", "unit", "qualifier", "hkex_kpi", "indicator", "entity", "year", "subject", "raw"]
    widths = {"doc": 28, "entity": 24, "subject": 36, "raw": 24, "indicator": 26}

    def cell(row: dict, col: str) -> str:
        v = row.get(col)
        if col == "value" and isinstance(v, float):
            text = f"{v:,.0f}" if v.is_integer() else f"{v:,.4g}"
        else:
            text = "-" if v is None else " ".join(str(v).split())
        limit = widths.get(col)
        return text if not limit or len(text) <= limit else text[: limit - 1] + "…"

    table = [cols] + [[cell(r, c) for c in cols] for r in rows]
    sizes = [max(len(line[i]) for line in table) for i in range(len(cols))]
    for n, line in enumerate(table):
        print("  ".join(v.rjust(w) if cols[i] in ("value", "line") and n else v.ljust(w)
                        for i, (v, w) in enumerate(zip(line, sizes))).rstrip())
    print(f"{len(rows)} metrics", file=sys.stderr)


def _parse_years(args: argparse.Namespace, catalog_years: list[int]) -> list[int]:
    if args.years:
        return sorted({int(y) for y in args.years.split(",") if y.strip()})
    if args.year_from or args.year_to:
        start = args.year_from or min(catalog_years, default=args.year_to)
        end = args.year_to or max(catalog_years, default=args.year_from)
        return list(range(start, end + 1))
    return catalog_years


def _run_settings(url: str) -> dict:
    """Where a run keeps its raw store, inbox and log: settings.py, like the Dagster resources."""
    from esg_pipeline import settings

    return {
        "warehouse_url": url,
        "raw_store_dir": str(settings.raw_store_dir()),
        "inbox_dir": str(settings.inbox_dir()),
        "log_file": settings.run_log_file(),
        "progress": lambda msg: print(msg, flush=True),
    }


def _cmd_inspect(args: argparse.Namespace) -> int:
    from esg_pipeline.ingest.documents import DocumentError, read_document
    from esg_pipeline.ingest.documents.inspect import document_json, document_text

    try:
        document = read_document(args.file)
    except (DocumentError, OSError) as exc:
        print(f"esg-pipeline inspect: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        json.dump(document_json(document), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(document_text(document))
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from esg_pipeline import settings
    from esg_pipeline.warehouse import make_engine
    from esg_pipeline.warehouse.overrides import (
        MetricOverride,
        OverrideFileError,
        read_overrides_csv,
        record_overrides,
    )

    try:
        if args.file:
            overrides = read_overrides_csv(args.file)
        else:
            overrides = [MetricOverride(
                company_id=args.company, metric_year=args.year, indicator_id=args.indicator, entity=args.entity,
                value=args.value, unit=args.unit, action=args.action, reason=args.reason, verified_by=args.by)]
    except (OverrideFileError, OSError, ValidationError) as exc:
        print(f"esg-pipeline verify: {exc}", file=sys.stderr)
        return 2
    url = settings.warehouse_url()
    engine = make_engine(url)
    count = record_overrides(engine, overrides)
    engine.dispose()
    print(f"recorded {count} verified value(s) in esg_raw.metric_overrides")
    if args.no_rebuild:
        return 0
    from esg_pipeline.recovery import RunStopped
    from esg_pipeline.runner import run_pipeline

    try:
        result = run_pipeline([], catalog_path=str(settings.default_catalog_path()), **_run_settings(url))
    except RunStopped as stopped:
        print(stopped.line(), file=sys.stderr)
        return stopped.exit_code
    for error in (result.locked,) if result.locked else [e for step in result.steps for e in step.errors]:
        print(f"esg-pipeline verify: marts not rebuilt: {error}", file=sys.stderr)
    return 0 if result.success else 1


def _cmd_bi_role(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from esg_pipeline import settings
    from esg_pipeline.warehouse import make_engine
    from esg_pipeline.warehouse.access import grant_read_only

    password = settings.bi_password() if args.password is None else args.password
    engine = make_engine(settings.warehouse_url())
    try:
        statements = grant_read_only(engine, args.role, password)
    except ValueError as exc:
        print(f"esg-pipeline bi-role: {exc}", file=sys.stderr)
        return 2
    except sa.exc.SQLAlchemyError as exc:
        # The driver's own words only: SQLAlchemy's message carries the statement's parameters (the password).
        cause = getattr(exc, "orig", None) or exc
        problem = " ".join(str(cause).split())
        for secret in (password, engine.url.password):
            if secret:
                problem = problem.replace(str(secret), "***")
        print(f"esg-pipeline bi-role: {engine.url.render_as_string(hide_password=True)}: "
              f"{type(cause).__name__}: {problem}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    for statement in statements:
        print(statement.replace(":password", "'***'"))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    """`run`, stopped in one line by SIGTERM or SIGINT from the start (the runner takes over while it runs)."""
    import signal

    from esg_pipeline.recovery import RunStopped

    def stop(signum, frame):
        raise RunStopped(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return _run(args)
    except RunStopped as stopped:
        print(stopped.line(), file=sys.stderr)
        return stopped.exit_code
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _run(args: argparse.Namespace) -> int:
    from esg_pipeline import settings
    from esg_pipeline.ingest.catalog import CatalogFileError, load_catalog

    settings.quiet_third_party_output()
    catalog_path = str(Path(args.catalog).resolve()) if args.catalog else str(settings.default_catalog_path())
    try:
        catalog = load_catalog(catalog_path)
    except CatalogFileError as exc:
        print(f"esg-pipeline run: {exc}", file=sys.stderr)
        return 2
    for error in catalog.errors:
        print(f"catalog {catalog_path}: {error}", file=sys.stderr)
    companies = sorted({c.strip() for value in args.company or [] for c in value.split(",") if c.strip()})
    unknown_companies = sorted(set(companies) - catalog.companies.keys())
    if unknown_companies:
        print(f"esg-pipeline run: not a company of {catalog_path}: {', '.join(unknown_companies)}", file=sys.stderr)
        return 2
    catalog_years = sorted({e.year for e in catalog.entries if e.company_id in companies}) if companies \
        else catalog.years
    years = _parse_years(args, catalog_years)

    from esg_pipeline.runner import available_years, run_pipeline
    from esg_pipeline.summary import format_summary, summarize

    unknown = sorted(set(years) - available_years())
    named = bool(args.years or args.year_to)  # years the user asked for, not the catalog's or a range's default end
    if unknown and named:
        print(f"esg-pipeline run: no reporting-year partition for {unknown} (a year's partition opens when it ends)",
              file=sys.stderr)
        return 2
    if unknown:  # the catalog lists a year still in progress (a fiscal year that ended mid-year): it waits
        print(f"esg-pipeline run: reporting year {', '.join(map(str, unknown))} not run yet: its partition opens "
              f"when the year ends, and the first run after that reads its reports", file=sys.stderr)
        years = [y for y in years if y not in unknown]
        if not years:
            return 0
    if not years:
        print(f"esg-pipeline run: {catalog_path} lists no valid reports", file=sys.stderr)
        return 2
    from esg_pipeline.warehouse import WarehouseLocked

    url = settings.warehouse_url()
    result = run_pipeline(years, catalog_path=catalog_path, companies=companies, force=args.force,
                          show_progress=sys.stdout.isatty(), **_run_settings(url))
    if result.locked:  # every later step, and the summary, would wait for the same lock
        print(f"esg-pipeline run: stopped: {result.locked}", file=sys.stderr)
        return 1
    print()
    extracted, cached = sum(s.extracted for s in result.steps), sum(s.from_cache for s in result.steps)
    print(f"Reports read and extracted: {extracted}; from the extraction cache (unchanged): {cached}")
    skipped = [s.label for s in result.steps if s.skipped]
    if skipped:
        print(f"Skipped, inputs unchanged since their last successful load: {', '.join(skipped)} "
              f"(--force loads and builds them again)")
    print(f"Warehouse: {url}")
    try:
        rows, failures = summarize(url, years, run_ids=result.run_ids)
    except WarehouseLocked as exc:
        print(f"esg-pipeline run: no summary: {exc}", file=sys.stderr)
        rows, failures = None, []
    if rows is not None:
        print(format_summary(rows, failures))
    for step in result.steps:
        for check in step.failed_checks:
            print(f"check failed in {step.label}: {check}", file=sys.stderr)
        for error in step.errors:
            print(f"step failed in {step.label}: {error}", file=sys.stderr)
    if not result.success or rows is None:
        print("esg-pipeline run: FAILED (a blocking check or a step failed; see above)", file=sys.stderr)
        return 1
    return _failed_reports_exit(failures, allow=args.allow_failed_reports or settings.allow_failed_reports())


def _failed_reports_exit(failures: list, *, allow: bool) -> int:
    """The exit policy: a run whose reports failed (this run's failed ledger rows) exits 1, unless allowed."""
    if not failures:
        return 0
    stale = sum(f.is_stale for f in failures)
    what = (f"esg-pipeline run: {len(failures)} report(s) failed (listed above; {stale} keep the figures "
            f"an earlier run loaded, marked stale)")
    if allow:
        print(f"{what}; exit 0 as allowed", file=sys.stderr)
        return 0
    print(f"{what}; exit 1 (--allow-failed-reports or ESG_ALLOW_FAILED_REPORTS=1 exits 0)", file=sys.stderr)
    return 1


def _cmd_report(args: argparse.Namespace) -> int:
    from esg_pipeline import settings
    from esg_pipeline.report import MartsUnavailable, build_report

    output = Path(args.output) if args.output else settings.report_file()
    try:
        written = build_report(settings.warehouse_url(), output)
    except MartsUnavailable as exc:
        print(f"esg-pipeline report: {exc}", file=sys.stderr)
        return 2
    print(f"Report written to {written.resolve()}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from esg_pipeline import settings
    from esg_pipeline.export import MartsUnavailable, export_marts, parse_formats

    try:
        formats = parse_formats(args.format)
    except ValueError as exc:
        print(f"esg-pipeline export: {exc}", file=sys.stderr)
        return 2
    output = Path(args.output) if args.output else settings.exports_dir()
    try:
        exported = export_marts(settings.warehouse_url(), output, formats)
    except MartsUnavailable as exc:
        print(f"esg-pipeline export: {exc}", file=sys.stderr)
        return 2
    width = max(len(t.table) for t in exported)
    for table in exported:
        print(f"{table.table:<{width}}  {table.rows:>8,} rows  -> {', '.join(p.name for p in table.files)}")
    print(f"{len(exported)} tables written to {output.resolve()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="esg-pipeline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("extract", help="print the metrics found in report files")
    p.add_argument("files", nargs="+")
    p.add_argument("--format", choices=["jsonl", "table"], default="table")
    p.add_argument("--explain", action="store_true",
                   help="print to stderr the rule that kept or dropped each number, in tables and prose")
    p.set_defaults(func=_cmd_extract)

    p = sub.add_parser("inspect", help="print the blocks and table grids read from a report file")
    p.add_argument("file")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=_cmd_inspect)

    p = sub.add_parser("run", help="materialize the pipeline for reporting years through Dagster")
    p.add_argument("--catalog", help="catalog YAML (default: data/catalog.yaml or $ESG_CATALOG)")
    p.add_argument("--years", help="comma-separated reporting years, e.g. 2017,2019")
    p.add_argument("--from", dest="year_from", type=int, help="first reporting year of a range")
    p.add_argument("--to", dest="year_to", type=int, help="last reporting year of a range")
    p.add_argument("--company", action="append", metavar="ID",
                   help="only this catalog company's reports (repeat or comma-separate for several); "
                        "the other companies' rows stay as loaded")
    p.add_argument("--allow-failed-reports", action="store_true",
                   help="exit 0 although reports failed (default: exit 1; also $ESG_ALLOW_FAILED_REPORTS)")
    p.add_argument("--force", action="store_true",
                   help="read and extract every report again, ignoring the extraction cache, and load every "
                        "year and build the marts even where nothing changed")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("verify", help="record analyst-verified values that win in the marts, then rebuild them")
    p.add_argument("--file", help="CSV with columns company_id,metric_year,indicator_id,entity,value,unit,"
                                  "action,reason,verified_by")
    p.add_argument("--company")
    p.add_argument("--year", type=int)
    p.add_argument("--indicator")
    p.add_argument("--entity", help="as in marts.fct_esg_metrics.entity (the group name for group-level figures)")
    p.add_argument("--value", type=float)
    p.add_argument("--unit")
    p.add_argument("--action", choices=["confirm", "correct"], default="correct")
    p.add_argument("--reason")
    p.add_argument("--by", help="who verified it")
    p.add_argument("--no-rebuild", action="store_true", help="record only; marts refresh on the next run")
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser("bi-role", help="PostgreSQL: create a role that can only SELECT the marts, for BI tools")
    p.add_argument("role")
    p.add_argument("--password", help="login password (default: $ESG_BI_PASSWORD)")
    p.set_defaults(func=_cmd_bi_role)

    p = sub.add_parser("report", help="write a self-contained HTML report (charts, KPI coverage, data quality)")
    p.add_argument("--output", help="HTML file (default: <data dir>/reports_out/esg_report.html)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("export", help="write every marts table to Parquet and/or CSV files")
    p.add_argument("--output", help="folder (default: <data dir>/exports)")
    p.add_argument("--format", default="parquet,csv", help="comma-separated: parquet, csv (default: both)")
    p.set_defaults(func=_cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
