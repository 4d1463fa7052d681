-- The dependencies no cooperation partner covers at all (covered_share = 0 in
-- cooperation_coverage), ranked within each importer, year and basis by hhi × total_imports:
-- the larger and the more concentrated the uncovered imports, the higher the rank. Amounts of
-- different years and bases are not ranked together (value and tonnes are never compared).

with

coverage as (
    select * from {{ ref('cooperation_coverage') }}
),

gaps as (
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
        hhi,
        hhi * total_imports as hhi_weighted_imports,
    from coverage
    where covered_share = 0
),

final as (
    select
        *,
        row_number() over (
            partition by importer_iso3, year, basis
            order by hhi_weighted_imports desc, mineral asc, stage asc
        ) as gap_rank,
    from gaps
)

select * from final
