"""Generate the sample inbox (department spreadsheets) and its ground truth.

    python -m customer_master.sample.generate --out data/inbox --truth data/sample_truth.csv [--seed N] [--scale X]

The same seed and scale always give the same files, byte for byte: every
random draw comes from random.Random streams derived from the seed, and
workbook/zip timestamps are fixed.
"""
from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path

from . import departments
from .activity import plan_buyers
from .entities import build_entities
from .layouts_company import build_east_region, build_finance, build_key_accounts
from .layouts_crm import build_sales, build_suppliers, plan_interactions
from .layouts_mixed import build_after_sales, build_channel
from .layouts_person import build_ecommerce, build_retail_stores
from .rowkit import Context
from .truth360 import write_truth_360
from .world import build_world
from .writers import write_table

DEFAULT_SEED = 20261122
# row_kind: record | totals | no_name on customer sheets (sheet_kind customers);
#           interaction | transaction | unknown_customer | no_customer | totals on activity sheets.
# contact_id: the company contact a customer row names (truth_contacts.csv).
TRUTH_COLUMNS = ["source", "file", "sheet", "row_number", "entity_id", "customer_type", "row_kind", "lookalike_group",
                 "sheet_kind", "contact_id"]

BUILDERS = {
    "key_accounts": build_key_accounts,
    "channel": build_channel,
    "east_region": build_east_region,
    "ecommerce": build_ecommerce,
    "retail_stores": build_retail_stores,
    "finance": build_finance,
    "after_sales": build_after_sales,
    "purchasing": build_suppliers,
    "sales": build_sales,
}

SOURCES_YAML = """\
# Per-source overrides. Everything is optional: a folder not listed here works with defaults.
#   party_type:  company | person | auto   (default auto: decided per row)
#   trust_rank:  1 = most trusted; decides which source wins when values conflict
#   description: free text
#   kind:        customers | interactions | transactions | auto   (default auto: told from the headers)
#   roles:       what every customer row says the customer is: customer, debtor, distributor, supplier
#   files:       {"<glob>": {kind: ..., roles: [...]}} overrides kind and roles for matching files
# A header that the alias table does not know can be mapped per source, e.g.
#   columns: {原表头: canonical_field}
# This file was written by customer_master.sample.generate (the sample inbox).
sources:
  key_accounts:
    party_type: company
    trust_rank: 1
    description: 大客户部 (key accounts, title block above the header)
  finance:
    party_type: company
    trust_rank: 2
    description: 财务部 (account opening list with 小计/Total rows; receivables list of debtors)
    files:
      "应收账款*": {kind: customers, roles: [debtor]}
  east_region:
    party_type: company
    trust_rank: 3
    description: 华东大区 (East China provincial office, GBK csv)
  retail_stores:
    party_type: person
    trust_rank: 4
    description: 门店 (one sheet per store)
  ecommerce:
    party_type: person
    trust_rank: 5
    description: 电商 (member and order exports, UTF-8 with BOM)
  channel:
    party_type: auto
    trust_rank: 6
    description: 渠道部 (distributors' customer files, Chinese and English templates; the distributor list)
    columns:
      经销商名称: name
    files:
      "经销商名录*": {kind: customers, roles: [distributor]}
  after_sales:
    party_type: auto
    trust_rank: 7
    description: 售后 (service tickets, companies and persons mixed)
  purchasing:
    party_type: company
    trust_rank: 6
    description: 采购部 (approved supplier list)
    roles: [supplier]
    columns:
      供应商名称: name
  sales:
    party_type: auto
    trust_rank: 8
    description: 销售部 (follow-up log and sales document lines, not customer lists)
    files:
      "客户跟进记录*": {kind: interactions}
      "销售单据明细*": {kind: transactions}
"""


def generate(out_dir, truth_path, seed: int = DEFAULT_SEED, scale: float = 1.0) -> dict:
    """Write the department files under out_dir and the truth CSV; return a summary.

    The summary holds row counts per file and per row_kind, entity counts,
    duplicate_pairs, look-alike group counts, and under "entities" the true
    Company/Person objects (handy for tests that need the real attributes).
    """
    out_dir, truth_path = Path(out_dir), Path(truth_path)
    companies, persons = build_entities(seed, scale)
    plan = departments.plan(seed, companies, persons, scale)
    world = build_world(seed, scale, companies, persons, plan)
    world.buyers = plan_buyers(seed, world, scale)
    world.interactions = plan_interactions(seed, world)
    ctx = Context(seed=seed, brands=world.brands, scale=scale, world=world)

    truth: list[dict] = []
    for source, build in BUILDERS.items():
        for table in build(ctx, plan.get(source, [])):
            truth.extend(write_table(out_dir, table))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "sources.yaml").write_text(SOURCES_YAML, encoding="utf-8")

    truth_path.parent.mkdir(parents=True, exist_ok=True)
    with truth_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=TRUTH_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(truth)
    extra = write_truth_360(truth_path, world, truth, out_dir)
    summary = summarize(truth, companies, persons, seed, scale)
    summary.update(world=world, truth_files=extra)
    return summary


def summarize(truth: list[dict], companies: list, persons: list, seed: int, scale: float) -> dict:
    records = [t for t in truth if t["row_kind"] == "record"]
    activity = [t for t in truth if t["sheet_kind"] != "customers"]
    per_entity = Counter(t["entity_id"] for t in records)
    groups = {e.lookalike_group for e in companies + persons if e.lookalike_group}
    return {
        "seed": seed,
        "scale": scale,
        "rows_per_file": dict(Counter(t["file"] for t in truth)),
        "rows_per_kind": dict(Counter(t["row_kind"] for t in truth)),
        "activity_rows_per_kind": dict(Counter(f"{t['sheet_kind']}:{t['row_kind']}" for t in activity)),
        "rows": len(truth),
        "companies": len(companies),
        "persons": len(persons),
        "entities_with_rows": len(per_entity),
        # Pairs of record rows that belong to the same entity (what dedup must find).
        "duplicate_pairs": sum(n * (n - 1) // 2 for n in per_entity.values()),
        "lookalike_groups": len(groups),
        "company_lookalike_groups": len({c.lookalike_group for c in companies if c.lookalike_group}),
        "person_lookalike_groups": len({p.lookalike_group for p in persons if p.lookalike_group}),
        "entities": {"companies": companies, "persons": persons},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate sample department spreadsheets with ground truth.")
    parser.add_argument("--out", default="data/inbox", help="inbox folder to write (default: data/inbox)")
    parser.add_argument("--truth", default="data/sample_truth.csv", help="truth CSV path")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies entity counts (default 1.0)")
    args = parser.parse_args(argv)
    summary = generate(args.out, args.truth, seed=args.seed, scale=args.scale)
    for path, n in sorted(summary["rows_per_file"].items()):
        print(f"{n:6d}  {path}")
    print(f"{summary['rows']} truth rows {summary['rows_per_kind']}; {summary['companies']} companies, "
          f"{summary['persons']} persons, {summary['duplicate_pairs']} duplicate pairs, "
          f"{summary['lookalike_groups']} look-alike groups")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
