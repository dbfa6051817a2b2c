-- Each indicator by company (and entity) across years, with the change from the previous year and
-- a flag where years cannot be compared.
with metrics as (
    select * from {{ ref('fct_esg_metrics') }}
),

lagged as (
    select
        company_id,
        indicator_id,
        indicator_name,
        entity,
        metric_year,
        value,
        unit,
        lag(metric_year) over by_series as previous_year,
        lag(value) over by_series as previous_value,
        lag(unit) over by_series as previous_unit
    from metrics
    window by_series as (partition by company_id, indicator_id, entity order by metric_year)
),

flagged as (
    select
        *,
        case
            when previous_year is null then 'first_year'
            when previous_unit <> unit then 'unit_mismatch'
            when previous_year <> metric_year - 1 then 'missing_previous_year'
            else 'ok'
        end as comparability
    from lagged
)

select
    company_id,
    indicator_id,
    indicator_name,
    entity,
    metric_year,
    value,
    unit,
    previous_year,
    previous_value,
    case when comparability = 'ok' then value - previous_value end as abs_change,
    case when comparability = 'ok' and previous_value <> 0
        then (value - previous_value) / abs(previous_value) * 100 end as pct_change,
    comparability,
    -- a tenfold swing is more often a total read as an average (or a unit slip) than a real change
    comparability = 'ok' and previous_value > 0 and (value / previous_value > 10 or value / previous_value < 0.1)
        as is_outlier_change
from flagged
