"""Hidden sheets and ignored files (issue 11): quality.sheets says each sheet's
visibility (a hidden sheet's rows are read like any other's, and the steward can
see where they came from); the files the inbox ignores (hidden files, Office lock
files) are in meta.files with status 'ignored' and in quality.rejected_files."""

import duckdb
import openpyxl

from conftest import run_pipeline, write_csv


def test_sheet_visibility_and_ignored_files_are_recorded(tmp_path):
    inbox = tmp_path / "inbox"
    workbook = openpyxl.Workbook()
    for name, state, customer in [("客户", "visible", "华信科技有限公司"), ("旧客户", "hidden", "宏达物流有限公司"),
                                  ("隐藏", "veryHidden", "远航贸易有限公司")]:
        sheet = workbook.active if name == "客户" else workbook.create_sheet(name)
        sheet.title, sheet.sheet_state = name, state
        sheet.append(["客户名称", "手机"])
        sheet.append([customer, f"1380013800{len(name)}"])
    (inbox / "sales").mkdir(parents=True)
    workbook.save(inbox / "sales" / "customers.xlsx")
    write_csv(inbox / "sales" / "~$customers.xlsx", ["locked"])
    write_csv(inbox / "sales" / ".draft.csv", ["客户名称,手机", "草稿公司,13900139000"])
    outcome = run_pipeline(inbox, tmp_path / "wh" / "customer_master.duckdb")
    assert outcome.success, outcome.error
    with duckdb.connect(str(outcome.warehouse), read_only=True) as con:
        sheets = dict(con.execute("SELECT sheet, visibility FROM quality.sheets WHERE status = 'read'").fetchall())
        files = {f: (s, r) for f, s, r in con.execute("SELECT file, status, reason FROM meta.files").fetchall()}
        rejected = {f: r for f, r in con.execute("SELECT file, reason FROM quality.rejected_files").fetchall()}
        names = {n for (n,) in con.execute("SELECT name FROM master.customers").fetchall()}
    assert sheets == {"客户": "visible", "旧客户": "hidden", "隐藏": "very hidden"}
    assert names == {"华信科技有限公司", "宏达物流有限公司", "远航贸易有限公司"}
    assert files["sales/~$customers.xlsx"][0] == "ignored" and "lock file" in files["sales/~$customers.xlsx"][1]
    assert files["sales/.draft.csv"][0] == "ignored" and "hidden file" in files["sales/.draft.csv"][1]
    assert files["sales/customers.xlsx"][0] == "read"
    assert rejected["sales/~$customers.xlsx"] == files["sales/~$customers.xlsx"][1]  # one reason, in both places
    assert rejected["sales/.draft.csv"] == files["sales/.draft.csv"][1]
