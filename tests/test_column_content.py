"""Headers are the first evidence, content the second: the common headers of
real department sheets, and columns recognised by what they hold when their
header says nothing we know. A sheet is rejected only when no column can carry
a name."""

import datetime as dt
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
    assert sources["col4"] == "unmapped"  # an amount is no phone
    assert all(sources[c].startswith("content (") and sources[c].endswith("of values fit)")
               for c in ["col1", "col2", "col3"])
    assert result.rows.phone.tolist() == ["310-246-1501", "(212) 555-0100", "415 555 0199"]
    assert result.rows.email.tolist() == ["info@acme.com", "sales@beta.com", "hello@gamma.io"]
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


# the reason a sheet without a customer header has always been given
NO_HEADER = ("no recognisable customer header in the first 30 rows (need a name column such as "
             "客户名称 / Customer Name, or a surname column, and one more known column)")


def test_a_sheet_with_no_column_that_can_carry_a_name_is_still_rejected(tmp_path):
    write_xlsx(tmp_path / "inbox" / "ops" / "notes.xlsx", {
        "备忘": [["下周拜访客户，整理名单并提交给经理审批。"], ["请各位同事在周五前更新本表。"], ["谢谢配合！"]],
        "待办": [["事项", "说明"], ["拜访华东客户", "带上样品"], ["整理名单", "周五前"], ["联系李经理", "确认时间"]],
        "数字": [["1", "2"], ["3", "4"], ["5", "6"]],
        "日期": [["日期", "数量", "单价"], [dt.date(2026, 1, 5), 3, 12.5], [dt.date(2026, 1, 6), 40, 7.25],
                 [dt.datetime(2026, 1, 7, 9, 30), 5, 100.0]],
        "编号": [["编号", "登记日", "金额"], [100234, "2026-01-05", "3000000"], [100235, "2026/1/6", "4500000"],
                 [100236, "2026-01-07", "12000000"]]})
    result = ingest_inbox(tmp_path / "inbox")
    assert len(result.rows) == 0
    assert result.sheets.status.tolist() == ["rejected"] * 5
    assert result.sheets.reason.tolist() == [NO_HEADER] * 5


def test_shapes_of_values():
    assert guess_field(pd.Series(["91350100M000100Y43", "91110000600037341L"])) == ("uscc", 1.0)
    assert guess_field(pd.Series(["11010519491231002X", "110105194912310021"])) == ("id_number", 1.0)
    assert guess_field(pd.Series(["www.huaxin.com", "http://beta.cn/about"])) == ("website", 1.0)
    assert guess_field(pd.Series(["100 Main St", "42 E. 20th Street"])) == ("address", 1.0)
    assert guess_field(pd.Series(["american", "french", "italian"])) is None
    # a second column of person names beside a name is ambiguous (contact? clerk?): left alone
    assert content_fields(pd.DataFrame({"a": ["张伟", "李娜"], "b": ["王芳", "刘洋"]}), set()) == {"a": ("name", 1.0)}


def test_a_title_block_and_a_header_of_letters_stay_out_of_the_data(tmp_path):
    write_xlsx(tmp_path / "inbox" / "ops" / "名录.xlsx", {"S": [
        ["大客户名录 2026年10月"], ["制表人：王芳"], [], ["A", "B", "C"],
        ["华信科技有限公司", "020-87654321", "a@huaxin.cn"], ["宏达物流有限公司", "13800138000", "b@hongda.cn"],
        ["鹏天食品厂", "0755-1234567", "c@pt.cn"]]})
    result = ingest_inbox(tmp_path / "inbox")
    sheet = result.sheets.iloc[0]
    assert (sheet.header_row, sheet.data_rows) == (4, 3)
    assert json.loads(sheet.column_map) == {"A": "name", "B": "phone", "C": "email"}
    assert result.rows[["row_number", "name"]].values.tolist() == [
        [5, "华信科技有限公司"], [6, "宏达物流有限公司"], [7, "鹏天食品厂"]]


def test_a_headerless_sheet_whose_first_row_has_a_gap_loses_no_row(tmp_path):
    write_xlsx(tmp_path / "inbox" / "ops" / "raw.xlsx", {"S": [
        ["华信科技有限公司", None, "a@huaxin.cn"], ["宏达物流有限公司", "13800138000", "b@hongda.cn"],
        ["鹏天食品厂", "13912345678", "c@pt.cn"]]})
    result = ingest_inbox(tmp_path / "inbox")
    assert result.rows.row_number.tolist() == [1, 2, 3]
    assert result.rows.email.tolist() == ["a@huaxin.cn", "b@hongda.cn", "c@pt.cn"]


