"""Shared fixtures: a small real-format input folder and isolated output paths."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipelines.lib.settings import REPO_ROOT, Settings

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixture_inputs(tmp_path: Path) -> Path:
    """A copy of tests/fixtures/inputs: a few real Trade Map files, a BACI extract subset,
    one Comtrade response, the US/China Comtrade copper rows (without 2023, which a test adds as a
    new year), the USGS cobalt and lithium rows with US copper net import reliance, the MCS 2023
    copper world table, and the shipped announcements."""
    inputs = tmp_path / "inputs"
    shutil.copytree(FIXTURES / "inputs", inputs)
    if not (inputs / "announcements").exists():
        shutil.copytree(REPO_ROOT / "data" / "inputs" / "announcements", inputs / "announcements")
    return inputs


@pytest.fixture
def pipeline_settings(tmp_path: Path, fixture_inputs: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point the whole pipeline (Dagster and dbt) at the fixture inputs and temporary outputs."""
    monkeypatch.setenv("MINERALS_INPUT_DIR", str(fixture_inputs))
    monkeypatch.setenv("MINERALS_WAREHOUSE", str(tmp_path / "warehouse" / "minerals.duckdb"))
    monkeypatch.setenv("MINERALS_PUBLISH_DIR", str(tmp_path / "published"))
    return Settings.from_env()
