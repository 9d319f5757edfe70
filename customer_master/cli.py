"""`customer-master` command line: run the consolidation in-process, evaluate it
against a truth file, check a new customer against the master, review doubtful
matches, write the sample inbox, run the benchmarks."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
import time
from pathlib import Path

from customer_master.config import DEFAULT_INBOX, DEFAULT_KEEP_BACKUPS, DEFAULT_REVIEW_DIR, DEFAULT_WAREHOUSE
from customer_master.ingest.inbox import DEFAULT_MAX_FILE_MB
from customer_master.match.engines import DEFAULT_ENGINE, DEFAULT_SPARK_MASTER, ENGINES
from customer_master.match.threshold import DEFAULT_MATCH_THRESHOLD


# Subcommands with their own argument parser: name -> (module with main(argv), help).
SUBCOMMANDS = {
    "sample": ("customer_master.sample.generate", "write the synthetic sample inbox and its truth files"),
    "check": ("customer_master.check.cli",
              "is a new customer already known? the most likely existing masters with the evidence"),
    "review": ("customer_master.review.cli",
               "steward review: export doubtful pairs, import decisions, detach a row"),
    "report": ("customer_master.report.cli",
               "a run's data-quality report as one HTML page that opens offline, or a department's rows to fix as xlsx"),
    "restore": ("customer_master.warehouse.restore",
                "put a kept warehouse back, with its state, as a new run (without RUN_ID: list them)"),
    "benchmark-quality": ("customer_master.benchmarks.match_quality",
                          "match quality on every benchmark dataset, ours vs plain Splink"),
    "benchmark-scale": ("customer_master.benchmarks.scale",
                        "a generated inbox of N rows: per-step time and memory, plain Splink, a nightly run"),
    "benchmark-standardise": ("customer_master.benchmarks.standardise_speed",
                              "time the standardise stage on 1,000,000 realistic rows built in memory"),
    "benchmark-check": ("customer_master.benchmarks.check_speed",
                        "time the duplicate check on a warehouse of 1,000,000 masters"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="customer-master", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="consolidate the inbox into the warehouse (the same asset graph as Dagster)")
    run.add_argument("--inbox", type=Path, default=DEFAULT_INBOX, help=f"inbox folder (default {DEFAULT_INBOX})")
    run.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE,
                     help=f"warehouse DuckDB file (default {DEFAULT_WAREHOUSE})")
    run.add_argument("--threshold", type=float, default=DEFAULT_MATCH_THRESHOLD,
                     help=f"match probability at which rows merge (default {DEFAULT_MATCH_THRESHOLD})")
    run.add_argument("--max-file-mb", type=float, default=DEFAULT_MAX_FILE_MB,
                     help=f"files larger than this are rejected (default {DEFAULT_MAX_FILE_MB:g})")
    run.add_argument("--settings", type=Path, default=None,
                     help="business rules of the Customer 360 tables (default data/settings.yaml, "
                          "or CUSTOMER_MASTER_SETTINGS; a missing file means the defaults)")
    run.add_argument("--review-dir", type=Path, default=DEFAULT_REVIEW_DIR, metavar="DIR",
                     help="the review folder: filled-in workbooks are imported from DIR/inbox, the run's "
                          f"workbook is written to DIR/to_review (default {DEFAULT_REVIEW_DIR}, "
                          "or CUSTOMER_MASTER_REVIEW)")
    run.add_argument("--keep-backups", type=int, default=DEFAULT_KEEP_BACKUPS, metavar="N",
                     help="published warehouses kept, with their state, for `customer-master restore` "
                          f"(default {DEFAULT_KEEP_BACKUPS}, or CUSTOMER_MASTER_KEEP_BACKUPS)")
    run.add_argument("--wait", action="store_true",
                     help="when another run on the warehouse is in progress, wait for it to finish "
                          "(default: stop at once with an error, exit 3)")
    run.add_argument("--full", action="store_true",
                     help="train both match models afresh, and validate, standardise and score every row "
                          "again (default: use the last run's models while the rows have not drifted, and its "
                          "results for unchanged files and rows)")
    run.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                     help=f"where Splink trains, scores and clusters (default {DEFAULT_ENGINE}; spark needs the "
                          "spark extra and Java 17; both give the same masters)")
    run.add_argument("--spark-master", default=DEFAULT_SPARK_MASTER, metavar="URL",
                     help=f"the Spark master of --engine spark (default {DEFAULT_SPARK_MASTER}, or "
                          "CUSTOMER_MASTER_SPARK_MASTER)")
    run.add_argument("--quiet", action="store_true", help="no progress lines, only the summary")

    evaluate = commands.add_parser("evaluate", help="pairwise precision/recall/F1 of a warehouse against a truth file")
    evaluate.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE)
    evaluate.add_argument("--truth", type=Path, default=Path("data/sample_truth.csv"))

    for name, (_, help_text) in SUBCOMMANDS.items():
        commands.add_parser(name, add_help=False, help=f"{help_text} (see `{name} --help`)")

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] and argv[0] in SUBCOMMANDS:  # each has its own parser, loaded only when asked for
        module = importlib.import_module(SUBCOMMANDS[argv[0]][0])
        return module.main(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "run":
        return _run(args)
    return _evaluate(args)


def _run(args: argparse.Namespace) -> int:
    _setup_logging(quiet=args.quiet)
    if not args.inbox.is_dir():
        print(f"error: inbox folder not found: {args.inbox}", file=sys.stderr)
        return 2
    if args.settings is not None and not args.settings.is_file():
        print(f"error: settings file not found: {args.settings}", file=sys.stderr)
        return 2
    from customer_master.match.threshold import MatchSettingError, check_match_settings

    try:
        check_match_settings(args.threshold, keys={"match_threshold": "--threshold"})
    except MatchSettingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.keep_backups < 0:
        print(f"error: --keep-backups must be 0 or more, not {args.keep_backups}", file=sys.stderr)
        return 2
    from customer_master.warehouse.open import EncryptionUnavailable, check_encryption_ready

    try:  # a key this DuckDB cannot encrypt with stops the run before it starts
        check_encryption_ready()
    except EncryptionUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from customer_master.match.engines import EngineUnavailable, check_engine_available

    try:  # pyspark or Java missing for --engine spark: say what to install before the run starts
        check_engine_available(args.engine)
    except EngineUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from customer_master.run_inprocess import run_consolidation

    from customer_master.settings import SettingsError
    from customer_master.warehouse.lock import WarehouseBusy

    started = time.monotonic()
    try:
        outcome = run_consolidation(args.inbox, args.warehouse, None, args.threshold, args.max_file_mb,
                                    args.settings, wait=args.wait, keep_backups=args.keep_backups, full=args.full,
                                    review_dir=args.review_dir, engine=args.engine,
                                    spark_master=args.spark_master)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except WarehouseBusy as exc:
        print(f"error: {exc}; try again when it has finished, or run with --wait", file=sys.stderr)
        return 3
    if not outcome.success:
        where = f"in step '{outcome.failed_step}'" if outcome.failed_step else "before its first step"
        print(f"\nerror: the run failed {where}: {outcome.error}", file=sys.stderr)
        print(outcome.failure_consequence(), file=sys.stderr)
        return 1
    print(outcome.format_summary(time.monotonic() - started))
    return 0 if outcome.checks_passed else 1


def _evaluate(args: argparse.Namespace) -> int:
    from customer_master.evaluate import TRUTH_COLUMNS, evaluate_warehouse
    from customer_master.warehouse.published import NotAWarehouse, read_published

    try:
        with read_published(args.warehouse, ("master.xref", "quality.rejected")):
            pass
    except NotAWarehouse as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    problem = _truth_problem(args.truth, TRUTH_COLUMNS)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    metrics = evaluate_warehouse(args.warehouse, args.truth)
    print(json.dumps(metrics, indent=2, ensure_ascii=False))
    return 0


def _truth_problem(path: Path, columns: list[str]) -> str | None:
    """Why the truth file cannot be read (None when it can)."""
    if not path.is_file():
        return f"truth file not found: {path}"
    try:
        with path.open(encoding="utf-8") as fh:
            header = fh.readline().strip().split(",")
    except (UnicodeDecodeError, OSError) as exc:
        return f"{path} is not a UTF-8 truth CSV ({exc})"
    missing = [c for c in columns if c not in header]
    return f"{path} is not a truth CSV: no column {', '.join(missing)}" if missing else None


def _setup_logging(quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    logger = logging.getLogger("customer_master")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    logger.propagate = False


if __name__ == "__main__":
    sys.exit(main())
