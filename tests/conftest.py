"""Shared fixtures: the committed sample inbox run once through the real asset
graph (Dagster in-process, Splink, DuckDB), copies of its published warehouse for
tests that write to one, and helpers that write real xlsx and csv files into
throw-away inboxes."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from customer_master.match.threshold import DEFAULT_MATCH_THRESHOLD
from customer_master.run_inprocess import RunOutcome, run_consolidation
from customer_master.warehouse.layout import layout

PROJECT = Path(__file__).resolve().parents[1]
SAMPLE_INBOX = PROJECT / "data" / "inbox"
SAMPLE_TRUTH = PROJECT / "data" / "sample_truth.csv"


def run_pipeline(inbox: Path, warehouse: Path, threshold: float = DEFAULT_MATCH_THRESHOLD,
                 max_file_mb: float = 100.0, settings: Path | None = None, **options) -> RunOutcome:
    """A real run (the staging Parquet in the warehouse's own folder); options: wait, keep_backups."""
    return run_consolidation(inbox, warehouse, None, threshold, max_file_mb, settings, **options)


def write_xlsx(path: Path, sheets: dict[str, list[list]], merge: dict[str, list[str]] | None = None) -> Path:
    """A real workbook: one sheet per key, rows as given (None = empty cell)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cell_range in (merge or {}).get(name, []):
            sheet.merge_cells(cell_range)
    workbook.save(path)
    return path


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\n".join(lines).encode(encoding) + b"\n")
    return path


SAMPLE_SETTINGS = PROJECT / "data" / "settings.yaml"
SAMPLE_AS_OF = "2026-11-15"  # the generator's reference date: its activity sheets end there


def sample_settings(folder: Path) -> Path:
    """The committed settings with as_of at the sample's reference date, so segments
    and review reminders do not depend on the day the tests run."""
    text = SAMPLE_SETTINGS.read_text(encoding="utf-8").replace("as_of: null", f"as_of: {SAMPLE_AS_OF}")
    assert f"as_of: {SAMPLE_AS_OF}" in text
    path = folder / "settings.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def copy_warehouse(warehouse: Path, target: Path) -> Path:
    """A copy of a published warehouse with everything its runs keep (`<warehouse>.d/`:
    ledger, state, decisions, models, ingest cache, backups): the next run on the copy
    starts from that run's state as it would on the original."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(warehouse, target)
    shutil.copytree(layout(warehouse).folder, layout(target).folder)
    return target


@pytest.fixture(scope="session")
def sample_settings_file(tmp_path_factory) -> Path:
    """The settings the session's sample run used (sample_settings): a later run on a
    copy of its warehouse uses them too."""
    return sample_settings(tmp_path_factory.mktemp("sample_settings"))


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory, sample_settings_file) -> RunOutcome:
    """The sample inbox consolidated once for the whole session. Its warehouse is
    read-only for the tests: a test that writes to it or runs again takes a copy
    (sample_warehouse_copy)."""
    folder = tmp_path_factory.mktemp("sample")
    warehouse = folder / "customer_master.duckdb"
    outcome = run_pipeline(SAMPLE_INBOX, warehouse, settings=sample_settings_file)
    assert outcome.success, f"sample run failed in {outcome.failed_step}: {outcome.error}"
    return outcome


@pytest.fixture
def sample_warehouse_copy(sample_run, tmp_path) -> Path:
    """A copy of the sample run's warehouse and its folder, as if that run had published here."""
    return copy_warehouse(sample_run.warehouse, tmp_path / "wh" / "customer_master.duckdb")


@pytest.fixture
def sample_inbox_copy(tmp_path) -> Path:
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    return inbox
