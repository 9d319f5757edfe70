"""Write laid-out tables to .xlsx / .csv and report where each data row landed.

Layouts describe a file as a list of lines (title, header, blank, data, notes);
the writer numbers them exactly as a person sees them in Excel or a text
editor, so the truth's row_number cannot drift from the file.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

# Fixed so that regenerating the sample gives byte-identical files (no git churn).
FIXED_TIMESTAMP = dt.datetime(2026, 11, 1, 9, 0, 0)


@dataclass(frozen=True)
class Truth:
    entity_id: str
    customer_type: str
    row_kind: str          # record | totals | no_name | interaction | transaction | unknown_customer | no_customer
    lookalike_group: str = ""
    contact_id: str = ""   # the company contact whose name the row shows


@dataclass
class Line:
    cells: list
    kind: str = "data"     # title | header | blank | data | notes
    truth: Truth | None = None


@dataclass(frozen=True)
class Cell:
    """A value with an explicit Excel number format (e.g. a date shown as 2026/3/5)."""
    value: object
    number_format: str


@dataclass
class Sheet:
    name: str
    lines: list[Line]
    merges: list[str] = field(default_factory=list)


@dataclass
class Table:
    source: str
    path: str              # relative to the inbox root, "/"-separated
    sheets: list[Sheet]
    encoding: str = "utf-8"   # csv only: utf-8 | utf-8-sig | gbk
    newline: str = "\r\n"     # csv only
    kind: str = "customers"   # customers | interactions | transactions (truth sheet_kind)

    @property
    def is_csv(self) -> bool:
        return self.path.endswith(".csv")


def write_table(out_dir: Path, table: Table) -> list[dict]:
    target = Path(out_dir) / table.path
    target.parent.mkdir(parents=True, exist_ok=True)
    if table.is_csv:
        target.write_bytes(_csv_bytes(table))
    else:
        target.write_bytes(_xlsx_bytes(table))
    return _truth_rows(table)


def _truth_rows(table: Table) -> list[dict]:
    rows = []
    for sheet in table.sheets:
        for number, line in enumerate(sheet.lines, 1):
            if line.truth is not None:
                rows.append({
                    "source": table.source, "file": table.path, "sheet": "" if table.is_csv else sheet.name,
                    "row_number": number, "entity_id": line.truth.entity_id,
                    "customer_type": line.truth.customer_type, "row_kind": line.truth.row_kind,
                    "lookalike_group": line.truth.lookalike_group, "sheet_kind": table.kind,
                    "contact_id": line.truth.contact_id,
                })
    return rows


def _csv_bytes(table: Table) -> bytes:
    (sheet,) = table.sheets
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=table.newline)
    for line in sheet.lines:
        writer.writerow(["" if v is None else str(v) for v in line.cells])
    # "utf-8-sig" prepends the BOM; "gbk" raises if a character cannot be encoded.
    return buf.getvalue().encode(table.encoding)


def _xlsx_bytes(table: Table) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for sheet in table.sheets:
        ws = wb.create_sheet(sheet.name)
        for r, line in enumerate(sheet.lines, 1):
            for c, value in enumerate(line.cells, 1):
                if value is None or value == "":
                    continue  # leave the cell truly empty
                cell = ws.cell(row=r, column=c)
                if isinstance(value, Cell):
                    cell.value, cell.number_format = value.value, value.number_format
                else:
                    cell.value = value
                if line.kind in ("header", "title"):
                    cell.font = bold
        for rng in sheet.merges:
            ws.merge_cells(rng)
    wb.properties.creator = "customer-master sample generator"
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    # ExcelWriter directly: openpyxl's save_workbook() would stamp "modified" with now().
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    return _fixed_zip_times(raw.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    """Re-pack the archive with constant member timestamps so output is byte-stable."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()
