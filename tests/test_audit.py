"""Audit (issue 11): meta.runs says who started a run and from where, and a
steward decision keeps who imported it beside the declared reviewer; a workbook
imported twice stores its decisions once."""

import getpass
import json
import shutil
import socket

import duckdb
import openpyxl
import pandas as pd
import pytest

from customer_master.cli import main
from customer_master.review.decisions import DECISION_COLUMNS, add_decisions, load_decisions
from customer_master.review.export import export_review
from customer_master.warehouse.layout import layout
from customer_master.warehouse.origin import launched_by
from customer_master.warehouse.publish import _runs_frame


def test_meta_runs_has_the_os_user_and_host_of_a_cli_run(sample_run):
    with duckdb.connect(str(sample_run.warehouse), read_only=True) as con:
        row = con.execute("SELECT started_by, started_from, launched_by, run_tags FROM meta.runs "
                          "WHERE run_id = ?", [sample_run.run_id]).fetchone()
    assert row[:3] == (getpass.getuser(), socket.gethostname(), "cli")
    assert json.loads(row[3]) == {}  # the CLI's own marker tag is not repeated
    ledger = [json.loads(line) for line in layout(sample_run.warehouse).ledger.read_text().splitlines()]
    assert ledger[-1]["started_by"] == getpass.getuser()  # the ledger meta.runs is rebuilt from


@pytest.mark.parametrize("tags, expected", [
    ({"dagster/schedule_name": "nightly_consolidation"}, "dagster schedule nightly_consolidation"),
    ({"dagster/sensor_name": "inbox_changed", "trigger": "inbox_changed"}, "dagster sensor inbox_changed"),
    ({"dagster/backfill": "abc"}, "dagster backfill abc"),
    ({"user": "wang.fang@example.com"}, "dagster; user wang.fang@example.com"),
    ({}, "dagster"),
    ({"customer_master/launched_by": "cli"}, "cli"),
])
def test_launched_by_names_how_dagster_started_the_run_and_its_user(tags, expected):
    assert launched_by(tags) == expected


def test_ledger_lines_of_an_earlier_version_have_no_audit_values(tmp_path):
    old = {"run_id": "old", "started_at": "2026-12-01 02:00:00", "files": [{"file": "a.csv"}]}
    new = {"run_id": "new", "started_at": "2026-12-07 02:00:00", "files": [], "started_by": "ops",
           "started_from": "host-1", "launched_by": "cli", "run_tags": {"trigger": "x"}}
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.register("frame", _runs_frame([old, new]))
        rows = con.execute("SELECT run_id, started_by, launched_by, run_tags FROM frame ORDER BY run_id").fetchall()
    assert rows == [("new", "ops", "cli", '{"trigger": "x"}'), ("old", None, None, None)]


@pytest.fixture
def workbook(sample_run, tmp_path):
    """A copy of the sample warehouse (its decisions are this test's own) and a
    review workbook of it with two decisions filled in, last saved by 王芳."""
    warehouse = tmp_path / "wh" / "customer_master.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(sample_run.warehouse, warehouse)
    path = tmp_path / "review.xlsx"
    assert export_review(warehouse, path, language="en").pairs >= 3
    book = openpyxl.load_workbook(path)
    book["review"]["A2"].value = "match"
    book["review"]["A3"].value = "no match"
    book.properties.lastModifiedBy = "王芳"
    book.save(path)
    return warehouse, path


def test_a_decision_import_records_the_importer_beside_the_declared_reviewer(workbook, capsys):
    warehouse, path = workbook
    assert main(["review", "import", str(path), "--warehouse", str(warehouse), "--reviewer", "李娜"]) == 0
    assert "2 decisions stored; the next run applies them" in capsys.readouterr().out
    stored = load_decisions(warehouse)
    assert list(stored.columns) == DECISION_COLUMNS and len(stored) == 2
    assert set(stored.decided_by) == {"李娜"}  # as declared, not the workbook's author
    assert set(stored.imported_by) == {getpass.getuser()} and set(stored.imported_from) == {socket.gethostname()}
    assert stored.imported_at.notna().all() and set(stored.workbook) == {"review.xlsx"}
    assert stored.workbook_sha256.str.fullmatch(r"[0-9a-f]{64}").all()


