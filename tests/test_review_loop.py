"""The steward review loop with a real workbook: export, decide, import, and
every later run honours the decisions."""

import shutil

import duckdb
import openpyxl
import pytest

from conftest import SAMPLE_INBOX, copy_warehouse, run_pipeline, sample_departments, write_xlsx
from customer_master.cli import main
from customer_master.review.decisions import load_decisions
from customer_master.review.outbox import TO_REVIEW
from customer_master.review.folder import import_pending
from customer_master.review.export import column_label, export_review
from customer_master.xlsx_text import as_text
from customer_master.review.workbook import import_review
from customer_master.warehouse.layout import layout


def _master_of(warehouse, identity):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT master_id FROM master.xref WHERE row_identity = ?", [identity]).fetchone()[0]


@pytest.fixture(scope="module")
def loop(tmp_path_factory, sample_run, sample_settings_file):
    root = tmp_path_factory.mktemp("review")
    inbox = root / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    # the first run is the session's sample run: its warehouse and folder, copied
    warehouse = copy_warehouse(sample_run.warehouse, root / "wh" / "customer_master.duckdb")
    workbook = root / "review.xlsx"
    exported = export_review(warehouse, workbook, language="en").pairs
    book = openpyxl.load_workbook(workbook)
    sheet = book["review"]
    header = [c.value for c in sheet[1]]
    col = {name: header.index(column_label(name, "en"))
           for name in ("decision", "merged_now", "row_identity_l", "row_identity_r")}
    rows = list(sheet.iter_rows(min_row=2))
    merged = next(r for r in rows if r[col["merged_now"]].value == "yes")
    apart = next(r for r in rows if r[col["merged_now"]].value == "no")
    merged[col["decision"]].value = "no match"
    apart[col["decision"]].value = "match"
    book.properties.lastModifiedBy = "王芳"
    book.save(workbook)
    pairs = {name: (r[col["row_identity_l"]].value, r[col["row_identity_r"]].value)
             for name, r in (("no match", merged), ("match", apart))}
    stored = import_review(warehouse, workbook)
    with duckdb.connect(str(warehouse), read_only=True) as con:  # a row of a multi-row master to detach
        detach = con.execute("""SELECT source, file, sheet, row_number, row_identity, master_id FROM master.xref
                                WHERE master_id IN (SELECT master_id FROM master.customers WHERE record_count >= 3)
                                ORDER BY source, file, row_number LIMIT 1""").fetchone()
    assert main(["review", "detach", "--warehouse", str(warehouse), "--source", detach[0],
                 "--file", detach[1], "--sheet", detach[2], "--row", str(detach[3])]) == 0
    second = run_pipeline(inbox, warehouse, settings=sample_settings_file)
    snapshot_second = {k: (_master_of(warehouse, a), _master_of(warehouse, b)) for k, (a, b) in pairs.items()}
    detached_second = _master_of(warehouse, detach[4])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        changes_second = con.execute("SELECT master_id, change, related_id, by_steward FROM meta.change_log "
                                     "WHERE run_id = ?", [second.run_id]).df()
        table_second = con.execute("SELECT * FROM master.steward_decisions").df()
    workbook_second = next((warehouse.parent / "review" / TO_REVIEW).glob(f"*{second.run_id[:8]}.xlsx"))
    third = run_pipeline(inbox, warehouse, threshold=0.9, settings=sample_settings_file)  # retrained, another threshold
    assert second.success and third.success
    return {"exported": exported, "stored": stored, "pairs": pairs, "second": snapshot_second,
            "detach": detach, "detached_second": detached_second, "warehouse": warehouse,
            "first": {k: (_master_of(sample_run.warehouse, a), _master_of(sample_run.warehouse, b))
                      for k, (a, b) in pairs.items()},
            "changes_second": changes_second, "table_second": table_second, "workbook_second": workbook_second}


def test_the_workbook_round_trip_stores_who_decided_what(loop):
    assert loop["exported"] > 10 and loop["stored"] == 2
    decisions = load_decisions(loop["warehouse"])
    pair_decisions = decisions[decisions.decision != "detach"]
    assert sorted(pair_decisions.decision) == ["match", "no match"]
    assert set(pair_decisions.decided_by) == {"王芳"} and set(pair_decisions.workbook) == {"review.xlsx"}
    assert pair_decisions.decided_at.notna().all()


def test_no_match_splits_and_stays_split_after_retraining(loop):
    a, b = loop["pairs"]["no match"]
    assert loop["second"]["no match"][0] != loop["second"]["no match"][1]
    assert _master_of(loop["warehouse"], a) != _master_of(loop["warehouse"], b)


def test_match_merges(loop):
    a, b = loop["pairs"]["match"]
    assert loop["second"]["match"][0] == loop["second"]["match"][1]
    assert _master_of(loop["warehouse"], a) == _master_of(loop["warehouse"], b)


def test_a_detached_row_leaves_its_master(loop):
    *_, identity, old_master = loop["detach"]
    assert loop["detached_second"] != old_master
    with duckdb.connect(str(loop["warehouse"]), read_only=True) as con:
        alone = con.execute("SELECT record_count FROM master.customers WHERE master_id = ?",
                            [_master_of(loop["warehouse"], identity)]).fetchone()[0]
        stays = con.execute("SELECT count(*) FROM master.customers WHERE master_id = ?", [old_master]).fetchone()[0]
    assert alone == 1 and stays == 1  # the rest of the customer keeps its id


