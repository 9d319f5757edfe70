"""One customer type's known rows as the duplicate check holds them: the columns
its model compares, in one Arrow table, with the term frequencies, a key index
per blocking rule, and the numpy pair scorer; and a batch of records to check
in the same column types."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from customer_master.check.keys import KeyIndex, ValueTable, duckdb_type, key_part_values, keys_hashes
from customer_master.match.pair_scorer import PairScorer
from customer_master.match.scoring import CompiledModel
from customer_master.working_db import working_connection


@dataclass
class TypeIndex:
    """The known rows of one customer type and what scoring them needs."""
    model: CompiledModel
    rows: pa.Table  # master_id, <unique id>, model and key columns, tf_<column>
    keys: list[KeyIndex]
    tf: dict[str, ValueTable]
    schema: dict[str, pa.DataType]  # type of each column a query must supply
    scorer: PairScorer
    pair_columns: list[str]  # the row columns a pair reads (compared columns, keys, tf_<column>)
    master_ids: np.ndarray  # per row (object)
    row_keys: np.ndarray  # per row, the unique id (int64)
    master_rank: np.ndarray  # per row, the rank of its master_id in sorted order (ties broken as text)



def build_type_index(rows: pa.Table, model: CompiledModel, model_json: dict,
                     counted_on: pa.Table | None = None) -> TypeIndex:
    """counted_on: the rows term frequencies are counted on (default `rows`; all known rows
    of the type when `rows` are the ones some queries may meet)."""
    uid = model.unique_id
    needed = list(dict.fromkeys([*model.columns, *model.key_columns]))
    missing = [c for c in ["master_id", uid, *needed] if c not in rows.column_names]
    if missing:
        raise ValueError(f"match_input lacks columns the model uses: {missing}")
    schema = {c: _column_type(rows.schema.field(c).type) for c in needed}
    columns = {"master_id": pc.cast(rows.column("master_id"), pa.string()),
               uid: rows.column(uid)}
    for column in needed:
        columns[column] = pc.cast(rows.column(column), schema[column])
    tf = {}
    for column in model.tf_columns:
        values = pc.cast((counted_on if counted_on is not None else rows).column(column), schema[column])
        # Splink's term frequency: rows with this value / rows with any value
        counts = pc.value_counts(values.drop_null() if hasattr(values, "drop_null") else pc.drop_null(values))
        distinct = counts.field("values")
        total = len(values) - values.null_count
        frequency = counts.field("counts").to_numpy().astype(np.float64) / float(total) if total else \
            np.zeros(len(distinct))
        table = ValueTable(distinct, frequency)
        tf[column] = table
        per_row, found = table.get(columns[column])
        columns[f"tf_{column}"] = pa.array(per_row, pa.float64(), mask=~found)
    table = pa.table(columns).combine_chunks()
    con = working_connection()
    key_columns = list(dict.fromkeys(c for key in model.blocking for c in key.columns))
    keys = [KeyIndex(*hashed) for hashed in keys_hashes(key_part_values(table.select(key_columns), model.blocking,
                                                                          con))]
    con.close()
    scorer = _pair_scorer(model_json, {c: duckdb_type(t) for c, t in schema.items()})
    master_ids = table.column("master_id").to_numpy(zero_copy_only=False).astype(object)
    _, master_rank = np.unique(master_ids.astype(str), return_inverse=True) if len(master_ids) else \
        (None, np.empty(0, np.int64))
    return TypeIndex(model, table, keys, tf, schema, scorer,
                      pair_columns=[*needed, *(f"tf_{c}" for c in model.tf_columns)],
                      master_ids=master_ids, row_keys=table.column(uid).to_numpy().astype(np.int64),
                      master_rank=np.asarray(master_rank, np.int64))


def _pair_scorer(model_json: dict, column_types: dict[str, str]) -> PairScorer:
    """One scorer per model and column types in a process: building one parses every
    comparison's SQL (0.1-0.2 s), and a run's customer 360 steps build an index three times."""
    try:
        text = json.dumps(model_json, sort_keys=True)
    except TypeError:  # a value JSON cannot hold: built as it is
        return PairScorer(model_json, column_types)
    return _scorer_of(text, tuple(sorted(column_types.items())))


@lru_cache(maxsize=8)
def _scorer_of(model_text: str, column_types: tuple) -> PairScorer:
    return PairScorer(json.loads(model_text), dict(column_types))


def _column_type(arrow_type: pa.DataType) -> pa.DataType:
    if pa.types.is_null(arrow_type) or pa.types.is_large_string(arrow_type) or pa.types.is_dictionary(arrow_type):
        return pa.string()
    return arrow_type


def query_columns(records: list[dict] | pd.DataFrame, index: TypeIndex) -> dict[str, tuple[np.ndarray, pa.Array | None]]:
    """The queries' columns in the known rows' types: column -> (numpy values, arrow
    values), and tf_<column> -> (term frequency per query, NaN when unknown, None).
    records: dicts (one query at a time, the check's API) or a frame of them (a
    run's activity rows: read by column, never turned into dicts)."""
    columns = {}
    frame = records if isinstance(records, pd.DataFrame) else None
    n = len(records)
    for column, arrow_type in index.schema.items():
        if frame is None:
            values = [_missing_as_none(r.get(column)) for r in records]
        elif column in frame:
            values = [_missing_as_none(v) for v in frame[column].astype(object).tolist()]
        else:
            values = [None] * n
        if pa.types.is_string(arrow_type):
            values = [v if v is None or isinstance(v, str) else str(v) for v in values]
        arrow = pa.array(values, arrow_type, from_pandas=True)
        array = np.empty(n, dtype=object)
        array[:] = values
        columns[column] = (array, arrow)
    for column, lookup in index.tf.items():
        numbers, found = lookup.get(columns[column][1])
        columns[f"tf_{column}"] = (np.where(found, numbers, np.nan).astype(np.float64), None)
    return columns


def _missing_as_none(value):
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value
