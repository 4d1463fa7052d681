"""Security: the Comtrade API key is stored and shown nowhere, and the Dagster UI listens on localhost only.

(SQL built from data values is ruled out by tests/test_sql_safety.py.)
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import duckdb
import httpx
import pytest

from pipelines.lib import comtrade_api as api
from pipelines.lib import http
from pipelines.lib.settings import REPO_ROOT

RECORDED = REPO_ROOT / "data" / "inputs" / "trade" / "comtrade" / "china_imports_2846"
BIN = Path(sys.executable).parent


# --- the API key -----------------------------------------------------------------------------------

def _rows_with(path: Path, canary: str) -> int:
    """Rows of every table of a DuckDB file (or of a Parquet file) whose text holds `canary`. A DuckDB
    file compresses its strings, so its bytes alone do not show what it holds."""
    con = duckdb.connect(str(path) if path.suffix == ".duckdb" else ":memory:", read_only=path.suffix == ".duckdb")
    try:
        if path.suffix == ".parquet":
            return con.execute("select count(*) from read_parquet(?) as t where contains(t::varchar, ?)",
                               [str(path), canary]).fetchone()[0]
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        found = 0
        for schema, table in tables:
            quoted = f'"{schema}"."{table}"'
            assert re.fullmatch(r'"\w+"\."\w+"', quoted), quoted
            found += con.execute(f"select count(*) from {quoted} as t where contains(t::varchar, ?)",
                                 [canary]).fetchone()[0]
        return found
    finally:
        con.close()


def _leaks(roots: list[Path], canary: str) -> list[str]:
    """Every file under `roots` whose bytes hold `canary`, and every DuckDB / Parquet file whose rows do."""
    found = []
    for root in roots:
        for path in [root] if root.is_file() else sorted(root.rglob("*")):
            if not path.is_file() or path.is_symlink():
                continue
            if canary.encode() in path.read_bytes():
                found.append(f"{path}: bytes")
            elif path.suffix in (".duckdb", ".parquet") and _rows_with(path, canary):
                found.append(f"{path}: rows")
    return found


def test_the_leak_scan_finds_a_planted_key(tmp_path):
    canary = f"canary-{uuid.uuid4().hex}"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    # many similar strings: DuckDB stores them compressed, so the key's bytes are not in the file
    con.execute("create table t as select 'row ' || range || ' ' || ? as note from range(50000)", [canary])
    con.execute("copy t to ? (format parquet, compression zstd)", [str(tmp_path / "t.parquet")])
    con.close()
    (tmp_path / "log.txt").write_text(f"x {canary} y")
    (tmp_path / "clean.txt").write_text("nothing here")
    found = _leaks([tmp_path], canary)
    assert len(found) == 3 and not any("clean.txt" in f for f in found), found


def _comtrade_stand_in(canary_seen: list[str]):
    """The API as recorded (China's 2846 imports), served back; it echoes the key in a description
    for 2023 and in an error message for 2022."""

    def serve(request: httpx.Request) -> httpx.Response:
        key = request.headers.get(api.KEY_HEADER, "")
        canary_seen.append(key)
        year = request.url.params["period"]
        if year == "2022":
            return httpx.Response(401, json={"statusCode": 401, "message": f"Access denied for key {key}"})
        recorded = json.loads((RECORDED / f"{year}.json").read_text(encoding="utf-8"))
        rows = [dict(row, cmdDesc=f"{row.get('cmdDesc')} (subscription {key})") for row in recorded["data"]]
        return httpx.Response(200, json={**recorded, "count": len(rows), "data": rows})

    return functools.partial(http.fetch, transport=httpx.MockTransport(serve), sleep=lambda s: None)


@pytest.mark.e2e
def test_a_canary_api_key_appears_in_no_output(tmp_path, fixture_inputs, monkeypatch, capfd, caplog):
    canary = f"canary-{uuid.uuid4().hex}"
    monkeypatch.setenv(api.KEY_ENV, canary)

    # 1. The client downloads with the key from the environment (subscription endpoint), from a
    #    stand-in that echoes the key back; the responses go into the pipeline's input folder.
    downloads = fixture_inputs / "trade" / "comtrade" / "downloads"
    seen: list[str] = []
    code = api.main(["--reporters", "156", "--years", "2022", "2023", "--codes", "2846", "--out", str(downloads),
                     "--pause", "0"], fetch=_comtrade_stand_in(seen), sleep=lambda s: None)
    client_output = capfd.readouterr()
    assert code == 1 and seen and all(key == canary for key in seen)   # the key was really sent; 2022 failed
    assert "subscription endpoint" in client_output.out
    assert len(list(downloads.rglob("*.json"))) == 2                   # the 2023 response and the manifest

    # 2. The whole pipeline on the fixture inputs plus that download, started as `make run` starts it,
    #    with the key in its environment.
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster_instance.yaml", home / "dagster.yaml")
    warehouse, published = tmp_path / "warehouse" / "minerals.duckdb", tmp_path / "published"
    env = {**os.environ, api.KEY_ENV: canary, "DAGSTER_HOME": str(home), "MINERALS_INPUT_DIR": str(fixture_inputs),
           "MINERALS_WAREHOUSE": str(warehouse), "MINERALS_PUBLISH_DIR": str(published)}
    run = subprocess.run([sys.executable, "-m", "pipelines.run"], cwd=REPO_ROOT, env=env, capture_output=True,
                         text=True, timeout=1200)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    con = duckdb.connect(str(published / "minerals.duckdb"), read_only=True)
    try:  # the downloaded year reached the publication, description and all
        assert con.execute("select count(*) from supplier_shares where source = 'comtrade' and year = 2023 "
                           "and importer_iso3 = 'CHN'").fetchone()[0] > 0
    finally:
        con.close()
    assert any(home.rglob("*.db")), "the run was recorded in DAGSTER_HOME"

    # 3. Nowhere: warehouse (and the validation results beside it), every published file, DAGSTER_HOME
    #    (run history, event logs, compute logs), the saved responses, and everything printed or logged.
    assert _leaks([warehouse.parent, published, home, downloads], canary) == []
    printed = capfd.readouterr()
    for text in (client_output.out, client_output.err, run.stdout, run.stderr, printed.out, printed.err, caplog.text):
        assert canary not in text
    assert "***" in "".join(p.read_text() for p in downloads.rglob("*.json"))  # the echo was redacted


# --- the Dagster UI --------------------------------------------------------------------------------

def _make_recipe(target: str) -> list[str]:
    """The command lines of a Makefile target, with $(BIN) made the venv's bin folder."""
    lines = (REPO_ROOT / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"^{re.escape(target)}:", line))
    recipe = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip().replace("$(BIN)", str(BIN)))
    return recipe


