{{ yearly_incremental(after=1) }}

-- How concentrated each importer's supply is, per mineral, stage, year and basis, and how that
-- changed since the previous year. A build of years a..b also rebuilds year b + 1 (when it
-- exists), whose change columns compare with year b.

with

shares as (
    select * from {{ ref('supplier_shares') }}
    {{ year_window_filter(before=1, after=1) }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by importer_iso3, mineral, stage, year, basis
            order by share desc, exporter_iso3 asc
        ) as supplier_rank,
    from shares
),

indicators as (
    select
        importer_iso3,
        mineral,
        stage,
        year,
        basis,
        any_value(source) as source,
        sum(amount) as total_imports,
        count(*) as n_suppliers,
        arg_max(exporter_iso3, share) as top_supplier_iso3,
        max(share) as top_supplier_share,
        least(sum(share) filter (where supplier_rank <= 3), 1.0) as top3_share,  -- rounding can pass 1
        sum(share * share) as hhi,
    from ranked
    group by importer_iso3, mineral, stage, year, basis
),

with_previous as (
    select
        current_year.*,
        previous_year.source as previous_source,
        previous_year.total_imports as previous_total_imports,
        previous_year.hhi as previous_hhi,
        previous_year.top3_share as previous_top3_share,
        previous_year.top_supplier_share as previous_top_supplier_share,
        previous_year.top_supplier_iso3 as previous_top_supplier_iso3,
    from indicators as current_year
    left join indicators as previous_year
        on
            current_year.importer_iso3 = previous_year.importer_iso3
            and current_year.mineral = previous_year.mineral
            and current_year.stage = previous_year.stage
            and current_year.basis = previous_year.basis
            and current_year.year = previous_year.year + 1
            and current_year.source = previous_year.source
),

final as (
    select
        importer_iso3,
        mineral,
        stage,
        year,
        basis,
        source,
        total_imports,
        n_suppliers,
        top_supplier_iso3,
        top_supplier_share,
        top3_share,
        hhi,
        previous_total_imports is not null as has_previous_year,
        case
            when previous_total_imports > 0 then total_imports / previous_total_imports - 1
        end as total_imports_change,
        hhi - previous_hhi as hhi_change,
        top3_share - previous_top3_share as top3_share_change,
        top_supplier_share - previous_top_supplier_share as top_supplier_share_change,
        previous_top_supplier_iso3,
    from with_previous
    {% if is_incremental() -%}
        where year between {{ year_window_bounds(0, 1) }}
    {%- endif %}
)

select * from final
