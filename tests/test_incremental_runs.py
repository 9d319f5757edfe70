"""Nightly runs: files that did not change are not read again, the last run's models
score the rows while they have not drifted (match/stored_models.py), and the result
equals a full run on the same inbox; a removed file retires its rows; `full` and the
Sunday nightly run train afresh. Real runs on copies of the session's sample warehouse."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pandas as pd

from conftest import SAMPLE_INBOX, run_pipeline, write_new_departments
from customer_master.match.features import matching_frame
from customer_master.match.models import TRAINING
from customer_master.match.stored_models import DRIFT_SHARE, previous_models, reuse
from customer_master.match.training import present_columns
from customer_master.pipelines.triggers import TIMEZONE, build_triggers
from customer_master.warehouse.layout import MODEL_TRAINING, layout

LINEAGE = ["source", "file", "sheet", "row_number"]
REMOVED = "purchasing/供应商名录.xlsx"
NEW_SOURCES = ("华中大区", "会员中心", "华南办事处")  # write_new_departments'


def _trained_in(outcome) -> dict[str, str]:
    facts = json.loads((layout(outcome.warehouse).run_models(outcome.run_id) / MODEL_TRAINING).read_text("utf-8"))
    return {customer_type: fact["trained_in_run"] for customer_type, fact in facts.items()}


def _xref(warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"SELECT master_id, {', '.join(LINEAGE)} FROM master.xref").df()


def _customers(warehouse: Path) -> pd.DataFrame:
    """The golden records, without the run that first created each master."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT * EXCLUDE (created_run) FROM master.customers ORDER BY master_id").df()


def _table(warehouse: Path, table: str) -> pd.DataFrame:
    """A published table in the order it was written."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"SELECT * FROM {table} ORDER BY rowid").df()


def _in_master_order(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows by master and field, in their written order within each."""
    return rows.sort_values(["master_id", "field"], kind="stable").reset_index(drop=True)


def _partition(xref: pd.DataFrame) -> set[frozenset]:
    """Which source rows are one customer, whatever the ids."""
    rows = xref[LINEAGE].astype(str).apply(tuple, axis=1)
    return {frozenset(group) for _, group in rows.groupby(xref.master_id)}


def _inbox_copy(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)  # sizes and modification times kept: the ingest cache knows the files
    return inbox


def _sample_files() -> int:
    return sum(1 for p in SAMPLE_INBOX.rglob("*") if p.is_file() and p.suffix in {".xlsx", ".csv"})


def test_a_nightly_run_after_new_files_equals_a_full_run(sample_run, sample_warehouse_copy, sample_settings_file,
                                                          new_departments_run, tmp_path):
    inbox = _inbox_copy(tmp_path)
    write_new_departments(inbox)
    nightly = run_pipeline(inbox, sample_warehouse_copy, settings=sample_settings_file)
    assert nightly.success, nightly.error
    assert nightly.run["files_unchanged"] == _sample_files()  # the sample's files were not read again
    assert _trained_in(nightly) == {"company": sample_run.run_id, "person": sample_run.run_id}  # not retrained
    assert set(_trained_in(new_departments_run).values()) == {new_departments_run.run_id}
    # only the new files' rows were validated and standardised, only pairs with a new row scored
    night, full = nightly.asset_metadata, new_departments_run.asset_metadata
    new_rows = int((_xref(new_departments_run.warehouse).file.str.startswith(NEW_SOURCES)).sum())
    assert 0 < night["validated_rows"]["rows_validated"].value < 2 * new_rows
    assert night["validated_rows"]["files_unchanged"].value == _sample_files()
    assert night["standardised_rows"]["files_unchanged"].value > 10  # those with customer rows (not activities)
    assert 0 < night["standardised_rows"]["rows_standardised"].value <= night["validated_rows"]["rows_validated"].value
    assert full["validated_rows"]["rows_validated"].value > 50 * new_rows  # a full run: every row
    assert night["matched_clusters"]["pairs_carried"].value > 0 == full["matched_clusters"]["pairs_carried"].value
    assert 0 < night["matched_clusters"]["candidate_pairs_scored"].value < \
        full["matched_clusters"]["candidate_pairs_scored"].value / 5

    # survivorship built only the masters the new files touched and carried the others as they were
    built, carried = (night["golden_records"][f"masters_{what}"].value for what in ("built", "carried"))
    assert 0 < built < 0.2 * carried
    assert full["golden_records"]["masters_carried"].value == 0  # a run without a last one builds them all

    night, full = _xref(sample_warehouse_copy), _xref(new_departments_run.warehouse)
    assert _partition(night) == _partition(full)  # the same customers
    # the same golden values: each nightly master beside the full run's master of the same rows
    same = night.merge(full, on=LINEAGE, suffixes=("", "_full"))[["master_id", "master_id_full"]].drop_duplicates()
    assert same.master_id.is_unique and same.master_id_full.is_unique
    golden = _customers(sample_warehouse_copy).set_index("master_id")
    expected = _customers(new_departments_run.warehouse).set_index("master_id").loc[same.master_id_full]
    expected.index = same.master_id.to_numpy()
    pd.testing.assert_frame_equal(golden.sort_index(), expected.sort_index(), check_names=False)

    # every value and its lineage as a full run gives them, in the same order within each master's field
    for table in ("master.field_values", "master.field_lineage"):
        mine = _in_master_order(_table(sample_warehouse_copy, table))
        theirs = _table(new_departments_run.warehouse, table)
        theirs["master_id"] = theirs.master_id.map(dict(zip(same.master_id_full, same.master_id)))
        pd.testing.assert_frame_equal(mine, _in_master_order(theirs))

    # a row whose master the new files did not touch keeps the id it had
    before = _xref(sample_run.warehouse)
    touched = set(night.loc[~night.file.isin(set(before.file)), "master_id"])
    kept = before.merge(night, on=LINEAGE, suffixes=("_before", ""))
    untouched = kept[~kept.master_id.isin(touched)]
    assert len(untouched) > 0.95 * len(before)
    assert (untouched.master_id == untouched.master_id_before).all()


