"""Customer 360 tables on a small inbox whose every answer is known: contacts and
their roles, customer roles, relationships, interactions and transactions linked
to master ids, segments and review reminders; all through the real asset graph."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import duckdb
import pytest

from conftest import run_pipeline, write_xlsx
from customer_master.cli import main
from customer_master.warehouse.layout import layout

AS_OF = "2026-11-15"

SOURCES = """\
sources:
  sales:
    party_type: company
    trust_rank: 1
  finance:
    party_type: company
    trust_rank: 2
    files:
      "应收账款*": {kind: customers, roles: [debtor]}
  channel:
    party_type: company
    trust_rank: 3
    roles: [distributor]
    contact_roles: {区域经理: purchaser}
  crm:
    trust_rank: 4
  shop:
    party_type: person
    trust_rank: 5
"""

CUSTOMERS = [
    ["客户编号", "客户名称", "联系人", "职务", "手机", "邮箱", "负责业务", "地址", "创建日期", "更新日期", "所属集团"],
    ["S001", "北京华信科技有限公司", "张伟", "总经理", "13800138001", "zhangwei@huaxin.com", "全面",
     "北京市海淀区中关村大街1号", "2023-01-05", "2026-10-01", "华信集团"],
    ["S002", "北京华信科技有限公司上海分公司", "李娜", "采购经理", "13900139002", "lina@huaxin.com", "采购",
     "上海市浦东新区世纪大道100号", "2023-02-01", "2026-09-01", None],
    ["S003", "杭州鼎盛物流有限公司", "王芳", "财务总监", "13700137003", "wangfang@dingsheng.cn", "结算",
     "浙江省杭州市西湖区文三路20号", "2022-05-01", "2024-01-10", "华信集团"],
    ["S004", "广州明达贸易有限公司", "赵强", "技术总监", "13600136004", "not-an-email", "IT",
     "广东省广州市天河区体育西路3号", "2023-03-01", "2026-08-01", None],
    ["S005", "深圳远航电子有限公司", "陈静", "总经理助理", "13500135005", "chenjing@yuanhang.com", "行政",
     "广东省深圳市南山区科技园5号", "2021-07-01", "2026-07-01", None],
]
RECEIVABLES = [
    ["客户名称", "联系人", "职务", "联系电话", "应收金额", "账龄"],
    ["北京华信科技有限公司", "张 伟", "董事长", "13800138001", "120,000.00", "30天"],
    ["杭州鼎盛物流有限公司", "王芳", "财务经理", "13700137003", "56000", "90天"],
    ["广州明达贸易有限公司", "刘洋", "出纳", "13611136011", "8000", "15天"],
]
DISTRIBUTORS = [
    ["经销商名称", "联系人", "职务", "手机", "上级单位", "创建日期"],
    ["深圳远航电子有限公司", "陈静", "总经理助理", "13500135005", None, "2021-07-01"],
    ["成都天府商贸有限公司", "周杰", "区域经理", "13400134007", None, "2020-01-01"],
    ["重庆山城商贸有限公司", "吴敏", "总经理", "13300133008", "成都天府商贸有限公司", "2020-03-01"],
]
# 周杰 buys for himself too: the person master with his mobile
MEMBERS = [
    ["会员姓名", "手机号", "性别", "生日"],
    ["周杰", "13400134007", "男", "1985-04-12"],
]
INTERACTIONS = [
    ["日期", "客户名称", "联系人", "联系电话", "沟通方式", "事项类型", "跟进人", "沟通内容", "结果", "下一步"],
    ["2026-11-01", "华信科技", "张伟", "13800138001", "电话", "回访", "小刘", "续约意向", "有意向", "发报价"],
    ["2026-10-20", "杭州鼎盛物流", "王芳", "13700137003", "上门拜访", "客户投诉", "小李", "发货延迟", "已道歉", "补发"],
    ["2026-10-05", "宁波星海机械有限公司", "孙立", "13200132009", "微信", "咨询", "小刘", "询价", "待跟进", "寄样品"],
    ["2026-10-06", None, None, None, "电话", "咨询", "小王", "来电未留名", "无", None],
    ["合计", None, None, None, None, None, None, None, None, None],
]
TRANSACTIONS = [
    ["日期", "单据类型", "单据编号", "客户名称", "联系电话", "产品", "数量", "金额", "业务员"],
    ["2026-10-10", "销售订单", "SO-001", "北京华信科技有限公司", "13800138001", "服务器", "10", "¥300,000.00", "小刘"],
    ["2026-08-01", "销售订单", "SO-002", "北京华信科技", None, "交换机", "50", "250000", "小刘"],
    ["2026-03-01", "销售订单", "SO-003", "北京华信科技有限公司", None, "配件", "100", "1.2万", "小刘"],
    ["2026-10-30", "回款", "RC-001", "北京华信科技有限公司", None, None, None, "300000", "财务"],
    ["2025-12-01", "订单", "SO-004", "杭州鼎盛物流有限公司", "13700137003", "叉车", "2", "60000", "小李"],
    ["2026-11-01", "报价单", "QT-001", "广州明达贸易有限公司", None, "服务器", "2", "62000", "小王"],
    ["2024-06-01", "订单", "SO-005", "深圳远航电子有限公司", None, "配件", "10", "5000", "小王"],
    ["2026-09-09", "订单", "SO-006", "宁波星海机械有限公司", None, "服务器", "1", "30000", "小王"],
]


def _inbox(root: Path, customers=CUSTOMERS) -> Path:
    inbox = root / "inbox"
    write_xlsx(inbox / "sales" / "客户名录.xlsx", {"客户": customers})
    write_xlsx(inbox / "finance" / "应收账款明细.xlsx", {"应收": RECEIVABLES})
    write_xlsx(inbox / "channel" / "经销商名录.xlsx", {"经销商": DISTRIBUTORS})
    write_xlsx(inbox / "crm" / "跟进记录.xlsx", {"跟进": INTERACTIONS})
    write_xlsx(inbox / "crm" / "订单明细.xlsx", {"订单": TRANSACTIONS})
    write_xlsx(inbox / "shop" / "会员.xlsx", {"会员": MEMBERS})
    (inbox / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    return inbox


def _settings(root: Path) -> Path:
    path = root / "settings.yaml"
    path.write_text(textwrap.dedent(f"""\
        as_of: {AS_OF}
        review_due: {{confirm_within_days: 365}}
        """), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def c360(tmp_path_factory):
    root = tmp_path_factory.mktemp("c360")
    warehouse = root / "wh" / "customer_master.duckdb"
    outcome = run_pipeline(_inbox(root), warehouse, settings=_settings(root))
    assert outcome.success, f"{outcome.failed_step}: {outcome.error}"
    return root, warehouse, outcome


def _query(warehouse: Path, sql: str, params=None):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).df()


def _master_of(warehouse: Path, name: str) -> str:
    found = _query(warehouse, "SELECT master_id FROM master.customers WHERE name = ?", [name])
    assert len(found) == 1, f"{name}: {len(found)} masters"
    return found.master_id.iat[0]


def test_every_row_is_placed_and_the_checks_pass(c360):
    _, warehouse, outcome = c360
    assert outcome.checks_passed and all(outcome.checks.values()), outcome.checks
    placed = _query(warehouse, """
        SELECT (SELECT count(*) FROM master.xref) AS xref, (SELECT count(*) FROM quality.rejected) AS rejected,
               (SELECT count(*) FROM master.interactions) AS interactions,
               (SELECT count(*) FROM master.transactions) AS transactions""").iloc[0]
    assert (placed.xref, placed.rejected, placed.interactions, placed.transactions) == (12, 1, 4, 8)
    totals = _query(warehouse, "SELECT file, row_number, reason FROM quality.rejected")
    assert totals.values.tolist() == [["crm/跟进记录.xlsx", 6, "totals row (合计/Total), not a customer"]]
    kinds = dict(_query(warehouse, "SELECT file, kind FROM quality.sheets").values.tolist())
    assert kinds == {"sales/客户名录.xlsx": "customers", "finance/应收账款明细.xlsx": "customers",
                     "channel/经销商名录.xlsx": "customers", "crm/跟进记录.xlsx": "interactions",
                     "crm/订单明细.xlsx": "transactions", "shop/会员.xlsx": "customers"}
    # 应收金额 on a customer sheet is no transaction amount: it stays with the row as an attribute
    extra = _query(warehouse, "SELECT attributes FROM master.xref WHERE file = 'finance/应收账款明细.xlsx' "
                              "ORDER BY row_number").attributes.iat[0]
    assert json.loads(extra)["应收金额"] == "120,000.00"


def test_contacts_are_one_per_person_within_their_master_with_roles(c360):
    _, warehouse, _ = c360
    contacts = _query(warehouse, """SELECT c.*, m.name AS company FROM master.contacts c
                                    JOIN master.customers m USING (master_id) ORDER BY company, c.name""")
    got = {(r.company, r.name): (r.title, r.role, r.mobile, r.row_count) for r in contacts.itertuples()}
    assert got == {
        # 张伟 in sales (trusted first: its title wins) and 张 伟 in finance: one contact
        ("北京华信科技有限公司", "张伟"): ("总经理", "decision_maker", "+8613800138001", 2),
        ("北京华信科技有限公司上海分公司", "李娜"): ("采购经理", "purchaser", "+8613900139002", 1),
        ("杭州鼎盛物流有限公司", "王芳"): ("财务总监", "finance", "+8613700137003", 2),
        ("广州明达贸易有限公司", "赵强"): ("技术总监", "technical", "+8613600136004", 1),
        ("广州明达贸易有限公司", "刘洋"): ("出纳", "finance", "+8613611136011", 1),
        ("深圳远航电子有限公司", "陈静"): ("总经理助理", "user", "+8613500135005", 2),
        # 区域经理 is purchaser only through channel's contact_roles in sources.yaml
        ("成都天府商贸有限公司", "周杰"): ("区域经理", "purchaser", "+8613400134007", 1),
        ("重庆山城商贸有限公司", "吴敏"): ("总经理", "decision_maker", "+8613300133008", 1),
    }
    assert contacts.contact_id.str.match(r"^C[0-9a-f]{16}$").all() and contacts.contact_id.is_unique
    # a shared or invalid mailbox is not a person's: 赵强's bad email was set aside at validation
    assert contacts.set_index("name").loc["赵强", "email"] is None
    # the contact who is also a person customer points at that person's master
    person = _query(warehouse, "SELECT master_id FROM master.customers WHERE customer_type = 'person'").master_id
    linked = contacts.set_index("name")["person_master_id"]
    assert linked["周杰"] == person.iat[0] and linked.drop("周杰").isna().all()
    rows = _query(warehouse, "SELECT contact_id, file FROM master.contact_rows")
    zhang = contacts.set_index("name").loc["张伟", "contact_id"]
    assert sorted(rows[rows.contact_id == zhang].file) == ["finance/应收账款明细.xlsx", "sales/客户名录.xlsx"]


def test_customer_roles_come_from_the_source_mapping_with_evidence(c360):
    _, warehouse, _ = c360
    roles = _query(warehouse, """SELECT m.name, r.role, r.row_count, r.sources, r.evidence
                                 FROM master.customer_roles r JOIN master.customers m USING (master_id)""")
    by_name = roles.groupby("name")["role"].apply(set).to_dict()
    assert by_name == {
        "北京华信科技有限公司": {"customer", "debtor"},
        "北京华信科技有限公司上海分公司": {"customer"},
        "杭州鼎盛物流有限公司": {"customer", "debtor"},
        "广州明达贸易有限公司": {"customer", "debtor"},
        "深圳远航电子有限公司": {"customer", "distributor"},
        "成都天府商贸有限公司": {"distributor"},
        "重庆山城商贸有限公司": {"distributor"},
        "周杰": {"customer"},
    }
    debtor = roles[(roles.name == "杭州鼎盛物流有限公司") & (roles.role == "debtor")].iloc[0]
    evidence = json.loads(debtor.evidence)
    assert debtor.sources == "finance" and evidence == [
        {"source": "finance", "file": "finance/应收账款明细.xlsx", "sheet": "应收", "row_number": 3}]


def test_relationships_parent_branch_group_and_employment(c360):
    _, warehouse, _ = c360
    rel = _query(warehouse, "SELECT * FROM master.relationships")
    huaxin, branch = _master_of(warehouse, "北京华信科技有限公司"), _master_of(warehouse, "北京华信科技有限公司上海分公司")
    chengdu, chongqing = _master_of(warehouse, "成都天府商贸有限公司"), _master_of(warehouse, "重庆山城商贸有限公司")
    dingsheng = _master_of(warehouse, "杭州鼎盛物流有限公司")
    parents = rel[rel.relationship == "parent"]
    assert set(zip(parents.from_id, parents.to_id)) == {(branch, huaxin), (chongqing, chengdu)}
    by_name = json.loads(parents.set_index("from_id").loc[branch, "evidence"])
    by_column = json.loads(parents.set_index("from_id").loc[chongqing, "evidence"])
    assert by_name[0]["found_by"] == "name" and by_name[0]["branch"] == "上海分公司"
    assert by_column[0] | {"found_by": "column", "column": "parent_name", "value": "成都天府商贸有限公司",
                           "file": "channel/经销商名录.xlsx", "row_number": 4} == by_column[0]
    groups = rel[rel.relationship == "group_member"]
    assert set(groups.from_id) == {huaxin, dingsheng}
    assert groups.to_type.unique().tolist() == ["group"] and groups.to_id.nunique() == 1
    assert groups.to_id.iat[0].startswith("G") and groups.to_name.unique().tolist() == ["华信集团"]
    employment = rel[rel.relationship == "employment"]
    contacts = _query(warehouse, "SELECT contact_id, master_id FROM master.contacts")
    assert set(zip(employment.from_id, employment.to_id)) == set(zip(contacts.contact_id, contacts.master_id))
    assert (employment.from_type == "contact").all()


def test_interactions_are_linked_to_masters_or_kept_unresolved(c360):
    _, warehouse, _ = c360
    found = _query(warehouse, "SELECT * FROM master.interactions ORDER BY row_number")
    huaxin, dingsheng = _master_of(warehouse, "北京华信科技有限公司"), _master_of(warehouse, "杭州鼎盛物流有限公司")
    assert found.master_id.tolist()[:2] == [huaxin, dingsheng]
    assert found.resolution.tolist() == ["resolved", "resolved", "unresolved", "unresolved"]
    assert found.unresolved_reason.iat[2].startswith("no known customer matches")
    assert found.unresolved_reason.iat[3] == "names no customer"
    first = found.iloc[0]
    assert (first.channel, first.interaction_type, first.staff, first.content, first.outcome, first.next_action) == \
        ("call", "follow_up", "小刘", "续约意向", "有意向", "发报价")
    assert str(first.activity_date)[:10] == "2026-11-01" and first.match_probability >= 0.95
    types = _query(warehouse, "SELECT typeof(activity_date) AS t FROM master.interactions LIMIT 1").t.iat[0]
    assert types == "DATE"
    assert (found.channel.iat[1], found.interaction_type.iat[1]) == ("visit", "complaint")


def test_transactions_are_typed_parsed_and_linked(c360):
    _, warehouse, _ = c360
    found = _query(warehouse, "SELECT * FROM master.transactions ORDER BY row_number")
    huaxin = _master_of(warehouse, "北京华信科技有限公司")
    assert found.txn_type.tolist() == ["order", "order", "order", "payment", "order", "quote", "order", "order"]
    assert found.amount.tolist() == [300000.0, 250000.0, 12000.0, 300000.0, 60000.0, 62000.0, 5000.0, 30000.0]
    assert found.quantity.iat[0] == 10 and found.doc_number.iat[0] == "SO-001" and found["product"].iat[0] == "服务器"
    assert found.master_id.iloc[:4].tolist() == [huaxin] * 4  # "北京华信科技" without its legal form too
    assert found.resolution.tolist() == ["resolved"] * 7 + ["unresolved"]
    assert found.customer_name.iat[7] == "宁波星海机械有限公司"


def test_segments_follow_the_configured_thresholds(c360):
    _, warehouse, _ = c360
    seg = _query(warehouse, """SELECT m.name, s.* FROM master.customer_segments s
                               JOIN master.customers m USING (master_id)""").set_index("name")
    assert str(seg.as_of.iat[0])[:10] == AS_OF
    huaxin = seg.loc["北京华信科技有限公司"]
    # R: last order 36 days ago (3); F: 3 orders in the year (2); M: 562,000 (3); the payment is no order
    assert (huaxin.recency_score, huaxin.frequency_score, huaxin.amount_score, huaxin.value_tier) == (3, 2, 3, "high")
    assert huaxin.amount_in_window == 562000.0 and huaxin.lifecycle == "active"
    dingsheng = seg.loc["杭州鼎盛物流有限公司"]  # one 60,000 order 349 days ago: 2 + 1 + 2
    assert (dingsheng.rfm_score, dingsheng.value_tier, dingsheng.lifecycle) == (5, "medium", "active")
    assert (seg.loc["广州明达贸易有限公司", "value_tier"], seg.loc["广州明达贸易有限公司", "rfm_score"]) == ("low", 0)
    yuanhang = seg.loc["深圳远航电子有限公司"]  # last order 2024-06-01, nothing since
    assert (yuanhang.rfm_score, yuanhang.lifecycle, yuanhang.days_since_activity) == (1, "lost", 897)
    assert len(seg) == 8
    types = _query(warehouse, """SELECT DISTINCT typeof(last_activity) AS a, typeof(as_of) AS b
                                 FROM master.customer_segments""").values.tolist()
    assert types == [["DATE", "DATE"]]


def test_review_due_lists_stale_fields_and_open_issues(c360):
    _, warehouse, _ = c360
    due = _query(warehouse, """SELECT d.* FROM quality.review_due d""").set_index("name")
    dingsheng = due.loc["杭州鼎盛物流有限公司"]
    # its address and email come only from the sales row updated 2024-01-10; finance confirmed name and phone
    assert list(dingsheng.stale_fields) == ["address", "email"] and list(dingsheng.reasons) == ["stale"]
    assert "address 浙江省杭州市西湖区文三路20号 last confirmed 2024-01-10 (sales)" in dingsheng.what_to_check
    mingda = due.loc["广州明达贸易有限公司"]
    assert list(mingda.reasons) == ["field issue"] and mingda.open_issues == 1
    assert "email 'not-an-email' in sales/客户名录.xlsx / 客户 row 5" in mingda.what_to_check
    assert "北京华信科技有限公司" not in due.index


def test_contact_ids_survive_a_rerun_and_review_due_growth_warns(c360, tmp_path):
    root, warehouse, _ = c360
    copy = tmp_path / "wh" / "customer_master.duckdb"
    copy.parent.mkdir()
    copy.write_bytes(warehouse.read_bytes())
    layout(copy).folder.mkdir()
    shutil.copytree(layout(warehouse).state, layout(copy).state)
    shutil.copyfile(layout(warehouse).ledger, layout(copy).ledger)
    before = _query(copy, "SELECT contact_id, name FROM master.contacts ORDER BY 1")
    due_before = len(_query(copy, "SELECT * FROM quality.review_due"))

    stale = ["S006", "苏州恒通化工有限公司", "钱多", "采购主管", "13100131010", None, "采购",
             "江苏省苏州市工业园区星湖街8号", "2020-01-01", "2023-05-05", None]
    outcome = run_pipeline(_inbox(tmp_path, CUSTOMERS + [stale]), copy, settings=_settings(root))
    assert outcome.success, outcome.error
    after = _query(copy, "SELECT contact_id, name FROM master.contacts ORDER BY 1")
    assert before.merge(after).shape[0] == len(before)  # every contact kept its id
    assert len(after) == len(before) + 1
    assert len(_query(copy, "SELECT * FROM quality.review_due")) == due_before + 1
    # the growth is a warning: reported, and the run still counts as passed
    assert outcome.checks["review_due_not_growing"] is False and "review_due_not_growing" in outcome.warnings
    assert outcome.checks_passed


@pytest.mark.parametrize("text, message", [
    ("segments: {recency_days: [365, 90]}", "segments.recency_days"),
    ("segments: {window: 30}", "segments.window is not a setting"),
    ("as_of: yesterday", "as_of must be a date"),
    ("contact_roles: {主管: boss}", "contact_roles['主管'] must be one of"),
])
def test_a_bad_settings_file_stops_the_run_naming_the_key(tmp_path, text, message, capsys):
    settings = tmp_path / "settings.yaml"
    settings.write_text(text + "\n", encoding="utf-8")
    inbox = _inbox(tmp_path)
    code = main(["run", "--inbox", str(inbox), "--warehouse", str(tmp_path / "wh.duckdb"), "--settings", str(settings),
                 "--quiet"])
    errors = capsys.readouterr().err
    assert code == 2, errors
    assert message in errors and str(settings) in errors
    assert not (tmp_path / "wh.duckdb").exists()


def test_a_settings_file_that_is_not_there_is_an_error_not_the_defaults(tmp_path, capsys):
    code = main(["run", "--inbox", str(_inbox(tmp_path)), "--warehouse", str(tmp_path / "wh.duckdb"),
                 "--settings", str(tmp_path / "typo.yaml")])
    assert code == 2 and "settings file not found" in capsys.readouterr().err


def test_the_run_summary_counts_the_customer_360_tables(c360):
    _, _, outcome = c360
    text = outcome.format_summary(1.0)
    assert "12 activity rows" in text
    assert "8 contacts" in text and "4 interactions (2 linked to a master, 2 unresolved)" in text
    assert "8 transactions (7 linked to a master, 1 unresolved)" in text
