"""CountryMatcher: name variants, countries.csv names, pycountry lookups, trade codes."""

from __future__ import annotations

import csv

import pytest

from pipelines.lib.countries import CountryMatcher, normalise_name
from pipelines.lib.settings import REFERENCE_DIR


@pytest.fixture(scope="module")
def matcher() -> CountryMatcher:
    return CountryMatcher.from_reference()


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        # Trade Map spellings
        ("Taipei, Chinese", "TWN"),
        ('"Hong Kong, China"', "HKG"),
        ("Macao, China", "MAC"),
        ("Congo, Democratic Republic of the", "COD"),
        ("Congo", "COG"),
        ("Korea, Republic of", "KOR"),
        ("Korea, Democratic People's Republic of", "PRK"),
        ("Bolivia, Plurinational State of", "BOL"),
        ("Macedonia, North", "MKD"),
        ("Libya, State of", "LBY"),
        ("Turkey", "TUR"),
        ("Türkiye", "TUR"),
        ("Czech Republic", "CZE"),
        ("Côte d'Ivoire", "CIV"),
        # USGS spellings
        ("Congo (Kinshasa)", "COD"),
        ("Burma", "MMR"),
        ("Korea, North", "PRK"),
        ("Laos", "LAO"),
        ("Russia", "RUS"),
        ("Vietnam", "VNM"),
        ("Côte d\u2019Ivoire", "CIV"),  # curly apostrophe as in the USGS file
        ("United States", "USA"),
        # aggregates
        ("World", "XWD"),
        ("Total", "XWD"),
        ("World total", "XWD"),
        ("Other countries", "XOT"),
        ("Area Nes", "XNS"),
        ("Asia not elsewhere specified", "XAS"),
        ("Europe Othr. Nes", "XEN"),
        ("European Union Nes", "XEU"),
        ("Free Zones", "XFZ"),
        ("Ship stores and bunkers", "XBK"),
        ("Special categories", "XSC"),
    ],
)
def test_match_known_names(matcher: CountryMatcher, name: str, iso3: str) -> None:
    assert matcher.match(name) == iso3


@pytest.mark.parametrize("name", ["  taipei,   CHINESE ", "\u00a0Taipei, Chinese\t", '"Taipei, Chinese"'])
def test_match_normalises_case_spaces_and_quotes(matcher: CountryMatcher, name: str) -> None:
    assert matcher.match(name) == "TWN"


@pytest.mark.parametrize("name", ["Belgiuml", "Atlantis", "", "   ", None, "NA", "Belgium-ish"])
def test_unknown_names_do_not_match(matcher: CountryMatcher, name: str | None) -> None:
    assert matcher.match(name) is None


def test_kind_and_aggregates(matcher: CountryMatcher) -> None:
    assert matcher.kind("USA") == "country"
    assert matcher.kind("EUU") == "union"
    assert matcher.kind("SUN") == "historical"
    assert matcher.kind("XWD") == "aggregate"
    assert matcher.kind("QQQ") is None
    assert matcher.is_aggregate("XWD") and matcher.is_aggregate("XAS")
    assert not matcher.is_aggregate("EUU")
    assert not matcher.is_aggregate("USA")
    assert not matcher.is_aggregate("QQQ")


@pytest.mark.parametrize(
    ("code", "iso3"),
    [
        (842, "USA"),
        ("699", "IND"),
        (490, "XAS"),
        (0, "XWD"),
        ("0", "XWD"),
        (58, "BEL"),
        (711, "XSA"),
        (899, "XNS"),
    ],
)
def test_from_trade_code(matcher: CountryMatcher, code: int | str, iso3: str) -> None:
    assert matcher.from_trade_code(code) == iso3


@pytest.mark.parametrize("code", [9999, "abc", None, "", 250])
def test_from_trade_code_unknown(matcher: CountryMatcher, code: int | str | None) -> None:
    # 250 (ISO numeric for France) is not a BACI/Comtrade code: they use 251
    assert matcher.from_trade_code(code) is None


def test_from_trade_iso3(matcher: CountryMatcher) -> None:
    assert matcher.from_trade_iso3("S19") == "XAS"
    assert matcher.from_trade_iso3("ZA1") == "XSA"
    assert matcher.from_trade_iso3("usa") == "USA"
    assert matcher.from_trade_iso3("W00") == "XWD"
    assert matcher.from_trade_iso3("QQQ") is None


def test_variants_take_precedence_over_names() -> None:
    countries = [
        {"iso3": "COG", "name": "Congo", "official_name": "Congo", "kind": "country"},
        {"iso3": "COD", "name": "Congo - Kinshasa", "official_name": "DR Congo", "kind": "country"},
    ]
    plain = CountryMatcher(countries)
    assert plain.match("Congo") == "COG"
    overridden = CountryMatcher(countries, variants=[{"name": "Congo", "iso3": "COD", "note": ""}])
    assert overridden.match("Congo") == "COD"


def test_pycountry_result_outside_countries_file_is_rejected() -> None:
    only_france = CountryMatcher([{"iso3": "FRA", "name": "France", "official_name": "", "kind": "country"}])
    assert only_france.match("French Republic") == "FRA"  # pycountry official name
    assert only_france.match("Germany") is None  # pycountry knows it, the project code list does not


def test_bad_reference_rows_raise() -> None:
    countries = [{"iso3": "FRA", "name": "France", "official_name": "", "kind": "country"}]
    with pytest.raises(ValueError, match="unknown kind"):
        CountryMatcher([{"iso3": "FRA", "name": "France", "official_name": "", "kind": "state"}])
    with pytest.raises(ValueError, match="unknown code"):
        CountryMatcher(countries, variants=[{"name": "Gaul", "iso3": "GAU", "note": ""}])
    with pytest.raises(ValueError, match="unknown code"):
        CountryMatcher(countries, trade_codes=[{"code": "251", "iso3": "FRX", "source_iso3": "FRA"}])


def test_variants_file_is_consistent() -> None:
    with (REFERENCE_DIR / "country_name_variants.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and set(rows[0]) == {"name", "iso3", "note"}
    keys = [normalise_name(row["name"]) for row in rows]
    assert len(keys) == len(set(keys)), "a name appears twice after normalisation"
    assert "belgiuml" not in keys
