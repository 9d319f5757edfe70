"""The published warehouse: its contract, its invariants, and publishing while
other processes read it."""

import subprocess
import sys
import textwrap

import duckdb
import pytest

from conftest import SAMPLE_INBOX, copy_warehouse, run_pipeline
from customer_master.warehouse.checks import ALL_CHECKS
from customer_master.warehouse.layout import MODEL_TRAINING, layout

CONTRACT = {
    "master.customers": {"master_id", "customer_type", "name", "mobile", "phone", "email", "uscc", "id_number",
                         "address", "province", "city", "record_count", "source_count"},
    "master.xref": {"master_id", "source", "file", "sheet", "row_number", "match_probability"},
    "quality.rejected": {"source", "file", "sheet", "row_number", "reason", "cells"},
    "quality.rejected_files": {"source", "file", "sheet", "reason"},
    "quality.field_issues": {"source", "file", "sheet", "row_number", "field", "value", "issue"},
    "master.steward_decisions": {"decided_at", "decided_by", "decision", "row_identity_l", "row_identity_r",
                                 "master_id_l", "master_id_r", "status", "workbook", "workbook_sha256", "imported_by",
                                 "imported_from", "imported_at"},
    "meta.change_log": {"run_id", "changed_at", "master_id", "change", "fields", "related_id", "by_steward"},
    "meta.runs": {"run_id", "started_at", "finished_at", "files", "rows_ingested", "rows_accepted",
                  "rows_rejected", "master_customers"},
}


