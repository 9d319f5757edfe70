"""A stage result handed to the next step with its tables left on disk until
the step reads them.

A stage result is a dataclass of DataFrames (IngestResult, MatchResult,
GoldenResult ...), staged as one Parquet file per frame (resources.py). Most
steps use a few of its frames: golden_records needs the ingest's file dates, not
its raw rows; the customer 360 steps need the golden records' xref, not every
field's competing values. Reading all of them at every hand-off cost memory that
grows with the inbox (at 200k rows, a few hundred MB a step). `staged_result`
gives an instance of the same class whose frames are read on first access."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq


class _StagedFrame:
    """A data descriptor: the frame of `name` (a DataFrame, or an Arrow table when
    `arrow`), read from its Parquet file the first time it is asked for, kept after
    that; a value set on the instance replaces it."""

    def __init__(self, name: str, arrow: bool = False):
        self.name, self.arrow = name, arrow

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        loaded = obj.__dict__
        if self.name not in loaded:
            path = loaded["_staged_paths"][self.name]
            loaded[self.name] = pq.read_table(path) if self.arrow else pd.read_parquet(path)
        return loaded[self.name]

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.name] = value


@lru_cache(maxsize=None)
def _staged_class(cls: type, frame_names: tuple[str, ...], arrow_names: tuple[str, ...]) -> type:
    """A subclass of `cls` (isinstance holds, the dataclass fields are the same)
    whose frame fields are _StagedFrame descriptors."""
    namespace = {name: _StagedFrame(name, arrow=name in arrow_names) for name in frame_names}
    namespace.update(__module__=cls.__module__, __qualname__=cls.__qualname__, __doc__=cls.__doc__)
    return type(cls.__name__, (cls,), namespace)


def staged_result(cls: type, frame_paths: dict[str, Path], values: dict, arrow: tuple[str, ...] = ()):
    """An instance of the dataclass `cls` with `values` as they are and each frame
    of `frame_paths` (field name -> Parquet file) read when first used: as an Arrow
    table for the fields named in `arrow`, else as a DataFrame."""
    result = object.__new__(_staged_class(cls, tuple(sorted(frame_paths)), tuple(sorted(arrow))))
    result.__dict__.update(values)
    result.__dict__["_staged_paths"] = dict(frame_paths)
    return result


@dataclass(frozen=True)
class StagedFrame:
    """A step's frame result that the step left in a Parquet file (stacked_parts.py):
    the IO manager moves the file into place rather than reading and writing it."""

    path: Path


# What a step asks of a stage result when it needs less than a whole frame. Each
# works on a staged result and on a plain one (a test's, or one built in memory).

def stored_file(result, name: str) -> Path | None:
    """The Parquet file holding frame `name` when it is staged and not yet read."""
    if name in vars(result):
        return None
    return vars(result).get("_staged_paths", {}).get(name)


def as_stored(result, name: str):
    """Frame `name` of a stage result, or the Parquet file it is staged in when no
    step has read it (for DuckDB to read without loading it into Python:
    working_db.register_source, warehouse/publish.py write_frame)."""
    return stored_file(result, name) or getattr(result, name)


def row_count(result, name: str) -> int:
    """How many rows frame `name` has, without reading it when it is staged."""
    path = stored_file(result, name)
    return parquet_rows(path) if path is not None else len(getattr(result, name))


def parquet_rows(path: Path) -> int:
    """The rows of a Parquet file, from its metadata."""
    return pq.ParquetFile(path).metadata.num_rows


def frame_columns(result, name: str, columns: list[str]) -> pd.DataFrame:
    """Only `columns` of frame `name` (a staged one reads only those from its file)."""
    path = stored_file(result, name)
    return pd.read_parquet(path, columns=columns) if path is not None else getattr(result, name)[columns]
