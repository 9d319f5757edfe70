"""Work once per distinct value.

Each standardisation rule is a function of one value (`text.clean_value`,
`names.company_name`, `places.parse_place`, ...): the duplicate check calls it on
the one record it checks, and the stage applies it to a column here, once per
distinct value. Customer columns repeat values a lot, so the Python calls stay few
(`map_distinct`, `map_distinct_fields`, `map_distinct_rows`). Column-wise pandas
code gains the same way on repetitive columns (`on_distinct`): a million rows hold
a few dozen distinct provinces and genders, and fewer distinct names than rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

Result = TypeVar("Result", pd.Series, pd.DataFrame)


def map_distinct(values: pd.Series, function: Callable[[str], Any]) -> pd.Series:
    """function(value) for every non-null value, computed once per distinct value;
    None where the value is missing (object dtype)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)  # the last one: a missing value's None
    results[:-1] = np.fromiter(map(function, uniques), dtype=object, count=len(uniques))
    return pd.Series(results[codes], index=values.index, dtype=object)


def map_distinct_fields(values: pd.Series, function: Callable[[Any], Sequence], columns: Sequence[str]) -> pd.DataFrame:
    """A function of one value that gives several fields (a tuple in the order of
    `columns`), as columns: computed once per distinct value, and once for a
    missing value, which reaches `function` as None. Object columns."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    results = [function(value) for value in uniques]
    results.append(function(None))  # code -1 (missing) takes the last
    return _fields(results, codes, columns, values.index)


def map_distinct_rows(columns: Sequence[pd.Series], function: Callable[..., Any],
                      fields: Sequence[str] | None = None) -> pd.Series | pd.DataFrame:
    """function(a, b, ...) of aligned columns, computed once per distinct row of
    them (missing values reach `function` as None): a Series (object dtype), or
    with `fields` the tuple it gives as those columns."""
    index = columns[0].index
    key = np.zeros(len(index), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        key, _ = pd.factorize(key * (len(uniques) + 1) + (codes + 1))
    first = np.unique(key, return_index=True)[1]  # a row of each distinct combination, in code order
    arrays = [_with_none(np.asarray(column, dtype=object)[first]) for column in columns]
    results = [function(*row) for row in zip(*arrays)]
    if fields is not None:
        return _fields(results, key, fields, index)
    return pd.Series(np.fromiter(results, dtype=object, count=len(results))[key], index=index, dtype=object)


def _fields(results: list[Sequence], codes: np.ndarray, columns: Sequence[str], index: pd.Index) -> pd.DataFrame:
    """One column per field: that field of results[code], for each row's code."""
    out = {}
    for position, column in enumerate(columns):
        field = np.fromiter((result[position] for result in results), dtype=object, count=len(results))
        out[column] = field[codes]
    return pd.DataFrame(out, index=index)


def _with_none(values: np.ndarray) -> list:
    """Values with None for every missing one (NaN, <NA>)."""
    missing = pd.isna(values)
    if missing.any():
        values = values.copy()
        values[missing] = None
    return values.tolist()


def first_present(*values):
    """The first value that is not None (None when all are)."""
    return next((value for value in values if value is not None), None)


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
