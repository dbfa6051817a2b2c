"""Unit conversion factors for dbt, computed with pint from the extractor's canonical units.

`python -m esg_pipeline.reference.unit_conversions` rewrites dbt_project/seeds/unit_conversions.csv;
a test fails when the committed file and the unit table drift apart.
"""
from __future__ import annotations

import csv
import io
import sys
from itertools import product

import pint

from esg_pipeline.extract.units import CANONICAL_UNITS, validate_unit_table
from esg_pipeline.settings import DBT_PROJECT_DIR

SEED_PATH = DBT_PROJECT_DIR / "seeds" / "unit_conversions.csv"
# Units pint does not know, defined here once: Chinese mu and tonnes of standard coal equivalent.
EXTRA_DEFINITIONS = ("mu = 10000 / 15 * meter ** 2",)


def conversion_rows() -> list[dict[str, str]]:
    validate_unit_table()
    ureg = pint.UnitRegistry()
    for definition in EXTRA_DEFINITIONS:
        ureg.define(definition)
    expressions = {unit: expr for unit, (_kind, expr) in CANONICAL_UNITS.items() if expr}
    expressions["mu"] = "mu"
    rows = []
    for source, target in product(sorted(expressions), repeat=2):
        if CANONICAL_UNITS[source][0] != CANONICAL_UNITS[target][0]:
            continue
        factor = ureg.Quantity(1, expressions[source]).to(expressions[target]).magnitude
        rows.append({"from_unit": source, "to_unit": target, "factor": f"{factor:.12g}"})
    return rows


def render_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["from_unit", "to_unit", "factor"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


if __name__ == "__main__":
    SEED_PATH.write_text(render_csv(conversion_rows()), encoding="utf-8")
    print(f"wrote {SEED_PATH}", file=sys.stderr)
