"""The pair scorer's DuckDB parts give the same truth however their inputs travel:
the opaque predicates (jaro_winkler, list overlaps, dates) of a check's few pairs
as list parameters and of a large batch as an Arrow table, and the blocking keys'
expressions of a check's row as list parameters and of many rows as a registered
table, each held to the model's compiled SQL. The scores against Splink's own:
tests/test_check_scoring.py."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from customer_master.check import keys as keys_module
from customer_master.check.warehouse_file import MATCH_INPUT_ROWS
from customer_master.match import pair_scorer


@pytest.fixture(scope="module")
def queries(sample_run):
    """Known rows checked as new records, some with a side's compared text missing
    or rewritten in other scripts (non-ASCII on one side of the pair only)."""
    with duckdb.connect(str(Path(sample_run.warehouse)), read_only=True) as con:
        rows = con.sql(f"SELECT * EXCLUDE (master_id) FROM ({MATCH_INPUT_ROWS}) USING SAMPLE 160 ROWS "
                       "(reservoir, 23)").df()
    rows = rows.astype(object).where(rows.notna(), None)
    rows["row_key"] = rows["row_key"].astype("int64") + 10_000_000
    every = np.arange(len(rows))
    for column in ("address", "street", "first_name_romanised", "email_user", "name_romanised", "place"):
        rows.loc[every % 4 == 1, column] = None
    for column, text in (("address", "北京市朝阳区建国路８８号Ａ座"), ("street", "Straße des 17. Juni"),
                         ("name_stems", "上海 华信 科技"), ("last_name_romanised", "ōuyáng"),
                         ("first_name_romanised", "nǎnà")):
        rows.loc[every % 4 == 2, column] = text
    return rows


def _scored(index, rows, engine="numpy"):
    return index.score_pairs(rows, engine=engine).sort_values(["query", "source_row_key"], ignore_index=True)


def test_opaque_predicates_listed_or_as_arrow_are_duckdbs(sample_checker, queries, monkeypatch):
    index = sample_checker.index
    reference = _scored(index, queries, engine="sql")
    monkeypatch.setattr(pair_scorer, "LISTED_PAIRS", 0)  # every batch as an Arrow table
    as_arrow = _scored(index, queries)
    monkeypatch.setattr(pair_scorer, "LISTED_PAIRS", 10**9)  # every batch as list parameters
    listed = _scored(index, queries)
    assert len(reference) > 160
    for scored in (as_arrow, listed):
        assert scored[["query", "source_row_key"]].values.tolist() == \
            reference[["query", "source_row_key"]].values.tolist()
        np.testing.assert_allclose(scored["match_weight"], reference["match_weight"], rtol=0, atol=1e-9)
    assert as_arrow["evidence"].tolist() == listed["evidence"].tolist()


@pytest.mark.parametrize("listed", [0, 10**9])
def test_opaque_predicates_of_no_pairs_and_of_pairs_without_values(sample_checker, monkeypatch, listed):
    """An empty batch scores nothing; pairs whose compared text is missing on both sides
    (Arrow columns of no type: the query casts them) are null, never true."""
    monkeypatch.setattr(pair_scorer, "LISTED_PAIRS", listed)
    for typed in sample_checker.index._types.values():
        scorer = typed.scorer
        con = duckdb.connect()
        empty = {f"{c}_{side}": np.empty(0, object) for c in typed.schema for side in "lr"}
        empty.update({f"tf_{c}_{side}": np.empty(0) for c in typed.model.tf_columns for side in "lr"})
        scored = scorer.score(empty, 0, con)
        assert len(scored["match_weight"]) == 0 and not scored["blocked"].any()
        missing = {c: np.full(3, None, object) for c in scorer._opaque_inputs}
        for truth in scorer.evaluate_opaque(con, missing, 3).values():
            assert truth.null.all() and not truth.true.any()


def test_key_expressions_listed_or_registered_hash_alike(sample_checker, queries, monkeypatch):
    """A check's row gives its key expressions (LEAST of two names, a name's first
    letter) as list parameters, many rows as a registered table: the same values and
    hashes; and a column several keys share, hashed once, hashes as on its own."""
    index = sample_checker.index
    typed = index._types["person"]
    columns = list(dict.fromkeys(c for key in typed.model.blocking for c in key.columns))
    table = pa.table({c: pa.array(queries[c].tolist(), typed.schema[c]) for c in columns})
    assert any(p not in columns for key in typed.model.blocking for p in key.parts)  # expressions there
    con = duckdb.connect()
    monkeypatch.setattr(keys_module, "LISTED_ROWS", 10**9)
    listed = keys_module.key_part_values(table, typed.model.blocking, con)
    shared = keys_module.keys_hashes(listed)
    monkeypatch.setattr(keys_module, "LISTED_ROWS", 0)
    registered = keys_module.key_part_values(table, typed.model.blocking, con)
    monkeypatch.setattr(keys_module, "SHARED_HASH_ROWS", 0)
    one_by_one = keys_module.keys_hashes(registered)
    for a, b in zip(listed, registered):
        assert [p.to_pylist() for p in a] == [p.to_pylist() for p in b]
    for (hashes, present), (expected, expected_present) in zip(shared, one_by_one):
        np.testing.assert_array_equal(present, expected_present)
        np.testing.assert_array_equal(hashes[present], expected[present])
    assert sum(present.sum() for _, present in shared) > 160
