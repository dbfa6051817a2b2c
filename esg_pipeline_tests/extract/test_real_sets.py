"""Scores on the real development sets in ../shared, so extraction regressions fail here.

- ../shared/realpdf: published report PDFs, scored with ../shared/eval/score.py --match-year;
- ../shared/eval/real/docs: report texts, scored like ../shared/eval/real/score_real.sh (first
  '# source:' line dropped, score.py without --match-year).

The bars sit about 0.02 under the figures measured when they were set (rounded down); raise them when
extraction improves. The shared folder is found at ../shared next to the repository, or at
$ESG_SHARED_DIR; every test here skips when it is absent. Nothing from it is copied into the project:
predictions and filtered gold files live in pytest's temporary folders.

The rasterised Shell copy needs Tesseract (OCR, ~20-40 s); it has one test of its own, marked `ocr`
in its name, skipped without `tesseract` on PATH.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

_env = os.environ.get("ESG_SHARED_DIR")
SHARED = Path(_env).resolve() if _env else (Path(__file__).parents[2] / ".." / "shared").resolve()
REALPDF = SHARED / "realpdf"
REAL_DOCS = SHARED / "eval" / "real" / "docs"
SCORER = SHARED / "eval" / "score.py"

IMAGE_ONLY = "shell_2019_sustainability_excerpt_imageonly.pdf"
SHELL = "shell_2019_sustainability_excerpt.pdf"
PFIZER = "pfizer_2022_netzero_update_webprint.pdf"  # pages 1-10: unusable text layer, reported
ENCRYPTED_PREFIX = "dcc_"  # the encrypted DCC excerpt: no gold, must read without a crash

SCORE_RE = re.compile(r"precision=(?P<precision>[\d.]+) recall=(?P<recall>[\d.]+) f1=(?P<f1>[\d.]+)"
                      r"(?: kpi_acc=(?P<kpi_acc>[\d.]+))?")

# Bars: (precision, recall, f1), about 0.02 under the figures measured when they were last raised:
#   realpdf text-layer PDFs, --match-year:  precision=0.983 recall=0.983 f1=0.983
#   realpdf image-only Shell (OCR):         precision=0.952 recall=0.883 f1=0.916
#   eval/real texts:                        precision=0.977 recall=0.958 f1=0.968 kpi_acc=0.925
# The eval/real bars are issue 10's acceptance: precision and recall at least 0.95, KPI accuracy 0.92.
BARS_REALPDF = (0.96, 0.96, 0.96)
BARS_OCR = (0.93, 0.86, 0.89)
BARS_REAL_TEXTS = (0.95, 0.95, 0.95)
KPI_BAR_REAL_TEXTS = 0.92


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not present (the shared development sets: ../shared or $ESG_SHARED_DIR)")
    return path


def _cli() -> str:
    exe = Path(sys.executable).with_name("esg-pipeline")
    if exe.exists():
        return str(exe)
    found = shutil.which("esg-pipeline")
    if found is None:
        pytest.skip("the esg-pipeline command is not installed")
    return found


def extract(files: list[Path], out: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`esg-pipeline extract FILES --format jsonl` into `out`; the finished process (stderr kept)."""
    with out.open("w", encoding="utf-8") as fh:
        done = subprocess.run([_cli(), "extract", *map(str, files), "--format", "jsonl"], stdout=fh,
                              stderr=subprocess.PIPE, text=True, timeout=600, env=env)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def gold_subset(gold: Path, out: Path, keep) -> Path:
    """The gold rows of the docs `keep(doc)` accepts, as a CSV in a temporary folder."""
    with gold.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if keep(r["doc"])]
        fields = reader.fieldnames
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    assert rows, f"no gold rows kept from {gold}"
    return out


def score(gold: Path, pred: Path, *options: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, str(_need(SCORER)), "--gold", str(gold), "--pred", str(pred), *options],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    m = SCORE_RE.search(last)
    assert m, f"score.py's last line is not a score: {last!r}"
    return {k: float(v) for k, v in m.groupdict().items() if v is not None} | {"line": last}


def assert_bars(scores: dict, bars: tuple[float, float, float]) -> None:
    got = (scores["precision"], scores["recall"], scores["f1"])
    assert all(g >= b for g, b in zip(got, bars)), f"below the bars {bars}: {scores['line']}"


# --- realpdf: the text-layer PDFs, extracted once per module -----------------------------------------

@pytest.fixture(scope="module")
def realpdf(tmp_path_factory):
    """Predictions for every realpdf PDF with a text layer (and the encrypted one), from one CLI run.
    The image-only copy and the Pfizer print (both OCR work) are left to their own tests."""
    _need(REALPDF)
    files = sorted(p for p in REALPDF.glob("*.pdf") if p.name not in (IMAGE_ONLY, PFIZER))
    assert any(p.name == SHELL for p in files) and any(p.name.startswith(ENCRYPTED_PREFIX) for p in files)
    folder = tmp_path_factory.mktemp("realpdf")
    pred = folder / "pred.jsonl"
    done = extract(files, pred)
    return {"done": done, "pred": pred, "rows": read_jsonl(pred), "folder": folder, "files": files}


def test_realpdf_scores_stay_above_the_bars(realpdf):
    assert realpdf["done"].returncode == 0, realpdf["done"].stderr[-3000:]
    gold = gold_subset(_need(REALPDF / "gold.csv"), realpdf["folder"] / "gold.csv", lambda doc: doc != IMAGE_ONLY)
    scores = score(gold, realpdf["pred"], "--match-year")
    assert_bars(scores, BARS_REALPDF)


