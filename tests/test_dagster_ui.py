"""End-to-end check of the Dagster UI, the way a steward uses it from the README:
start a real `dagster dev`, look at what it serves over GraphQL, launch a
consolidation through the UI's API and read the warehouse it published.

Everything lands in tmp: a copy of the sample inbox, the warehouse, and a
DAGSTER_HOME holding a copy of the project's dagster.yaml (its relative storage
paths resolve against the server's cwd, which is that DAGSTER_HOME).
One server serves the whole module; it takes ~40 s (startup, then one pipeline
run in a run worker), ~75 s when the sensor's own run gets in first.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dagster_server import DagsterServer, dagster_dev, wait_for_run

pytestmark = pytest.mark.server  # a real `dagster dev`: its own tier (pytest -m server -n 0)

PROJECT = Path(__file__).resolve().parents[1]
SAMPLE_INBOX = PROJECT / "data" / "inbox"

JOB = "consolidate"
ASSET_GROUPS = {
    "ingested_rows": "ingest",
    "validated_rows": "validate",
    "standardised_rows": "validate",
    "steward_decisions": "match",
    "matched_clusters": "match",
    "previous_state": "master",
    "golden_records": "master",
    "customer_activities": "customer360",
    "customer_contacts": "customer360",
    "customer_roles": "customer360",
    "customer_relationships": "customer360",
    "customer_segments": "customer360",
    "review_due": "customer360",
    "customer_warehouse": "master",
    "read_surfaces": "downstream",
    "run_report": "downstream",
    "review_workbook": "match",
}
# Upstream assets of each asset, as the asset functions declare them.
ASSET_DEPS = {
    "ingested_rows": set(),
    "validated_rows": {"ingested_rows"},
    "standardised_rows": {"ingested_rows", "validated_rows"},
    "steward_decisions": set(),
    "matched_clusters": {"ingested_rows", "standardised_rows", "steward_decisions"},
    "previous_state": set(),
    "golden_records": {"ingested_rows", "standardised_rows", "matched_clusters", "previous_state"},
    "customer_activities": {"ingested_rows", "validated_rows", "matched_clusters", "golden_records"},
    "customer_contacts": {"standardised_rows", "golden_records", "previous_state"},
    "customer_roles": {"ingested_rows", "golden_records"},
    "customer_relationships": {"standardised_rows", "matched_clusters", "golden_records", "customer_contacts"},
    "customer_segments": {"golden_records", "customer_activities"},
    "review_due": {"ingested_rows", "validated_rows", "standardised_rows", "golden_records"},
    "customer_warehouse": {"ingested_rows", "validated_rows", "standardised_rows", "matched_clusters",
                           "golden_records", "customer_activities", "customer_contacts", "customer_roles",
                           "customer_relationships", "customer_segments", "review_due"},
    "read_surfaces": {"customer_warehouse"},
    "run_report": {"customer_warehouse"},
    "review_workbook": {"customer_warehouse"},
}
WAREHOUSE_CHECKS = {"row_accounting", "unique_master_id", "xref_points_at_a_master", "review_due_not_growing"}
LAUNCH_THRESHOLD = 0.9

@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[DagsterServer]:
    root = tmp_path_factory.mktemp("dagster_ui")
    inbox = root / "inbox"
    # Copied the way a steward drops files in (fresh mtimes), so the sensor's first
    # tick waits for the files to settle and the run launched below usually goes
    # first; if the sensor's run is first after all, ours queues behind it (slower, same result).
    shutil.copytree(SAMPLE_INBOX, inbox, copy_function=shutil.copy)
    with dagster_dev(root, inbox, root / "warehouse" / "customer_master.duckdb") as running:
        yield running


REPOSITORY_QUERY = """
query Repository($selector: RepositorySelector!) {
  repositoryOrError(repositorySelector: $selector) {
    __typename
    ... on Repository {
      jobs { name }
      schedules {
        name
        cronSchedule
        executionTimezone
        pipelineName
        scheduleState { status }
      }
      sensors {
        name
        targets { pipelineName }
        sensorState { status }
      }
      assetNodes {
        assetKey { path }
        groupName
        dependencyKeys { path }
        jobNames
        assetChecksOrError {
          __typename
          ... on AssetChecks { checks { name assetKey { path } jobNames blocking } }
          ... on Error { message }
        }
      }
    }
    ... on Error { message }
  }
}
"""


def _repository(server: DagsterServer) -> dict:
    data = server.graphql(REPOSITORY_QUERY, {"selector": server.repository_selector()})
    repository = data["repositoryOrError"]
    assert repository["__typename"] == "Repository", server.explain(f"repository not served: {repository}")
    return repository


def test_asset_graph_is_served(server: DagsterServer):
    repository = _repository(server)
    nodes = {"/".join(node["assetKey"]["path"]): node for node in repository["assetNodes"]}

    assert set(nodes) == set(ASSET_GROUPS), f"assets served: {sorted(nodes)}"
    groups = {name: node["groupName"] for name, node in nodes.items()}
    assert groups == ASSET_GROUPS
    deps = {name: {"/".join(key["path"]) for key in node["dependencyKeys"]} for name, node in nodes.items()}
    assert deps == ASSET_DEPS
    assert {name for name, node in nodes.items() if JOB in node["jobNames"]} == set(ASSET_GROUPS), \
        "every asset belongs to the consolidate job"

    checks_by_asset = {}
    for name, node in nodes.items():
        result = node["assetChecksOrError"]
        assert result["__typename"] == "AssetChecks", f"asset checks of {name} not served: {result}"
        checks_by_asset[name] = result["checks"]
    assert {name: {c["name"] for c in checks} for name, checks in checks_by_asset.items() if checks} == {
        "customer_warehouse": WAREHOUSE_CHECKS}
    for check in checks_by_asset["customer_warehouse"]:
        assert check["assetKey"]["path"] == ["customer_warehouse"]
        assert check["blocking"] is False, check
        assert JOB in check["jobNames"], f"check {check['name']} does not run in the {JOB} job: {check}"


def test_schedule_and_sensor_are_served(server: DagsterServer):
    repository = _repository(server)
    # Dagster adds hidden "__ASSET_JOB..." jobs of its own; the project defines one.
    assert {job["name"] for job in repository["jobs"] if not job["name"].startswith("__")} == {JOB}, \
        repository["jobs"]

    schedules = {s["name"]: s for s in repository["schedules"]}
    assert set(schedules) == {"nightly_consolidation"}, schedules
    nightly = schedules["nightly_consolidation"]
    assert nightly["cronSchedule"] == "0 2 * * *"
    assert nightly["executionTimezone"] == "Asia/Shanghai"
    assert nightly["pipelineName"] == JOB
    assert nightly["scheduleState"]["status"] == "RUNNING", nightly

    sensors = {s["name"]: s for s in repository["sensors"]}
    assert set(sensors) == {"inbox_changed", "review_workbook_dropped"}, sensors
    inbox_changed = sensors["inbox_changed"]
    assert [t["pipelineName"] for t in inbox_changed["targets"]] == [JOB]
    assert inbox_changed["sensorState"]["status"] == "RUNNING", inbox_changed


LAUNCH_MUTATION = """
mutation Launch($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

RUNS_QUERY = """
{
  runsOrError {
    __typename
    ... on Runs { results { runId status jobName tags { key value } } }
    ... on Error { message }
  }
}
"""

RUN_ERRORS_QUERY = """
query RunLogs($runId: ID!) {
  logsForRun(runId: $runId) {
    __typename
    ... on EventConnection {
      events {
        __typename
        ... on MessageEvent { message level stepKey }
        ... on ErrorEvent { error { message cause { message stack } } }
      }
    }
  }
}
"""

CHECK_EXECUTIONS_QUERY = """
query CheckExecutions($checkName: String!) {
  assetCheckExecutions(assetKey: {path: ["customer_warehouse"]}, checkName: $checkName, limit: 10) {
    runId
    status
  }
}
"""


def _runs(server: DagsterServer) -> list[dict]:
    runs = server.graphql(RUNS_QUERY)["runsOrError"]
    assert runs["__typename"] == "Runs", runs
    return runs["results"]


def _run_failure_details(server: DagsterServer, run_id: str) -> str:
    try:
        logs = server.graphql(RUN_ERRORS_QUERY, {"runId": run_id})["logsForRun"]
    except Exception as exc:  # the details are best effort; the assertion itself already failed
        return f"(could not read the run's events: {exc})"
    lines = []
    for event in logs.get("events", []):
        if event.get("level") in ("ERROR", "CRITICAL") or event.get("error"):
            lines.append(f"[{event.get('stepKey') or 'run'}] {event.get('message')}")
            cause = (event.get("error") or {}).get("cause")
            if cause:  # the user code's exception, under Dagster's step error
                lines.append(f"    caused by: {cause['message'].strip()}\n    " + "    ".join(cause["stack"][-3:]))
    return "\n".join(lines[-20:]) or "(no error events)"


def test_run_launched_from_the_ui_publishes_the_warehouse(server: DagsterServer):
    from customer_master.match.threshold import DEFAULT_MATCH_THRESHOLD

    # Otherwise the threshold in meta.runs would not show the run config was used.
    assert DEFAULT_MATCH_THRESHOLD != pytest.approx(LAUNCH_THRESHOLD)
    run_config = {"ops": {"matched_clusters": {"config": {"match_threshold": LAUNCH_THRESHOLD}}}}
    params = {"selector": {**server.repository_selector(), "jobName": JOB}, "runConfigData": run_config}
    launched = server.graphql(LAUNCH_MUTATION, {"executionParams": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", server.explain(f"launchRun refused: {launched}")
    run_id = launched["run"]["runId"]

    run = wait_for_run(server, run_id)
    assert run["status"] == "SUCCESS", server.explain(
        f"run {run_id} ended {run['status']}:\n{_run_failure_details(server, run_id)}")
    assert run["jobName"] == JOB

    # The warehouse checks ran in the launched run, on what it published, and passed.
    for check_name in sorted(WAREHOUSE_CHECKS):
        executions = server.graphql(CHECK_EXECUTIONS_QUERY, {"checkName": check_name})["assetCheckExecutions"]
        ours = [e for e in executions if e["runId"] == run_id]
        assert [e["status"] for e in ours] == ["SUCCEEDED"], f"{check_name} in run {run_id}: {executions}"

    assert server.warehouse.is_file(), server.explain(f"no warehouse at {server.warehouse}")
    with duckdb.connect(str(server.warehouse), read_only=True) as con:
        customers = con.execute("SELECT count(*) FROM master.customers").fetchone()[0]
        meta_runs = con.execute("SELECT run_id, match_threshold, inbox, warehouse FROM meta.runs").fetchall()
    assert customers > 0
    by_run = {row[0]: row[1:] for row in meta_runs}
    assert len(by_run) == len(meta_runs), f"meta.runs repeats a run_id: {meta_runs}"
    # Only runs of this (tmp) instance: the warehouse is the test's own, not the project's.
    assert set(by_run) <= {r["runId"] for r in _runs(server)}, f"meta.runs: {meta_runs}"
    assert run_id in by_run, f"meta.runs has no row for the launched run {run_id}: {meta_runs}"
    threshold, inbox, warehouse = by_run[run_id]
    assert threshold == pytest.approx(LAUNCH_THRESHOLD)
    assert Path(inbox) == server.inbox
    assert Path(warehouse) == server.warehouse

    # The run left the stewards their review workbook (no command run), and its asset says where.
    materialized = server.graphql(RUN_MATERIALIZATIONS_QUERY, {"runId": run_id})["runOrError"]["assetMaterializations"]
    review = {e["label"]: e for m in materialized if m["assetKey"]["path"] == ["review_workbook"]
              for e in m["metadataEntries"]}
    workbook = Path(review["path"]["path"])
    assert workbook.is_file() and workbook.parent == (server.home.parent / "review" / "to_review").resolve()
    assert run_id[:8] in workbook.name and review["pairs_waiting"]["intValue"] > 0


RUN_MATERIALIZATIONS_QUERY = """
query RunMaterializations($runId: ID!) {
  runOrError(runId: $runId) {
    ... on Run {
      assetMaterializations {
        assetKey { path }
        metadataEntries {
          label
          ... on PathMetadataEntry { path }
          ... on IntMetadataEntry { intValue }
        }
      }
    }
  }
}
"""


SENSOR_TICKS_QUERY = """
query SensorTicks($selector: SensorSelector!) {
  sensorOrError(sensorSelector: $selector) {
    __typename
    ... on Sensor {
      sensorState {
        ticks(limit: 20) { status skipReason runIds error { message } }
      }
    }
    ... on Error { message }
  }
}
"""


def test_sensor_evaluates_without_errors(server: DagsterServer):
    """The daemon evaluates inbox_changed against the tmp inbox, and no tick fails."""
    selector = {**server.repository_selector(), "sensorName": "inbox_changed"}
    deadline = time.monotonic() + 60
    while True:
        sensor = server.graphql(SENSOR_TICKS_QUERY, {"selector": selector})["sensorOrError"]
        assert sensor["__typename"] == "Sensor", sensor
        ticks = [t for t in sensor["sensorState"]["ticks"] if t["status"] != "STARTED"]
        if ticks:
            break
        assert time.monotonic() < deadline, server.explain("the daemon never evaluated the inbox_changed sensor")
        time.sleep(1)
    failed = [t for t in ticks if t["status"] == "FAILURE"]
    assert not failed, server.explain(f"inbox_changed ticks failed: {failed}")
    skipped_for = {t["skipReason"] for t in ticks if t["status"] == "SKIPPED"}
    assert not any("does not exist" in (reason or "") for reason in skipped_for), \
        f"the sensor does not see the tmp inbox {server.inbox}: {skipped_for}"
