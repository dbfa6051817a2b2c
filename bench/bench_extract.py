"""Extraction throughput (MB of text per second, one core) next to one compiled number regex over the same text.

The regex pass is the practical floor: any extractor has to find the numbers at least once. Targets: at least
5 MB/s, and within 10x of the regex pass.

    .venv/bin/python bench/bench_extract.py [--mb 8] [--repeat 3] [FILE ...]

Without files it uses the development seeds (../shared/seeds, when present), the bundled sample reports
(data/reports, .txt) and generated report-style text with a realistic share of prose, tiled into documents
of a realistic size (~200 KB each). The numbers-per-KB line shows how dense the text is: per-metric work
dominates, so dense KPI-table text runs slower than narrative text.
"""
from __future__ import annotations

import argparse
import random
import re
import time
from pathlib import Path

from esg_pipeline.extract import extract_metrics
from esg_pipeline.extract.classify import classifier

ROOT = Path(__file__).resolve().parents[1]
NUMBER_RE = re.compile(r"\d[\d,]*(?:\.\d+)?")
DOC_BYTES = 200_000

_SENTENCES = [
    "In {y}, the Group donated RMB{a} million to {n} charities and {w} schools in rural counties.",
    "Total greenhouse gas emissions were {b} tCO2e, of which Scope 1 accounted for {c} tCO2e.",
    "Electricity consumption reached {b} MWh, down {p}% from {y0}, while water use was {c} m3.",
    "Approximately {b} employees completed {c} hours of training; {w} subsidiaries held anti-corruption sessions.",
    "We worked with {b} suppliers, of which {c} are located in mainland China and {n} overseas.",
    "The company was ranked {n}th in the Top 100 index and certified to ISO 14001 in {y0}.",
    "More than {n} volunteers served {b} hours in {w} villages, benefiting about {c} people.",
    "Hazardous waste came to {a} tonnes and non-hazardous waste to {b} tonnes (page {n}).",
]
_WORDS = ["two", "three", "five", "eight", "eleven", "Twelve", "Thirty-five"]
# Prose without figures: real reports carry a few hundred bytes of it per number.
_PROSE = [
    "We continued to strengthen governance of environmental and social risks across our operating subsidiaries.",
    "The Board oversees our sustainability strategy and reviews progress against our targets every year.",
    "Our procurement policy requires suppliers to respect labour rights, protect the environment and act with integrity.",
    "We engage regularly with employees, customers, regulators and communities to understand what matters to them.",
    "Training on integrity and compliance is part of the induction programme for every new employee.",
    "Community programmes focus on education, health and rural development in the places where we operate.",
]
PROSE_PER_FIGURE = 3


def generated_text(n_bytes: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    parts, size = [], 0
    while size < n_bytes:
        s = rng.choice(_SENTENCES).format(
            y=rng.randint(2018, 2024), y0=rng.randint(2015, 2020), a=f"{rng.uniform(1, 99):.2f}",
            b=f"{rng.randint(1000, 999999):,}", c=f"{rng.randint(100, 99999):,}", n=rng.randint(2, 99),
            p=f"{rng.uniform(1, 30):.1f}", w=rng.choice(_WORDS))
        prose = " ".join(rng.choice(_PROSE) for _ in range(PROSE_PER_FIGURE))
        parts.append(s + " " + prose + ("\n\n" if rng.random() < 0.3 else " "))
        size += len(s) + len(prose) + 2
    return "".join(parts)


def corpus(files: list[str], total_mb: float) -> list[str]:
    sources = [Path(f).read_text(encoding="utf-8", errors="replace") for f in files]
    if not sources:
        paths = sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))
        paths += sorted((ROOT / "data" / "reports").glob("*/*.txt"))
        sources = [p.read_text(encoding="utf-8", errors="replace") for p in paths]
        sources.append(generated_text(DOC_BYTES))
    docs, total, i = [], 0, 0
    while total < total_mb * 1e6:
        doc, size = [], 0
        while size < DOC_BYTES:
            src = sources[i % len(sources)]
            doc.append(src)
            size += len(src)
            i += 1
        text = "\n\n".join(doc)
        docs.append(text)
        total += len(text.encode("utf-8"))
    return docs


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()  # CPU time: other jobs on the machine do not count
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--mb", type=float, default=8.0, help="MB of text to process (default 8)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    docs = corpus(args.files, args.mb)
    mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    extract_metrics("warm-up: 5 villages and RMB3 million", doc="warmup")  # import-time tables built once

    n_metrics = n_numbers = 0

    def run_extract():
        nonlocal n_metrics
        classifier().clear_caches()  # each repeat starts cold, as a fresh process would
        n_metrics = sum(len(extract_metrics(d, doc=f"doc{i}", year=2023)) for i, d in enumerate(docs))

    def run_regex():
        nonlocal n_numbers
        n_numbers = sum(sum(1 for _ in NUMBER_RE.finditer(d)) for d in docs)

    t_extract = best_of(args.repeat, run_extract)
    t_regex = best_of(args.repeat, run_regex)
    extract_rate, regex_rate = mb / t_extract, mb / t_regex
    print(f"text: {mb:.2f} MB in {len(docs)} documents; {n_numbers} numbers ({n_numbers / mb / 1000:.1f} per KB), "
          f"{n_metrics} metrics")
    print(f"extract_metrics : {extract_rate:8.2f} MB/s  ({t_extract:.3f} s, best of {args.repeat})")
    print(f"number regex    : {regex_rate:8.2f} MB/s  ({t_regex:.3f} s, best of {args.repeat})")
    print(f"ratio           : {regex_rate / extract_rate:8.2f}x slower than the regex pass")
    print(f"targets         : >= 5 MB/s {'met' if extract_rate >= 5 else 'NOT met'}; "
          f"within 10x {'met' if regex_rate / extract_rate <= 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
