"""How fast the duplicate check answers on a warehouse of a million masters.

    customer-master benchmark-check [--masters 1000000] [--queries 500] [--seed 1]
                                    [--cache DIR] [--models FILE] [--rebuild]

Builds (once; cached under --cache, default $TMPDIR/customer-master-benchmark) a
DuckDB warehouse with the tables the check reads: every master one distinct
entity of the sample generator (`sample.entities.build_entities` over as many
seeds as needed, as `benchmarks/inputs.py` does), one row each as a department
types it (`inputs._row`), standardised in bulk by the pipeline's own stage, with
the Splink models of a real run (the models of --models, default the sample
warehouse; without one, the sample inbox is consolidated first), their prior
scaled to the warehouse's rows (`scaled_model`: the pipeline would estimate a
prior some 300 times smaller on a million rows than on the sample's 3,500).
Then it loads the checker once and times single-record checks without a
customer type (the CLI's default: scored as company and as person): noisy
variants of masters in the warehouse (another spelling of the name, plus one of
mobile / e-mail / credit code) and customers that are not there (entities of an
unused seed none of whose checked values is in the warehouse; see
`absent_records`). It prints the load time, the peak memory, the median and 95th
percentile latency, the top-1 hit rate and how many absent customers got an
answer above the threshold.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from customer_master.warehouse.open import opened_warehouse

from customer_master.match.stored_models import prior_for_rows
from customer_master.match.threshold import DEFAULT_MATCH_THRESHOLD

log = logging.getLogger(__name__)

PROJECT = Path(__file__).resolve().parents[2]
SAMPLE_WAREHOUSE = PROJECT / "data" / "warehouse" / "customer_master.duckdb"
SAMPLE_INBOX = PROJECT / "data" / "inbox"
ABSENT_SEED_OFFSET = 7_777  # entities of this seed are never in the warehouse ...
ABSENT_SCALE = 5.0  # ... but few of their companies have a registered name no master has:
ABSENT_SEEDS = 12  # as many seeds as needed, up to this many (build_entities runs out of brands above scale ~6)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _entities(masters: int, seed: int):
    """At least `masters` distinct entities (companies and persons), shuffled."""
    from customer_master.benchmarks.inputs import ENTITY_SCALE
    from customer_master.sample.entities import build_entities

    entities, n = [], 0
    scale = ENTITY_SCALE if masters > 20_000 else max(0.5, masters / 1300)
    while len(entities) < masters:
        companies, persons = build_entities(seed * 1000 + n, scale)
        entities += companies + persons
        n += 1
    random.Random(f"{seed}:check-masters").shuffle(entities)
    return entities[:masters]


def models_json(models_from: Path | None, work: Path) -> dict[str, tuple[str, int]]:
    """customer_type -> (trained model JSON, rows of that type it was trained on), from
    a published warehouse (or a fresh consolidation of the sample inbox)."""
    source = models_from or SAMPLE_WAREHOUSE
    if not source.is_file():
        from customer_master.run_inprocess import run_consolidation

        source = work / "sample" / "customer_master.duckdb"
        if not source.is_file():
            source.parent.mkdir(parents=True, exist_ok=True)
            outcome = run_consolidation(SAMPLE_INBOX, source, source.parent / "staging",
                                        review_dir=source.parent / "review")
            if not outcome.success:
                raise RuntimeError(f"sample run failed: {outcome.error}")
    with opened_warehouse(source) as con:
        return {t: (m, n) for t, m, n in con.execute(
            "SELECT m.customer_type, m.model_json, count(i.customer_type) FROM master.models m "
            "LEFT JOIN master.match_input i USING (customer_type) GROUP BY ALL").fetchall()}


def scaled_model(model_json: str, trained_rows: int, rows: int) -> str:
    """The model with its prior (probability that two random rows match) for `rows`
    rows instead of the `trained_rows` it was estimated on. The pipeline estimates the
    prior as expected matches / pairs (`match.stored_models.prior_for_rows`), so a model
    trained on the 1,800 rows of the sample would overstate it some 300 times on half a
    million."""
    model = json.loads(model_json)
    prior = model["probability_two_random_records_match"]
    model["probability_two_random_records_match"] = prior_for_rows(prior, trained_rows, rows) \
        if rows > trained_rows else prior
    return json.dumps(model, ensure_ascii=False)


def _store_models(con, trained: dict[str, tuple[str, int]]) -> None:
    """master.models (priors scaled to the warehouse's rows) and bench.models (as trained)."""
    rows = dict(con.execute("SELECT customer_type, count(*) FROM master.match_input GROUP BY 1").fetchall())
    frame = pd.DataFrame([(t, m, n, rows.get(t, 0), scaled_model(m, n, rows.get(t, 0)))
                          for t, (m, n) in trained.items()],
                         columns=["customer_type", "model_json", "trained_rows", "rows", "scaled_json"])
    con.register("frame", frame)
    for table, columns in (("bench.models", "customer_type, model_json, trained_rows, rows"),
                           ("master.models", "customer_type, scaled_json AS model_json")):
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {columns} FROM frame")
    con.unregister("frame")


def build_warehouse(path: Path, masters: int, seed: int, models: dict[str, tuple[str, int]],
                    threshold: float = DEFAULT_MATCH_THRESHOLD) -> None:
    """A warehouse of `masters` masters, one row each, with the tables the check reads."""
    from customer_master.benchmarks.inputs import _row, ingest_shaped
    from customer_master.match.features import match_input, matching_frame, typed_features
    from customer_master.match.models import TRAINING
    from customer_master.sample.entities import Company
    from customer_master.standardise.stage import standardise_rows

    started = time.monotonic()
    entities = _entities(masters, seed)
    brands = {e.brand for e in entities if isinstance(e, Company)}
    rng = random.Random(f"{seed}:check-rows")
    records, sources = [], []
    for e in entities:
        source = rng.choice(["key_accounts", "finance", "channel"] if isinstance(e, Company)
                            else ["ecommerce", "retail_stores"])
        records.append(_row(rng, source, e, brands))
        sources.append(source)
    frame = ingest_shaped(records, sources)
    print(f"  {len(frame):,} rows built in {time.monotonic() - started:.0f} s; standardising ...", file=sys.stderr)
    logging.getLogger("customer_master.standardise").setLevel(logging.WARNING)
    standardised = standardise_rows(frame)
    master_of = pd.Series([f"B{i:09d}" for i in range(len(frame))], index=standardised["row_key"].to_numpy())
    features = pa.concat_tables([typed_features(matching_frame(standardised[standardised.customer_type == t]), t)
                                 for t in TRAINING])
    matched = match_input(features, master_of)
    customers = standardised[["customer_type", "name", "mobile", "phone", "email", "address", "city"]].copy()
    customers.insert(0, "master_id", master_of.to_numpy())
    runs = pd.DataFrame({"run_id": [f"benchmark-{masters}-{seed}"], "started_at": [pd.Timestamp.now()],
                         "finished_at": [pd.Timestamp.now()], "match_threshold": [threshold]})
    entity_rows = pd.DataFrame({"master_id": master_of.to_numpy(), "entity_index": range(len(frame))})
    print(f"  standardised in {time.monotonic() - started:.0f} s; writing {path} ...", file=sys.stderr)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with duckdb.connect(str(partial)) as con:
        for schema in ("master", "meta", "bench"):
            con.execute(f"CREATE SCHEMA {schema}")
        for name, table in (("master.match_input", matched), ("master.customers", customers),
                            ("meta.runs", runs), ("bench.entities", entity_rows)):
            con.register("frame", table)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
            con.unregister("frame")
        _store_models(con, models)
    os.replace(partial, path)
    print(f"  warehouse ready in {time.monotonic() - started:.0f} s", file=sys.stderr)


def queries(masters: int, seed: int, n: int, path: Path) -> tuple[list[tuple[dict, str]], list[dict]]:
    """(record, its master_id) for noisy variants of masters in the warehouse, and
    records of customers that are not there. A variant's second field is one its
    master's row holds (the department may have left the e-mail blank)."""
    from customer_master.sample.entities import Company

    entities = _entities(masters, seed)
    rng = random.Random(f"{seed}:check-queries")
    brands = {e.brand for e in entities if isinstance(e, Company)}
    picked = rng.sample(range(len(entities)), min(n, len(entities)))
    with duckdb.connect(str(path), read_only=True) as con:
        held = {row[0]: {f for f, v in zip(("phone", "phone", "email", "uscc"), row[1:]) if v is not None}
                for row in con.execute("SELECT row_key, mobile, phone, email, uscc FROM master.match_input "
                                       "WHERE row_key IN (SELECT unnest(?::BIGINT[]))", [picked]).fetchall()}
    present = []
    for i in picked:
        present.append((variant_record(rng, entities[i], brands, held.get(i)), f"B{i:09d}"))
    return present, absent_records(rng, seed, n, path, brands)


def absent_records(rng: random.Random, seed: int, n: int, path: Path, brands: set[str]) -> list[dict]:
    """Records of n customers that are not in the warehouse. Entities of an unused seed
    are not enough: the generator's small vocabulary (brand characters, trades, cities;
    e-mail domains from the brand's pinyin) gives most of their companies a
    master with the same registered name, city and e-mail domain, a duplicate by
    everything the check sees. So a record counts as absent only when the warehouse
    holds none of its phone, e-mail, credit code and, for a company, its registered name
    (name_core) or own e-mail domain. Persons may share a name with a master
    (namesakes, as in any million); each record says so under "namesake". Companies and
    persons in the generator's proportion."""
    from customer_master.sample.entities import build_entities

    kept = {"company": [], "person": []}
    share = None
    for k in range(ABSENT_SEEDS):  # more seeds until enough companies are absent
        companies, persons = build_entities(seed * 1000 + ABSENT_SEED_OFFSET + k, ABSENT_SCALE)
        share = share or len(companies) / (len(companies) + len(persons))
        rng.shuffle(companies)
        rng.shuffle(persons)
        for record, absent, namesake in _absent_of(rng, companies + persons, path, brands):
            if absent:
                kept[record.pop("customer_type")].append({**record, "namesake": namesake})
        if len(kept["company"]) >= n * share and len(kept["person"]) >= n * (1 - share):
            break
    wanted_companies = min(round(n * share), len(kept["company"]))
    out = kept["company"][:wanted_companies] + kept["person"][:n - wanted_companies]
    rng.shuffle(out)
    return out


def _absent_of(rng: random.Random, entities: list, path: Path, brands: set[str]):
    """(record with its customer_type, absent?, a person sharing a master's name?) per entity."""
    from customer_master.check.query import query_values

    candidates = [variant_record(rng, e, brands, typed=True) for e in entities]
    values = [query_values(**record) for record in candidates]
    checked = {"name_core": "company", "email_domain": "company", "name": "person",
               "mobile": None, "phone": None, "email": None, "uscc": None}
    held = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for column, only in checked.items():
            wanted = sorted({v[column] for v in values if v[column] is not None})
            of_type = f"customer_type = '{only}' AND " if only else ""
            held[column] = {row[0] for row in con.execute(
                f"SELECT DISTINCT {column} FROM master.match_input WHERE {of_type}"
                f"{column} IN (SELECT unnest(?::VARCHAR[]))", [wanted]).fetchall()}
    for record, v in zip(candidates, values):
        own = ["mobile", "phone", "email", "uscc"]
        if v["customer_type"] == "company":
            own += ["name_core"] + ([] if v["free_mail"] else ["email_domain"])
        absent = all(v[c] is None or v[c] not in held[c] for c in own)
        yield record, absent, v["customer_type"] == "person" and v["name"] in held["name"]


def variant_record(rng: random.Random, entity, brands: set[str], fields: set[str] | None = None,
                   typed: bool = False) -> dict:
    """A record the way a salesperson types a customer: another spelling of the name
    (`sample.variants`) and one of mobile / e-mail / credit code (of `fields`, when
    given); with the customer type only when `typed` (a user usually leaves it out)."""
    from customer_master.sample import variants
    from customer_master.sample.entities import Company

    if isinstance(entity, Company):
        record = {"name": variants.company_name(rng, entity, brands)}
        choices = [("phone", entity.contact_mobile), ("uscc", variants.uscc(rng, entity.uscc))]
    else:
        record = {"name": variants.person_name(rng, entity)}
        choices = [("phone", entity.mobile)]
    if entity.email:
        choices.append(("email", entity.email))
    if typed:
        record["customer_type"] = entity.customer_type
    if fields is not None:
        choices = [c for c in choices if c[0] in fields] or choices
    field, value = rng.choice(choices)
    record[field] = value
    return record


def run(masters: int, n_queries: int, seed: int, cache: Path, models_from: Path | None = None,
        rebuild: bool = False, out=sys.stdout) -> dict:
    from customer_master.check import DuplicateChecker

    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"check-{masters}-{seed}.duckdb"
    trained = models_json(models_from, cache)
    if rebuild or not path.is_file() or not _models_fit(path, trained):
        print(f"building a warehouse of {masters:,} masters at {path} ...", file=sys.stderr)
        build_warehouse(path, masters, seed, trained)
    present, absent = queries(masters, seed, n_queries, path)
    gc.collect()
    started = time.monotonic()
    checker = DuplicateChecker(path)
    load_seconds = time.monotonic() - started
    checker.check(**present[0][0])  # warm-up: first-call caches
    times, hits, absent_times, found_absent, namesakes_above = [], 0, [], 0, 0
    for record, master_id in present:
        t = time.perf_counter()
        found = checker.check(**record)
        times.append((time.perf_counter() - t) * 1000)
        hits += bool(found) and found[0].master_id == master_id
    for record in absent:
        record = dict(record)
        namesake = record.pop("namesake")
        t = time.perf_counter()
        found = checker.check(**record)
        absent_times.append((time.perf_counter() - t) * 1000)
        above = any(r.above_threshold for r in found)
        found_absent += above
        namesakes_above += above and namesake
    every = sorted(times + absent_times)
    with duckdb.connect(str(path), read_only=True) as con:
        scaling = con.execute("SELECT customer_type, trained_rows, rows FROM bench.models ORDER BY 1").fetchall()
    figures = {
        "masters": checker.index.stats.masters, "rows": sum(checker.index.stats.rows.values()),
        "load_seconds": load_seconds, "peak_rss_mb": _peak_rss_mb(),
        "median_ms": statistics.median(every), "p95_ms": every[int(0.95 * (len(every) - 1))],
        "median_present_ms": statistics.median(times), "median_absent_ms": statistics.median(absent_times),
        "top1_rate": hits / len(present), "present": len(present),
        "absent": len(absent), "absent_above_threshold": found_absent,
        "absent_namesakes": sum(r["namesake"] for r in absent), "absent_namesakes_above": namesakes_above,
    }
    print(f"duplicate check on {figures['masters']:,} masters ({path})", file=out)
    print("  models      the sample run's, prior scaled to the rows here ("
          + ", ".join(f"{t}: trained on {trained_rows:,} rows, {rows:,} here" for t, trained_rows, rows in scaling)
          + "); records checked without a type (as company and person)", file=out)
    print(f"  load        {load_seconds:.1f} s, peak memory {figures['peak_rss_mb']:,.0f} MB", file=out)
    print(f"  latency     median {figures['median_ms']:.2f} ms, p95 {figures['p95_ms']:.2f} ms "
          f"over {len(every)} single-record checks (known: median {figures['median_present_ms']:.2f} ms, "
          f"absent: median {figures['median_absent_ms']:.2f} ms)", file=out)
    print(f"  top-1 hit   {figures['top1_rate']:.3f} of {len(present)} noisy variants of known masters", file=out)
    print(f"  absent      {found_absent} of {len(absent)} customers not in the warehouse answered above the "
          f"threshold {checker.threshold:g} ({namesakes_above} of the {figures['absent_namesakes']} persons "
          f"sharing a name with a master); none of their phones, e-mails, credit codes or company names "
          f"and domains is in the warehouse", file=out)
    return figures


def _models_fit(path: Path, trained: dict[str, tuple[str, int]]) -> bool:
    """Whether a cached warehouse holds these models (a cache from before the priors
    were scaled gets its master.models rewritten in place)."""
    with duckdb.connect(str(path)) as con:
        tables = {r[0] for r in con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()}
        stored = dict(con.execute("SELECT customer_type, model_json FROM "
                                  + ("bench.models" if "bench.models" in tables else "master.models")).fetchall())
        if stored != {t: m for t, (m, _) in trained.items()}:
            return False
        if "bench.models" not in tables:
            _store_models(con, trained)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="customer-master benchmark-check",
                                     description="time the duplicate check on a warehouse of N masters")
    parser.add_argument("--masters", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=500, help="checks of known masters (and as many absent)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "customer-master-benchmark",
                        help="folder for the built warehouse (reused when present)")
    parser.add_argument("--models", type=Path, default=None,
                        help="warehouse whose trained models to use (default: the sample warehouse)")
    parser.add_argument("--rebuild", action="store_true", help="build the warehouse again")
    args = parser.parse_args(argv)
    if args.masters < 100 or args.queries < 1:
        parser.error("--masters must be at least 100 and --queries at least 1")
    run(args.masters, args.queries, args.seed, args.cache, args.models, args.rebuild)
    return 0
