"""Turn spreadsheet cells into text without the artefacts of how they were stored.

Excel keeps a phone typed into a number cell as a float (13800138000.0, shown as
1.38E+10) and a date as a serial or a date cell. Every cell leaves ingest as the
text a person would read: integral floats lose their ".0", date cells become
ISO dates. Stage logic downstream works on text only.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd


def cell_to_text(value: object) -> str:
    """One cell as text; empty string for an empty cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        if value.is_integer() and abs(value) < 1e18:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value).strip()


def column_to_text(values: pd.Series) -> pd.Series:
    """A column of raw cells as text. Columns that are already all text (every CSV
    and most sheet columns) only get stripped, without a Python call per cell."""
    if values.map(type).eq(str).all():
        return values.str.strip()
    return values.map(cell_to_text)
