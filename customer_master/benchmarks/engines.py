"""Both match engines on one inbox: `customer-master run --full --engine E` for E in
duckdb and spark, each in a process of its own on a fresh warehouse, with its time,
the peak resident memory of its whole process tree (the run and, for Spark, the JVM
it starts) and its match step's seconds; then whether the two warehouses hold the
same masters.

    python -m customer_master.benchmarks.engines --inbox DIR [--work DIR] [--spark-master local[2]]

A generated inbox of N rows: `customer-master sample --out DIR --truth T.csv --scale X`
(benchmark-scale writes one the same way)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb

from customer_master.match.engines import DEFAULT_SPARK_MASTER, ENGINES

SAMPLE_EVERY_SECONDS = 0.5


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    parent = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(parent, []).append(int(entry))
    return tree


def tree_resident_bytes(pid: int) -> int:
    """The resident memory of a process and all its descendants now."""
    tree, total, todo = _children(), 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(tree.get(current, []))
        try:
            with open(f"/proc/{current}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            pass
    return total


def measured_run(engine: str, inbox: Path, warehouse: Path, spark_master: str) -> dict:
    """One full run on a fresh warehouse: seconds, peak GiB of its process tree, exit code."""
    command = [sys.executable, "-m", "customer_master.cli", "run", "--inbox", str(inbox), "--warehouse",
               str(warehouse), "--full", "--engine", engine, "--spark-master", spark_master]
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    log = warehouse.with_suffix(".log")
    started = time.monotonic()
    with log.open("w") as out:
        # the run's review workbook beside its warehouse, not in the folder it was started from
        env = {**os.environ, "CUSTOMER_MASTER_REVIEW": str(warehouse.parent / "review")}
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        peak, done = [0], threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], tree_resident_bytes(child.pid))
                done.wait(SAMPLE_EVERY_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = child.wait()
        done.set()
        sampler.join()
    return {"engine": engine, "seconds": round(time.monotonic() - started, 1), "peak_gib": round(peak[0] / 2**30, 2),
            "exit_code": code, "match_seconds": _match_seconds(log), "log": str(log)}


def _match_seconds(log: Path) -> float | None:
    """The match step's seconds, from the run's progress lines (HH:MM:SS of the first
    and last line naming `match`)."""
    stamps = [line.split()[0] for line in log.read_text(errors="replace").splitlines()
              if " match " in line and line[:2].isdigit()]
    if len(stamps) < 2:
        return None
    seconds = [int(h) * 3600 + int(m) * 60 + int(s) for h, m, s in (stamp.split(":") for stamp in stamps)]
    return float((seconds[-1] - seconds[0]) % 86400)


def same_masters(left: Path, right: Path) -> dict:
    """Whether two warehouses hold the same golden records (every column but the run
    that created them) and the same master for every source row."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{left}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{right}' AS b (READ_ONLY)")
    columns = [c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE database_name = 'a' "
                                         "AND schema_name = 'master' AND table_name = 'customers' "
                                         "AND column_name <> 'created_run'").fetchall()]
    listed = ", ".join(f'"{c}"' for c in columns)
    customers = con.execute(f"SELECT count(*) FROM ((SELECT {listed} FROM a.master.customers EXCEPT ALL "
                            f"SELECT {listed} FROM b.master.customers) UNION ALL (SELECT {listed} FROM "
                            f"b.master.customers EXCEPT ALL SELECT {listed} FROM a.master.customers))").fetchone()[0]
    xref = con.execute("SELECT count(*) FROM a.master.xref x JOIN b.master.xref y USING (source, file, sheet, "
                       "row_number) WHERE x.master_id <> y.master_id").fetchone()[0]
    masters = con.execute("SELECT (SELECT count(*) FROM a.master.customers), "
                          "(SELECT count(*) FROM b.master.customers)").fetchone()
    return {"masters": list(masters), "customers_differing": customers, "rows_with_another_master": xref}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m customer_master.benchmarks.engines", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inbox", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=None, help="where the warehouses go (default: a temp folder)")
    parser.add_argument("--spark-master", default=DEFAULT_SPARK_MASTER)
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES),
                        help="the engines to run (default both; the masters are compared when both ran)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="cm-engines-"))
    runs = {engine: measured_run(engine, args.inbox, work / engine / "customer_master.duckdb", args.spark_master)
            for engine in args.engines}
    result = {"runs": runs}
    if len(runs) == len(ENGINES) and all(run["exit_code"] == 0 for run in runs.values()):
        result["same_masters"] = same_masters(*(work / engine / "customer_master.duckdb" for engine in ENGINES))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
