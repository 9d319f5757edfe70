"""The matching features of each row (features.row_features), kept per file so
that a nightly run computes them only for the rows of new or changed files: the
row cache's "features" stage (row_cache.py), keyed by the file's standardisation
entry and the code of the features. The features that depend on the other rows
(features.INBOX_FEATURES: how common a word or a name is) are counted afresh on
every run, over all rows, by the match stage (features.with_inbox_features)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from customer_master.match.features import restore_types, row_features
from customer_master.row_cache import CachedStage, RowCache, parts_after

STAGES_BEFORE = ["validate", "standardise"]


def kept_features(standardised: Path, ingest_parts: pd.DataFrame, row_cache: Path,
                  full: bool = False) -> tuple[pd.DataFrame, CachedStage]:
    """row_features of every standardised row (their Parquet file, of which only new
    files' rows are read), with customer_type, by row key; and what the cache did."""
    stage = RowCache(Path(row_cache) / "features", "features").run(
        standardised, lambda rows: {"features": _features(rows)}, full=full,
        parts=parts_after(row_cache, ingest_parts, STAGES_BEFORE))
    return restore_types(pd.read_parquet(stage.frames["features"])).drop(columns="file"), stage


def _features(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.reset_index(drop=True)
    return row_features(rows).assign(customer_type=rows["customer_type"].to_numpy(), file=rows["file"].to_numpy())
