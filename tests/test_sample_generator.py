"""The sample generator is deterministic and writes what the issue asks for."""

import hashlib

import pandas as pd
import pytest

from conftest import SAMPLE_INBOX, SAMPLE_TRUTH
from customer_master.sample.generate import generate


def _digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small_samples(tmp_path_factory):
    """Small samples written once for the module: a and b with seed 7, c with seed 8, each
    inbox in <name>/ and its truth (and the truths beside it) in <name>-truth/: the folder
    and each summary."""
    root = tmp_path_factory.mktemp("small_samples")
    summaries = {name: generate(root / name, root / f"{name}-truth" / "truth.csv", seed=seed, scale=0.1)
                 for name, seed in (("a", 7), ("b", 7), ("c", 8))}
    return root, summaries


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """The generator run once for the module as the committed sample was written: the folder
    (inbox/, truth.csv and the truths beside it) and the summary."""
    root = tmp_path_factory.mktemp("regenerated")
    return root, generate(root / "inbox", root / "truth.csv")


def test_same_seed_same_files_other_seed_other_files(small_samples):
    root, summaries = small_samples
    truth = {name: (root / f"{name}-truth" / "truth.csv").read_bytes() for name in summaries}
    assert _digest(root / "a") == _digest(root / "b")
    assert truth["a"] == truth["b"] != truth["c"]
    assert summaries["a"]["rows"] == summaries["b"]["rows"] > 100


def test_the_committed_sample_is_the_generators_output(regenerated):
    root, summary = regenerated
    assert _digest(root / "inbox") == _digest(SAMPLE_INBOX)
    assert (root / "truth.csv").read_bytes() == SAMPLE_TRUTH.read_bytes()
    assert summary["lookalike_groups"] >= 40


def test_the_sample_has_the_hard_cases():
    truth = pd.read_csv(SAMPLE_TRUTH, dtype=str, keep_default_na=False)
    assert truth.source.nunique() >= 5
    assert {".xlsx", ".csv"} <= {f[f.rfind("."):] for f in truth.file}
    assert {"record", "totals", "no_name"} <= set(truth.row_kind)
    assert truth[truth.lookalike_group != ""].groupby("lookalike_group").entity_id.nunique().min() >= 2
    departments_per_entity = truth[truth.row_kind == "record"].groupby("entity_id").source.nunique()
    assert (departments_per_entity >= 2).mean() > 0.9
    csv_bytes = {p.name: p.read_bytes() for p in SAMPLE_INBOX.rglob("*.csv")}
    assert any(b.startswith(b"\xef\xbb\xbf") for b in csv_bytes.values())  # UTF-8 with BOM
    gbk = [b for b in csv_bytes.values() if not b.startswith(b"\xef\xbb\xbf")]
    assert any(_not_utf8(b) and b.decode("gbk") for b in gbk)  # GBK


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


# --- Customer 360 parts: contacts, roles, branches and groups, activity sheets -----------------------------------

import datetime as dt  # noqa: E402
from functools import lru_cache  # noqa: E402

from customer_master.ingest.headers import map_headers  # noqa: E402
from customer_master.ingest.readers import read_file  # noqa: E402
from customer_master.ingest.sheet_kinds import fields_for_kind, sheet_kind  # noqa: E402
from customer_master.sample import layouts_crm  # noqa: E402
from customer_master.sample.truth360 import lifecycle, truth_paths  # noqa: E402
from customer_master.sample.world import ACTIVITY_START, REFERENCE_DATE  # noqa: E402
from customer_master.sources import load_sources, source_config  # noqa: E402
from customer_master.standardise.amounts import parse_amounts  # noqa: E402
from customer_master.standardise.dates import parse_dates  # noqa: E402

