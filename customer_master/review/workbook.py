"""The review workbook: doubtful pairs out to Excel, a steward's decisions back in.

Export: one row per pair whose match probability lies in the review band, the
two source rows side by side with the match weight of each field, and a
decision column with a drop-down (match / no match). Text that begins with
= + - @ is written as text, never as a formula. Import: the filled-in decisions
go to the decision store (who decided, who imported it, when, from which
workbook and its SHA-256: a workbook imported again stores nothing twice); a workbook that
cannot be read, or a line that cannot be stored, is refused as a whole with a
ValueError naming the file, the sheet and the rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from customer_master.match.threshold import check_match_settings
from customer_master.owner_only import private_folder, write_private
from customer_master.review.decisions import DEFAULT_BAND, PAIR_DECISIONS, Stored, add_decisions, decision_problem
from customer_master.warehouse.published import read_published

SHEET = "review"
FIELDS = ["name", "mobile", "phone", "email", "address", "uscc", "id_number", "birth_date", "city"]
FORMULA_START = ("=", "+", "-", "@")


def review_candidates(warehouse: Path, band: tuple[float, float] | None = None) -> pd.DataFrame:
    """Pairs in the band (default: the last run's review band, its run config), each
    row's standardised values and lineage beside the other's."""
    if band is not None:
        check_match_settings(review_band=band, keys={"review_from": "band LOW", "review_to": "band HIGH"})
    side = ", ".join(f"{s}.{f}::VARCHAR AS {f}_{s}" for f in FIELDS for s in ("a", "b"))
    tables = ("master.match_pairs", "master.source_rows") + (("master.review_candidates",) if band is None else ())
    with read_published(warehouse, tables) as con:
        if band is None:
            band = con.execute("SELECT min(match_probability), max(match_probability) "
                               "FROM master.review_candidates").fetchone()
            band = band if band[0] is not None else DEFAULT_BAND
        return con.execute(f"""
            SELECT p.match_probability, p.master_id_l = p.master_id_r AS merged_now, p.evidence,
                   concat_ws(' / ', a.source, a.file, nullif(a.sheet, ''), 'row ' || a.row_number) AS row_a,
                   concat_ws(' / ', b.source, b.file, nullif(b.sheet, ''), 'row ' || b.row_number) AS row_b,
                   {side}, a.row_identity AS row_identity_l, b.row_identity AS row_identity_r
            FROM master.match_pairs p
            JOIN master.source_rows a ON a.source = p.source_l AND a.file = p.file_l AND a.sheet = p.sheet_l
                 AND a.row_number = p.row_number_l
            JOIN master.source_rows b ON b.source = p.source_r AND b.file = p.file_r AND b.sheet = p.sheet_r
                 AND b.row_number = p.row_number_r
            WHERE p.match_probability BETWEEN ? AND ? AND p.cannot_link IS NULL
            ORDER BY abs(p.match_probability - 0.9), a.row_identity, b.row_identity""", list(band)).df()


def export_review(warehouse: Path, out: Path, band: tuple[float, float] | None = None) -> int:
    pairs = review_candidates(warehouse, band)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    header = ["decision", "match_probability", "merged_now", "row_a", "row_b"]
    for f in FIELDS:
        header += [f"{f} (A)", f"{f} (B)", f"{f} weight"]
    header += ["row_identity_l", "row_identity_r"]
    sheet.append(header)
    for record in pairs.to_dict("records"):
        weights = json.loads(record["evidence"] or "{}")
        line = [None, round(record["match_probability"], 4), "yes" if record["merged_now"] else "no",
                record["row_a"], record["row_b"]]
        for f in FIELDS:
            line += [record[f"{f}_a"], record[f"{f}_b"], _weight(weights, f)]
        line += [record["row_identity_l"], record["row_identity_r"]]
        sheet.append(line)
    _as_text(sheet)
    choices = DataValidation(type="list", formula1='"match,no match"', allow_blank=True,
                             error="Choose match or no match", showErrorMessage=True)
    sheet.add_data_validation(choices)
    choices.add(f"A2:A{max(len(pairs) + 1, 2)}")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2, max_col=1):
        row[0].fill = PatternFill("solid", fgColor="FFF2CC")
    sheet.freeze_panes = "B2"
    for column in ("row_identity_l", "row_identity_r"):  # needed for the import, not for reading
        sheet.column_dimensions[openpyxl.utils.get_column_letter(header.index(column) + 1)].hidden = True
    sheet.column_dimensions["D"].width = sheet.column_dimensions["E"].width = 40
    for row in sheet.iter_rows(min_row=1, max_row=1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True)
    private_folder(out.parent, ours=False)  # personal data: owner-only (owner_only.py)
    write_private(out, workbook.save)
    return len(pairs)


def _weight(weights: dict, field: str) -> float | None:
    """A field's match weight; a person's name is weighed as surname plus given name."""
    if field == "name" and "name" not in weights and "last_name" in weights:
        return round(weights["last_name"] + weights.get("first_name", 0), 3)
    return weights.get(field)


def _as_text(sheet) -> None:
    """A value like '=HYPERLINK(...)' from a department file stays text."""
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                cell.data_type = "s"
                cell.quotePrefix = True


def read_review(path: Path, reviewer: str | None = None) -> pd.DataFrame:
    """The decisions filled in a review workbook (DECISION_COLUMNS). ValueError naming
    the file (and the sheet and rows) when it is no review workbook or a filled-in line
    cannot be stored: then nothing of it is."""
    workbook = _open_workbook(Path(path))
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.active
        where = f"{path}, sheet '{sheet.title}'"
        rows = sheet.iter_rows(values_only=True)
        header = [_cell_text(h) for h in next(rows, None) or ()]
        missing = {"decision", "row_identity_l", "row_identity_r"} - set(header)
        if missing:
            raise ValueError(f"{where}: not a review workbook (no column {', '.join(sorted(missing))})")
        position = {name: header.index(name) for name in ("decision", "row_identity_l", "row_identity_r")}
        found, problems = [], []
        for number, row in enumerate(rows, start=2):
            cells = {name: _cell_text(row[at]) if at < len(row) else "" for name, at in position.items()}
            decision = cells["decision"].lower()
            if not decision:
                continue
            problem = (f"'{decision}' is not {' / '.join(PAIR_DECISIONS)}" if decision not in PAIR_DECISIONS
                       else decision_problem(cells["row_identity_l"], cells["row_identity_r"], decision))
            if problem:
                problems.append(f"row {number}: {problem}")
                continue
            found.append((cells["row_identity_l"], cells["row_identity_r"], decision))
        if problems:
            more = f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
            raise ValueError(f"{where}: nothing imported: " + "; ".join(problems[:10]) + more)
        who = reviewer or workbook.properties.lastModifiedBy or workbook.properties.creator or "unknown"
    finally:
        workbook.close()
    frame = pd.DataFrame(found, columns=["row_identity_l", "row_identity_r", "decision"])
    return frame.assign(decided_by=who, decided_at=pd.Timestamp(dt.datetime.now(dt.timezone.utc)).tz_localize(None),
                        workbook=Path(path).name, workbook_sha256=_sha256(Path(path)))


def import_workbook(warehouse: Path, path: Path, reviewer: str | None = None) -> Stored:
    """Store a review workbook's decisions, recording the importer (decisions.py); reviewer:
    who decided (default: the workbook's last author)."""
    return add_decisions(warehouse, read_review(path, reviewer))


def import_review(warehouse: Path, path: Path, reviewer: str | None = None) -> int:
    """The number of decisions import_workbook stored now."""
    return import_workbook(warehouse, path, reviewer).stored


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as reader:
        for block in iter(lambda: reader.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _open_workbook(path: Path):
    if not path.exists():
        raise ValueError(f"no workbook at {path}")
    if not path.is_file():
        raise ValueError(f"{path} is a folder, not a workbook")
    try:
        return openpyxl.load_workbook(path, read_only=True)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ValueError(f"{path} is not a readable .xlsx workbook ({reason})") from None


def _cell_text(value) -> str:
    """A cell as the text a person sees: an id typed or stored as a number (12345,
    12345.0) reads as 12345."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
