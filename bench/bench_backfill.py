"""Backfill throughput of the whole pipeline: N companies x Y years of reports, then a re-run with nothing changed.

    .venv/bin/python bench/bench_backfill.py                                  # 10 x 2 text reports of ~150 KB
    .venv/bin/python bench/bench_backfill.py --companies 20 --years 10        # 200 reports
    .venv/bin/python bench/bench_backfill.py --companies 100 --years 10       # 1,000 reports (issue 11's case)
    .venv/bin/python bench/bench_backfill.py --format pdf --companies 20 --years 10 --pages 40   # 200 PDFs
    .venv/bin/python bench/bench_backfill.py --http ...                       # sources served over loopback HTTP
    .venv/bin/python bench/bench_backfill.py --workdir W --again --reruns 2 --cli   # re-runs of W's backfill,
                                                                              # timed as `esg-pipeline run`

Reports are made from the project's own samples (data/reports): each company gets its own name, each year
its own dates, and every figure is scaled per company and year, so no two reports have the same bytes.
Text reports join the samples until about --kb kilobytes; PDFs are built from the PDF sample's source
with fpdf2 (the writer the tests and data/scripts/build_sample_pdf.py use) until about --pages pages.
Both runs go through the real pipeline (`runner.run_pipeline`: Dagster, GX, DuckDB, dbt) into a warehouse
in a temporary folder (or --workdir). Printed: reports per minute, time per stage (Dagster step wall
time summed over the years, and the time the years' runs waited for their reports read ahead), peak RSS
of this process and all its children (sampled from /proc), and how many reports each run read and
extracted or found in the extraction cache.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import math
import os
import re
import resource
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "reports"
TEXT_SAMPLES = [  # (file, its report year, the names it uses for its company)
    (SAMPLES / "harbourline" / "2021_esg_report.txt", 2021, ("Harbourline Holdings Limited", "Harbourline")),
    (SAMPLES / "tianmu" / "tianmu_2022_esg_report.txt", 2022, ("Tianmu Renewables Group", "Tianmu")),
    (SAMPLES / "tianmu" / "tianmu_2023_esg_report.txt", 2023, ("Tianmu Renewables Group", "Tianmu")),
    (SAMPLES / "harbourline" / "2023_esg_report.source.txt", 2023, ("Harbourline Holdings Limited", "Harbourline")),
]
PDF_SOURCE = TEXT_SAMPLES[3]
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
FIGURE = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w])|(?<![\w.,])\d+\.\d+(?![\w])")


# ------------------------------------------------------------------------------------------ the reports
def _vary(text: str, sample_year: int, year: int, names: tuple[str, ...], company: str, factor: float) -> str:
    """A sample rewritten for another company and year: its names, its dates, its figures scaled."""
    text = YEAR.sub(lambda m: str(int(m.group()) + year - sample_year), text)
    for name, new in zip(names, (f"{company} Holdings Limited", company)):
        text = text.replace(name, new)

    def scale(match: re.Match) -> str:
        raw = match.group()
        value = float(raw.replace(",", "")) * factor
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        return f"{value:,.{decimals}f}" if "," in raw else f"{value:.{decimals}f}"

    return FIGURE.sub(scale, text)


def _factor(company: int, year: int) -> float:
    return round(0.8 + ((company * 37 + year * 11) % 41) / 100, 2)  # 0.80 .. 1.20, the same on every run


def text_report(company_no: int, company: str, year: int, kb: int) -> str:
    parts, size, n = [], 0, 0
    while size < kb * 1024:
        path, sample_year, names = TEXT_SAMPLES[n % len(TEXT_SAMPLES)]
        part = _vary(path.read_text(encoding="utf-8"), sample_year, year, names, company,
                     _factor(company_no + n, year))
        parts.append(part)
        size += len(part.encode())
        n += 1
    return "\n\n".join(parts)


def pdf_report(company_no: int, company: str, year: int, pages: int, out: Path) -> None:
    sys.path.insert(0, str(REPO / "data" / "scripts"))
    from build_sample_pdf import build  # fpdf2, as the sample PDF and the tests

    path, sample_year, names = PDF_SOURCE
    source = path.read_text(encoding="utf-8")
    first, rest = source.split("\n", 1)  # one title; the body repeats (the sample is 3 pages)
    body = [_vary(rest, sample_year, year, names, company, _factor(company_no + n, year))
            for n in range(max(1, math.ceil(pages / 3)))]
    tmp = out.with_suffix(".source.txt")
    tmp.write_text(_vary(first, sample_year, year, names, company, 1.0) + "\n" + "\n\n".join(body), encoding="utf-8")
    build(tmp, out)
    tmp.unlink()


def write_catalog(folder: Path, companies: int, years: list[int], fmt: str, kb: int, pages: int,
                  base_url: str | None) -> int:
    """Reports and catalog.yaml in `folder`; returns the bytes written."""
    reports_dir = folder / "reports"
    reports_dir.mkdir(parents=True, exist_ok=True)
    entries, total = [], 0
    names = [f"Company{n:04d}" for n in range(1, companies + 1)]
    for number, company in enumerate(names, 1):
        for year in years:
            name = f"{company.lower()}_{year}.{fmt}"
            out = reports_dir / name
            if fmt == "pdf":
                pdf_report(number, company, year, pages, out)
            else:
                out.write_text(text_report(number, company, year, kb), encoding="utf-8")
            total += out.stat().st_size
            source = f"{base_url}/{name}" if base_url else f"reports/{name}"
            entries.append({"company": company.lower(), "year": year, "title": f"ESG Report {year}",
                            "source": source, "format": fmt})
    catalog = {"companies": [{"id": c.lower(), "name": f"{c} Holdings Limited", "currency": "HKD"} for c in names],
               "reports": entries}
    (folder / "catalog.yaml").write_text(json.dumps(catalog, indent=1), encoding="utf-8")  # JSON is YAML
    return total


# ------------------------------------------------------------------------------------------ measuring
def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and every process below it, from /proc."""
    children: dict[int, list[int]] = defaultdict(list)
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry.name}/statm", "rb") as statm:
                rss[int(entry.name)] = int(statm.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
        children[int(fields[1])].append(int(entry.name))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, ()))
    return total


