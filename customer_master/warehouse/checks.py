"""Checks on a published (or about to be published) warehouse. Each returns a
list of problems; an empty list means the check holds. Used by the publish step
(which refuses to swap in a warehouse that fails), the Dagster asset checks and
the tests."""

from __future__ import annotations

import duckdb


def row_accounting_problems(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[str]:
    """Every data row of every readable sheet is in exactly one of master.xref and
    quality.rejected: per sheet, the counts add up, and no row appears twice."""
    problems = [
        f"{file} sheet '{sheet}': {data_rows} data rows read, {placed} placed "
        f"({in_xref} in master.xref, {in_rejected} in quality.rejected)"
        for file, sheet, data_rows, in_xref, in_rejected, placed in con.execute(f"""
            WITH placed AS (
                SELECT file, sheet, count(*) FILTER (WHERE kind = 'xref') AS in_xref,
                       count(*) FILTER (WHERE kind = 'rejected') AS in_rejected
                FROM (SELECT file, sheet, 'xref' AS kind FROM master.xref
                      UNION ALL SELECT file, sheet, 'rejected' FROM quality.rejected)
                GROUP BY file, sheet
            )
            SELECT coalesce(s.file, p.file), coalesce(s.sheet, p.sheet), coalesce(s.data_rows, 0),
                   coalesce(p.in_xref, 0), coalesce(p.in_rejected, 0),
                   coalesce(p.in_xref, 0) + coalesce(p.in_rejected, 0) AS placed
            FROM (SELECT * FROM quality.sheets WHERE status = 'read') s
            FULL JOIN placed p ON s.file = p.file AND s.sheet = p.sheet
            WHERE coalesce(s.data_rows, 0) <> coalesce(p.in_xref, 0) + coalesce(p.in_rejected, 0)
            ORDER BY 1, 2 LIMIT {limit}""").fetchall()
    ]
    problems += [
        f"{file} sheet '{sheet}' row {row}: placed {times} times"
        for file, sheet, row, times in con.execute(f"""
            SELECT file, sheet, row_number, count(*) FROM (
                SELECT file, sheet, row_number FROM master.xref
                UNION ALL SELECT file, sheet, row_number FROM quality.rejected)
            GROUP BY ALL HAVING count(*) > 1 ORDER BY 1, 2, 3 LIMIT {limit}""").fetchall()
    ]
    return problems


def duplicate_master_ids(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[str]:
    return [f"master_id {mid} appears {n} times" for mid, n in con.execute(f"""
        SELECT master_id, count(*) FROM master.customers GROUP BY 1 HAVING count(*) > 1
        ORDER BY 1 LIMIT {limit}""").fetchall()]


def orphan_xref_rows(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[str]:
    return [f"{file} sheet '{sheet}' row {row} points at missing master {mid}"
            for mid, file, sheet, row in con.execute(f"""
        SELECT x.master_id, x.file, x.sheet, x.row_number FROM master.xref x
        ANTI JOIN master.customers c USING (master_id) ORDER BY 2, 3, 4 LIMIT {limit}""").fetchall()]


ALL_CHECKS = {
    "row accounting": row_accounting_problems,
    "unique master_id": duplicate_master_ids,
    "xref points at a master": orphan_xref_rows,
}
