import zipfile

import pytest

from pipelines.lib import trade
from pipelines.lib.countries import CountryMatcher
from pipelines.lib.settings import REFERENCE_DIR


@pytest.fixture(scope="module")
def matcher():
    return CountryMatcher.from_reference()


def _release_zip(path, years):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("country_codes_V202401b.csv", (REFERENCE_DIR / "baci_country_codes_V202601.csv").read_text())
        bundle.writestr("product_codes_HS17_V202401b.csv", "code,description\n810520,Cobalt mattes\n")
        for year in years:
            bundle.writestr(f"BACI_HS17_Y{year}_V202401b.csv",
                            f"t,i,j,k,v,q\n{year},579,842,810520,10.5,2\n{year},999,842,810520,1,1\n")


def test_a_release_archive_is_read_without_extracting_it_by_hand(tmp_path, matcher):
    _release_zip(tmp_path / "BACI_HS17_V202401b.zip", [2021, 2022])
    frames, quarantined, stats = trade.read_all(tmp_path, matcher, years=(2022, 2022))
    [flows] = frames
    assert flows[["year", "exporter_iso3", "importer_iso3", "hs_code", "value_usd", "quantity_t"]].values.tolist() == [
        [2022, "NOR", "USA", "810520", 10500.0, 2.0]]
    assert flows["source_file"].tolist() == ["BACI_HS17_V202401b.zip/BACI_HS17_Y2022_V202401b.csv"]
    [quarantine] = quarantined
    assert quarantine["source_line"].tolist() == [3] and "999" in quarantine["reason"].iloc[0]
    assert stats["files_read"] == ["BACI_HS17_V202401b.zip"]


def test_a_damaged_archive_is_quarantined_and_others_still_flow(tmp_path, matcher):
    (tmp_path / "BACI_HS17_V999.zip").write_bytes(b"PK\x03\x04 not really a zip")
    _release_zip(tmp_path / "BACI_HS17_V202401b.zip", [2022])
    frames, quarantined, _ = trade.read_all(tmp_path, matcher)
    assert sum(len(f) for f in frames) == 1
    reasons = [r for q in quarantined for r in q["reason"]]
    assert any("unreadable BACI archive" in r for r in reasons)
