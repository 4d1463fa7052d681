-- Disruption scenarios: for each scenario (a supplier whose exports of a mineral at some stages are
-- restricted by a share k) and each importer that buys that mineral at that stage from the supplier,
-- what the importer loses and how concentrated its remaining supply is. Rebuilt whole on every run
-- (scenarios and agreements change without a new trade year). Formulas: see the model description in
-- _disruption_impacts.yml.

with

scenarios as (
    select * from {{ ref('stg_raw__disruption_scenarios') }}
),

shares as (
    select * from {{ ref('supplier_shares') }}
),

dependencies as (
    select * from {{ ref('value_chain_dependency') }}
),

participants as (
    select * from {{ ref('int_cooperation_participants') }}
),

-- The dependencies a scenario hits: the importer buys the mineral at the stage from the supplier.
affected as (
    select
        scenarios.scenario_id,
        scenarios.description as scenario_description,
        scenarios.supplier_iso3,
        scenarios.restricted_share,
        shares.importer_iso3,
        shares.mineral,
        shares.stage,
        shares.year,
        shares.basis,
        shares.amount as supplier_amount,
        shares.share as supplier_share,
    from scenarios
    inner join shares
        on
            scenarios.supplier_iso3 = shares.exporter_iso3
            and scenarios.mineral = shares.mineral
            and scenarios.stage = shares.stage
),

-- Every supplier of each affected dependency after the restriction: the restricted supplier keeps
-- (1 − k) of its amount, the others keep theirs. A supplier left with nothing is no supplier.
amounts_after as (
    select
        affected.scenario_id,
        affected.importer_iso3,
        affected.mineral,
        affected.stage,
        affected.year,
        affected.basis,
        shares.exporter_iso3,
        case
            when shares.exporter_iso3 = affected.supplier_iso3 then shares.amount * (1 - affected.restricted_share)
            else shares.amount
        end as amount_after,
    from affected
    inner join shares
        on
            affected.importer_iso3 = shares.importer_iso3
            and affected.mineral = shares.mineral
            and affected.stage = shares.stage
            and affected.year = shares.year
            and affected.basis = shares.basis
),

shares_after as (
    select
        *,
        amount_after / sum(amount_after) over (
            partition by scenario_id, importer_iso3, mineral, stage, year, basis
        ) as share_after,
    from amounts_after
    where amount_after > 0
),

-- Concentration of what remains, shares renormalised over the remaining total. Sums of squares can
-- exceed 1 by a rounding error; least() keeps hhi_after in [0, 1].
remaining as (
    select
        scenario_id,
        importer_iso3,
        mineral,
        stage,
        year,
        basis,
        sum(amount_after) as remaining_imports,
        count(*) as n_suppliers_after,
        least(sum(share_after * share_after), 1) as hhi_after,
        list(exporter_iso3 order by share_after desc, exporter_iso3 asc)[1] as top_supplier_after,
        max(share_after) as top_supplier_share_after,
    from shares_after
    group by scenario_id, importer_iso3, mineral, stage, year, basis
),

-- Countries that export the mineral at the stage in the year (to any importer, on either basis).
exporters as (
    select distinct
        exporter_iso3,
        mineral,
        stage,
        year,
    from shares
),

-- The importer's cooperation partners in the year that export the mineral at the stage: they take
-- part in the same instrument (agreement, framework, mou, partnership or joint_statement; not a
-- meeting) by the end of the year, at least one of the two is named on it, and they are not named as
-- one (two EU member states through the same EUU). The restricted supplier itself does not count.
partner_exporters as (
    select distinct
        affected.scenario_id,
        affected.importer_iso3,
        affected.mineral,
        affected.stage,
        affected.year,
        affected.basis,
        partner.iso3 as partner_iso3,
    from affected
    inner join participants as importer
        on
            affected.importer_iso3 = importer.iso3
            and affected.year >= importer.first_year
            and affected.year <= coalesce(importer.last_year, affected.year)
    inner join participants as partner
        on
            importer.agreement_id = partner.agreement_id
            and affected.year >= partner.first_year
            and affected.year <= coalesce(partner.last_year, affected.year)
    inner join exporters
        on
            partner.iso3 = exporters.exporter_iso3
            and affected.mineral = exporters.mineral
            and affected.stage = exporters.stage
            and affected.year = exporters.year
    where
        (importer.listed_as is not null or partner.listed_as is not null)
        and importer.listed_as is distinct from partner.listed_as
        and partner.iso3 <> affected.importer_iso3
        and partner.iso3 <> affected.supplier_iso3
),

partners as (
    select
        scenario_id,
        importer_iso3,
        mineral,
        stage,
        year,
        basis,
        list(partner_iso3 order by partner_iso3) as partner_suppliers,
    from partner_exporters
    group by scenario_id, importer_iso3, mineral, stage, year, basis
),

final as (
    select
        affected.scenario_id,
        affected.scenario_description,
        affected.supplier_iso3,
        affected.restricted_share,
        affected.importer_iso3,
        affected.mineral,
        affected.stage,
        affected.year,
        affected.basis,
        dependencies.source,
        dependencies.total_imports,
        affected.supplier_amount,
        affected.supplier_share,
        affected.restricted_share * affected.supplier_share as lost_share,
        affected.restricted_share * affected.supplier_amount as lost_amount,
        coalesce(remaining.remaining_imports, 0) as remaining_imports,
        dependencies.n_suppliers as n_suppliers_before,
        coalesce(remaining.n_suppliers_after, 0) as n_suppliers_after,
        dependencies.hhi as hhi_before,
        remaining.hhi_after,
        remaining.top_supplier_after,
        remaining.top_supplier_share_after,
        remaining.scenario_id is null as supply_fully_lost,
        coalesce(len(partners.partner_suppliers), 0) > 0 as partner_supplies,
        coalesce(partners.partner_suppliers, []::varchar[]) as partner_suppliers,
    from affected
    inner join dependencies
        on
            affected.importer_iso3 = dependencies.importer_iso3
            and affected.mineral = dependencies.mineral
            and affected.stage = dependencies.stage
            and affected.year = dependencies.year
            and affected.basis = dependencies.basis
    left join remaining
        on
            affected.scenario_id = remaining.scenario_id
            and affected.importer_iso3 = remaining.importer_iso3
            and affected.mineral = remaining.mineral
            and affected.stage = remaining.stage
            and affected.year = remaining.year
            and affected.basis = remaining.basis
    left join partners
        on
            affected.scenario_id = partners.scenario_id
            and affected.importer_iso3 = partners.importer_iso3
            and affected.mineral = partners.mineral
            and affected.stage = partners.stage
            and affected.year = partners.year
            and affected.basis = partners.basis
)

select * from final
