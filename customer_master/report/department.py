"""A department's part of the report as a workbook it can work through to fix its
files: its quarantined rows (with every original cell), its field issues and the
files or sheets that were not read, each with file, sheet and row. Text from the
department's files is never a formula in it (xlsx_text.py)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.styles import Font

from customer_master.language import resolve_language
from customer_master.owner_only import private_folder, write_private
from customer_master.report.content import TABLES, department_field_issues, department_rejects
from customer_master.report.labels import labels
from customer_master.warehouse.published import read_published
from customer_master.xlsx_text import keep_as_text

SHEETS = (("rejected_rows", ["file", "sheet", "row", "reason", "cells"]),
          ("field_issues", ["file", "sheet", "row", "field", "value", "issue"]),
          ("rejected_files", ["file", "sheet", "reason"]))
WIDTHS = {"file": 40, "sheet": 16, "row": 8, "reason": 40, "cells": 100, "field": 14, "value": 30, "issue": 40}


def export_department(warehouse: Path, source: str, out: Path, language: str | None = None) -> dict[str, int]:
    """Write `source`'s workbook to `out` (owner-only: it holds personal data); the
    rows per sheet; labels in `language` (zh, en; None: the locale's). ValueError when
    the warehouse knows no such department."""
    with read_published(warehouse, TABLES) as con:
        known = [s for (s,) in con.execute("SELECT DISTINCT source FROM meta.files ORDER BY source").fetchall()]
        if source not in known:
            raise ValueError(f"no department {source!r} in {warehouse} (departments: {', '.join(known) or 'none'})")
        frames = {"rejected_rows": department_rejects(con, source),
                  "field_issues": department_field_issues(con, source),
                  "rejected_files": con.execute("SELECT file, sheet, reason FROM quality.rejected_files "
                                                "WHERE source = ? ORDER BY file, sheet", [source]).df()}
    words = labels(resolve_language(language))
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for key, columns in SHEETS:
        sheet = workbook.create_sheet(words[key][:31])
        sheet.append([words[c] for c in columns])
        frame = frames[key]
        for record in frame.astype(object).where(frame.notna(), None).itertuples(index=False):
            sheet.append(list(record))
        keep_as_text(sheet, min_row=2)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = WIDTHS[column]
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    private_folder(out.parent, ours=False)
    write_private(out, workbook.save)
    return {key: len(frame) for key, frame in frames.items()}
