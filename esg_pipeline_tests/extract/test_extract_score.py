"""The quality bar, measured with the shared scorer on the development seeds and the bundled samples."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from esg_pipeline.extract import extract_metrics
from esg_pipeline.ingest.documents import read_document

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO / ".." / "shared"
SCORER = SHARED / "eval" / "score.py"
BAR = {"precision": 0.95, "recall": 0.95, "kpi_acc": 0.90, "qualifier_acc": 0.95}
# The held-out set (written without looking at the extractor): a little under what the extractor reaches, so a
# change that generalises worse fails here. Never tune rules against it; write analogous test texts instead.
HOLDOUT_BAR = {"precision": 0.98, "recall": 0.98, "kpi_acc": 0.97, "qualifier_acc": 0.97}
# The second held-out set (other sectors and house styles), likewise a little under what the extractor reaches.
HOLDOUT2_BAR = {"precision": 0.98, "recall": 0.97, "kpi_acc": 0.96, "qualifier_acc": 0.97}
# The third held-out set (casino, shipping, construction, education), likewise a little under what it reaches.
HOLDOUT3_BAR = {"precision": 0.96, "recall": 0.98, "kpi_acc": 0.98, "qualifier_acc": 0.97}
# The fourth held-out set (auto parts, HK retail, water utility), likewise a little under what it reaches.
HOLDOUT4_BAR = {"precision": 0.97, "recall": 0.97, "kpi_acc": 0.98, "qualifier_acc": 0.97}
# The fifth held-out set (cement, insurance, textiles), likewise a little under what it reaches.
HOLDOUT5_BAR = {"precision": 0.99, "recall": 0.99, "kpi_acc": 0.98, "qualifier_acc": 0.97}
# holdout6 (first contact P 0.953 KPI 0.911): its error families were generalised with invented texts in
# test_kpi.py, test_scope.py and test_traps.py; the bar sits just under what the extractor reaches now.
HOLDOUT6_BAR = {"precision": 0.99, "recall": 0.99, "kpi_acc": 0.98, "qualifier_acc": 0.97}


def score(files: list[Path], gold: Path, tmp_path: Path) -> dict[str, float]:
    pred = tmp_path / "pred.jsonl"
    with pred.open("w", encoding="utf-8") as out:
        for f in files:
            doc = read_document(f)
            for m in extract_metrics(doc.text, doc=f.name, page_starts=doc.page_starts):
                out.write(json.dumps(m.to_dict(), ensure_ascii=False) + "\n")
    result = subprocess.run([sys.executable, str(SCORER), "--gold", str(gold), "--pred", str(pred), "--show-errors"],
                            capture_output=True, text=True, check=True)
    last = result.stdout.strip().splitlines()[-1]
    print(result.stdout)
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", last)}


def assert_bar(scores: dict[str, float], bar: dict[str, float] = BAR) -> None:
    for key, minimum in bar.items():
        assert scores[key] >= minimum, (key, scores)


def test_seed_reports_meet_the_bar(tmp_path):
    if not (SHARED / "seeds").is_dir() or not SCORER.exists():
        pytest.skip("../shared (seeds, gold and scorer) is not present")
    assert_bar(score(sorted((SHARED / "seeds").glob("*.txt")), SHARED / "eval" / "seed_gold.csv", tmp_path))


def test_sample_reports_meet_the_bar(tmp_path):
    gold = REPO / "data" / "eval" / "sample_gold.csv"
    if not gold.exists() or not SCORER.exists():
        pytest.skip("sample gold labels or the shared scorer are not present")
    import csv
    docs = {row["doc"] for row in csv.DictReader(gold.open(encoding="utf-8"))}
    files = [p for p in sorted((REPO / "data" / "reports").glob("*/*")) if p.name in docs]
    assert files
    assert_bar(score(files, gold, tmp_path))


# holdout7 was never used for tuning: its bar sits just under its first-contact score.
HOLDOUT7_BAR = {"precision": 0.94, "recall": 0.93, "kpi_acc": 0.90, "qualifier_acc": 0.97}
HOLDOUT_BARS = {"holdout": HOLDOUT_BAR, "holdout2": HOLDOUT2_BAR, "holdout3": HOLDOUT3_BAR,
                "holdout4": HOLDOUT4_BAR, "holdout5": HOLDOUT5_BAR, "holdout6": HOLDOUT6_BAR,
                "holdout7": HOLDOUT7_BAR}


@pytest.mark.parametrize("name", sorted(HOLDOUT_BARS))
def test_held_out_reports_meet_their_bar(name, tmp_path):
    holdout = REPO / "data" / "eval" / name
    if not (holdout / "gold.csv").exists() or not SCORER.exists():
        pytest.skip(f"{name} gold labels or the shared scorer are not present")
    assert_bar(score(sorted(holdout.glob("*.txt")), holdout / "gold.csv", tmp_path), HOLDOUT_BARS[name])
