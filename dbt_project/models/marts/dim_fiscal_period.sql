-- One row per company and fiscal year: the dates of that year. A company whose year ends on 31 March
-- has FY2023 from 2022-04-01 to 2023-03-31; a calendar-year company's FY2023 is 2023-01-01 to 2023-12-31.
-- The dates are the ones the company's reports state most often for that year (observation period_end
-- and period_start); a year no figure dates is taken as the calendar year (is_period_stated false).
-- Targets and baselines do not make fiscal years.
with observed as (
    select company_id, metric_year, period_start, period_end
    from {{ ref('int_metric_observations') }}
    where basis not in ('target', 'baseline')
),

years as (
    select company_id, metric_year from observed
    union
    select company_id, report_year as metric_year from {{ ref('stg_reports') }} where status <> 'failed' or is_stale
),

stated_ends as (
    select
        company_id,
        metric_year,
        period_end,
        row_number() over (
            partition by company_id, metric_year order by count(*) desc, period_end desc
        ) as rank_of_end
    from observed
    -- a period ends in its fiscal year by definition; an end dated in another year is a misread
    where period_end is not null and extract(year from period_end) = metric_year
    group by company_id, metric_year, period_end
),

stated_starts as (
    select
        o.company_id,
        o.metric_year,
        o.period_start,
        row_number() over (
            partition by o.company_id, o.metric_year order by count(*) desc, o.period_start
        ) as rank_of_start
    from observed as o
    inner join stated_ends as e
        on e.company_id = o.company_id and e.metric_year = o.metric_year
        and e.period_end = o.period_end and e.rank_of_end = 1
    where o.period_start is not null
    group by o.company_id, o.metric_year, o.period_start
),

own_reports as (
    select distinct company_id, report_year
    from {{ ref('stg_reports') }}
    where status <> 'failed' or is_stale
)

select
    y.company_id,
    y.metric_year,
    cast(coalesce(
        s.period_start,
        {{ dbt.dateadd('day', 1, dbt.dateadd('year', -1, 'e.period_end')) }},
        {{ year_start('y.metric_year') }}
    ) as date) as period_start,
    coalesce(e.period_end, {{ year_end('y.metric_year') }}) as period_end,
    e.period_end is not null as is_period_stated,
    r.report_year is not null as has_own_report
from years as y
left join stated_ends as e
    on e.company_id = y.company_id and e.metric_year = y.metric_year and e.rank_of_end = 1
left join stated_starts as s
    on s.company_id = y.company_id and s.metric_year = y.metric_year and s.rank_of_start = 1
left join own_reports as r
    on r.company_id = y.company_id and r.report_year = y.metric_year
