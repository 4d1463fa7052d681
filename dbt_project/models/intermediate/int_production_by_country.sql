-- World production by country in tonnes, per mineral and stage, from USGS.
-- Withheld (W) and not-available values carry no number and are left out;
-- "Other countries" is kept under its own code (XOT) so world totals stay whole.

with

production as (
    select * from {{ ref('stg_raw__usgs_production') }}
),

final as (
    select
        mineral,
        stage,
        year,
        iso3,
        any_value(edition) as edition,
        any_value(unit) as unit,
        sum(value_t) as production_t,
    from production
    where
        statistic = 'production'
        and stage in ('mining', 'processing')
        and mineral is not null
        and value_t is not null
        and iso3 <> 'XWD'
    group by mineral, stage, year, iso3
)

select * from final
