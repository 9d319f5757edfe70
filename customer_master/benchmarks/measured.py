"""The two measured runs of the scale benchmark, each in a process of its own so
that its peak memory is its own: the pipeline (`customer-master run`'s asset
graph, with the seconds and peak memory of every step) and plain Splink's
train + predict + cluster on the same rows.

    python -m customer_master.benchmarks.measured pipeline --inbox DIR --warehouse FILE --out RESULT.json [--full]
    python -m customer_master.benchmarks.measured splink --warehouse FILE --clusters OUT.parquet --out RESULT.json

The parent (`scale.py`) reads RESULT.json; nothing here prints."""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import threading
import time
from pathlib import Path

from customer_master.match.threshold import DEFAULT_MATCH_THRESHOLD

SAMPLE_EVERY_SECONDS = 0.2


class MemorySampler:
    """The process's resident memory, sampled on a thread, so that a step's peak can
    be read from the samples inside its time window (the process-wide high-water
    mark only gives the peak of the whole run)."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, int]] = []  # (epoch seconds, bytes)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.time(), resident_bytes()))
            self._stop.wait(SAMPLE_EVERY_SECONDS)

    def peak_between(self, start: float, end: float) -> int:
        """The highest sample inside the window; for a window shorter than the
        sampling interval, the last sample before its end."""
        inside = [rss for at, rss in self.samples if start <= at <= end]
        before = [rss for at, rss in self.samples if at <= end]
        return max(inside, default=before[-1] if before else 0)


def resident_bytes(pid: int | str = "self") -> int:
    """A process's resident memory now (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize()
    except (FileNotFoundError, ProcessLookupError):
        return 0


def peak_bytes() -> int:
    """The process's high-water mark of resident memory (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# the figures of a run that say how much of it was computed afresh: asset -> metadata entries
RECOMPUTED = {"validated_rows": ["rows_validated"], "standardised_rows": ["rows_standardised"],
              "matched_clusters": ["rows_new_or_changed", "candidate_pairs_scored", "pairs_carried"],
              "customer_activities": ["rows_scored"]}


def measure_pipeline(inbox: Path, warehouse: Path, staging: Path, full: bool = False) -> dict:
    from customer_master.run_inprocess import run_consolidation

    started = time.time()
    with MemorySampler() as sampler:
        outcome = run_consolidation(inbox, warehouse, staging, DEFAULT_MATCH_THRESHOLD, 1000.0,
                                    review_dir=Path(warehouse).parent / "review", full=full)
    seconds = time.time() - started
    return {"success": outcome.success, "error": outcome.error, "failed_step": outcome.failed_step,
            "seconds": seconds, "peak_bytes": peak_bytes(),
            "files_unchanged": int(outcome.run.get("files_unchanged") or 0) if outcome.success else 0,
            # what a nightly run did not compute again (row_cache.py, match/carried.py)
            "work": {f"{asset}.{name}": getattr(outcome.asset_metadata.get(asset, {}).get(name), "value", None)
                     for asset, names in RECOMPUTED.items() for name in names},
            "steps": [{"step": step, "seconds": end - start, "peak_bytes": sampler.peak_between(start, end)}
                      for step, (start, end) in outcome.steps.items()]}


def measure_splink(warehouse: Path, clusters_out: Path) -> dict:
    """Plain Splink on the pipeline's standardised source rows: the rows the
    pipeline accepted, with the columns Splink's docs would compare."""
    from customer_master.benchmarks.baseline import run_baseline
    from customer_master.warehouse.open import opened_warehouse

    with opened_warehouse(warehouse) as con:
        rows = con.execute(f"SELECT {ROW_KEY_SQL} AS unique_id, name, mobile, phone, email, id_number, uscc, "
                           "birth_date::VARCHAR AS birth_date, city, address FROM master.source_rows").df()
    started = time.time()
    run = run_baseline({"rows": rows}, "customers", DEFAULT_MATCH_THRESHOLD, keep_pairs=False)
    seconds = time.time() - started
    run.clusters.to_parquet(clusters_out)
    return {"success": True, "seconds": seconds, "peak_bytes": peak_bytes()}


# A source row's key in both the pipeline's tables and the truth files.
ROW_KEY_SQL = "file || '|' || sheet || '|' || row_number::VARCHAR"


def _log_to_file(path: Path) -> None:
    """The run's log (per-step counts and timings, the steward's warnings) goes to
    a file beside its figures; the terminal shows only errors, so the report stays
    readable at a million rows."""
    log = logging.getLogger("customer_master")
    log.setLevel(logging.INFO)
    log.propagate = False
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # the steward's warnings may quote a row's cells
    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    to_terminal = logging.StreamHandler()
    to_terminal.setLevel(logging.ERROR)
    log.handlers[:] = [to_file, to_terminal]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["pipeline", "splink"])
    parser.add_argument("--inbox", type=Path)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--staging", type=Path)
    parser.add_argument("--clusters", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--full", action="store_true", help="the pipeline run as `customer-master run --full`")
    args = parser.parse_args(argv)
    _log_to_file(args.out.with_suffix(".log"))
    try:
        if args.what == "pipeline":
            result = measure_pipeline(args.inbox, args.warehouse, args.staging or args.warehouse.with_suffix(".staging"),
                                      args.full)
        else:
            result = measure_splink(args.warehouse, args.clusters)
    except Exception as exc:  # the parent reports it with the figures it has
        result = {"success": False, "error": f"{type(exc).__name__}: {exc}", "peak_bytes": peak_bytes()}
    args.out.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
