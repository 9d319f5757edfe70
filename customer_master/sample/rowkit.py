"""Small helpers shared by the layout modules: blanks, identifiers, line assembly."""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from .departments import Entry
from .writers import Line, Truth


@dataclass
class Context:
    seed: int
    brands: set[str]           # every real brand, so a name slip never spells another customer
    scale: float = 1.0

    def rng(self, name: str) -> random.Random:
        # One stream per layout: changing one department leaves the others unchanged.
        return random.Random(f"{self.seed}:layout:{name}")


def maybe(rng: random.Random, value, blank_rate: float):
    """The value, or "" at the given rate (a field somebody did not fill in)."""
    if value is None or rng.random() < blank_rate:
        return ""
    return value


def filled(value) -> bool:
    return value is not None and value != ""


def ensure_one(rng: random.Random, row: dict, fillers: dict[str, Callable[[], object]]) -> None:
    """Make sure at least one identifying field survived the blanking.

    fillers maps a column to a function giving its clean value (None when the
    entity has no such value). A row with only a name could not be matched by
    anyone, and would make the truth ambiguous for look-alikes.
    """
    if any(filled(row.get(col)) for col in fillers):
        return
    for col in rng.sample(sorted(fillers), len(fillers)):
        value = fillers[col]()
        if filled(value):
            row[col] = value
            return


def data_line(headers: list[str], row: dict, entry: Entry, name_cols: tuple[str, ...]) -> Line:
    if entry.kind == "no_name":
        for col in name_cols:
            row[col] = ""
    return Line([row.get(h, "") for h in headers], "data", entry.truth)


def header_line(headers: list[str]) -> Line:
    return Line(list(headers), "header")


def blank_line() -> Line:
    return Line([], "blank")


def totals_line(headers: list[str], values: dict) -> Line:
    return Line([values.get(h, "") for h in headers], "data", Truth("", "company", "totals", ""))


def sprinkle_blanks(rng: random.Random, lines: list[Line], count: int) -> list[Line]:
    """Insert empty rows between data rows (never first or last)."""
    lines = list(lines)
    for _ in range(count if len(lines) > 2 else 0):
        lines.insert(rng.randrange(1, len(lines)), blank_line())
    return lines
