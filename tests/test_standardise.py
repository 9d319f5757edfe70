import datetime as dt

import pandas as pd
import pytest

from customer_master.standardise.dates import parse_dates
from customer_master.standardise.emails import standardise_emails
from customer_master.standardise.identifiers import id_number_issue, uscc_issue
from customer_master.standardise.names import split_company_names, standardise_person_names
from customer_master.standardise.phones import parse_phone, parse_phones
from customer_master.standardise.stage import standardise_rows
from customer_master.standardise.text import clean_text


@pytest.mark.parametrize("cell, e164, kind, extension", [
    ("13800138000", "+8613800138000", "mobile", None),
    ("138-0013-8000", "+8613800138000", "mobile", None),
    ("+86 138 0013 8000", "+8613800138000", "mobile", None),
    ("13800138000.0", "+8613800138000", "mobile", None),
    ("1.3800138E+10", "+8613800138000", "mobile", None),
    ("010-12345678", "+861012345678", "landline", None),
    ("(010)12345678", "+861012345678", "landline", None),
    ("+86 10 1234 5678", "+861012345678", "landline", None),
    ("010-12345678转801", "+861012345678", "landline", "801"),
    ("021-61234567 ext. 22", "+862161234567", "landline", "22"),
])
def test_phones_to_e164(cell, e164, kind, extension):
    assert parse_phone(cell)[:3] == (e164, kind, extension)
    assert parse_phone(cell)[3] is None


@pytest.mark.parametrize("cell, issue", [
    ("12345", "impossible phone number"),
    ("1.38E+10", "lost digits to scientific notation"),
    ("n/a", "not a phone number"),
])
def test_impossible_phones_are_issues(cell, issue):
    e164, _, _, found = parse_phone(cell)
    assert e164 is None and issue in found


def test_emails_lower_case_checked_and_free_mail_flagged():
    out = standardise_emails(pd.Series([" Info@HuaXin.com.cn ", "zhang@QQ.com", "not-an-email", None]))
    assert out.email.tolist() == ["info@huaxin.com.cn", "zhang@qq.com", None, None]
    assert out.free_mail.tolist() == [False, True, False, False]
    assert out.valid.tolist() == [True, True, False, True]  # empty is not invalid


def test_dates_in_the_shapes_departments_type_them():
    out = parse_dates(pd.Series(["2026/3/5", "2026年3月5日", "20260305", "2026-03-05", "2026.3.5",
                                 "46086", "2026-03-05 10:30:00", "soon", None]))
    assert out.iloc[:7].dt.date.tolist() == [dt.date(2026, 3, 5)] * 7
    assert out.iloc[7:].isna().all()


def test_uscc_and_id_number_check_characters():
    assert uscc_issue("91350100M000100Y43") is None
    assert "check character" in uscc_issue("91350100M000100Y44")
    assert "outside GB 32100" in uscc_issue("91350100M000100I43")
    assert id_number_issue("11010519491231002X") is None
    assert "check character" in id_number_issue("110105194912310021")
    assert "birth date" in id_number_issue("110105194913310025")


def test_company_names_split_into_place_core_legal_form_and_branch():
    names = clean_text(pd.Series([
        "北京华信科技有限公司", "华信(北京)科技有限公司", "华信（北京）科技有限责任公司", "華信科技有限公司",
        "北京华信科技有限公司上海分公司", "上海华信物流股份有限公司", "Beijing Huaxin Technology Co., Ltd.",
    ]))
    parts = split_company_names(names)
    assert parts.name_core.tolist() == ["华信科技"] * 5 + ["华信物流", "beijing huaxin technology"]
    assert parts.reg_place.tolist() == ["北京", "北京", "北京", None, "北京", "上海", None]
    assert parts.legal_form.tolist()[:3] == ["有限公司", "有限公司", "有限责任公司"]
    assert parts.branch.tolist()[3:5] == [None, "上海分公司"]
    assert parts.name_romanised.iloc[0] == "hua xin ke ji"


def test_person_names_simplified_and_romanised():
    out = standardise_person_names(clean_text(pd.Series(["张 伟", "張偉", "john smith"])))
    assert out.name.tolist() == ["张伟", "张伟", "John Smith"]
    assert out.name_romanised.tolist()[:2] == ["zhang wei", "zhang wei"]


