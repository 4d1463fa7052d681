{{ yearly_incremental() }}

-- How concentrated each importer's supply is, per mineral, stage, year and basis.

with

shares as (
    select * from {{ ref('supplier_shares') }}
    {{ year_window_filter() }}
),

final as (
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
        sum(share * share) as hhi,
    from shares
    group by importer_iso3, mineral, stage, year, basis
)

select * from final
