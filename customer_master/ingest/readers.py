"""Read one file into raw grids of cells: xlsx/xls with python-calamine, CSV with
encoding detection. A file that cannot be read raises UnreadableFile with a reason
a steward understands; nothing here decides what a row means."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import olefile
from python_calamine import CalamineError, CalamineWorkbook

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
CSV_SUFFIXES = {".csv"}
SUPPORTED_SUFFIXES = EXCEL_SUFFIXES | CSV_SUFFIXES

# Tried in order: UTF-8 with BOM first (the BOM is proof), then plain UTF-8, then
# GBK's superset GB18030, which Chinese Excel writes as "CSV" by default.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


class UnreadableFile(Exception):
    """The whole file (or sheet) cannot be used; the message is the reason."""


@dataclass
class SheetGrid:
    sheet: str  # empty string for CSV
    rows: list[list[object]]  # rows[i] is spreadsheet row i + 1
    encoding: str = ""


def read_file(path: Path) -> list[SheetGrid]:
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise UnreadableFile("empty file (0 bytes)")
    if suffix in EXCEL_SUFFIXES:
        return _read_workbook(path)
    if suffix in CSV_SUFFIXES:
        return [_read_csv(path)]
    raise UnreadableFile(f"unsupported file type '{path.suffix}' (expected .xlsx, .xls or .csv)")


def _read_workbook(path: Path) -> list[SheetGrid]:
    _refuse_encrypted(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        grids = []
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            grids.append(SheetGrid(sheet=name, rows=sheet.to_python(skip_empty_area=False)))
        return grids
    except CalamineError as exc:
        raise UnreadableFile(f"corrupt or not a workbook: {exc}") from exc
    except Exception as exc:  # calamine raises plain errors for some damage too
        raise UnreadableFile(f"workbook could not be read: {type(exc).__name__}: {exc}") from exc


def _refuse_encrypted(path: Path) -> None:
    """A password-protected .xlsx is an OLE container holding an EncryptedPackage
    stream, not a zip: say so instead of reporting a corrupt zip."""
    if not olefile.isOleFile(str(path)):
        return
    with olefile.OleFileIO(str(path)) as ole:
        if ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo"):
            raise UnreadableFile("workbook is password-protected (encrypted); save it without a password")


def _read_csv(path: Path) -> SheetGrid:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise UnreadableFile("binary content or UTF-16 text in a .csv file; save it as CSV UTF-8 or GBK")
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # a long notes cell is data, not an error: no field is longer than the file
        csv.field_size_limit(max(csv.field_size_limit(), len(text)))
        try:
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise UnreadableFile(f"malformed CSV: {exc}") from exc
        return SheetGrid(sheet="", rows=rows, encoding=encoding)
    raise UnreadableFile("CSV is in an unknown text encoding (tried UTF-8, UTF-8 with BOM, GBK/GB18030)")
