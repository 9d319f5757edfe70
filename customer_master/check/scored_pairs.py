"""The candidate pairs a CandidateIndex scores (check/index.py), as arrays: the
batches they are scored in, each query's best masters among them, and the
model's compiled SQL as the reference scorer the numpy scorer is held to."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from customer_master.check.type_index import TypeIndex
from customer_master.match.scoring import quoted


def top_hits(scored: dict, index: TypeIndex, top: int) -> tuple[np.ndarray, np.ndarray]:
    """The `top` most likely masters of each query, from its scored pairs: (position
    in the pairs, rank from 1), by query then rank. A master counts once, by its
    best-scoring row; ties go to the master and row that sort first."""
    q, c = scored["query"], scored["row"]
    if not len(q):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    master = index.master_rank[c]
    order = np.lexsort((index.row_keys[c], master, -scored["match_weight"], q))
    pair_of_master = q[order] * np.int64(len(index.master_ids) + 1) + master[order]
    _, first = np.unique(pair_of_master, return_index=True)
    best = order[np.sort(first)]  # each query's masters by their best row, still in score order
    query = q[best]
    starts = np.flatnonzero(np.r_[True, query[1:] != query[:-1]])
    rank = np.arange(len(best)) - np.repeat(starts, np.diff(np.r_[starts, len(best)])) + 1
    keep = rank <= top
    return best[keep], rank[keep]


def pairs_at(scored: dict, at: np.ndarray) -> dict:
    """The scored pairs at positions `at`, in their order."""
    return {key: ({f: w[at] for f, w in value.items()} if key == "fields" else value[at])
            for key, value in scored.items()}


def batches(pairs_per_query: np.ndarray, budget: int) -> list[tuple[int, int]]:
    """Consecutive (start, stop) ranges of queries of about `budget` pairs each."""
    batch_of = np.maximum(np.cumsum(pairs_per_query) - 1, 0) // budget
    cuts = np.flatnonzero(np.diff(batch_of)) + 1
    edges = [0, *cuts.tolist(), len(pairs_per_query)]
    return list(zip(edges[:-1], edges[1:]))


def scored_by_sql(con, index: TypeIndex, columns: dict, count: int) -> dict:
    """The `count` pairs of `columns` (`<column>_l`, `<column>_r`) scored by the model's
    compiled SQL in DuckDB on `con`: the reference the numpy scorer is held to."""
    model = index.model
    table = {"pair": pa.array(np.arange(count))}
    for name, values in columns.items():
        base = name[:-2]
        if base.startswith("tf_"):
            table[name] = pa.array(values, pa.float64(), from_pandas=True)
        else:
            table[name] = pa.array(values.tolist(), index.schema[base])
    pairs = pa.table(table)
    blocked = " OR ".join(f"({key.condition})" for key in model.blocking)
    weights = ", ".join(f"({model.field_weights[f]})::DOUBLE AS {quoted('w_' + f)}"
                        for f in model.comparisons)
    sql = f"""
        WITH parts AS (SELECT pair, ({blocked}) AS blocked, {model.select_sql} FROM pairs)
        SELECT pair, coalesce(blocked, false) AS blocked,
               ({model.match_weight_sql})::DOUBLE AS match_weight,
               ({model.match_probability_sql})::DOUBLE AS match_probability, {weights}
        FROM parts ORDER BY pair"""
    con.register("pairs", pairs)
    try:
        result = con.sql(sql).fetchnumpy()
    finally:
        con.unregister("pairs")
    return {"blocked": np.asarray(result["blocked"], bool),
            "match_weight": np.asarray(result["match_weight"], np.float64),
            "match_probability": np.asarray(result["match_probability"], np.float64),
            "fields": {f: np.asarray(result["w_" + f], np.float64) for f in model.comparisons}}
