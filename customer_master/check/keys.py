"""Equality lookups on a million rows without a database round trip per key:
the 64-bit hash of every row's key, sorted, with the row positions in that order.
Looking keys up is a binary search per key (numpy, all query keys at once), so
retrieving the candidates of 2,000 queries is one vectorised join, not a loop.

A hash collision can only add a candidate; the blocking rule itself is checked
again on the pairs before they are scored, so the candidate set is exactly the
rule's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from customer_master.match.scoring import quoted
from customer_master.working_db import parsed_statement

_MIX = np.uint64(0x9E3779B97F4A7C15)
LISTED_ROWS = 64  # up to this many rows, key expressions get their columns as list parameters
SHARED_HASH_ROWS = 100_000  # up to this many rows, a column several keys share is hashed once


def key_hashes(columns: list[pa.ChunkedArray | pa.Array]) -> tuple[np.ndarray, np.ndarray]:
    """(hash per row as uint64, whether every key column holds a value)."""
    return keys_hashes([columns])[0]


def keys_hashes(keys: list[list[pa.ChunkedArray | pa.Array]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """`key_hashes` of each key's columns. On a few rows (a check's one row per type)
    a column several keys share (the same object: birth_date in six of the person
    rules) is hashed once, and all of them in one call: a check paid some 50 calls
    of fixed cost. A row's hash where a part is missing is never read (its key is
    not present)."""
    if not keys:
        return []
    if len(keys[0][0]) > SHARED_HASH_ROWS:  # the known rows: one column's text in memory at a time
        return [_combined([_hashed(*_text(column)) for column in parts]) for parts in keys]
    distinct = list({id(column): column for parts in keys for column in parts}.values())
    texts = [_text(column) for column in distinct]
    hashed = _hashed(np.concatenate([values for values, _ in texts]), None)[0]
    edges = np.cumsum([0, *(len(values) for values, _ in texts)])
    of = {id(column): (hashed[edges[i]:edges[i + 1]], texts[i][1]) for i, column in enumerate(distinct)}
    return [_combined([of[id(column)] for column in parts]) for parts in keys]


def _text(column) -> tuple[np.ndarray, np.ndarray]:
    """A key column as text (object array, "" where null) and where it holds a value."""
    text = pc.cast(column, pa.string())
    present = pc.is_valid(text).to_numpy(zero_copy_only=False)
    values = text.to_numpy(zero_copy_only=False).astype(object)
    values[~present] = ""
    return values, present


def _hashed(values: np.ndarray, present):
    # the same hashes either way; categorising first (factorize) cost 4x more on a column of
    # mostly distinct names (200k rows: 0.24 s against 0.06 s) and saved 0.03 s on a city column
    return pd.util.hash_array(values, categorize=False), present


def _combined(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """One key's hash from its parts' hashes, in the parts' order."""
    combined = np.zeros(len(parts[0][0]), dtype=np.uint64)
    present = np.ones(len(parts[0][0]), dtype=bool)
    for hashed, part_present in parts:
        present &= part_present
        with np.errstate(over="ignore"):
            combined = (combined * _MIX) ^ hashed
    return combined, present


def key_part_values(table: pa.Table, keys: list, con) -> list[list[pa.Array | pa.ChunkedArray]]:
    """The values of each blocking key's parts over rows (`table` holds the columns
    they read): a column as it is, an expression (`substr(first_name, 1, 1)`)
    evaluated by DuckDB, in the rows' order. Every key's expressions in one
    query: a single check pays for one DuckDB call, not one per rule. A part
    several keys share is the same object in each (`keys_hashes` hashes it once)."""
    names = set(table.column_names)
    parts = list(dict.fromkeys(p for key in keys for p in key.parts))
    expressions = [p for p in parts if p not in names]
    values = {p: table.column(p) for p in parts if p in names}
    if expressions:
        select = ", ".join(f"{e} AS k{i}" for i, e in enumerate(expressions))
        evaluated = _listed_text(table, select, len(expressions), con) if table.num_rows <= LISTED_ROWS else None
        if evaluated is None:
            con.register("key_rows", table)
            try:
                result = con.sql(f"SELECT {select} FROM key_rows").to_arrow_table()
            finally:
                con.unregister("key_rows")
            evaluated = result.columns
        values.update(zip(expressions, evaluated))
    return [[values[p] for p in key.parts] for key in keys]


