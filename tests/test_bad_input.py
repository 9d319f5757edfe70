"""Bad input beside good files: each ends in quality.rejected_files or
quality.rejected with a clear reason, and the run succeeds for the rest."""

import io

import duckdb
import openpyxl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from conftest import run_pipeline, write_csv, write_xlsx
from customer_master.schemas.row_rules import NAMELESS_UNMATCHED


def _encrypt(plain: bytes, password: str) -> bytes:
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt(password, encrypted)
    return encrypted.getvalue()


@pytest.fixture(scope="module")
def bad_inbox_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    inbox = root / "inbox"
    good = write_xlsx(inbox / "sales" / "good.xlsx", {
        "客户": [["客户名称", "手机", "邮箱"],
                 ["华信科技有限公司", 13800138000, "info@huaxin.com.cn"],
                 ["宏达物流有限公司", "139-0013-9000", "not-an-email"],
                 ["合计", 2, None],
                 [None, "13700137000", "x@y.com"]],
        "说明": [["本表由销售部维护"], ["请勿修改格式"]],
    })
    write_csv(inbox / "shop" / "members.csv", ["姓名,手机号", "张伟,13800138001", "王芳,12345"], "utf-8-sig")
    (inbox / "sales" / "corrupt.xlsx").write_bytes(b"PK\x03\x04 this is not really a workbook")
    (inbox / "sales" / "locked.xlsx").write_bytes(_encrypt(good.read_bytes(), "secret"))
    (inbox / "sales" / "empty.csv").write_bytes(b"")
    write_csv(inbox / "shop" / "latin1.csv", ["Customer Name,Phone", "Café Müller,030123456"], "latin-1")  # read as such
    write_csv(inbox / "shop" / "koi8.csv", ["Имя,Телефон", "Иванов Иван,4951234567"], "koi8_r")
    write_csv(inbox / "shop" / "utf16.csv", ["姓名,手机号", "李娜,13800138002"], "utf-16")
    write_xlsx(inbox / "shop" / "notes_only.xlsx", {"备忘": [["下周拜访客户"], ["整理名单"]]})
    (inbox / "shop" / "scan.pdf").write_bytes(b"%PDF-1.4 ...")
    write_csv(inbox / "loose.csv", ["客户名称", "放错位置的公司"])
    write_csv(inbox / "shop" / "huge.csv", ["姓名,手机号"] + ["赵六,13800138003"] * 40000)
    stray = openpyxl.Workbook()  # 5 KB, but one cell at XFD1048576: calamine would ask for 549 GB
    stray.active.title = "客户"
    stray.active.append(["客户名称", "手机"])
    stray.active.append(["远航贸易有限公司", "13600136000"])
    stray.active["XFD1048576"] = "x"
    stray.save(inbox / "sales" / "stray_cell.xlsx")
    warehouse = root / "wh" / "customer_master.duckdb"
    outcome = run_pipeline(inbox, warehouse, max_file_mb=0.5)
    assert outcome.success, outcome.error
    return outcome


def _rejected_files(outcome) -> dict[tuple[str, str], str]:
    with duckdb.connect(str(outcome.warehouse), read_only=True) as con:
        return {(f, s): r for f, s, r in con.execute("SELECT file, sheet, reason FROM quality.rejected_files").fetchall()}


@pytest.mark.parametrize("file, sheet, reason", [
    ("sales/corrupt.xlsx", "", "corrupt or not a workbook"),
    ("sales/locked.xlsx", "", "password-protected"),
    ("sales/empty.csv", "", "empty file"),
    ("shop/koi8.csv", "", "unknown text encoding"),
    ("shop/utf16.csv", "", "UTF-16"),
    ("shop/notes_only.xlsx", "备忘", "no recognisable customer header"),
    ("sales/good.xlsx", "说明", "no recognisable customer header"),
    ("shop/scan.pdf", "", "unsupported file type"),
    ("loose.csv", "", "inbox root"),
    ("shop/huge.csv", "", "over the 0.5 MB limit"),
    ("sales/stray_cell.xlsx", "客户", "more than 20,000,000 cells"),
])
def test_unusable_files_and_sheets_are_rejected_with_a_reason(bad_inbox_run, file, sheet, reason):
    rejected = _rejected_files(bad_inbox_run)
    assert (file, sheet) in rejected, f"{file} '{sheet}' not in quality.rejected_files: {rejected}"
    assert reason in rejected[(file, sheet)]


def test_the_good_rows_still_reach_the_master(bad_inbox_run):
    with duckdb.connect(str(bad_inbox_run.warehouse), read_only=True) as con:
        names = {n for (n,) in con.execute("SELECT name FROM master.customers").fetchall()}
        rejected = con.execute("SELECT file, row_number, reason FROM quality.rejected ORDER BY 1, 2").fetchall()
        issues = con.execute("SELECT file, row_number, field, value, issue FROM quality.field_issues "
                             "ORDER BY 1, 2, 3").fetchall()
    assert {"华信科技有限公司", "宏达物流有限公司", "张伟", "王芳", "Café Müller"} <= names
    assert rejected == [("sales/good.xlsx", 4, "totals row (合计/Total), not a customer"),
                        ("sales/good.xlsx", 5, NAMELESS_UNMATCHED)]
    assert ("sales/good.xlsx", 3, "email", "not-an-email", "not a valid email address") in issues
    assert ("shop/members.csv", 3, "mobile", "12345", "impossible phone number") in issues
    assert bad_inbox_run.checks == {"row_accounting": True, "unique_master_id": True, "xref_points_at_a_master": True,
                                    "review_due_not_growing": True}


def test_the_quarantined_row_keeps_its_original_cells(bad_inbox_run):
    with duckdb.connect(str(bad_inbox_run.warehouse), read_only=True) as con:
        cells = con.execute("SELECT cells FROM quality.rejected WHERE row_number = 5").fetchone()[0]
    assert '"手机":"13700137000"' in cells and '"邮箱":"x@y.com"' in cells
