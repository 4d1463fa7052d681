"""The fault points (lib/faults.py) and the one-run-per-warehouse lock (lib/runlock.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipelines.lib import faults
from pipelines.lib.runlock import WarehouseBusy, lock_path, warehouse_lock
from pipelines.lib.settings import REPO_ROOT


def _python(code: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO_ROOT,
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, **kwargs)


def test_a_fault_point_does_nothing_unless_named(monkeypatch):
    monkeypatch.delenv(faults.FAULT_POINT_VARIABLE, raising=False)
    faults.fault_point("publish.switched")
    monkeypatch.setenv(faults.FAULT_POINT_VARIABLE, "publish.pruning")
    faults.fault_point("publish.switched")  # another point: goes on
    monkeypatch.setenv(faults.FAULT_POINT_VARIABLE, "publish.switched:3")
    monkeypatch.setattr(faults, "_reached", {})
    faults.fault_point("publish.switched")  # the first and second time: goes on
    faults.fault_point("publish.switched")
    assert faults._reached == {"publish.switched": 2}
    monkeypatch.setenv(faults.FAULT_POINT_VARIABLE, "dbt.model_built/marts__supplier_shares:2")
    faults.fault_point("dbt.model_built", "marts__supplier_shares")
    faults.fault_point("dbt.model_built", "marts__value_chain_dependency")  # another model: not counted
    faults.fault_point("dbt.model_built")
    assert faults._reached["dbt.model_built/marts__supplier_shares"] == 1


def test_a_named_fault_point_kills_the_process_group_with_sigkill(tmp_path):
    marker = tmp_path / "marker"
    # the process starts a child (as a run starts dbt) and reaches the point twice; it dies the second time
    process = _python("""
        import subprocess, sys
        from pipelines.lib.faults import fault_point
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        print(child.pid, flush=True)
        fault_point("ingest.reference_table")
        fault_point("ingest.reference_table")
        print("still alive", flush=True)
    """, env={faults.FAULT_POINT_VARIABLE: "ingest.reference_table:2", faults.FAULT_MARKER_VARIABLE: str(marker)})
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert "still alive" not in stdout
    assert marker.read_text() == "fault point reached: ingest.reference_table (2)\n"
    assert "fault point reached: ingest.reference_table (2)" in stderr
    child = int(stdout.split()[0])
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and "zombie" not in Path(f"/proc/{child}/status").read_text():
        assert time.monotonic() < deadline, "the child outlived the killed process"
        time.sleep(0.05)


def test_a_second_run_on_the_warehouse_is_refused_with_the_holders_pid(tmp_path):
    warehouse = tmp_path / "warehouse" / "minerals.duckdb"
    holder = _python(f"""
        import time
        from pathlib import Path
        from pipelines.lib.runlock import warehouse_lock
        with warehouse_lock(Path({str(warehouse)!r})):
            print("holding", flush=True)
            time.sleep(60)
    """)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(WarehouseBusy, match=rf"another run is writing to {warehouse} \(pid {holder.pid}\)"), \
                warehouse_lock(warehouse):
            pass
    finally:
        os.killpg(holder.pid, signal.SIGKILL)  # a killed holder leaves no stale lock
        holder.wait()
    with warehouse_lock(warehouse) as path:
        assert path == lock_path(warehouse) and path.read_text().strip() == str(os.getpid())
    assert path.read_text() == ""  # released: the file no longer names a holder
