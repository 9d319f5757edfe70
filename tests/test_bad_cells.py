"""Bad cells (issue 11): Excel error values and numbers whose digits a float lost
are field issues naming file, sheet, row, column and the cause, and their value
is not used, in a workbook and in a CSV saved from one."""

import struct

import duckdb
import olefile
import openpyxl
import pytest
import xlwt
from python_calamine import CalamineWorkbook

from conftest import run_pipeline, write_csv, write_xlsx
from customer_master.ingest.readers import read_file
from customer_master.ingest.xls_errors import ERROR_CODES, FORMULA

ERRORS = ["#REF!", "#N/A", "#DIV/0!", "#VALUE!", "#NAME?", "#NULL!", "#NUM!"]
VALID_ID = "110105199003074514"


@pytest.fixture(scope="module")
def bad_cells_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("cells")
    inbox = root / "inbox"
    write_xlsx(inbox / "sales" / "errors.xlsx", {"客户": [
        ["客户名称", "手机", "邮箱", "地址", "备注"],
        ["华信科技有限公司", "13800138000", "#REF!", "北京市海淀区中关村大街1号", None],
        ["宏达物流有限公司", "#N/A", "info@hongda.com", "#VALUE!", "#DIV/0!"],
        ["#NAME?", "13900139000", None, None, None],
        ["远航贸易有限公司", "#NULL!", "#NUM!", "上海市浦东新区世纪大道100号", None],
    ]})
    write_csv(inbox / "shop" / "errors.csv", ["姓名,手机号,邮箱", "张伟,#REF!,zw@example.com",
                                              "王芳,13800138001,#N/A", "#DIV/0!,13700137000,"], "utf-8-sig")
    write_xlsx(inbox / "sales" / "numbers.xlsx", {"会员": [
        ["姓名", "手机", "身份证号", "电话"],
        ["李娜", 13800000000, None, None],               # shown as 1.38E+10 and typed back: 8 digits gone
        ["赵敏", 13800138002, float(VALID_ID), None],    # an 18-digit ID number as a number: Excel keeps 15
        ["孙丽", 13800138003, None, 12345678901234567.0],  # above 2**53: a float cannot hold it
        ["周杰", 13800138004, None, None],               # a phone as a number whose digits all survived
    ]})
    write_xls(inbox / "sales" / "errors.xls", "客户", [
        ["客户名称", "手机", "邮箱", "地址"],
        ["新星电子有限公司", "13600136000", "#REF!", "北京市朝阳区建国路88号"],
        ["长城建材有限公司", "#N/A", "sales@changcheng.com", None],
        ["#NAME?", "13500135000", None, None],
    ], formula_errors={(2, 3): "#DIV/0!"})
    write_csv(inbox / "shop" / "ids.csv", ["姓名,手机号,身份证号", "钱多,13800138005,1.10105E+17",
                                           "吴用,13800138006,110105199003074000"], "utf-8-sig")
    warehouse = root / "wh" / "customer_master.duckdb"
    outcome = run_pipeline(inbox, warehouse)
    assert outcome.success, outcome.error
    with duckdb.connect(str(outcome.warehouse), read_only=True) as con:
        issues = con.execute("SELECT file, sheet, row_number, field, value, issue FROM quality.field_issues").fetchall()
        customers = con.execute("SELECT name, mobile, phone, email, address, id_number FROM master.customers").fetchall()
        rejected = con.execute("SELECT file, row_number, reason FROM quality.rejected").fetchall()
    return outcome, issues, customers, rejected


CODES = {text: code for code, text in ERROR_CODES.items()}


def write_xls(path, sheet_name, rows, formula_errors=None):
    """A real .xls (BIFF8, written by xlwt): an error value in `rows` is an error
    cell (BOOLERR); each (row, column) of `formula_errors` a formula whose cached
    result is that error, as Excel saves `=1/0` (xlwt caches no result: the
    record's result bytes are set here, in the file's Workbook stream)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet(sheet_name)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value in CODES:
                sheet.row(r).set_cell_error(c, CODES[value])
            elif value is not None:
                sheet.write(r, c, value)
    for (r, c) in formula_errors or {}:
        sheet.write(r, c, xlwt.Formula("1/0"))
    book.save(str(path))
    if formula_errors:
        with olefile.OleFileIO(str(path), write_mode=True) as ole:
            stream = bytearray(ole.openstream("Workbook").read())
            offset = 0
            while offset + 4 <= len(stream):
                kind, size = struct.unpack_from("<HH", stream, offset)
                cell = struct.unpack_from("<HH", stream, offset + 4) if kind == FORMULA else None
                if cell in formula_errors:
                    code = CODES[formula_errors[cell]]
                    stream[offset + 10:offset + 18] = bytes([2, 0, code, 0, 0, 0, 0xFF, 0xFF])
                offset += 4 + size
            ole.write_stream("Workbook", bytes(stream))
    return path


def _issue(issues, file, row, field):
    found = [(value, issue) for f, _, r, fld, value, issue in issues if (f, r, fld) == (file, row, field)]
    assert len(found) == 1, f"{file} row {row} {field}: {found} in {issues}"
    return found[0]


def test_the_workbook_holds_error_cells(bad_cells_run, tmp_path):
    sheet = openpyxl.load_workbook(bad_cells_run[0].warehouse.parents[1] / "inbox" / "sales" / "errors.xlsx")["客户"]
    assert {c.value for c in sheet._cells.values() if c.data_type == "e"} == set(ERRORS)


def test_calamine_blanks_the_error_cells_of_an_xls_and_the_reader_gives_their_values(tmp_path):
    """What the .xls scan (xls_errors.py) is for: calamine reads an error cell, typed
    or a formula's cached result, as empty."""
    path = write_xls(tmp_path / "errors.xls", "客户", [["名称", "手机", "地址"], ["甲公司", "#REF!", None],
                                                    ["乙公司", "#N/A", "#NULL!"]], formula_errors={(1, 2): "#DIV/0!"})
    blank = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("客户").to_python(skip_empty_area=False)
    assert blank[1][1:] == ["", ""] and blank[2][1:] == ["", ""]
    [grid] = read_file(path)
    assert grid.sheet == "客户"
    assert [row[:3] for row in grid.rows] == [["名称", "手机", "地址"], ["甲公司", "#REF!", "#DIV/0!"],
                                              ["乙公司", "#N/A", "#NULL!"]]


