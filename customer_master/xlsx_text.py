"""Text from a department's file written into a workbook stays text: a value that
begins with = + - @ would be taken by Excel for a formula (`=HYPERLINK(...)`,
`=cmd|' /C calc'!A0`), so such a cell is stored as a string with Excel's quote
prefix and is never evaluated."""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@")


def keep_as_text(sheet, min_row: int = 1) -> None:
    """Every string cell of `sheet` (from `min_row` on) that Excel would evaluate, made text."""
    for row in sheet.iter_rows(min_row=min_row):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                cell.data_type = "s"
                cell.quotePrefix = True
