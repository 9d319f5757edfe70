from customer_master.ingest.headers import field_for_header, find_header_row, map_headers, normalise_header


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
