"""UN Comtrade API v1 reader on a trimmed real response."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipelines.lib.comtrade import CLASSIFICATIONS, comtrade_files, read_comtrade
from pipelines.lib.countries import CountryMatcher
from pipelines.lib.frames import FLOW_COLUMNS, QUARANTINE_COLUMNS

FIXTURES = Path(__file__).parents[1] / "fixtures" / "readers"
REAL_2024 = FIXTURES / "comtrade" / "china_imports_2846" / "2024.json"


@pytest.fixture(scope="module")
def matcher() -> CountryMatcher:
    return CountryMatcher.from_reference()


def test_real_response(matcher: CountryMatcher) -> None:
    flows, quarantine, stats = read_comtrade([REAL_2024], matcher, FIXTURES)
    assert list(flows.columns) == FLOW_COLUMNS
    assert list(quarantine.columns) == QUARANTINE_COLUMNS and quarantine.empty
    # record 3 is a breakdown by second partner (partner2Code 156): not a total, filtered out
    assert flows["source_line"].tolist() == [1, 2, 4]
    assert flows["exporter_iso3"].tolist() == ["XWD", "AUT", "MMR"]
    assert set(flows["importer_iso3"]) == {"CHN"}
    assert set(flows["reported_by"]) == {"importer"}
    assert set(flows["hs_version"]) == {"HS2022"} and set(flows["hs_code"]) == {"2846"}
    myanmar = flows.iloc[2]
    assert myanmar.year == 2024
    assert myanmar.value_usd == 817835388.0
    assert myanmar.quantity_t == pytest.approx(44365.512)  # netWgt kg -> t
    assert myanmar.source_file == "comtrade/china_imports_2846/2024.json"
    assert stats == {
        "files_read": 1,
        "files_quarantined": 0,
        "rows_read": 4,
        "rows_filtered": 1,
        "rows_kept": 3,
        "cells_without_quantity": 0,
        "rows_quarantined": 0,
        "quarantine_reasons": {},
    }


def test_broken_files_are_quarantined_and_others_flow(tmp_path: Path, matcher: CountryMatcher) -> None:
    shutil.copy(REAL_2024, tmp_path / "2024.json")
    (tmp_path / "2023.json").write_text(
        '{"elapsedTime":"0.1 secs","count":1,"data":[{"refYear":', encoding="utf-8"
    )
    (tmp_path / "2022.json").write_text(
        json.dumps({"elapsedTime": "0.0 secs", "count": 0, "data": [], "error": "Too many requests"}),
        encoding="utf-8",
    )
    (tmp_path / "2021.json").write_text(
        json.dumps({"statusCode": 429, "message": "Rate limit"}), encoding="utf-8"
    )
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    files = comtrade_files(tmp_path)
    assert [f.name for f in files] == ["2021.json", "2022.json", "2023.json", "2024.json"]
    flows, quarantine, stats = read_comtrade(files, matcher, tmp_path)
    assert len(flows) == 3
    assert quarantine["source_line"].tolist() == [0, 0, 0]
    assert quarantine["source_file"].tolist() == ["2021.json", "2022.json", "2023.json"]
    reasons = quarantine["reason"].tolist()
    assert reasons[0] == "response has no 'data' list"
    assert reasons[1] == "API returned an error: Too many requests"
    assert reasons[2].startswith("invalid JSON: ")
    assert quarantine["record"].iloc[2] == '{"elapsedTime":"0.1 secs","count":1,"data":[{"refYear":'
    assert stats["files_quarantined"] == 3


def record(**changes: object) -> dict:
    base = {
        "refYear": 2005,
        "reporterCode": 156,
        "reporterISO": "CHN",
        "flowCode": "M",
        "partnerCode": 842,
        "partnerISO": "USA",
        "partnerDesc": "USA",
        "partner2Code": 0,
        "classificationCode": "H2",
        "cmdCode": "2846",
        "customsCode": "C00",
        "motCode": 0,
        "qtyUnitCode": 8,
        "qty": 1500.0,
        "netWgt": 1500.0,
        "primaryValue": 2000.0,
    }
    return {**base, **changes}


def test_record_rules(tmp_path: Path, matcher: CountryMatcher) -> None:
    data = [
        record(),  # 1 kept
        record(flowCode="X", classificationCode="H0", netWgt=None, qtyUnitCode=-1),  # 2 export, no weight
        record(customsCode="C01"),  # 3 filtered
        record(motCode=1000),  # 4 filtered
        record(partnerCode=9999, partnerDesc="Atlantis"),  # 5 unknown partner
        record(primaryValue=-1.0),  # 6 negative
        record(primaryValue="12"),  # 7 not a JSON number
        record(classificationCode="S4"),  # 8 SITC, not HS
        record(flowCode="RX"),  # 9 re-export flow, not handled
        record(partnerCode=490, partnerISO="S19"),  # 10 Other Asia, nes -> XAS
    ]
    path = tmp_path / "2005.json"
    path.write_text(json.dumps({"elapsedTime": "0 secs", "count": len(data), "data": data, "error": ""}))
    flows, quarantine, stats = read_comtrade([path], matcher, tmp_path)
    got = flows.set_index("source_line")
    assert got.loc[1, ["exporter_iso3", "importer_iso3", "reported_by", "hs_version"]].tolist() == [
        "USA",
        "CHN",
        "importer",
        "HS2002",
    ]
    assert got.loc[1, "quantity_t"] == 1.5
    assert got.loc[2, ["exporter_iso3", "importer_iso3", "reported_by", "hs_version"]].tolist() == [
        "CHN",
        "USA",
        "exporter",
        "HS1992",
    ]
    assert math.isnan(got.loc[2, "quantity_t"])
    assert got.loc[10, "exporter_iso3"] == "XAS"
    assert sorted(got.index) == [1, 2, 10]
    assert dict(zip(quarantine["source_line"], quarantine["reason"], strict=True)) == {
        5: "unknown partner code 9999 ('Atlantis')",
        6: "negative primaryValue or netWgt",
        7: "non-numeric value or weight: '12' is not a number",
        8: "unknown classificationCode 'S4'",
        9: "unknown flowCode 'RX'",
    }
    assert json.loads(quarantine["record"].iloc[0])["partnerCode"] == 9999
    assert stats["rows_filtered"] == 2 and stats["cells_without_quantity"] == 1


def test_classification_codes() -> None:
    assert CLASSIFICATIONS == {
        "H0": "HS1992",
        "H1": "HS1996",
        "H2": "HS2002",
        "H3": "HS2007",
        "H4": "HS2012",
        "H5": "HS2017",
        "H6": "HS2022",
    }


def test_empty_input(matcher: CountryMatcher) -> None:
    flows, quarantine, stats = read_comtrade([], matcher)
    assert isinstance(flows, pd.DataFrame) and flows.empty and list(flows.columns) == FLOW_COLUMNS
    assert quarantine.empty and stats["rows_kept"] == 0


# --- CSV in the API's layout (real rows of the shipped US/China file, plus one nickel row) ---
CSV_FILE = FIXTURES / "comtrade_csv" / "copper_trade_data.csv"


def test_api_layout_csv(matcher: CountryMatcher) -> None:
    flows, quarantine, stats = read_comtrade([CSV_FILE], matcher, FIXTURES)
    assert quarantine.empty
    # line 8 is a breakdown by mode of transport (motCode 9100): not a total
    assert stats["rows_read"] == 7 and stats["rows_filtered"] == 1
    assert flows["source_line"].tolist() == [2, 3, 4, 5, 6, 7]  # physical lines of the file
    first = flows.iloc[0]
    assert (first.exporter_iso3, first.importer_iso3, first.reported_by) == ("XWD", "USA", "importer")
    assert (first.hs_code, first.hs_version, first.year) == ("7402", "HS2017", 2020)
    # netWgt 0 with the weight given as qty in kilograms (qtyUnitCode 8): the quantity is used
    assert first.quantity_t == pytest.approx(282.303)
    assert first.value_usd == 2101337.0
    exports_2023 = flows.iloc[2]
    assert (exports_2023.exporter_iso3, exports_2023.importer_iso3) == ("USA", "XWD")
    assert exports_2023.quantity_t == pytest.approx(180093.080901)
    # 2024 imports: no weight reported (qtyUnitCode -1, netWgt empty): the quantity is unknown, not 0
    imports_2024 = flows.iloc[3]
    assert imports_2024.year == 2024 and math.isnan(imports_2024.quantity_t)
    assert imports_2024.value_usd == 8714848405.0


def test_zero_weight_with_a_value_is_not_a_zero_quantity(matcher: CountryMatcher, tmp_path: Path) -> None:
    lines = CSV_FILE.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = dict(zip(header, lines[1].split(","), strict=True))
    row.update(qtyUnitCode="-1", qty="", netWgt="0.0")
    path = tmp_path / "zero.csv"
    path.write_text(lines[0] + "\n" + ",".join(row[h] for h in header) + "\n", encoding="utf-8")
    flows, _, _ = read_comtrade([path], matcher, tmp_path)
    assert math.isnan(flows.iloc[0].quantity_t)


def test_csv_problems_are_quarantined_with_line_and_reason(matcher: CountryMatcher, tmp_path: Path) -> None:
    lines = CSV_FILE.read_text(encoding="utf-8").splitlines()
    short = ",".join(lines[2].split(",")[:10])
    bad_value = lines[3].replace(",180093080.901,True,", ",lots,True,", 1)
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([lines[0], lines[1], short, bad_value]) + "\n", encoding="utf-8")
    flows, quarantine, _ = read_comtrade([path], matcher, tmp_path)
    assert flows["source_line"].tolist() == [2]
    reasons = dict(zip(quarantine["source_line"], quarantine["reason"], strict=True))
    assert reasons[3] == f"row has 10 fields, header has {len(lines[0].split(','))}"
    assert "non-numeric value or weight" in reasons[4]
    repeated = tmp_path / "repeated.csv"
    repeated.write_text(lines[0] + ",netWgt\n" + lines[1] + ",1\n", encoding="utf-8")
    flows, quarantine, stats = read_comtrade([repeated], matcher, tmp_path)
    assert flows.empty and stats["files_quarantined"] == 1
    assert "repeats column(s) ['netWgt']" in quarantine.iloc[0]["reason"]


def test_only_csv_files_in_the_api_layout_are_responses(tmp_path: Path) -> None:
    shutil.copy(CSV_FILE, tmp_path / "copper.csv")
    (tmp_path / "country_codes_V202601.csv").write_text("country_code,country_name,country_iso2,country_iso3\n")
    (tmp_path / "notes.csv").write_text("reporterCode,comment\n842,not a response\n")
    assert [p.name for p in comtrade_files(tmp_path)] == ["copper.csv"]
