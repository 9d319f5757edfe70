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


# Excel's error values, what each means, as a steward would fix it. A cell that
# holds one (an error cell of a workbook, or its text in a CSV saved from one)
# is no value: its row goes on without it, and the error is a field issue.
EXCEL_ERRORS = {
    "#REF!": "a formula refers to a cell that was deleted",
    "#N/A": "a lookup found no value",
    "#DIV/0!": "a formula divides by zero",
    "#VALUE!": "a formula got a value of the wrong kind",
    "#NAME?": "a formula uses a name Excel does not know",
    "#NULL!": "a formula's ranges do not meet",
    "#NUM!": "a formula's number is out of range",
    "#SPILL!": "a formula's results have no room to spill",
    "#CALC!": "a formula could not be calculated",
    "#GETTING_DATA": "the sheet was saved before its data arrived",
}


def excel_error_issue(text: str, column: str) -> str | None:
    """The field issue of a cell holding an Excel error value, else None."""
    meaning = EXCEL_ERRORS.get(text.strip().upper()) if text and text.lstrip().startswith("#") else None
    if meaning is None:
        return None
    return (f"Excel error {text.strip().upper()} in column '{column}' ({meaning}); the value is not used: "
            "fix the formula in the source sheet, or type the value")


# Fields whose values are strings of digits that Excel turns into numbers when
# the column is not formatted as text.
DIGIT_FIELDS = ("mobile", "phone", "id_number", "uscc")
# Excel keeps 15 significant digits of a number (an 18-digit ID number loses its
# last three); a double holds every integer up to 2**53 exactly.
EXCEL_DIGITS = 15
# A phone shown in scientific notation in a narrow column (1.38E+10, 1.38001E+10)
# keeps 3-6 significant digits; typed or pasted back, it is a number ending in
# zeros (13800000000). A number with at most this many significant digits and at
# least MIN_LOST_ZEROS zeros at its end is such a number.
MAX_SHOWN_DIGITS, MIN_LOST_ZEROS = 6, 5
DIGITS_LOST = "digits lost, format the column as text and type the numbers again"


def lost_digits_issue(value: object, field: str) -> str | None:
    """The field issue of a number cell of a digits field (DIGIT_FIELDS) whose
    digits a float cannot have kept, else None: a number above 2**53, an ID or
    credit code longer than Excel's 15 digits, a phone rounded to a few
    significant digits (13800000000, shown as 1.38E+10)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value) or not value.is_integer()):
        return None
    number = abs(int(value))
    digits = str(number)
    significant = digits.rstrip("0")
    shown = f"{number:.{min(max(len(significant), 1), EXCEL_DIGITS) - 1}E}".replace("E+0", "E+")  # as Excel shows it
    lost = number > 2 ** 53
    if field in ("id_number", "uscc"):
        lost = lost or len(digits) > EXCEL_DIGITS
    else:
        lost = lost or len(significant) <= MAX_SHOWN_DIGITS and len(digits) - len(significant) >= MIN_LOST_ZEROS
    if not lost:
        return None
    return f"stored as a number in Excel ({shown}); {DIGITS_LOST}"
