"""The lines of a run's one-screen summary: what `customer-master run` prints and
what the UI shows on customer_warehouse (the same text in both places)."""

from __future__ import annotations


def summary_lines(r: dict, rejected_by_reason: dict[str, int]) -> list[str]:
    """From files to review due. r: the run's counts (a meta.runs row, or the publish step's summary)."""
    lines = [
        f"  files          {r['files_read']} read"
        + (f" ({int(r['files_unchanged'])} unchanged since the last run, not read again)"
           if r.get("files_unchanged") else "")
        + f", {r['files_rejected']} rejected"
        f" ({r['sheets_rejected']} sheet{'' if r['sheets_rejected'] == 1 else 's'} without a customer header)",
        f"  rows           {r['rows_ingested']} ingested: {r['rows_accepted']} accepted, "
        + (f"{int(r['activity_rows'])} activity rows, " if r.get("activity_rows") else "")
        + f"{r['rows_rejected']} quarantined ({r['blank_rows_skipped']} blank and "
        f"{r['header_rows_skipped']} repeated header rows skipped)",
        *[f"                   {n:>6}  {reason}" for reason, n in rejected_by_reason.items()],
        f"  field issues   {r['field_issues']}",
        f"  masters        {r['master_customers']} ({r['company_masters']} companies, "
        f"{r['person_masters']} persons); {r['duplicates_merged']} duplicate rows merged",
        f"  master ids     {r['master_ids_kept']:.0f} kept, {r['master_ids_created']:.0f} new, "
        f"{r['master_ids_retired']:.0f} retired (see master.id_history)",
    ]
    if r.get("contacts") is None:
        return lines

    def linked(kind: str) -> str:
        total, unresolved = int(r[kind]), int(r[f"{kind}_unresolved"])
        return f"{total} {kind} ({total - unresolved} linked to a master, {unresolved} unresolved)"

    return lines + [f"  customer 360   {int(r['contacts'])} contacts, {int(r['relationships'])} relationships",
                    f"                 {linked('interactions')}",
                    f"                 {linked('transactions')}",
                    f"  review due     {int(r['review_due'])} masters (see quality.review_due)"]
