"""The duplicate check (customer_master.check) computes what the pipeline computes, on
the sample warehouse: the fast record path equals the standardise stage, the scores
equal Splink's, the candidates are the blocking rules' own pairs, and batches or a
frame of queries change nothing but the memory. What the check finds, its API and
its CLI: tests/test_check.py."""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from customer_master.benchmarks.check_speed import variant_record
from customer_master.check.query import query_record, query_rows, query_values
from customer_master.check.warehouse_file import MATCH_INPUT_ROWS
from customer_master.sample import variants


@pytest.fixture(scope="module")
def warehouse(sample_run) -> Path:
    return Path(sample_run.warehouse)


# --- (a) the fast record path is the standardise stage --------------------------------

def _varied_records(sample_entities) -> list[dict]:
    companies, persons = sample_entities
    rng = random.Random(11)
    brands = {c.brand for c in companies}
    records = []
    for c in rng.sample(companies, 250):
        records.append({"name": variants.company_name(rng, c, brands, english=rng.random() < 0.3),
                        "phone": rng.choice([c.contact_mobile, f"0{c.city.area_code}-{c.local_number}", None,
                                             c.contact_mobile + ".0"]),
                        "email": rng.choice([c.email, None, (c.email or "").upper() or None]),
                        "uscc": rng.choice([c.uscc, None, variants.uscc(rng, c.uscc, allow_typo=True)]),
                        "address": rng.choice([variants.address(rng, c), None])})
    for p in rng.sample(persons, 250):
        records.append({"name": variants.person_name(rng, p), "mobile": rng.choice([p.mobile, None]),
                        "phone": rng.choice([p.mobile, None, "021-55556666 转 12", "1.38E+10"]),
                        "email": rng.choice([p.email, None, "mailto:" + (p.email or "x@qq.com")]),
                        "address": variants.address(rng, p), "customer_type": rng.choice([None, "person"])})
    records += [
        {"name": "Acme Trading Co., Ltd. Shanghai Branch", "email": "Sales@Acme.COM"},
        {"name": "华信(北京)科技有限公司上海分公司", "phone": "(010) 6666 8888"},
        {"name": "中国银行大厦", "address": "中国银行大厦5楼"},
        {"name": "王", "phone": "13800138000"},
        {"name": "John  Smith", "address": "鼓楼区中山路1号", "customer_type": "person"},
        {"name": "ＡＢＣ　贸易", "uscc": "9111 0000-mA01ABCD1X", "customer_type": "company"},
        {"name": "欧阳娜娜", "email": "not an email"},
    ]
    return records


def test_query_record_equals_the_standardise_stage(sample_entities):
    records = _varied_records(sample_entities)
    reference = query_rows(records)
    fast = pd.concat([query_record(**r, row_key=i) for i, r in enumerate(records)], ignore_index=True)
    assert list(fast.columns) == list(reference.columns)
    for column in reference.columns:
        expected = reference[column].astype(object).where(reference[column].notna(), None).tolist()
        got = fast[column].astype(object).where(fast[column].notna(), None).tolist()
        wrong = [(records[i], e, g) for i, (e, g) in enumerate(zip(expected, got)) if e != g]
        assert not wrong, f"{column}: {wrong[:3]}"


