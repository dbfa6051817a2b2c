"""Command line: `esg-pipeline extract|run`."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _cmd_extract(args: argparse.Namespace) -> int:
    from esg_pipeline.extract import extract_metrics
    from esg_pipeline.ingest.documents import DocumentError, read_document

    failed = 0
    rows = []
    for name in args.files:
        try:
            document = read_document(name)
        except (DocumentError, OSError) as exc:
            print(f"esg-pipeline extract: {exc}", file=sys.stderr)
            failed += 1
            continue
        for metric in extract_metrics(document.text, doc=Path(name).name, page_starts=document.page_starts):
            rows.append(metric.to_dict())
    if args.format == "jsonl":
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        _print_table(rows)
    return 1 if failed and not rows else 0


def _print_table(rows: list[dict]) -> None:
    cols = ["doc", "value", "unit", "qualifier", "hkex_kpi", "indicator", "entity", "year", "subject"]
    print("  ".join(cols))
    for r in rows:
        print("  ".join(str(r.get(c, "")) for c in cols))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="esg-pipeline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("extract", help="print the metrics found in report files")
    p.add_argument("files", nargs="+")
    p.add_argument("--format", choices=["jsonl", "table"], default="table")
    p.set_defaults(func=_cmd_extract)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
