"""The default tier's work units for pytest-xdist's workers (pyproject's addopts: `-n auto
--dist loadfile`): a test file's tests run on one worker, so that its module fixtures are made
once, and the files that use one of SHARED_SESSION_FIXTURES all run on one worker, so that
fixture is made once in the session rather than once per worker. The sample run (sample_run)
is used by most files, and each worker makes its own.

pytest-xdist's `--dist loadgroup` would say this with marks, but with pytest 9.2 it no longer
groups (the group suffix it writes into a test's id does not take: pytest-xdist issue 1386). So
each worker writes the shared units of the files it collected into a folder the controller
names, and the controller's scheduler reads them once every worker has collected. A plugin that
tests/conftest.py registers; without workers (`-n 0`) it does nothing."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from functools import cached_property
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

# Session fixtures that only a few test files use and that cost a pipeline run or an index.
SHARED_SESSION_FIXTURES = ("new_departments_run", "sample_checker")

UNITS_FOLDER = "customer_master_units"  # workerinput's key: where the workers write their units
_folder = pytest.StashKey[Path]()


def _units_folder(config: pytest.Config) -> Path:
    if _folder not in config.stash:
        folder = Path(tempfile.mkdtemp(prefix="cm-test-units-"))
        atexit.register(shutil.rmtree, folder, True)
        config.stash[_folder] = folder
    return config.stash[_folder]


def _file(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """Controller: tell each worker where to write its units."""
    node.workerinput[UNITS_FOLDER] = str(_units_folder(node.config))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Worker, once it has collected (last, so that it sees only the selected tests): the unit
    of each file that uses a shared session fixture (the first of SHARED_SESSION_FIXTURES it
    uses), as {file: fixture}."""
    folder = getattr(config, "workerinput", {}).get(UNITS_FOLDER)
    if folder is None:
        return
    files: dict[str, set[str]] = {}
    for item in items:
        files.setdefault(_file(item.nodeid), set()).update(getattr(item, "fixturenames", ()))
    units = {file: next(f for f in SHARED_SESSION_FIXTURES if f in used)
             for file, used in files.items() if used.intersection(SHARED_SESSION_FIXTURES)}
    (Path(folder) / f"{config.workerinput['workerid']}.json").write_text(json.dumps(units))


class SharedFixtureScheduling(LoadScopeScheduling):
    """loadfile's scheduling (a file is a unit, units handed out in collection order), with the
    files that share a session fixture joined into one unit."""

    @cached_property
    def _units(self) -> dict[str, str]:
        units: dict[str, str] = {}
        for path in sorted(_units_folder(self.config).glob("*.json")):
            units.update(json.loads(path.read_text()))
        return units

    def _split_scope(self, nodeid: str) -> str:
        file = _file(nodeid)
        return self._units.get(file, file)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    if config.getvalue("dist") == "loadfile":
        return SharedFixtureScheduling(config, log)
    return None