# file -> (sheet kind the pipeline must tell, header -> canonical field it must map to)
NEW_HEADERS = {
    layouts_crm.RECEIVABLES_PATH: ("customers", {
        "客户名称": "name", "统一社会信用代码": "uscc", "联系人": "contact_name", "职务": "contact_title",
        "联系电话": "phone", "应收金额": None, "业务员": None, "账龄": None}),
    layouts_crm.DISTRIBUTORS_PATH: ("customers", {
        "经销商名称": "name", "统一社会信用代码": "uscc", "联系人": "contact_name", "职务": "contact_title",
        "手机": "mobile", "电话": "phone", "邮箱": "email", "地址": "address"}),
    layouts_crm.SUPPLIERS_PATH: ("customers", {
        "供应商名称": "name", "纳税人识别号": "uscc", "联系人": "contact_name", "职位": "contact_title",
        "联系电话": "phone", "邮箱": "email", "地址": "address"}),
    layouts_crm.INTERACTIONS_PATH: ("interactions", {
        "跟进日期": "activity_date", "客户名称": "name", "联系人": "contact_name", "联系电话": "phone",
        "沟通方式": "channel", "事项类型": "interaction_type", "沟通内容": "content", "结果": "outcome",
        "下一步": "next_action", "跟进人": "staff"}),
    layouts_crm.TRANSACTIONS_PATH: ("transactions", {
        "单据日期": "activity_date", "单据类型": "txn_type", "单据编号": "doc_number", "客户名称": "name",
        "统一社会信用代码": "uscc", "联系电话": "phone", "产品名称": "product", "数量": "quantity",
        "金额": "amount", "业务员": "staff"}),
    "key_accounts/大客户名录_2026-10.xlsx": ("customers", {
        "职务": "contact_title", "负责业务": "business_area", "所属集团": "group_name", "上级单位": "parent_name"}),
    "east_region/华东大区客户登记表.csv": ("customers", {"职务": "contact_title", "总公司": "parent_name"}),
    "finance/客户开户信息.xlsx": ("customers", {"Contact": "contact_name", "Title": "contact_title"}),
    "channel/distributor_west.xlsx": ("customers", {"Job Title": "contact_title", "Parent Company": "parent_name"}),
    "channel/distributor_south.xlsx": ("customers", {"Title": "contact_title"}),
    "channel/经销商_华北_2026Q3.xlsx": ("customers", {"职位": "contact_title"}),
}


@lru_cache(maxsize=None)
def _truth_360():
    truth = pd.read_csv(SAMPLE_TRUTH, dtype=str, keep_default_na=False)
    paths = truth_paths(SAMPLE_TRUTH)
    contacts = pd.read_csv(paths["contacts"], dtype=str, keep_default_na=False)
    entities = pd.read_csv(paths["entities"], dtype=str, keep_default_na=False)
    return truth, contacts, entities


@lru_cache(maxsize=None)
def _grid(path: str) -> dict[str, list[list]]:
    return {g.sheet: g.rows for g in read_file(SAMPLE_INBOX / path)}


def _cells(truth: pd.DataFrame, path: str, header: str) -> pd.Series:
    """The cell under `header` of every truth row of the file."""
    grids = _grid(path)
    out = []
    for sheet, number in zip(truth["sheet"], truth["row_number"].astype(int)):
        rows = grids[sheet]
        head = next(r for r in rows if header in [str(c) for c in r])
        value = rows[number - 1][[str(c) for c in head].index(header)]
        out.append(value)
    return pd.Series(out, index=truth.index, dtype=object)


def test_the_generator_writes_the_360_truth_files_beside_the_truth(small_samples):
    root, _ = small_samples
    for name in ("truth_contacts.csv", "truth_entities.csv"):
        assert (root / "a-truth" / name).read_bytes() == (root / "b-truth" / name).read_bytes()
    truth = pd.read_csv(root / "a-truth" / "truth.csv", dtype=str, keep_default_na=False)
    assert {"sheet_kind", "contact_id"} <= set(truth.columns)
    assert {"interactions", "transactions"} <= set(truth.sheet_kind)


def test_the_committed_360_truth_is_the_generators_output(regenerated):
    root, _ = regenerated
    for kind, committed in truth_paths(SAMPLE_TRUTH).items():
        assert (root / f"truth_{kind}.csv").read_bytes() == committed.read_bytes(), kind


def test_every_new_header_maps_to_its_field_and_the_sheet_kind_is_right():
    sources = load_sources(SAMPLE_INBOX)
    truth, _, _ = _truth_360()
    for path, (kind, expected) in NEW_HEADERS.items():
        config = source_config(sources, path.split("/")[0]).for_file(path)
        assert path in set(truth.file), path
        for sheet, rows in _grid(path).items():
            head = next(r for r in rows if any(str(c) in expected for c in r))
            fields = map_headers(head, config.columns)
            assert sheet_kind(fields, config.kind) == kind, (path, sheet)
            # what the pipeline keeps: a customer sheet's activity columns (应收金额) stay extra attributes
            mapped = dict(zip([str(c) for c in head], fields_for_kind(fields, kind)))
            assert {h: mapped[h] for h in expected} == expected, (path, sheet)
            assert set(truth[(truth.file == path) & (truth.sheet == sheet)].sheet_kind) == {kind}


