"""Validation stage: quarantine rows that cannot identify a customer, record
field-level problems and let those rows go on. A row without a name that carries
a contact or an ID number goes on too: matching may find its customer
(match/clustering.py quarantines it when it does not). The rules are the pandera schemas
in `schemas/row_rules.py`; this module routes their failure cases.

Rows of activity sheets (interactions, transactions) are not customers: only a
totals row is quarantined; a row that names no customer goes on, and is kept as
unresolved when it is linked to the master."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from customer_master.ingest.inbox import LINEAGE_COLUMNS
from customer_master.schemas.ingested import IngestedRows
from customer_master.ingest.sheet_kinds import CUSTOMERS
from customer_master.schemas.row_rules import (
    CHECKED_FIELDS, IDENTIFYING_FIELDS, NO_NAME, PHONE_REGION, REASON_PRIORITY, TOTALS, TOTALS_ROW, FieldFormats,
    IdentifiableRow, field_issues_of)
from customer_master.standardise.phone_country import phone_regions
from customer_master.standardise.phones import is_kept

log = logging.getLogger(__name__)

REJECTED_COLUMNS = ["row_key", *LINEAGE_COLUMNS, "reason", "raw"]
ISSUE_COLUMNS = ["row_key", *LINEAGE_COLUMNS, "field", "value", "issue"]


@dataclass
class ValidationResult:
    accepted: pd.DataFrame  # ingested customer rows that go on, bad fields blanked
    rejected: pd.DataFrame  # REJECTED_COLUMNS
    field_issues: pd.DataFrame  # ISSUE_COLUMNS
    activities: pd.DataFrame  # rows of interaction and transaction sheets that go on (not customers)


def validate_rows(rows: pd.DataFrame) -> ValidationResult:
    IngestedRows.validate(rows)  # the ingest contract: a failure here is a bug, not bad input
    unused_cells = _unused_cells(rows)  # the rows go on (or to quarantine) without these values
    rows = rows.assign(**{PHONE_REGION: phone_regions(rows)})
    is_customer = rows["sheet_kind"].eq(CUSTOMERS)
    activities, rows = rows[~is_customer], rows[is_customer]
    label = activities["name"].fillna(activities["first_cell"]).fillna("")
    totals = label.str.contains(TOTALS_ROW)
    activity_rejects = activities.loc[totals, ["row_key", *LINEAGE_COLUMNS, "raw"]].assign(reason=TOTALS)
    activities = activities[~totals]

    failures = _failure_cases(IdentifiableRow.to_schema(), rows)
    reason = failures["check"].replace({"not_nullable": NO_NAME})
    reasons = (failures.assign(reason=reason, priority=reason.map(REASON_PRIORITY.index))
               .sort_values("priority").groupby("index")["reason"].first())
    reasons.index = reasons.index.astype(rows.index.dtype)
    nameless = _identified(rows.loc[reasons.index]) & reasons.eq(NO_NAME)
    if nameless.any():
        log.info("validate: %d rows without a name go on to matching on their contacts", int(nameless.sum()))
    reasons = reasons[~nameless]
    rejected = rows.loc[reasons.index, ["row_key", *LINEAGE_COLUMNS, "raw"]].assign(reason=reasons)
    accepted = rows.drop(index=reasons.index)

    accepted, issues = _without_bad_values(accepted)
    activities, activity_issues = _without_bad_values(activities)
    rejected = pd.concat([rejected, activity_rejects]).sort_values("row_key")
    issues = pd.concat([df for df in (issues, activity_issues, unused_cells) if len(df)] or [issues])
    issues = issues.sort_values(["row_key", "field"], kind="stable")
    log.info("validate: %d customer rows accepted, %d activity rows, %d quarantined, %d field issues",
             len(accepted), len(activities), len(rejected), len(issues))
    return ValidationResult(
        accepted=accepted.reset_index(drop=True),
        rejected=rejected[REJECTED_COLUMNS].reset_index(drop=True),
        field_issues=issues[ISSUE_COLUMNS].reset_index(drop=True),
        activities=activities.reset_index(drop=True),
    )


def _unused_cells(rows: pd.DataFrame) -> pd.DataFrame:
    """The cells ingest did not use (an Excel error value, a number whose digits
    a float lost: ingest.sheet_rows._cell_issues) as field issues (ISSUE_COLUMNS), of
    every row, quarantined ones too; `field` is the column's canonical field, or
    its header where it maps to none."""
    if "cell_issues" not in rows:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    marked = rows.loc[rows["cell_issues"].notna(), ["row_key", *LINEAGE_COLUMNS, "cell_issues"]]
    records = [{"row_key": row_key, "source": source, "file": file, "sheet": sheet, "row_number": row_number,
                "field": cell["field"] if isinstance(cell["field"], str) else cell["column"], "value": cell["value"], "issue": cell["issue"]}
               for row_key, source, file, sheet, row_number, found in marked.itertuples(index=False)
               for cell in json.loads(found)]
    return pd.DataFrame(records, columns=ISSUE_COLUMNS)


def _identified(rows: pd.DataFrame) -> pd.Series:
    """Whether each row has a value in one of IDENTIFYING_FIELDS."""
    present = [f for f in IDENTIFYING_FIELDS if f in rows]
    cells = rows[present].astype("string").apply(lambda c: c.str.strip().replace("", pd.NA))
    return cells.notna().any(axis=1) if present else pd.Series(False, index=rows.index)


def _without_bad_values(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows with every value that failed its check blanked (it is no evidence
    for matching), and the field issues found. A phone kept as its digits stays:
    its issue is a note."""
    issues = _field_issues(rows)
    rows = rows.copy()
    for field, group in issues[~is_kept(issues["issue"])].groupby("field"):
        rows.loc[rows.row_key.isin(group.row_key), field] = None
    return rows, issues


def _failure_cases(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        return cases[cases["index"].notna()]
    return pd.DataFrame(columns=["column", "check", "failure_case", "index"])


def _field_issues(rows: pd.DataFrame) -> pd.DataFrame:
    present = [f for f in CHECKED_FIELDS if f in rows.columns]
    failures = _failure_cases(FieldFormats, rows[[*present, PHONE_REGION]] if PHONE_REGION in rows else rows[present])
    # a frame-wide check (phones) names the field in the check's name, not the column
    failures = failures.assign(field=failures["check"].astype(str).str.removesuffix(" format"))
    parts = []
    for field, cases in failures.drop_duplicates(["field", "index"]).groupby("field"):
        index = cases["index"].astype(rows.index.dtype)
        found = rows.loc[index]
        parts.append(found[["row_key", *LINEAGE_COLUMNS]].assign(
            field=field, value=found[field], issue=field_issues_of(found, field)))
    if not parts:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    return pd.concat(parts).sort_values(["row_key", "field"])
