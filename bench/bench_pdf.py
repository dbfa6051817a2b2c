"""Pages per second of the PDF readers on the real report excerpts, on one core.

    .venv/bin/python bench/bench_pdf.py [PDF ...]   (default: ../shared/realpdf/*.pdf)

New: `pdf.read_pdf` (pypdfium2 words, tables, layout). Old: `legacy_pdf_reader._pdf_text` (pdfplumber, in bench/).
CPU time of this process (time.process_time), best of --repeat runs (the new reader, a second a
pass) and of --old-repeat runs (the old one, half a minute a pass), so other load on the machine and
the speed swings of a shared VM count less. Skipped: the encrypted excerpt (as the old reader's baseline cannot open it the same
way) and, unless --ocr, files the new reader would send to OCR (no usable text layer).
Target for the new reader: >= 20 pages/s. Prints figures only.
"""
from __future__ import annotations

import argparse
import glob
import os
import time
from pathlib import Path

from esg_pipeline.ingest.documents import pdf_words
from esg_pipeline.ingest.documents.model import DocumentError
from esg_pipeline.ingest.documents.pdf import read_pdf
from legacy_pdf_reader import _pdf_text  # bench/legacy_pdf_reader.py, beside this file

DEFAULT_GLOB = str(Path(__file__).resolve().parents[2] / "shared" / "realpdf" / "*.pdf")
TARGET_PAGES_PER_SECOND = 20.0
MAX_PAGES = 2000


def _one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _best_seconds(read, data: bytes, name: str, repeat: int) -> float | None:
    best = None
    for _ in range(repeat):
        start = time.process_time()
        try:
            read(data, name)
        except DocumentError:
            return None
        elapsed = time.process_time() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def _rate(pages: int, seconds: float | None) -> str:
    return f"{pages / seconds:8.1f}" if seconds else "       –"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="*")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--old-repeat", type=int, default=3)
    parser.add_argument("--ocr", action="store_true", help="keep files whose pages go to OCR")
    args = parser.parse_args()
    _one_core()
    paths = args.pdfs or sorted(glob.glob(DEFAULT_GLOB))
    if not args.ocr:
        pdf_words._ocr_words = lambda page, page_no: None  # time the text layer, not tesseract

    def new(data: bytes, name: str) -> None:
        read_pdf(data, name, max_pages=MAX_PAGES)

    def old(data: bytes, name: str) -> None:
        _pdf_text(data, name)

    print(f"{'file':58} {'pages':>5} {'new p/s':>8} {'old p/s':>8}")
    totals = {"pages": 0, "new": 0.0, "old_pages": 0, "old": 0.0}
    for path in paths:
        name = Path(path).name
        if "encrypted" in name:
            print(f"{name:58} skipped (encrypted)")
            continue
        data = Path(path).read_bytes()
        try:
            pages, _ = pdf_words.read_pdf_words(data, name, max_pages=MAX_PAGES)
        except DocumentError as exc:
            print(f"{name:58} skipped ({exc})")
            continue
        if not args.ocr and any(not p.words for p in pages):
            print(f"{name:58} skipped (pages without a usable text layer: OCR)")
            continue
        count = len(pages)
        new_s = _best_seconds(new, data, name, args.repeat)
        old_s = _best_seconds(old, data, name, args.old_repeat)
        print(f"{name:58} {count:5d} {_rate(count, new_s)} {_rate(count, old_s)}")
        totals["pages"] += count
        totals["new"] += new_s or 0.0
        if old_s:
            totals["old_pages"] += count
            totals["old"] += old_s
    new_rate = totals["pages"] / totals["new"] if totals["new"] else 0.0
    old_rate = totals["old_pages"] / totals["old"] if totals["old"] else 0.0
    print(f"{'total':58} {totals['pages']:5d} {new_rate:8.1f} {old_rate:8.1f}")
    print(f"new reader: {new_rate:.1f} pages/s (target {TARGET_PAGES_PER_SECOND:.0f}); "
          f"{new_rate / old_rate:.1f}x the old reader" if old_rate else "")


if __name__ == "__main__":
    main()
