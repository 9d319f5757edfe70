"""Survivorship stage: one golden record per cluster, and a master id for it.

Golden value of each field, among the cluster's rows that have one (a value that
failed validation was already blanked, so only valid values compete):
  1. the most trusted source (lowest `trust_rank` in sources.yaml),
  2. then the most recently updated row (its `updated_at`, else its file's date),
  3. then the value most rows of the cluster agree on,
  4. then the first row in inbox order.
`master.field_lineage` says which row each golden value came from and which rule
chose it; `master.field_values` keeps every value, the losing ones included.
Master ids carry over from the previous run through the source rows a cluster
shares with the previous masters (customer_master/lifecycle/ids.py)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from customer_master.lifecycle.history import append_rows, record_history
from customer_master.lifecycle.ids import LINEAGE_KEY_SQL, ROW_IDENTITY_SQL, IdAssignment, assign_master_ids
from customer_master.lifecycle.state import STATE_FILES, MasterState
from customer_master.lifecycle.touched import row_hash_sql, untouched_clusters
from customer_master.owner_only import restrict_file
from customer_master.pipelines.staged_results import as_stored, staged_result
from customer_master.review.caused import mark_steward_changes
from customer_master.sources import SOURCES_JOINED_BY
from customer_master.warehouse.open import WarehouseKeyError, attach_warehouse
from customer_master.working_db import register_source, spill_folder, sql_text, working_connection

log = logging.getLogger(__name__)

# Survivorship order of a field's candidate values (see the module docstring).
SURVIVORSHIP_ORDER = "trust_rank, latest DESC NULLS LAST, rows DESC, first_row"

GOLDEN_FIELDS = [
    "name", "name_core", "first_name", "last_name", "legal_form", "reg_place", "branch", "uscc", "id_number",
    "mobile", "phone", "phone_extension", "email", "contact_name", "address", "province", "city", "district",
    "postcode",
    "birth_date", "gender",
]
# what survivorship reads of a row (not every standardised column: they are copied)
MEMBER_COLUMNS = ["row_key", "customer_type", "source", "file", "sheet", "row_number", "source_record_id", "extra",
                  "trust_rank", "created_at", "updated_at", *GOLDEN_FIELDS]
CUSTOMER_COLUMNS = [
    "master_id", "customer_type", *GOLDEN_FIELDS, "record_count", "source_count", "sources",
    "first_created_at", "last_updated_at", "created_run",
]
# what a row's fingerprint covers (lifecycle/touched.py): all survivorship reads of it but its
# place in this run's inbox (row_key), which moves when a file is added before it
HASHED_COLUMNS = [*(c for c in MEMBER_COLUMNS if c != "row_key"), "as_of"]
XREF_COLUMNS = ["master_id", "source", "file", "sheet", "row_number", "source_record_id", "row_identity",
                "match_probability", "attributes"]


@dataclass
class GoldenResult:
    customers: pd.DataFrame  # CUSTOMER_COLUMNS
    xref: pd.DataFrame  # XREF_COLUMNS (+ row_key, row_identity for internal use)
    id_history: pd.DataFrame  # every retired id ever, with its replacement
    masters: pd.DataFrame  # master_id, created_run, created_seq: the state the next run starts from
    field_lineage: pa.Table  # master_id, field, value, rule, candidates, source row of the value
    field_values: pa.Table  # master_id, field, value, golden, rows, sources: every value, losers too
    customers_history: pd.DataFrame  # every version of every golden record
    change_log: pd.DataFrame  # every change, every run
    ids_kept: int = 0
    ids_created: int = 0
    ids_retired: int = 0
    masters_built: int = 0  # golden records computed by this run (the touched masters)
    masters_carried: int = 0  # golden records carried as the last run left them (lifecycle/touched.py)


def build_golden_records(rows: pd.DataFrame | Path, clusters: pd.DataFrame | Path, pairs: pd.DataFrame | Path,
                         previous: MasterState | None = None, run_id: str = "", run_seq: int = 1,
                         file_dates: pd.DataFrame | None = None,
                         decisions: pd.DataFrame | None = None, carry_from: Path | None = None) -> GoldenResult:
    """rows (the standardised rows, MEMBER_COLUMNS at least), clusters and pairs: frames,
    or the Parquet files they are staged in, which DuckDB reads without them passing
    through pandas (at a million rows the standardised rows alone took gigabytes as
    Python strings). file_dates (file, modified_at): when a row has no update date of
    its own, its file's date stands in for it. decisions: the stewards' stored
    decisions (review/decisions.py), to mark in the change log the merges and splits
    they caused. carry_from: the published warehouse of the run `previous` is the state
    of; the masters this run did not touch (lifecycle/touched.py) are carried from it
    instead of being built again (None: every master is built, as a full run does)."""
    previous = previous or MasterState(*(pd.DataFrame(columns=c) for c in STATE_FILES.values()))
    con = working_connection()
    register_source(con, "standard_rows", rows, MEMBER_COLUMNS)
    register_source(con, "clusters", clusters, ["row_key", "cluster"])
    register_source(con, "pairs", pairs, ["row_key_l", "row_key_r", "match_probability"])
    con.register("file_dates", file_dates if file_dates is not None else
                 pd.DataFrame({"file": pd.Series(dtype=str), "modified_at": pd.Series(dtype="datetime64[us]")}))
    con.execute(f"""
        CREATE TEMP TABLE members AS
        SELECT *, {row_hash_sql(HASHED_COLUMNS)} AS row_hash FROM (
            SELECT {", ".join(f"r.{c}" for c in MEMBER_COLUMNS)}, c.cluster,
                   {LINEAGE_KEY_SQL} AS lineage_key,
                   coalesce(r.updated_at::DATE, f.modified_at::DATE) AS as_of,
                   {ROW_IDENTITY_SQL} AS row_identity
            FROM standard_rows r JOIN clusters c USING (row_key) LEFT JOIN file_dates f USING (file))""")
    carried = _carried_masters(con, carry_from, previous)
    # typed like the clusters, also when empty
    con.execute("CREATE TEMP TABLE carried_ AS SELECT cluster, NULL::VARCHAR AS master_id FROM members WHERE false")
    if len(carried):
        con.register("untouched_", carried)
        con.execute("INSERT INTO carried_ SELECT cluster, master_id FROM untouched_")
    assigned = _master_ids(con, previous, carried, run_id)
    con.register("masters", assigned.ids)
    # the rows of the masters built afresh: the touched ones
    # a view, not a copy: in a full run every member is built
    con.execute("CREATE TEMP VIEW built AS SELECT * FROM members WHERE cluster NOT IN (SELECT cluster FROM carried_)")
    unpivot_cols = ", ".join(f"{f}::VARCHAR AS {f}" for f in GOLDEN_FIELDS)
    # one row per distinct value of a field in a cluster, with what speaks for it
    con.execute(f"""
        CREATE TEMP TABLE candidates AS
        WITH cells AS (
            UNPIVOT (SELECT cluster, row_key, trust_rank, as_of, source, {unpivot_cols} FROM built)
            ON {", ".join(GOLDEN_FIELDS)} INTO NAME field VALUE value
        ), grouped AS (
            SELECT cluster, field, value, min(trust_rank) AS trust_rank, max(as_of) AS latest,
                   count(*) AS rows, min(row_key) AS first_row,
                   arg_min(row_key, (trust_rank, -coalesce(epoch(as_of), 0), row_key)) AS provider,
                   string_agg(DISTINCT source, '{SOURCES_JOINED_BY}' ORDER BY source) AS sources
            FROM cells GROUP BY ALL
        )
        SELECT *, row_number() OVER (PARTITION BY cluster, field
                                     ORDER BY {SURVIVORSHIP_ORDER}) AS rank,
               count(*) OVER (PARTITION BY cluster, field) AS distinct_values
        FROM grouped""")
    # the winner, and the rule that put it before the runner-up
    con.execute("""
        CREATE TEMP TABLE golden_values AS
        SELECT w.cluster, w.field, w.value, w.provider, w.distinct_values,
               CASE WHEN r.value IS NULL THEN 'only value'
                    WHEN w.trust_rank < r.trust_rank THEN 'most trusted source'
                    WHEN coalesce(w.latest > r.latest, w.latest IS NOT NULL AND r.latest IS NULL)
                         THEN 'most recently updated'
                    WHEN w.rows > r.rows THEN 'most frequent'
                    ELSE 'first in inbox order' END AS rule
        FROM candidates w LEFT JOIN candidates r
          ON r.cluster = w.cluster AND r.field = w.field AND r.rank = 2
        WHERE w.rank = 1""")
    # the two largest results stay Arrow tables: no step reads them row by row, and
    # as Python strings they took five times the memory. They are made first, and each
    # temporary table goes once its last reader has run: at a million rows they were
    # all held while the xref was read into pandas. field_values: a master's values of
    # a field in their survivorship order (the rank of a built master's, the order the
    # last run wrote them in of a carried master's)
    field_values = con.sql(f"""
        SELECT * EXCLUDE (in_order) FROM (
            SELECT m.master_id, c.field, c.value, c.rank = 1 AS golden, c.rows, c.sources, c.rank AS in_order
            FROM candidates c JOIN masters m USING (cluster)
            {_carried_rows("field_values", len(carried), "sources", "rowid AS in_order")})
        ORDER BY master_id, field, in_order""").to_arrow_table()
    con.execute("DROP TABLE candidates")
    field_lineage = con.sql(f"""
        SELECT m.master_id, g.field, g.value, g.rule, g.distinct_values AS candidates,
               r.source, r.file, r.sheet, r.row_number
        FROM golden_values g JOIN masters m USING (cluster) JOIN built r ON r.row_key = g.provider
        {_carried_rows("field_lineage", len(carried))}
        ORDER BY master_id, field""").to_arrow_table()
    con.execute(f"""
        CREATE TEMP TABLE golden AS
        PIVOT golden_values ON field IN ({", ".join(repr(f) for f in GOLDEN_FIELDS)}) USING first(value)
        GROUP BY cluster""")
    con.execute("DROP TABLE golden_values")
    con.execute(f"""
        CREATE TEMP TABLE built_customers AS
        SELECT m.master_id, any_value(r.customer_type)::VARCHAR AS customer_type,
               g.* REPLACE (g.birth_date::DATE AS birth_date),
               count(*)::BIGINT AS record_count, count(DISTINCT r.source)::BIGINT AS source_count,
               string_agg(DISTINCT r.source, '{SOURCES_JOINED_BY}' ORDER BY r.source) AS sources,
               min(r.created_at::DATE) AS first_created_at, max(r.updated_at::DATE) AS last_updated_at,
               any_value(m.created_run) AS created_run
        FROM built r JOIN masters m USING (cluster) JOIN golden g USING (cluster)
        GROUP BY ALL""")
    built_customers = con.execute("SELECT * FROM built_customers ORDER BY master_id").df()
    customers = con.execute(f"""
        SELECT * FROM built_customers UNION ALL BY NAME
        SELECT * REPLACE (array_to_string(sources, '{SOURCES_JOINED_BY}') AS sources)
        FROM {CARRIED_FROM}.master.customers WHERE master_id IN (SELECT master_id FROM carried_)
        ORDER BY master_id""").df() if len(carried) else built_customers
    con.execute("DROP TABLE built_customers; DROP TABLE golden")
    # the xref goes from DuckDB into the Parquet file it is handed on as (a DataFrame of
    # every row was built and written again: at 200k rows 0.5 s against 0.17)
    xref_file = spill_folder() / f"xref-{uuid.uuid4().hex}.parquet"
    xref_rows = con.execute(f"""
        COPY (
            WITH edges AS (
                SELECT row_key_l AS row_key, row_key_r AS other, match_probability FROM pairs
                UNION ALL SELECT row_key_r, row_key_l, match_probability FROM pairs
            ), best AS (
                SELECT e.row_key, max(e.match_probability) AS match_probability
                FROM edges e JOIN clusters a ON a.row_key = e.row_key JOIN clusters b ON b.row_key = e.other
                WHERE a.cluster = b.cluster GROUP BY e.row_key
            )
            SELECT m.master_id, r.source, r.file, r.sheet, r.row_number, r.source_record_id,
                   b.match_probability, r.extra AS attributes, r.row_key, r.row_identity, r.row_hash
            FROM members r JOIN masters m USING (cluster) LEFT JOIN best b USING (row_key)
            ORDER BY m.master_id, r.lineage_key
        ) TO {sql_text(xref_file)} (FORMAT parquet)""").fetchall()[0][0]
    restrict_file(xref_file)  # DuckDB writes it with the umask's mode; it moves into the run's staging
    # which master holds each row, now and before, only when a steward's decision may have caused a change
    decided = decisions is not None and len(decisions) > 0
    now_ids = con.execute(f"SELECT master_id, row_identity FROM {sql_text(xref_file)}").df() if decided else None
    con.close()
    masters = assigned.ids[["master_id", "created_run"]].merge(
        previous.masters[["master_id", "created_seq"]], on="master_id", how="left")
    masters["created_seq"] = masters["created_seq"].astype("float64").fillna(run_seq).astype("int64")
    history = append_rows(previous.id_history, assigned.retired)
    # a carried master's golden record is its open version in the history: only the built ones can change
    versions, changes = record_history(built_customers, ["customer_type", *GOLDEN_FIELDS], previous.customers_history,
                                       assigned.retired, assigned.splits, run_id,
                                       pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s"))
    changes = mark_steward_changes(changes, previous.xref if decided else None, now_ids, decisions)
    change_log = append_rows(previous.change_log, changes)
    change_log["by_steward"] = change_log["by_steward"].astype("boolean").fillna(False).astype(bool)  # older rows
    log.info("survive: %d rows -> %d master customers (ids: %d kept, %d new, %d retired; %d built, %d carried)",
             xref_rows, len(customers), assigned.kept, assigned.created, len(assigned.retired),
             len(built_customers), len(carried))
    # the xref is read (as a DataFrame) only by a step that asks for it
    return staged_result(GoldenResult, {"xref": xref_file}, dict(
        customers=customers[CUSTOMER_COLUMNS], id_history=history, masters=masters,
        field_lineage=field_lineage, field_values=field_values, customers_history=versions, change_log=change_log,
        ids_kept=assigned.kept, ids_created=assigned.created, ids_retired=len(assigned.retired),
        masters_built=len(built_customers), masters_carried=len(carried)))


CARRIED_FROM = "last_run"  # the last published warehouse, attached read-only while carrying from it


def _carried_masters(con, warehouse: Path | None, previous: MasterState) -> pd.DataFrame:
    """cluster, master_id of the masters carried from `warehouse` (attached to `con`):
    the untouched ones, when the warehouse holds exactly the masters `previous` says the
    last run left (else none: a warehouse restored or replaced behind the state's back
    is not carried from). The last run's xref state is `previous_xref` in `con` after it."""
    none = pd.DataFrame({"cluster": pd.Series(dtype="int64"), "master_id": pd.Series(dtype=str)})
    if warehouse is None or not Path(warehouse).exists() or previous.masters.empty:
        return none
    # read by DuckDB from the state's file: not every row of it into pandas
    register_source(con, "previous_xref", as_stored(previous, "xref"))
    untouched = untouched_clusters(con, "members", "previous_xref")
    if untouched.empty:
        return none
    try:
        attach_warehouse(con, warehouse, CARRIED_FROM)
    except WarehouseKeyError as unreadable:  # a key changed: the run builds every master, and publishes
        log.warning("survive: every master is built: %s", unreadable)
        return none
    con.register("last_masters_", previous.masters[["master_id"]])
    same = con.execute(f"""
        SELECT count(*) = (SELECT count(*) FROM last_masters_)
               AND count(*) = count(l.master_id)
        FROM {CARRIED_FROM}.master.customers c LEFT JOIN last_masters_ l USING (master_id)""").fetchall()[0][0]
    con.unregister("last_masters_")
    if not same:
        log.warning("survive: %s does not hold the masters of the last run's state; every master is built", warehouse)
        return none
    return untouched


