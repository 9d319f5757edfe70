"""Survivorship in a nightly run builds only the masters it touched
(customer_master/lifecycle/touched.py) and carries the others from the last published
warehouse; what it publishes equals a full run's, history included. Real runs on
copies of the session's sample warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd

from conftest import SAMPLE_INBOX, copy_warehouse, run_pipeline

EDITED = "east_region/华东大区客户登记表.csv"  # a GBK csv
GOLDEN_TABLES = ("master.customers", "master.field_values", "master.field_lineage")


def _table(warehouse: Path, table: str, exclude: str = "") -> pd.DataFrame:
    """A published table in the order it was written."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"SELECT * {exclude} FROM {table} ORDER BY rowid").df()


def _metadata(outcome, what: str) -> int:
    return outcome.asset_metadata["golden_records"][f"masters_{what}"].value


def test_a_nightly_run_on_an_unchanged_inbox_builds_no_master(sample_run, sample_warehouse_copy,
                                                              sample_settings_file, tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    again = run_pipeline(inbox, sample_warehouse_copy, settings=sample_settings_file)
    assert _metadata(again, "built") == 0
    assert _metadata(again, "carried") == len(_table(sample_run.warehouse, "master.customers"))
    for table in (*GOLDEN_TABLES, "master.customers_history", "master.id_history"):
        pd.testing.assert_frame_equal(_table(sample_warehouse_copy, table), _table(sample_run.warehouse, table))
    changes = _table(sample_warehouse_copy, "meta.change_log")
    assert not (changes.run_id == again.run_id).any()


def test_a_changed_row_rebuilds_its_master_as_a_full_run_would(sample_run, sample_settings_file, tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    edited = inbox / EDITED
    lines = edited.read_bytes().decode("gbk").split("\n")
    cells = lines[1].split(",")
    cells[9] = cells[9] + "星辰楼"  # the first customer's address, with a word no other row has
    lines[1] = ",".join(cells)
    edited.write_bytes("\n".join(lines).encode("gbk"))

    nightly_warehouse = copy_warehouse(sample_run.warehouse, tmp_path / "nightly" / "customer_master.duckdb")
    nightly = run_pipeline(inbox, nightly_warehouse, settings=sample_settings_file)
    full_warehouse = copy_warehouse(sample_run.warehouse, tmp_path / "full" / "customer_master.duckdb")
    full = run_pipeline(inbox, full_warehouse, settings=sample_settings_file, full=True)

    with duckdb.connect(str(nightly_warehouse), read_only=True) as con:  # its master was built again
        assert con.execute("SELECT count(*) FROM master.field_values WHERE field = 'address' "
                           "AND value LIKE '%星辰楼%'").fetchall() == [(1,)]
    masters = len(_table(full_warehouse, "master.customers"))
    assert 0 < _metadata(nightly, "built") < 0.2 * masters  # the edited file's masters, not the others
    assert _metadata(full, "carried") == 0
    # what changed, as the full run tells it
    before = len(_table(sample_run.warehouse, "meta.change_log"))
    night_changes, full_changes = (
        _table(w, "meta.change_log", "EXCLUDE (run_id, changed_at)").iloc[before:].reset_index(drop=True)
        for w in (nightly_warehouse, full_warehouse))
    pd.testing.assert_frame_equal(night_changes, full_changes)
    for table in GOLDEN_TABLES:
        pd.testing.assert_frame_equal(_table(nightly_warehouse, table), _table(full_warehouse, table))
    pd.testing.assert_frame_equal(  # the same rows in the same masters (the full run trained its models afresh)
        _table(nightly_warehouse, "master.xref", "EXCLUDE (match_probability)"),
        _table(full_warehouse, "master.xref", "EXCLUDE (match_probability)"))
    # the history holds the same versions (they differ only in when they were published)
    pd.testing.assert_frame_equal(
        _table(nightly_warehouse, "master.customers_history", "EXCLUDE (valid_from, valid_to, run_id)"),
        _table(full_warehouse, "master.customers_history", "EXCLUDE (valid_from, valid_to, run_id)"))