def test_activity_rows_point_at_entities_and_unknown_customers_only_at_activity():
    truth, contacts, entities = _truth_360()
    activity = truth[truth.sheet_kind != "customers"]
    assert {"interaction", "transaction", "unknown_customer", "no_customer", "totals"} <= set(activity.row_kind)
    assert set(activity.row_kind) <= {"interaction", "transaction", "unknown_customer", "no_customer", "totals"}
    named = activity[activity.row_kind.isin(["interaction", "transaction", "unknown_customer"])]
    assert set(named.entity_id) <= set(entities.entity_id)
    unknown = named[named.row_kind == "unknown_customer"]
    assert unknown.entity_id.str.startswith("X").all() and len(unknown) > 10
    assert not set(unknown.entity_id) & set(truth[truth.sheet_kind == "customers"].entity_id)
    assert (named[named.row_kind != "unknown_customer"].entity_id.str[0] != "X").all()
    assert (activity[activity.row_kind.isin(["no_customer", "totals"])].entity_id == "").all()
    # a row without a customer name is exactly a no_customer or totals row
    for path in (layouts_crm.INTERACTIONS_PATH, layouts_crm.TRANSACTIONS_PATH):
        rows = activity[activity.file == path]
        names = _cells(rows, path, "客户名称").fillna("").astype(str).str.strip()
        assert ((names == "") == (rows.row_kind == "no_customer")).all(), path
        assert ((names == "合计") == (rows.row_kind == "totals")).all(), path


def test_contacts_in_the_truth_have_titles_roles_and_their_rows():
    truth, contacts, entities = _truth_360()
    assert set(contacts.role) == {"decision_maker", "purchaser", "technical", "finance", "user"}
    assert (contacts.title != "").all() and contacts.contact_id.is_unique
    assert (contacts.contact_id.str.split("-K").str[0] == contacts.company_id).all()
    named = truth[truth.contact_id != ""]
    assert (named.contact_id.str.split("-K").str[0] == named.entity_id).all()
    assert set(named.row_kind) == {"record", "interaction", "unknown_customer"}
    shown = named[named.sheet_kind == "customers"]
    assert set(shown.row_kind) == {"record"} and len(shown) > 1000
    assert set(shown.contact_id) <= set(contacts.contact_id)
    assert (shown.contact_id.str.split("-K").str[0] == shown.entity_id).all()
    assert (shown.contact_id.str.endswith("-K1")).mean() < 0.97        # other contacts show up too
    rows = shown.contact_id.value_counts()
    assert (contacts.set_index("contact_id")["rows"].astype(int) == rows.reindex(contacts.contact_id).fillna(0)
            .astype(int).to_numpy()).all()
    # a row naming a contact shows that contact's name (as typed: traditional or one slip aside)
    key = truth[(truth.file == "key_accounts/大客户名录_2026-10.xlsx") & (truth.contact_id != "")]
    typed = _cells(key, "key_accounts/大客户名录_2026-10.xlsx", "联系人").astype(str).str.replace(" ", "")
    names = key.contact_id.map(contacts.set_index("contact_id")["name"])
    assert (typed == names).mean() > 0.9


def test_entity_roles_groups_and_parents():
    truth, _, entities = _truth_360()
    by_id = entities.set_index("entity_id")
    records = truth[(truth.sheet_kind == "customers") & (truth.row_kind == "record")]
    debtors = set(records[records.file == layouts_crm.RECEIVABLES_PATH].entity_id)
    assert len(debtors) >= 10 and debtors == set(entities[entities.roles.str.contains("debtor")].entity_id)
    suppliers = set(records[records.source == "purchasing"].entity_id)
    distributors = set(records[records.file == layouts_crm.DISTRIBUTORS_PATH].entity_id)
    assert suppliers == set(entities[entities.roles.str.contains("supplier")].entity_id)
    assert distributors == set(entities[entities.roles.str.contains("distributor")].entity_id)
    partners = (suppliers | distributors) - set(records[records.source.isin(
        ["key_accounts", "east_region", "ecommerce", "retail_stores", "after_sales"])].entity_id)
    only_listed = [e for e in partners if by_id.loc[e, "roles"] in ("supplier", "distributor", "distributor,supplier")]
    assert len(only_listed) >= 20                                  # known only from those lists
    assert {"customer,supplier", "customer,distributor"} & set(entities.roles)
    assert (entities[entities.entity_id.str.startswith("X")].roles == "").all()
    branches = entities[entities.parent_entity_id != ""]
    assert len(branches) >= 10 and set(branches.parent_entity_id) <= set(entities.entity_id)
    groups = entities[entities.group_name != ""].groupby("group_name").entity_id.nunique()
    assert len(groups) >= 5 and groups.min() >= 2
    ka = truth[(truth.file == "key_accounts/大客户名录_2026-10.xlsx") & (truth.row_kind == "record")]
    group_cells = _cells(ka, "key_accounts/大客户名录_2026-10.xlsx", "所属集团").fillna("")
    has_group = ka.entity_id.map(by_id["group_name"]) != ""
    assert (group_cells[~has_group] == "").all() and (group_cells[has_group] != "").mean() > 0.8