def test_query_values_on_the_sample_rows(warehouse):
    """Every accepted sample row's standardised name, email and address, checked again,
    standardises to the same matching columns."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql("SELECT customer_type, name, email, address FROM master.match_input").df()
    rows = rows.astype(object).where(rows.notna(), None)
    records = [{"name": r.name, "email": r.email, "address": r.address, "customer_type": r.customer_type}
               for r in rows.itertuples()]
    reference = query_rows(records)
    fast = pd.DataFrame([query_values(**r, row_key=i) for i, r in enumerate(records)])
    for column in reference.columns:
        expected = reference[column].astype(object).where(reference[column].notna(), None).tolist()
        assert fast[column].astype(object).where(fast[column].notna(), None).tolist() == expected, column


# --- (b) the scores are Splink's --------------------------------------------------------

def test_scores_equal_splink(sample_checker, warehouse, sample_entities):
    from splink import DuckDBAPI, Linker

    index = sample_checker.index
    companies, persons = sample_entities
    rng = random.Random(3)
    brands = {c.brand for c in companies}
    queries = [query_values(**variant_record(rng, e, brands, typed=True), row_key=10_000_000 + i)
               for i, e in enumerate(rng.sample(companies, 15) + rng.sample(persons, 15))]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        match_input = con.sql(MATCH_INPUT_ROWS).df()
        models = dict(con.execute("SELECT customer_type, model_json FROM master.models").fetchall())
    compared = 0
    for customer_type, scored in index.score_pairs_arrays(queries).items():
        typed = index._types[customer_type]
        known = match_input[match_input["customer_type"] == customer_type].drop(columns=["master_id",
                                                                                       "customer_type"])
        known = known.astype(object).where(known.notna(), None)
        linker = Linker(DuckDBAPI().register(known), json.loads(models[customer_type]), log_level=logging.ERROR)
        for column in typed.model.tf_columns:
            linker.table_management.compute_tf_table(column)
        by_key = known.set_index("row_key", drop=False)
        for query in sorted(set(scored["query"].tolist())):
            mine = np.flatnonzero(scored["query"] == query)[:20]
            left = {k: v for k, v in queries[query].items() if k in known.columns}
            right = [by_key.loc[int(typed.row_keys[c])].to_dict() for c in scored["row"][mine]]
            splink = linker.inference.score_pairs([left], right).as_pandas_dataframe()
            splink = splink.set_index("row_key_r").loc[[r["row_key"] for r in right]]
            np.testing.assert_allclose(scored["match_weight"][mine], splink["match_weight"].to_numpy(),
                                       rtol=0, atol=1e-9)
            np.testing.assert_allclose(scored["match_probability"][mine],
                                       splink["match_probability"].to_numpy(), rtol=0, atol=1e-9)
            compared += len(mine)
    assert compared >= 30


def test_numpy_scoring_equals_the_compiled_sql(sample_checker, warehouse):
    """Known rows checked as new records: every candidate pair scored in numpy and by
    the model's SQL in DuckDB."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql(f"SELECT * EXCLUDE (master_id) FROM ({MATCH_INPUT_ROWS}) USING SAMPLE 300 ROWS "
                       "(reservoir, 7)").df()
    rows["row_key"] += 10_000_000
    a = sample_checker.index.score_pairs(rows, engine="numpy").sort_values(["query", "source_row_key"])
    b = sample_checker.index.score_pairs(rows, engine="sql").sort_values(["query", "source_row_key"])
    assert len(a) > 300 and a[["query", "source_row_key"]].values.tolist() == \
        b[["query", "source_row_key"]].values.tolist()
    np.testing.assert_allclose(a["match_weight"], b["match_weight"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(a["match_probability"], b["match_probability"], rtol=0, atol=1e-12)


def test_candidates_are_the_blocking_rules_own_pairs(sample_checker, warehouse):
    """The keys looked up are the rules' whole equalities, expressions included
    (surname + birth year + first initial, not the surname alone): every candidate
    the index retrieves satisfies a rule, and every pair a rule admits is retrieved."""
    from customer_master.check.type_index import query_columns

    with duckdb.connect(str(warehouse), read_only=True) as con:
        known = con.sql(MATCH_INPUT_ROWS).df()
        models = dict(con.execute("SELECT customer_type, model_json FROM master.models").fetchall())
    with_expressions = 0
    for customer_type, typed in sample_checker.index._types.items():
        rows = known[known["customer_type"] == customer_type].sample(200, random_state=5)
        records = rows.astype(object).where(rows.notna(), None).to_dict("records")
        q, c = sample_checker.index.candidates(typed, query_columns(records, typed))
        found = {(int(rows["row_key"].iloc[i]), int(typed.row_keys[j])) for i, j in zip(q.tolist(), c.tolist())}
        rules = " OR ".join(f"({r['blocking_rule']})" for r in
                            json.loads(models[customer_type])["blocking_rules_to_generate_predictions"])
        con = duckdb.connect()
        con.register("l", rows)
        con.register("r", known[known["customer_type"] == customer_type])
        expected = set(con.execute(f"SELECT l.row_key, r.row_key FROM l, r WHERE {rules}").fetchall())
        assert found == expected, customer_type
        with_expressions += sum(len(key.parts) > len([p for p in key.parts if p in key.columns])
                                for key in typed.model.blocking)
    assert with_expressions  # the person rules' initials and least(given, family) are keys of their own


def test_scoring_in_batches_gives_the_same_pairs(sample_checker, warehouse, monkeypatch):
    """Many queries at once (a run's activity rows) are scored in batches of
    candidate pairs; the batches change nothing but the memory."""
    from customer_master.check import index as index_module, scored_pairs

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql(f"SELECT * EXCLUDE (master_id) FROM ({MATCH_INPUT_ROWS}) USING SAMPLE 200 ROWS "
                       "(reservoir, 11)").df()
    whole = sample_checker.index.score_pairs(rows).sort_values(["query", "source_row_key"], ignore_index=True)
    monkeypatch.setattr(index_module, "PAIRS_PER_BATCH", 37)
    assert len(scored_pairs.batches(np.full(100, 5), 37)) > 10
    batched = sample_checker.index.score_pairs(rows).sort_values(["query", "source_row_key"], ignore_index=True)
    assert len(whole) > 200
    pd.testing.assert_frame_equal(whole, batched)


def test_the_top_masters_are_the_same_when_each_batch_keeps_only_its_best_pairs(sample_checker, warehouse,
                                                                                monkeypatch):
    """With `top`, a batch keeps only the pairs its queries' top masters come from
    (a run's activity rows would otherwise hold every candidate pair's weights)."""
    from customer_master.check import index as index_module

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql(f"SELECT * EXCLUDE (master_id) FROM ({MATCH_INPUT_ROWS}) USING SAMPLE 200 ROWS "
                       "(reservoir, 17)").df()
    whole = sample_checker.index.score_matching(rows, top=2)
    kept = sum(len(s["query"]) for s in sample_checker.index.score_pairs_arrays(rows, top=2).values())
    every = sum(len(s["query"]) for s in sample_checker.index.score_pairs_arrays(rows).values())
    monkeypatch.setattr(index_module, "PAIRS_PER_BATCH", 37)
    batched = sample_checker.index.score_matching(rows, top=2)
    assert len(whole) > 200 and kept < every / 2  # fewer pairs held, the same hits
    pd.testing.assert_frame_equal(whole, batched)
    # without the evidence (what linking activity rows asks for): the same hits, no JSON per hit
    without = sample_checker.index.score_matching(rows.set_axis(rows.index + 5), top=2, evidence=False)
    assert without["evidence"].isna().all() and whole["evidence"].notna().all()
    pd.testing.assert_frame_equal(whole.drop(columns="evidence"), without.drop(columns="evidence"))


def test_the_top_masters_of_a_frame_of_queries(sample_checker, warehouse):
    """`score_matching` (a frame of queries, read by column: a run's activity rows)
    gives each query's best masters: a master once, by its best row, the heaviest
    first, ties to the master id that sorts first; and the same hits as
    `score_records` (one dict per query: the check's API)."""

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql(f"SELECT * EXCLUDE (master_id) FROM ({MATCH_INPUT_ROWS}) USING SAMPLE 150 ROWS "
                       "(reservoir, 13)").df()
    rows["row_key"] += 10_000_000
    top = sample_checker.index.score_matching(rows, top=3)
    pairs = sample_checker.index.score_pairs(rows)
    expected = (pairs.sort_values(["query", "match_weight", "master_id", "source_row_key"],
                                  ascending=[True, False, True, True])
                .drop_duplicates(["query", "master_id"]))
    expected = expected[expected.groupby("query").cumcount() < 3]
    assert len(top) > 150
    assert top[["row_key", "master_id", "source_row_key"]].values.tolist() == \
        expected[["row_key", "master_id", "source_row_key"]].values.tolist()
    assert top.groupby("row_key")["rank"].apply(list).map(lambda r: r == list(range(1, len(r) + 1))).all()

    records = rows.astype(object).where(rows.notna(), None).to_dict("records")
    one_by_one = [(records[q]["row_key"], hit["rank"], hit["master_id"], hit["source_row_key"],
                   json.dumps(hit["evidence"], ensure_ascii=False))
                  for q, found in enumerate(sample_checker.index.score_records(records, top=3)) for hit in found]
    assert top[["row_key", "rank", "master_id", "source_row_key", "evidence"]].values.tolist() == \
        [list(t) for t in one_by_one]


def test_a_model_is_compiled_once_per_process_and_as_compile_model_would(warehouse):
    from customer_master.match.scoring import compile_model, compiled_model

    with duckdb.connect(str(warehouse), read_only=True) as con:
        model = json.loads(con.execute("SELECT model_json FROM master.models WHERE customer_type = 'company'")
                           .fetchone()[0])
    first = compiled_model(model)
    assert compiled_model(json.loads(json.dumps(model))) is first  # an equal model: the same compilation
    assert first == compile_model(model)
    other = {**model, "probability_two_random_records_match": model["probability_two_random_records_match"] / 2}
    assert compiled_model(other) is not first and compiled_model(other).prior == other[
        "probability_two_random_records_match"]
