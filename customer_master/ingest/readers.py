"""Read one file into raw grids of cells: xlsx/xls with python-calamine, CSV with
encoding detection. A file that cannot be read raises UnreadableFile with a reason
a steward understands; nothing here decides what a row means."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections import Counter
from xml.etree import ElementTree
from dataclasses import dataclass
from pathlib import Path

import olefile
from charset_normalizer import from_bytes
from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

from customer_master.ingest.xls_errors import xls_error_cells

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
CSV_SUFFIXES = {".csv"}
SUPPORTED_SUFFIXES = EXCEL_SUFFIXES | CSV_SUFFIXES

# A CSV that is not UTF-8 is one of these two: GBK's superset GB18030, which
# Chinese Excel writes as "CSV" by default, or Windows-1252 (Latin-1's superset),
# which Excel writes on a Western European machine. Nearly any bytes decode as
# GB18030, so the two are told apart by a detector (charset-normalizer) and a
# decoded text that still reads as mojibake is refused (see `_decode_csv`).
LEGACY_ENCODINGS = ("gb18030", "cp1252")
# charset-normalizer's "chaos" (share of implausible character sequences) above
# which a decoded text is taken for mojibake
MAX_CHAOS = 0.1
# In real Chinese text nearly every ideograph is one of GB2312's 6,763 common
# characters (a file of traditional characters in GBK: some 60%); text in another
# encoding read as GB18030 lands on rare ones (Shift-JIS: none of them).
MIN_COMMON_HANZI = 0.5


VISIBLE, HIDDEN, VERY_HIDDEN = "visible", "hidden", "very hidden"
_VISIBILITY = ((SheetVisibleEnum.Visible, VISIBLE), (SheetVisibleEnum.Hidden, HIDDEN),
               (SheetVisibleEnum.VeryHidden, VERY_HIDDEN))  # calamine's values compare, but do not hash


def _visibility(state) -> str:
    return next((text for value, text in _VISIBILITY if state == value), VISIBLE)


class UnreadableFile(Exception):
    """The whole file (or sheet) cannot be used; the message is the reason."""


@dataclass
class SheetGrid:
    sheet: str  # empty string for CSV
    rows: list[list[object]]  # rows[i] is spreadsheet row i + 1
    encoding: str = ""
    refusal: str = ""  # why the sheet was not read (its rows are then empty)
    visibility: str = VISIBLE  # hidden: unhidden in Excel's Format menu; very hidden: only in its VBA editor


# calamine builds a sheet's whole used range in memory, about 32 bytes a cell: one
# stray cell at XFD1048576 asks for 549 GB and aborts the process. A sheet whose
# declared extent is larger than this many cells is refused, with the reason.
MAX_SHEET_CELLS = 20_000_000
# An .xlsx is a zip of XML. What it unpacks to is what a reader must parse: a few MB
# can hold gigabytes of XML (millions of formatted empty rows, or a zip bomb). Refused:
# a package that unpacks to more than MAX_UNPACKED_MB, or to more than
# MAX_UNPACKED_RATIO times its size once it unpacks to more than RATIO_FROM_MB (a real
# sheet's XML packs 5 to 20 times; only long runs of the same bytes pack 100 times).
MAX_UNPACKED_MB = 2048
MAX_UNPACKED_RATIO = 100
RATIO_FROM_MB = 100


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
    _refuse_unpacking_too_much(path)
    try:
        parts = _sheet_parts(path)
        extents = _declared_extents(path, parts)
        workbook = CalamineWorkbook.from_path(str(path))
        xls_errors = xls_error_cells(path) if path.suffix.lower() == ".xls" else {}  # calamine blanks them too
        visibility = {m.name: _visibility(m.visible) for m in workbook.sheets_metadata}
        grids = []
        for name in workbook.sheet_names:
            rows, columns = extents.get(name, (0, 0))
            if rows * columns > MAX_SHEET_CELLS:
                grids.append(SheetGrid(sheet=name, rows=[], visibility=visibility.get(name, VISIBLE), refusal=(
                    f"sheet spans {rows:,} rows x {columns:,} columns, more than {MAX_SHEET_CELLS:,} cells (a stray "
                    "cell far beyond the data?); delete the rows and columns past the data and save again")))
                continue
            sheet = workbook.get_sheet_by_name(name)
            cells = sheet.to_python(skip_empty_area=False)
            if name in parts:
                _put(cells, _error_cells(path, parts[name]))
            elif name in xls_errors:
                _put(cells, xls_errors[name])
            _fill_merged(cells, _merged_ranges(sheet))
            grids.append(SheetGrid(sheet=name, rows=cells, visibility=visibility.get(name, VISIBLE)))
        return grids
    except CalamineError as exc:
        raise UnreadableFile(f"corrupt or not a workbook: {exc}") from exc
    except Exception as exc:  # calamine raises plain errors for some damage too
        raise UnreadableFile(f"workbook could not be read: {type(exc).__name__}: {exc}") from exc


def _refuse_unpacking_too_much(path: Path) -> None:
    """UnreadableFile when an .xlsx package unpacks to more than the limits above,
    read from the zip's directory before anything is unpacked."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return
    try:
        with zipfile.ZipFile(path) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, OSError):
        return  # calamine says what is wrong with it
    unpacked = sum(m.file_size for m in members) / 2**20
    packed = max(sum(m.compress_size for m in members), 1) / 2**20
    advice = ("delete the empty rows and columns past the data (or split the sheet) and save again")
    if unpacked > MAX_UNPACKED_MB:
        raise UnreadableFile(f"workbook unpacks to {unpacked:,.0f} MB of XML, over the {MAX_UNPACKED_MB:,} MB "
                             f"limit; {advice}")
    if unpacked > RATIO_FROM_MB and unpacked / packed > MAX_UNPACKED_RATIO:
        raise UnreadableFile(f"workbook unpacks {unpacked / packed:,.0f} times its size ({packed:,.1f} MB to "
                             f"{unpacked:,.0f} MB of XML): millions of empty or repeated cells, or a zip bomb; "
                             f"{advice}")


