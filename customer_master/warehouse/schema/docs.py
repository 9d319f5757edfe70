"""The warehouse's documentation, generated from its declared schema (the same
declarations publish writes as `COMMENT ON`): the README's table of the warehouse
(between its two markers) and docs/warehouse.md, every column with its type and
meaning. After changing a declaration, regenerate both:

    .venv/bin/python -m customer_master.warehouse.schema.docs

tests/test_warehouse_contract.py fails while either is out of date."""

from __future__ import annotations

import sys
from pathlib import Path

from customer_master.warehouse.schema import TABLES, VIEWS, Table, View, table_comment

PROJECT = Path(__file__).resolve().parents[3]
README = PROJECT / "README.md"
REFERENCE = PROJECT / "docs" / "warehouse.md"
COMMAND = "python -m customer_master.warehouse.schema.docs"
BEGIN = f"<!-- the warehouse's tables: generated from customer_master/warehouse/schema/ by `{COMMAND}` -->"
END = "<!-- end of the generated tables -->"


def readme_section() -> str:
    """The README's table: each table and view, what one row is, its columns."""
    lines = [BEGIN, "| table | one row per | columns |", "|---|---|---|"]
    for item in (*VIEWS, *TABLES.values()):
        kind = " (view)" if isinstance(item, View) else ""
        names = ", ".join(f"`{c.name}`" for c in item.columns)
        lines.append(f"| `{item.name}`{kind} | {_cell(item.row)} | {names} |")
    return "\n".join([*lines, END])


def reference() -> str:
    """docs/warehouse.md: every table and view, every column with its type and comment."""
    parts = ["# The warehouse's tables and columns", "",
             f"Generated from `customer_master/warehouse/schema/` by `{COMMAND}`; the same text is in the "
             "warehouse as `COMMENT ON` every table and column (`duckdb_tables()`, `duckdb_views()`, "
             "`duckdb_columns()`). Timestamps are UTC.", "", "## Views for downstream readers", ""]
    for view in VIEWS:
        parts += _described(view)
    for schema in ("master", "quality", "meta"):
        parts += [f"## Schema `{schema}`", ""]
        for table in TABLES.values():
            if table.name.startswith(f"{schema}."):
                parts += _described(table)
    return "\n".join(parts).rstrip() + "\n"


def _described(item: Table | View) -> list[str]:
    lines = [f"### `{item.name}`", "", table_comment(item), "", "| column | type | meaning |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {c.type} | {_cell(c.comment)} |" for c in item.columns]
    return [*lines, ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def readme_with_section(text: str) -> str:
    """`text` (the README) with its generated section replaced by the current one."""
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + readme_section() + text[end:]


def main() -> int:
    README.write_text(readme_with_section(README.read_text(encoding="utf-8")), encoding="utf-8")
    REFERENCE.write_text(reference(), encoding="utf-8")
    print(f"wrote the warehouse's tables into {README} and {REFERENCE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
