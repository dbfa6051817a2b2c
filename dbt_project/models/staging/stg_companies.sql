select company_id, company_name
from {{ source('esg_raw', 'companies') }}
