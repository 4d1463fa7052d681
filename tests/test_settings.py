from pathlib import Path

from pipelines.lib.settings import REPO_ROOT, Settings, resolve_path


def test_relative_paths_resolve_against_the_repo_root(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MINERALS_WAREHOUSE", "data/other.duckdb")
    monkeypatch.delenv("MINERALS_INPUT_DIR", raising=False)
    settings = Settings.from_env()
    assert settings.warehouse == REPO_ROOT / "data" / "other.duckdb"
    assert settings.input_dir == REPO_ROOT / "data" / "inputs"


def test_explicit_values_beat_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MINERALS_PUBLISH_DIR", "somewhere")
    settings = Settings.from_env(publish_dir=str(tmp_path))
    assert settings.publish_dir == tmp_path
    assert resolve_path("/abs/x") == Path("/abs/x")
    assert settings.trade_dir == settings.input_dir / "trade"
