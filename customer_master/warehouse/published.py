"""Reading the published warehouse: the one place that tells a missing path, a
folder, a file that is no DuckDB database and a DuckDB file without the tables
asked for apart, each with a message naming the file, so that the commands that
read a warehouse (check, review) say what is wrong instead of a traceback. An
encrypted warehouse without its key is one more (open.py opens the file)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import duckdb

from customer_master.warehouse.open import WarehouseKeyError, open_warehouse


class NotAWarehouse(ValueError):
    """The path is no warehouse of customer-master (or not of this version)."""


class WarehouseNotFound(NotAWarehouse, FileNotFoundError):
    """Nothing at the path: no run has published there yet."""


class WarehouseLocked(NotAWarehouse, WarehouseKeyError):
    """An encrypted warehouse, and no key or the wrong one (open.py's KEY_VARIABLE)."""


@contextmanager
def read_published(path: Path, tables: Iterable[str] = ("meta.runs",)) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the warehouse at `path` that holds `tables`
    ('schema.table'); NotAWarehouse naming the file when it cannot be, also when a
    table or column read inside the block is not there (a warehouse of an older version)."""
    path, tables = Path(path), tuple(tables)
    if not path.exists():
        raise WarehouseNotFound(f"no warehouse at {path}: run `customer-master run` first")
    if not path.is_file():
        raise NotAWarehouse(f"{path} is a folder, not a warehouse file")
    try:
        con = open_warehouse(path, read_only=True)
    except WarehouseKeyError as exc:
        raise WarehouseLocked(str(exc)) from None
    except duckdb.Error as exc:
        raise NotAWarehouse(f"{path} is not a customer-master warehouse: DuckDB cannot open it "
                            f"({_first_line(exc)})") from None
    try:
        present = {f"{schema}.{table}" for schema, table in
                   con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()}
        missing = [table for table in tables if table not in present]
        if missing:
            older = " of this version" if len(missing) < len(tables) else ""
            raise NotAWarehouse(f"{path} is not a customer-master warehouse{older} "
                                f"(no table {', '.join(missing)})")
        try:
            yield con
        except (duckdb.CatalogException, duckdb.BinderException) as exc:
            raise NotAWarehouse(f"{path} is not a customer-master warehouse of this version "
                                f"({_first_line(exc)})") from None
    finally:
        con.close()


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
