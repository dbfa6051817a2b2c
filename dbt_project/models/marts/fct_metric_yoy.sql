-- Year over year on totals (dimension_key ''): each concept by company and entity across fiscal years,
-- the change from the previous fiscal year the mart has, and flags:
--   comparability: first_year, unit_mismatch, missing_previous_year (the previous figure is older
--     than last year): no change computed; basis_changed (reported vs restated), period_changed (the
--     fiscal year ends on another day of the year): change computed, compare with care; else ok;
--   previous_is_restated: last year's chosen value came from a later report (or is marked restated);
--   previous_differs_from_first_report: and it differs from what last year's own report said.
with metrics as (
    select * from {{ ref('fct_esg_metrics') }}
    where dimension_key = ''
),

lagged as (
    select
        company_id,
        indicator_id,
        indicator_name,
        entity,
        metric_year,
        period_end,
        value,
        unit,
        basis,
        report_year,
        chosen_because,
        is_restated,
        is_stale,
        lag(metric_year) over by_series as previous_year,
        lag(period_end) over by_series as previous_period_end,
        lag(value) over by_series as previous_value,
        lag(unit) over by_series as previous_unit,
        lag(basis) over by_series as previous_basis,
        lag(report_year) over by_series as previous_report_year,
        lag(is_restated) over by_series as previous_is_restated,
        lag(is_stale) over by_series as previous_is_stale,
        lag(differs_from_first_report) over by_series as previous_differs_from_first_report,
        lag(first_reported_value) over by_series as previous_first_reported_value
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
            when previous_basis <> basis then 'basis_changed'
            when extract(month from previous_period_end) <> extract(month from period_end)
                or extract(day from previous_period_end) <> extract(day from period_end) then 'period_changed'
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
    period_end,
    value,
    unit,
    basis,
    report_year,
    chosen_because,
    is_restated,
    is_stale,
    previous_year,
    previous_value,
    previous_unit,
    previous_basis,
    previous_report_year,
    -- the change against the previous fiscal year, where there is one in the same unit (flags say the rest)
    case when comparability in ('ok', 'basis_changed', 'period_changed') then value - previous_value end as abs_change,
    case when comparability in ('ok', 'basis_changed', 'period_changed') and previous_value <> 0
        then (value - previous_value) / abs(previous_value) * 100 end as pct_change,
    comparability,
    coalesce(previous_is_restated, false) as previous_is_restated,
    coalesce(previous_differs_from_first_report, false) as previous_differs_from_first_report,
    previous_first_reported_value,
    coalesce(previous_is_stale, false) as previous_is_stale,
    -- a tenfold swing is more often a total read as an average (or a unit slip) than a real change
    comparability = 'ok' and previous_value > 0 and (value / previous_value > 10 or value / previous_value < 0.1)
        as is_outlier_change
from flagged
