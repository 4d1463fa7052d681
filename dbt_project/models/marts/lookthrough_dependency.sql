{{ yearly_incremental() }}

-- Look-through dependency: where an importer's processed or manufactured mineral comes from
-- one stage further up the chain. Each supplier's share (supplier_shares) is passed on to the
-- origins of that supplier's own upstream material: its domestic production at the upstream
-- stage (USGS, tonnes, so on the quantity basis only) and its imports at that stage (same
-- mineral, year and basis). A supplier with no upstream data passes its share on to 'UNKNOWN'.
-- Manufacturing is also looked through two stages up, to mining: each processing-stage origin of a
-- supplier passes its part on to its own mining-stage origins in the same way.
-- Formula and rules: see the model description in _marts.yml.

with

shares as (
    select * from {{ ref('supplier_shares') }}
    {{ year_window_filter() }}
),

production as (
    select * from {{ ref('int_production_by_country') }}
),

stage_pairs as (
    select
        'processing' as stage,
        'mining' as upstream_stage,
    union all
    select
        'manufacturing' as stage,
        'processing' as upstream_stage,
),

-- share_{c,e}: the importer's suppliers at the downstream stage.
downstream as (
    select
        shares.importer_iso3,
        shares.exporter_iso3 as supplier_iso3,
        shares.mineral,
        shares.stage,
        stage_pairs.upstream_stage,
        shares.year,
        shares.basis,
        shares.share,
    from shares
    inner join stage_pairs on shares.stage = stage_pairs.stage
),

-- Countries whose upstream is needed: the suppliers at their upstream stage, and (for the second
-- step from manufacturing) every country that sells processed material to a manufacturing supplier
-- or is one, at the mining stage.
suppliers as (
    select distinct
        supplier_iso3,
        mineral,
        upstream_stage,
        year,
        basis,
    from downstream
    union
    select distinct
        second.supplier_iso3,
        second.mineral,
        'mining' as upstream_stage,
        second.year,
        second.basis,
    from (
        select
            downstream.supplier_iso3,
            downstream.mineral,
            downstream.year,
            downstream.basis,
        from downstream
        where downstream.stage = 'manufacturing'
        union
        select
            shares.exporter_iso3 as supplier_iso3,
            shares.mineral,
            shares.year,
            shares.basis,
        from shares
        inner join downstream
            on
                shares.importer_iso3 = downstream.supplier_iso3
                and shares.mineral = downstream.mineral
                and shares.year = downstream.year
                and shares.basis = downstream.basis
        where downstream.stage = 'manufacturing' and shares.stage = 'processing'
    ) as second
),

-- imports_{e,k,u}: the supplier's own imports at the upstream stage, same mineral, year and basis.
supplier_imports as (
    select
        suppliers.supplier_iso3,
        suppliers.mineral,
        suppliers.upstream_stage,
        suppliers.year,
        suppliers.basis,
        shares.exporter_iso3 as origin_iso3,
        shares.amount,
    from suppliers
    inner join shares
        on
            suppliers.supplier_iso3 = shares.importer_iso3
            and suppliers.mineral = shares.mineral
            and suppliers.upstream_stage = shares.stage
            and suppliers.year = shares.year
            and suppliers.basis = shares.basis
),

-- prod_{e,u}: the supplier's domestic production at the upstream stage, in tonnes, so on the
-- quantity basis only (there is no production value). The trade year's figure, else the latest
-- earlier year USGS gives for that country, mineral and stage; never a later year.
supplier_production as (
    select
        suppliers.supplier_iso3,
        suppliers.mineral,
        suppliers.upstream_stage,
        suppliers.year,
        suppliers.basis,
        suppliers.supplier_iso3 as origin_iso3,
        production.production_t as amount,
    from suppliers
    inner join production
        on
            suppliers.supplier_iso3 = production.iso3
            and suppliers.mineral = production.mineral
            and suppliers.upstream_stage = production.stage
            and suppliers.year >= production.year
    where suppliers.basis = 'quantity_t'
    qualify
        production.year
        = max(production.year) over (
            partition by suppliers.supplier_iso3, suppliers.mineral, suppliers.upstream_stage, suppliers.year
        )
),

