"""A real `dagster dev` (server tier) under the usual umask 022: the instance's
storage folders are owner-only once the definitions are loaded, and a run
launched through the UI's API says in meta.runs that Dagster started it, as
which OS user and on which host (issue 11)."""

from __future__ import annotations

import getpass
import os
import socket
import stat

import duckdb
import pytest

from conftest import write_csv
from dagster_server import dagster_dev, wait_for_run
from test_dagster_ui import JOB, LAUNCH_MUTATION, _run_failure_details

pytestmark = pytest.mark.server


def test_a_ui_run_is_audited_and_the_dagster_storage_is_owner_only(tmp_path):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "sales" / "a.csv", ["客户名称,手机", "华信科技有限公司,13800138000", "宏达物流有限公司,13900139000"])
    os.utime(inbox / "sales" / "a.csv", (0, 0))  # settled: the sensor may start its own run too
    before = os.umask(0o022)
    try:
        with dagster_dev(tmp_path, inbox, tmp_path / "warehouse" / "customer_master.duckdb") as server:
            params = {"selector": {**server.repository_selector(), "jobName": JOB}, "runConfigData": {}}
            launched = server.graphql(LAUNCH_MUTATION, {"executionParams": params})["launchRun"]
            assert launched["__typename"] == "LaunchRunSuccess", server.explain(f"launchRun refused: {launched}")
            run_id = launched["run"]["runId"]
            run = wait_for_run(server, run_id)
            assert run["status"] == "SUCCESS", server.explain(_run_failure_details(server, run_id))
            storage = server.home / "data" / "dagster"
            folders = [storage, *(storage / name for name in ("storage", "artifacts", "compute_logs"))]
            modes = {f.name: stat.S_IMODE(os.stat(f).st_mode) for f in folders}
    finally:
        os.umask(before)
    assert modes == {"dagster": 0o700, "storage": 0o700, "artifacts": 0o700, "compute_logs": 0o700}
    with duckdb.connect(str(server.warehouse), read_only=True) as con:
        rows = dict(((r[0], r[1:]) for r in con.execute(
            "SELECT run_id, started_by, started_from, launched_by FROM meta.runs").fetchall()))
    assert rows[run_id] == (getpass.getuser(), socket.gethostname(), "dagster")
    assert set(rows.values()) <= {rows[run_id], (getpass.getuser(), socket.gethostname(),
                                                 "dagster sensor inbox_changed")}
