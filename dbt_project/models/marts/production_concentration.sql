-- How concentrated world mine and refinery production is, per mineral and year.
-- Shares are of the world total (listed producers plus "Other countries"); the
-- HHI sums the squared shares of the listed producers only, so it is a lower bound
-- when "Other countries" is large.

with

production as (
    select * from {{ ref('int_production_by_country') }}
),

totals as (
    select
        mineral,
        stage,
        year,
        sum(production_t) as world_production_t,
    from production
    group by mineral, stage, year
    having sum(production_t) > 0
),

producers as (
    select
        production.*,
        production.production_t / totals.world_production_t as share,
        totals.world_production_t,
    from production
    inner join totals
        on
            production.mineral = totals.mineral
            and production.stage = totals.stage
            and production.year = totals.year
    where production.iso3 <> 'XOT' and production.production_t > 0
),

final as (
    select
        mineral,
        stage,
        year,
        any_value(edition) as source_edition,
        count(*) as n_producers,
        arg_max(iso3, share) as top_producer_iso3,
        max(share) as top_producer_share,
        sum(share * share) as hhi,
        any_value(world_production_t) as world_production_t,
    from producers
    group by mineral, stage, year
)

select * from final
