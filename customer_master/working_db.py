"""The DuckDB the stages compute in: an in-memory database that may use
WORKING_MEMORY and spills beyond it into a private folder of its own.

DuckDB's defaults are 80% of the machine's memory and a folder `.tmp` in the
current directory: one stage could take the memory the rest of the process needs,
and spill customer rows into whatever folder the run was started from, readable
by anyone there. The spill folder is made owner-only (owner_only.py) and removed
when the process ends; DuckDB removes its own files in it when a connection closes."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa

from customer_master.owner_only import private_folder


# At most this much, whatever the machine: a run's whole process is to stay within
# 4 GB at a million rows (issue 10), and DuckDB spills what does not fit.
MAX_DEFAULT_MEMORY_GB = 2


def _default_memory() -> str:
    """A quarter of the machine's memory, at least 1 GB and at most
    MAX_DEFAULT_MEMORY_GB: room for the frames the process holds beside DuckDB."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return f"{min(MAX_DEFAULT_MEMORY_GB, max(1, total // 4 // 2**30))}GB"


WORKING_MEMORY = os.environ.get("CUSTOMER_MASTER_DUCKDB_MEMORY") or _default_memory()


SPILL_PREFIX = "customer-master-spill-"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_abandoned_spill_folders(parent: Path) -> list[Path]:
    """Remove this user's spill folders whose process has ended without removing
    them (killed, or ended by os._exit): what DuckDB spilled there is customer rows."""
    removed = []
    for folder in parent.glob(f"{SPILL_PREFIX}*"):
        pid = folder.name.removeprefix(SPILL_PREFIX).split("-", 1)[0]
        try:
            ours = folder.is_dir() and not folder.is_symlink() and folder.stat().st_uid == os.getuid()
        except FileNotFoundError:
            continue
        if ours and pid.isdigit() and not _process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@lru_cache(maxsize=None)
def spill_folder() -> Path:
    """This process's private folder for what DuckDB spills to disk, named with
    its process id so that a later process can tell it was abandoned."""
    parent = Path(tempfile.gettempdir())
    remove_abandoned_spill_folders(parent)
    folder = private_folder(Path(tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{os.getpid()}-", dir=parent)))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def working_connection() -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB with the working memory limit and the private spill folder."""
    return duckdb.connect(config={"memory_limit": WORKING_MEMORY, "temp_directory": str(spill_folder())})


# The column `register_source(..., numbered=True)` adds: a row's place in its source,
# for a query that joins and must keep the source's order.
ROW_NUMBER = "file_row_number"


@lru_cache(maxsize=64)
def parsed_statement(sql: str):
    """`sql` parsed once per process (a statement a single check runs each time: parsing
    cost about 1 ms a query)."""
    return duckdb.extract_statements(sql)[0]


def sql_text(value) -> str:
    """`value` (text or a path) as a SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def register_source(con: duckdb.DuckDBPyConnection, name: str, source, columns: list[str] | None = None,
                    numbered: bool = False) -> None:
    """Make `source` queryable as `name` (only `columns` of it, when given; and its
    rows' places as ROW_NUMBER when `numbered`): a pandas frame or an Arrow table as
    it is, a Parquet file (a stage result handed on as its file) as a view that
    DuckDB reads in its own buffers, only the columns and row groups a query asks
    for, never as Python objects."""
    if isinstance(source, (str, Path)):
        literal = sql_text(source)
        listed = ", ".join('"' + c.replace('"', '""') + '"' for c in columns) if columns else "*"
        if numbered:
            listed += f", {ROW_NUMBER}"
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS "
                    f"SELECT {listed} FROM read_parquet({literal}, file_row_number = {str(numbered).lower()})")
        return
    frame = source[columns] if columns else source
    if numbered:
        frame = (frame.append_column(ROW_NUMBER, pa.array(range(frame.num_rows), pa.int64()))
                 if isinstance(frame, pa.Table) else frame.assign(**{ROW_NUMBER: range(len(frame))}))
    con.register(name, frame)
