"""Activity rows' links carried from the last run (customer360/carried_links.py): a
nightly run scores only the activity rows that are new, or whose masters changed,
or that could meet a changed master, and its links equal those of scoring every
row again. Real runs on copies of the session's sample warehouse; the pieces on
small frames."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from conftest import SAMPLE_INBOX, copy_warehouse, run_pipeline, write_new_departments, write_xlsx
from customer_master.customer360.carried_links import (CarriedLinks, batch_changed, changed_masters, facts_of,
                                                       master_entries, near, usable, with_batch_columns)
from customer_master.assets import customer360 as customer360_assets
from customer_master.customer360.activity_text import activity_entries
from customer_master.warehouse.layout import layout

FOLLOW_UPS = "华中大区/跟进记录.xlsx"
ACTIVITY_COLUMNS = ["master_id", "match_probability", "resolution", "unresolved_reason", "customer_name",
                    "source", "file", "sheet", "row_number"]


def _write_follow_ups(inbox: Path, known_name: str) -> None:
    """A new department's follow-up log: a customer of the sample, one of the new
    departments' customers (a master the last run did not have) and a stranger."""
    write_xlsx(inbox / FOLLOW_UPS, {"跟进": [
        ["日期", "客户名称", "联系人", "联系电话", "沟通方式", "事项类型", "跟进人", "沟通内容", "结果", "下一步"],
        ["2026-11-02", known_name, None, None, "电话", "咨询", "小刘", "询价", "待跟进", "报价"],
        ["2026-11-03", "北京恒泰鑫科技有限公司", None, "13811112222", "拜访", "洽谈", "小王", "年框", "成交", "签约"],
        ["2026-11-04", "无名氏贸易商行", None, None, "微信", "咨询", "小王", "问价", "待跟进", None],
    ]})


def _activities(warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"""
            SELECT 'interaction' AS kind, {', '.join(ACTIVITY_COLUMNS)} FROM master.interactions
            UNION ALL SELECT 'transaction', {', '.join(ACTIVITY_COLUMNS)} FROM master.transactions
            ORDER BY file, sheet, row_number""").df()


def _relationships(warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT * FROM master.relationships ORDER BY ALL").df()


@pytest.fixture(scope="module")
def nightly_runs(sample_run, sample_settings_file, tmp_path_factory):
    """The sample with new departments and their follow-up log, run nightly on two copies
    of the sample warehouse: one keeping the sample run's activity scores, one without them."""
    root = tmp_path_factory.mktemp("carried_activities")
    inbox = root / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    write_new_departments(inbox)
    known = _activities(sample_run.warehouse).query("resolution == 'resolved'").iloc[0]
    _write_follow_ups(inbox, known.customer_name)
    runs, computed = {}, {}
    for name in ("carried", "scored_again"):
        warehouse = copy_warehouse(sample_run.warehouse, root / name / "customer_master.duckdb")
        if name == "scored_again":  # nothing of the last run's: neither its scores nor its rows' text
            shutil.rmtree(layout(warehouse).activity_carry)
            shutil.rmtree(layout(warehouse).row_cache / "activities")
        seen = computed[name] = []  # the activity rows whose text the run computed (file per row)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(customer360_assets, "activity_entries",
                          lambda rows, seen=seen: seen.extend(rows["file"]) or activity_entries(rows))
            runs[name] = run_pipeline(inbox, warehouse, settings=sample_settings_file)
    return runs, known, computed


def test_a_nightly_run_scores_only_the_activity_rows_that_changed(sample_run, nightly_runs):
    runs, _, _ = nightly_runs
    first = sample_run.asset_metadata["customer_activities"]
    assert first["rows_kept"].value == 0 and first["rows_scored"].value > 2000  # the first run: every named row
    night = runs["carried"].asset_metadata["customer_activities"]
    named = night["rows_scored"].value + night["rows_kept"].value
    assert named == first["rows_scored"].value + 3  # the three new rows
    assert 3 <= night["rows_scored"].value < named / 5
    again = runs["scored_again"].asset_metadata["customer_activities"]
    assert again["rows_kept"].value == 0 and again["rows_scored"].value == named
    # what the next run keeps holds customer data: its owner's alone
    carry = layout(runs["carried"].warehouse).activity_carry
    # this run's, and the last published run's it kept from (the next run removes that one)
    assert {folder.name for folder in carry.iterdir()} == {runs["carried"].run_id, sample_run.run_id}
    for path in [carry, *carry.rglob("*")]:
        assert path.stat().st_mode & 0o077 == 0, path
    # the organisations customer rows name as parent or group, each name once
    first, night = (run.asset_metadata["customer_relationships"] for run in (sample_run, runs["carried"]))
    assert first["names_kept"].value == 0 and first["names_scored"].value > 20
    assert night["names_kept"].value > 0 and night["names_scored"].value < first["names_scored"].value / 2


