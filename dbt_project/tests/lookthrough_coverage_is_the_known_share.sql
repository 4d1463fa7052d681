-- In lookthrough_dependency, coverage_of_data is the share of suppliers whose upstream is known,
-- so it is the same on every row of a group and equals 1 minus the group's UNKNOWN share.
-- Fails for every group where it does not.

with

lookthrough as (
    select * from {{ ref('lookthrough_dependency') }}
),

groups as (
    select
        importer_iso3,
        mineral,
        stage,
        upstream_stage,
        year,
        basis,
        min(coverage_of_data) as min_coverage,
        max(coverage_of_data) as max_coverage,
        coalesce(sum(effective_share) filter (where origin_iso3 = 'UNKNOWN'), 0) as unknown_share,
    from lookthrough
    group by importer_iso3, mineral, stage, upstream_stage, year, basis
)

select * from groups
where
    max_coverage - min_coverage > 1e-9
    or abs(max_coverage + unknown_share - 1) > 1e-9
