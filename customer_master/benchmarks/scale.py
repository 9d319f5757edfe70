"""Scale benchmark: a generated inbox of about N source rows with truth, through
the pipeline and through plain Splink's train + predict + cluster on the same
rows; then one new department file of 2,000 rows and a nightly run.

    customer-master benchmark-scale --rows 200000 [--repeat 3] [--work DIR] [--generated DIR]

Prints, as medians over --repeat full runs (each on a fresh warehouse): per-step
seconds and peak memory of the pipeline, both totals, their ratios, and the
pairwise precision / recall / F1 of both against the truth. Then the nightly
run after the new file: its time as a share of the full run, and how far its
masters are from a full run (`--full`) from the same warehouse on the same inbox
(master ids and pairs).

Each measured run is a process of its own (`measured.py`), so its peak memory
is its own and not the generator's or the other run's."""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from customer_master.benchmarks.measured import ROW_KEY_SQL, resident_bytes
from customer_master.benchmarks.scale_inbox import (NEW_FILE_ROWS, NotGenerated, generated_parts, prepare_inbox,
                                                     split_off_new_file)
from customer_master.evaluate import evaluate_against_truth, pairwise_metrics
from customer_master.warehouse.layout import layout
from customer_master.warehouse.open import attach_warehouse, opened_warehouse

GIB = 1024 ** 3
MEMORY_LIMIT_GIB = 18.0  # a measured run past this is stopped (the machine has 24 GiB), and the report says so


class RunStopped(RuntimeError):
    """A measured run went past the memory limit and was stopped."""


def _child(what: str, out: Path, limit_gib: float, flags: tuple[str, ...] = (), **paths: Path) -> dict:
    """Run one measured run in its own process, stopping it past `limit_gib` of
    resident memory rather than letting the machine's out-of-memory killer pick a
    process."""
    command = [sys.executable, "-m", "customer_master.benchmarks.measured", what, "--out", str(out), *flags]
    for name, path in paths.items():
        command += [f"--{name}", str(path)]
    started = time.monotonic()
    process = subprocess.Popen(command)
    peak = 0
    while process.poll() is None:
        peak = max(peak, resident_bytes(process.pid))
        if peak > limit_gib * GIB:
            process.kill()
            process.wait()
            raise RunStopped(f"{what} run stopped at {peak / GIB:.1f} GiB after {time.monotonic() - started:.0f} s "
                             f"(limit {limit_gib:g} GiB)")
        time.sleep(0.5)
    if process.returncode != 0:
        raise RuntimeError(f"{what} run exited with {process.returncode}")
    result = json.loads(out.read_text())
    if not result.get("success"):
        raise RuntimeError(f"{what} run failed: {result.get('failed_step', '')} {result.get('error', '')}")
    return result


def _pipeline(inbox: Path, folder: Path, limit_gib: float, full: bool = False) -> tuple[dict, Path]:
    """One pipeline run on the warehouse in `folder` (a folder per warehouse: what a
    run keeps beside its warehouse is its own); `full`: as `customer-master run --full`."""
    folder.mkdir(parents=True, exist_ok=True)
    warehouse = folder / "w.duckdb"
    try:
        result = _child("pipeline", folder / f"result-{time.monotonic_ns()}.json", limit_gib,
                        ("--full",) if full else (), inbox=inbox, warehouse=warehouse, staging=folder / "staging")
    except RunStopped as stopped:
        raise RunStopped(f"{stopped}; steps done: {', '.join(steps_done(folder / 'staging')) or 'none'}") from None
    return result, warehouse


def steps_done(staging: Path) -> list[str]:
    """The steps whose results a run handed on so far (staging/<run_id>/<step>/)."""
    return sorted({p.name for p in staging.glob("*/*") if p.is_dir() and not p.name.endswith(".writing")})


def _splink_metrics(clusters: Path, truth: pd.DataFrame, warehouse: Path) -> dict:
    """Plain Splink's clusters against the truth, scored like the pipeline's: a
    record it never saw (the pipeline quarantined it) is a cluster of its own."""
    con = duckdb.connect()
    attach_warehouse(con, warehouse, "wh")
    con.register("truth_frame", _records(truth))
    con.register("clusters", pd.read_parquet(clusters))
    return pairwise_metrics(con, """
        SELECT coalesce(c.cluster, 'unseen: ' || t.key) AS predicted, t.entity_id AS actual
        FROM truth_frame t LEFT JOIN clusters c USING (key)""")