def test_the_decisions_are_a_warehouse_table_with_decider_and_importer(loop):
    table = loop["table_second"]
    assert sorted(table.decision) == ["detach", "match", "no match"]
    pairs = table[table.decision != "detach"]
    assert set(pairs.decided_by) == {"王芳"} and set(pairs.workbook) == {"review.xlsx"}
    assert pairs.workbook_sha256.str.fullmatch(r"[0-9a-f]{64}").all()
    assert table.imported_by.notna().all() and table.imported_at.notna().all()
    assert set(table.status) == {"in force"}
    match = table[table.decision == "match"].iloc[0]
    assert match.master_id_l == match.master_id_r == loop["second"]["match"][0]
    no_match = table[table.decision == "no match"].iloc[0]
    assert (no_match.master_id_l, no_match.master_id_r) == loop["second"]["no match"]


def test_the_change_log_marks_the_merges_and_splits_a_steward_caused(loop):
    changes = loop["changes_second"]
    by_steward = changes[changes.by_steward]
    first_match, first_apart = loop["first"]["match"], loop["first"]["no match"]
    # 'match' joined two masters of the first run: one of them retired into the other
    merged = by_steward[by_steward.change == "merged"]
    assert len(merged) == 1 and {merged.master_id.iloc[0], merged.related_id.iloc[0]} == set(first_match)
    # 'no match' and the detach each split a new master out of an old one
    splits = by_steward[by_steward.change == "split"]
    assert set(splits.related_id) == {first_apart[0], loop["detach"][5]}
    assert loop["second"]["no match"][1] in set(splits.master_id) | {first_apart[0]}
    assert loop["detached_second"] in set(splits.master_id)
    # what the model did alone is not a steward's
    assert not changes[~changes.by_steward & changes.change.isin(["merged", "split"])].master_id.isin(
        by_steward.master_id).any()


def test_the_next_runs_workbook_says_a_steward_decided(loop):
    book = openpyxl.load_workbook(loop["workbook_second"])
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    at = {key: header.index(column_label(key, language)) for language in ("en", "zh")
          for key in ("why", "earlier_decision", "row_identity_l", "row_identity_r")
          if column_label(key, language) in header}
    rows = {frozenset((r[at["row_identity_l"]], r[at["row_identity_r"]])): r
            for r in sheet.iter_rows(min_row=2, values_only=True)}
    found = [d for d in ("match", "no match") if frozenset(loop["pairs"][d]) in rows]
    assert found  # (a pair may leave the review band: its probability moves with the retrained model)
    for decision in found:
        row = rows[frozenset(loop["pairs"][decision])]
        assert "王芳" in row[at["earlier_decision"]]
        assert row[at["why"]] in ("a steward decided " + decision,
                                  "数据管理员已判定为" + ("同一客户" if decision == "match" else "不同客户"))
    decided = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[at["earlier_decision"]]]
    undecided = [r for r in sheet.iter_rows(min_row=2, values_only=True) if not r[at["earlier_decision"]]]
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == undecided + decided  # the decided ones last


def test_decisions_on_rows_that_left_are_reported(loop, tmp_path):
    warehouse = tmp_path / "wh" / "customer_master.duckdb"
    shutil.copytree(layout(loop["warehouse"]).state, layout(warehouse).state)  # the decisions so far
    source, *_, identity, _ = loop["detach"]
    # the department of the detached row leaves the inbox (with most others: one small department stays)
    stays = next(department for department in ("purchasing", "finance") if department != source)
    run_pipeline(sample_departments(tmp_path / "inbox", [stays]), warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        unresolved = con.execute("SELECT row_identity_l, decision FROM quality.unresolved_decisions").fetchall()
    assert (identity, "detach") in unresolved


def test_the_review_folder_imports_workbooks_and_sets_bad_ones_aside(loop, tmp_path):
    review = tmp_path / "review"
    workbook = review / "inbox" / "复核.xlsx"
    export_review(loop["warehouse"], workbook, language="en")
    book = openpyxl.load_workbook(workbook)
    book["review"]["A2"].value = "no match"
    book.save(workbook)
    write_xlsx(review / "inbox" / "notes.xlsx", {"Sheet": [["just", "notes"]]})
    before = len(load_decisions(loop["warehouse"]))
    outcomes = dict(import_pending(review, loop["warehouse"]))
    assert outcomes["复核.xlsx"] == 1 and str(outcomes["notes.xlsx"]).startswith("rejected")
    assert len(load_decisions(loop["warehouse"])) == before + 1
    assert [p.name.split("-", 2)[-1] for p in (review / "imported").iterdir()] == ["复核.xlsx"]
    errors = list((review / "rejected").glob("*.error.txt"))
    assert len(errors) == 1 and "not a review workbook" in errors[0].read_text(encoding="utf-8")
    assert not list((review / "inbox").iterdir())


def test_formula_like_text_is_written_as_text(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name"])
    sheet.append(['=HYPERLINK("http://x","click")'])
    sheet.append(["+86 138 0013 8000"])
    for (cell,) in sheet.iter_rows(min_row=2):
        as_text(cell)
    book.save(tmp_path / "t.xlsx")
    again = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert again["A2"].data_type == "s" and again["A2"].value == '=HYPERLINK("http://x","click")'
    assert again["A3"].data_type == "s"