def _sheet_parts(path: Path) -> dict[str, str]:
    """Each sheet's XML part inside an .xlsx package (name -> member); {} for other
    formats or a package that is not a readable zip (calamine then says what is
    wrong with it)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return {}
    try:
        with zipfile.ZipFile(path) as package:
            relationships = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
            targets = {r.get("Id"): r.get("Target", "") for r in relationships}
            parts = {}
            for sheet in ElementTree.fromstring(package.read("xl/workbook.xml")).iter(f"{{{_MAIN}}}sheet"):
                target = targets.get(sheet.get(f"{{{_RELS}}}id"), "").lstrip("/")
                parts[sheet.get("name")] = target if target.startswith("xl/") else f"xl/{target}"
            return parts
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError):
        return {}


def _declared_extents(path: Path, parts: dict[str, str]) -> dict[str, tuple[int, int]]:
    """(rows, columns) each sheet of an .xlsx declares in its <dimension>, read from
    the head of the sheet's XML without loading cells or shared strings."""
    try:
        with zipfile.ZipFile(path) as package:
            extents = {}
            for name, member in parts.items():
                with package.open(member) as part:
                    found = _DIMENSION.search(part.read(4096).decode("utf-8", "replace"))
                if found:
                    extents[name] = (int(found.group(2)), _column_number(found.group(1)))
            return extents
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _error_cells(path: Path, member: str) -> dict[tuple[int, int], str]:
    """The error values (#REF!, #N/A …) of a sheet's error cells by (row, column),
    from 0: calamine reads such a cell as empty, which would lose what the cell
    says. The sheet's XML is scanned in blocks for error cells (t="e") and read
    whole only when it has some."""
    try:
        with zipfile.ZipFile(path) as package:
            with package.open(member) as part:
                tail = b""
                while block := part.read(1 << 20):
                    if _ERROR_TYPE.search(tail + block):
                        break
                    tail = block[-16:]
                else:
                    return {}
            xml = package.read(member)
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}
    return _errors_in(xml)


def _errors_in(xml: bytes) -> dict[tuple[int, int], str]:
    """(row, column) -> error value of every error cell of a sheet's XML."""
    found = {}
    for match in _ERROR_TYPE.finditer(xml):
        start, end = xml.rfind(b"<", 0, match.start()), xml.find(b">", match.end())
        tag = xml[start:end + 1]
        where = _CELL_REFERENCE.search(tag) if _CELL_TAG.match(tag) else None
        if where is None or tag.endswith(b"/>"):
            continue
        close = xml.find(b"c>", end)
        value = _VALUE.search(xml, end, close if close >= 0 else len(xml))
        if value:
            found[(int(where.group(2)) - 1, _column_number(where.group(1).decode()) - 1)] = value.group(1).decode()
    return found


