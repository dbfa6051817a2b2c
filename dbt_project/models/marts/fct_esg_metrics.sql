-- One chosen value per company x fiscal year x concept x dimension members x entity.
-- The rules, in order (never "the largest"):
--   1. an analyst-verified override;
--   2. a figure restated in a later report: the latest report whose year is after the fiscal year,
--      or a figure the report marks as restated;
--   3. the report of that year (report_year = metric_year);
--   4. last, a figure a report gave before its year ended (report_year < metric_year).
-- Within one report the earliest figure in the document wins (char_start), then metric_id.
-- Targets and baselines are not reported values and stay out (they are in fct_esg_observations);
-- generic fallbacks (other_*) are not comparable and stay out too.
-- The choice is made on narrow rows (the grain, the keys of the rules, the value); the chosen figure's
-- other columns are joined back by metric_id: sorting 2.3 million whole observations (quotes, sentences)
-- took 30 s and spilled, the narrow rows take a third of that.
with all_observations as (
    select * from {{ ref('fct_esg_observations') }}
),

candidates as (
    select
        metric_id, company_id, metric_year, indicator_id, dimension_key, entity,
        report_year, report_id, basis, char_start, value, unit,
        case
            when is_verified then 3
            when basis = 'restated' or report_year > metric_year then 2
            when report_year = metric_year then 1
            else 0
        end as choice_rule
    from all_observations
    where basis not in ('target', 'baseline') and not is_generic
),

ranked as (
    select
        *,
        count(*) over grain as observations,
        row_number() over (
            partition by company_id, metric_year, indicator_id, dimension_key, entity
            order by
                choice_rule desc,
                report_year desc,
                report_id,
                case when basis = 'restated' then 0 else 1 end,
                char_start nulls last,
                metric_id
        ) as rank_in_grain
    from candidates
    window grain as (partition by company_id, metric_year, indicator_id, dimension_key, entity)
),

-- What the fiscal year's own report said (not marked restated), by the same in-report rule: the figure
-- a restatement replaces.
first_reported as (
    select
        company_id, metric_year, indicator_id, dimension_key, entity,
        value, unit, report_year,
        row_number() over (
            partition by company_id, metric_year, indicator_id, dimension_key, entity
            order by report_id, char_start nulls last, metric_id
        ) as rank_in_report
    from candidates
    where choice_rule = 1
),

distinct_values as (
    select company_id, metric_year, indicator_id, dimension_key, entity, count(distinct value) as distinct_values
    from candidates
    group by company_id, metric_year, indicator_id, dimension_key, entity
),

chosen as (
    select
        r.metric_id,
        r.choice_rule,
        r.observations,
        f.value as first_reported_value,
        f.unit as first_reported_unit,
        f.report_year as first_reported_in,
        d.distinct_values,
        f.value is not null and f.unit = r.unit
            and abs(r.value - f.value) <= 1e-9 * greatest(abs(r.value), abs(f.value)) as same_as_first_reported
    from ranked as r
    left join first_reported as f
        on f.company_id = r.company_id and f.metric_year = r.metric_year and f.indicator_id = r.indicator_id
        and f.dimension_key = r.dimension_key and f.entity is not distinct from r.entity and f.rank_in_report = 1
    left join distinct_values as d
        on d.company_id = r.company_id and d.metric_year = r.metric_year and d.indicator_id = r.indicator_id
        and d.dimension_key = r.dimension_key and d.entity is not distinct from r.entity
    where r.rank_in_grain = 1
)

select
    company_id,
    company_name,
    metric_year,
    period_start,
    period_end,
    indicator_id,
    indicator_name,
    hkex_kpi,
    gri,
    headline_metric,
    is_additive,
    entity,
    is_group_entity,
    dimension_key,
    is_total,
    {% for column in dimension_columns() %}{{ column }},
    {% endfor %}subject,
    value,
    unit,
    is_canonical_unit,
    value_cny,
    value_hkd,
    value_usd,
    original_value,
    original_unit,
    qualifier,
    basis,
    quote,
    raw_text,
    report_id,
    report_year,
    doc_name,
    doc_sha256,
    page,
    line,
    char_start,
    char_end,
    method,
    confidence,
    metric_id,
    observations,
    distinct_values,
    case
        when choice_rule = 3 then 'verified override'
        when choice_rule = 2 and basis <> 'restated' and same_as_first_reported
            then 'restated in the ' || cast(report_year as varchar(4)) || ' report (unchanged from the '
                || cast(first_reported_in as varchar(4)) || ' report)'
        when choice_rule = 2 and basis <> 'restated' and first_reported_value is null
            then 'restated in the ' || cast(report_year as varchar(4)) || ' report (no '
                || cast(metric_year as varchar(4)) || ' report figure)'
        when choice_rule = 2 then 'restated in the ' || cast(report_year as varchar(4)) || ' report'
        when choice_rule = 1 then 'reported in the ' || cast(report_year as varchar(4)) || ' report'
        else 'reported in the ' || cast(report_year as varchar(4)) || ' report, before the year ended'
    end as chosen_because,
    choice_rule = 2 as is_restated,
    first_reported_value is not null and not same_as_first_reported as differs_from_first_report,
    first_reported_value,
    first_reported_unit,
    first_reported_in,
    is_verified,
    verification_note,
    is_stale,
    stale_reason
from chosen
join all_observations using (metric_id)
