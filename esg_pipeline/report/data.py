"""What the report shows, read from the marts (and esg_raw for data quality) with portable SQL."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from esg_pipeline.export import MartsUnavailable

REQUIRED_MARTS = ("dim_company", "fct_esg_metrics", "fct_disclosure_coverage")
HEADLINE_MART = "fct_headline_metrics"
FRAMEWORK_MART = "fct_framework_coverage"

# Charted first when a company has them for two or more years; other indicators follow.
KEY_INDICATORS = (
    "community_investment",
    "ghg_scope1",
    "ghg_scope2",
    "ghg_scope3",
    "ghg_emissions",
    "energy_consumption",
    "employees_total",
    "volunteer_hours",
    "water_withdrawal",
    "water_consumption",
    "training_hours",
    "environmental_investment",
    "hazardous_waste",
    "non_hazardous_waste",
)
# The headline table's rows, in this order (fct_headline_metrics.headline_metric).
HEADLINE_ORDER = (
    "ghg_scope1", "ghg_scope2", "ghg_scope2_location_based", "ghg_scope2_market_based", "ghg_scope3",
    "ghg_intensity", "energy_consumption", "water_withdrawal", "water_consumption", "waste_hazardous",
    "waste_non_hazardous", "employees_total", "employee_turnover_rate", "female_employee_share",
    "work_fatalities", "lost_days", "average_training_hours", "community_investment", "volunteer_hours",
)
HEADLINE_LABELS = {
    "ghg_scope1": "Scope 1 GHG emissions",
    "ghg_scope2": "Scope 2 GHG emissions",
    "ghg_scope2_location_based": "Scope 2, location-based",
    "ghg_scope2_market_based": "Scope 2, market-based",
    "ghg_scope3": "Scope 3 GHG emissions",
    "ghg_intensity": "GHG intensity",
    "energy_consumption": "Energy consumption",
    "water_withdrawal": "Water withdrawal",
    "water_consumption": "Water consumption",
    "waste_hazardous": "Hazardous waste",
    "waste_non_hazardous": "Non-hazardous waste",
    "employees_total": "Employees",
    "employee_turnover_rate": "Employee turnover rate",
    "female_employee_share": "Women in the workforce",
    "work_fatalities": "Work-related fatalities",
    "lost_days": "Days lost to injury",
    "average_training_hours": "Average training hours",
    "community_investment": "Community investment",
    "volunteer_hours": "Volunteer hours",
}
MAX_CHARTS_PER_COMPANY = 12
CATCH_ALL_PREFIX = "other_"  # "Other mass" etc. mix unrelated quantities: a trend line means nothing


@dataclass
class Series:
    company_id: str
    indicator_id: str
    indicator_name: str
    hkex_kpi: str | None
    entity: str | None
    unit: str
    years: list[int]
    values: list[float]
    change_note: str | None = None


@dataclass
class HeadlineCell:
    value: float
    unit: str
    is_derived: bool
    chosen_because: str


@dataclass
class HeadlineTable:
    years: list[int]
    period_ends: list[str]  # the fiscal year's last day per column ("2023-03-31")
    rows: list[dict]  # metric, label, unit, cells: list[HeadlineCell | None]


@dataclass
class FrameworkSummary:
    rows: list[dict]  # metric_year, framework label, applicable, disclosed, missing_mandatory (list of references)


@dataclass
class CompanySection:
    company_id: str
    company_name: str
    years: list[int]
    metric_count: int
    series: list[Series] = field(default_factory=list)
    headline: HeadlineTable | None = None
    frameworks: FrameworkSummary | None = None


@dataclass
class CoverageMatrix:
    columns: list[tuple[str, int]]  # (company_name, report_year)
    rows: list[dict]  # hkex_kpi, kpi_name, aspect, cells: list[int | None] (metric count, None = not disclosed)


@dataclass
class ReportData:
    companies: list[CompanySection]
    coverage: CoverageMatrix
    quarantine: pd.DataFrame
    failed_reports: pd.DataFrame
    verified: pd.DataFrame
    totals: dict[str, int]
    notes: list[str] = field(default_factory=list)


def kpi_sort_key(kpi: str | None) -> tuple:
    """A1.2 before A1.10 before B1.1."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", kpi or "~"))


def _frame(conn: sa.Connection, sql: str) -> pd.DataFrame:
    return pd.read_sql(sa.text(sql), conn)


