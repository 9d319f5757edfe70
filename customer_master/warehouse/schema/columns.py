"""The building blocks of the warehouse's declared schema: a column (name, DuckDB
type, comment, and how it is read from the stage's frame), a table (its columns and
what one row is) and a view for downstream readers (its SELECT and its columns)."""

from __future__ import annotations

from dataclasses import dataclass

from customer_master.sources import SOURCES_JOINED_BY

VARCHAR, BIGINT, INTEGER, DOUBLE, BOOLEAN = "VARCHAR", "BIGINT", "INTEGER", "DOUBLE", "BOOLEAN"
DATE, TIMESTAMP, JSON, TEXT_LIST = "DATE", "TIMESTAMP", "JSON", "VARCHAR[]"
# Every timestamp is TIMESTAMP (microseconds, no time zone) in UTC: one kind, whatever
# precision or zone the stage's frame had.


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    comment: str
    # SQL over the stage's frame that gives the value, when a cast of the same-named
    # column is not enough (a comma-joined list split into a list)
    read_as: str | None = None

    def expression(self) -> str:
        return f'CAST({self.read_as or _quoted(self.name)} AS {self.type}) AS {_quoted(self.name)}'


@dataclass(frozen=True)
class Table:
    name: str  # schema.table
    row: str  # what one row is ("golden customer")
    comment: str
    columns: tuple[Column, ...]

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class View:
    """A view for downstream readers: its shape (names and types) is a version; a
    change of shape is a new view (customer_v2), never an edit of this one."""
    name: str
    row: str
    comment: str
    select: str  # SELECT … FROM the published tables, every column cast to its declared type
    columns: tuple[Column, ...]


def col(name: str, type_: str, comment: str, read_as: str | None = None) -> Column:
    return Column(name, type_, comment, read_as)


def listed(name: str, comment: str) -> Column:
    """A list of source names (inbox folders) the stage joins into one text, as a list."""
    return Column(name, TEXT_LIST, comment, f"string_split({_quoted(name)}, '{SOURCES_JOINED_BY}')")


def lineage(suffix: str = "", whose: str = "the source row") -> tuple[Column, ...]:
    """The four columns that name a source row, as a person finds it in the inbox."""
    return (
        col(f"source{suffix}", VARCHAR, f"department of {whose}: its folder under the inbox"),
        col(f"file{suffix}", VARCHAR, f"file of {whose}: its path under the inbox, with / separators"),
        col(f"sheet{suffix}", VARCHAR, f"sheet of {whose} (empty for CSV)"),
        col(f"row_number{suffix}", BIGINT, f"row of {whose} as a person sees it in Excel "
                                           "(title and header rows counted; CSV: the header is row 1)"),
    )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