class PeakRSS:
    """Samples the RSS of a process tree (default this process's) every `interval` seconds while in the
    `with` block."""

    def __init__(self, interval: float = 0.2, root: int | None = None):
        self.interval, self.peak, self._stop, self.root = interval, 0, threading.Event(), root or os.getpid()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(self.root))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRSS:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@contextlib.contextmanager
def http_server(folder: Path):
    """The reports over loopback HTTP (Last-Modified, and 304 for If-Modified-Since: http.server does that)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}/reports"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    statuses: dict[int, int] = defaultdict(int)

    def log_message(self, format, *args):  # noqa: A002 (the stdlib's name)
        pass

    def send_response(self, code, message=None):
        _QuietHandler.statuses[code] += 1
        super().send_response(code, message)


def run(catalog: Path, work: Path, years: list[int], workers: int, label: str) -> dict:
    from esg_pipeline.runner import run_pipeline

    url = f"duckdb:///{work / 'warehouse' / 'esg.duckdb'}"
    started, cpu = time.perf_counter(), time.process_time()
    with PeakRSS() as peak:
        result = run_pipeline(years, catalog_path=str(catalog), warehouse_url=url, raw_store_dir=str(work / "raw"),
                              inbox_dir=str(work / "inbox"), log_file=work / "logs" / f"{label}.log",
                              progress=lambda msg: print(f"  {msg}", flush=True), extract_workers=workers,
                              show_progress=sys.stderr.isatty())
    seconds = time.perf_counter() - started
    stages: dict[str, float] = defaultdict(float)
    for step in result.steps:
        for key, took in step.step_seconds.items():
            stages[key] += took
        stages["  of which fetch+store (raw_reports)"] += step.fetch_seconds
        stages["  of which read+extract (raw_reports)"] += step.extract_seconds
    if result.read_ahead:
        stages["waiting for the reports read ahead"] = result.waited_seconds
    return {"label": label, "success": result.success, "seconds": seconds, "peak_rss": peak.peak,
            "own_peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,  # Linux: KiB
            "parent_cpu": time.process_time() - cpu, "stages": dict(stages),
            "extracted": sum(s.extracted for s in result.steps), "from_cache": sum(s.from_cache for s in result.steps),
            "errors": [e for s in result.steps for e in s.errors]}


def run_cli(catalog: Path, work: Path, label: str) -> dict:
    """The re-run as a user runs it: `esg-pipeline run`, a new process (interpreter start and imports included)."""
    import subprocess

    cli = Path(sys.executable).with_name("esg-pipeline")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p))
    started = time.perf_counter()
    process = subprocess.Popen([str(cli), "run", "--catalog", str(catalog)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    with PeakRSS(root=process.pid) as peak:  # the run's own tree, not this process's backfill
        out, err = process.communicate()
    seconds = time.perf_counter() - started
    done = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    lines = [line for line in done.stdout.splitlines() if line.startswith(("Reports read", "Skipped"))]
    return {"label": label, "success": done.returncode == 0, "seconds": seconds, "peak_rss": peak.peak,
            "own_peak_rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, "parent_cpu": 0.0,
            "stages": {}, "extracted": None, "from_cache": None,
            "errors": lines + ([done.stderr[-2000:]] if done.returncode else [])}


def report(figures: dict, reports: int) -> None:
    if figures["extracted"] is None:  # a CLI process
        print(f"\n{figures['label']}: {'ok' if figures['success'] else 'FAILED'} in {figures['seconds']:.1f} s "
              f"(the whole `esg-pipeline run` process); peak RSS {figures['peak_rss'] / 2**20:.0f} MiB (process tree)")
        for line in figures["errors"]:
            print(f"  {line}")
        return
    print(f"\n{figures['label']}: {'ok' if figures['success'] else 'FAILED'} in {figures['seconds']:.1f} s, "
          f"{60 * reports / figures['seconds']:.1f} reports/minute; read and extracted {figures['extracted']}, "
          f"from the cache {figures['from_cache']}; peak RSS {figures['peak_rss'] / 2**20:.0f} MiB (process tree: "
          f"this process, extraction workers, dbt), of which this process {figures['own_peak_rss'] / 2**20:.0f} MiB "
          f"at most")
    for stage, seconds in sorted(figures["stages"].items(), key=lambda kv: (kv[0].startswith(" "), -kv[1])):
        print(f"  {stage:<42} {seconds:8.1f} s")
    for error in figures["errors"]:
        print(f"  error: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=10)
    parser.add_argument("--years", type=int, default=2, help="reporting years, ending with the last full year")
    parser.add_argument("--format", choices=["txt", "pdf"], default="txt")
    parser.add_argument("--kb", type=int, default=150, help="size of a text report")
    parser.add_argument("--pages", type=int, default=40, help="pages of a PDF report")
    parser.add_argument("--workers", type=int, default=0, help="extraction processes (0: one per core)")
    parser.add_argument("--http", action="store_true", help="serve the reports over loopback HTTP")
    parser.add_argument("--workdir", help="keep everything here (default: a temporary folder, removed)")
    parser.add_argument("--again", action="store_true",
                        help="the --workdir holds a backfill already: only the re-runs with nothing changed")
    parser.add_argument("--reruns", type=int, default=1, help="re-runs with nothing changed (default 1)")
    parser.add_argument("--cli", action="store_true",
                        help="time the re-runs as `esg-pipeline run` processes (interpreter start included)")
    args = parser.parse_args()
    if args.again and not args.workdir:
        parser.error("--again needs the --workdir of an earlier run")

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-backfill-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    os.environ["ESG_DATA_DIR"] = str(work)
    os.environ["ESG_WAREHOUSE_URL"] = f"duckdb:///{work / 'warehouse' / 'esg.duckdb'}"
    os.environ["ESG_SOURCE_ROOTS"] = str(work)
    last = time.gmtime().tm_year - 1
    years = list(range(last - args.years + 1, last + 1))
    reports = args.companies * len(years)
    try:
        with contextlib.ExitStack() as stack:
            base_url = None
            if args.http:
                os.environ["ESG_ALLOW_PRIVATE_URLS"] = "1"
                _server, base_url = stack.enter_context(http_server(work))
            if not args.again:
                started = time.perf_counter()
                size = write_catalog(work, args.companies, years, args.format, args.kb, args.pages, base_url)
                print(f"{reports} {args.format} reports ({args.companies} companies x {len(years)} years, "
                      f"{size / reports / 1024:.0f} KB each, {size / 2**20:.1f} MB) written in "
                      f"{time.perf_counter() - started:.1f} s to {work}; {os.cpu_count()} cores; load average "
                      f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
                first = run(work / "catalog.yaml", work, years, args.workers, "backfill")
                report(first, reports)
            for number in range(1, args.reruns + 1):
                served = dict(_QuietHandler.statuses)
                label = f"re-run {number}, nothing changed"
                print(f"load average before {label}: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
                again = run_cli(work / "catalog.yaml", work, label) if args.cli else \
                    run(work / "catalog.yaml", work, years, args.workers, label)
                report(again, reports)
                if args.http:
                    statuses = {code: n - served.get(code, 0) for code, n in _QuietHandler.statuses.items()}
                    print(f"  HTTP answers during the re-run: {dict(sorted(statuses.items()))}")
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":  # the extraction pool's workers import this module: nothing may run on import
    main()
