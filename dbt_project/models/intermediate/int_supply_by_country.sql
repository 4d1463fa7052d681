-- Each country's supply of a mineral at a stage, in tonnes, from USGS: production at the mining and
-- processing stages, reserves at the exploration stage (`measure` says which).

with

production as (
    select
        mineral,
        stage,
        year,
        iso3,
        edition,
        series,
        basis,
        content,
        'production' as measure,
        production_t as amount_t,
    from {{ ref('int_production_by_country') }}
),

reserves as (
    select
        mineral,
        'exploration' as stage,
        year,
        iso3,
        edition,
        series,
        basis,
        content,
        'reserves' as measure,
        reserves_t as amount_t,
    from {{ ref('int_reserves_by_country') }}
),

final as (
    select * from production
    union all
    select * from reserves
)

select * from final
