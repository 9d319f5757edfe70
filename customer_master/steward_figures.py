"""The figures a steward reads on each asset after a run, computed from the stage
results (no Dagster here: assets/metadata.py only formats these frames).

Each function returns a small DataFrame, one row per line the steward reads,
aggregated in DuckDB over the stage frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from customer_master.working_db import register_source, working_connection

# Pairs are bucketed by match probability at these edges (and at the run's threshold).
PROBABILITY_EDGES = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)
# Masters are grouped by how many source rows they hold.
CLUSTER_SIZES = ((1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 10), (11, None))


def _sql(query: str, **frames: pd.DataFrame | tuple[Path, list[str]]) -> pd.DataFrame:
    """query over the frames: each a DataFrame, or (a stage result's Parquet file, the columns read of it)."""
    con = working_connection()
    try:
        for name, frame in frames.items():
            register_source(con, name, *(frame if isinstance(frame, tuple) else (frame,)))
        return con.execute(query).df()
    finally:
        con.close()


def _columns(source: pd.DataFrame | Path, columns: list[str]) -> pd.DataFrame | tuple[Path, list[str]]:
    """Only `columns` of a frame or of a stage result's Parquet file (read by DuckDB, not into pandas)."""
    return source[columns] if isinstance(source, pd.DataFrame) else (Path(source), columns)


def place_in_inbox(frame: pd.DataFrame) -> pd.Series:
    """A row's place as a person finds it in Excel: file › sheet › row N."""
    sheet = frame["sheet"].fillna("").astype(str)
    return (frame["file"].astype(str) + sheet.where(sheet.eq(""), " › " + sheet)
            + " › row " + frame["row_number"].astype("Int64").astype(str))


def rows_by_source(rows: pd.DataFrame | Path) -> pd.DataFrame:
    """source, files, rows: the data rows ingested from each department's folder."""
    return _sql("""SELECT source, count(DISTINCT file) AS files, count(*) AS rows
                   FROM rows GROUP BY source ORDER BY rows DESC, source""", rows=_columns(rows, ["source", "file"]))


def files_not_read(files: pd.DataFrame, sheets: pd.DataFrame) -> pd.DataFrame:
    """what (file or sheet), source, file, sheet, reason: everything the run did not read."""
    whole = files.loc[files["status"].eq("rejected"), ["source", "file", "reason"]].assign(what="file", sheet="")
    parts = sheets.loc[sheets["status"].eq("rejected"), ["source", "file", "sheet", "reason"]].assign(what="sheet")
    return pd.concat([whole, parts], ignore_index=True)[["what", "source", "file", "sheet", "reason"]]


def rows_by_file(rows: pd.DataFrame | Path, accepted: pd.DataFrame | Path, activities: pd.DataFrame | Path,
                 rejected: pd.DataFrame | Path, field_issues: pd.DataFrame | Path) -> pd.DataFrame:
    """file (its department's folder first), rows, accepted, activity_rows, quarantined, field_issues
    per file read (each frame, or its stage result's Parquet file)."""
    lineage = ["source", "file"]
    return _sql("""
        WITH n AS (SELECT source, file, count(*) AS rows FROM rows GROUP BY ALL),
             a AS (SELECT source, file, count(*) AS k FROM accepted GROUP BY ALL),
             t AS (SELECT source, file, count(*) AS k FROM activities GROUP BY ALL),
             q AS (SELECT source, file, count(*) AS k FROM rejected GROUP BY ALL),
             i AS (SELECT source, file, count(*) AS k FROM issues GROUP BY ALL)
        SELECT n.file, n.rows, coalesce(a.k, 0) AS accepted, coalesce(t.k, 0) AS activity_rows,
               coalesce(q.k, 0) AS quarantined, coalesce(i.k, 0) AS field_issues
        FROM n LEFT JOIN a USING (source, file) LEFT JOIN t USING (source, file)
             LEFT JOIN q USING (source, file) LEFT JOIN i USING (source, file)
        ORDER BY n.source, n.file""",
        rows=_columns(rows, lineage), accepted=_columns(accepted, lineage), activities=_columns(activities, lineage),
        rejected=_columns(rejected, lineage), issues=_columns(field_issues, lineage))


def rejects_by_reason(rejected: pd.DataFrame, examples: int = 2) -> pd.DataFrame:
    """reason, rows, first_rows (the first `examples` rows as file › sheet › row N)."""
    frame = rejected[["reason", "file", "sheet", "row_number"]].assign(where=lambda f: place_in_inbox(f))
    return _sql(f"""
        SELECT reason, count(*) AS rows,
               array_to_string(list("where" ORDER BY file, sheet, row_number)[1:{examples}], '; ') AS first_rows
        FROM frame GROUP BY reason ORDER BY rows DESC, reason""", frame=frame)


def field_issues_by_kind(field_issues: pd.DataFrame, examples: int = 2) -> pd.DataFrame:
    """field, issue, rows, first_rows (value at file › sheet › row N)."""
    frame = field_issues[["field", "issue", "value", "file", "sheet", "row_number"]].assign(
        where=lambda f: "'" + f["value"].astype(str) + "' at " + place_in_inbox(f))
    return _sql(f"""
        SELECT field, issue, count(*) AS rows,
               array_to_string(list("where" ORDER BY file, sheet, row_number)[1:{examples}], '; ') AS first_rows
        FROM frame GROUP BY field, issue ORDER BY rows DESC, field, issue""", frame=frame)


def cluster_sizes(clusters: pd.DataFrame) -> pd.DataFrame:
    """rows_per_master (1, 2, ... 6-10, 11 or more), masters, rows: how the rows fell into masters."""
    buckets = pd.DataFrame([{"low": low, "high": high if high is not None else 2**31,
                             "label": str(low) if low == high else (f"{low}–{high}" if high else f"{low} or more")}
                            for low, high in CLUSTER_SIZES])
    return _sql("""
        WITH sizes AS (SELECT cluster, count(*) AS size FROM clusters GROUP BY cluster)
        SELECT b.label AS rows_per_master, count(s.cluster) AS masters, coalesce(sum(s.size), 0)::BIGINT AS rows
        FROM buckets b LEFT JOIN sizes s ON s.size BETWEEN b.low AND b.high
        GROUP BY b.label, b.low ORDER BY b.low""", clusters=clusters[["cluster"]], buckets=buckets)


def sources_sharing_masters(xref: pd.DataFrame | Path) -> pd.DataFrame:
    """sources (two departments), masters: how many masters hold rows of both, most first.
    xref: a frame or a stage result's Parquet file."""
    return _sql("""
        WITH m AS (SELECT DISTINCT master_id, source FROM xref)
        SELECT a.source || ' + ' || b.source AS sources, count(*) AS masters
        FROM m a JOIN m b ON a.master_id = b.master_id AND a.source < b.source
        GROUP BY ALL ORDER BY masters DESC, sources""", xref=_columns(xref, ["master_id", "source"]))


def pairs_by_probability(pairs: pd.DataFrame, threshold: float, band: tuple[float, float]) -> pd.DataFrame:
    """match_probability (a range), pairs, merged (yes / no), in_review_band (yes / no / partly)."""
    edges = sorted({*PROBABILITY_EDGES, float(threshold)})
    ranges = pd.DataFrame({"low": edges[:-1], "high": edges[1:]})
    ranges["label"] = [f"{low:g} – {high:g}" if high < 1 else f"{low:g} – 1" for low, high in
                       zip(ranges["low"], ranges["high"])]
    low_band, high_band = band
    return _sql(f"""
        SELECT r.label AS match_probability, count(p.match_probability) AS pairs,
               CASE WHEN r.low >= {float(threshold)} THEN 'yes' ELSE 'no' END AS merged,
               CASE WHEN r.low >= {low_band} AND r.high <= {high_band} THEN 'yes'
                    WHEN r.high <= {low_band} OR r.low >= {high_band} THEN 'no' ELSE 'partly' END AS in_review_band
        FROM ranges r LEFT JOIN pairs p ON p.match_probability >= r.low
             AND (p.match_probability < r.high OR (r.high = 1 AND p.match_probability <= 1))
        GROUP BY r.label, r.low, r.high ORDER BY r.low""", ranges=ranges, pairs=pairs[["match_probability"]])


def pairs_in_band(pairs: pd.DataFrame, band: tuple[float, float]) -> int:
    """Scored pairs whose probability lies in the review band (its ends included)."""
    return int(pairs["match_probability"].between(band[0], band[1]).sum())


def masters_by_type(customers: pd.DataFrame) -> pd.DataFrame:
    """customer_type, masters, rows (source rows they hold)."""
    return _sql("""SELECT customer_type, count(*) AS masters, sum(record_count)::BIGINT AS rows
                   FROM customers GROUP BY ALL ORDER BY masters DESC""",
                customers=customers[["customer_type", "record_count"]])
