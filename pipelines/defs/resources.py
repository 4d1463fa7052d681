"""Resources shared by the assets: where inputs, warehouse and publication live, and dbt."""


import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

from pipelines.lib.settings import DBT_PROJECT_DIR, Settings

WAREHOUSE_POOL = "duckdb_warehouse"  # DuckDB allows one writing process per file

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class MineralsPaths(dg.ConfigurableResource):
    """Folders and files the pipeline uses.

    Unset fields fall back to MINERALS_INPUT_DIR, MINERALS_WAREHOUSE and
    MINERALS_PUBLISH_DIR, then to the defaults under data/. Relative paths are
    taken from the repository root.
    """

    input_dir: str | None = None
    warehouse: str | None = None
    publish_dir: str | None = None

    def settings(self) -> Settings:
        return Settings.from_env(self.input_dir, self.warehouse, self.publish_dir)




def _dbt_executable() -> str:
    """The dbt installed beside this interpreter (the project venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def build_resources() -> dict[str, dg.ConfigurableResource]:
    """The resources every asset and check may ask for."""
    return {
        "paths": MineralsPaths(),
        "dbt": DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR),
                              dbt_executable=_dbt_executable()),
    }
