-- The diversification potential a cooperation instrument opens: each participant's share of world
-- mine or refinery production (USGS) of every mineral and stage the instrument covers, in every
-- production year by whose end the instrument was in force and the country took part in it.
-- Rules: see the model description in _cooperation_coverage.yml.

with

participants as (
    select * from {{ ref('int_cooperation_participants') }}
),

production as (
    select * from {{ ref('int_production_by_country') }}
    where iso3 <> 'XOT' and production_t > 0
),

world as (
    select * from {{ ref('production_concentration') }}
),

partner_production as (
    select
        participants.agreement_id,
        participants.instrument,
        participants.iso3 as partner_iso3,
        production.mineral,
        production.stage,
        production.year,
        bool_or(participants.listed_as is not null) as is_named_party,
        any_value(production.production_t) as partner_production_t,
    from participants
    inner join production
        on
            participants.iso3 = production.iso3
            and participants.first_year <= production.year
            and coalesce(participants.last_year, production.year) >= production.year
    where
        (
            list_contains(participants.minerals, production.mineral)
            or list_contains(participants.minerals, 'critical minerals')
        )
        and (coalesce(len(participants.stages), 0) = 0 or list_contains(participants.stages, production.stage))
    group by all
),

final as (
    select
        partner_production.agreement_id,
        partner_production.instrument,
        partner_production.partner_iso3,
        partner_production.is_named_party,
        partner_production.mineral,
        partner_production.stage,
        partner_production.year,
        world.source_edition,
        partner_production.partner_production_t,
        world.world_production_t,
        partner_production.partner_production_t / world.world_production_t as partner_share_of_world_production,
    from partner_production
    inner join world
        on
            partner_production.mineral = world.mineral
            and partner_production.stage = world.stage
            and partner_production.year = world.year
)

select * from final
