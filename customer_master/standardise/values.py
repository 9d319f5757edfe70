"""Apply a per-value Python function to a column once per distinct value.

Libraries such as phonenumbers, opencc and pypinyin work on one string at a time;
customer columns repeat values a lot, so mapping the distinct values keeps the
Python calls to a minimum."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd


def map_distinct(values: pd.Series, function: Callable[[str], Any]) -> pd.Series:
    """function(value) for every non-null value, computed once per distinct value."""
    present = values.dropna()
    if present.empty:
        return pd.Series([None] * len(values), index=values.index, dtype=object)
    distinct = pd.unique(present)
    lookup = dict(zip(distinct, map(function, distinct)))
    return values.map(lookup, na_action="ignore").astype(object).where(values.notna(), None)