def _records(truth: pd.DataFrame) -> pd.DataFrame:
    records = truth[truth["row_kind"] == "record"]
    key = records["file"] + "|" + records["sheet"].fillna("") + "|" + records["row_number"].astype(str)
    return pd.DataFrame({"key": key, "entity_id": records["entity_id"].astype(str)})


def _masters(warehouse: Path) -> pd.DataFrame:
    with opened_warehouse(warehouse) as con:
        return con.execute(f"SELECT {ROW_KEY_SQL} AS key, file, master_id FROM master.xref").df()


def _activity_links(warehouse: Path) -> pd.DataFrame:
    """key, customer per activity row: the customer it is linked to, named by the first
    source row of its master (ids may differ between runs), or None when unresolved."""
    with opened_warehouse(warehouse) as con:
        return con.execute(f"""
            WITH named AS (SELECT master_id, min({ROW_KEY_SQL}) AS customer FROM master.xref GROUP BY 1),
                 links AS (SELECT file, sheet, row_number, master_id FROM master.interactions
                           UNION ALL SELECT file, sheet, row_number, master_id FROM master.transactions)
            SELECT {ROW_KEY_SQL} AS key, n.customer FROM links LEFT JOIN named n USING (master_id)""").df()


def compare_activity_links(nightly: Path, full: Path) -> float:
    """The share of activity rows the nightly run links to the customer a full run links them
    to (both unresolved counts as the same)."""
    both = _activity_links(nightly).merge(_activity_links(full), on="key", suffixes=("", "_full"))
    same = (both["customer"] == both["customer_full"]) | (both["customer"].isna() & both["customer_full"].isna())
    return float(same.mean()) if len(both) else 1.0


def compare_masters(nightly: Path, full: Path, before: Path, new_file: str) -> dict:
    """How far the nightly run's masters are from a full run's (`--full`, from the
    same warehouse) on the same inbox.
    A row is untouched when no row of the new file joined its master; for those,
    the share with the same master id as the full run, and the share that kept
    their id from the night before. And the pairwise agreement of the two
    clusterings over every row (1.0: the same masters)."""
    night, fresh, prior = _masters(nightly), _masters(full), _masters(before)
    touched = set(night.loc[night["file"] == new_file, "master_id"])
    both = night.merge(fresh, on="key", suffixes=("", "_full"))
    untouched = both[~both["master_id"].isin(touched)]
    kept = untouched.merge(prior, on="key", suffixes=("", "_before"))
    con = duckdb.connect()
    con.register("both_runs", both)
    agreement = pairwise_metrics(con, "SELECT master_id AS predicted, master_id_full AS actual FROM both_runs")
    return {"untouched_rows": len(untouched), "touched_masters": len(touched),
            "same_id_as_full_run": float((untouched["master_id"] == untouched["master_id_full"]).mean()),
            "kept_id_from_before": float((kept["master_id"] == kept["master_id_before"]).mean()),
            "pair_agreement_f1": agreement["f1"]}


def _median_steps(runs: list[dict]) -> list[dict]:
    steps = [s["step"] for s in runs[0]["steps"]]
    return [{"step": step,
             "seconds": statistics.median(next(s["seconds"] for s in r["steps"] if s["step"] == step) for r in runs),
             "peak_bytes": statistics.median(next(s["peak_bytes"] for s in r["steps"] if s["step"] == step)
                                             for r in runs)}
            for step in steps]


