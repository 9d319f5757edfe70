"""Start and stop a real `dagster dev` for tests, and talk GraphQL to it.

Processes started in the background here may inherit ignored SIGINT/SIGTERM, so
the server is exec'd through a wrapper that restores the default handlers, in a
session of its own whose whole process group is stopped afterwards."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
DAGSTER_YAML = PROJECT / "dagster.yaml"
MODULE = "customer_master.pipelines.definitions"

READY_TIMEOUT_S = 120
RUN_TIMEOUT_S = 240
STOP_TIMEOUT_S = 20
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}

# Background processes here may inherit ignored SIGINT/SIGTERM: restore the
# defaults before exec'ing dagster so the finaliser can stop it.
_EXEC_WITH_DEFAULT_SIGNALS = (
    "import os, signal, sys; "
    "signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "signal.signal(signal.SIGTERM, signal.SIG_DFL); "
    "os.execvp(sys.argv[1], sys.argv[1:])"
)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class GraphQLError(RuntimeError):
    pass


@dataclass
class DagsterServer:
    process: subprocess.Popen
    url: str
    log_path: Path
    inbox: Path
    warehouse: Path
    home: Path
    location: str = ""
    repository: str = ""

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return f"(no server log: {exc})"
        return "\n".join(_ANSI.sub("", text).splitlines()[-lines:])

    def explain(self, message: str) -> str:
        """An assertion message with the end of the server's log."""
        return f"{message}\n--- tail of {self.log_path} ---\n{self.log_tail()}"

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 30) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"{self.url}/graphql", data=body,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                payload = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise GraphQLError(f"HTTP {exc.code} from /graphql: {exc.read()[:2000]!r}") from exc
        if payload.get("errors"):
            raise GraphQLError(f"GraphQL errors: {json.dumps(payload['errors'])[:2000]}")
        return payload["data"]

    def repository_selector(self) -> dict:
        return {"repositoryLocationName": self.location, "repositoryName": self.repository}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _dagster_executable() -> str:
    executable = Path(sys.executable).with_name("dagster")
    if not executable.exists():
        pytest.fail(f"no dagster executable next to {sys.executable}")
    return str(executable)


def _stop(process: subprocess.Popen) -> None:
    """Stop dagster dev and everything it started (its own process group)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass
    # Children (webserver, daemon, code server, run workers) share the group;
    # make sure none outlives the test even when dagster dev itself exited.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


LOCATION_QUERY = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on RepositoryLocation { name repositories { name } }
          ... on PythonError { message stack }
        }
      }
    }
    ... on PythonError { message }
  }
}
"""


def _wait_until_ready(server: DagsterServer) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    last = "no answer yet"
    # 1. The webserver answers.
    while True:
        if server.process.poll() is not None:
            pytest.fail(server.explain(f"dagster dev exited with {server.process.returncode} before serving"))
        try:
            with urllib.request.urlopen(f"{server.url}/server_info", timeout=5) as response:
                if response.status == 200:
                    break
        except (urllib.error.URLError, OSError) as exc:
            last = repr(exc)
        if time.monotonic() > deadline:
            pytest.fail(server.explain(f"/server_info not answering after {READY_TIMEOUT_S} s ({last})"))
        time.sleep(0.5)
    # 2. The code location is loaded.
    while True:
        if server.process.poll() is not None:
            pytest.fail(server.explain(f"dagster dev exited with {server.process.returncode} while loading"))
        try:
            data = server.graphql(LOCATION_QUERY, timeout=10)
            workspace = data["workspaceOrError"]
            entries = workspace.get("locationEntries") or []
            last = json.dumps(workspace)[:2000]
            loaded = [e for e in entries if e["loadStatus"] == "LOADED"]
            for entry in loaded:
                location = entry["locationOrLoadError"] or {}
                if location.get("__typename") == "PythonError":
                    pytest.fail(server.explain(f"code location {entry['name']} failed to load:\n"
                                               f"{location['message']}\n{''.join(location.get('stack') or [])}"))
                if location.get("__typename") == "RepositoryLocation":
                    repositories = location["repositories"]
                    assert len(repositories) == 1, server.explain(f"expected one repository, got {repositories}")
                    server.location = location["name"]
                    server.repository = repositories[0]["name"]
                    return
        except (GraphQLError, urllib.error.URLError, OSError) as exc:
            last = repr(exc)
        if time.monotonic() > deadline:
            pytest.fail(server.explain(f"code location not loaded after {READY_TIMEOUT_S} s; last answer: {last}"))
        time.sleep(0.5)



@contextmanager
def dagster_dev(root: Path, inbox: Path, warehouse: Path) -> Iterator[DagsterServer]:
    """A `dagster dev` serving the project's definitions for this inbox and warehouse,
    with DAGSTER_HOME (a copy of the project's dagster.yaml) and its storage under root."""
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(DAGSTER_YAML, home / "dagster.yaml")
    log_path = root / "dagster_dev.log"
    port = _free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "CUSTOMER_MASTER_INBOX": str(inbox),
        "CUSTOMER_MASTER_WAREHOUSE": str(warehouse),
        "CUSTOMER_MASTER_REVIEW": str(root / "review"),
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-c", _EXEC_WITH_DEFAULT_SIGNALS, _dagster_executable(), "dev",
               "-m", MODULE, "-h", "127.0.0.1", "-p", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=home, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = DagsterServer(process=process, url=f"http://127.0.0.1:{port}", log_path=log_path, inbox=inbox,
                           warehouse=warehouse, home=home)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        _stop(process)


RUN_STATUS_QUERY = """
query RunStatus($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { runId status jobName runConfigYaml startTime endTime }
    ... on Error { message }
  }
}
"""


def wait_for_run(server: DagsterServer, run_id: str, timeout_s: float = RUN_TIMEOUT_S) -> dict:
    """The run once it ended (SUCCESS, FAILURE or CANCELED): runId, status, jobName, runConfigYaml, times."""
    deadline = time.monotonic() + timeout_s
    while True:
        run = server.graphql(RUN_STATUS_QUERY, {"runId": run_id})["runOrError"]
        assert run["__typename"] == "Run", server.explain(f"run {run_id} not found: {run}")
        if run["status"] in TERMINAL:
            return run
        if server.process.poll() is not None:
            pytest.fail(server.explain(f"dagster dev exited with {server.process.returncode} "
                                       f"while run {run_id} was {run['status']}"))
        if time.monotonic() > deadline:
            pytest.fail(server.explain(f"run {run_id} still {run['status']} after {timeout_s} s"))
        time.sleep(1)