def _master_ids(con, previous: MasterState, carried: pd.DataFrame, run_id: str) -> IdAssignment:
    """The master id of every cluster of `members` (in `con`): a carried cluster keeps
    its master's, which assign_master_ids would give it too (no other cluster or master
    shares an identity with it: touched.py), and only the other clusters, with the
    last run's other masters, go through assign_master_ids (its Python loops ran over
    every cluster). The ids come in assign_master_ids' order: by each cluster's first row."""
    touched = con.execute("""SELECT cluster, row_identity, lineage_key FROM members
                             WHERE cluster NOT IN (SELECT cluster FROM carried_)""").df()
    if carried.empty:
        return assign_master_ids(touched, previous.xref, previous.masters, previous.used_ids, run_id)
    before = con.execute("""SELECT master_id, row_identity FROM previous_xref
                            WHERE master_id NOT IN (SELECT master_id FROM carried_)""").df()
    masters = previous.masters
    assigned = assign_master_ids(touched, before, masters[~masters["master_id"].isin(carried["master_id"])],
                                 previous.used_ids, run_id)
    con.register("ids_", pd.concat([carried.merge(masters[["master_id", "created_run"]], on="master_id"),
                                    assigned.ids], ignore_index=True))
    assigned.ids = con.execute("""
        SELECT i.cluster, i.master_id, i.created_run
        FROM ids_ i JOIN (SELECT cluster, min(lineage_key) AS first_row FROM members GROUP BY ALL) f USING (cluster)
        ORDER BY f.first_row, i.cluster""").df()
    con.unregister("ids_")
    assigned.kept += len(carried)
    return assigned


def _carried_rows(table: str, carried: int, listed: str | None = None, *extra: str) -> str:
    """UNION ALL the carried masters' rows of `table` as the last run published them
    (`listed`: a column published as a list, joined back into the stage's text)."""
    if not carried:
        return ""
    replace = f" REPLACE (array_to_string({listed}, '{SOURCES_JOINED_BY}') AS {listed})" if listed else ""
    return (f"UNION ALL BY NAME SELECT *{replace}{''.join(', ' + e for e in extra)} FROM {CARRIED_FROM}.master.{table} "
            f"WHERE master_id IN (SELECT master_id FROM carried_)")
