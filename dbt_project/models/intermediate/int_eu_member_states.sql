-- The member states of the European Union (EUU) and the years at whose end (31 December) they
-- were members: Croatia joined on 1 July 2013; the United Kingdom left on 31 January 2020, so
-- 2019 is its last year. An instrument the EU is party to stands for these states.

with

final as (
    select
        eu_members.iso3::varchar as iso3,
        eu_members.first_year::integer as first_year,
        eu_members.last_year::integer as last_year,
    from (
        values
        ('AUT', 1995, null), ('BEL', 1958, null), ('BGR', 2007, null), ('CYP', 2004, null),
        ('CZE', 2004, null), ('DEU', 1958, null), ('DNK', 1973, null), ('ESP', 1986, null),
        ('EST', 2004, null), ('FIN', 1995, null), ('FRA', 1958, null), ('GRC', 1981, null),
        ('HRV', 2013, null), ('HUN', 2004, null), ('IRL', 1973, null), ('ITA', 1958, null),
        ('LTU', 2004, null), ('LUX', 1958, null), ('LVA', 2004, null), ('MLT', 2004, null),
        ('NLD', 1958, null), ('POL', 2004, null), ('PRT', 1986, null), ('ROU', 2007, null),
        ('SVK', 2004, null), ('SVN', 2004, null), ('SWE', 1995, null), ('GBR', 1973, 2019)
    ) as eu_members (iso3, first_year, last_year)
)

select * from final
