"""The workers' work units (tests/work_units.py), on a small suite of its own run by pytest with
two workers in another process: a file's tests run on one worker, the files that use a shared
session fixture run on one worker together, and the other files go to the other worker."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import work_units

SHARED = work_units.SHARED_SESSION_FIXTURES[0]


def _suite(folder: Path) -> None:
    """Two files that use SHARED first (in collection order a worker each, were they not one
    unit), then two that do not; each test writes its worker into its own file."""
    (folder / "conftest.py").write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(work_units.__file__).parent)!r})
        import pytest
        import work_units

        def pytest_configure(config):
            config.pluginmanager.register(work_units, "work_units")

        @pytest.fixture(scope="session")
        def {SHARED}():
            return "made"

        @pytest.fixture
        def record(request, worker_id):
            (request.config.rootpath / "seen" / request.node.name).write_text(worker_id)
    """))
    for name, fixtures in (("test_a_shared", f"record, {SHARED}"), ("test_b_shared", f"record, {SHARED}"),
                           ("test_c_plain", "record"), ("test_d_plain", "record")):
        (folder / f"{name}.py").write_text("".join(f"def test_{name}_{i}({fixtures}):\n    pass\n\n"
                                                   for i in range(4)))
    (folder / "seen").mkdir()


def test_files_sharing_a_session_fixture_run_on_one_worker_and_the_rest_on_the_other(tmp_path):
    _suite(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_ADDOPTS"))}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
                           "--dist", "loadfile"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    seen = {path.name: path.read_text() for path in (tmp_path / "seen").iterdir()}
    assert len(seen) == 16
    worker = {file: {w for test, w in seen.items() if test.startswith(f"test_{file}_")}
              for file in ("test_a_shared", "test_b_shared", "test_c_plain")}
    assert all(len(workers) == 1 for workers in worker.values()), worker
    assert worker["test_a_shared"] == worker["test_b_shared"] != worker["test_c_plain"]
