"""Match-quality harness: every benchmark dataset through the pipeline (as an
inbox of department files) and through plain Splink, scored pairwise against
its truth.

Both are also scored at each threshold of THRESHOLD_GRID by re-clustering their
scored pairs (`thresholds.py`), and the best F1 is reported with its threshold.
For the pipeline that is an approximation of a run at that threshold: pairs with
a cannot-link conflict are never edges, but a cluster still holding a conflict is
not split and companies' registered-name links are not added.

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

from customer_master.benchmarks.baseline import record_key, run_baseline
from customer_master.benchmarks.datasets import DATASETS
from customer_master.benchmarks.thresholds import threshold_sweep, warehouse_sweep
from customer_master.evaluate import evaluate_against_truth, pairwise_metrics
from customer_master.match.threshold import DEFAULT_MATCH_THRESHOLD
from customer_master.run_inprocess import run_consolidation

log = logging.getLogger(__name__)


def measure(name: str, threshold: float, baseline: bool = True) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"cm-bench-{name}-") as folder:
        work = Path(folder)
        dataset = DATASETS[name](work)
        started = time.monotonic()
        outcome = run_consolidation(dataset.inbox, work / "w.duckdb", work / "staging", threshold, 1000.0,
                                    review_dir=work / "review")
        if not outcome.success:
            raise RuntimeError(f"{name}: pipeline failed in {outcome.failed_step}: {outcome.error}")
        ours = evaluate_against_truth(outcome.warehouse, dataset.truth)
        seconds = round(time.monotonic() - started, 1)  # the run and its evaluation, not the sweep
        ours.update(warehouse_sweep(outcome.warehouse, dataset.truth))
        result = {"dataset": dataset.name, "records": ours["records"], "true_pairs": ours["true_pairs"],
                  "ours": ours, "ours_seconds": seconds}
        if baseline and dataset.raw:
            started = time.monotonic()
            run = run_baseline(dataset.raw, dataset.family, threshold)
            result["splink_seconds"] = round(time.monotonic() - started, 1)
            result["splink"] = _baseline_metrics(dataset.raw, run.clusters)
            result["splink"].update(threshold_sweep(_baseline_truth(dataset.raw).set_index("key")["actual"],
                                                    run.pairs))
        return result


def _baseline_truth(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """key (as baseline.record_key), actual: the truth entity of every raw record."""
    multi = len(raw) > 1
    return pd.concat([pd.DataFrame({"key": record_key(source, f["unique_id"], multi),
                                    "actual": f["entity_id"].astype(str)}) for source, f in raw.items()],
                     ignore_index=True)


def _baseline_metrics(raw: dict[str, pd.DataFrame], clusters: pd.DataFrame) -> dict:
    truth = _baseline_truth(raw)
    joined = truth.merge(clusters, on="key", how="left")
    missing = joined["cluster"].isna()
    if missing.any():  # Splink clusters every record: a miss means the keys do not line up
        raise RuntimeError(f"plain Splink returned no cluster for {int(missing.sum())} of {len(joined)} records "
                           f"(e.g. {joined.loc[missing, 'key'].iloc[0]!r})")
    con = duckdb.connect()
    con.register("assignments", joined.rename(columns={"cluster": "predicted"})[["predicted", "actual"]])
    return pairwise_metrics(con, "SELECT predicted, actual FROM assignments")


def _best(metrics: dict | None) -> str:
    best = (metrics or {}).get("best")
    return f"{best['f1']:.3f} ({best['threshold']:g})" if best else "–"


def format_table(results: list[dict]) -> str:
    lines = ["| dataset | records | true pairs | ours P | ours R | ours F1 | ours best F1 (at t) "
             "| Splink P | Splink R | Splink F1 | Splink best F1 (at t) | look-alikes merged | ours s | Splink s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        o, s = r["ours"], r.get("splink")
        plain = (f"{s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f}" if s else "– | – | –")
        lines.append(f"| {r['dataset']} | {r['records']:,} | {r['true_pairs']:,} | {o['precision']:.3f} | "
                     f"{o['recall']:.3f} | {o['f1']:.3f} | {_best(o)} | {plain} | {_best(s)} | "
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
