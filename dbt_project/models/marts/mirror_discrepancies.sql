{{ yearly_incremental() }}

-- Where both sides report the same flow (importer's imports and exporter's exports of
-- the same product, year and source), the two figures side by side, per country pair,
-- mineral, stage, year and basis. Aggregates and re-imports are left out, as in the
-- dependency tables; only codes used in dependency count.

with

flows as (
    select * from {{ ref('stg_raw__trade_flows') }}
    {{ year_window_filter() }}
),

reported as (
    select * from flows
    where reported_by in ('importer', 'exporter')
),

all_codes as (
    select * from {{ ref('int_hs_codes_mapped') }}
),

codes as (
    select * from all_codes
    where used_in_dependency
),

converted as (
    select distinct
        reported_version,
        hs_code,
    from all_codes
    where reported_version <> 'any'
),

countries as (
    select * from {{ ref('stg_raw__countries') }}
    where is_country
),

mapped as (
    select
        flows.source,
        flows.reported_by,
        flows.year,
        flows.exporter_iso3,
        flows.importer_iso3,
        flows.value_usd,
        flows.quantity_t,
        codes.mineral,
        codes.stage,
    from reported as flows
    {{ join_mapped_codes('flows', 'codes', 'converted') }}
    inner join countries as exporters on flows.exporter_iso3 = exporters.iso3
    inner join countries as importers on flows.importer_iso3 = importers.iso3
    where flows.exporter_iso3 <> flows.importer_iso3
),

by_basis as (
    select
        *,
        'value_usd' as basis,
        value_usd as amount,
    from mapped
    where value_usd is not null
    union all
    select
        *,
        'quantity_t' as basis,
        quantity_t as amount,
    from mapped
    where quantity_t is not null
),

sides as (
    select
        source,
        year,
        exporter_iso3,
        importer_iso3,
        mineral,
        stage,
        basis,
        sum(amount) filter (where reported_by = 'importer') as importer_reported,
        sum(amount) filter (where reported_by = 'exporter') as exporter_reported,
    from by_basis
    group by all
),

final as (
    select
        *,
        importer_reported - exporter_reported as difference,
        case when exporter_reported > 0 then importer_reported / exporter_reported end as ratio,
    from sides
    where importer_reported is not null and exporter_reported is not null
)

select * from final
