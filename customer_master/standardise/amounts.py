"""Money and quantities as departments type them: 12,345.60 / ¥12345 / 1.2万 /
RMB 800 / (500.00) for a credit note; Excel number cells arrive as text already."""

from __future__ import annotations

import pandas as pd

from customer_master.standardise.values import on_distinct


def parse_amounts(values: pd.Series) -> pd.Series:
    """float per cell; NaN where the cell is empty or no number."""
    return on_distinct(values, _parse_amounts).astype("float64")


def _parse_amounts(values: pd.Series) -> pd.Series:
    s = values.astype("string").str.normalize("NFKC").str.strip().str.lower()
    negative = s.str.match(r"^\(.*\)$").fillna(False) | s.str.startswith("-").fillna(False)
    s = s.str.replace(r"^\((.*)\)$", r"\1", regex=True)
    s = s.str.replace(r"rmb|cny|usd|元|¥|\$|,|\s|人民币|件|个|台|套|pcs?", "", regex=True)
    wan = s.str.endswith("万").fillna(False)
    number = pd.to_numeric(s.str.removesuffix("万").str.lstrip("-+"), errors="coerce")
    number = number.where(~wan, number * 10_000)
    return number.where(~negative, -number)