def test_without_a_reviewer_the_author_decides_and_the_importer_is_still_recorded(workbook):
    warehouse, path = workbook
    assert main(["review", "import", str(path), "--warehouse", str(warehouse)]) == 0
    stored = load_decisions(warehouse)
    assert set(stored.decided_by) == {"王芳"} and set(stored.imported_by) == {getpass.getuser()}


def test_importing_the_same_workbook_twice_stores_its_decisions_once(workbook, capsys):
    warehouse, path = workbook
    assert main(["review", "import", str(path), "--warehouse", str(warehouse)]) == 0
    capsys.readouterr()
    assert main(["review", "import", str(path), "--warehouse", str(warehouse), "--reviewer", "李娜"]) == 0
    assert "0 decisions stored, 2 already imported" in capsys.readouterr().out
    assert len(load_decisions(warehouse)) == 2
    # one more decision in the workbook: a new workbook (other bytes), all its decisions stored
    book = openpyxl.load_workbook(path)
    book["review"]["A4"].value = "match"
    book.save(path)
    assert main(["review", "import", str(path), "--warehouse", str(warehouse)]) == 0
    assert "3 decisions stored" in capsys.readouterr().out
    assert len(load_decisions(warehouse)) == 5


def test_a_decision_store_of_an_earlier_version_keeps_its_decisions(tmp_path):
    warehouse = tmp_path / "customer_master.duckdb"
    state = layout(warehouse).state
    state.mkdir(parents=True)
    old = pd.DataFrame([{"row_identity_l": "a", "row_identity_r": "b", "decision": "match", "decided_by": "王芳",
                         "decided_at": pd.Timestamp("2026-12-01"), "workbook": "old.xlsx"}])
    old.to_parquet(layout(warehouse).decisions, index=False)
    new = old.assign(row_identity_r="c", decided_at=pd.Timestamp("2026-12-07"), workbook="new.xlsx",
                     workbook_sha256="f" * 64)
    assert add_decisions(warehouse, new).stored == 1
    stored = load_decisions(warehouse).sort_values("decided_at")
    assert stored.imported_by.isna().tolist() == [True, False]
    assert stored.imported_at.isna().tolist() == [True, False]


def test_a_dagster_run_records_its_trigger_its_user_and_its_tags(tmp_path):
    """The job as the daemon runs it for a sensor (its tags), in this process."""
    import dagster as dg

    from conftest import write_csv
    from customer_master.pipelines.definitions import build_definitions
    from customer_master.pipelines.triggers import CONSOLIDATE_JOB

    inbox = tmp_path / "inbox"
    write_csv(inbox / "sales" / "a.csv", ["客户名称,手机", "华信科技有限公司,13800138000", "宏达物流有限公司,13900139000"])
    warehouse = tmp_path / "wh" / "customer_master.duckdb"
    defs = build_definitions(inbox=inbox, warehouse=warehouse, review_dir=tmp_path / "review")
    tags = {"dagster/sensor_name": "inbox_changed", "trigger": "inbox_changed", "user": "wang.fang@example.com"}
    result = defs.resolve_job_def(CONSOLIDATE_JOB).execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags=tags)
    assert result.success
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute("SELECT started_by, started_from, launched_by, run_tags FROM meta.runs").fetchone()
    assert row[:3] == (getpass.getuser(), socket.gethostname(),
                       "dagster sensor inbox_changed; user wang.fang@example.com")
    assert json.loads(row[3]) == tags


def test_a_restore_records_who_restored_not_who_ran_the_run_put_back(sample_run, tmp_path):
    from customer_master.warehouse.restore import restore_run

    warehouse = tmp_path / "customer_master.duckdb"  # a copy of the sample warehouse with its folder (backups)
    shutil.copyfile(sample_run.warehouse, warehouse)
    shutil.copytree(layout(sample_run.warehouse).folder, layout(warehouse).folder)
    kept = layout(warehouse).backup_folders()[-1]
    original = json.loads((kept / "run.json").read_text(encoding="utf-8"))
    (kept / "run.json").write_text(json.dumps({**original, "started_by": "someone-else", "started_from": "elsewhere",
                                               "launched_by": "dagster schedule nightly_consolidation"}))
    run = restore_run(warehouse, sample_run.run_id)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute("SELECT started_by, started_from, launched_by, restored_from FROM meta.runs "
                          "WHERE run_id = ?", [run["run_id"]]).fetchone()
    assert row == (getpass.getuser(), socket.gethostname(), "cli", sample_run.run_id)