upstream as (
    select * from supplier_imports
    union all
    select * from supplier_production
),

origin_amounts as (
    select
        supplier_iso3,
        mineral,
        upstream_stage,
        year,
        basis,
        origin_iso3,
        sum(amount) as amount,
    from upstream
    group by all
    having sum(amount) > 0
),

-- o_{e,k}: the supplier's upstream origins, normalised to sum 1. A supplier whose upstream
-- totals zero has no row here, so it counts as unknown (no division by zero).
origin_shares as (
    select
        supplier_iso3,
        mineral,
        upstream_stage,
        year,
        basis,
        origin_iso3,
        amount / sum(amount) over (partition by supplier_iso3, mineral, upstream_stage, year, basis) as origin_share,
    from origin_amounts
),

looked_through as (
    select
        downstream.importer_iso3,
        downstream.mineral,
        downstream.stage,
        downstream.upstream_stage,
        downstream.year,
        downstream.basis,
        downstream.supplier_iso3,
        coalesce(origin_shares.origin_iso3, 'UNKNOWN') as origin_iso3,
        downstream.share * coalesce(origin_shares.origin_share, 1) as share,
        origin_shares.origin_iso3 is not null as is_known,
    from downstream
    left join origin_shares
        on
            downstream.supplier_iso3 = origin_shares.supplier_iso3
            and downstream.mineral = origin_shares.mineral
            and downstream.upstream_stage = origin_shares.upstream_stage
            and downstream.year = origin_shares.year
            and downstream.basis = origin_shares.basis
),

-- Two stages up (manufacturing → mining): each known processing-stage origin j of supplier e
-- passes share_{c,e} × o_{e,j} on to j's own mining-stage origins; an unknown j, or a j with no
-- mining-stage data, passes it on to UNKNOWN.
two_stages as (
    select
        first_step.importer_iso3,
        first_step.mineral,
        first_step.stage,
        'mining' as upstream_stage,
        first_step.year,
        first_step.basis,
        first_step.supplier_iso3,
        coalesce(origin_shares.origin_iso3, 'UNKNOWN') as origin_iso3,
        first_step.share * coalesce(origin_shares.origin_share, 1) as share,
        origin_shares.origin_iso3 is not null as is_known,
    from looked_through as first_step
    left join origin_shares
        on
            first_step.origin_iso3 = origin_shares.supplier_iso3
            and first_step.mineral = origin_shares.mineral
            and origin_shares.upstream_stage = 'mining'
            and first_step.year = origin_shares.year
            and first_step.basis = origin_shares.basis
    where first_step.stage = 'manufacturing'
),

all_steps as (
    select * from looked_through
    union all
    select * from two_stages
),

-- Sums of products of shares can exceed 1 by a rounding error; least() keeps them in [0, 1].
effective as (
    select
        importer_iso3,
        mineral,
        stage,
        upstream_stage,
        year,
        basis,
        origin_iso3,
        least(sum(share), 1) as effective_share,
    from all_steps
    group by all
),

coverage as (
    select
        importer_iso3,
        mineral,
        stage,
        upstream_stage,
        year,
        basis,
        least(coalesce(sum(share) filter (where is_known), 0), 1) as coverage_of_data,
    from all_steps
    group by all
),

final as (
    select
        effective.importer_iso3,
        effective.mineral,
        effective.stage,
        effective.upstream_stage,
        effective.year,
        effective.basis,
        effective.origin_iso3,
        effective.effective_share,
        coverage.coverage_of_data,
    from effective
    inner join coverage
        on
            effective.importer_iso3 = coverage.importer_iso3
            and effective.mineral = coverage.mineral
            and effective.stage = coverage.stage
            and effective.upstream_stage = coverage.upstream_stage
            and effective.year = coverage.year
            and effective.basis = coverage.basis
)

select * from final
