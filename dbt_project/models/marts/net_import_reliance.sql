-- Net import reliance of each country, per mineral, stage and year, only where trade and production
-- are commensurate (the pairs of import_reliance_basis.csv, in tonnes):
--   NIR = (I − E) / (P + I − E), with I, E the country's own reported imports and exports of the
--   basis codes and P its USGS production at the stage. Rules: see _net_import_reliance.yml.

with

basis as (
    select * from {{ ref('stg_raw__import_reliance_basis') }}
),

flows as (
    select * from {{ ref('stg_raw__trade_flows') }}
),

production as (
    select * from {{ ref('int_production_by_country') }}
),

usgs_years as (
    select
        mineral,
        stage,
        year,
        any_value(edition) as edition,
    from production
    group by mineral, stage, year
),

usgs_nir as (
    select
        mineral,
        stage,
        year,
        count(*) as n_rows,
        any_value(value) as usgs_nir_pct,
        any_value(value_raw) as usgs_nir_raw,
    from {{ ref('stg_raw__usgs_production') }}
    where statistic = 'net import reliance' and iso3 = 'USA' and mineral is not null
    group by mineral, stage, year
),

-- Each country's own reports: imports (reported by the importer) and exports (by the exporter).
-- A partner World row (XWD) is the reporter's total; bilateral rows are summed when there is none,
-- except for Comtrade, where a query may cover only some partners (only World rows are totals).
reported as (
    select
        case when flows.reported_by = 'importer' then flows.importer_iso3 else flows.exporter_iso3 end as iso3,
        case when flows.reported_by = 'importer' then 'import' else 'export' end as flow,
        case when flows.reported_by = 'importer' then flows.exporter_iso3 else flows.importer_iso3 end
            as partner_iso3,
        basis.mineral,
        basis.stage,
        flows.year,
        flows.source,
        basis.code_level,
        flows.quantity_t,
    from flows
    inner join basis on flows.hs_code = basis.hs_code
    where
        flows.reported_by in ('importer', 'exporter')
        and (flows.source <> 'comtrade' or 'XWD' in (flows.exporter_iso3, flows.importer_iso3))
),

-- One code level per country, flow, source and year: headings when reported, else subheadings
-- (never both, which would count the same goods twice); within it, the World row when reported.
totals as (
    select
        iso3,
        flow,
        mineral,
        stage,
        year,
        source,
        -- a total is unknown when any row it needs has no weight (0 stands for nothing traded)
        case
            when bool_or(partner_iso3 = 'XWD')
                then
                    case
                        when bool_and(quantity_t is not null) filter (where partner_iso3 = 'XWD')
                            then sum(quantity_t) filter (where partner_iso3 = 'XWD')
                    end
            when bool_and(quantity_t is not null) then sum(quantity_t)
        end as quantity_t,
        bool_or(partner_iso3 = 'XWD') as from_world_row,
    from reported
    where partner_iso3 <> iso3
    group by iso3, flow, mineral, stage, year, source, code_level
    qualify code_level = min(code_level) over (partition by iso3, flow, mineral, stage, year, source)
),

-- Imports and exports from the same source; Comtrade (World totals) first, then Trade Map, then BACI.
paired as (
    select
        imports.iso3,
        imports.mineral,
        imports.stage,
        imports.year,
        imports.source as trade_source,
        imports.quantity_t as imports_t,
        exports.quantity_t as exports_t,
        imports.from_world_row and exports.from_world_row as from_world_totals,
    from totals as imports
    inner join totals as exports
        on
            imports.iso3 = exports.iso3
            and imports.mineral = exports.mineral
            and imports.stage = exports.stage
            and imports.year = exports.year
            and imports.source = exports.source
    where
        imports.flow = 'import' and exports.flow = 'export'
        and imports.quantity_t is not null and exports.quantity_t is not null
    qualify row_number() over (
        partition by imports.iso3, imports.mineral, imports.stage, imports.year
        order by case imports.source when 'comtrade' then 1 when 'trademap' then 2 else 3 end
    ) = 1
),

final as (
    select
        paired.iso3,
        paired.mineral,
        paired.stage,
        paired.year,
        'quantity_t' as basis,
        any_value(basis.trade_measure order by basis.code_level) as trade_measure,
        any_value(basis.production_measure) as production_measure,
        paired.trade_source,
        paired.from_world_totals,
        paired.imports_t,
        paired.exports_t,
        coalesce(production.production_t, 0) as production_t,
        production.production_t is not null as is_listed_producer,
        usgs_years.edition as production_edition,
        coalesce(production.production_t, 0) + paired.imports_t - paired.exports_t as apparent_consumption_t,
        paired.imports_t < paired.exports_t as is_net_exporter,
        case
            when
                paired.imports_t >= paired.exports_t
                and coalesce(production.production_t, 0) + paired.imports_t - paired.exports_t > 0
                then
                    (paired.imports_t - paired.exports_t)
                    / (coalesce(production.production_t, 0) + paired.imports_t - paired.exports_t)
        end as net_import_reliance,
        case when paired.iso3 = 'USA' and usgs_nir.n_rows = 1 then usgs_nir.usgs_nir_pct / 100 end
            as usgs_net_import_reliance,
        case when paired.iso3 = 'USA' and usgs_nir.n_rows = 1 then usgs_nir.usgs_nir_raw end as usgs_nir_raw,
    from paired
    inner join usgs_years
        on
            paired.mineral = usgs_years.mineral
            and paired.stage = usgs_years.stage
            and paired.year = usgs_years.year
    inner join basis
        on paired.mineral = basis.mineral and paired.stage = basis.stage
    left join production
        on
            paired.iso3 = production.iso3
            and paired.mineral = production.mineral
            and paired.stage = production.stage
            and paired.year = production.year
    left join usgs_nir
        on
            paired.mineral = usgs_nir.mineral
            and paired.stage = usgs_nir.stage
            and paired.year = usgs_nir.year
    group by all
)

select * from final
