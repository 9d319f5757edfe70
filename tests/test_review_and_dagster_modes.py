"""Owner-only files beyond the warehouse's folder (issue 11): review workbooks
(exported, imported, rejected) hold customers' personal data, and so does the
Dagster instance's storage; their folders are 0700 and the files 0600 under the
usual umask 022."""

import os
import shutil
import stat
from pathlib import Path

import openpyxl
import pytest

from conftest import write_xlsx
from customer_master.pipelines.dagster_home import private_dagster_home
from customer_master.review.folder import import_pending
from customer_master.review.export import export_review

PROJECT = Path(__file__).resolve().parents[1]


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def umask_022():
    before = os.umask(0o022)  # files 0644 and folders 0755 unless the code says otherwise
    yield
    os.umask(before)


def test_an_exported_workbook_and_the_folder_made_for_it_are_the_owners_only(sample_run, tmp_path, umask_022):
    out = tmp_path / "review" / "review.xlsx"
    assert export_review(sample_run.warehouse, out, language="en").pairs > 0
    assert (_mode(out), _mode(out.parent)) == (0o600, 0o700)
    out.chmod(0o644)  # an earlier export, world-readable: replaced by an owner-only file
    export_review(sample_run.warehouse, out, language="en")
    assert _mode(out) == 0o600
    assert [p.name for p in out.parent.iterdir()] == ["review.xlsx"]  # no temporary file left


def test_imported_and_rejected_workbooks_are_set_aside_owner_only(sample_run, tmp_path, umask_022):
    warehouse = tmp_path / "wh" / "customer_master.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(sample_run.warehouse, warehouse)
    review = tmp_path / "review"
    good = review / "inbox" / "复核.xlsx"
    export_review(warehouse, good, language="en")
    book = openpyxl.load_workbook(good)
    book["review"]["A2"].value = "match"
    book.save(good)
    good.chmod(0o644)  # as a steward's Excel saves it
    write_xlsx(review / "inbox" / "notes.xlsx", {"Sheet": [["just", "notes"]]})
    outcomes = dict(import_pending(review, warehouse))
    assert outcomes["复核.xlsx"] == 1 and str(outcomes["notes.xlsx"]).startswith("rejected")
    for folder in ("imported", "rejected"):
        assert _mode(review / folder) == 0o700, folder
        files = list((review / folder).iterdir())
        assert files and {_mode(f) for f in files} == {0o600}, folder
    assert {p.suffix for p in (review / "rejected").iterdir()} == {".xlsx", ".txt"}


def test_the_dagster_instance_storage_is_made_owner_only(tmp_path, umask_022):
    home = tmp_path / "project"  # DAGSTER_HOME=$PWD: the committed dagster.yaml, relative base_dirs
    home.mkdir()
    shutil.copyfile(PROJECT / "dagster.yaml", home / "dagster.yaml")
    storage = home / "data" / "dagster" / "storage"
    storage.mkdir(parents=True)  # what Dagster made before the definitions were loaded
    (storage / "runs.db").write_bytes(b"")
    (storage / "run-1").mkdir()
    made = private_dagster_home(home, cwd=home)
    dagster = home / "data" / "dagster"
    assert made[0] == dagster
    assert {p.name for p in dagster.iterdir()} == {"storage", "artifacts", "compute_logs"}
    for folder in (dagster, storage, storage / "run-1", dagster / "artifacts", dagster / "compute_logs"):
        assert _mode(folder) == 0o700, folder
    assert _mode(storage / "runs.db") == 0o600
    assert _mode(home / "data") == 0o755 and _mode(home) == 0o755  # the project's folders are left as they are


def test_without_dagster_home_nothing_is_touched(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert private_dagster_home() == [] and not list(tmp_path.iterdir())


def test_a_storage_folder_that_cannot_be_restricted_is_a_warning_not_a_failed_load(tmp_path, monkeypatch):
    home = tmp_path / "project"
    home.mkdir()
    (home / "dagster.yaml").write_text("storage: {sqlite: {base_dir: data/dagster/storage}}\n", encoding="utf-8")

    def refused(folder):
        raise PermissionError(1, "Operation not permitted", str(folder))

    warned = []
    monkeypatch.setattr("customer_master.pipelines.dagster_home.private_folder", refused)
    monkeypatch.setattr("customer_master.pipelines.dagster_home.log.warning",
                        lambda message, *args: warned.append(message % args))
    assert private_dagster_home(home, cwd=home) == []
    assert len(warned) == 1 and "data/dagster/storage could not be made owner-only" in warned[0]
