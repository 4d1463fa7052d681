"""Data Docs: the validation results a check keeps are rendered by GX into the version being published,
and only there."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.lib import data_docs
from pipelines.lib.publish import list_versions, publish
from pipelines.lib.quality import suite_for, validate, validate_years

CODES = ["USA", "NOR", "CHN", "IND"]


def _document(asset: str, outcome, run_id: str = "run-1") -> dict:
    return {"asset": asset, "check": "great_expectations", "run_id": run_id, "scope": "whole table",
            "success": outcome.success, "validations": outcome.validations}


def _stored(tmp_path: Path) -> list[dict]:
    """Two checks as the asset checks store them: one passing, one failing with a reason to show."""
    good = pd.DataFrame({"hs6": ["810520"], "hs_code": ["810520"], "code_level": [6], "mineral": ["cobalt"],
                         "stage": ["processing"], "is_basket": [False], "used_in_dependency": [True]})
    flows = pd.DataFrame({
        "source": ["trademap"], "source_vintage": ["ITC"], "reported_by": ["importer"], "year": [2021],
        "hs_version": ["HS2017"], "hs_code": ["810520"], "exporter_iso3": ["NOR"], "importer_iso3": ["USA"],
        "value_usd": [None], "quantity_t": [1e11], "source_file": ["a.txt"], "source_line": [3]})
    passing = validate(good, "marts_hs_mineral_map", suite_for("hs_mineral_map", CODES), run_name="run-1")
    failing = validate_years(flows, 1, "raw_trade_flows", suite_for("trade_flows", CODES), run_name="run-1",
                             batch="years 2021-2021")
    assert not failing.success and len(failing.validations) == 2  # the years' rows, and the table's row count
    paths = [data_docs.save(data_docs.results_path(tmp_path / "w.duckdb", "run-1", *asset.split("/")),
                            _document(asset, outcome))
             for asset, outcome in (("marts/hs_mineral_map", passing), ("raw/trade_flows", failing))]
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        "validation_results/run-1/marts.hs_mineral_map.json", "validation_results/run-1/raw.trade_flows.json"]
    return [data_docs.load(p) for p in paths]


def _pages(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}


def test_stored_results_render_as_data_docs_with_suites_reasons_and_results(tmp_path):
    documents = _stored(tmp_path)
    site = tmp_path / "docs"
    listed = data_docs.build(site, documents)

    assert listed["suites"] == ["marts_hs_mineral_map", "raw_trade_flows", "raw_trade_flows_table"]
    assert listed["validation_results"] == 3
    assert [(c["asset"], c["success"]) for c in listed["checks"]] == [("marts/hs_mineral_map", True),
                                                                      ("raw/trade_flows", False)]
    index = (site / "index.html").read_text(encoding="utf-8")
    for suite in listed["suites"]:
        assert suite in index
    pages = _pages(site)
    # the index links each suite's page (expectations with their reasons) and each validation result
    links = set(re.findall(r'href="([^"#]+\.html)"', index)) | set(re.findall(r"_table_row_link_path': '([^']+)'", index))
    assert "expectations/raw_trade_flows.html" in links
    assert {link for link in links if link.startswith("validations/")} == {
        name for name in pages if name.startswith("validations/")}
    assert any(link.startswith("validations/raw_trade_flows/run-1/") for link in links)
    suite_page = pages["expectations/raw_trade_flows.html"]
    assert "no bilateral mineral flow reaches 10 billion tonnes" in suite_page
    assert "HS codes are 4- or 6-digit strings with leading zeros kept" in suite_page
    failed_page = next(text for name, text in pages.items() if name.startswith("validations/raw_trade_flows/run-1/")
                       and "years_2021-2021" in name)
    assert "quantity_t" in failed_page and "Failed" in failed_page
    # nothing outside the site folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "validation_results"]

    with pytest.raises(FileExistsError):
        data_docs.build(site, documents)


def _warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema raw")
    con.execute("create table marts.supplier_shares as select range as id from range(3)")
    con.execute("create table raw.quarantine as select 'x' as reason")
    con.close()


TABLES = {"supplier_shares": "marts.supplier_shares", "quarantine": "raw.quarantine"}


def test_data_docs_are_published_inside_the_version_and_listed_in_the_manifest(tmp_path):
    documents = _stored(tmp_path)
    _warehouse(tmp_path / "w.duckdb")
    out = tmp_path / "pub"
    result = publish(tmp_path / "w.duckdb", out, TABLES, data_docs=lambda folder: data_docs.build(folder, documents))
    manifest = json.loads((out / "publication.json").read_text())
    assert manifest["data_docs"]["index"] == "data_docs/index.html"
    assert manifest["data_docs"]["suites"] == ["marts_hs_mineral_map", "raw_trade_flows", "raw_trade_flows_table"]
    assert (result.version_dir / "data_docs" / "index.html").is_file()
    assert (out / "latest" / "data_docs" / "index.html").read_bytes() == (
        result.version_dir / "data_docs" / "index.html").read_bytes()
    assert sorted(p.name for p in out.iterdir()) == ["latest", "minerals.duckdb", "parquet", "publication.json",
                                                     "versions"]


def test_a_data_docs_failure_publishes_nothing(tmp_path):
    _warehouse(tmp_path / "w.duckdb")
    out = tmp_path / "pub"
    first = publish(tmp_path / "w.duckdb", out, TABLES)
    assert first.manifest["data_docs"] is None

    def broken(folder: Path) -> dict:
        folder.mkdir()
        (folder / "index.html").write_text("half a site")
        raise RuntimeError("renderer failed")

    with pytest.raises(RuntimeError, match="renderer failed"):
        publish(tmp_path / "w.duckdb", out, TABLES, data_docs=broken)
    assert list_versions(out) == [first.version]
    assert not [p for p in (out / "versions").iterdir() if p.name.startswith(".tmp-")]
    assert not list(out.rglob("data_docs"))


def test_prune_keeps_referenced_and_running_runs(tmp_path):
    root = tmp_path / "validation_results"
    for run in ("old", "kept", "running"):
        (root / run).mkdir(parents=True)
        (root / run / "raw.trade_flows.json").write_text("{}")
    removed = data_docs.prune(root, keep={"kept"}, active=lambda run_id: run_id == "running")
    assert removed == ["old"] and sorted(p.name for p in root.iterdir()) == ["kept", "running"]
    assert data_docs.prune(tmp_path / "missing", keep=set(), active=lambda run_id: False) == []
