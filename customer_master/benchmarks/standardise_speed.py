"""How fast the standardise stage runs on a large, realistic input.

    customer-master benchmark-standardise [--rows N] [--repeat K] [--validate]

Builds an ingest-shaped table of N rows in memory (see `inputs.py`: several
hundred thousand distinct entities, typed with the sample generator's spelling
noise), then times `standardise_rows` K times on it and prints each time, the
median, rows per second and the peak resident memory. Every run starts with
the per-value caches emptied. With --validate it also
times `validate_rows` once on the same rows.

Run it with the environment as it is: on some processors this workplace sets
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (older OpenBLAS builds crash without them);
the stage does no linear algebra, so they do not change its figures.
"""

from __future__ import annotations

import argparse
import gc
import logging
import resource
import statistics
import sys
import time


def clear_caches() -> None:
    """Empty the per-value caches (functools.lru_cache) of the standardise modules,
    so each timed run starts cold, as a pipeline run in a fresh process does."""
    for name, module in list(sys.modules.items()):
        if name.startswith("customer_master.standardise") and module is not None:
            for value in vars(module).values():
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="customer-master benchmark-standardise", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows to build (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of the stage (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the input (default 1)")
    parser.add_argument("--validate", action="store_true", help="also time validate_rows once on the same rows")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")
    logging.getLogger("customer_master").setLevel(logging.WARNING)

    from customer_master.benchmarks.inputs import build_rows, distinct_counts
    from customer_master.standardise.stage import standardise_rows

    started = time.perf_counter()
    rows = build_rows(args.rows, args.seed)
    built = time.perf_counter() - started
    print(f"rows            {len(rows):,}")
    print(f"build           {built:.1f} s (not counted)")
    print("distinct values " + ", ".join(f"{c} {n:,}" for c, n in distinct_counts(rows).items()))
    print(f"peak RSS        {_peak_rss_mb():,.0f} MiB after the build")
    sys.stdout.flush()

    if args.validate:
        from customer_master.validate import validate_rows

        clear_caches()
        started = time.perf_counter()
        result = validate_rows(rows)
        seconds = time.perf_counter() - started
        print(f"validate_rows   {seconds:.1f} s ({len(rows) / seconds:,.0f} rows/s): {len(result.accepted):,} accepted, "
              f"{len(result.rejected):,} quarantined, {len(result.field_issues):,} field issues")
        del result
        gc.collect()
        sys.stdout.flush()

    times = []
    for run in range(1, args.repeat + 1):
        clear_caches()
        started = time.perf_counter()
        out = standardise_rows(rows)
        times.append(time.perf_counter() - started)
        print(f"standardise #{run}  {times[-1]:.1f} s ({len(out):,} rows out)")
        sys.stdout.flush()
        del out
        gc.collect()
    median = statistics.median(times)
    print(f"median          {median:.1f} s over {args.repeat} run(s), {len(rows) / median:,.0f} rows/s")
    print(f"peak RSS        {_peak_rss_mb():,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
