"""Match-quality harness: every benchmark dataset through the pipeline (as an
inbox of department files) and through plain Splink, scored pairwise against
its truth.

    customer-master benchmark-quality [--datasets sample,febrl3,...] [--threshold P] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from customer_master.benchmarks.baseline import baseline_clusters
from customer_master.benchmarks.datasets import DATASETS
from customer_master.evaluate import evaluate_against_truth, pairwise_metrics
from customer_master.match.engine import DEFAULT_MATCH_THRESHOLD
from customer_master.run_inprocess import run_consolidation

log = logging.getLogger(__name__)


def measure(name: str, threshold: float, baseline: bool = True) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"cm-bench-{name}-") as folder:
        work = Path(folder)
        dataset = DATASETS[name](work)
        started = time.monotonic()
        outcome = run_consolidation(dataset.inbox, work / "w.duckdb", work / "staging", threshold, 1000.0)
        if not outcome.success:
            raise RuntimeError(f"{name}: pipeline failed in {outcome.failed_step}: {outcome.error}")
        ours = evaluate_against_truth(outcome.warehouse, dataset.truth)
        result = {"dataset": dataset.name, "records": ours["records"], "true_pairs": ours["true_pairs"],
                  "ours": ours, "ours_seconds": round(time.monotonic() - started, 1)}
        if baseline and dataset.raw:
            started = time.monotonic()
            clusters = baseline_clusters(dataset.raw, dataset.family, threshold)
            result["splink"] = _baseline_metrics(dataset.raw, clusters)
            result["splink_seconds"] = round(time.monotonic() - started, 1)
        return result


def _baseline_metrics(raw: dict[str, pd.DataFrame], clusters: pd.DataFrame) -> dict:
    multi = len(raw) > 1
    truth = pd.concat([pd.DataFrame({"key": (f"{source}|" if multi else "") + f["unique_id"].astype(str),
                                     "actual": f["entity_id"].astype(str)}) for source, f in raw.items()])
    joined = truth.merge(clusters, on="key", how="left")
    joined["predicted"] = joined["cluster"].fillna("unclustered:" + joined["key"])
    con = duckdb.connect()
    con.register("assignments", joined[["predicted", "actual"]])
    return pairwise_metrics(con, "SELECT predicted, actual FROM assignments")


def format_table(results: list[dict]) -> str:
    lines = ["| dataset | records | true pairs | ours P | ours R | ours F1 | Splink P | Splink R | Splink F1 "
             "| look-alikes merged | ours s | Splink s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        o, s = r["ours"], r.get("splink")
        plain = (f"{s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f}" if s else "– | – | –")
        lines.append(f"| {r['dataset']} | {r['records']:,} | {r['true_pairs']:,} | {o['precision']:.3f} | "
                     f"{o['recall']:.3f} | {o['f1']:.3f} | {plain} | "
                     f"{o['lookalike_entity_pairs_merged'] if r['dataset'] == 'sample inbox' else '–'} | "
                     f"{r['ours_seconds']} | {r.get('splink_seconds', '–')} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="customer-master benchmark-quality", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=",".join(DATASETS),
                        help=f"comma-separated, from: {', '.join(DATASETS)} (default: all)")
    parser.add_argument("--threshold", type=float, default=DEFAULT_MATCH_THRESHOLD)
    parser.add_argument("--no-baseline", action="store_true", help="skip plain Splink")
    parser.add_argument("--json", type=Path, help="also write the full results as JSON here")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        parser.error(f"unknown dataset(s): {', '.join(unknown)}")
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    results = []
    for name in names:
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        results.append(measure(name, args.threshold, baseline=not args.no_baseline))
    print(format_table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0
