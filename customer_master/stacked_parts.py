"""Per-file Parquet parts (an ingest cache entry, a row cache entry) stacked into
one stage result file as Arrow tables, with this run's row keys: a nightly run
hands on the rows of unchanged files without making a Python object of them.

A part holds one inbox file's rows, with row keys relative to the file's first row
(or none: then its rows are the file's rows in order); the stacked file's row_key
is the part's `first_row_key` plus that. Columns a part lacks are null, and a column
no part fills stays text (pandas writes a column of None as Parquet's null type)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from customer_master.owner_only import write_private
from customer_master.working_db import spill_folder


@dataclass(frozen=True)
class Part:
    path: Path  # a Parquet file of one inbox file's rows
    first_row_key: int  # this run's row key of the file's first row


def part_rows(path: Path) -> int:
    """A part's rows, from its Parquet metadata."""
    return pq.ParquetFile(path).metadata.num_rows


def stacked_file(parts: list[Part], columns: list[str], types: dict[str, pa.DataType] | None = None,
                 out: Path | None = None) -> Path:
    """The parts' rows in the parts' order (each part's in its own) as one Parquet file
    (`out`, else a new owner-only file in this process's private spill folder) with
    `columns` in that order, row_key from the parts' places; `types`: the types some
    columns are cast to (the others keep the parts' own)."""
    out = out or spill_folder() / f"stage-{uuid.uuid4().hex}.parquet"
    types = types or {}
    tables = []
    for part in parts:
        present = set(pq.read_schema(part.path).names)
        table = pq.read_table(part.path, columns=[c for c in columns if c in present])
        own = table.column("row_key") if "row_key" in table.column_names else \
            pa.array(range(table.num_rows), pa.int64())
        keys = pc.add(pc.cast(own, pa.int64()), pa.scalar(part.first_row_key, pa.int64()))
        table = table.drop_columns(["row_key"]) if "row_key" in table.column_names else table
        tables.append(table.append_column("row_key", keys))
    stacked = pa.concat_tables(tables, promote_options="permissive") if tables else pa.table({})
    arrays = []
    for column in columns:
        wanted = pa.int64() if column == "row_key" else types.get(column)
        if column in stacked.column_names:
            array = stacked.column(column)
            kind = wanted or (pa.string() if pa.types.is_null(array.type) else None)
            arrays.append(array.cast(kind) if kind is not None and array.type != kind else array)
        else:
            arrays.append(pa.nulls(stacked.num_rows, wanted or pa.string()))
    table = pa.table(arrays, names=columns)
    write_private(out, lambda path: _write_by_part(table, [t.num_rows for t in tables], path))
    return out


def _write_by_part(table: pa.Table, sizes: list[int], path: str) -> None:
    """One row group (or more) per part: a reader that wants some files' rows
    (row_cache.py) skips the others' row groups by their `file` statistics."""
    with pq.ParquetWriter(path, table.schema) as writer:
        start = 0
        for size in sizes:
            if size:
                writer.write_table(table.slice(start, size))
            start += size
