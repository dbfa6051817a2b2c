-- Reports as BI tools see them: one per catalog entry and reporting year (staging already names the columns).
select * from {{ ref('stg_reports') }}