def load_report_data(engine: Engine, mart_tables: list[str]) -> ReportData:
    missing = [t for t in REQUIRED_MARTS if t not in mart_tables]
    if missing:
        raise MartsUnavailable(f"the warehouse lacks marts {', '.join(missing)}: run `esg-pipeline run` first")
    inspector = sa.inspect(engine)
    raw_tables = set(inspector.get_table_names(schema="esg_raw")) if inspector.has_schema("esg_raw") else set()
    notes = []
    with engine.connect() as conn:
        # Totals only: a breakdown row (a segment, a gender) is not a point of the indicator's trend.
        metrics = _frame(conn, """
            select company_id, indicator_id, indicator_name, hkex_kpi, entity, metric_year,
                   value, unit, value_cny, is_verified
            from marts.fct_esg_metrics where dimension_key = ''""")
        headline = None
        if HEADLINE_MART in mart_tables:
            headline = _frame(conn, """
                select company_id, metric_year, period_end, headline_metric, value, unit, is_derived, chosen_because
                from marts.fct_headline_metrics""")
        else:
            notes.append("marts.fct_headline_metrics is missing, so the headline tables are left out.")
        frameworks = None
        if FRAMEWORK_MART in mart_tables:
            frameworks = _frame(conn, """
                select company_id, metric_year, framework, part, reference, disclosed, is_mandatory_missing
                from marts.fct_framework_coverage""")
        companies = _frame(conn, "select company_id, company_name from marts.dim_company order by company_name")
        coverage = _frame(conn, """
            select company_id, company_name, report_year, hkex_kpi, kpi_name, aspect, disclosed, metric_count
            from marts.fct_disclosure_coverage""")
        yoy = None
        if "fct_metric_yoy" in mart_tables:
            yoy = _frame(conn, """
                select company_id, indicator_id, entity, metric_year, previous_year, pct_change, comparability
                from marts.fct_metric_yoy""")
        else:
            notes.append("marts.fct_metric_yoy is missing, so charts carry no year-on-year notes.")
        verified = _frame(conn, """
            select company_name, metric_year, indicator_name, entity, value, unit, verification_note
            from marts.fct_esg_metrics where is_verified = true
            order by company_name, metric_year, indicator_name""")
        quarantine = pd.DataFrame()
        if "quarantine" in raw_tables:
            quarantine = _frame(conn, """
                select report_year, company_id, indicator, value, unit, failed_expectations, quote
                from esg_raw.quarantine order by report_year, company_id, indicator""")
        failed_reports = pd.DataFrame()
        if "reports" in raw_tables:
            failed_reports = _frame(conn, """
                select report_year, company_id, title, source, reason
                from esg_raw.reports where status = 'failed' order by report_year, company_id, source""")
        if not raw_tables:
            notes.append("schema esg_raw is missing: quarantined rows and failed reports cannot be listed.")
    totals = {
        "companies": len(companies),
        "metrics": len(metrics),
        "report_years": coverage[["company_id", "report_year"]].drop_duplicates().shape[0],
        "quarantined": len(quarantine),
        "failed_reports": len(failed_reports),
        "verified": len(verified),
    }
    return ReportData(
        companies=[_company_section(row, metrics, yoy, headline, frameworks) for row in companies.itertuples()],
        coverage=_coverage_matrix(coverage),
        quarantine=quarantine,
        failed_reports=failed_reports,
        verified=verified,
        totals=totals,
        notes=notes,
    )


def _company_section(company, metrics: pd.DataFrame, yoy: pd.DataFrame | None,
                     headline: pd.DataFrame | None = None, frameworks: pd.DataFrame | None = None) -> CompanySection:
    own = metrics[metrics["company_id"] == company.company_id]
    section = CompanySection(
        company_id=company.company_id,
        company_name=company.company_name,
        years=sorted(int(y) for y in own["metric_year"].dropna().unique()),
        metric_count=len(own),
    )
    if headline is not None:
        section.headline = _headline_table(headline[headline["company_id"] == company.company_id])
    if frameworks is not None:
        section.frameworks = _framework_summary(frameworks[frameworks["company_id"] == company.company_id])
    for indicator_id in _chart_indicators(own):
        series = _series(own[own["indicator_id"] == indicator_id], company.company_name)
        if series is not None:
            series.change_note = _change_note(series, yoy)
            section.series.append(series)
    return section


def _chart_indicators(own: pd.DataFrame) -> list[str]:
    """Indicators with at least two years, key ones first, then by how many years they cover."""
    years_per_indicator = own.groupby("indicator_id")["metric_year"].nunique()
    candidates = [i for i, n in years_per_indicator.items() if n >= 2 and not i.startswith(CATCH_ALL_PREFIX)]
    rank = {name: n for n, name in enumerate(KEY_INDICATORS)}
    candidates.sort(key=lambda i: (rank.get(i, len(rank)), -years_per_indicator[i], i))
    return candidates[:MAX_CHARTS_PER_COMPANY]


