-- One row per company x year x indicator x entity: the comparable figure.
-- Which observation speaks for the group when a report states several: an analyst-verified value,
-- else the latest report's (restatements win), else the largest figure (the headline total rather
-- than one of its parts). Generic fallbacks (other_*) are not comparable and stay out.
with observations as (
    select * from {{ ref('int_metric_observations') }}
    where substr(indicator_id, 1, 6) <> 'other_'
),

ranked as (
    select
        *,
        count(*) over grain as observations,
        row_number() over (
            partition by company_id, metric_year, indicator_id, entity
            order by is_verified desc, report_year desc, value_canonical desc nulls last, confidence desc, metric_id
        ) as rank_in_grain
    from observations
    window grain as (partition by company_id, metric_year, indicator_id, entity)
)

select
    r.company_id,
    c.company_name,
    r.metric_year,
    r.indicator_id,
    i.indicator_name,
    r.hkex_kpi,
    r.gri,
    r.entity,
    r.subject,
    coalesce(r.value_canonical, r.original_value) as value,
    case when r.value_canonical is not null then r.canonical_unit else r.original_unit end as unit,
    r.value_canonical is not null as is_canonical_unit,
    r.value_cny,
    r.value_hkd,
    r.value_usd,
    r.original_value,
    r.original_unit,
    r.qualifier,
    r.quote,
    r.report_id,
    r.report_year,
    r.doc_sha256,
    r.page,
    r.line,
    r.method,
    r.confidence,
    r.metric_id,
    r.observations,
    r.is_verified,
    r.verification_note
from ranked as r
left join {{ ref('stg_companies') }} as c on r.company_id = c.company_id
left join {{ ref('stg_indicators') }} as i on r.indicator_id = i.indicator_id
where r.rank_in_grain = 1
