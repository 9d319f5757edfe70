"""`customer-master review export | import | detach`: the steward's side of matching.

Exit 0, or 2 with one line `error: ...` naming the file (for an import, the sheet
and the rows) when the warehouse or the workbook is none, a filled-in line cannot
be stored, the band is out of range, the row to detach is not there or a run on
the warehouse is in progress (decisions are not stored while a run reads them)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import pandas as pd

from customer_master.config import DEFAULT_WAREHOUSE
from customer_master.match.threshold import check_match_settings
from customer_master.review.decisions import DEFAULT_BAND, add_decisions
from customer_master.language import LANGUAGES
from customer_master.review.export import export_review
from customer_master.review.workbook import import_workbook
from customer_master.settings import load_settings
from customer_master.warehouse.lock import WarehouseBusy
from customer_master.warehouse.published import read_published


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="customer-master review", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="write the doubtful pairs of the last run to a workbook")
    export.add_argument("--out", type=Path, default=Path("data/review/review.xlsx"))
    export.add_argument("--band", type=float, nargs=2, metavar=("LOW", "HIGH"),
                        help="match probabilities to review (default: the last run's review band, "
                             f"run config review_from/review_to, {DEFAULT_BAND[0]} {DEFAULT_BAND[1]} unless set)")
    export.add_argument("--language", choices=LANGUAGES,
                        help="labels in Chinese or English (default: `language` in the settings file, else the "
                             "locale's)")
    imported = commands.add_parser("import", help="store the decisions filled in a review workbook")
    imported.add_argument("workbook", type=Path)
    imported.add_argument("--reviewer", help="who decided (default: the workbook's last author); who imported "
                                             "(OS user, host) is recorded as well")
    detach = commands.add_parser("detach", help="take one source row out of its master")
    for name in ("source", "file", "sheet"):
        detach.add_argument(f"--{name}", required=name != "sheet", default="")
    detach.add_argument("--row", type=int, required=True, help="the row number a person sees in Excel")
    detach.add_argument("--reviewer", default="cli")
    for sub in (export, imported, detach):
        sub.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE)
    args = parser.parse_args(argv)
    try:
        if args.command == "export" and args.band:
            check_match_settings(review_band=args.band, keys={"review_from": "--band LOW", "review_to": "--band HIGH"})
        if args.command == "export":
            language = args.language or load_settings().language
            done = export_review(args.warehouse, args.out, tuple(args.band) if args.band else None, language)
            print(f"{done.pairs} pairs to review ({done.waiting} without a decision) written to {args.out}")
        elif args.command == "import":
            with read_published(args.warehouse, ("master.xref",)):  # decisions are kept beside a warehouse
                pass
            done = import_workbook(args.warehouse, args.workbook, args.reviewer)
            already = f", {done.already} already imported (the same workbook)" if done.already else ""
            print(f"{done.stored} decisions stored{already}; the next run applies them")
        else:
            _detach(args)
    except (ValueError, WarehouseBusy) as exc:  # no warehouse, no workbook, a line that cannot be stored, a band
        print(f"error: {exc}", file=sys.stderr)   # out of range; a run in progress on the warehouse
        return 2
    except OSError as exc:  # the workbook cannot be written (--out is a folder, no permission)
        print(f"error: {exc.filename or args.command}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


def _detach(args: argparse.Namespace) -> None:
    with read_published(args.warehouse, ("master.xref",)) as con:
        found = con.execute("SELECT row_identity, master_id FROM master.xref WHERE source = ? AND file = ? "
                            "AND sheet = ? AND row_number = ?",
                            [args.source, args.file, args.sheet, args.row]).fetchone()
    if not found:
        raise ValueError(f"no accepted row {args.source} / {args.file} / '{args.sheet}' / row {args.row}")
    add_decisions(args.warehouse, pd.DataFrame([{
        "row_identity_l": found[0], "row_identity_r": None, "decision": "detach", "decided_by": args.reviewer,
        "decided_at": pd.Timestamp(dt.datetime.now(dt.timezone.utc)).tz_localize(None), "workbook": ""}]))
    print(f"row detached from {found[1]}; the next run gives it a master of its own")