def run_benchmark(rows: int, work: Path, repeat: int = 3, baseline: bool = True, nightly: bool = True,
                  seed: int | None = None, limit_gib: float = MEMORY_LIMIT_GIB, say=print,
                  generated: Path | None = None) -> dict:
    inbox, truth_csv = work / "inbox", work / "truth.csv"
    started = time.monotonic()
    prepare_inbox(work, rows, seed, generated)
    truth = pd.read_csv(truth_csv, dtype=str, keep_default_na=False)
    new = split_off_new_file(inbox, truth, NEW_FILE_ROWS, work / "held_out")
    truth_before = new.truth[new.truth["file"] != new.file]
    result = {"rows": len(truth_before), "generate_seconds": time.monotonic() - started,
              "new_file": new.file, "new_file_rows": int((new.truth["file"] == new.file).sum())}
    how = f"copied from {generated}" if generated is not None else "generated"
    say(f"benchmark-scale: {result['rows']:,} source rows {how} in {result['generate_seconds']:.0f} s under {work}")

    runs, first_warehouse = [], None
    for attempt in range(repeat):
        run, warehouse = _pipeline(inbox, work / f"full-{attempt}", limit_gib)
        first_warehouse = first_warehouse or warehouse
        runs.append(run)
        say(f"  pipeline run {attempt + 1}/{repeat}: {run['seconds']:.1f} s, peak {run['peak_bytes'] / GIB:.2f} GiB")
    result["pipeline"] = {"seconds": statistics.median(r["seconds"] for r in runs),
                          "peak_bytes": statistics.median(r["peak_bytes"] for r in runs),
                          "steps": _median_steps(runs),
                          "quality": evaluate_against_truth(first_warehouse, truth_before)}

    if baseline:
        splink_runs = []
        for attempt in range(repeat):
            out = work / f"splink-{attempt}"
            out.mkdir(exist_ok=True)
            splink_runs.append(_child("splink", out / "result.json", limit_gib, warehouse=first_warehouse,
                                      clusters=out / "clusters.parquet"))
            say(f"  plain Splink run {attempt + 1}/{repeat}: {splink_runs[-1]['seconds']:.1f} s, "
                f"peak {splink_runs[-1]['peak_bytes'] / GIB:.2f} GiB")
        result["splink"] = {"seconds": statistics.median(r["seconds"] for r in splink_runs),
                            "peak_bytes": statistics.median(r["peak_bytes"] for r in splink_runs),
                            "quality": _splink_metrics(work / "splink-0" / "clusters.parquet", truth_before,
                                                       first_warehouse)}

    if nightly:
        before = work / "before-nightly.duckdb"
        shutil.copy2(first_warehouse, before)
        # the full run to compare with starts from the same warehouse and what it keeps
        # beside it, as the weekly full run would: the ids the night before gave are its too
        _copy_warehouse_folder(first_warehouse, work / "full-after")
        new.destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(new.held_out, new.destination)
        night, _ = _pipeline(inbox, first_warehouse.parent, limit_gib)
        say(f"  nightly run after the new file: {night['seconds']:.1f} s")
        full, full_warehouse = _pipeline(inbox, work / "full-after", limit_gib, full=True)
        say(f"  full run (--full) from the same warehouse on the same inbox: {full['seconds']:.1f} s")
        result["nightly"] = {"seconds": night["seconds"], "full_seconds": full["seconds"],
                             "files_unchanged": night["files_unchanged"],
                             "work": night.get("work", {}), "full_work": full.get("work", {}),
                             "steps": _step_seconds(night), "full_steps": _step_seconds(full),
                             "quality": evaluate_against_truth(first_warehouse, new.truth),
                             "activity_links_as_full_run": compare_activity_links(first_warehouse, full_warehouse),
                             **compare_masters(first_warehouse, full_warehouse, before, new.file)}
    return result


