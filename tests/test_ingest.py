import datetime as dt
import json
import zipfile

import openpyxl
import pandas as pd
import pytest

from conftest import SAMPLE_INBOX, SAMPLE_TRUTH, write_csv, write_xlsx
from customer_master.ingest.inbox import ingest_inbox
from customer_master.sources import SourcesFileError


def test_lineage_row_numbers_are_what_a_person_sees_in_excel(tmp_path):
    write_xlsx(tmp_path / "inbox" / "sales" / "大客户.xlsx", {
        "名录": [["大客户名录"], ["制表人：王芳"], [], ["客户名称", "手机", "客户经理"],
                 ["华信科技有限公司", 13800138000, "李雷"], [None, None, None], ["宏达物流有限公司", None, "韩梅梅"]],
    }, merge={"名录": ["A1:C1"]})
    result = ingest_inbox(tmp_path / "inbox")
    rows = result.rows
    assert rows[["source", "file", "sheet", "row_number", "name"]].values.tolist() == [
        ["sales", "sales/大客户.xlsx", "名录", 5, "华信科技有限公司"],
        ["sales", "sales/大客户.xlsx", "名录", 7, "宏达物流有限公司"],
    ]
    sheet = result.sheets.iloc[0]
    assert (sheet.header_row, sheet.data_rows, sheet.blank_rows_skipped) == (4, 2, 1)
    # the unknown column is kept as an extra attribute, and every original cell in raw
    assert json.loads(rows.extra.iloc[0]) == {"客户经理": "李雷"}
    assert json.loads(rows.raw.iloc[1])["客户名称"] == "宏达物流有限公司"


def test_numbers_and_dates_stored_by_excel_read_back_as_text(tmp_path):
    write_xlsx(tmp_path / "inbox" / "shop" / "members.xlsx", {
        "S": [["姓名", "手机", "电话", "出生日期", "登记日期"],
              ["张伟", 13800138000, 13900139000.0, dt.date(1990, 5, 1), 45000],
              ["王芳", 1.3800138e10, "010-12345678", dt.datetime(1988, 1, 2, 0, 0), "2026/3/5"]],
    })
    rows = ingest_inbox(tmp_path / "inbox").rows
    assert rows.mobile.tolist() == ["13800138000", "13800138000"]
    assert rows.phone.tolist() == ["13900139000", "010-12345678"]
    assert rows.birth_date.tolist() == ["1990-05-01", "1988-01-02"]
    assert rows.created_at.tolist() == ["45000", "2026/3/5"]  # serials are parsed in standardise


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_bom_and_gbk(tmp_path, encoding):
    write_csv(tmp_path / "inbox" / "east" / "list.csv",
              ["客户名称,手机号,地址", "华信科技有限公司,13800138000,北京市海淀区", "", "宏达物流,13900139000,上海市"],
              encoding=encoding)
    result = ingest_inbox(tmp_path / "inbox")
    assert result.rows.name.tolist() == ["华信科技有限公司", "宏达物流"]
    assert result.rows.row_number.tolist() == [2, 4]  # header is row 1; the blank line is row 3
    assert result.rows.sheet.tolist() == ["", ""]
    assert result.files.status.tolist() == ["read"]


def test_repeated_header_rows_are_skipped_and_counted(tmp_path):
    write_xlsx(tmp_path / "inbox" / "channel" / "x.xlsx", {
        "S": [["Customer Name", "Mobile", "Email"], ["Acme Trading Ltd", "13800138000", "a@acme.com"],
              ["Customer Name", "Mobile", "Email"], ["Beta Foods Co", "13900139000", "b@beta.com"]],
    })
    result = ingest_inbox(tmp_path / "inbox")
    assert result.rows.row_number.tolist() == [2, 4]
    assert result.sheets.header_rows_skipped.tolist() == [1]


def test_sources_file_overrides_mapping_party_type_and_trust(tmp_path):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "finance" / "ar.csv", ["户名,往来电话", "华信科技,13800138000"])
    (inbox / "sources.yaml").write_text(
        "sources:\n  finance:\n    party_type: company\n    trust_rank: 2\n"
        "    columns: {户名: name, 往来电话: mobile}\n", encoding="utf-8")
    row = ingest_inbox(inbox).rows.iloc[0]
    assert (row["name"], row.mobile, row.party_type, row.trust_rank) == ("华信科技", "13800138000", "company", 2)


def test_a_broken_sources_file_names_the_key_at_fault(tmp_path):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "finance" / "ar.csv", ["客户名称", "华信科技"])
    (inbox / "sources.yaml").write_text("sources:\n  finance:\n    columns: {户名: nickname}\n", encoding="utf-8")
    with pytest.raises(SourcesFileError, match=r"sources.finance.columns\['户名'\].*nickname"):
        ingest_inbox(inbox)