def test_make_ui_binds_the_webserver_to_localhost():
    [command] = _make_recipe("ui")
    words = shlex.split(command)
    assert words[0].endswith("/dagster") and words[1] == "dev"
    assert words[words.index("-h") + 1] == "127.0.0.1"
    assert "--host" not in words and "0.0.0.0" not in command
    # no workspace or instance setting puts a server on another host
    for config in ("workspace.yaml", "dagster_instance.yaml"):
        text = (REPO_ROOT / config).read_text()
        assert not re.search(r"^\s*host\s*:", text, re.MULTILINE) and "0.0.0.0" not in text, config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening() -> dict[str, tuple[str, int]]:
    """Listening TCP sockets of this machine: inode -> (local address, port)."""
    found = {}
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != "0A":  # LISTEN
                continue
            address, port = fields[1].split(":")
            raw = bytes.fromhex(address)
            if width == 8:
                host = socket.inet_ntop(socket.AF_INET, raw[::-1])
            else:  # four little-endian 32-bit words
                host = socket.inet_ntop(socket.AF_INET6, b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4)))
            found[fields[9]] = (host, int(port, 16))
    return found


def _process_tree(root: int) -> set[int]:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(text.rsplit(")", 1)[1].split()[1])
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return tree


def _sockets_of(pids: set[int]) -> set[str]:
    inodes = set()
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    return inodes


LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads listening sockets from /proc (Linux)")
def test_the_ui_started_as_make_ui_starts_it_listens_on_localhost_only(tmp_path):
    [command] = _make_recipe("ui")
    words = shlex.split(command)
    if not Path(words[0]).exists():
        pytest.skip(f"{words[0]} is not installed")
    port = _free_port()
    words[words.index("-p") + 1] = str(port)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster_instance.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "MINERALS_WAREHOUSE": str(tmp_path / "w.duckdb"),
           "MINERALS_PUBLISH_DIR": str(tmp_path / "published")}
    log = tmp_path / "ui.log"
    with log.open("w") as output:
        server = subprocess.Popen(words, cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        ours: dict[str, tuple[str, int]] = {}
        while time.monotonic() < deadline:
            assert server.poll() is None, f"`make ui`'s command exited:\n{log.read_text()[-3000:]}"
            sockets = _sockets_of(_process_tree(server.pid))
            ours = {inode: where for inode, where in _listening().items() if inode in sockets}
            if any(p == port for _, p in ours.values()):
                break
            time.sleep(1)
        else:
            pytest.fail(f"the webserver did not listen on port {port} within 180 s:\n{log.read_text()[-3000:]}")
        time.sleep(2)  # let the other servers of `dagster dev` (code server, daemon) start too
        ours = {inode: where for inode, where in _listening().items() if inode in _sockets_of(_process_tree(server.pid))}
        on_port = [host for host, p in ours.values() if p == port]
        assert on_port and set(on_port) <= LOOPBACK, on_port
        assert {host for host, _ in ours.values()} <= LOOPBACK, f"a server of `make ui` listens beyond localhost: {ours}"
        assert httpx.get(f"http://127.0.0.1:{port}/server_info", timeout=10).status_code == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the session started above: dagster dev and its servers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
