"""The review workbook a steward fills in, written as a real .xlsx for people:
the doubtful pairs sorted by doubt (review/candidates.py), columns sized to their
content, each field's match weight coloured for (green) or against (red) a match
and "not compared" said in words, why each pair is or is not in one master now,
a drop-down for the decision, an instructions sheet, autofilter, frozen header
and names, and a landscape print setup; in Chinese or English (labels.py).
Text that begins with = + - @ is written as text, never as a formula."""

from __future__ import annotations

import json
import math
from copy import copy
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from customer_master.language import resolve_language
from customer_master.owner_only import private_folder, write_private
from customer_master.review.candidates import FIELDS, review_candidates
from customer_master.review.labels import (CHOICES, COLUMNS, FIELD_LABELS, FIELD_PART, INSTRUCTIONS, SHEETS,
                                           WORDS)
from customer_master.xlsx_text import as_text, looks_like_formula

FOR_MATCH = PatternFill("solid", fgColor="C6EFCE")  # Excel's own "good" and "bad" colours
AGAINST = PatternFill("solid", fgColor="FFC7CE")
TO_FILL = PatternFill("solid", fgColor="FFF2CC")  # the decision cells
HEADER = PatternFill("solid", fgColor="D9E1F2")
NOT_COMPARED = Font(italic=True, color="808080")
# the columns a steward reads first; they stay in view when the sheet scrolls right
FIRST = ["decision", "match_probability", "merged_now", "name_a", "name_b", "name_weight"]
THEN = ["why", "earlier_decision", "row_a", "row_b", "customer_type"]
IDS = ["row_identity_l", "row_identity_r"]  # the importer's; hidden
WIDEST = 40  # characters; longer text is cut off on screen (wrapped in `why`), never in the cell
PAGE_WIDTH = 170  # characters of column width a landscape A4 page prints legibly


@dataclass(frozen=True)
class Exported:
    path: Path | None  # None: no pair to review, no workbook written (if_any)
    pairs: int  # pairs in the workbook
    waiting: int  # pairs in the band no steward has decided yet (those left out by a limit too)
    left_out: int = 0  # the least doubtful pairs beyond the limit


def column_keys() -> list[str]:
    rest = [f"{f}_{part}" for f in FIELDS if f != "name" for part in ("a", "b", "weight")]
    return [*FIRST, *THEN, *rest, *IDS]


def column_label(key: str, language: str) -> str:
    if key in COLUMNS[language]:
        return COLUMNS[language][key]
    if key in IDS:
        return key
    field, _, part = key.rpartition("_")
    return FIELD_PART[language][part].format(field=FIELD_LABELS[language][field])


def export_review(warehouse: Path, out: Path, band: tuple[float, float] | None = None,
                  language: str | None = None, limit: int | None = None, if_any: bool = False) -> Exported:
    """The workbook of the last run's doubtful pairs at `out` (owner-only, as is a folder
    made for it); language: zh or en (default: the locale's); limit: at most this many
    pairs, the most doubtful (None: all of the band); if_any: no workbook when the band
    holds no pair."""
    language = resolve_language(language)
    pairs, run = review_candidates(warehouse, band)
    if if_any and pairs.empty:
        return Exported(None, 0, 0)
    waiting = int(pairs["earlier_decision"].isna().sum())
    left_out = max(len(pairs) - limit, 0) if limit is not None else 0
    pairs = pairs.head(len(pairs) - left_out)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEETS[language]["review"]
    keys = column_keys()
    header = [column_label(key, language) for key in keys]
    lines = [_line(record, keys, run["threshold"], language) for record in pairs.to_dict("records")]
    for line in [header, *lines]:
        sheet.append(line)
    _style(sheet, keys, len(pairs), language)
    _size_columns(sheet, keys, header, lines)
    title = WORDS[language]["title"].format(pairs=len(pairs), waiting=waiting, run=run["run_id"][:8],
                                            t=run["threshold"])
    if left_out:
        title += WORDS[language]["left_out"].format(left_out=left_out)
    _instructions(workbook.create_sheet(SHEETS[language]["instructions"]), language, title)
    workbook.active = 0
    workbook.properties.creator = workbook.properties.lastModifiedBy = "customer-master"  # workbook.WRITERS
    private_folder(Path(out).parent, ours=False)  # personal data: owner-only (owner_only.py)
    write_private(out, workbook.save)
    return Exported(Path(out), len(pairs), waiting, left_out)