def _series(rows: pd.DataFrame, company_name: str) -> Series | None:
    """One line per chart: the entity reporting the indicator in the most years (usually the group)."""
    is_money = rows["value_cny"].notna()
    rows = rows.assign(
        plotted=rows["value_cny"].where(is_money, rows["value"]),
        plotted_unit=rows["unit"].where(~is_money, "CNY"),
        entity_key=rows["entity"].fillna(""),
    )
    # A unit change within one entity would put incomparable bars side by side: chart the main unit only.
    main_unit = rows["plotted_unit"].mode().iloc[0]
    rows = rows[rows["plotted_unit"] == main_unit]
    years_per_entity = rows.groupby("entity_key")["metric_year"].nunique()
    if years_per_entity.empty or years_per_entity.max() < 2:
        return None
    # Ties go to the group itself, whose entity is the company's name.
    entity_key = max(years_per_entity.index, key=lambda e: (years_per_entity[e], e == company_name))
    # The mart holds one row per year here; max() keeps the chart drawable should that grain ever break.
    chosen = rows[rows["entity_key"] == entity_key].groupby("metric_year")["plotted"].max().sort_index()
    first = rows.iloc[0]
    return Series(
        company_id=first["company_id"],
        indicator_id=first["indicator_id"],
        indicator_name=first["indicator_name"] or first["indicator_id"],
        hkex_kpi=first["hkex_kpi"],
        entity=entity_key or None,
        unit=main_unit,
        years=[int(y) for y in chosen.index],
        values=[float(v) for v in chosen.values],
    )


def _change_note(series: Series, yoy: pd.DataFrame | None) -> str | None:
    """The latest year's change against the previous one, as the yoy mart judges comparability."""
    if yoy is None:
        return None
    match = yoy[
        (yoy["company_id"] == series.company_id)
        & (yoy["indicator_id"] == series.indicator_id)
        & (yoy["entity"].fillna("") == (series.entity or ""))
        & (yoy["metric_year"] == series.years[-1])
    ]
    if match.empty:
        return None
    row = match.iloc[0]
    if row["comparability"] == "ok" and pd.notna(row["pct_change"]):
        return f"{series.years[-1]} vs {int(row['previous_year'])}: {_signed_percent(row['pct_change'])}"
    return f"{series.years[-1]}: {str(row['comparability']).replace('_', ' ')}"


def _signed_percent(pct_change: float) -> str:
    # The mart's pct_change is a percentage (12.5 = +12.5 %); see fct_metric_yoy.
    return f"{pct_change:+.1f} %".replace("-", "−")


def _headline_table(rows: pd.DataFrame) -> HeadlineTable | None:
    """Headline metrics (rows) by fiscal year (columns), as fct_headline_metrics gives them."""
    if rows.empty:
        return None
    years = sorted(int(y) for y in rows["metric_year"].unique())
    ends = {int(r.metric_year): str(r.period_end)[:10] for r in rows.itertuples() if pd.notna(r.period_end)}
    column = {year: n for n, year in enumerate(years)}
    order = {metric: n for n, metric in enumerate(HEADLINE_ORDER)}
    table: dict[str, dict] = {}
    for r in rows.itertuples():
        row = table.setdefault(r.headline_metric, {
            "metric": r.headline_metric, "label": HEADLINE_LABELS.get(r.headline_metric, r.headline_metric),
            "unit": r.unit, "cells": [None] * len(years)})
        row["cells"][column[int(r.metric_year)]] = HeadlineCell(
            value=float(r.value), unit=r.unit, is_derived=bool(r.is_derived), chosen_because=str(r.chosen_because or ""))
    return HeadlineTable(
        years=years, period_ends=[ends.get(y, "") for y in years],
        rows=sorted(table.values(), key=lambda row: (order.get(row["metric"], len(order)), row["metric"])))


FRAMEWORK_LABELS = {("HKEX", "C"): "HKEX Part C KPIs", ("HKEX", "D"): "HKEX Part D climate", ("GRI", None): "GRI",
                    ("IFRS_S2", None): "IFRS S2", ("ESRS", None): "ESRS"}


def _framework_summary(rows: pd.DataFrame) -> FrameworkSummary | None:
    """Per fiscal year and framework: references disclosed of those that apply, and mandatory ones missing."""
    if rows.empty:
        return None
    rows = rows.assign(part=rows["part"].where(rows["part"].notna(), None))
    summary = []
    for (year, framework, part), group in rows.groupby(["metric_year", "framework", rows["part"].fillna("")], sort=True):
        label = FRAMEWORK_LABELS.get((framework, part or None), f"{framework} {part}".strip())
        summary.append({
            "metric_year": int(year), "framework": label,
            "applicable": len(group), "disclosed": int(group["disclosed"].astype(bool).sum()),
            "missing_mandatory": sorted(group.loc[group["is_mandatory_missing"].astype(bool), "reference"]),
        })
    return FrameworkSummary(rows=summary)


def _coverage_matrix(coverage: pd.DataFrame) -> CoverageMatrix:
    columns = sorted(
        {(r.company_name, int(r.report_year)) for r in coverage.itertuples()}, key=lambda c: (c[0], c[1])
    )
    index = {c: n for n, c in enumerate(columns)}
    rows: dict[str, dict] = {}
    for r in coverage.itertuples():
        row = rows.setdefault(r.hkex_kpi, {
            "hkex_kpi": r.hkex_kpi, "kpi_name": r.kpi_name, "aspect": r.aspect, "cells": [None] * len(columns),
        })
        if bool(r.disclosed):
            row["cells"][index[(r.company_name, int(r.report_year))]] = int(r.metric_count or 0)
    return CoverageMatrix(columns=columns, rows=sorted(rows.values(), key=lambda r: kpi_sort_key(r["hkex_kpi"])))
