-- How concentrated world supply is, per mineral, stage and year: mine and refinery production
-- (stages mining and processing) and reserves (stage exploration: where the not-yet-mined supply
-- sits). Shares are of the world total (listed countries plus "Other countries"); the HHI sums the
-- squared shares of the listed countries only, so it is a lower bound when "Other countries" is large.

with

supply as (
    select * from {{ ref('int_supply_by_country') }}
),

totals as (
    select
        mineral,
        stage,
        year,
        sum(amount_t) as world_total_t,
    from supply
    group by mineral, stage, year
    having sum(amount_t) > 0
),

holders as (
    select
        supply.*,
        supply.amount_t / totals.world_total_t as share,
        totals.world_total_t,
    from supply
    inner join totals
        on
            supply.mineral = totals.mineral
            and supply.stage = totals.stage
            and supply.year = totals.year
    where supply.iso3 <> 'XOT' and supply.amount_t > 0
),

final as (
    select
        mineral,
        stage,
        year,
        any_value(measure) as measure,
        any_value(series) as series,
        any_value(basis) as basis,
        any_value(content) as content,
        any_value(edition) as source_edition,
        count(*) as n_producers,
        arg_max(iso3, share) as top_producer_iso3,
        max(share) as top_producer_share,
        sum(share * share) as hhi,
        any_value(world_total_t) as world_total_t,
    from holders
    group by mineral, stage, year
)

select * from final
