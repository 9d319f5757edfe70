"""The Dagster instance's own storage (`data/dagster/` with the committed
dagster.yaml) holds run logs, step outputs' metadata and event logs that show
customers' names: owner-only like everything the pipeline keeps (owner_only.py).

Dagster creates and writes those folders itself, with the process umask, so when
the definitions are loaded (`dagster dev` loads them from definitions.py with
DAGSTER_HOME set) every `base_dir` of `$DAGSTER_HOME/dagster.yaml` is created
owner-only if missing, and what is already there (folders and files) is made
owner-only; so is the folder that holds them all (`data/dagster/`). What Dagster
writes afterwards lies inside these 0700 folders; `umask 077` before `dagster dev`
gives its new files mode 0600 as well."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import yaml

from customer_master.owner_only import private_folder, restrict_file

log = logging.getLogger(__name__)


def dagster_storage_folders(home: Path, cwd: Path | None = None) -> list[Path]:
    """Every `base_dir` of `home`/dagster.yaml; relative ones resolve against the current
    folder, as Dagster resolves them."""
    config = Path(home) / "dagster.yaml"
    if not config.is_file():
        return []
    found: list[str] = []
    _base_dirs(yaml.safe_load(config.read_text(encoding="utf-8")), found)
    cwd = Path(cwd or os.getcwd())
    return [cwd / folder for folder in found]


def private_dagster_home(home: Path | str | None = None, cwd: Path | None = None) -> list[Path]:
    """Make the Dagster instance's storage folders owner-only (see above); `home`
    defaults to DAGSTER_HOME (unset: an ephemeral instance, nothing to do). The folders made private."""
    home = home or os.environ.get("DAGSTER_HOME")
    if not home:
        return []
    folders = dagster_storage_folders(Path(home), cwd)
    holder = _holder(folders, Path(home), Path(cwd or os.getcwd()))
    done = []
    for folder in ([holder] if holder else []) + folders:
        try:
            _restrict_tree(folder)
        except OSError as exc:  # another user's folder: say so, and still load the definitions
            log.warning("the Dagster storage folder %s could not be made owner-only: %s", folder, exc)
            continue
        done.append(folder)
    return done


def _restrict_tree(folder: Path) -> None:
    private_folder(folder)
    for root, subfolders, files in os.walk(folder):
        for name in subfolders:
            private_folder(Path(root) / name)
        for name in files:
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                restrict_file(path)


def _holder(folders: list[Path], home: Path, cwd: Path) -> Path | None:
    """The one folder holding all the storage folders (data/dagster), when it is
    Dagster's alone: below the current folder and the home, and none of them."""
    if not folders:
        return None
    common = Path(os.path.commonpath([os.path.abspath(f) for f in folders]))
    mine = {Path(os.path.abspath(p)) for p in (home, cwd)}
    if common in mine or common in {Path(os.path.abspath(f)) for f in folders}:
        return None
    if not any(parent in mine for parent in common.parents):
        return None
    return common


def _base_dirs(node, found: list[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "base_dir" and isinstance(value, str):
                found.append(value)
            else:
                _base_dirs(value, found)
    elif isinstance(node, list):
        for value in node:
            _base_dirs(value, found)
