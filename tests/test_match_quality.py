"""Matching on the sample inbox, against the generator's truth."""

import json

import duckdb

from conftest import SAMPLE_TRUTH, run_pipeline, write_csv, write_xlsx
from customer_master.evaluate import evaluate_warehouse
from customer_master.match.threshold import DEFAULT_MATCH_THRESHOLD

# Issue 3's target on the sample inbox (measured 0.990 when this was written).
F1_FLOOR = 0.98


def test_sample_inbox_pairwise_quality(sample_run):
    metrics = evaluate_warehouse(sample_run.warehouse, SAMPLE_TRUTH)
    assert metrics["records_missing"] == 0
    # the only non-records in a master are rows without a name that matching put
    # with their own customer (each borrows an entity's contacts in the generator)
    assert metrics["non_records_in_master"] == metrics["nameless_in_own_master"] > 0
    assert metrics["nameless_in_other_master"] == 0
    assert metrics["records_quarantined"] == 0 and metrics["non_records_quarantined"] > 0
    assert metrics["f1"] >= F1_FLOOR, metrics
    assert metrics["lookalike_entity_pairs_merged"] == 0, metrics


def test_one_mistyped_identifier_does_not_keep_a_person_from_their_record(sample_run):
    """The person model the sample trained: a row that agrees on name, birthday and
    mobile but whose ID number was mistyped still scores above the threshold (EM, seeing
    no true pair of the sample differ on ID, would have weighed the difference -89)."""
    from splink.internals.misc import match_weight_to_bayes_factor

    with duckdb.connect(str(sample_run.warehouse), read_only=True) as con:
        weights = {(c, level or ""): w for c, level, w in con.execute(
            "SELECT comparison, level, match_weight FROM master.model_weights WHERE customer_type = 'person'"
            ).fetchall()}
    agreeing = ("last_name", "first_name", "birth_date", "mobile")
    total = (weights[("(prior: two random rows match)", "")]
             + sum(weights[(c, f"Exact match on {c}")] for c in agreeing)
             + weights[("id_number", "All other comparisons")])
    bayes = match_weight_to_bayes_factor(total)
    assert bayes / (1 + bayes) >= DEFAULT_MATCH_THRESHOLD  # the sample runs at the default


def test_survivorship_prefers_the_most_trusted_source(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox).mkdir()
    # a department's folder name may hold a comma: it stays one department
    (inbox / "sources.yaml").write_text("sources:\n  key_accounts: {trust_rank: 1}\n  'channel, east': {trust_rank: 9}\n",
                                        encoding="utf-8")
    header = ["客户名称", "手机", "邮箱", "地址"]
    write_csv(inbox / "channel, east" / "a.csv", [",".join(header)] + [
        "华信科技有限公司,13800138000,info@huaxin.cn,上海市浦东新区1号"] * 3)
    write_xlsx(inbox / "key_accounts" / "b.xlsx", {"S": [header, ["华信科技有限公司", 13800138000, "INFO@huaxin.cn",
                                                                   "北京市海淀区中关村大街1号"]]})
    outcome = run_pipeline(inbox, tmp_path / "w.duckdb")
    assert outcome.success, outcome.error
    with duckdb.connect(str(outcome.warehouse), read_only=True) as con:
        masters = con.execute("SELECT address, record_count, source_count, sources FROM master.customers").fetchall()
        probabilities = con.execute("SELECT match_probability FROM master.xref").fetchall()
        lineage = con.execute("SELECT rule, source, row_number FROM master.field_lineage "
                              "WHERE field = 'address'").fetchall()
        values = con.execute("SELECT value, golden, rows, sources FROM master.field_values "
                             "WHERE field = 'address' ORDER BY golden DESC").fetchall()
    # three channel rows agree, key accounts wins
    assert masters == [("北京市海淀区中关村大街1号", 4, 2, ["channel, east", "key_accounts"])]
    assert lineage == [("most trusted source", "key_accounts", 2)]
    assert values == [("北京市海淀区中关村大街1号", True, 1, ["key_accounts"]),
                      ("上海市浦东新区1号", False, 3, ["channel, east"])]  # the losing value is kept
    assert all(p is not None and p >= 0.95 for (p,) in probabilities)


def test_an_unfamiliar_department_works_without_configuration(new_departments_run):
    """A new folder with common but unseen header spellings, dropped into the sample inbox
    (华南办事处 of conftest.write_new_departments)."""
    outcome = new_departments_run
    assert outcome.success, outcome.error
    assert all(outcome.checks.values()), outcome.checks
    with duckdb.connect(str(outcome.warehouse), read_only=True) as con:
        placed = con.execute("""
            SELECT x.row_number, c.name, c.mobile, c.customer_type FROM master.xref x JOIN master.customers c
            USING (master_id) WHERE x.source = '华南办事处' ORDER BY x.file, x.row_number""").fetchall()
        rejected = con.execute("SELECT row_number, reason FROM quality.rejected WHERE source = '华南办事处'").fetchall()
        extra_kept = con.execute("SELECT attributes FROM master.xref WHERE source = '华南办事处' "
                                 "AND row_number = 4").fetchone()[0]
    assert [(r, n, m, t) for r, n, m, t in placed] == [
        (2, "陈静", "+8613612345678", "person"),
        (4, "深圳市华信电子有限公司", "+8613812345678", "company"),
        (5, "广州宏达贸易有限公司", "+8613912345678", "company"),
    ]
    assert rejected == [(7, "totals row (合计/Total), not a customer")]
    assert json.loads(extra_kept) == {"序号": "1", "拜访次数": "3"}  # 对接人 is the contact


def test_survivorship_takes_the_newer_file_when_trust_is_equal(tmp_path):
    import os
    inbox = tmp_path / "inbox"
    header = ["客户名称", "手机", "邮箱", "地址"]
    old = write_csv(inbox / "east" / "old.csv", [",".join(header), "华信科技有限公司,13800138000,a@huaxin.cn,旧地址1号"])
    new = write_csv(inbox / "west" / "new.csv", [",".join(header), "华信科技有限公司,13800138000,a@huaxin.cn,新地址2号"])
    os.utime(old, (1_600_000_000, 1_600_000_000))  # 2020
    os.utime(new, (1_700_000_000, 1_700_000_000))  # 2023
    outcome = run_pipeline(inbox, tmp_path / "w.duckdb")
    assert outcome.success, outcome.error
    with duckdb.connect(str(outcome.warehouse), read_only=True) as con:
        lineage = con.execute("SELECT value, rule, source FROM master.field_lineage WHERE field = 'address'"
                              ).fetchall()
    assert lineage == [("新地址2号", "most recently updated", "west")]
