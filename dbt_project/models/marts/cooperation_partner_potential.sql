-- The diversification potential a cooperation instrument opens: each participant's share of world
-- mine or refinery production (stages mining, processing) and of world reserves (stage exploration)
-- of every mineral and stage the instrument covers, in every USGS year by whose end the instrument
-- was in force and the country took part in it.
-- Rules: see the model description in _cooperation_coverage.yml.

with

participants as (
    select * from {{ ref('int_cooperation_participants') }}
),

supply as (
    select * from {{ ref('int_supply_by_country') }}
),

world as (
    select * from {{ ref('production_concentration') }}
),

partner_supply as (
    select
        participants.agreement_id,
        participants.instrument,
        participants.iso3 as partner_iso3,
        supply.mineral,
        supply.stage,
        supply.year,
        bool_or(participants.listed_as is not null) as is_named_party,
        any_value(supply.amount_t) as partner_amount_t,
    from participants
    inner join supply
        on
            participants.iso3 = supply.iso3
            and participants.first_year <= supply.year
            and coalesce(participants.last_year, supply.year) >= supply.year
    where
        supply.iso3 <> 'XOT'
        and supply.amount_t > 0
        and (
            list_contains(participants.minerals, supply.mineral)
            or list_contains(participants.minerals, 'critical minerals')
        )
        and (coalesce(len(participants.stages), 0) = 0 or list_contains(participants.stages, supply.stage))
    group by all
),

final as (
    select
        partner_supply.agreement_id,
        partner_supply.instrument,
        partner_supply.partner_iso3,
        partner_supply.is_named_party,
        partner_supply.mineral,
        partner_supply.stage,
        partner_supply.year,
        world.measure,
        world.source_edition,
        partner_supply.partner_amount_t,
        world.world_total_t,
        partner_supply.partner_amount_t / world.world_total_t as partner_share_of_world,
    from partner_supply
    inner join world
        on
            partner_supply.mineral = world.mineral
            and partner_supply.stage = world.stage
            and partner_supply.year = world.year
)

select * from final
