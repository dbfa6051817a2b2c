select year, currency, units_per_usd, is_estimate
from {{ ref('fx_rates_annual') }}
