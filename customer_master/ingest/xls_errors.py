"""The error cells (#REF!, #N/A …) of an .xls workbook (BIFF8), which calamine
reads as empty cells, found by scanning the workbook's record stream.

An .xls file is an OLE container whose `Workbook` stream is a sequence of records
(2-byte type, 2-byte length, data). The globals' BOUNDSHEET records give each
sheet's name and where its records start; in a sheet, a BOOLERR record holds a
typed error value, and a FORMULA record caches its last result, an error when its
result bytes end in FFFF and start with 2. Only record headers are read past,
so a large workbook costs a pass over its bytes, no cells in memory."""

from __future__ import annotations

import struct
from pathlib import Path

import olefile

BOF, EOF, BOUNDSHEET, BOOLERR, FORMULA = 0x0809, 0x000A, 0x0085, 0x0205, 0x0006
# BIFF error codes, as Excel shows them (cells.py says what each means)
ERROR_CODES = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?",
               0x24: "#NUM!", 0x2A: "#N/A", 0x2B: "#GETTING_DATA"}
UNKNOWN_ERROR = "#VALUE!"  # a code Excel does not write: a wrong value all the same
_HEADER = struct.Struct("<HH")


def xls_error_cells(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name -> {(row, column) from 0: error value} of every error cell of the
    .xls at `path`; {} when it is no BIFF8 workbook (calamine then says what it is)."""
    try:
        if not olefile.isOleFile(str(path)):
            return {}
        with olefile.OleFileIO(str(path)) as ole:
            if not ole.exists("Workbook"):  # BIFF5 and older keep a `Book` stream: rare, and not scanned
                return {}
            stream = ole.openstream("Workbook").read()
    except Exception:  # noqa: BLE001 - a damaged container: calamine says what it makes of it
        return {}
    found = {}
    for name, offset in _sheets(stream):
        errors = _errors_of_sheet(stream, offset)
        if errors:
            found[name] = errors
    return found


def _records(stream: bytes, offset: int):
    """(type, data) of each record of the substream whose BOF is at `offset`, to its
    EOF (a chart embedded in a sheet is a substream of its own inside it: skipped)."""
    depth = 0
    while offset + 4 <= len(stream):
        kind, size = _HEADER.unpack_from(stream, offset)
        offset += 4 + size
        depth += (kind == BOF) - (kind == EOF)
        if depth <= 0:
            return
        if depth == 1:
            yield kind, stream[offset - size:offset]


def _sheets(stream: bytes) -> list[tuple[str, int]]:
    """(name, offset of its BOF) of each worksheet, from the globals' BOUNDSHEET records."""
    sheets = []
    for kind, data in _records(stream, 0):
        if kind == BOUNDSHEET and len(data) >= 8 and data[5] == 0:  # 0: a worksheet (not a chart, macro sheet)
            offset, length, wide = struct.unpack_from("<I", data)[0], data[6], data[7] & 1
            raw = data[8:8 + length * (2 if wide else 1)]
            sheets.append((raw.decode("utf-16-le" if wide else "latin-1", "replace"), offset))
    return sheets


def _errors_of_sheet(stream: bytes, offset: int) -> dict[tuple[int, int], str]:
    errors = {}
    for kind, data in _records(stream, offset):
        if kind == BOOLERR and len(data) >= 8 and data[7] == 1:
            row, column = struct.unpack_from("<HH", data)
            errors[(row, column)] = ERROR_CODES.get(data[6], UNKNOWN_ERROR)
        elif kind == FORMULA and len(data) >= 14 and data[6] == 2 and data[12:14] == b"\xff\xff":
            row, column = struct.unpack_from("<HH", data)
            errors[(row, column)] = ERROR_CODES.get(data[8], UNKNOWN_ERROR)
    return errors