def _columns(con, table):
    schema, name = table.split(".")
    return {c for (c,) in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_schema = ? AND table_name = ?", [schema, name]).fetchall()}


def test_the_warehouse_has_the_contract_tables(sample_run):
    with duckdb.connect(str(sample_run.warehouse), read_only=True) as con:
        for table, columns in CONTRACT.items():
            assert columns <= _columns(con, table), f"{table} lacks {columns - _columns(con, table)}"
        types = dict(con.execute("SELECT customer_type, count(*) FROM master.customers GROUP BY 1").fetchall())
        files = con.execute("SELECT files FROM meta.runs").fetchone()[0]
    assert set(types) == {"company", "person"} and min(types.values()) > 100
    assert '"sha256"' in files and "key_accounts/" in files


def test_every_sample_row_is_in_exactly_one_place(sample_run):
    with duckdb.connect(str(sample_run.warehouse), read_only=True) as con:
        for name, check in ALL_CHECKS.items():
            assert check(con) == [], name
        placed, rows = con.execute("""SELECT (SELECT count(*) FROM master.xref) + (SELECT count(*) FROM quality.rejected)
                                             + (SELECT count(*) FROM master.interactions)
                                             + (SELECT count(*) FROM master.transactions),
                                             (SELECT rows_ingested FROM meta.runs)""").fetchone()
    assert placed == rows > 3000


@pytest.mark.parametrize("damage, check", [
    ("INSERT INTO master.xref SELECT * FROM master.xref LIMIT 1", "row accounting"),
    ("DELETE FROM quality.rejected WHERE rowid IN (SELECT min(rowid) FROM quality.rejected)", "row accounting"),
    ("INSERT INTO master.customers SELECT * FROM master.customers LIMIT 1", "unique master_id"),
    ("DELETE FROM master.customers WHERE master_id = (SELECT min(master_id) FROM master.customers)",
     "xref points at a master"),
])
def test_the_checks_catch_a_damaged_warehouse(sample_run, tmp_path, damage, check):
    copy = tmp_path / "damaged.duckdb"
    copy.write_bytes(sample_run.warehouse.read_bytes())
    with duckdb.connect(str(copy)) as con:
        con.execute(damage)
        assert ALL_CHECKS[check](con) != []


READER = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    before = con.execute("SELECT count(*) FROM meta.runs").fetchone()[0]
    print("ready", flush=True)
    sys.stdin.readline()  # hold the file open until the test says so
    after = con.execute("SELECT count(*) FROM meta.runs").fetchone()[0]
    print(before, after, flush=True)
""")

# what the run after the sample run is compared on: the same inbox gives the same answers
SNAPSHOT = ["SELECT * FROM master.customers ORDER BY master_id",
            "SELECT * FROM master.xref ORDER BY source, file, sheet, row_number",
            "SELECT * FROM master.field_lineage ORDER BY master_id, field",
            "SELECT model_json FROM master.models ORDER BY customer_type"]


def _snapshot(warehouse) -> list[list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [con.execute(query).fetchall() for query in SNAPSHOT]


@pytest.fixture(scope="module")
def second_run(sample_run, sample_settings_file, tmp_path_factory):
    """The sample inbox run again on a copy of the sample warehouse while another process
    holds that warehouse open: the second run and the runs the reader counted before and
    after it (the one run of this module; the next two tests read it)."""
    warehouse = copy_warehouse(sample_run.warehouse, tmp_path_factory.mktemp("second") / "customer_master.duckdb")
    reader = subprocess.Popen([sys.executable, "-c", READER, str(warehouse)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "ready"
        second = run_pipeline(SAMPLE_INBOX, warehouse, settings=sample_settings_file)
        out, _ = reader.communicate("go\n", timeout=30)
    finally:
        reader.kill()
    return second, tuple(map(int, out.split()))


def test_a_reader_holding_the_warehouse_open_does_not_block_a_run(sample_run, second_run):
    (second, seen), first = second_run, sample_run  # the sample run published here first
    warehouse = second.warehouse
    assert seen == (1, 1)  # the old reader keeps its consistent view: the sample run only
    with duckdb.connect(str(warehouse), read_only=True) as con:  # a new reader sees the new run
        runs = con.execute("SELECT run_id FROM meta.runs ORDER BY started_at").fetchall()
    assert [r[0] for r in runs] == [first.run["run_id"], second.run["run_id"]]
    assert not list(layout(warehouse).building.glob("*")), "the build file was not cleaned up"
    for run in (first, second):  # every run's models are archived for audit, with what they were trained on
        archived = layout(warehouse).run_models(run.run["run_id"])
        assert sorted(p.name for p in archived.iterdir()) == [
            "company.json", "company_match_weights.html", "person.json", "person_match_weights.html", MODEL_TRAINING]
        assert '"comparisons"' in (archived / "person.json").read_text(encoding="utf-8")
        page = (archived / "person_match_weights.html").read_text(encoding="utf-8")
        assert "<html" in page.lower() and "birth_date" in page  # the chart names the model's comparisons
    with duckdb.connect(str(warehouse), read_only=True) as con:  # and what it learned is a table
        learned = con.execute("SELECT customer_type, comparison, level, match_weight FROM master.model_weights "
                              "WHERE run_id = ?", [second.run["run_id"]]).fetchall()
    assert {(t, c) for t, c, _, _ in learned} >= {("company", "name"), ("person", "birth_date")}
    exact_name = [w for t, c, level, w in learned if (t, c, level) == ("company", "name", "Exact match on name_core")]
    assert exact_name and exact_name[0] > 0


def test_a_failed_run_leaves_the_published_warehouse_alone(sample_warehouse_copy, tmp_path):
    warehouse = sample_warehouse_copy  # published by the sample run
    published = warehouse.read_bytes()
    bad_inbox = tmp_path / "inbox"
    (bad_inbox / "sales").mkdir(parents=True)
    (bad_inbox / "sources.yaml").write_text("sources:\n  sales:\n    party_type: alien\n", encoding="utf-8")
    failed = run_pipeline(bad_inbox, warehouse, expect_failure=True)
    assert not failed.success
    assert failed.failed_step == "ingested_rows" and "party_type" in failed.error
    assert warehouse.read_bytes() == published


def test_the_same_inbox_gives_the_same_master(sample_run, second_run):
    second, _ = second_run
    for query, first, again in zip(SNAPSHOT, _snapshot(sample_run.warehouse), _snapshot(second.warehouse)):
        assert first == again, query
    with duckdb.connect(str(second.warehouse), read_only=True) as con:
        changes = con.execute("SELECT count(*) FROM meta.change_log WHERE run_id = ?", [second.run_id]).fetchone()[0]
    assert changes == 0  # the second run changed nothing