def test_a_nightly_run_computes_the_text_of_the_changed_activity_files_only(sample_run, nightly_runs):
    runs, _, computed = nightly_runs
    assert computed["carried"] == [FOLLOW_UPS] * 3  # the new follow-up log's rows, not the sample's
    assert runs["carried"].asset_metadata["customer_activities"]["files_unchanged"].value > 2
    everything = _activities(runs["scored_again"].warehouse)
    assert len(computed["scored_again"]) == len(everything)  # without the last run's: every row
    assert sample_run.asset_metadata["customer_activities"]["files_unchanged"].value == 0


def test_activity_text_read_back_equals_computing_it(nightly_runs):
    """The whole interaction and transaction tables of a night that read the unchanged
    files' text back and kept scores equal those of a night that computed everything
    (but for the probabilities, see below, and the reasons that quote them)."""
    runs, _, _ = nightly_runs
    for table in ("interactions", "transactions"):
        carried, again = (_table(runs[name].warehouse, table) for name in ("carried", "scored_again"))
        exact = [c for c in carried.columns if c not in ("match_probability", "unresolved_reason")]
        pd.testing.assert_frame_equal(carried[exact], again[exact])
        assert carried["activity_date"].notna().mean() > 0.5


def _table(warehouse: Path, table: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"SELECT * FROM master.{table} ORDER BY file, sheet, row_number").df()


def test_carried_relationships_equal_those_of_scoring_every_name(nightly_runs):
    runs, _, _ = nightly_runs
    carried, scored = (_relationships(runs[name].warehouse) for name in ("carried", "scored_again"))
    exact = [c for c in carried.columns if c != "match_probability"]
    pd.testing.assert_frame_equal(carried[exact], scored[exact])
    assert np.allclose(carried.match_probability, scored.match_probability, rtol=0, atol=0.005, equal_nan=True)


def test_carried_links_equal_the_links_of_scoring_every_row(nightly_runs):
    runs, known, _ = nightly_runs
    carried, scored = (_activities(runs[name].warehouse) for name in ("carried", "scored_again"))
    assert len(carried) == len(scored)
    exact = ["kind", "master_id", "resolution", "customer_name", "source", "file", "sheet", "row_number"]
    pd.testing.assert_frame_equal(carried[exact], scored[exact])
    # a kept score is the last run's, moved to this run's prior: Splink's term frequencies
    # counted on the last run's rows are the difference (here at most 0.003)
    assert np.allclose(carried.match_probability, scored.match_probability, rtol=0, atol=0.005, equal_nan=True)
    reasons = lambda frame: frame.unresolved_reason.fillna("").str.replace(r"\d\.\d+", "p", regex=True)  # noqa: E731
    assert (reasons(carried) == reasons(scored)).all()

    new = carried[carried.file == FOLLOW_UPS].set_index("row_number")
    assert new.loc[2, "resolution"] == "resolved" and new.loc[2, "master_id"] == carried.loc[
        carried.customer_name.eq(known.customer_name) & carried.file.ne(FOLLOW_UPS), "master_id"].iloc[0]
    with duckdb.connect(str(runs["carried"].warehouse), read_only=True) as con:  # a master the last run did not have
        hengtaixin = con.execute("""SELECT DISTINCT master_id FROM master.xref
                                    WHERE file = '华中大区/客户.xlsx' AND row_number IN (2, 3)""").fetchall()
    assert [new.loc[3, "master_id"]] == [m for m, in hengtaixin]
    assert new.loc[4, "resolution"] == "unresolved"


# --- the pieces ---------------------------------------------------------------------

