"""Small helpers shared by the layout modules: blanks, identifiers, line assembly."""
from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Callable

from .departments import Entry
from .writers import Line, Truth


@dataclass
class Context:
    seed: int
    brands: set[str]           # every real brand, so a name slip never spells another customer
    scale: float = 1.0
    world: object = None       # world.World: contacts, groups, partners, buyers (the Customer 360 parts)

    def rng(self, name: str) -> random.Random:
        # One stream per layout: changing one department leaves the others unchanged.
        return random.Random(f"{self.seed}:layout:{name}")


# How often a row of the older customer sheets names the primary contact (the
# contact those sheets showed before contacts had titles): a row naming another
# contact carries another mobile, which is evidence against a match.
CUSTOMER_SHEET_PRIMARY = 0.92


def contact_cells(side: random.Random, c, blank_rate: float, english: bool = False,
                  prefer: tuple[str, ...] = (), primary_share: float | None = None) -> tuple:
    """The contact a row names (drawn from the layout's own contact stream `side`,
    so the layout's other draws stay as they were): (contact, name text for the
    layout to pass through variants.contact_name, title text or "")."""
    from .contacts import PRIMARY_SHARE, name_text, pick, title_text
    k = pick(side, c, prefer, PRIMARY_SHARE if primary_share is None else primary_share)
    name = name_text(side, k.name)
    title = maybe(side, title_text(side, k, english), blank_rate)
    return k, name, title


def keep_company_ids(row: dict, c, k, ids: dict[str, Callable[[], object]]) -> None:
    """A row naming another contact than the primary one keeps the company's own
    identifiers (credit code, landline): the person on file changed, the company
    did not, and the row must still be recognisable as that company."""
    if k is c.contacts[0]:
        return
    for col, value in ids.items():
        if not filled(row.get(col)):
            row[col] = value()


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


def data_line(headers: list[str], row: dict, entry: Entry, name_cols: tuple[str, ...], contact_id: str = "") -> Line:
    """contact_id: the company contact the row shows (kept in the truth of record rows only)."""
    if entry.kind == "no_name":
        for col in name_cols:
            row[col] = ""
    truth = entry.truth
    if contact_id and truth.row_kind == "record":
        truth = replace(truth, contact_id=contact_id)
    return Line([row.get(h, "") for h in headers], "data", truth)


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
