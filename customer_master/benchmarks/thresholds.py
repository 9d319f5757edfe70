"""F1 at the best threshold: the scored pairs of a run re-clustered at each
threshold of a grid (connected components over the pairs at or above it), each
clustering scored pairwise against the truth with `evaluate.pairwise_metrics`.

One helper for both sides of the harness: the pipeline's published pairs
(`master.match_pairs`, every scored pair with probability >= 0.5) and plain
Splink's predictions. For the pipeline it is an approximation of what a run at
that threshold would publish: a pair the pipeline flags with a cannot-link
conflict is never an edge here either, but the pipeline's further steps are left
out (a cluster that still holds a conflict is not split, companies' links by
their full registered name are not added, steward decisions are not applied).
The curve's point at the run's own threshold shows how close the approximation
comes to the published figure."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from customer_master.evaluate import pairwise_metrics
from customer_master.warehouse.open import attach_warehouse

THRESHOLD_GRID = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99, 0.995, 0.999)


def components(count: int, left, right) -> np.ndarray:
    """Connected components of `count` nodes (0..count-1) under the edges
    (left[i], right[i]): one label per node, the same for nodes of one component."""
    parent = list(range(count))
    _union(parent, np.asarray(left, dtype="int64"), np.asarray(right, dtype="int64"))
    return _roots(parent)


def _union(parent: list[int], left: np.ndarray, right: np.ndarray) -> None:
    for a, b in zip(left.tolist(), right.tolist()):
        while parent[a] != a:  # find, halving the path
            parent[a] = parent[parent[a]]
            a = parent[a]
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        if a != b:
            parent[max(a, b)] = min(a, b)


def _roots(parent: list[int]) -> np.ndarray:
    roots = np.asarray(parent, dtype="int64")
    while True:  # pointer jumping until every node points at its root
        jumped = roots[roots]
        if np.array_equal(jumped, roots):
            return roots
        roots = jumped


def threshold_sweep(actual: pd.Series, pairs: pd.DataFrame, grid=THRESHOLD_GRID) -> dict:
    """Pairwise metrics of the clustering at each threshold of the grid, and the best.

    actual: the truth entity of every record, indexed by the record's key.
    pairs: key_l, key_r, match_probability: the candidate edges (leave out the
    pairs that must never be edges). A record in no pair is a cluster of its own.
    Returns {"by_threshold": [{threshold, precision, recall, f1, predicted_pairs,
    true_positive_pairs}, ...], "best": the entry with the highest F1 (the higher
    threshold on a tie)}."""
    keys = pd.Index(actual.index)
    if not keys.is_unique:
        raise ValueError("threshold_sweep: record keys must be unique")
    left, right = keys.get_indexer(pairs["key_l"]), keys.get_indexer(pairs["key_r"])
    if (left < 0).any() or (right < 0).any():
        raise ValueError("threshold_sweep: some pairs name records that have no truth")
    probability = pairs["match_probability"].to_numpy(dtype="float64")
    order = np.argsort(-probability, kind="stable")
    left, right, probability = left[order], right[order], probability[order]
    parent = list(range(len(keys)))
    truth = actual.astype(str).to_numpy()
    added, curve = 0, []
    for threshold in sorted(set(grid), reverse=True):  # edges only get added: one pass over the pairs
        upto = int(np.searchsorted(-probability, -threshold, side="right"))
        _union(parent, left[added:upto], right[added:upto])
        added = max(added, upto)
        with duckdb.connect() as con:  # pairwise_metrics leaves its result open: one connection each
            con.register("assignments", pd.DataFrame({"predicted": _roots(parent), "actual": truth}))
            metrics = pairwise_metrics(con, "SELECT predicted, actual FROM assignments")
        curve.append({"threshold": threshold, **{k: metrics[k] for k in (
            "precision", "recall", "f1", "predicted_pairs", "true_positive_pairs")}})
    curve.sort(key=lambda point: point["threshold"])
    best = max(curve, key=lambda point: (point["f1"], point["threshold"]))
    return {"by_threshold": curve, "best": best}


def warehouse_sweep(warehouse: Path, truth: pd.DataFrame, grid=THRESHOLD_GRID) -> dict:
    """threshold_sweep over a published warehouse's `master.match_pairs` (less the
    pairs with a cannot-link conflict), joined to the truth rows by lineage
    (source, file, sheet, row_number). Records only (truth's row_kind, if any)."""
    frame = truth.astype({"row_number": "int64"}).assign(sheet=truth["sheet"].fillna(""))
    if "row_kind" in frame:
        frame = frame[frame["row_kind"] == "record"]
    frame = frame[["source", "file", "sheet", "row_number", "entity_id"]].reset_index(drop=True)
    frame.insert(0, "key", np.arange(len(frame), dtype="int64"))
    con = duckdb.connect()
    attach_warehouse(con, Path(warehouse), "wh")
    con.register("truth_rows", frame)
    pairs = con.execute("""
        SELECT l.key AS key_l, r.key AS key_r, p.match_probability
        FROM wh.master.match_pairs p
        JOIN truth_rows l ON l.source = p.source_l AND l.file = p.file_l AND l.sheet = coalesce(p.sheet_l, '')
             AND l.row_number = p.row_number_l
        JOIN truth_rows r ON r.source = p.source_r AND r.file = p.file_r AND r.sheet = coalesce(p.sheet_r, '')
             AND r.row_number = p.row_number_r
        WHERE p.cannot_link IS NULL""").df()
    con.close()
    return threshold_sweep(frame.set_index("key")["entity_id"], pairs, grid)
