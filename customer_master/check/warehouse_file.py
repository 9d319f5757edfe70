"""Reading what the duplicate check needs from a published warehouse file.

The pipeline swaps a new file in with os.replace; a read that saw the file change
under it reads again, and the file's stamp tells a loaded index when it is stale."""

from __future__ import annotations

import json
import os
from pathlib import Path

from customer_master.match.scoring import quoted
from customer_master.warehouse.published import NotAWarehouse, WarehouseNotFound, read_published

__all__ = ["MATCH_INPUT_ROWS", "NotAWarehouse", "WarehouseNotFound", "file_stamp", "read_warehouse"]
TABLES = ("master.match_input", "master.models", "master.customers", "meta.runs")
# master.match_input as the models compare it: the birthday, a DATE in the warehouse,
# as the ISO text of the matching frame (match/features.py)
MATCH_INPUT_ROWS = "SELECT * REPLACE (CAST(birth_date AS VARCHAR) AS birth_date) FROM master.match_input"


def file_stamp(path: Path) -> tuple:
    """(inode, mtime_ns, size): changes when a new file is swapped in."""
    info = os.stat(path)
    return info.st_ino, info.st_mtime_ns, info.st_size


def read_warehouse(path: Path, display_columns: list[str]):
    """match_input and customers (Arrow tables), models (type -> JSON dict), the
    last run's threshold (None if unknown) and run_id, and the file's stamp. NotAWarehouse
    (WarehouseNotFound when nothing is there) naming the file when it is none."""
    path = Path(path)
    for _ in range(3):  # a publish may swap the file in while we read: read again
        stamp = file_stamp(path) if path.is_file() else None  # (read_published says what else it is)
        with read_published(path, TABLES) as con:
            match_input = con.sql(MATCH_INPUT_ROWS).to_arrow_table()
            models = {t: json.loads(m) for t, m in
                      con.execute("SELECT customer_type, model_json FROM master.models").fetchall()}
            shown = ", ".join(["master_id", *map(quoted, display_columns)])
            customers = con.sql(f"SELECT {shown} FROM master.customers").to_arrow_table()
            run = con.execute("SELECT run_id, match_threshold FROM meta.runs "
                              "ORDER BY finished_at DESC NULLS LAST, started_at DESC LIMIT 1").fetchall()
        if file_stamp(path) == stamp:
            break
    threshold = float(run[0][1]) if run and run[0][1] is not None else None
    return match_input, models, threshold, customers, (run[0][0] if run else None), stamp
