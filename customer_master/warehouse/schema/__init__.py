"""The warehouse's schema, declared once: every published table and view, its
columns, their DuckDB types and comments (master.py, customer360.py, quality.py,
meta.py, views.py). Publish creates each table from its declaration, casts the
stage's frame into it and writes `COMMENT ON` every table and column; the README's
table of the warehouse is generated from the same declarations (docs.py)."""

from __future__ import annotations

import duckdb

from customer_master.warehouse.schema import customer360, master, meta, quality
from customer_master.warehouse.schema.columns import Column, Table, View
from customer_master.warehouse.schema.views import VIEWS
from customer_master.working_db import sql_text

TABLES: dict[str, Table] = {t.name: t for t in (*master.TABLES, *customer360.TABLES, *quality.TABLES, *meta.TABLES)}
SCHEMAS = ("master", "quality", "meta")

__all__ = ["Column", "SCHEMAS", "SchemaMismatch", "TABLES", "Table", "VIEWS", "View", "comment_on",
           "write_table", "write_views"]


class SchemaMismatch(ValueError):
    """A stage's frame does not have the columns its table declares: a column added or
    removed in the code without deciding its type and comment here."""


def write_table(con: duckdb.DuckDBPyConnection, name: str, relation: str, parameters: list | None = None) -> None:
    """Create table `name` as declared and fill it from `relation` (a FROM item: a
    registered frame, read_parquet(?)), each column cast to its declared type;
    then comment the table and every column."""
    table = TABLES.get(name)
    if table is None:
        raise SchemaMismatch(f"{name} is not declared in customer_master/warehouse/schema/")
    parameters = parameters or []
    present = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}", parameters).fetchall()]
    declared = table.column_names()
    undeclared, missing = [c for c in present if c not in declared], [c for c in declared if c not in present]
    if undeclared or missing:
        raise SchemaMismatch(f"{name}: columns {undeclared} are not declared in customer_master/warehouse/schema/, "
                             f"declared columns {missing} are not in the data")
    con.execute(f"CREATE TABLE {name} ({', '.join(f'{_quoted(c.name)} {c.type}' for c in table.columns)})")
    con.execute(f"INSERT INTO {name} SELECT {', '.join(c.expression() for c in table.columns)} FROM {relation}",
                parameters)
    comment_on(con, "TABLE", name, table_comment(table), table.columns)


def write_views(con: duckdb.DuckDBPyConnection) -> None:
    for view in VIEWS:
        con.execute(f"CREATE VIEW {view.name} AS {view.select}")
        comment_on(con, "VIEW", view.name, table_comment(view), view.columns)


def table_comment(table: Table | View) -> str:
    return f"{table.comment} One row per {table.row}."


def comment_on(con, kind: str, name: str, comment: str, columns) -> None:
    """COMMENT ON the table or view and each of `columns` (objects with name and comment),
    in one transaction: a commit for each comment (457 in the warehouse, more in the read
    surfaces) took 2.0 s of a small run on a loaded machine, a commit for each table 0.5 s."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"COMMENT ON {kind} {name} IS {sql_text(comment)}")
        for column in columns:
            con.execute(f"COMMENT ON COLUMN {name}.{_quoted(column.name)} IS {sql_text(column.comment)}")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