def test_order_amounts_and_lifecycles_follow_from_the_activity_sheets():
    truth, _, entities = _truth_360()
    by_id = entities.set_index("entity_id")
    dates = []
    for path in (layouts_crm.INTERACTIONS_PATH, layouts_crm.TRANSACTIONS_PATH):
        rows = truth[(truth.file == path) & (truth.entity_id != "")]
        header = "跟进日期" if path == layouts_crm.INTERACTIONS_PATH else "单据日期"
        raw = _cells(rows, path, header)
        parsed = raw.map(lambda v: v.date() if isinstance(v, dt.datetime) else None)
        text = parse_dates(raw[parsed.isna()].astype(str)).dt.date
        parsed[parsed.isna()] = text
        assert parsed.notna().all() and parsed.between(ACTIVITY_START, REFERENCE_DATE).all(), path
        dates.append(pd.DataFrame({"entity_id": rows.entity_id, "date": parsed}))
        if path == layouts_crm.TRANSACTIONS_PATH:
            kinds = _cells(rows, path, "单据类型")
            amounts = parse_amounts(_cells(rows, path, "金额").astype(str))
            assert amounts.notna().all()
            orders = amounts[kinds == "订单"].groupby(rows.entity_id[kinds == "订单"]).sum().round(2)
            expected = by_id.loc[orders.index, "order_amount"].astype(float)
            assert (abs(orders - expected) < 0.01).all()
            assert (by_id.loc[orders.index, "order_count"].astype(int)
                    == (kinds == "订单").groupby(rows.entity_id).sum().loc[orders.index]).all()
    seen = pd.concat(dates).groupby("entity_id").date.agg(["min", "max"])
    computed = {e: lifecycle(r["min"], r["max"], REFERENCE_DATE) for e, r in seen.iterrows()}
    assert computed == by_id.loc[list(computed), "lifecycle"].to_dict()
    assert set(by_id.loc[list(computed), "lifecycle"]) == {"new", "active", "dormant", "lost"}
    assert (entities[~entities.entity_id.isin(computed)].lifecycle == "").all()
    buyers = entities[entities.value_tier != ""]
    assert set(buyers.value_tier) == {"high", "medium", "low"} and (buyers.order_count.astype(int) > 0).all()
    high, low = (buyers[buyers.value_tier == t].order_amount.astype(float) for t in ("high", "low"))
    assert high.min() > low.max()


import random  # noqa: E402

from customer_master.sample.entities import BRAND_ATTEMPTS, TWO_CHARACTER_BRANDS, Factory, skip_samples  # noqa: E402
from customer_master.sample.vocab import BRAND_CHARS  # noqa: E402


@pytest.mark.parametrize("population, k", [(len(BRAND_CHARS), 2), (len(BRAND_CHARS), 3), (10, 2), (69, 7)])
def test_skipping_samples_draws_what_the_samples_would(population, k):
    """The brand factory skips its hopeless tries at a two-character brand by
    drawing what rng.sample would: the stream must stay the one sample leaves."""
    sampled, skipped = random.Random(7), random.Random(7)
    for _ in range(BRAND_ATTEMPTS):
        sampled.sample(BRAND_CHARS[:population], k)
    skip_samples(skipped, population, k, BRAND_ATTEMPTS)
    assert skipped.getstate() == sampled.getstate()


def test_brands_past_the_two_character_ones_are_those_the_tries_gave():
    """With every two-character brand taken, a new brand (three characters) is the
    one the fifty tries at two characters and then the tries at three gave."""
    fast, slow = Factory(random.Random(3)), random.Random(3)
    taken = {a + b for a in BRAND_CHARS for b in BRAND_CHARS if a != b}
    assert len(taken) == TWO_CHARACTER_BRANDS
    fast.brands, fast.two_character_brands = set(taken), TWO_CHARACTER_BRANDS
    for _ in range(20):
        for _ in range(BRAND_ATTEMPTS):
            assert "".join(slow.sample(BRAND_CHARS, 2)) in taken
        while (expected := "".join(slow.sample(BRAND_CHARS, 3))) in taken:
            pass
        taken.add(expected)
        assert fast.brand() == expected
