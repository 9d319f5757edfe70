"""`customer-master report [RUN_ID]`: write a run's data-quality report, one HTML
page that opens offline (default: the run whose warehouse is in place, into
<warehouse>.d/reports/<run_id>/report.html), or with --department SOURCE that
department's rejects and field issues as a workbook for it to fix its files.

Exit 0, or 2 with one line `error: ...` when the warehouse is none, no warehouse
of that run is in place or kept, the department is unknown or the file cannot be
written."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from customer_master.config import DEFAULT_WAREHOUSE
from customer_master.language import LANGUAGES


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="customer-master report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_id", nargs="?", metavar="RUN_ID",
                        help="the run (its id or a unique beginning; default: the run whose warehouse is in "
                             "place; an earlier run while its warehouse is kept in backups/)")
    parser.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE,
                        help=f"warehouse DuckDB file (default {DEFAULT_WAREHOUSE})")
    parser.add_argument("--language", choices=LANGUAGES,
                        help="labels in Chinese or English (default: `language` in the settings file, "
                             "else the locale's)")
    parser.add_argument("--settings", type=Path, default=None,
                        help="the settings file whose `language` is the default (default data/settings.yaml, "
                             "or CUSTOMER_MASTER_SETTINGS)")
    parser.add_argument("--department", metavar="SOURCE",
                        help="write this department's (inbox folder's) rows to fix as an xlsx instead")
    parser.add_argument("--out", type=Path,
                        help="where to write (default: <warehouse>.d/reports/<run_id>/report.html, "
                             "or department-SOURCE.xlsx there)")
    args = parser.parse_args(argv)

    from customer_master.report.department import export_department
    from customer_master.report.write import find_run, write_report
    from customer_master.settings import SettingsError, load_settings
    from customer_master.warehouse.layout import layout

    if args.settings is not None and not args.settings.is_file():
        print(f"error: settings file not found: {args.settings}", file=sys.stderr)
        return 2
    try:
        language = args.language or load_settings(args.settings).language
        if args.department:
            source, run_id = find_run(args.warehouse, args.run_id)
            out = args.out or layout(args.warehouse).run_report(run_id) / f"department-{args.department}.xlsx"
            rows = export_department(source, args.department, out, language)
            print(f"{rows['rejected_rows']} quarantined rows, {rows['field_issues']} field issues and "
                  f"{rows['rejected_files']} files or sheets not read of {args.department} (run {run_id[:8]}) "
                  f"written to {out}")
        else:
            report = write_report(args.warehouse, args.run_id, language, args.out)
            print(f"report of run {report.run_id[:8]} written to {report.page}")
    except (ValueError, SettingsError) as exc:  # no warehouse, no such run or department, a bad setting
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the file cannot be written (--out is a folder, no permission)
        print(f"error: {exc.filename or 'report'}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0