def test_stage_types_customers_and_routes_phones(tmp_path):
    rows = pd.DataFrame({
        "row_key": [0, 1, 2], "source": "s", "file": "s/a.csv", "sheet": "", "row_number": [2, 3, 4],
        "party_type": ["auto", "auto", "person"], "trust_rank": 5, "source_record_id": None,
        "name": ["华信科技有限公司", "张伟", "Acme"], "customer_type": None, "contact_name": None,
        "mobile": ["010-12345678", "13800138000", None], "phone": ["13900139000", None, None],
        "email": None, "address": ["北京市海淀区中关村大街1号", None, "广东省深圳市南山区"], "province": None,
        "city": None, "uscc": None, "id_number": None, "birth_date": None, "gender": ["", "男", None],
        "created_at": None, "updated_at": None, "extra": "{}",
    })
    out = standardise_rows(rows)
    assert out.customer_type.tolist() == ["company", "person", "person"]  # the source's party type wins
    assert out.mobile.tolist() == ["+8613900139000", "+8613800138000", None]  # a landline in the mobile column
    assert out.phone.tolist() == ["+861012345678", None, None]
    assert out.province.tolist() == ["北京市", None, "广东省"]
    assert out.city.tolist() == ["北京市", None, "深圳市"]
    assert out.gender.tolist() == [None, "M", None]


def _random_phone_cells(seed: int, n: int) -> list[str]:
    """Phone cells in the layouts departments type, with valid and impossible digits."""
    import random
    rng = random.Random(seed)
    digits = lambda k: "".join(rng.choice("0123456789") for _ in range(k))  # noqa: E731
    layouts = [
        lambda: "1" + digits(10), lambda: rng.choice("0123456789") + digits(rng.randint(4, 14)),
        lambda: (lambda m: f"{m[:3]}-{m[3:7]}-{m[7:]}")("1" + digits(10)),
        lambda: (lambda m: f"+86 {m[:3]} {m[3:7]} {m[7:]}")("1" + digits(10)),
        lambda: "+86" + digits(rng.randint(6, 12)), lambda: "86-1" + digits(10), lambda: "(+86)1" + digits(10),
        lambda: "0" + digits(rng.randint(2, 3)) + "-" + digits(rng.randint(6, 8)),
        lambda: "(0" + digits(rng.randint(2, 3)) + ")" + digits(rng.randint(6, 8)),
        lambda: "0" + digits(2) + "-" + digits(8) + rng.choice(["转", " ext. ", "#", "x"]) + digits(3),
        lambda: "+86 " + digits(2) + " " + digits(4) + " " + digits(4), lambda: "00" + digits(rng.randint(8, 12)),
        lambda: rng.choice(["179", "125", "11", "12"]) + digits(rng.randint(8, 11)),
        lambda: "400" + digits(7), lambda: "1" + digits(10) + ".0", lambda: "1." + digits(9) + "E+10",
        lambda: " 1" + digits(10) + " ", lambda: "1" + digits(rng.randint(6, 12)),
    ]
    return [rng.choice(layouts)() for _ in range(n)]


def test_parse_phones_gives_what_parse_phone_gives_per_cell():
    # parse_phones answers classes of digits-only cells from one phonenumbers call
    # each; it must agree with the per-cell reference everywhere
    cells = _random_phone_cells(seed=7, n=4000) + [None, "n/a", "１３８００１３８０００"]
    column = pd.Series(cells, index=range(100, 100 + len(cells)))
    out = parse_phones(column)
    expected = pd.DataFrame([parse_phone(c) if c is not None else (None,) * 4 for c in cells],
                            columns=out.columns, index=column.index)
    assert out.index.equals(column.index)
    assert out.fillna("-").equals(expected.fillna("-"))
    assert out.e164.notna().sum() > 1000 and out.issue.notna().sum() > 500  # both kinds were there


def test_simplified_and_romanised_match_the_libraries():
    from opencc import OpenCC
    from pypinyin import lazy_pinyin

    from customer_master.standardise.text import romanised, simplified

    texts = pd.Series(["華信科技有限公司", "华信科技有限公司", "情有獨鍾", "鍾繇", "長沙", "重庆银行", "行长", "乐乐 Lele", None])
    t2s = OpenCC("t2s")
    assert simplified(texts).tolist() == [t2s.convert(t) if t else None for t in texts]
    assert romanised(texts).tolist() == [" ".join(lazy_pinyin(t, errors="default")).lower() if t else None
                                         for t in texts]


def test_id_number_birth_dates_as_pandas_timestamps_allowed_them():
    # the check once parsed with pd.to_datetime: dates outside its range stay invalid
    assert "birth date" in id_number_issue("110105167709210010")
    assert "birth date" not in (id_number_issue("110105167709220010") or "")
    assert "birth date" not in (id_number_issue("110105226204110010") or "")
    assert "birth date" in id_number_issue("110105226204120010")
    assert "birth date" in id_number_issue("110105200002300010")


def test_a_column_whose_only_bad_numbers_are_in_scientific_notation_is_read():
    # every cell but the empty one takes parse_phone's slow way: nothing is left for the fast one
    out = parse_phones(pd.Series(["1.38E+10", "1.39E+10", None]))
    assert out.e164.isna().all()
    assert "scientific notation" in out.issue.iloc[0] and "scientific notation" in out.issue.iloc[1]
