select
    m.metric_id,
    m.company_id,
    c.company_name,
    m.metric_year,
    m.report_year,
    m.indicator_id,
    i.indicator_name,
    m.hkex_kpi,
    m.gri,
    m.entity,
    m.subject,
    m.value,
    m.unit,
    m.qualifier,
    m.quote,
    m.report_id,
    m.doc_sha256,
    m.page,
    m.line,
    m.method,
    m.confidence
from {{ ref('stg_metrics') }} as m
left join {{ ref('stg_companies') }} as c using (company_id)
left join {{ ref('stg_indicators') }} as i using (indicator_id)