def test_a_removed_file_retires_its_rows(sample_run, sample_warehouse_copy, sample_settings_file, tmp_path):
    inbox = _inbox_copy(tmp_path)
    (inbox / REMOVED).unlink()
    nightly = run_pipeline(inbox, sample_warehouse_copy, settings=sample_settings_file)
    assert nightly.success, nightly.error
    assert _trained_in(nightly)["company"] == sample_run.run_id  # 40 of 1,800 company rows: no drift
    before, night = _xref(sample_run.warehouse), _xref(sample_warehouse_copy)
    assert REMOVED not in set(night.file)
    with duckdb.connect(str(sample_warehouse_copy), read_only=True) as con:
        assert not con.execute("SELECT count(*) FROM quality.rejected WHERE file = ?", [REMOVED]).fetchone()[0]
        retired = dict(con.execute("SELECT retired_id, reason FROM master.id_history WHERE run_id = ?",
                                   [nightly.run_id]).fetchall())
    gone = set(before.master_id) - set(before.loc[before.file != REMOVED, "master_id"])  # only that file's rows
    assert gone and {retired.get(master_id) for master_id in gone} == {"no rows left"}
    assert not gone & set(night.master_id)
    # the other rows keep their masters
    kept = before[before.file != REMOVED].merge(night, on=LINEAGE, suffixes=("_before", ""))
    assert len(kept) == (before.file != REMOVED).sum()
    assert (kept.master_id == kept.master_id_before).mean() > 0.99


def test_a_full_run_retrains_and_gives_the_same_masters(sample_run, sample_warehouse_copy, sample_settings_file,
                                                        tmp_path):
    again = run_pipeline(_inbox_copy(tmp_path), sample_warehouse_copy, settings=sample_settings_file, full=True)
    assert again.success, again.error
    assert _trained_in(again) == {"company": again.run_id, "person": again.run_id}
    pd.testing.assert_frame_equal(_customers(sample_warehouse_copy), _customers(sample_run.warehouse))


def test_a_stored_model_is_used_only_for_rows_like_those_it_was_trained_on(sample_run):
    stored = previous_models(sample_run.warehouse)
    assert set(stored) == {"company", "person"}
    with duckdb.connect(str(sample_run.warehouse), read_only=True) as con:
        rows = con.execute("SELECT * EXCLUDE (master_id) FROM master.match_input WHERE customer_type = 'company'").df()
    kept, settings = stored["company"], TRAINING["company"]["settings"]
    frame = matching_frame(rows)  # the rows it was trained on, but for nameless rows that matched no one
    assert 0 <= kept.trained_rows - len(frame) < 0.01 * len(frame)

    linker, why = reuse(frame, settings(present_columns(frame)), kept)
    assert linker is not None and why == ""
    model = linker.misc.save_model_to_json()
    assert model["comparisons"] == kept.model["comparisons"]  # every m and u as stored
    prior = model["probability_two_random_records_match"]  # for these rows: falls as 1/rows
    assert abs(prior * len(frame) - kept.trained_prior * kept.trained_rows) < 1e-9

    extra = int(kept.trained_rows * (1 + DRIFT_SHARE)) + 1 - len(frame)
    grown = pd.concat([frame, frame.head(extra).assign(row_key=lambda f: f.row_key + 10**9)], ignore_index=True)
    linker, why = reuse(grown, settings(present_columns(grown)), kept)
    assert linker is None and "rows" in why
    fewer_rows = frame.head(int(len(frame) * (1 - DRIFT_SHARE / 2)))
    linker, _ = reuse(fewer_rows, settings(present_columns(fewer_rows)), kept)
    assert linker._settings_obj._probability_two_random_records_match > prior

    without_email = frame.assign(email=None)
    linker, why = reuse(without_email, settings(present_columns(without_email)), kept)
    assert linker is None and "fields" in why


def test_the_sunday_nightly_run_is_a_full_one():
    nightly = build_triggers(dg.define_asset_job("consolidate"))[0]
    for day, full in ((dt.date(2026, 12, 6), True), (dt.date(2026, 12, 7), False)):  # a Sunday, a Monday
        when = dt.datetime.combine(day, dt.time(2), tzinfo=ZoneInfo(TIMEZONE))
        request = nightly.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=when)).run_requests[0]
        assert request.run_config.get("ops", {}).get("matched_clusters", {}).get("config", {}).get("full", False) \
            is full
