"""Command line: `esg-pipeline extract|run`."""
from __future__ import annotations

import argparse
import json
import os
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