def _standardised(names: list[str]) -> pd.DataFrame:
    from customer_master.customer360.resolve import queries_of
    from customer_master.ingest.inbox import ROW_COLUMNS
    rows = pd.DataFrame({c: None for c in ROW_COLUMNS}, index=range(len(names)))
    rows = rows.assign(row_key=range(len(names)), source="s", file="f", sheet="", row_number=range(2, len(names) + 2),
                       party_type="company", trust_rank=1, name=names, extra="{}")
    return queries_of(rows)


def test_batch_columns_over_split_queries_equal_those_of_all_queries_at_once():
    # acme is the rarer word of "Acme Zeta" among all four names, zeta among the first two;
    # 31 rows share one name: common among all, not in either half
    names = ["Acme Zeta Ltd", "Acme One Ltd"] + ["Common Name Ltd"] * 31 + ["Zeta Two Ltd", "Zeta Three Ltd"]
    whole = _standardised(names)
    half = len(names) // 2
    apart = pd.concat([_standardised(names[:half]), _standardised(names[half:]).assign(origin=lambda f: f.origin + half)],
                      ignore_index=True)
    changed = batch_changed(whole, apart)
    assert changed[0] and changed[2] and not changed[1]
    assert not batch_changed(whole, with_batch_columns(apart)).any()
    assert not batch_changed(whole, with_batch_columns(whole)).any()


def test_a_master_changes_when_its_rows_do_and_not_when_their_row_keys_move():
    rows = pa.table({"master_id": ["M1", "M1", "M2", "M3"], "row_key": [1, 2, 3, 4],
                     "customer_type": ["company"] * 4, "name": ["a", "b", "c", "d"]})
    before = master_entries(rows)
    moved = rows.set_column(1, "row_key", pa.array([11, 12, 13, 14]))
    assert changed_masters(before, master_entries(moved)) == set()
    grown = pa.concat_tables([moved, pa.table({"master_id": ["M2", "M4"], "row_key": [15, 16],
                                               "customer_type": ["company"] * 2, "name": ["c", "e"]})])
    assert changed_masters(before, master_entries(grown)) == {"M2", "M4"}  # a second row "c" counts
    assert changed_masters(before, master_entries(rows.slice(0, 3))) == {"M3"}  # gone


def test_a_query_is_near_the_rows_it_shares_a_blocking_key_with(sample_run):
    with duckdb.connect(str(sample_run.warehouse), read_only=True) as con:
        known = con.sql("SELECT * REPLACE (CAST(birth_date AS VARCHAR) AS birth_date) FROM master.match_input "
                        "WHERE customer_type = 'company' LIMIT 50").to_arrow_table()
        models = {t: json.loads(m) for t, m in con.execute(
            "SELECT customer_type, model_json FROM master.models").fetchall()}
    names = known.column("name").to_pylist()
    queries = _standardised([names[0], "完全不同的名字有限公司"])
    hit = near(queries, known, models)
    assert hit.tolist() == [True, False]
    assert not near(queries, known.slice(0, 0), models).any()


def test_queries_score_against_the_rows_they_may_meet_as_against_every_known_row(sample_run):
    """A nightly run's few queries are scored against an index of the known rows that share
    a blocking key with one of them (term frequencies counted on every row): the same
    masters and weights as against the index of every known row, without its size."""
    from customer_master.check import CandidateIndex
    from customer_master.customer360.resolve import queries_of, with_masters
    from customer_master.customer360.scored_rows import KnownMasters

    known, models, named, rows = _known_and_named_rows(sample_run, 30)
    queries = queries_of(rows)
    scores = pd.DataFrame({"guessed_type": queries["customer_type"].to_numpy()[:len(rows)]}, index=rows.index)
    near_only = KnownMasters(known, models, {}, 0.95).index_for(queries)
    assert 0 < sum(near_only.stats.rows.values()) < known.num_rows / 5  # only the rows they may meet
    found = with_masters(scores, queries, near_only)
    assert found["master_id"].notna().sum() >= len(named) // 2
    pd.testing.assert_frame_equal(found, with_masters(scores, queries, CandidateIndex(known, models, 0.95)))