def _merged_ranges(sheet) -> list:
    try:
        return sheet.merged_cell_ranges or []
    except Exception:  # a format or a damage calamine cannot tell merges of: the cells as they are
        return []


def _fill_merged(rows: list[list], ranges: list) -> None:
    """A cell merged over several rows (a customer's name beside its contacts'
    lines) holds its value in the top-left cell only; every row the merge covers
    takes that value in the merge's first column, so the rows below are not read
    as rows without a name. A row that holds nothing else stays blank, and a merge
    across columns only (a title) changes nothing."""
    for (top, left), (bottom, _) in ranges:
        if top >= len(rows) or left >= len(rows[top]) or rows[top][left] in (None, ""):
            continue
        value = rows[top][left]
        for row in rows[top + 1:bottom + 1]:
            if any(cell not in (None, "") for cell in row):
                if len(row) <= left:
                    row.extend([""] * (left + 1 - len(row)))
                if row[left] in (None, ""):
                    row[left] = value


def _put(rows: list[list], cells: dict[tuple[int, int], object]) -> None:
    """Write cells into a grid of rows, growing it where they lie beyond."""
    for (row, column), value in cells.items():
        while len(rows) <= row:
            rows.append([])
        if len(rows[row]) <= column:
            rows[row].extend([""] * (column + 1 - len(rows[row])))
        rows[row][column] = value


_ERROR_TYPE = re.compile(rb'\st="e"')
_CELL_TAG = re.compile(rb"<(?:\w+:)?c\s")
_CELL_REFERENCE = re.compile(rb'\sr="([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_DIMENSION = re.compile(r'<(?:\w+:)?dimension\s+ref="(?:[A-Z]+\d+:)?([A-Z]+)(\d+)"')


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
    text, encoding = _decode_csv(data)
    # a long notes cell is data, not an error: no field is longer than the file
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise UnreadableFile(f"malformed CSV: {exc}") from exc
    return SheetGrid(sheet="", rows=rows, encoding=encoding)


def _decode_csv(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a CSV file's bytes: UTF-8 with BOM (the BOM is proof),
    UTF-8, else GB18030 or Windows-1252 as charset-normalizer ranks them, each
    only when the decoded text is plausible (`_plausible`). UnreadableFile when
    no reading is: the file's names would enter the master as gibberish."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            pass  # a BOM over bytes that are no UTF-8: judged like any other file
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    tried = []
    ranked = [m.encoding for m in from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS), threshold=0.2)
              if m.chaos <= MAX_CHAOS]
    for encoding in [*ranked, *(e for e in LEGACY_ENCODINGS if e not in ranked)]:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding in ranked and _plausible(text, data, encoding):
            return text, encoding
        tried.append(f"as {_ENCODING_NAMES[encoding]} it reads '{_sample(text)}'")
    raise UnreadableFile("CSV is in an unknown text encoding: not UTF-8" + "".join(f"; {t}" for t in tried)
                         + " (gibberish); save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8)")


_ENCODING_NAMES = {"gb18030": "GBK/GB18030", "cp1252": "Windows-1252 (Western European)"}
_IDEOGRAPHS = re.compile(r"[\u3400-\u9fff]")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
# bytes that form a UTF-8 character (two to four bytes): beside Windows-1252 text
# they are the mark of a file that mixes UTF-8 with another encoding ("MÃ¼ller")
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_JUDGED_CHARS = 200_000  # the head of a long file is enough to judge it


def _plausible(text: str, data: bytes, encoding: str) -> bool:
    head = text[:_JUDGED_CHARS]
    if encoding == "gb18030":
        if _PRIVATE_USE.search(head):
            return False
        counts = Counter(_IDEOGRAPHS.findall(head))
        total = sum(counts.values())
        common = sum(n for c, n in counts.items() if _in_gb2312(c))
        return total < 2 or common / total >= MIN_COMMON_HANZI
    non_ascii = sum(b >= 0x80 for b in data[:_JUDGED_CHARS])
    utf8_bytes = sum(len(m) for m in _UTF8_SEQUENCE.findall(data[:_JUDGED_CHARS]))
    return utf8_bytes * 2 <= non_ascii


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _sample(text: str) -> str:
    """The first few words of text that hold characters beyond ASCII."""
    for line in text.splitlines():
        if any(ord(c) > 127 for c in line):
            return line.strip()[:40]
    return text[:40]
