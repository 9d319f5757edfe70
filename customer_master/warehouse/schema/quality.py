"""The declared schema of what a run could not use or wants a steward to look at
(schema `quality`): columns, DuckDB types and comments, written once here."""

from __future__ import annotations

from customer_master.warehouse.schema.columns import (BIGINT, DATE, INTEGER, JSON, TEXT_LIST, TIMESTAMP, VARCHAR,
                                                      Table, col, lineage)
from customer_master.warehouse.schema.master import CUSTOMER_TYPE, MASTER_ID

_FILE = lineage()[:3]

REJECTED = Table("quality.rejected", "quarantined row",
                 "Every row that is in no master, and why: with every original cell.", (
    *lineage(),
    col("reason", VARCHAR, "why the row was quarantined (totals row, no customer name …)"),
    col("cells", JSON, "every original cell of the row, header → value"),
))

REJECTED_FILES = Table("quality.rejected_files", "file or sheet not read", "Files and sheets the run did not read.", (
    *_FILE,
    col("reason", VARCHAR, "why it was not read"),
))

FIELD_ISSUES = Table("quality.field_issues", "bad value in an accepted row (an Excel error value or a number that "
                                             "lost its digits: in a quarantined row too)",
                     "Bad values in accepted rows (blanked in the master), and Excel error values and numbers that "
                     "lost their digits in quarantined rows too.", (
    *lineage(),
    col("field", VARCHAR, "the canonical field"),
    col("value", VARCHAR, "the value as written"),
    col("issue", VARCHAR, "what is wrong with it"),
))

SHEETS = Table("quality.sheets", "sheet read", "Every sheet the run opened, and how it read it.", (
    *_FILE,
    col("visibility", VARCHAR, "visible, hidden or very hidden (a hidden sheet's rows are read like any other's)"),
    col("kind", VARCHAR, "customers, interactions or transactions; empty when rejected"),
    col("status", VARCHAR, "read or rejected"),
    col("reason", VARCHAR, "why it was rejected"),
    col("header_row", INTEGER, "the header's row number; null: the sheet has none"),
    col("data_rows", BIGINT, "data rows read"),
    col("blank_rows_skipped", BIGINT, "blank rows skipped"),
    col("header_rows_skipped", BIGINT, "repeated header rows skipped"),
    col("column_map", JSON, "header → canonical field (null: kept as an attribute)"),
    col("column_sources", JSON, "header → how it was recognised (header, content …, unmapped)"),
))

REVIEW_DUE = Table("quality.review_due", "master due for review",
                   "Masters a steward should confirm: stale fields or open field issues (settings: review).", (
    MASTER_ID, CUSTOMER_TYPE,
    col("name", VARCHAR, "the master's name"),
    col("reasons", TEXT_LIST, "why: stale, field issue"),
    col("stale_fields", TEXT_LIST, "golden fields not confirmed for longer than the settings allow"),
    col("oldest_confirmation", DATE, "oldest date a stale field was last confirmed"),
    col("open_issues", BIGINT, "field issues of its rows"),
    col("what_to_check", VARCHAR, "what to check, in words"),
    col("as_of", DATE, "the date it is due as of"),
))

UNRESOLVED_DECISIONS = Table("quality.unresolved_decisions", "steward decision whose rows left the inbox",
                             "Steward decisions that this run could not apply: one of their rows is no longer "
                             "in the inbox. Empty when every decision applied.", (
    col("row_identity_l", VARCHAR, "identity of one row of the pair"),
    col("row_identity_r", VARCHAR, "identity of the other row; null for a detach (about one row)"),
    col("decision", VARCHAR, "the steward's decision: match, no match, or detach (the row from its master)"),
    col("decided_by", VARCHAR, "the steward who decided"),
    col("decided_at", TIMESTAMP, "when the decision was made (UTC)"),
    col("workbook", VARCHAR, "the review workbook it came from"),
    col("workbook_sha256", VARCHAR, "that workbook's SHA-256"),
    col("imported_by", VARCHAR, "the OS user who imported it"),
    col("imported_from", VARCHAR, "the host it was imported on"),
    col("imported_at", TIMESTAMP, "when it was imported (UTC)"),
))

TABLES = (REJECTED, REJECTED_FILES, FIELD_ISSUES, SHEETS, REVIEW_DUE, UNRESOLVED_DECISIONS)