def test_sample_inbox_rows_match_the_generators_truth():
    truth = pd.read_csv(SAMPLE_TRUTH, dtype=str, keep_default_na=False)
    rows = ingest_inbox(SAMPLE_INBOX).rows
    key = ["source", "file", "sheet", "row_number"]
    ingested = set(map(tuple, rows[key].astype(str).values.tolist()))
    expected = set(map(tuple, truth[key].values.tolist()))
    assert ingested == expected
    assert len(rows) == len(truth)


def test_a_csv_cell_longer_than_pythons_csv_limit_is_read(tmp_path):
    note = "多次来电咨询" * 30000  # 180,000 characters: past the csv module's default 131,072
    write_csv(tmp_path / "inbox" / "after_sales" / "calls.csv", ["姓名,手机号,备注", f"张伟,13800138000,{note}"])
    result = ingest_inbox(tmp_path / "inbox")
    assert result.files.status.tolist() == ["read"] and result.rows.name.tolist() == ["张伟"]
    assert note in result.rows.raw.iloc[0]


def test_hidden_lock_and_linked_files_are_listed_not_read(tmp_path):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "shop" / "members.csv", ["姓名,手机号", "张伟,13800138001"])
    write_csv(inbox / "shop" / ".draft.csv", ["姓名,手机号", "王芳,13900139002"])
    write_csv(inbox / "shop" / "~$members.csv", ["姓名,手机号", "李娜,13700137003"])
    outside = write_csv(tmp_path / "elsewhere.csv", ["姓名,手机号", "赵六,13600136004"])
    (inbox / "shop" / "linked.csv").symlink_to(outside)
    (inbox / "shop" / "broken.csv").symlink_to(tmp_path / "gone.csv")
    (inbox / "shop" / "same.csv").symlink_to(inbox / "shop" / "members.csv")  # a link within the inbox is read
    result = ingest_inbox(inbox)
    reasons = dict(zip(result.files.file, result.files.reason))
    assert set(result.rows.name) == {"张伟"} and len(result.rows) == 2
    assert "hidden" in reasons["shop/.draft.csv"] and "lock file" in reasons["shop/~$members.csv"]
    assert "outside the inbox" in reasons["shop/linked.csv"] and "broken link" in reasons["shop/broken.csv"]
    assert set(result.files.loc[result.files.status.isin(["rejected", "ignored"]), "sha256"]) == {""}  # none opened
    assert dict(zip(result.files.file, result.files.status))["shop/~$members.csv"] == "ignored"


def test_a_rows_first_filled_cell_and_the_files_stacked():
    """Two array shortcuts of ingest, against what pandas would do the slow way."""
    import numpy as np

    from customer_master.ingest.inbox import ROW_COLUMNS, _stacked
    from customer_master.ingest.sheet_rows import _first_filled

    cells = np.array([["", "合计", "9"], [None, "", ""], ["a", "b", ""], ["", "", "x"]], dtype=object)
    assert _first_filled(cells).tolist() == ["合计", None, "a", "x"]

    a = pd.DataFrame({"name": ["甲", "乙"], "mobile": [None, None], "trust_rank": [1, 1]})
    b = pd.DataFrame({"name": ["丙"], "mobile": ["13800138000"], "trust_rank": [2]})
    stacked = _stacked([a, b])
    assert stacked["mobile"].tolist() == [None, None, "13800138000"]  # None, not NaN, in the empty file's gap
    assert stacked["name"].tolist() == ["甲", "乙", "丙"] and stacked["trust_rank"].tolist() == [1, 1, 2]
    assert set(ROW_COLUMNS[1:]) <= set(stacked.columns)


def test_a_workbook_that_unpacks_to_far_more_than_its_size_is_refused_before_it_is_read(tmp_path):
    """A few hundred KB that unpack to over 100 MB of sheet XML (millions of empty rows,
    or a zip bomb) are refused from the zip's directory, with the reason; the other
    files of the inbox are read."""
    inbox = tmp_path / "inbox"
    write_csv(inbox / "shop" / "members.csv", ["姓名,手机号", "张伟,13800138000"])
    small = tmp_path / "small.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["客户名称", "手机"])
    book.save(small)
    bomb = inbox / "sales" / "blank_rows.xlsx"
    bomb.parent.mkdir(parents=True)
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename != "xl/worksheets/sheet1.xml":
                target.writestr(member, source.read(member))
                continue
            with target.open(member.filename, "w", force_zip64=True) as sheet:
                sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                for _ in range(20):
                    sheet.write(b"<row/>" * 1_000_000)  # 120 MB of rows in all
                sheet.write(b"</sheetData></worksheet>")
    assert bomb.stat().st_size < 2**20

    result = ingest_inbox(inbox)
    status = result.files.set_index("file")
    assert status.loc["sales/blank_rows.xlsx", "status"] == "rejected"
    reason = result.rejected_files.set_index("file").loc["sales/blank_rows.xlsx", "reason"]
    assert "unpacks" in reason and "MB of XML" in reason and "empty rows" in reason
    assert status.loc["shop/members.csv", "status"] == "read" and result.rows.name.tolist() == ["张伟"]
