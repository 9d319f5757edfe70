"""`customer-master restore RUN_ID`: put a kept warehouse back (backups/ of the
warehouse's folder, layout.py), with the state its run left, as a new run.

The restored file is a copy of the backup whose meta.runs is the whole ledger
plus the restore's own row (a new run id, `restored_from` naming the run put
back, the restored run's counts); it is swapped in and recorded like any
publish (publish.py), so the next run maps its clusters onto the restored ids.
The stewards' decisions are not part of a backup: they stay as they are.
The read surfaces (read_surfaces.py) are rebuilt from the restored warehouse.
The restored file is written through DuckDB, not copied as bytes, so it is
encrypted when a key is set now (open.py), whatever the backup was."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import uuid
from pathlib import Path

from customer_master.config import DEFAULT_WAREHOUSE
from customer_master.warehouse.layout import Layout, layout
from customer_master.warehouse.lock import WarehouseBusy, run_lock
from customer_master.warehouse.open import EncryptionUnavailable, WarehouseKeyError
from customer_master.warehouse.origin import CLI, LAUNCHED_BY_TAG, run_origin


class NoSuchBackup(ValueError):
    """No kept warehouse of that run."""


def kept_runs(warehouse: Path) -> list[dict]:
    """The ledger lines of the runs whose warehouse is kept, oldest first."""
    where = layout(warehouse)
    return [json.loads((folder / "run.json").read_text(encoding="utf-8")) for folder in where.backup_folders()
            if (folder / "run.json").exists() and where.backup_warehouse(folder).exists()]


def restore_run(warehouse: Path, run_id: str, wait: bool = False) -> dict:
    """Put the kept warehouse of `run_id` (or a unique beginning of it) back; the
    restore's meta.runs row. NoSuchBackup, WarehouseBusy. The restore is kept as a
    backup too; it prunes none (the next run prunes by its --keep-backups)."""
    from customer_master.warehouse.publish import (_build, _install_files, _runs_frame, _swap_in, read_run_history,
                                                   write_frame)

    warehouse = Path(warehouse)
    with run_lock(warehouse, wait=wait, what="restore") as where:
        backup = _find(where, run_id)
        original = json.loads((backup / "run.json").read_text(encoding="utf-8"))
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        run = {**original, "run_id": str(uuid.uuid4()), "started_at": now, "finished_at": now,
               "restored_from": original["run_id"], **run_origin({LAUNCHED_BY_TAG: CLI})}  # who restored
        history = [*read_run_history(warehouse), run]

        def rewrite_runs(con) -> None:
            con.execute("DROP TABLE meta.runs")
            write_frame(con, "meta.runs", _runs_frame(history))

        building = _build(where, run["run_id"], rewrite_runs, start_from=where.backup_warehouse(backup))

        def keep(pending: Path) -> None:
            for part in ("state", "models"):
                if (backup / part).is_dir():
                    _install_files(backup / part, pending / part)

        _swap_in(where, building, run, len(history), keep, None)
    return run


def _find(where: Layout, run_id: str) -> Path:
    matches = where.kept_backups_of(run_id)
    if len(matches) == 1 and run_id:
        return matches[0]
    kept = ", ".join(where.backup_run_id(folder)[:8] for folder in where.backup_folders()) or "none"
    if len(matches) > 1:
        raise NoSuchBackup(f"{run_id!r} names more than one kept run of {where.warehouse}: give more of its id")
    raise NoSuchBackup(f"no kept warehouse of run {run_id!r} for {where.warehouse} (kept: {kept}; "
                       "`customer-master restore --warehouse FILE` lists them)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="customer-master restore",
        description="Put a kept warehouse back, with its state, as a new run; without RUN_ID, list the kept ones. "
                    "Exit 0, 2 when there is no such kept run, 3 when another run on the warehouse is in progress.")
    parser.add_argument("run_id", nargs="?", metavar="RUN_ID", help="the run (or the beginning of its id)")
    parser.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE,
                        help=f"warehouse DuckDB file (default {DEFAULT_WAREHOUSE})")
    parser.add_argument("--wait", action="store_true",
                        help="wait for a run in progress on the warehouse instead of stopping with an error")
    parser.add_argument("--settings", type=Path, default=None,
                        help="the settings whose read_surfaces are rebuilt from the restored warehouse "
                             "(default data/settings.yaml, or CUSTOMER_MASTER_SETTINGS)")
    args = parser.parse_args(argv)
    if not args.run_id:
        kept = kept_runs(args.warehouse)
        if not kept:
            print(f"no kept warehouse for {args.warehouse}")
        for run in kept:
            origin = f" (a restore of {run['restored_from'][:8]})" if run.get("restored_from") else ""
            print(f"{run['run_id']}  finished {str(run.get('finished_at'))[:19]}  "
                  f"{run.get('master_customers', '?')} masters{origin}")
        return 0
    from customer_master.config import DEFAULT_SETTINGS
    from customer_master.settings import SettingsError, load_settings
    from customer_master.warehouse.read_surfaces import ReadSurfaceError, publish_read_surfaces

    try:  # a mistake in the settings stops the restore before it starts
        surfaces = load_settings(args.settings or DEFAULT_SETTINGS).read_surfaces
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        run = restore_run(args.warehouse, args.run_id, wait=args.wait)
    except (NoSuchBackup, WarehouseKeyError, EncryptionUnavailable) as exc:  # a backup encrypted with
        print(f"error: {exc}", file=sys.stderr)  # a key not given, or a key DuckDB cannot encrypt with
        return 2
    except WarehouseBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    print(f"restored the warehouse of run {run['restored_from'][:8]} ({run.get('master_customers', '?')} masters) "
          f"as run {run['run_id']}: {args.warehouse}")
    try:
        with run_lock(args.warehouse, wait=False):  # surfaces of the warehouse in place, not of a run after it
            report = publish_read_surfaces(args.warehouse, surfaces)
    except WarehouseBusy:
        print("read surfaces: a run on the warehouse started meanwhile; it rebuilds them when it ends")
        return 0
    except ReadSurfaceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if surfaces.enabled:
        print(f"read surfaces rebuilt: {report.folder} ({', '.join(report.files)})")
    return 0
