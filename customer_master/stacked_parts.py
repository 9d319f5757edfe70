"""Per-file Parquet parts (an ingest cache entry, a row cache entry) stacked into
one stage result file inside DuckDB, with this run's row keys: a nightly run hands
on the rows of unchanged files without reading them into Python.

A part holds one inbox file's rows, with row keys relative to the file's first row
(or none: then its rows are the file's rows in order); the stacked file's row_key
is the part's `first_row_key` plus that. Columns a part lacks are NULL, and a column
no part fills stays text (pandas writes a column of None as Parquet's null type)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from customer_master.owner_only import restrict_file
from customer_master.working_db import spill_folder, working_connection


@dataclass(frozen=True)
class Part:
    path: Path  # a Parquet file of one inbox file's rows
    first_row_key: int  # this run's row key of the file's first row


def part_rows(path: Path) -> int:
    """A part's rows, from its Parquet metadata."""
    return pq.ParquetFile(path).metadata.num_rows


def stacked_file(parts: list[Part], columns: list[str], types: dict[str, str] | None = None,
                 out: Path | None = None) -> Path:
    """The parts' rows in the parts' order (each part's in its own) as one Parquet file
    (`out`, else a new file in this process's private spill folder) with `columns` in
    that order, row_key from the parts' places; `types`: SQL types some columns are
    cast to (the others keep the parts' own)."""
    out = out or spill_folder() / f"stage-{uuid.uuid4().hex}.parquet"
    types = types or {}
    with working_connection() as con:
        if parts:
            con.execute("CREATE TEMP TABLE part_places (filename VARCHAR, part INTEGER, first_row_key BIGINT)")
            con.executemany("INSERT INTO part_places VALUES (?, ?, ?)",
                            [(str(p.path), i, p.first_row_key) for i, p in enumerate(parts)])
            files = "[" + ", ".join(_literal(p.path) for p in parts) + "]"
            con.execute(f"CREATE TEMP VIEW stacked AS SELECT * FROM read_parquet({files}, union_by_name = true, "
                        "filename = true, file_row_number = true)")
            found = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE stacked)").fetchall())
            own_keys = "row_key" in found
            key = "pp.first_row_key + " + ("p.row_key" if own_keys else "p.file_row_number")
            source = "stacked p JOIN part_places pp USING (filename) ORDER BY pp.part, p.file_row_number"
        else:
            found, key, source = {}, "NULL", "(SELECT 1) LIMIT 0"
        selected = [f"({key})::BIGINT AS row_key" if column == "row_key" else
                    _column(column, found.get(column), types.get(column)) for column in columns]
        con.execute(f"COPY (SELECT {', '.join(selected)} FROM {source}) TO {_literal(out)} (FORMAT parquet)")
    return restrict_file(out)


def _column(column: str, found: str | None, wanted: str | None) -> str:
    name = _quoted(column)
    if found is None:
        return f"NULL::{wanted or 'VARCHAR'} AS {name}"
    if wanted or found == '"NULL"':
        return f"p.{name}::{wanted or 'VARCHAR'} AS {name}"
    return f"p.{name}"


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
