{{ yearly_incremental() }}

-- Each importer's suppliers for a mineral, stage, year and basis, with shares.
-- One source per group: where several sources cover the same importer, mineral,
-- stage, year and basis, the preferred one is used (value: BACI release, then the
-- BACI extract, then Comtrade; quantity: Trade Map, then Comtrade, then BACI).

with

flows as (
    select * from {{ ref('int_trade_flows_mapped') }}
    {{ year_window_filter() }}
),

ranked_sources as (
    select
        *,
        case
            when basis = 'value_usd'
                then
                    case source when 'baci' then 1 when 'baci_extract' then 2 when 'comtrade' then 3 else 9 end
            else
                case source when 'trademap' then 1 when 'comtrade' then 2 when 'baci' then 3 else 9 end
        end as source_rank,
    from flows
),

preferred as (
    select *
    from ranked_sources
    qualify source_rank = min(source_rank) over (partition by importer_iso3, mineral, stage, year, basis)
),

per_supplier as (
    select
        importer_iso3,
        exporter_iso3,
        mineral,
        stage,
        year,
        basis,
        source,
        sum(amount) as amount,
    from preferred
    group by all
    having sum(amount) > 0
),

final as (
    select
        *,
        amount / sum(amount) over (partition by importer_iso3, mineral, stage, year, basis) as share,
    from per_supplier
)

select * from final
