"""Great Expectations 1.x suite for extracted metrics; failing rows are quarantined, never dropped."""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from esg_pipeline.extract.units import CANONICAL_UNITS
from esg_pipeline.settings import quiet_third_party_output
from esg_pipeline.warehouse.schema import metrics as metrics_table

ROW_KEY = "metric_id"
QUALIFIERS = ["exact", "approx", "at_least", "at_most"]
# ISO 4217 codes, `count`, a unit of the extractor's table, compound units such as tCO2e/person, or rates.
UNIT_PATTERN = (
    r"^(?:[A-Z]{3}|count|" + "|".join(re.escape(u) for u in sorted(CANONICAL_UNITS, key=len, reverse=True)) + r")"
    r"(?:/[A-Za-z0-9 .]+)?$"
    r"|^per [a-z0-9 ,]+$"  # rates such as an injury rate "per million hours"
)
HKEX_KPI_PATTERN = r"^(?:A[1-4]\.\d|B[1-8]\.\d)$"
MAX_PLAUSIBLE_VALUE = 1e13  # larger is almost surely digits of separate numbers run together


@dataclass(frozen=True)
class ExpectationOutcome:
    name: str
    column: str | None
    success: bool
    unexpected_count: int
    row_level: bool


@dataclass
class ValidationOutcome:
    valid: pd.DataFrame
    quarantined: pd.DataFrame
    expectations: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def table_failures(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.row_level and not e.success]

    @property
    def row_failures(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if e.row_level and not e.success]

    @property
    def quarantine_share(self) -> float:
        total = len(self.valid) + len(self.quarantined)
        return len(self.quarantined) / total if total else 0.0


def _row_expectations(gx, allowed_indicators: Iterable[str]) -> list:
    E = gx.expectations
    return [
        E.ExpectColumnValuesToNotBeNull(column="value"),
        E.ExpectColumnValuesToBeBetween(column="value", min_value=0, max_value=MAX_PLAUSIBLE_VALUE),
        E.ExpectColumnValuesToNotBeNull(column="unit"),
        E.ExpectColumnValuesToMatchRegex(column="unit", regex=UNIT_PATTERN),
        E.ExpectColumnValuesToBeInSet(column="qualifier", value_set=QUALIFIERS),
        E.ExpectColumnValuesToBeInSet(column="indicator", value_set=sorted(allowed_indicators)),
        E.ExpectColumnValuesToMatchRegex(column="hkex_kpi", regex=HKEX_KPI_PATTERN),
        E.ExpectColumnValuesToBeBetween(column="metric_year", min_value=1990, max_value=2100),
        E.ExpectColumnValuesToBeBetween(column="confidence", min_value=0, max_value=1),
        E.ExpectColumnValuesToNotBeNull(column="quote"),
        E.ExpectColumnValuesToBeUnique(column=ROW_KEY),
        E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="char_end", column_B="char_start"),
    ]


def _table_expectations(gx) -> list:
    E = gx.expectations
    return [E.ExpectTableColumnsToMatchSet(column_set=[c.name for c in metrics_table.columns], exact_match=False)]


def _columns_read(expectations) -> list[str]:
    """The columns a list of expectations reads, and the row key, in the frame's order of first mention."""
    names = [ROW_KEY]
    for expectation in expectations:
        kwargs = expectation.configuration.kwargs
        names += [kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k)]
    return list(dict.fromkeys(names))


def _expectation_name(config) -> str:
    kwargs = config.kwargs
    column = kwargs.get("column") or (f"{kwargs.get('column_A')}>{kwargs.get('column_B')}" if "column_A" in kwargs else None)
    return f"{config.type}({column})" if column else config.type


def validate_metrics(df: pd.DataFrame, *, allowed_indicators: Iterable[str]) -> ValidationOutcome:
    """Run the suite; rows failing any row-level expectation go to `quarantined` with the reasons."""
    quiet_third_party_output()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    missing = [c.name for c in metrics_table.columns if c.name not in df.columns]
    # No copy of the year's frame (pandas copies on write): row expectations still run on the missing
    # columns, as nulls; the table expectation (on `df`) reports the gap.
    frame = (df.assign(**dict.fromkeys(missing)) if missing else df).reset_index(drop=True)

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    batches = context.data_sources.add_pandas("metrics").add_dataframe_asset("extracted_metrics")
    batch_definition = batches.add_batch_definition_whole_dataframe("partition")
    row_level = _row_expectations(gx, allowed_indicators)
    # Each batch carries only what its expectations read: GX fingerprints a batch by hashing every value
    # of its frame, and the quotes and sentences of 230,000 rows took 1.8 s of the 4.3 s. The row
    # expectations get their columns and the key; the table expectation, which reads column names only,
    # the year's columns without rows.
    rows = frame[_columns_read(row_level)]
    results = []
    for name, expectations, data in (("rows", row_level, rows), ("table", _table_expectations(gx), df.iloc[:0])):
        suite = gx.ExpectationSuite(name=f"extracted_metrics_{name}", expectations=expectations)
        batch = batch_definition.get_batch(batch_parameters={"dataframe": data})
        result = batch.validate(
            suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW_KEY]}
        )
        results.extend(result.results)

    row_level_types = {e.expectation_type for e in row_level}
    failures_by_row: dict[str, list[str]] = defaultdict(list)
    outcomes: list[ExpectationOutcome] = []
    for res in results:
        config = res.expectation_config
        name = _expectation_name(config)
        is_row = config.type in row_level_types
        bad_keys = {str(item[ROW_KEY]) for item in (res.result.get("unexpected_index_list") or []) if isinstance(item, dict)}
        if is_row:
            for key in bad_keys:
                failures_by_row[key].append(name)
        count = res.result.get("unexpected_count")
        outcomes.append(
            ExpectationOutcome(
                name=name,
                column=config.kwargs.get("column"),
                success=bool(res.success),
                unexpected_count=int(count if count is not None else len(bad_keys)),
                row_level=is_row,
            )
        )

    keys = frame[ROW_KEY].astype(str)
    bad = keys.isin(failures_by_row.keys())
    quarantined = frame[bad].copy()
    quarantined["failed_expectations"] = [", ".join(sorted(set(failures_by_row[k]))) for k in keys[bad]]
    quarantined["reason"] = [_reason(frame.loc[i], failures_by_row[keys[i]]) for i in quarantined.index]
    valid = (frame[~bad] if bad.any() else frame).drop(columns=missing)
    return ValidationOutcome(valid=valid.reset_index(drop=True), quarantined=quarantined.reset_index(drop=True), expectations=outcomes)


def _reason(row: pd.Series, failed: list[str]) -> str:
    shown = {c: row.get(c) for c in ("value", "unit", "qualifier", "indicator", "hkex_kpi", "metric_year")}
    return f"failed {len(set(failed))} expectation(s) for {shown}"

