"""`customer-master check`: is a new customer already in the master?

    customer-master check --name 上海华信科技 --phone 13800138000 [--email E] [--uscc U]
                          [--address A] [--mobile M] [--type company|person] [--top N]
                          [--json] [--warehouse FILE]

Prints the most likely existing masters, most likely first, with the type of
the model that scored each (without --type the record is checked as a company
and as a person, and the answers are ranked together by match weight), the match
probability, whether it reaches the run's match threshold, the golden name and
contacts, and the evidence (match weight per compared field, strongest first).
Exit 0 (also when nothing looks like the record), 2 for bad arguments or a
warehouse file that is missing or none (one line naming the file).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from customer_master.check.api import CheckResult, DuplicateChecker
from customer_master.check.warehouse_file import NotAWarehouse, WarehouseNotFound
from customer_master.config import DEFAULT_WAREHOUSE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="customer-master check",
        description="Is this customer already in the master? Prints the most likely existing masters "
                    "with their match probability and the evidence per field.")
    parser.add_argument("--name", help="customer name (company or person), as typed")
    parser.add_argument("--phone", help="phone, mobile or landline (routed by what it is)")
    parser.add_argument("--mobile", help="mobile phone")
    parser.add_argument("--email")
    parser.add_argument("--uscc", help="unified social credit code")
    parser.add_argument("--address")
    parser.add_argument("--type", dest="customer_type", choices=("company", "person"),
                        help="customer type (default: checked as company and as person, answers ranked "
                             "together by match weight)")
    parser.add_argument("--top", type=int, default=5, help="how many masters to show (default 5)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--warehouse", type=Path, default=None,
                        help=f"published warehouse (default {DEFAULT_WAREHOUSE}, or CUSTOMER_MASTER_WAREHOUSE)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not args.name or not args.name.strip():
        parser.print_usage(sys.stderr)
        print("customer-master check: error: --name is required (the customer's name as typed)", file=sys.stderr)
        return 2
    if args.top < 1:
        print("customer-master check: error: --top must be at least 1", file=sys.stderr)
        return 2
    warehouse = args.warehouse or DEFAULT_WAREHOUSE
    try:
        checker = DuplicateChecker(warehouse)
    except WarehouseNotFound:
        print(f"customer-master check: error: no warehouse at {warehouse}; run `customer-master run` first "
              "(or pass --warehouse FILE)", file=sys.stderr)
        return 2
    except NotAWarehouse as exc:
        print(f"customer-master check: error: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    results = checker.check(args.name, phone=args.phone, mobile=args.mobile, email=args.email, uscc=args.uscc,
                            address=args.address, customer_type=args.customer_type, top=args.top)
    elapsed_ms = (time.perf_counter() - started) * 1000
    checked_as = list(checker.checked_as(args.customer_type))
    if args.json:
        print(json.dumps({"warehouse": str(warehouse), "run_id": checker.index.stats.run_id,
                          "threshold": checker.threshold, "customer_type": args.customer_type,
                          "checked_as": checked_as, "results": [r.as_dict() for r in results]},
                         ensure_ascii=False, indent=2))
        return 0
    print(render_table(results, checker.threshold, checked_as, elapsed_ms))
    return 0


def render_table(results: list[CheckResult], threshold: float, checked_as: list[str], elapsed_ms: float) -> str:
    above = [r for r in results if r.above_threshold]
    lines = [f"checked as {' and '.join(checked_as)}; match threshold {threshold:g}; "
             f"answered in {elapsed_ms:.1f} ms (first check of this process)"]
    if not results:
        lines.append("no existing master looks like this (no candidate shares a name, identifier or contact)")
        return "\n".join(lines)
    if not above:
        lines.append(f"no existing master looks like this (none reaches {threshold:g}); closest:")
    header = ["#", "master_id", "type", "probability", "match", "name", "phone", "email", "city"]
    rows = []
    for r in results:
        rows.append([str(r.rank), r.master_id, r.customer_type, _probability(r.probability),
                     "yes" if r.above_threshold else "no", r.name or "", r.mobile or r.phone or "", r.email or "",
                     r.city or ""])
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines.append("  ".join(_pad(h, w) for h, w in zip(header, widths)).rstrip())
    for r, row in zip(results, rows):
        lines.append("  ".join(_pad(v, w) for v, w in zip(row, widths)).rstrip())
        evidence = ", ".join(f"{field} {weight:+.2f}" for field, weight in r.evidence.items() if weight != 0)
        lines.append(" " * (widths[0] + 2) + "evidence: " + (evidence or "none"))
    return "\n".join(lines)


def _probability(p: float) -> str:
    if p >= 0.9999:
        return f"{p:.6f}"
    return f"{p:.4f}"


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
