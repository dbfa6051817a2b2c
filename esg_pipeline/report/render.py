"""One self-contained HTML page: inline CSS and SVG, no scripts, nothing fetched when it is opened."""
from __future__ import annotations

import math
from datetime import datetime
from itertools import groupby
from operator import itemgetter

import jinja2

from esg_pipeline.report.charts import bar_chart_svg, compact_number
from esg_pipeline.report.data import ReportData

QUOTE_CHARS = 240

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
  :root { --ink:#22292f; --muted:#5f6b75; --line:#dde2e6; --accent:#2f7d6d; --bg:#f5f7f8; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
         color:var(--ink); background:var(--bg); }
  header { background:#1e3a34; color:#fff; padding:22px 32px 18px; }
  header h1 { margin:0 0 4px; font-size:24px; font-weight:600; }
  header p { margin:0; color:#cfe3de; font-size:13px; }
  nav { margin-top:10px; font-size:13px; }
  nav a { color:#fff; margin-right:16px; text-decoration:none; border-bottom:1px solid #7fb3a7; }
  main { padding:8px 32px 40px; max-width:1500px; }
  h2 { font-size:20px; margin:30px 0 6px; padding-bottom:4px; border-bottom:2px solid var(--accent); }
  h3 { font-size:16px; margin:22px 0 6px; }
  .muted { color:var(--muted); }
  .cards { display:flex; flex-wrap:wrap; gap:12px; margin:18px 0 4px; }
  .card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:10px 16px; min-width:130px; }
  .card b { display:block; font-size:22px; }
  .card span { color:var(--muted); font-size:12px; }
  .charts { display:grid; grid-template-columns:repeat(auto-fill, minmax(330px, 1fr)); gap:14px; }
  figure.chart { margin:0; background:#fff; border:1px solid var(--line); border-radius:8px; padding:10px 12px 8px; }
  figure.chart figcaption { font-weight:600; font-size:13.5px; }
  figure.chart .sub { font-weight:400; color:var(--muted); font-size:12px; }
  figure.chart .change { font-size:12px; color:var(--muted); margin-top:2px; }
  .note { background:#fff8e1; border:1px solid #f0dc9c; border-radius:6px; padding:8px 12px; margin:10px 0; }
  table { border-collapse:collapse; background:#fff; font-size:12.5px; }
  th, td { border:1px solid var(--line); padding:4px 8px; text-align:left; vertical-align:top; }
  thead th { background:#eef2f3; }
  td.num { text-align:right; font-variant-numeric:tabular-nums; }
  .scroll { overflow-x:auto; max-width:100%; }
  table.coverage th.company { text-align:center; max-width:180px; }
  table.coverage th.year { text-align:center; font-weight:500; }
  table.coverage td.cell { width:44px; text-align:center; font-variant-numeric:tabular-nums; }
  table.coverage td.yes { background:#2f7d6d; color:#fff; font-weight:600; }
  table.coverage td.no { background:#f3f4f5; color:#b4bcc2; }
  table.coverage tr.aspect th { background:#e3ece9; text-align:left; }
  .legend span { display:inline-block; width:14px; height:14px; vertical-align:middle; margin:0 4px 0 12px;
                 border:1px solid var(--line); }
  td.quote { max-width:520px; color:#3c464e; font-style:italic; }
  code { font-size:12px; background:#f0f2f3; padding:1px 4px; border-radius:3px; }
  table.headline td.derived { font-style:italic; color:#5f6b75; }
  table.headline td.none { color:#b4bcc2; text-align:center; }
  table.frameworks td.missing { color:#9b2c1f; font-weight:600; }
</style>
</head>
<body>
<header>
  <h1>{{ title }}</h1>
  <p>Generated {{ generated }} from <code style="background:none;color:#cfe3de">{{ source }}</code></p>
  <nav>
    {% for c in companies %}<a href="#company-{{ c.company_id }}">{{ c.company_name }}</a>{% endfor %}
    <a href="#coverage">Disclosure coverage</a><a href="#quality">Data quality</a>
  </nav>
</header>
<main>
<div class="cards">
  <div class="card"><b>{{ totals.companies }}</b><span>companies</span></div>
  <div class="card"><b>{{ totals.report_years }}</b><span>company reporting years</span></div>
  <div class="card"><b>{{ "{:,}".format(totals.metrics) }}</b><span>totals in the mart</span></div>
  <div class="card"><b>{{ totals.verified }}</b><span>verified overrides</span></div>
  <div class="card"><b>{{ totals.quarantined }}</b><span>quarantined rows</span></div>
  <div class="card"><b>{{ totals.failed_reports }}</b><span>failed reports</span></div>
</div>
{% for note in notes %}<p class="note">{{ note }}</p>{% endfor %}
{% if not companies %}<p class="note">The warehouse has no companies yet: run <code>esg-pipeline run</code>.</p>{% endif %}

{% for c in companies %}
<section id="company-{{ c.company_id }}">
  <h2>{{ c.company_name }}</h2>
  <p class="muted">{{ "{:,}".format(c.metric_count) }} totals
    {% if c.years %}for {{ c.years[0] }}–{{ c.years[-1] }}{% endif %}.
    Money is shown in CNY; each chart follows the entity that reports the indicator's total in most years.</p>
  {% if c.headline %}
  <h3>Headline metrics</h3>
  <p class="muted">Group totals by fiscal year in canonical units, as chosen in <code>marts.fct_headline_metrics</code>
    (hover a figure for why it was chosen); <i>italics</i>: a sum of parts, no total being stated.</p>
  <div class="scroll"><table class="headline">
    <thead><tr><th>Metric</th><th>Unit</th>
      {% for year in c.headline.years %}<th class="year" title="fiscal year ending {{ c.headline.period_ends[loop.index0] }}">FY{{ year }}</th>{% endfor %}</tr></thead>
    <tbody>{% for row in c.headline.rows %}
      <tr><th>{{ row.label }}</th><td>{{ row.unit }}</td>
        {% for cell in row.cells %}{% if cell is none %}<td class="none">–</td>
        {% else %}<td class="num{% if cell.is_derived %} derived{% endif %}" title="{{ cell.chosen_because }}">{{ cell.text }}</td>{% endif %}{% endfor %}
      </tr>{% endfor %}
    </tbody>
  </table></div>
  {% endif %}
  {% if c.frameworks %}
  <h3>Framework coverage</h3>
  <p class="muted">References that apply to each fiscal year (<code>marts.fct_framework_coverage</code>) and how many have a figure.</p>
  <div class="scroll"><table class="frameworks">
    <thead><tr><th>Fiscal year</th><th>Framework</th><th>Disclosed</th><th>Mandatory, missing</th></tr></thead>
    <tbody>{% for row in c.frameworks.rows %}
      <tr><td>FY{{ row.metric_year }}</td><td>{{ row.framework }}</td><td class="num">{{ row.disclosed }} of {{ row.applicable }}</td>
        <td{% if row.missing_mandatory %} class="missing"{% endif %}>{{ row.missing_mandatory | join(", ") }}</td></tr>
    {% endfor %}</tbody>
  </table></div>
  {% endif %}
  <h3>Trends</h3>
  {% if c.charts %}
  <div class="charts">
    {% for chart in c.charts %}
    <figure class="chart">
      <figcaption>{{ chart.series.indicator_name }}
        <span class="sub">· {{ chart.series.unit }}{% if chart.series.hkex_kpi %} · HKEX {{ chart.series.hkex_kpi }}{% endif %}</span>
        {% if chart.series.entity and chart.series.entity != c.company_name %}<div class="sub">{{ chart.series.entity }}</div>{% endif %}
      </figcaption>
      {{ chart.svg | safe }}
      {% if chart.series.change_note %}<div class="change">{{ chart.series.change_note }}</div>{% endif %}
    </figure>
    {% endfor %}
  </div>
  {% else %}
  <p class="note">No indicator has values for two or more years yet, so there is no trend to chart.</p>
  {% endif %}
</section>
{% endfor %}

<section id="coverage">
  <h2>HKEX KPI disclosure coverage</h2>
  <p class="muted legend">Rows are HKEX ESG Reporting Guide KPIs, columns company reports.
    <span style="background:#2f7d6d"></span>disclosed with a number (cell: metrics found)
    <span style="background:#f3f4f5"></span>no number found</p>
  {% if coverage.rows %}
  <div class="scroll">
  <table class="coverage">
    <thead>
      <tr><th rowspan="2">KPI</th><th rowspan="2">Description</th>
        {% for company, years in coverage_companies %}<th class="company" colspan="{{ years }}">{{ company }}</th>{% endfor %}</tr>
      <tr>{% for company, year in coverage.columns %}<th class="year" title="{{ company }} {{ year }}">{{ year }}</th>{% endfor %}</tr>
    </thead>
    <tbody>
    {% for aspect, rows in coverage.rows | groupby("aspect") %}
      <tr class="aspect"><th colspan="{{ 2 + coverage.columns | length }}">{{ aspect or "Other" }}</th></tr>
      {% for row in rows %}
      <tr><th>{{ row.hkex_kpi }}</th><td>{{ row.kpi_name or "" }}</td>
        {% for count in row.cells %}
          {% set company, year = coverage.columns[loop.index0] %}
          {% if count is none %}<td class="cell no" title="{{ row.hkex_kpi }} · {{ company }} {{ year }}: not disclosed">–</td>
          {% else %}<td class="cell yes" title="{{ row.hkex_kpi }} · {{ company }} {{ year }}: {{ count }} metrics">{{ count }}</td>{% endif %}
        {% endfor %}
      </tr>
      {% endfor %}
    {% endfor %}
    </tbody>
  </table>
  </div>
  {% else %}
  <p class="note">No coverage rows yet: run <code>esg-pipeline run</code>.</p>
  {% endif %}
</section>

<section id="quality">
  <h2>Data quality</h2>
  <h3>Quarantined rows ({{ totals.quarantined }})</h3>
  {% if quarantine %}
  <p class="muted">Values that failed a Great Expectations check; they are kept out of the marts until fixed.</p>
  <div class="scroll"><table>
    <thead><tr><th>Year</th><th>Company</th><th>Indicator</th><th>Value</th><th>Unit</th><th>Failed expectation</th><th>Quote</th></tr></thead>
    <tbody>{% for r in quarantine %}
      <tr><td>{{ r.report_year }}</td><td>{{ r.company_id }}</td><td>{{ r.indicator or "" }}</td>
        <td class="num">{{ r.value_text }}</td><td>{{ r.unit or "" }}</td>
        <td><code>{{ r.failed_expectations }}</code></td><td class="quote">{{ r.quote_text }}</td></tr>
    {% endfor %}</tbody>
  </table></div>
  {% else %}<p>None.</p>{% endif %}

  <h3>Failed reports ({{ totals.failed_reports }})</h3>
  {% if failed_reports %}
  <div class="scroll"><table>
    <thead><tr><th>Year</th><th>Company</th><th>Title</th><th>Source</th><th>Reason</th></tr></thead>
    <tbody>{% for r in failed_reports %}
      <tr><td>{{ r.report_year }}</td><td>{{ r.company_id }}</td><td>{{ r.title or "" }}</td>
        <td><code>{{ r.source }}</code></td><td>{{ r.reason or "" }}</td></tr>
    {% endfor %}</tbody>
  </table></div>
  {% else %}<p>None.</p>{% endif %}

  <h3>Verified overrides ({{ totals.verified }})</h3>
  {% if verified %}
  <p class="muted">Values a person checked and corrected; the marts use the verified value.</p>
  <div class="scroll"><table>
    <thead><tr><th>Company</th><th>Year</th><th>Indicator</th><th>Entity</th><th>Value</th><th>Unit</th><th>Note</th></tr></thead>
    <tbody>{% for r in verified %}
      <tr><td>{{ r.company_name }}</td><td>{{ r.metric_year }}</td><td>{{ r.indicator_name or "" }}</td>
        <td>{{ r.entity or "" }}</td><td class="num">{{ r.value_text }}</td><td>{{ r.unit or "" }}</td>
        <td>{{ r.verification_note or "" }}</td></tr>
    {% endfor %}</tbody>
  </table></div>
  {% else %}<p>None.</p>{% endif %}
</section>
</main>
</body>
</html>
"""


def _value_text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if abs(value) >= 1e15:  # implausible figures (the quarantine's) read best in scientific notation
        return f"{value:.4g}"
    if float(value).is_integer() or abs(value) >= 1000:  # money in CNY is rarely whole: 34,431,172
        return f"{value:,.0f}"
    return f"{value:,.4g}"


def _clip(text, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _records(frame, **derived) -> list[dict]:
    rows = []
    for row in frame.to_dict("records"):
        row = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        rows.append(row | {name: make(row) for name, make in derived.items()})
    return rows


def _headline(table):
    """The headline table with each figure as text (large numbers grouped, small ones to 4 digits)."""
    if table is None:
        return None
    rows = [row | {"cells": [None if cell is None else {
        "text": _value_text(cell.value), "is_derived": cell.is_derived,
        "chosen_because": cell.chosen_because} for cell in row["cells"]]} for row in table.rows]
    return {"years": table.years, "period_ends": table.period_ends, "rows": rows}


def render_html(data: ReportData, *, source: str, generated: datetime, title: str = "ESG indicators report") -> str:
    companies = [
        {
            "company_id": c.company_id,
            "company_name": c.company_name,
            "years": c.years,
            "metric_count": c.metric_count,
            "headline": _headline(c.headline),
            "frameworks": c.frameworks,
            "charts": [
                {"series": s, "svg": bar_chart_svg(
                    s.years, s.values, unit=s.unit, chart_id=f"chart-{c.company_id}-{n}",
                    label=f"{c.company_name}: {s.indicator_name} by year")}
                for n, s in enumerate(c.series)
            ],
        }
        for c in data.companies
    ]
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    # groupby("aspect") in the template is a stable sort: KPIs keep their order inside an aspect.
    return environment.from_string(TEMPLATE).render(
        title=title,
        source=source,
        generated=generated.strftime("%Y-%m-%d %H:%M %Z").strip(),
        companies=companies,
        coverage=data.coverage,
        coverage_companies=[(company, len(list(cols))) for company, cols in groupby(data.coverage.columns, itemgetter(0))],
        totals=data.totals,
        notes=data.notes,
        quarantine=_records(data.quarantine, value_text=lambda r: _value_text(r["value"]),
                            quote_text=lambda r: _clip(r["quote"])),
        failed_reports=_records(data.failed_reports),
        verified=_records(data.verified, value_text=lambda r: _value_text(r["value"])),
    )
