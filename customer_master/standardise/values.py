"""Work once per distinct value.

Libraries such as phonenumbers, opencc and pypinyin work on one string at a time;
customer columns repeat values a lot, so mapping the distinct values keeps the
Python calls to a minimum (`map_distinct`). Column-wise pandas code gains the
same way on repetitive columns (`on_distinct`): a million rows hold a few dozen
distinct provinces and genders, and fewer distinct names than rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

Result = TypeVar("Result", pd.Series, pd.DataFrame)


def map_distinct(values: pd.Series, function: Callable[[str], Any]) -> pd.Series:
    """function(value) for every non-null value, computed once per distinct value."""
    present = values.dropna()
    if present.empty:
        return pd.Series([None] * len(values), index=values.index, dtype=object)
    distinct = pd.unique(present)
    lookup = dict(zip(distinct, map(function, distinct)))
    return values.map(lookup, na_action="ignore").astype(object).where(values.notna(), None)


def on_distinct(values: pd.Series, function: Callable[[pd.Series], Result]) -> Result:
    """function(values) for an element-wise, column-wise function, computed on the
    distinct values only and spread back to every row (same index, same dtypes).

    Missing values (None, NaN) reach `function` as None, once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct = pd.Series(np.append(np.asarray(uniques, dtype=object), None), dtype=object)
    result = function(distinct)
    positions = np.where(codes < 0, len(distinct) - 1, codes)
    spread = result.take(positions)
    spread.index = values.index
    if isinstance(spread, pd.Series):
        spread.name = getattr(result, "name", None)
    return spread
