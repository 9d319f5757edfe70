"""Checks on a published (or about to be published) warehouse. Each returns a
list of problems; an empty list means the check holds. Used by the publish step
(which refuses to swap in a warehouse that fails), the Dagster asset checks and
the tests."""

from __future__ import annotations

import duckdb


# Where a data row can end: a customer row in the master or in quarantine, an
# activity row linked (or unresolved) in its activity table.
ROW_HOMES = ("master.xref", "quality.rejected", "master.interactions", "master.transactions")


def _row_homes(con: duckdb.DuckDBPyConnection) -> str:
    """UNION ALL of (file, sheet, row_number, home) over the homes this warehouse has."""
    present = _present(con)
    return " UNION ALL ".join(f"SELECT file, sheet, row_number, '{home}' AS home FROM {home}"
                              for home in ROW_HOMES if home in present)


def row_accounting_problems(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[str]:
    """Every data row of every readable sheet is in exactly one place: master.xref
    or quality.rejected (customer sheets), master.interactions or
    master.transactions (activity sheets): per sheet, the counts add up, and no
    row appears twice."""
    homes = _row_homes(con)
    problems = [
        f"{file} sheet '{sheet}': {data_rows} data rows read, {placed} placed ({where})"
        for file, sheet, data_rows, where, placed in con.execute(f"""
            WITH placed AS (
                SELECT file, sheet, string_agg(home || ': ' || n, ', ' ORDER BY home) AS where_, sum(n) AS placed
                FROM (SELECT file, sheet, home, count(*) AS n FROM ({homes}) GROUP BY ALL)
                GROUP BY file, sheet
            )
            SELECT coalesce(s.file, p.file), coalesce(s.sheet, p.sheet), coalesce(s.data_rows, 0),
                   coalesce(p.where_, 'nowhere'), coalesce(p.placed, 0) AS placed
            FROM (SELECT * FROM quality.sheets WHERE status = 'read') s
            FULL JOIN placed p ON s.file = p.file AND s.sheet = p.sheet
            WHERE coalesce(s.data_rows, 0) <> coalesce(p.placed, 0)
            ORDER BY 1, 2 LIMIT {limit}""").fetchall()
    ]
    problems += [
        f"{file} sheet '{sheet}' row {row}: placed {times} times"
        for file, sheet, row, times in con.execute(f"""
            SELECT file, sheet, row_number, count(*) FROM ({homes})
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


def row_accounting_figures(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The counts row accounting compares: data rows read, and the rows in each home."""
    homes = dict(con.execute(f"SELECT home, count(*) FROM ({_row_homes(con)}) GROUP BY home").fetchall())
    read = con.execute("SELECT coalesce(sum(data_rows), 0) FROM quality.sheets WHERE status = 'read'").fetchone()[0]
    return {"data_rows_read": int(read), **{"rows_in_" + home.replace(".", "_"): homes.get(home, 0)
                                            for home in ROW_HOMES if home in _present(con)}}


def master_id_figures(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows, ids = con.execute("SELECT count(*), count(DISTINCT master_id) FROM master.customers").fetchone()
    return {"rows_in_master_customers": rows, "distinct_master_ids": ids}


def xref_figures(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows, orphans = con.execute("""SELECT count(*), count(*) FILTER (WHERE c.master_id IS NULL)
        FROM master.xref x LEFT JOIN (SELECT DISTINCT master_id FROM master.customers) c USING (master_id)""").fetchone()
    return {"rows_in_master_xref": rows, "xref_rows_pointing_at_no_master": orphans}


def _present(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()}


# The figures each check shows beside its verdict (the UI's check metadata, numbers it can plot).
CHECK_FIGURES = {
    "row accounting": row_accounting_figures,
    "unique master_id": master_id_figures,
    "xref points at a master": xref_figures,
}
