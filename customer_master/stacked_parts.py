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
    schema = _stacked_schema([pq.read_schema(part.path) for part in parts], columns, types or {})
    write_private(out, lambda path: _write_parts(parts, schema, path))
    return out


def _stacked_schema(schemas: list[pa.Schema], columns: list[str], types: dict[str, pa.DataType]) -> pa.Schema:
    """The stacked file's columns: row_key whole numbers, a column of `types` its type, any
    other the parts' types promoted to one (as pa.concat_tables would), text where no part has
    the column or every part's is null."""
    present = {name for schema in schemas for name in schema.names}
    own = pa.unify_schemas([pa.schema([f for f in schema if f.name in columns and f.name != "row_key"])
                            for schema in schemas], promote_options="permissive") if schemas else pa.schema([])
    fields = []
    for column in columns:
        kind = pa.int64() if column == "row_key" else types.get(column)
        if kind is None:
            kind = own.field(column).type if column in present else pa.string()
            kind = pa.string() if pa.types.is_null(kind) else kind
        fields.append(pa.field(column, kind))
    return pa.schema(fields)


def stacked_table(parts: list[Part], columns: list[str], types: dict[str, pa.DataType] | None = None) -> pa.Table:
    """stacked_file's rows as one Arrow table (a chunk per part), for a reader that
    takes every row at once anyway (the match stage's kept features): not written
    to a file and read back."""
    schema = _stacked_schema([pq.read_schema(part.path) for part in parts], columns, types or {})
    return pa.Table.from_batches([batch for table in _stacked_parts(parts, schema) for batch in table.to_batches()],
                                 schema=schema)


def _write_parts(parts: list[Part], schema: pa.Schema, path: str) -> None:
    """Each part read, given this run's row keys and the stacked types, and written as a
    row group (or more) of its own before the next is read: a stage's result is never
    whole in memory, and a reader that wants some files' rows (row_cache.py) skips the
    others' row groups by their `file` statistics."""
    with pq.ParquetWriter(path, schema) as writer:
        for table in _stacked_parts(parts, schema):
            writer.write_table(table)
            del table


def _stacked_parts(parts: list[Part], schema: pa.Schema):
    """Each part's rows (not the empty ones) with this run's row keys and `schema`'s
    columns and types, one part read at a time."""
    for part in parts:
        present = set(pq.read_schema(part.path).names)
        table = pq.read_table(part.path, columns=[c for c in schema.names if c in present])
        if not table.num_rows:
            continue
        own = table.column("row_key") if "row_key" in table.column_names else \
            pa.array(range(table.num_rows), pa.int64())
        keys = pc.add(pc.cast(own, pa.int64()), pa.scalar(part.first_row_key, pa.int64()))
        arrays = [keys if field.name == "row_key" else
                  table.column(field.name).cast(field.type) if field.name in table.column_names else
                  pa.nulls(table.num_rows, field.type) for field in schema]
        del table
        yield pa.table(arrays, schema=schema)
