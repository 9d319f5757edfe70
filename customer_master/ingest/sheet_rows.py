"""One sheet of a department's file into ingest's rows: the header found (by its
words, else by what the columns hold), blank and repeated header rows skipped,
each canonical field's column taken, and the cells that cannot be used (Excel
errors, numbers that lost their digits) kept aside with the reason."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd

from customer_master.ingest.cells import DIGIT_FIELDS, column_to_text, excel_error_issue, lost_digits_issue
from customer_master.ingest.column_content import (SAMPLE, content_fields, first_data_row, fit_masks,
                                                   shares_of)
from customer_master.ingest.headers import (ACTIVITY_FIELDS, CANONICAL_FIELDS, HEADER_SEARCH_ROWS, NAME_FIELDS,
                                            find_header_row, header_source, map_headers)
from customer_master.ingest.sheet_kinds import fields_for_kind, sheet_kind
from customer_master.ingest.readers import SheetGrid
from customer_master.sources import SourceConfig

log = logging.getLogger("customer_master.ingest.inbox")  # the stage's one logger



def rows_of_sheet(grid: SheetGrid, config: SourceConfig, relative: str) -> tuple[pd.DataFrame | None, dict]:
    facts = {"source": config.name, "file": relative, "sheet": grid.sheet, "visibility": grid.visibility, "kind": "",
             "status": "read", "reason": "",
             "header_row": None, "data_rows": 0, "blank_rows_skipped": 0, "header_rows_skipped": 0,
             "column_map": "{}", "column_sources": "{}"}
    if grid.refusal:
        facts.update(status="rejected", reason=grid.refusal)
        log.warning("ingest %s sheet '%s': rejected: %s", relative, grid.sheet, grid.refusal)
        return None, facts
    text_rows = [[str(c).strip() if c is not None else "" for c in row] for row in grid.rows[:40]]
    header_index = find_header_row(text_rows, config.columns)
    if header_index is None:
        header_index = _header_row_by_content(grid.rows, config)
    if header_index is None:
        facts.update(status="rejected", reason=_no_header_reason(grid))
        where = f"{relative}" + (f" sheet '{grid.sheet}'" if grid.sheet else "")
        log.warning("ingest %s: rejected: %s", where, facts["reason"])
        return None, facts

    header_cells = list(grid.rows[header_index]) if header_index >= 0 else []  # -1: the sheet has no header row
    headers = _unique_headers(header_cells)
    fields = map_headers(header_cells, config.columns)
    sources = [header_source(h, config.columns) for h in header_cells]
    kind = sheet_kind(fields, config.kind)
    fields = fields_for_kind(fields, kind)
    width = max(len(headers), max((len(r) for r in grid.rows), default=0))
    headers += [f"column_{i + 1}" for i in range(len(headers), width)]
    fields += [None] * (width - len(fields))
    sources += ["unknown"] * (width - len(sources))

    body = [list(r) + [None] * (width - len(r)) for r in grid.rows[header_index + 1:]]
    cells = pd.DataFrame(body, columns=headers, dtype=object) if body else pd.DataFrame(columns=headers, dtype=object)
    numbers = {}  # header -> the cells Excel stored as numbers (a phone typed into a number column)
    for column in cells.columns:
        values = cells[column].where(cells[column].notna(), "")
        kinds = values.map(type)
        if not kinds.eq(str).all():
            number = kinds.isin((int, float))
            if number.any():
                numbers[column] = values[number]
        cells[column] = column_to_text(values)
    cells["row_number"] = range(header_index + 2, header_index + 2 + len(cells))

    if kind == "customers":  # columns no header names: recognised by what they hold
        unknown = [h for h, source in zip(headers, sources) if source == "unknown"]
        guessed = content_fields(cells[unknown].replace("", None), {f for f in fields if f})
        for position, header in enumerate(headers):
            if header in guessed:
                fields[position] = guessed[header][0]
                sources[position] = f"content ({guessed[header][1]:.0%} of values fit)"
    sources = ["unmapped" if s == "unknown" or (f is None and s != "sources.yaml") else s
               for s, f in zip(sources, fields)]

    data = cells[headers]
    blank = data.eq("").all(axis=1)
    header_text = pd.Series([str(h).strip() for h in header_cells] + [""] * (width - len(header_cells)), index=headers)
    named = header_text.ne("")
    repeated = data.loc[:, named].eq(header_text[named]).sum(axis=1) >= max(2, int(named.sum() * 0.6))
    keep = ~blank & ~repeated
    facts.update(kind=kind, header_row=header_index + 1 if header_index >= 0 else None, data_rows=int(keep.sum()),
                 blank_rows_skipped=int(blank.sum()), header_rows_skipped=int((repeated & ~blank).sum()),
                 column_map=pd.Series(dict(zip(headers, fields))).to_json(force_ascii=False),
                 column_sources=pd.Series(dict(zip(headers, sources))).to_json(force_ascii=False))
    cells = cells.loc[keep]
    issues = _cell_issues(cells, numbers, headers, fields)
    raw = cells[headers]
    for (row, header) in zip(issues["row"], issues["column"]):  # the value is not used; the row keeps it in raw
        cells.at[row, header] = ""

    out = pd.DataFrame({"source": config.name, "file": relative, "sheet": grid.sheet,
                        "row_number": cells["row_number"].to_numpy(), "sheet_kind": kind,
                        "roles": ",".join(config.roles) if kind == "customers" else "",
                        "party_type": config.party_type, "trust_rank": config.trust_rank,
                        "source_country": config.country})
    for field in CANONICAL_FIELDS:
        column = headers[fields.index(field)] if field in fields else None
        out[field] = cells[column].replace("", None).to_numpy() if column else None
    out["name"] = _name_from_parts(out)
    # the row's first filled cell: a totals row often says 合计 outside the name column
    out["first_cell"] = _first_filled(cells[headers].to_numpy(dtype=object)) if len(cells) else None
    extra_columns = [h for h, f in zip(headers, fields) if f is None and cells[h].ne("").any()]
    out["extra"] = _row_json(cells[extra_columns])
    out["raw"] = _row_json(raw)
    out["cell_issues"] = _issues_json(issues, cells.index)
    return out, facts


def _cell_issues(cells: pd.DataFrame, numbers: dict[str, pd.Series], headers: list[str], fields: list) -> pd.DataFrame:
    """The cells whose value cannot be used, with why (CELL_ISSUE_KEYS, and `row`,
    the cell's index): Excel error values (#REF!, #N/A …) in any column, and in a
    phone, ID number or credit-code column the numbers whose digits a float
    lost (cells.lost_digits_issue)."""
    parts = []
    for header, field in zip(headers, fields):
        column = cells[header]
        marked = column[column.str.startswith("#")]
        if len(marked):
            issue = marked.map(lambda text, header=header: excel_error_issue(text, header)).dropna()
            parts.append(pd.DataFrame({"row": issue.index, "column": header, "field": field,
                                       "value": marked[issue.index].to_numpy(), "issue": issue.to_numpy()}))
        if field in DIGIT_FIELDS and header in numbers:
            stored = numbers[header][numbers[header].index.isin(cells.index)]
            issue = stored.map(lambda value, field=field: lost_digits_issue(value, field)).dropna()
            parts.append(pd.DataFrame({"row": issue.index, "column": header, "field": field,
                                       "value": column[issue.index].to_numpy(), "issue": issue.to_numpy()}))
    parts = [part for part in parts if len(part)]
    if not parts:
        return pd.DataFrame(columns=["row", *CELL_ISSUE_KEYS])
    return pd.concat(parts, ignore_index=True)


# What ingest says of a cell it did not use: row column `cell_issues` holds a JSON
# list of {column, field (null for a column no field maps), value, issue}, or null.
CELL_ISSUE_KEYS = ["column", "field", "value", "issue"]


def _issues_json(issues: pd.DataFrame, index: pd.Index) -> list[str | None]:
    """Per row of index, its cells' issues as a JSON list; None for a row without."""
    by_row = {row: json.dumps(group[CELL_ISSUE_KEYS].to_dict("records"), ensure_ascii=False)
              for row, group in issues.groupby("row", sort=False)} if len(issues) else {}
    return [by_row.get(row) for row in index]


def _header_row_by_content(rows: list, config: SourceConfig) -> int | None:
    """Where no header row names a customer, the values may. The first block of
    rows in which some column can carry a name and another column is recognised
    too (by the header above the block or by the values) says what the columns
    hold (activity fields such as a date or a to-do's 事项 do not count); the
    header row is then the row above the first row whose cells fit
    those shapes, so a title block or a header of "A", "B", "C" stays out of the
    data. -1 when the sheet's first row already is data (no header at all); None
    when no column can carry a name."""
    top = rows[:HEADER_SEARCH_ROWS + SAMPLE]
    width = max((len(r) for r in top), default=0)
    text = pd.DataFrame([list(r) + [None] * (width - len(r)) for r in top], columns=range(width), dtype=object)
    for column in text.columns:
        text[column] = column_to_text(text[column].where(text[column].notna(), "")).replace("", None)
    masks = fit_masks(text)  # judged once; each block below is a slice

    def judge(start: int) -> tuple[bool, dict] | None:
        """Whether the rows from `start` on, under row start - 1 as their header,
        carry a name and one more field: (the header names known columns, the
        columns recognised by their values), else None."""
        rows_below = slice(start, start + SAMPLE)
        present = masks["present"][rows_below]
        if present.any(axis=1).sum() < 2 or present.any(axis=0).sum() < 2:  # two rows, two columns at least
            return None
        header = list(rows[start - 1]) if start else []
        mapped = map_headers(header, config.columns)
        unknown = [c for c in text.columns if c >= len(header) or header_source(header[c], config.columns) == "unknown"]
        guessed = content_fields(text.iloc[rows_below][unknown], {f for f in mapped if f},
                                 headers={c: header[c] if c < len(header) else "" for c in unknown},
                                 shares=shares_of(masks, rows_below, unknown))
        # the second field must say something about the customer: beside a to-do
        # list's 事项 (an activity field) any column of varied words passes for a name
        fields = ({f for f in mapped if f} | {f for f, _ in guessed.values()}) - set(ACTIVITY_FIELDS)
        return (any(mapped), guessed) if fields & NAME_FIELDS and len(fields) >= 2 else None

    for start in range(min(HEADER_SEARCH_ROWS, len(text))):
        judged = judge(start)
        if judged is None:
            continue
        named, guessed = judged
        if named:  # the row above names known columns: it is the header
            return start - 1
        first = first_data_row(masks, slice(0, start + HEADER_SEARCH_ROWS), {c: f for c, (f, _) in guessed.items()})
        header_index = (start if first is None else first) - 1
        # read under the header row chosen, the sheet must still carry a name (that
        # row may be a header whose name column sources.yaml keeps unmapped)
        if header_index == start - 1 or judge(header_index + 1) is not None:
            return header_index
    return None


def _name_from_parts(out: pd.DataFrame) -> pd.Series:
    """A sheet with surname and given-name columns but no name column: the name is
    composed (张 + 伟 -> 张伟; John + Smith -> John Smith)."""
    first, last = out["first_name"].fillna(""), out["last_name"].fillna("")
    cjk = (first + last).str.contains(r"[\u3400-\u9fff]")
    composed = (last + first).where(cjk, (first + " " + last).str.strip())
    return out["name"].where(out["name"].notna(), composed.where(composed.ne(""), None))


def _unique_headers(row: list[object]) -> list[str]:
    """Original header texts, made unique and non-empty so they can name columns."""
    seen: dict[str, int] = {}
    headers = []
    for index, cell in enumerate(row):
        text = str(cell).strip() if cell not in (None, "") else f"column_{index + 1}"
        seen[text] = seen.get(text, 0) + 1
        headers.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return headers


def _row_json(frame: pd.DataFrame) -> list[str]:
    """Each row as a JSON object {header: text}; an empty cell is null."""
    if frame.shape[1] == 0:
        return ["{}"] * len(frame)
    masked = frame.mask(frame.eq(""))
    lines = masked.to_json(orient="records", lines=True, force_ascii=False)
    return lines.splitlines() if len(frame) else []


def _no_header_reason(grid: SheetGrid) -> str:
    if not any(any(str(c).strip() for c in row if c is not None) for row in grid.rows):
        return "sheet is empty" if grid.sheet else "file has no rows"
    return ("no recognisable customer header in the first 30 rows (need a name column such as "
            "客户名称 / Customer Name, or a surname column, and one more known column)")


def _first_filled(values: np.ndarray) -> np.ndarray:
    """Each row's first non-empty cell (None for an empty row), by array, not by a
    row-wise fill that pandas runs column by column."""
    filled = pd.notna(values) & (values != "")
    first = values[np.arange(len(values)), filled.argmax(axis=1)] if values.shape[1] else np.full(len(values), None)
    return np.where(filled.any(axis=1), first, None)
