{{ yearly_incremental() }}

-- Bilateral flows between two countries, tagged with mineral and stage, one row
-- per flow and basis (value in USD or quantity in tonnes).
-- * Aggregates (World, "nes" areas, free zones) and re-imports are left out.
-- * A heading-level code is used only when the same source has no six-digit
--   code of that heading for the year (avoids counting 7502 and 750210 twice).
-- * Mirror rule: for a source, importer, code and year, the importer's own
--   report is used when it exists; otherwise the partners' export reports.
-- * A reporter's partner rows are left out when they are not a full breakdown:
--   where the same report has a partner-World row (a Comtrade control total) and
--   its partner rows add up to less than 95 % of it by value (a download asking
--   for named partners only). Shares computed from them would call the partners
--   present the whole supply.

with

flows as (
    select * from {{ ref('stg_raw__trade_flows') }}
    {{ year_window_filter() }}
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
),

reports as (
    select
        source,
        reported_by,
        case when reported_by = 'importer' then importer_iso3 else exporter_iso3 end as reporter_iso3,
        case when reported_by = 'importer' then exporter_iso3 else importer_iso3 end as partner_iso3,
        hs_code,
        year,
        value_usd,
    from flows
    where reported_by in ('importer', 'exporter')
),

partial_breakdowns as (
    select
        source,
        reported_by,
        reporter_iso3,
        hs_code,
        year,
    from reports
    group by source, reported_by, reporter_iso3, hs_code, year
    having
        sum(value_usd) filter (where partner_iso3 = 'XWD') > 0
        and coalesce(sum(value_usd) filter (where partner_iso3 <> 'XWD'), 0)
        < 0.95 * sum(value_usd) filter (where partner_iso3 = 'XWD')
),

complete_flows as (
    select flows.*
    from flows
    anti join partial_breakdowns
        on
            flows.source = partial_breakdowns.source
            and flows.reported_by = partial_breakdowns.reported_by
            and flows.hs_code = partial_breakdowns.hs_code
            and flows.year = partial_breakdowns.year
            and partial_breakdowns.reporter_iso3
            = case when flows.reported_by = 'importer' then flows.importer_iso3 else flows.exporter_iso3 end
),

bilateral as (
    select flows.*
    from complete_flows as flows
    inner join countries as exporters
        on flows.exporter_iso3 = exporters.iso3 and exporters.is_country
    inner join countries as importers
        on flows.importer_iso3 = importers.iso3 and importers.is_country
    where flows.exporter_iso3 <> flows.importer_iso3
),

six_digit_present as (
    select distinct
        source,
        year,
        left(hs_code, 4) as heading,
    from bilateral
    where code_level = 6
),

mapped as (
    select
        bilateral.*,
        codes.mineral,
        codes.stage,
    from bilateral
    {{ join_mapped_codes('bilateral', 'codes', 'converted') }}
    left join six_digit_present
        on
            bilateral.code_level = 4
            and bilateral.source = six_digit_present.source
            and bilateral.year = six_digit_present.year
            and bilateral.hs_code = six_digit_present.heading
    where six_digit_present.heading is null
),

by_basis as (
    select
        *,
        'value_usd' as basis,
        value_usd as amount
    from mapped
    where value_usd is not null
    union all
    select
        *,
        'quantity_t' as basis,
        quantity_t as amount
    from mapped
    where quantity_t is not null
),

mirror_ranked as (
    select
        *,
        min(case reported_by when 'importer' then 1 when 'reconciled' then 1 else 2 end)
            over (partition by source, importer_iso3, hs_code, year, basis) as best_report,
        case reported_by when 'importer' then 1 when 'reconciled' then 1 else 2 end as report_rank,
    from by_basis
),

final as (
    select
        source,
        source_vintage,
        reported_by,
        year,
        hs_version,
        hs_code,
        exporter_iso3,
        importer_iso3,
        mineral,
        stage,
        basis,
        amount,
        source_file,
        source_line,
    from mirror_ranked
    where report_rank = best_report
)

select * from final
