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
    while True:
        before = labels.copy()
        for key in keys:
            present = frame[key].notna().to_numpy()
            if not present.any():
                continue
            keyed = pd.Series(labels[present])
            smallest = keyed.groupby([frame[group].to_numpy()[present], frame[key].to_numpy()[present]]).transform("min")
            labels[present] = np.minimum(labels[present], smallest.to_numpy())
        if np.array_equal(labels, before):
            return pd.Series(labels, index=frame.index)
