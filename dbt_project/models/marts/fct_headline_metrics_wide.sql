-- fct_headline_metrics for BI tools: one row per company x fiscal year, one column per headline
-- metric (canonical units: tCO2e, kWh, m3, tonne, count, percent, day, hour, CNY; see the YAML).
-- derived_metrics counts the columns that are a sum of parts rather than a stated total; stale_metrics those
-- kept from an earlier load of a report that failed on its latest attempt.
select
    company_id,
    min(company_name) as company_name,
    metric_year,
    min(period_start) as period_start,
    max(period_end) as period_end,
    {% for metric in var('headline_metrics') %}max(case when headline_metric = '{{ metric }}' then value end) as {{ metric }},
    {% endfor %}cast(sum(case when is_derived then 1 else 0 end) as integer) as derived_metrics,
    cast(sum(case when is_stale then 1 else 0 end) as integer) as stale_metrics
from {{ ref('fct_headline_metrics') }}
group by company_id, metric_year