def test_every_realpdf_file_is_read(realpdf):
    """No file fails to open (the encrypted one included): each has metrics and no error line."""
    docs = {r["doc"] for r in realpdf["rows"]}
    for path in realpdf["files"]:
        assert path.name in docs, f"no metrics from {path.name}"
        assert path.name not in realpdf["done"].stderr, realpdf["done"].stderr[-3000:]


def _table_cells(rows: list[dict], doc: str) -> list[dict]:
    return sorted((r for r in rows if r["doc"] == doc and r["method"] == "table_cell"), key=lambda r: r["start"])


def _label(row: dict) -> str:
    return row["subject"].split(" › ")[-1]


def test_shell_scope_1_total_of_2019(realpdf):
    cells = _table_cells(realpdf["rows"], SHELL)
    scope1 = [r for r in cells if "Scope 1" in _label(r) and not re.match(r"Scope 1\s*[–-]", _label(r))]
    assert scope1, "no Scope 1 row in the Shell data table"
    of_2019 = [r for r in scope1 if r["year"] == 2019]
    assert [(r["value"], r["unit"]) for r in of_2019] == [(70_000_000, "tCO2e")]
    assert of_2019[0]["year_source"] == "column" and of_2019[0]["page"] is not None


def test_shell_business_rows_carry_their_own_columns_years(realpdf):
    """'Scope 1 – <business>' rows: cells left to right carry 2019, 2018, 2017, 2016."""
    by_row: dict[str, list[dict]] = defaultdict(list)
    for r in _table_cells(realpdf["rows"], SHELL):
        if re.match(r"Scope 1\s*[–-]\s*\S", _label(r)):
            by_row[r["subject"]].append(r)
    assert len(by_row) >= 3, f"business rows found: {sorted(by_row)}"
    for subject, cells in by_row.items():
        assert [c["year"] for c in cells] == [2019, 2018, 2017, 2016], subject
        assert all(c["unit"] == "tCO2e" and c["value"] > 0 for c in cells), subject


def test_shell_table_cells_agree_with_their_column_headers(realpdf):
    """A cell whose quote names a year header ('[2017]') carries that year."""
    checked = 0
    for r in _table_cells(realpdf["rows"], SHELL):
        m = re.search(r"\[(\d{4})\]: ", r["quote"])
        if m:
            assert r["year"] == int(m.group(1)), r["quote"]
            checked += 1
    assert checked >= 100


def test_pfizer_print_garbage_pages_give_a_warning_not_metrics(tmp_path):
    """The Pfizer web print's first ten pages are glyph codes without a Unicode map: they are reported
    (a document warning) and yield no metrics; the readable pages after them still do. With or without
    Tesseract: such pages are not sent to OCR."""
    path = _need(REALPDF / PFIZER)
    done = extract([path], tmp_path / "pred.jsonl")
    assert done.returncode == 0, done.stderr
    rows = read_jsonl(tmp_path / "pred.jsonl")
    assert rows and all(row["doc"] == PFIZER and row["page"] > 10 for row in rows)
    from esg_pipeline.ingest.documents import read_document

    warnings = read_document(path).warnings
    assert any("pages 1-10: unusable text layer" in w for w in warnings), warnings


# --- realpdf: the image-only Shell copy through OCR --------------------------------------------------

@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract (OCR) is not installed")
def test_ocr_image_only_shell_scores_stay_above_the_bars(tmp_path):
    """OCR (~20-40 s): the rasterised Shell pages read through Tesseract score like the text layer nearly."""
    path = _need(REALPDF / IMAGE_ONLY)
    pred = tmp_path / "pred.jsonl"
    done = extract([path], pred)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = read_jsonl(pred)
    assert rows and {r["doc"] for r in rows} == {IMAGE_ONLY}
    gold = gold_subset(_need(REALPDF / "gold.csv"), tmp_path / "gold.csv", lambda doc: doc == IMAGE_ONLY)
    assert_bars(score(gold, pred, "--match-year"), BARS_OCR)
    scope1 = [r for r in rows if r["method"] == "table_cell" and r["year"] == 2019 and "Scope 1" in _label(r)
              and not re.match(r"Scope 1\s*[–-]", _label(r))]
    assert (70_000_000, "tCO2e") in {(r["value"], r["unit"]) for r in scope1}


# --- eval/real: report texts -----------------------------------------------------------------------

def test_real_texts_score_stays_above_the_bars(tmp_path):
    docs = _need(REAL_DOCS)
    gold = _need(SHARED / "eval" / "real" / "gold.csv")
    stripped = tmp_path / "docs"
    stripped.mkdir()
    for src in sorted(docs.glob("*.txt")):
        lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
        if lines and lines[0].startswith("# source:"):
            lines = lines[1:]  # the line added when the set was built; not report text
        (stripped / src.name).write_text("".join(lines), encoding="utf-8")
    files = sorted(stripped.glob("*.txt"))
    assert files
    pred = tmp_path / "pred.jsonl"
    done = extract(files, pred)
    assert done.returncode == 0, done.stderr[-3000:]
    scores = score(gold, pred)
    assert_bars(scores, BARS_REAL_TEXTS)
    assert scores["kpi_acc"] >= KPI_BAR_REAL_TEXTS, scores["line"]
