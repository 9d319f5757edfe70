"""The declared schema of the warehouse's own records (schema `meta`): what changed,
which files were seen, which runs published. Columns, DuckDB types and comments,
written once here."""

from __future__ import annotations

from customer_master.warehouse.schema.columns import (BIGINT, DOUBLE, JSON, TEXT_LIST, TIMESTAMP, VARCHAR,
                                                      Column, Table, col)
from customer_master.warehouse.schema.master import MASTER_ID

CHANGE_LOG = Table("meta.change_log", "change of a master in a run", "Every change of every master, every run.", (
    col("run_id", VARCHAR, "the run that made the change"),
    col("changed_at", TIMESTAMP, "when (UTC)"),
    MASTER_ID,
    col("change", VARCHAR, "created, updated, merged, split or retired"),
    col("fields", TEXT_LIST, "the golden fields that changed (empty when created)",
        read_as="CAST(fields AS JSON)"),
    col("related_id", VARCHAR, "the other master of a merge or split; null for other changes"),
))

FILES = Table("meta.files", "file seen this run", "Every file in the inbox this run, and what became of it.", (
    col("source", VARCHAR, "department: the file's folder under the inbox"),
    col("file", VARCHAR, "path under the inbox, with / separators"),
    col("size_bytes", BIGINT, "size"),
    col("sha256", VARCHAR, "SHA-256 of its bytes"),
    col("modified_at", TIMESTAMP, "its modification time (UTC)"),
    col("encoding", VARCHAR, "text encoding of a CSV file (empty for xlsx)"),
    col("status", VARCHAR, "read, rejected, or ignored (a hidden file or an Office lock file)"),
    col("reason", VARCHAR, "why it was rejected or ignored"),
))


def _count(name: str, what: str) -> Column:
    return col(name, BIGINT, what)


RUNS = Table("meta.runs", "run, ever",
             "Every run that published this warehouse, rebuilt each run from the append-only ledger "
             "(<warehouse>.d/runs.jsonl); null where a run of an earlier version did not record a column.", (
    col("run_id", VARCHAR, "the run's id"),
    col("started_at", TIMESTAMP, "when it started (UTC)"),
    col("finished_at", TIMESTAMP, "when it published (UTC)"),
    col("inbox", VARCHAR, "the inbox it read"),
    col("warehouse", VARCHAR, "the warehouse it wrote"),
    col("match_threshold", DOUBLE, "match probability at which rows merged"),
    col("started_by", VARCHAR, "the OS user of the process that ran it"),
    col("started_from", VARCHAR, "its host"),
    col("launched_by", VARCHAR, "cli, or dagster with how: dagster schedule NAME, dagster sensor NAME, "
                                "dagster backfill ID, plain dagster for the Launchpad; '; user …' when the Dagster "
                                "run has a user tag"),
    col("run_tags", JSON, "the Dagster run's tags"),
    col("restored_from", VARCHAR, "for a `customer-master restore`: the run put back; else null"),
    _count("files_seen", "files in the inbox"),
    _count("files_read", "files read"),
    _count("files_unchanged", "files taken from the ingest cache, not read again"),
    _count("files_rejected", "files rejected"),
    _count("sheets_rejected", "sheets rejected"),
    _count("rows_ingested", "rows ingested"),
    _count("rows_accepted", "customer rows accepted (in a master)"),
    _count("rows_rejected", "rows quarantined"),
    _count("activity_rows", "rows of interaction and transaction sheets"),
    col("rejected_by_reason", JSON, "quarantined rows by reason, reason → rows"),
    _count("blank_rows_skipped", "blank rows skipped"),
    _count("header_rows_skipped", "repeated header rows skipped"),
    _count("field_issues", "field issues"),
    _count("master_customers", "masters"),
    _count("company_masters", "company masters"),
    _count("person_masters", "person masters"),
    _count("duplicates_merged", "duplicate rows merged"),
    _count("master_ids_kept", "master ids kept from the run before"),
    _count("master_ids_created", "master ids given for the first time"),
    _count("master_ids_retired", "master ids retired"),
    _count("contacts", "contacts"),
    _count("interactions", "interaction lines"),
    _count("interactions_unresolved", "interaction lines linked to no master"),
    _count("transactions", "transaction lines"),
    _count("transactions_unresolved", "transaction lines linked to no master"),
    _count("relationships", "relationships"),
    _count("review_due", "masters due for review"),
    col("files", JSON, "the files of the run: a list of {file, sha256, size_bytes, status}"),
))

TABLES = (CHANGE_LOG, FILES, RUNS)
