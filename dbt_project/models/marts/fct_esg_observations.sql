-- Every observation: each figure extracted from a report and each analyst-verified value, with its
-- concept, dimension members, fiscal period, basis, value in the concept's canonical unit and its
-- provenance. fct_esg_metrics chooses one of these per grain; this table keeps them all. is_stale marks the
-- figures of a report that failed on its latest attempt, kept from an earlier load (stale_reason: why it failed).
with observations as (
    select * from {{ ref('int_metric_observations') }}
)

select
    o.metric_id,
    o.company_id,
    c.company_name,
    o.metric_year,
    coalesce(o.period_start, p.period_start) as period_start,
    coalesce(o.period_end, p.period_end, {{ year_end('o.metric_year') }}) as period_end,
    o.period_end is not null as is_period_stated,
    o.basis,
    o.indicator_id,
    i.indicator_name,
    o.hkex_kpi,
    o.gri,
    coalesce(i.is_additive, false) as is_additive,
    i.headline_metric,
    substr(o.indicator_id, 1, 6) = 'other_' as is_generic,
    o.entity,
    o.entity is null or o.entity = c.company_name as is_group_entity,
    o.dimension_key,
    o.dimension_key = '' as is_total,
    {% for column in dimension_columns() %}o.{{ column }},
    {% endfor %}o.subject,
    coalesce(o.value_canonical, o.original_value) as value,
    case when o.value_canonical is not null then o.canonical_unit else o.original_unit end as unit,
    o.value_canonical is not null as is_canonical_unit,
    o.value_cny,
    o.value_hkd,
    o.value_usd,
    o.original_value,
    o.original_unit,
    o.qualifier,
    o.quote,
    o.raw_text,
    o.report_id,
    o.report_year,
    o.doc_name,
    o.doc_sha256,
    o.page,
    o.line,
    o.char_start,
    o.char_end,
    o.method,
    o.confidence,
    o.flags,
    o.year_source,
    o.is_verified,
    o.verification_note,
    coalesce(r.is_stale, false) as is_stale,
    case when r.is_stale then r.reason end as stale_reason
from observations as o
left join {{ ref('stg_companies') }} as c on o.company_id = c.company_id
left join {{ ref('stg_indicators') }} as i on o.indicator_id = i.indicator_id
left join {{ ref('dim_fiscal_period') }} as p on o.company_id = p.company_id and o.metric_year = p.metric_year
-- a report that failed on its latest attempt keeps the figures loaded before: they are stale
left join {{ ref('stg_reports') }} as r on o.report_id = r.report_id and o.report_year = r.report_year
