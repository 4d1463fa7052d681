-- coverage_gaps holds exactly the rows of cooperation_coverage with covered_share = 0.
-- Fails for every dependency that is in one and not the other. Shown in Dagster as a check of
-- coverage_gaps.

{{ config(meta={'dagster': {'ref': {'name': 'coverage_gaps'}}}) }}

with

uncovered as (
    select
        importer_iso3,
        mineral,
        stage,
        year,
        basis,
    from {{ ref('cooperation_coverage') }}
    where covered_share = 0
),

gaps as (
    select
        importer_iso3,
        mineral,
        stage,
        year,
        basis,
    from {{ ref('coverage_gaps') }}
),

missing as (
    select * from uncovered
    except
    select * from gaps
),

extra as (
    select * from gaps
    except
    select * from uncovered
)

select
    'missing from coverage_gaps' as problem,
    importer_iso3,
    mineral,
    stage,
    year,
    basis,
from missing
union all
select
    'not uncovered' as problem,
    importer_iso3,
    mineral,
    stage,
    year,
    basis,
from extra
