-- USGS figures in tonnes per mineral, stage, statistic (production or reserves), year and country,
-- of the series usgs_series.csv declares (one per mineral, stage and statistic, with its basis), so
-- different products or bases (alumina and aluminum, ore and oxide content) are never summed. Where
-- several editions give a year, the latest edition is used for every country of that year. Withheld
-- (W) and not-available values carry no number and are left out; "Other countries" is kept under its
-- own code (XOT) so world totals stay whole; the World total row (XWD) is left out.

with

usgs as (
    select * from {{ ref('stg_raw__usgs_production') }}
),

series as (
    select * from {{ ref('stg_raw__usgs_series') }}
),

measured as (
    select
        usgs.*,
        series.series,
        series.basis,
        series.content,
    from usgs
    inner join series
        on
            usgs.mineral = series.mineral
            and usgs.stage = series.stage
            and usgs.statistic = series.statistic
            and lower(regexp_replace(usgs.statistics_detail, '[,:]? ?rounded$', '')) = series.measure_key
    where usgs.value_t is not null and usgs.iso3 <> 'XWD'
),

latest_edition as (
    select *
    from measured
    qualify edition = max(edition) over (partition by mineral, stage, statistic, year)
),

final as (
    select
        mineral,
        stage,
        statistic,
        year,
        iso3,
        edition,
        series,
        basis,
        content,
        any_value(unit) as unit,
        sum(value_t) as value_t,
    from latest_edition
    group by mineral, stage, statistic, year, iso3, edition, series, basis, content
)

select * from final
