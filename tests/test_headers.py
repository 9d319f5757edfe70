import pytest

from customer_master.ingest.headers import (CANONICAL_FIELDS, field_for_header, find_header_row, header_source,
                                            map_headers, normalise_header)


def test_common_chinese_and_english_headers_map_to_canonical_fields():
    expected = {
        "客户名称": "name", "公司名称": "name", "单位名称": "name", "Customer Name": "name",
        "手机": "mobile", "手机号码": "mobile", "Mobile": "mobile", "联系手机": "mobile",
        "统一社会信用代码": "uscc", "纳税人识别号": "uscc", "Tax ID": "uscc",
        "E-mail": "email", "电子邮箱": "email", "联系电话": "phone", "Tel.": "phone",
        "收货地址": "address", "身份证号码": "id_number", "出生日期": "birth_date",
        "更新日期": "updated_at", "Last Updated": "updated_at", "客户编号": "source_record_id",
    }
    assert {h: field_for_header(h) for h in expected} == expected


def test_header_noise_is_ignored():
    assert normalise_header("  手机号码（必填）* ") == "手机号码"
    assert field_for_header("Customer_Name") == "name"
    assert field_for_header("ＥＭＡＩＬ") == "email"  # full-width
    assert field_for_header("客户经理") is None  # an unknown column stays unknown


def test_a_field_claimed_twice_keeps_the_first_column():
    assert map_headers(["客户名称", "注册地址", "收货地址"]) == ["name", "address", None]


def test_overrides_win_over_the_alias_table():
    assert map_headers(["户名", "电话"], {"户名": "name", "电话": None}) == ["name", None]


def test_header_row_is_found_under_a_title_block():
    rows = [["大客户名录 2026年10月", "", ""], ["制表人：王芳", "", ""], ["", "", ""],
            ["客户名称", "手机", "备注"], ["华信科技有限公司", "13800138000", ""]]
    assert find_header_row(rows) == 3


def test_no_header_without_a_name_column():
    assert find_header_row([["备注", "说明"], ["手机", "邮箱"]]) is None


@pytest.mark.parametrize("header, field", [
    # the new canonical fields
    ("Middle Name", "middle_name"), ("middlename", "middle_name"), ("Middle Initial", "middle_name"),
    ("中间名", "middle_name"),
    ("Website", "website"), ("Web", "website"), ("URL", "website"), ("Homepage", "website"), ("Web site", "website"),
    ("网址", "website"), ("主页", "website"), ("网站", "website"), ("官网", "website"),
    ("District", "district"), ("County", "district"), ("区县", "district"), ("区", "district"), ("县", "district"),
    ("所在区县", "district"), ("Borough", "district"),
    ("House No.", "house_number"), ("House Number", "house_number"), ("Street Number", "house_number"),
    ("门牌号", "house_number"), ("门牌", "house_number"),
    ("Street", "street"), ("Street Name", "street"), ("Road", "street"), ("街道", "street"), ("路", "street"),
    ("Unit", "unit"), ("Suite", "unit"), ("Apt", "unit"), ("Apartment", "unit"), ("室", "unit"), ("房号", "unit"),
    ("Address Line 2", "unit"), ("address2", "unit"), ("address_2", "unit"), ("addressline2", "unit"),
    ("Country", "country"), ("Nation", "country"), ("国家", "country"), ("国别", "country"),
    # postcode and province
    ("Zip", "postcode"), ("Zip Code", "postcode"), ("zip_code", "postcode"), ("Postal Code", "postcode"),
    ("Post Code", "postcode"), ("ZIP+4", "postcode"), ("Zip/Postal Code", "postcode"),
    ("State/Province", "province"), ("State", "province"), ("Province", "province"), ("State or Province", "province"),
    ("Region", None), ("Sales Region", None),  # a sales region is no province
    # company names
    ("客户全称", "name"), ("单位全称", "name"), ("公司全称", "name"), ("企业全称", "name"), ("客户简称", "name"),
    ("机构名称", "name"), ("组织名称", "name"), ("商户名称", "name"), ("店铺名称", "name"), ("门店名称", "name"),
    ("经销商", "name"), ("代理商名称", "name"), ("购货单位", "name"), ("收货单位", "name"), ("开票名称", "name"),
    ("开票抬头", "name"), ("抬头", "name"), ("联系人", "contact_name"),
    ("Org Name", "name"), ("Organisation Name", "name"), ("Organization Name", "name"), ("Business Name", "name"),
    ("Account", "name"), ("Legal Name", "name"), ("Trading Name", "name"), ("Restaurant", "name"), ("Shop", "name"),
    ("Store Name", "name"), ("Given Name", "first_name"),
    # addresses and phones
    ("Addr", "address"), ("Address 1", "address"), ("address_1", "address"), ("addressline1", "address"),
    ("Tel No", "phone"), ("Phone Number", "phone"), ("Telephone Number", "phone"),
    ("邮件地址", "email"), ("电子邮件地址(选填)", "email"),  # an e-mail address, not a postal one
    # a fax holds a phone-shaped number nobody answers: kept as an extra attribute
    ("Fax", None), ("Fax Number", None), ("Fax Phone", None), ("传真", None), ("传真电话", None), ("电话/传真", "phone"),
    # one-character aliases are exact: no contains rule catches the longer words
    ("路线", None), ("线路", None), ("区域", None), ("地区", None), ("县城", None), ("室内温度", None),
    # FEBRL, Splink and the restaurants set keep their meaning
    ("given_name", "first_name"), ("surname", "last_name"), ("street_number", "house_number"),
    ("address_1", "address"), ("address_2", "unit"), ("suburb", "city"), ("postcode", "postcode"),
    ("state", "province"), ("date_of_birth", "birth_date"), ("soc_sec_id", "id_number"), ("phone_number", "phone"),
    ("first_name", "first_name"), ("dob", "birth_date"), ("city", "city"), ("email", "email"),
    ("id", "source_record_id"), ("name", "name"), ("addr", "address"), ("phone", "phone"), ("type", "customer_type"),
])
def test_alias_table(header, field):
    assert field_for_header(header) == field


def test_new_fields_are_canonical_and_sources_yaml_accepts_them(tmp_path):
    from customer_master.sources import load_sources

    new = ("middle_name", "website", "district", "house_number", "street", "unit", "country")
    assert set(new) <= set(CANONICAL_FIELDS)
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  ops:\n    columns: {" + ", ".join(f"c{i}: {f}" for i, f in enumerate(new)) + "}\n",
        encoding="utf-8")
    assert load_sources(tmp_path)["ops"].columns == {f"c{i}": f for i, f in enumerate(new)}


def test_a_fax_column_is_known_and_kept_unmapped():
    assert header_source("Fax") != "unknown"  # so its phone-shaped values are not taken for a phone
    assert header_source("电话/传真") == "header_contains"
    assert header_source("Col7") == "unknown"
