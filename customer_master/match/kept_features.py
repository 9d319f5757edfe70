"""The matching features of each row (features.row_features), kept per file so
that a nightly run computes them only for the rows of new or changed files: the
row cache's "features" stage (row_cache.py), keyed by the file's standardisation
entry and the code of the features. The features that depend on the other rows
(features.INBOX_FEATURES: how common a word or a name is) are counted afresh on
every run, over all rows, by the match stage (`frame_of_type`).

The kept features stay Arrow: the match stage hands them on as Arrow
(MatchResult.features) and scans them in DuckDB, so only each type's frame for
Splink becomes pandas, once, and no frame goes back from pandas to Arrow."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from customer_master.match.features import add_inbox_features, restore_types, row_features, text_for_null
from customer_master.row_cache import CachedStage, RowCache, parts_after

STAGES_BEFORE = ["validate", "standardise"]


def kept_features(standardised: Path, ingest_parts: pd.DataFrame, row_cache: Path,
                  full: bool = False) -> tuple[pa.Table, CachedStage]:
    """row_features of every standardised row (their Parquet file, of which only new
    files' rows are read), with customer_type, by row key, as Arrow; and what the cache did."""
    stage = RowCache(Path(row_cache) / "features", "features").run(
        standardised, lambda rows: {"features": _features(rows)}, full=full,
        parts=parts_after(row_cache, ingest_parts, STAGES_BEFORE), in_memory=True)
    return stage.frames["features"].drop_columns(["file"]), stage


def frame_of_type(features: pa.Table, customer_type: str) -> tuple[pd.DataFrame, pa.Table]:
    """The matching frame of one customer type's rows (features.matching_frame, from
    `features`, kept_features' table, with the inbox-wide features counted over
    these rows), as pandas for Splink and as Arrow (what features.typed_features
    makes of the pandas one, without its type column): the kept columns and the
    inbox-wide ones, not the pandas frame converted back."""
    table = features.filter(pc.equal(features["customer_type"], customer_type)).drop_columns(["customer_type"])
    frame = table.to_pandas()
    frame.index = pd.RangeIndex(len(frame))  # in place: the frame is the caller's own
    frame = add_inbox_features(restore_types(frame))
    counted = {name: pa.array(frame[name], pa.string(), from_pandas=True)
               for name in frame.columns if name not in table.column_names}
    # a column no row of the type fills is text, as pandas' frame converted gives it (its None objects);
    # with no row at all, pandas keeps each column's type
    arrow = pa.table({name: counted[name] if name in counted else
                      pa.nulls(len(table), pa.string()) if 0 < len(table) == table[name].null_count else table[name]
                      for name in frame.columns})
    return frame, text_for_null(arrow)  # a table other than stacked_parts' may hold null-typed columns


def _features(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.reset_index(drop=True)
    return row_features(rows).assign(customer_type=rows["customer_type"].to_numpy(), file=rows["file"].to_numpy())
