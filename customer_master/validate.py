"""Validation stage: quarantine rows that cannot identify a customer, record
field-level problems and let those rows go on. The rules are the pandera schemas
in `schemas/row_rules.py`; this module routes their failure cases."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from customer_master.ingest.inbox import LINEAGE_COLUMNS
from customer_master.schemas.ingested import IngestedRows
from customer_master.schemas.row_rules import (
    FIELD_RULES, NO_NAME, REASON_PRIORITY, FieldFormats, IdentifiableRow)

log = logging.getLogger(__name__)

REJECTED_COLUMNS = ["row_key", *LINEAGE_COLUMNS, "reason", "raw"]
ISSUE_COLUMNS = ["row_key", *LINEAGE_COLUMNS, "field", "value", "issue"]


@dataclass
class ValidationResult:
    accepted: pd.DataFrame  # ingested rows that go on, bad fields blanked
    rejected: pd.DataFrame  # REJECTED_COLUMNS
    field_issues: pd.DataFrame  # ISSUE_COLUMNS


def validate_rows(rows: pd.DataFrame) -> ValidationResult:
    IngestedRows.validate(rows)  # the ingest contract: a failure here is a bug, not bad input
    failures = _failure_cases(IdentifiableRow.to_schema(), rows)
    reason = failures["check"].replace({"not_nullable": NO_NAME})
    reasons = (failures.assign(reason=reason, priority=reason.map(REASON_PRIORITY.index))
               .sort_values("priority").groupby("index")["reason"].first())
    reasons.index = reasons.index.astype(rows.index.dtype)
    rejected = rows.loc[reasons.index, ["row_key", *LINEAGE_COLUMNS, "raw"]].assign(reason=reasons)
    accepted = rows.drop(index=reasons.index)

    issues = _field_issues(accepted)
    accepted = accepted.copy()
    for field, group in issues.groupby("field"):
        # a value that failed its check is no evidence for matching
        accepted.loc[accepted.row_key.isin(group.row_key), field] = None
    log.info("validate: %d rows accepted, %d quarantined, %d field issues",
             len(accepted), len(rejected), len(issues))
    return ValidationResult(
        accepted=accepted.reset_index(drop=True),
        rejected=rejected[REJECTED_COLUMNS].reset_index(drop=True),
        field_issues=issues[ISSUE_COLUMNS].reset_index(drop=True),
    )


def _failure_cases(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        return cases[cases["index"].notna()]
    return pd.DataFrame(columns=["column", "check", "failure_case", "index"])


def _field_issues(rows: pd.DataFrame) -> pd.DataFrame:
    present = [f for f in FIELD_RULES if f in rows.columns]
    failures = _failure_cases(FieldFormats, rows[present])
    parts = []
    for field, cases in failures.groupby("column"):
        index = cases["index"].astype(rows.index.dtype)
        values = rows.loc[index, field]
        parts.append(rows.loc[index, ["row_key", *LINEAGE_COLUMNS]].assign(
            field=field, value=values, issue=FIELD_RULES[field](values)))
    if not parts:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    return pd.concat(parts).sort_values(["row_key", "field"])
