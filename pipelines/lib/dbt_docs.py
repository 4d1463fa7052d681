"""The dbt documentation of the warehouse as one self-contained page, for each published version.

`dbt docs generate --static --no-compile` reads the manifest prepared by `make manifest` (no
re-parse) and the warehouse's catalog (column types, row counts), and writes `static_index.html`,
a single HTML file with both embedded: it opens from disk without a server. The page, the manifest
and the catalog are copied into the folder given.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pipelines.lib.settings import DBT_PROJECT_DIR

FILES = {"static_index.html": "index.html", "manifest.json": "manifest.json", "catalog.json": "catalog.json"}


def dbt_executable() -> str:
    """The dbt installed beside this interpreter (the project venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def generate(warehouse: Path, out_dir: Path, *, project_dir: Path = DBT_PROJECT_DIR, timeout: float = 300) -> dict:
    """Write `index.html` (the dbt docs site in one page), `manifest.json` and `catalog.json` for the
    warehouse into `out_dir`; return what a publication manifest lists about them. Raises
    RuntimeError, with dbt's own message, when dbt fails."""
    manifest = project_dir / "target" / "manifest.json"
    if not manifest.is_file():
        raise RuntimeError(f"no dbt manifest at {manifest}: run `make manifest` first")
    with tempfile.TemporaryDirectory(prefix="dbt-docs-") as tmp:
        target = Path(tmp)
        shutil.copy2(manifest, target / "manifest.json")
        env = os.environ | {"MINERALS_WAREHOUSE": str(Path(warehouse).resolve()), "DBT_PROFILES_DIR": str(project_dir)}
        command = [dbt_executable(), "docs", "generate", "--static", "--no-compile", "--target-path", str(target)]
        done = subprocess.run(command, cwd=project_dir, env=env, capture_output=True, text=True, timeout=timeout,
                              check=False)
        missing = [name for name in FILES if not (target / name).is_file()]
        if done.returncode != 0 or missing:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            raise RuntimeError(f"dbt docs generate failed (exit {done.returncode}, missing {missing}):\n{tail}")
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, published in FILES.items():
            shutil.copy2(target / name, out_dir / published)
    catalog = json.loads((out_dir / "catalog.json").read_text())
    return {"models_in_catalog": len(catalog.get("nodes", {})), "files": sorted(FILES.values())}