def _listed_text(table: pa.Table, select: str, count: int, con) -> list[pa.Array] | None:
    """The expressions of `select` over a few rows given as list parameters of a
    statement parsed once (a third of the cost of registering them as a table and
    asking for Arrow), when every value is text; None otherwise (their Arrow type is
    then DuckDB's own, as the known rows' are)."""
    listed = ", ".join(f"unnest(?::{duckdb_type(field.type)}[]) AS {quoted(field.name)}" for field in table.schema)
    rows = con.execute(parsed_statement(f"SELECT {select} FROM (SELECT {listed})"),
                       [column.to_pylist() for column in table.columns]).fetchall()
    columns = list(zip(*rows)) if rows else [() for _ in range(count)]
    if not all(v is None or isinstance(v, str) for column in columns for v in column):
        return None
    return [pa.array(column, pa.string()) for column in columns]


def duckdb_type(arrow_type: pa.DataType) -> str:
    """The DuckDB type a column of this Arrow type is given as a parameter."""
    if pa.types.is_boolean(arrow_type):
        return "BOOLEAN"
    if pa.types.is_integer(arrow_type):
        return "BIGINT"
    if pa.types.is_floating(arrow_type):
        return "DOUBLE"
    if pa.types.is_date(arrow_type):
        return "DATE"
    return "VARCHAR"


def sharing_a_key(rows: pa.Table, others: pa.Table, keys: list, con) -> np.ndarray:
    """Per row of `rows`: whether one of `others` has its values in every part of one of
    the blocking `keys` (both tables hold the keys' columns, in the same types), as the
    key hashes of KeyIndex would pair them. Each part's values are looked up among the
    others' first (Arrow), so only the rows that may share a key are hashed."""
    shared = np.zeros(rows.num_rows, bool)
    if not rows.num_rows or not others.num_rows:
        return shared
    for mine, theirs in zip(key_part_values(rows, keys, con), key_part_values(others, keys, con)):
        maybe = np.ones(rows.num_rows, bool)
        for part, other in zip(mine, theirs):
            try:
                found = pc.is_in(part, value_set=pc.cast(pc.unique(other), part.type), skip_nulls=True)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                continue  # values that do not compare as they are: left to the hashes
            maybe &= pc.fill_null(found, False).to_numpy(zero_copy_only=False)
        at = np.flatnonzero(maybe)
        if not len(at):
            continue
        ask, ask_present = key_hashes([pc.take(part, pa.array(at)) for part in mine])
        have, have_present = key_hashes(theirs)
        shared[at[ask_present & np.isin(ask, have[have_present])]] = True
    return shared


class KeyIndex:
    """Sorted key hashes of one blocking rule over the known rows."""

    def __init__(self, hashes: np.ndarray, present: np.ndarray):
        positions = np.flatnonzero(present)
        order = np.argsort(hashes[positions], kind="stable")
        self.hashes = hashes[positions][order]
        self.positions = positions[order].astype(np.int64)

    @property
    def nbytes(self) -> int:
        return self.hashes.nbytes + self.positions.nbytes

    def join(self, hashes: np.ndarray, present: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
        """(query index, row position) of every row whose key hash equals the
        query's, at most `cap` rows per query (in row order) for a very common key."""
        lo = np.searchsorted(self.hashes, hashes, side="left")
        hi = np.searchsorted(self.hashes, hashes, side="right")
        count = np.where(present, np.minimum(hi - lo, cap), 0)
        total = int(count.sum())
        if not total:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        query = np.repeat(np.arange(len(hashes), dtype=np.int64), count)
        within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
        return query, self.positions[np.repeat(lo, count) + within]

    def counts(self, hashes: np.ndarray, present: np.ndarray) -> np.ndarray:
        lo = np.searchsorted(self.hashes, hashes, side="left")
        hi = np.searchsorted(self.hashes, hashes, side="right")
        return np.where(present, hi - lo, 0)


class ValueTable:
    """A value -> number lookup (term frequencies, row positions of ids) by hash."""

    def __init__(self, values: pa.ChunkedArray | pa.Array, numbers: np.ndarray):
        hashes, present = key_hashes([values])
        order = np.argsort(hashes[present], kind="stable")
        self.hashes = hashes[present][order]
        self.numbers = numbers[present][order]

    def get(self, values: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """(number, found) per value."""
        hashes, present = key_hashes([values])
        at = np.minimum(np.searchsorted(self.hashes, hashes), max(len(self.hashes) - 1, 0))
        found = present & (len(self.hashes) > 0)
        if len(self.hashes):
            found &= self.hashes[at] == hashes
        numbers = self.numbers[at] if len(self.hashes) else np.zeros(len(hashes), self.numbers.dtype)
        return numbers, found
