import pandas as pd

from esg_pipeline.quality.metrics_suite import validate_metrics
from esg_pipeline.warehouse.schema import metrics


def metric_row(metric_id, **overrides):
    row = {c.name: None for c in metrics.columns}
    row.update(metric_id=metric_id, report_year=2022, report_id="acme/2022/esg", company_id="acme", value=1200.0,
               unit="CNY", qualifier="exact", indicator="community_investment", hkex_kpi="B8.2", metric_year=2022,
               confidence=0.9, quote="We donated RMB1,200.", char_start=10, char_end=18)
    row.update(overrides)
    return row


def test_good_rows_pass_and_bad_rows_are_quarantined_with_the_reason():
    frame = pd.DataFrame([
        metric_row("ok"),
        metric_row("negative", value=-3.0),
        metric_row("bad-qualifier", qualifier="roughly"),
        metric_row("bad-kpi", hkex_kpi="C9.9"),
        metric_row("bad-span", char_start=20, char_end=5),
        metric_row("unknown-indicator", indicator="made_up"),
    ])
    outcome = validate_metrics(frame, allowed_indicators={"community_investment"})
    assert outcome.valid["metric_id"].tolist() == ["ok"]
    reasons = dict(zip(outcome.quarantined["metric_id"], outcome.quarantined["failed_expectations"]))
    assert set(reasons) == {"negative", "bad-qualifier", "bad-kpi", "bad-span", "unknown-indicator"}
    assert "expect_column_values_to_be_between(value)" in reasons["negative"]
    assert "expect_column_values_to_be_in_set(qualifier)" in reasons["bad-qualifier"]
    assert "expect_column_values_to_match_regex(hkex_kpi)" in reasons["bad-kpi"]
    assert "char_end>char_start" in reasons["bad-span"]
    assert "expect_column_values_to_be_in_set(indicator)" in reasons["unknown-indicator"]
    assert all(outcome.quarantined["reason"].str.contains("failed"))
    assert outcome.quarantine_share == 5 / 6
    assert not outcome.table_failures


def test_null_kpi_is_allowed_but_a_missing_column_fails_the_table_expectation():
    ok = validate_metrics(pd.DataFrame([metric_row("a", hkex_kpi=None)]), allowed_indicators={"community_investment"})
    assert len(ok.valid) == 1 and not ok.row_failures
    broken = pd.DataFrame([metric_row("a")]).drop(columns=["quote"])
    outcome = validate_metrics(broken, allowed_indicators={"community_investment"})
    assert [e.name for e in outcome.table_failures] == ["expect_table_columns_to_match_set"]


def test_empty_partition_validates():
    outcome = validate_metrics(pd.DataFrame([metric_row("a")]).iloc[:0], allowed_indicators={"x"})
    assert outcome.valid.empty and outcome.quarantined.empty and not outcome.row_failures


def test_units_known_compound_and_rates_pass_but_unknown_units_do_not():
    rows = [metric_row(f"m{i}", unit=unit) for i, unit in enumerate(
        ["HKD", "count", "kWh", "tCO2e/employee", "g/kWh", "per million hours", "furlongs", "Kwh!"])]
    outcome = validate_metrics(pd.DataFrame(rows), allowed_indicators={"community_investment"})
    assert sorted(outcome.quarantined["unit"]) == ["Kwh!", "furlongs"]


def test_a_compact_frame_validates_as_the_plain_one_and_passing_rows_are_not_copied():
    """The year's frame comes with categorical repeated columns (report_work.metrics_frame): the suite
    passes and quarantines the same rows with the same reasons, and a year whose rows all pass is handed on
    without a copy of its rows."""
    import numpy as np

    from esg_pipeline.report_work import REPEATED_COLUMNS

    rows = [metric_row(f"ok{i}", unit="tCO2e", report_id=f"acme/2022/r{i % 3}") for i in range(30)] + [
        metric_row("negative", value=-3.0), metric_row("furlongs", unit="furlongs"),
        metric_row("no-unit", unit=None), metric_row("unknown-indicator", indicator="made_up"),
        metric_row("bad-kpi", hkex_kpi="C9.9")]
    plain = pd.DataFrame(rows)
    compact = plain.astype({c: "category" for c in REPEATED_COLUMNS})
    allowed = {"community_investment"}
    one, other = validate_metrics(plain, allowed_indicators=allowed), validate_metrics(compact, allowed_indicators=allowed)
    def values(frame):
        return frame.astype(object).where(frame.notna(), None)

    for a, b in ((one.valid, other.valid), (one.quarantined, other.quarantined)):
        pd.testing.assert_frame_equal(values(a), values(b))
    assert len(other.quarantined) == 5

    passing = compact.iloc[:30].reset_index(drop=True)
    outcome = validate_metrics(passing, allowed_indicators=allowed)
    assert len(outcome.valid) == 30 and outcome.quarantined.empty
    assert np.shares_memory(outcome.valid["value"].to_numpy(), passing["value"].to_numpy())
