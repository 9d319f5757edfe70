"""Headers are the first evidence, content the second: the common headers of
real department sheets, and columns recognised by what they hold when their
header says nothing we know. A sheet is rejected only when no column can carry
a name."""

import json

import pandas as pd
import pytest

from conftest import write_csv, write_xlsx
from customer_master.ingest.column_content import content_fields, guess_field
from customer_master.ingest.headers import field_for_header
from customer_master.ingest.inbox import ingest_inbox


@pytest.mark.parametrize("header, field", [
    ("客户全称", "name"), ("单位全称", "name"), ("开票抬头", "name"), ("Organisation", "name"), ("Org Name", "name"),
    ("Middle Name", "middle_name"), ("Website", "website"), ("网址", "website"), ("主页", "website"),
    ("Zip/Postal Code", "postcode"), ("Postal Code", "postcode"), ("House No.", "house_number"),
    ("street_number", "house_number"), ("County", "district"), ("区县", "district"), ("State/Province", "province"),
    ("address_2", "unit"), ("Suite", "unit"), ("Country", "country"), ("国家", "country"), ("addr", "address"),
    ("Street Address", "address"), ("Phone Number", "phone"), ("suburb", "city"), ("soc_sec_id", "id_number"),
    ("Fax", None), ("客户经理", None), ("路线", None),
])
def test_the_headers_departments_write(header, field):
    assert field_for_header(header) == field


def test_a_regional_office_sheet_headed_with_the_full_name_is_read(tmp_path):
    write_xlsx(tmp_path / "inbox" / "广州办事处" / "客户.xlsx", {"客户": [
        ["客户全称", "联系人", "电话", "地址"],
        ["华信科技有限公司", "张伟", "020-87654321", "广东省广州市天河区体育西路1号"],
        ["鹏天食品厂", "李娜", "13800138000", "广东省广州市越秀区中山五路8号"]]})
    result = ingest_inbox(tmp_path / "inbox")
    assert result.rows[["name", "contact_name", "phone", "address"]].values.tolist() == [
        ["华信科技有限公司", "张伟", "020-87654321", "广东省广州市天河区体育西路1号"],
        ["鹏天食品厂", "李娜", "13800138000", "广东省广州市越秀区中山五路8号"]]
    assert json.loads(result.sheets.column_sources.iloc[0]) == {h: "header" for h in ["客户全称", "联系人", "电话", "地址"]}


def test_columns_without_known_headers_are_recognised_by_their_values(tmp_path):
    write_csv(tmp_path / "inbox" / "ops" / "list.csv", [
        "col1,col2,col3,col4",
        "Acme Trading Ltd,310-246-1501,info@acme.com,12000.50",
        "Beta Holdings Inc,(212) 555-0100,sales@beta.com,300.00",
        "Gamma Foods LLC,415 555 0199,hello@gamma.io,45.10"])
    result = ingest_inbox(tmp_path / "inbox")
    sheet = result.sheets.iloc[0]
    assert json.loads(sheet.column_map) == {"col1": "name", "col2": "phone", "col3": "email", "col4": None}
    sources = json.loads(sheet.column_sources)
    assert sources["col1"].startswith("content") and sources["col4"] == "unmapped"  # an amount is no phone
    assert result.rows.name.tolist() == ["Acme Trading Ltd", "Beta Holdings Inc", "Gamma Foods LLC"]
    assert json.loads(result.rows.extra.iloc[0]) == {"col4": "12000.50"}  # nothing dropped


def test_a_sheet_without_a_header_row_loses_no_row(tmp_path):
    write_csv(tmp_path / "inbox" / "ops" / "raw.csv", [
        "东方贸易有限公司,13912345678,a@dongfang.cn", "南方物流有限公司,13812345678,c@nanfang.cn",
        "西方科技有限公司,13712345678,e@xifang.cn"])
    result = ingest_inbox(tmp_path / "inbox")
    assert result.rows.row_number.tolist() == [1, 2, 3]
    assert result.rows.mobile.tolist() == ["13912345678", "13812345678", "13712345678"]
    assert pd.isna(result.sheets.header_row.iloc[0])


def test_a_sheet_with_no_column_that_can_carry_a_name_is_still_rejected(tmp_path):
    write_xlsx(tmp_path / "inbox" / "ops" / "notes.xlsx", {
        "备忘": [["下周拜访客户，整理名单并提交给经理审批。"], ["请各位同事在周五前更新本表。"], ["谢谢配合！"]],
        "数字": [["1", "2"], ["3", "4"], ["5", "6"]]})
    result = ingest_inbox(tmp_path / "inbox")
    assert len(result.rows) == 0
    assert result.sheets.status.tolist() == ["rejected", "rejected"]


def test_shapes_of_values():
    assert guess_field(pd.Series(["91350100M000100Y43", "91110000600037341L"])) == ("uscc", 1.0)
    assert guess_field(pd.Series(["11010519491231002X", "110105194912310021"])) == ("id_number", 1.0)
    assert guess_field(pd.Series(["www.huaxin.com", "http://beta.cn/about"])) == ("website", 1.0)
    assert guess_field(pd.Series(["100 Main St", "42 E. 20th Street"])) == ("address", 1.0)
    assert guess_field(pd.Series(["american", "french", "italian"])) is None
    # a second column of person names beside a name is ambiguous (contact? clerk?): left alone
    assert content_fields(pd.DataFrame({"a": ["张伟", "李娜"], "b": ["王芳", "刘洋"]}), set()) == {"a": ("name", 1.0)}