def test_an_identifier_column_is_no_name_beside_surname_and_given_name(tmp_path):
    # FEBRL's rec_id: varied words, but the sheet names its people already
    write_csv(tmp_path / "inbox" / "people" / "febrl.csv", [
        "rec_id,given_name,surname,street_number,address_1,address_2,suburb",
        "rec-0-org,mitchell,green,7,wallaby street,delmar,cleveland",
        "rec-1-dup-0,harley,mccarthy,177,pridhamstreet,milton,marsden",
        "rec-2-org,madeline,mason,54,hoseason street,lakefront,granville"])
    result = ingest_inbox(tmp_path / "inbox")
    assert result.rows.name.tolist() == ["mitchell green", "harley mccarthy", "madeline mason"]
    assert result.rows[["house_number", "unit", "city"]].values.tolist()[0] == ["7", "delmar", "cleveland"]
    assert json.loads(result.sheets.column_sources.iloc[0])["rec_id"] == "unmapped"


def test_dates_are_no_phones_and_a_birth_date_only_when_the_header_says_so(tmp_path):
    write_xlsx(tmp_path / "inbox" / "shop" / "m.xlsx", {"S": [
        ["会员", "Birth Dt", "Joined", "Fax"],
        ["张伟", dt.date(1990, 5, 1), dt.date(2026, 1, 5), "010-12345678"],
        ["王芳", dt.date(1988, 1, 2), dt.date(2026, 2, 6), "010-87654321"],
        ["李娜", dt.date(1975, 3, 4), dt.date(2026, 3, 7), "010-11112222"]]})
    result = ingest_inbox(tmp_path / "inbox")
    assert json.loads(result.sheets.column_map.iloc[0]) == {
        "会员": "name", "Birth Dt": "birth_date", "Joined": None, "Fax": None}
    assert result.rows.birth_date.tolist() == ["1990-05-01", "1988-01-02", "1975-03-04"]
    assert result.rows.phone.isna().all()  # the fax stays an extra attribute
    assert json.loads(result.rows.extra.iloc[0]) == {"Joined": "2026-01-05", "Fax": "010-12345678"}


def test_a_name_column_kept_unmapped_in_sources_yaml_is_not_guessed_back(tmp_path):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "ops" / "x.csv", ["户名,Y", "华信,13800138000", "宏达,13900139000"])
    (inbox / "sources.yaml").write_text("sources:\n  ops:\n    columns: {户名: null}\n", encoding="utf-8")
    result = ingest_inbox(inbox)
    assert result.sheets.status.tolist() == ["rejected"] and len(result.rows) == 0


@pytest.mark.parametrize("values, expected", [
    (["北京市华信科技有限公司", "上海市宏达物流有限公司", "广州市鹏天食品厂"], ("name", 1.0)),  # a company, not a place
    (["广东省广州市天河区体育西路1号", "北京市朝阳区建国路88号", "上海市浦东新区世纪大道100号"], ("address", 1.0)),
    (["北京市", "上海市", "广州市"], ("person_name", 1.0)),  # too short for an address
    (["Hotel Bel-Air", "Art's Delicatessen", "Cafe Bizou", "Campanile", "Bistro Garden"], ("name", 0.8)),
    (["435 S. La Cienega Blv.", "12224 Ventura Blvd.", "1 Market St."], ("address", 1.0)),
    (["1990-05-01", "1988-01-02", "2001/12/31", "2001年12月31日"], None),  # a date is no phone
    (["310/246-1501", "(212) 555-0100", "+44 20 7946 0958"], ("phone", 1.0)),
    (["13800138000", "+86 139 0013 9000", "137-0013-7000"], ("mobile", 1.0)),
    (["SW1A 1AA", "K1A 0B1", "90210"], ("postcode", 1.0)),
    (["John Smith", "Mary Ann Jones", "Peter O'Neil"], ("person_name", 1.0)),
    (["12000.50", "300.00", "45.10"], None),
])
def test_shapes_of_more_values(values, expected):
    assert guess_field(pd.Series(values)) == expected


def test_dates_are_a_birth_date_under_a_birth_header():
    dates = pd.Series(["1990-05-01", "1988-01-02", "1975-03-04"])
    assert guess_field(dates, "Birth Dt") == ("birth_date", 1.0)
    assert guess_field(dates, "生产日期") is None  # a production date is no birth date
