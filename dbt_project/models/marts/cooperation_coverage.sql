-- Agreement coverage: the share of each importer's imports of a mineral, stage, year and basis
-- that comes from countries it has a cooperation instrument with, in force by the end of that
-- year and covering that mineral and stage. Every dependency of value_chain_dependency has a row
-- (covered_share 0 when no supplier is a partner). Rebuilt whole on every run: instruments
-- change whenever announcements arrive. Rules: see the model description in
-- _cooperation_coverage.yml.

with

dependencies as (
    select * from {{ ref('value_chain_dependency') }}
),

shares as (
    select * from {{ ref('supplier_shares') }}
),

participants as (
    select * from {{ ref('int_cooperation_participants') }}
),

-- Each instrument that makes a supplier the importer's partner for the flow's mineral, stage and
-- year: both take part in it by the end of the year, at least one of the two is named on it (a
-- group's instrument binds the countries it names to the group's members, not every member to
-- every other), they are not named as one (two EU member states through the EU), its minerals
-- contain the mineral or 'critical minerals', and its stages contain the stage or are empty.
partner_instruments as (
    select distinct
        shares.importer_iso3,
        shares.exporter_iso3,
        shares.mineral,
        shares.stage,
        shares.year,
        shares.basis,
        importer.agreement_id,
    from shares
    inner join participants as importer
        on
            shares.importer_iso3 = importer.iso3
            and shares.year >= importer.first_year
            and shares.year <= coalesce(importer.last_year, shares.year)
    inner join participants as supplier
        on
            importer.agreement_id = supplier.agreement_id
            and shares.exporter_iso3 = supplier.iso3
            and shares.year >= supplier.first_year
            and shares.year <= coalesce(supplier.last_year, shares.year)
    where
        (importer.listed_as is not null or supplier.listed_as is not null)
        and importer.listed_as is distinct from supplier.listed_as
        and (list_contains(importer.minerals, shares.mineral) or list_contains(importer.minerals, 'critical minerals'))
        and (coalesce(len(importer.stages), 0) = 0 or list_contains(importer.stages, shares.stage))
),

partner_suppliers as (
    select
        shares.importer_iso3,
        shares.exporter_iso3,
        shares.mineral,
        shares.stage,
        shares.year,
        shares.basis,
        shares.amount,
        shares.share,
        list(partner_instruments.agreement_id order by partner_instruments.agreement_id) as instruments,
    from shares
    inner join partner_instruments
        on
            shares.importer_iso3 = partner_instruments.importer_iso3
            and shares.exporter_iso3 = partner_instruments.exporter_iso3
            and shares.mineral = partner_instruments.mineral
            and shares.stage = partner_instruments.stage
            and shares.year = partner_instruments.year
            and shares.basis = partner_instruments.basis
    group by all
),

-- Sums of shares can exceed 1 by a rounding error; least() keeps covered_share in [0, 1].
covered as (
    select
        importer_iso3,
        mineral,
        stage,
        year,
        basis,
        sum(amount) as covered_imports,
        least(sum(share), 1) as covered_share,
        count(*) as n_partner_suppliers,
        list(exporter_iso3 order by share desc, exporter_iso3 asc) as partner_suppliers,
        list_sort(list_distinct(flatten(list(instruments)))) as instruments,
    from partner_suppliers
    group by importer_iso3, mineral, stage, year, basis
),

final as (
    select
        dependencies.importer_iso3,
        dependencies.mineral,
        dependencies.stage,
        dependencies.year,
        dependencies.basis,
        dependencies.source,
        dependencies.total_imports,
        dependencies.n_suppliers,
        dependencies.top_supplier_iso3,
        dependencies.top_supplier_share,
        dependencies.hhi,
        coalesce(covered.covered_imports, 0) as covered_imports,
        coalesce(covered.covered_share, 0) as covered_share,
        coalesce(covered.n_partner_suppliers, 0) as n_partner_suppliers,
        coalesce(covered.partner_suppliers, []::varchar[]) as partner_suppliers,
        coalesce(covered.instruments, []::varchar[]) as instruments,
    from dependencies
    left join covered
        on
            dependencies.importer_iso3 = covered.importer_iso3
            and dependencies.mineral = covered.mineral
            and dependencies.stage = covered.stage
            and dependencies.year = covered.year
            and dependencies.basis = covered.basis
)

select * from final
