"""Connected components of rows that share a key, without a Python loop per row:
each row takes the smallest label among the rows sharing any of its keys, until
no label changes (a handful of rounds on real data)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def components(frame: pd.DataFrame, group: str, keys: list[str], label: str = "row_key") -> pd.Series:
    """Component label (the smallest `label` value in it) per row. Rows are linked
    when they have the same `group` and the same non-null value of any key."""
    labels = frame[label].astype("int64").to_numpy().copy()
    # each key's rows sorted by (group, key value) once: a round is then a minimum per
    # run of equal values (np.minimum.reduceat), not a pandas groupby built again
    sets = [_sets_sharing(frame, group, key) for key in keys]
    sets = [s for s in sets if s is not None]
    while True:
        before = labels.copy()
        for rows, starts, sizes in sets:
            values = labels[rows]
            labels[rows] = np.minimum(values, np.repeat(np.minimum.reduceat(values, starts), sizes))
        if np.array_equal(labels, before):
            return pd.Series(labels, index=frame.index)


def _sets_sharing(frame: pd.DataFrame, group: str, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The rows with `key`, ordered so that rows of the same group and key value are
    consecutive; where each run of them starts, and its length. None: no row has the key."""
    present = np.flatnonzero(frame[key].notna().to_numpy())
    if not len(present):
        return None
    codes = frame.iloc[present].groupby([group, key], sort=False).ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    rows, codes = present[order], codes[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    return rows, starts, np.diff(np.r_[starts, len(rows)])