@pytest.mark.parametrize("file, sheet, row, field, error, column", [
    ("sales/errors.xlsx", "客户", 2, "email", "#REF!", "邮箱"),
    ("sales/errors.xlsx", "客户", 3, "mobile", "#N/A", "手机"),
    ("sales/errors.xlsx", "客户", 3, "address", "#VALUE!", "地址"),
    ("sales/errors.xlsx", "客户", 3, "备注", "#DIV/0!", "备注"),  # a column no field maps
    ("sales/errors.xlsx", "客户", 4, "name", "#NAME?", "客户名称"),
    ("sales/errors.xlsx", "客户", 5, "mobile", "#NULL!", "手机"),
    ("sales/errors.xlsx", "客户", 5, "email", "#NUM!", "邮箱"),
    ("sales/errors.xls", "客户", 2, "email", "#REF!", "邮箱"),
    ("sales/errors.xls", "客户", 3, "mobile", "#N/A", "手机"),
    ("sales/errors.xls", "客户", 3, "address", "#DIV/0!", "地址"),  # a formula's cached result
    ("sales/errors.xls", "客户", 4, "name", "#NAME?", "客户名称"),
    ("shop/errors.csv", "", 2, "mobile", "#REF!", "手机号"),
    ("shop/errors.csv", "", 3, "email", "#N/A", "邮箱"),
    ("shop/errors.csv", "", 4, "name", "#DIV/0!", "姓名"),
])
def test_excel_error_is_a_field_issue_naming_the_cell(bad_cells_run, file, sheet, row, field, error, column):
    _, issues, _, _ = bad_cells_run
    value, issue = _issue(issues, file, row, field)
    assert value == error
    assert f"Excel error {error} in column '{column}'" in issue and "not used" in issue
    assert [s for f, s, r, *_ in issues if (f, r) == (file, row)][0] == sheet


def test_error_values_are_not_used(bad_cells_run):
    outcome, _, customers, rejected = bad_cells_run
    values = {v for row in customers for v in row if v}
    assert not {v for v in values if v.startswith("#")}, values
    names = {row[0] for row in customers}
    assert {"华信科技有限公司", "宏达物流有限公司", "远航贸易有限公司", "张伟", "王芳", "新星电子有限公司",
            "长城建材有限公司"} <= names
    # the rows named by an error have no name: they go on by their mobile, and to quarantine when it matches none
    assert {("sales/errors.xlsx", 4), ("shop/errors.csv", 4)} <= {(f, r) for f, r, _ in rejected}
    assert outcome.checks["row_accounting"]


@pytest.mark.parametrize("file, row, field, value, cause", [
    ("sales/numbers.xlsx", 2, "mobile", "13800000000", "stored as a number in Excel (1.38E+10); digits lost"),
    ("sales/numbers.xlsx", 3, "id_number", None, "stored as a number in Excel (1.10105199003074E+17); digits lost"),
    ("sales/numbers.xlsx", 4, "phone", None, "stored as a number in Excel"),
    ("shop/ids.csv", 2, "id_number", "1.10105E+17", "stored as a number in Excel; digits lost"),
    ("shop/ids.csv", 3, "id_number", "110105199003074000", "probably stored as a number in Excel"),
])
def test_number_that_lost_its_digits_is_a_field_issue_naming_the_cause(bad_cells_run, file, row, field, value,
                                                                       cause):
    _, issues, _, _ = bad_cells_run
    found, issue = _issue(issues, file, row, field)
    assert value is None or found == value
    assert cause in issue and "format the column as text" in issue


def test_lost_digits_give_no_confident_value(bad_cells_run):
    _, issues, customers, _ = bad_cells_run
    by_name = {row[0]: row for row in customers}
    assert by_name["李娜"][1] is None  # not +8613800000000
    assert by_name["赵敏"][5] is None and by_name["孙丽"][2] is None
    assert by_name["周杰"][1] == "+8613800138004"  # a number whose digits survived reads back
    assert not [i for i in issues if i[0] == "sales/numbers.xlsx" and i[2] == 5]


def test_the_reader_keeps_what_an_error_cell_says(tmp_path):
    path = write_xlsx(tmp_path / "e.xlsx", {"S": [["客户名称", "手机"], ["华信", "#REF!"]]})
    (grid,) = read_file(path)
    assert grid.rows == [["客户名称", "手机"], ["华信", "#REF!"]]
