"""A filled-in review workbook (written by review/export.py) back in: the decisions
go to the decision store (who decided, who imported it, when, from which
workbook and its SHA-256: a workbook imported again stores nothing twice); a workbook that
cannot be read, or a line that cannot be stored, is refused as a whole with a
ValueError naming the file, the sheet and the rows. The header and the decisions
are read in either language (labels.py), and so are workbooks written before the
labels existed (a header of bare column keys)."""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from customer_master.review.decisions import PAIR_DECISIONS, Stored, add_decisions, decision_problem
from customer_master.review.labels import CHOICES, SHEETS, decision_of, header_keys

NEEDED = ("decision", "row_identity_l", "row_identity_r")
WRITERS = {"openpyxl", "customer-master"}  # authors that are programs, not stewards

def read_review(path: Path, reviewer: str | None = None) -> pd.DataFrame:
    """The decisions filled in a review workbook (DECISION_COLUMNS). ValueError naming
    the file (and the sheet and rows) when it is no review workbook or a filled-in line
    cannot be stored: then nothing of it is."""
    workbook = _open_workbook(Path(path))
    try:
        sheet = _review_sheet(workbook)
        where = f"{path}, sheet '{sheet.title}'"
        rows = sheet.iter_rows(values_only=True)
        known = header_keys()
        header = [known.get(_cell_text(h), _cell_text(h)) for h in next(rows, None) or ()]
        missing = set(NEEDED) - set(header)
        if missing:
            raise ValueError(f"{where}: not a review workbook (no column {', '.join(sorted(missing))})")
        position = {name: header.index(name) for name in NEEDED}
        found, problems = [], []
        for number, row in enumerate(rows, start=2):
            cells = {name: _cell_text(row[at]) if at < len(row) else "" for name, at in position.items()}
            if not cells["decision"]:
                continue
            decision = decision_of(cells["decision"])
            choices = " / ".join(label for labels in CHOICES.values() for label in labels)
            problem = (f"'{cells['decision']}' is not {choices}" if decision not in PAIR_DECISIONS
                       else decision_problem(cells["row_identity_l"], cells["row_identity_r"], decision))
            if problem:
                problems.append(f"row {number}: {problem}")
                continue
            found.append((cells["row_identity_l"], cells["row_identity_r"], decision))
        if problems:
            more = f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
            raise ValueError(f"{where}: nothing imported: " + "; ".join(problems[:10]) + more)
        who = reviewer or _author(workbook.properties) or "unknown"
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


def _author(properties) -> str | None:
    """Who last saved the workbook, unless that is the program that wrote it (then no
    person is named: the export's own name, or openpyxl's, would stand in for one)."""
    for name in (properties.lastModifiedBy, properties.creator):
        if name and name.strip() not in WRITERS:
            return name.strip()
    return None


def _review_sheet(workbook):
    """The sheet named 'review' in either language, else the first sheet (a workbook
    of an earlier version, or one a steward renamed)."""
    for names in SHEETS.values():
        if names["review"] in workbook.sheetnames:
            return workbook[names["review"]]
    return workbook.worksheets[0]


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