def _copy_warehouse_folder(warehouse: Path, folder: Path) -> None:
    """The warehouse file and its `<warehouse>.d/` (state, models, kept rows) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(warehouse, folder / warehouse.name)
    kept = layout(warehouse).folder
    if kept.exists():
        shutil.copytree(kept, layout(folder / warehouse.name).folder, symlinks=True)


def _step_seconds(run: dict) -> dict[str, float]:
    return {step["step"]: step["seconds"] for step in run["steps"]}


def format_report(result: dict) -> str:
    pipeline = result["pipeline"]
    lines = ["", f"benchmark-scale: {result['rows']:,} source rows (medians of the full runs)",
             f"  {'step':<44}{'seconds':>9}{'peak GiB':>10}"]
    lines += [f"  {s['step']:<44}{s['seconds']:>9.1f}{s['peak_bytes'] / GIB:>10.2f}" for s in pipeline["steps"]]
    lines.append(f"  {'pipeline, ingest to publish':<44}{pipeline['seconds']:>9.1f}{pipeline['peak_bytes'] / GIB:>10.2f}")
    splink = result.get("splink")
    if splink:
        lines.append(f"  {'plain Splink, train + predict + cluster':<44}{splink['seconds']:>9.1f}"
                     f"{splink['peak_bytes'] / GIB:>10.2f}")
        lines.append(f"  {'ratio, pipeline / plain Splink':<44}{pipeline['seconds'] / splink['seconds']:>9.2f}"
                     f"{pipeline['peak_bytes'] / splink['peak_bytes']:>10.2f}")
    lines.append("  pairwise quality        precision  recall      F1")
    for name, part in (("pipeline", pipeline), ("plain Splink", splink)):
        if part:
            q = part["quality"]
            lines.append(f"    {name:<22}{q['precision']:>9.4f}{q['recall']:>8.4f}{q['f1']:>8.4f}")
    night = result.get("nightly")
    if night:
        lines += [
            f"  nightly run after one new file ({result['new_file']}, {result['new_file_rows']:,} rows): "
            f"{night['seconds']:.1f} s = {night['seconds'] / night['full_seconds']:.0%} of a full run "
            f"(--full) from the same warehouse on the same inbox ({night['full_seconds']:.1f} s); "
            f"{night['files_unchanged']} files unchanged, "
            "not read again",
            f"    rows of masters the new file did not touch ({night['untouched_rows']:,}; "
            f"{night['touched_masters']:,} masters touched): "
            f"{night['same_id_as_full_run']:.2%} have the full run's master id, "
            f"{night['kept_id_from_before']:.2%} kept the id of the night before",
            "    computed afresh, nightly / full run: " + ", ".join(
                f"{name.split('.')[1].replace('_', ' ')} {value:,} / {night['full_work'].get(name) or 0:,}"
                for name, value in night["work"].items() if value is not None),
            "    steps, nightly / full run (s): " + ", ".join(
                f"{step} {seconds:.1f} / {night['full_steps'].get(step, 0):.1f}"
                for step, seconds in sorted(night["steps"].items(), key=lambda kv: -kv[1])),
            f"    pairs: the nightly masters agree with the full run's at F1 {night['pair_agreement_f1']:.4f}; "
            f"against the truth P {night['quality']['precision']:.4f} R {night['quality']['recall']:.4f} "
            f"F1 {night['quality']['f1']:.4f}",
            f"    activity rows linked to the customer the full run links them to: "
            f"{night['activity_links_as_full_run']:.2%}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="customer-master benchmark-scale", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000, help="source rows to generate (default 200000)")
    parser.add_argument("--repeat", type=int, default=3, help="full runs of each, for medians (default 3)")
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the inbox and warehouses (default: a temporary folder, removed after)")
    parser.add_argument("--no-baseline", action="store_true", help="skip plain Splink")
    parser.add_argument("--no-nightly", action="store_true", help="skip the new file and the nightly run")
    parser.add_argument("--seed", type=int, default=None, help="the generator's seed (default: its own)")
    parser.add_argument("--generated", type=Path, default=None, metavar="DIR",
                        help="use the inbox generated earlier in DIR (DIR/inbox, DIR/truth.csv, as the sample "
                             "generator's --out and --truth write them) instead of generating one; the benchmark "
                             "works on a copy, DIR is not changed, and --rows and --seed do not apply")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    parser.add_argument("--max-memory-gib", type=float, default=MEMORY_LIMIT_GIB,
                        help=f"stop a measured run past this resident memory (default {MEMORY_LIMIT_GIB:g})")
    args = parser.parse_args(argv)
    if args.rows < 5 * NEW_FILE_ROWS or args.repeat < 1:
        parser.error(f"--rows must be at least {5 * NEW_FILE_ROWS} and --repeat at least 1")
    if args.generated is not None:
        try:
            generated_parts(args.generated)
        except NotGenerated as missing:
            parser.error(str(missing))
    work = args.work or Path(tempfile.mkdtemp(prefix="cm-scale-"))
    if args.work and any(args.work.iterdir() if args.work.exists() else []):
        parser.error(f"--work {args.work} is not empty")
    work.mkdir(parents=True, exist_ok=True)
    try:
        result = run_benchmark(args.rows, work, args.repeat, not args.no_baseline, not args.no_nightly, args.seed,
                               args.max_memory_gib, generated=args.generated)
    except RunStopped as stopped:
        print(f"benchmark-scale: {stopped}", file=sys.stderr)
        return 1
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(format_report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