def _line(record: dict, keys: list[str], threshold: float, language: str) -> list:
    words = WORDS[language]
    weights = json.loads(record["evidence"] or "{}")
    probability = round(float(record["match_probability"]), 4)
    values = {
        "decision": None, "match_probability": probability,
        "merged_now": words["yes" if record["merged_now"] else "no"],
        "why": words[record["why"]].format(p=f"{probability:.4f}", t=threshold, rows=record["master_rows"]),
        "earlier_decision": _earlier(record, language),
        "row_a": record["row_a"], "row_b": record["row_b"],
        "customer_type": words.get(record["customer_type"], record["customer_type"]),
        "row_identity_l": record["row_identity_l"], "row_identity_r": record["row_identity_r"],
    }
    for field in FIELDS:
        a, b = record[f"{field}_a"], record[f"{field}_b"]
        values[f"{field}_a"], values[f"{field}_b"] = a, b
        values[f"{field}_weight"] = _weight(weights, field, a, b, record["customer_type"], language)
    return [values[key] for key in keys]


def _earlier(record: dict, language: str) -> str | None:
    if pd.isna(record.get("earlier_decision")):
        return None
    chosen = {decision: label for label, decision in CHOICES[language].items()}
    return WORDS[language]["decided"].format(decision=chosen[record["earlier_decision"]], who=record["decided_by"],
                                             when=pd.Timestamp(record["decided_at"]).strftime("%Y-%m-%d"))


def _weight(weights: dict, field: str, a, b, customer_type: str, language: str) -> float | str:
    """A field's match weight, or in words why there is none; a person's name is
    weighed as surname plus given name."""
    words = WORDS[language]
    if field == "name" and "name" not in weights and "last_name" in weights:
        return round(weights["last_name"] + weights.get("first_name", 0), 3)
    if field not in weights or weights[field] is None:
        return words["not_in_model"].format(type=words.get(customer_type, customer_type))
    if _empty(a) or _empty(b):
        return words["empty_side"]
    return weights[field]


def _empty(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or not str(value).strip()


def _style(sheet, keys: list[str], rows: int, language: str) -> None:
    last = get_column_letter(len(keys))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    looks = {}  # one style per kind of cell, copied to the others (openpyxl builds each anew otherwise)
    for row in sheet.iter_rows(min_row=2):
        for key, cell in zip(keys, row):
            if key.endswith("_weight"):
                kind = "text" if isinstance(cell.value, str) else ("for" if cell.value > 0 else "against") \
                    if cell.value else None
            elif key in ("decision", "match_probability", "why"):
                kind = key
            else:
                kind = None
                if looks_like_formula(cell.value):
                    as_text(cell)
            if kind is None:
                continue
            if kind in looks:
                cell._style = copy(looks[kind]._style)
                continue
            looks[kind] = cell
            if kind == "text":
                cell.font = NOT_COMPARED
            elif kind in ("for", "against"):
                cell.fill = FOR_MATCH if kind == "for" else AGAINST
            elif kind == "decision":
                cell.fill = TO_FILL
            elif kind == "match_probability":
                cell.number_format = "0.0000"
            else:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    choices = DataValidation(type="list", formula1='"' + ",".join(CHOICES[language]) + '"', allow_blank=True,
                             error=WORDS[language]["choose"], showErrorMessage=True)
    sheet.add_data_validation(choices)
    choices.add(f"A2:A{max(rows + 1, 2)}")
    sheet.freeze_panes = sheet.cell(row=2, column=len(FIRST) + 1).coordinate  # header and names stay in view
    sheet.auto_filter.ref = f"A1:{last}{rows + 1}"
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.print_title_rows = "1:1"
    sheet.print_options.gridLines = True


def _size_columns(sheet, keys: list[str], header: list[str], lines: list[list]) -> None:
    """Each column wide enough for its longest text (a Chinese character takes two) within
    limits, the id columns hidden; the print fitted to as many pages across as the
    columns need at a legible size, and as many down as the pairs need."""
    printed = 0.0
    for index, (key, label) in enumerate(zip(keys, header)):
        longest = _widest({line[index] for line in lines})
        width = float(min(max(longest, min(_display_width(label), 16), 8) + 2, WIDEST))
        column = sheet.column_dimensions[get_column_letter(index + 1)]
        column.width, column.hidden = width, key in IDS  # the ids: needed for the import, not for reading
        printed += 0 if column.hidden else width
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = math.ceil(printed / PAGE_WIDTH), 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _display_width(value) -> int:
    if value is None:
        return 0
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in _shown(value))


def _widest(values: set) -> int:
    """The largest _display_width of `values`. A text is at least as wide as its length and
    at most twice that, so only the longest texts are measured, character by character
    (measuring every cell's characters took a tenth of the workbook's time)."""
    widest = 0
    for text in sorted((_shown(v) for v in values if v is not None), key=len, reverse=True):
        if 2 * len(text) <= widest:
            break
        widest = max(widest, _display_width(text))
    return widest


def _shown(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _instructions(sheet, language: str, title: str) -> None:
    sheet.column_dimensions["A"].width = 120
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    for number, text in enumerate(INSTRUCTIONS[language]):
        sheet.append([text])
        cell = sheet.cell(row=sheet.max_row, column=1)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if number == 0:
            cell.font = Font(bold=True)
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