def test_a_night_with_the_last_runs_queries_keeps_their_batch_columns(sample_run, monkeypatch):
    """The batch-dependent columns are counted over every query; when a night's queries are
    the last run's they are kept as carried (not counted again), and a new row counts them."""
    from customer_master.customer360 import scored_rows
    from customer_master.customer360.scored_rows import KnownMasters, score_named_rows

    known, models, _, rows = _known_and_named_rows(sample_run, 30)
    masters = KnownMasters(known, models, {t: {"trained_in_run": "r1"} for t in models}, 0.95)
    first = score_named_rows(rows, masters)
    counted = []
    monkeypatch.setattr(scored_rows, "with_batch_columns",
                        lambda queries: counted.append(len(queries)) or with_batch_columns(queries))
    night = score_named_rows(rows, masters, first.next_run)
    assert counted == [] and night.rows_kept == len(rows) and night.rows_scored == 0
    pd.testing.assert_frame_equal(night.scores, first.scores)
    pd.testing.assert_frame_equal(night.next_run.queries.to_pandas(), first.next_run.queries.to_pandas())
    grown = pd.concat([rows, rows.iloc[1:2].set_axis([rows.index.max() + 1]).assign(name="完全不同的新名字有限公司",
                                                                                    row_number=999)])
    again = score_named_rows(grown, masters, night.next_run)
    assert counted == [first.next_run.queries.num_rows + 1] and again.rows_scored >= 1


def test_scores_are_kept_only_for_the_same_code_and_models():
    models = {"company": {"probability_two_random_records_match": 0.001}}
    facts = facts_of(models, {"company": {"trained_in_run": "r1"}})
    last = CarriedLinks(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), facts)
    assert usable(last, facts_of(models, {"company": {"trained_in_run": "r1"}}))
    assert not usable(last, facts_of(models, {"company": {"trained_in_run": "r2"}}))  # retrained (a full run)
    assert not usable(CarriedLinks(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), {**facts, "code": "older"}), facts)
    assert not usable(None, facts)


def test_queries_standardised_in_batches_score_as_all_at_once(sample_run, monkeypatch):
    """score_named_rows standardises the named rows QUERY_BATCH_ROWS at a time (a million
    rows' activities at once took 1.6 GiB): the same scores and queries for the next run,
    with rows of both customer types and rows whose type is guessed (two queries each)."""
    from customer_master.customer360 import scored_rows
    from customer_master.customer360.scored_rows import KnownMasters, score_named_rows

    known, models, named, rows = _known_and_named_rows(sample_run, 40, first_label=100)
    masters = lambda: KnownMasters(known, models, {}, 0.95)  # noqa: E731
    whole = score_named_rows(rows, masters())
    monkeypatch.setattr(scored_rows, "QUERY_BATCH_ROWS", 7)
    batched = score_named_rows(rows, masters())
    assert whole.scores["master_id"].notna().sum() >= len(named) // 2
    pd.testing.assert_frame_equal(batched.scores, whole.scores)
    pd.testing.assert_frame_equal(batched.next_run.queries.to_pandas(), whole.next_run.queries.to_pandas(),
                                  check_dtype=False)
    pd.testing.assert_frame_equal(batched.next_run.rows, whole.next_run.rows)


def _known_and_named_rows(sample_run, count: int, first_label: int = 0):
    """The sample warehouse's known rows and models, the names of its first `count` named
    source rows, and activity-shaped rows naming them (every third with its type left to
    guess) plus two names no customer has."""
    from customer_master.ingest.inbox import ROW_COLUMNS

    with duckdb.connect(str(sample_run.warehouse), read_only=True) as con:
        known = con.sql("SELECT * REPLACE (CAST(birth_date AS VARCHAR) AS birth_date) FROM master.match_input"
                        ).to_arrow_table()
        models = {t: json.loads(m) for t, m in con.execute(
            "SELECT customer_type, model_json FROM master.models").fetchall()}
        named = con.execute("SELECT name, customer_type FROM master.source_rows WHERE name IS NOT NULL "
                            f"ORDER BY file, sheet, row_number LIMIT {count}").df()
    names = [*named["name"], "完全不同的名字有限公司", "张三丰"]
    party = [*named["customer_type"].where(np.arange(len(named)) % 3 > 0, "auto"), "auto", "person"]
    rows = pd.DataFrame({c: None for c in ROW_COLUMNS}, index=range(first_label, first_label + len(names)))
    rows = rows.assign(row_key=range(len(names)), source="s", file="f", sheet="", trust_rank=1, extra="{}",
                       row_number=range(2, len(names) + 2), party_type=party, name=names)
    return known, models, named, rows
