-- Each concept's reference in a reporting framework (HKEX Part C KPIs and Part D climate metrics,
-- GRI, IFRS S2, ESRS), with the version and the dates it applies from and to.
select
    indicator_id,
    framework,
    reference,
    version,
    part,
    requirement,
    effective_from,
    effective_to
from {{ source('esg_raw', 'framework_references') }}
