"""Customers that look alike but are different stay apart, next to real
duplicates that merge. The rows are added to the sample inbox so the models
train on a realistic volume, as they would in production."""

import duckdb
import pytest

from conftest import run_pipeline, write_csv, write_xlsx

HEADER = ["客户名称", "手机", "电话", "邮箱", "地址"]


@pytest.fixture(scope="module")
def lookalike_run(tmp_path_factory):
    import shutil

    from conftest import SAMPLE_INBOX
    root = tmp_path_factory.mktemp("lookalikes")
    inbox = root / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    write_xlsx(inbox / "华中大区" / "客户.xlsx", {"客户": [HEADER,
        ["北京恒泰鑫科技有限公司", "13811112222", "010-62345678", "info@hengtaixin.cn", "北京市海淀区学院路1号"],
        ["恒泰鑫(北京)科技有限公司", "13811112222", None, None, "北京市海淀区学院路1号"],
        ["上海恒泰鑫科技有限公司", "13922223333", "021-61234567", "sh@hengtaixin.cn", "上海市徐汇区漕溪路2号"],
        ["北京恒泰鑫科技有限公司上海分公司", None, "021-61234567", "sh@hengtaixin.cn", "上海市徐汇区漕溪路2号"],
        ["北京恒泰鑫物流有限公司", "13733334444", None, "wl@hengtaixin.cn", "北京市朝阳区东三环3号"],
    ]})
    write_csv(inbox / "会员中心" / "members.csv", [
        "姓名,手机号,出生日期,性别",
        "张伟,13612340001,1980-01-01,男",
        "张 伟,13612340001,1980-01-01,男",
        "张伟,13712340002,1992-07-15,男",
        "張偉,13812340003,1975-11-30,男",
    ])
    outcome = run_pipeline(inbox, root / "w.duckdb")
    assert outcome.success, outcome.error
    with duckdb.connect(str(outcome.warehouse), read_only=True) as con:
        return dict(con.execute("SELECT source || ':' || row_number, master_id FROM master.xref "
                                "WHERE source IN ('华中大区', '会员中心')").fetchall())


def test_the_same_company_spelled_two_ways_merges(lookalike_run):
    assert lookalike_run["华中大区:2"] == lookalike_run["华中大区:3"]


@pytest.mark.parametrize("a, b, why", [
    ("华中大区:2", "华中大区:4", "same brand registered in another city"),
    ("华中大区:2", "华中大区:5", "a branch is not its head office"),
    ("华中大区:4", "华中大区:5", "a branch is not the company in its own city"),
    ("华中大区:2", "华中大区:6", "same brand, another trade"),
    ("会员中心:2", "会员中心:4", "same common name, other mobile and birthday"),
    ("会员中心:4", "会员中心:5", "same common name (traditional), other mobile and birthday"),
])
def test_lookalikes_stay_apart(lookalike_run, a, b, why):
    assert lookalike_run[a] != lookalike_run[b], why


def test_the_same_person_spelled_two_ways_merges(lookalike_run):
    assert lookalike_run["会员中心:2"] == lookalike_run["会员中心:3"]
