"""What a sheet holds: customers (the default), interactions (calls, visits,
complaints) or transactions (quotes, orders, payments).

The source mapping can say (`kind:` in sources.yaml, per source or per file);
otherwise the headers tell. Only strong signals count, so a customer list with a
date column or a ticket description stays a customer list."""

from __future__ import annotations

from collections.abc import Sequence

from customer_master.ingest.headers import ACTIVITY_FIELDS, INTERACTION_FIELDS, TRANSACTION_FIELDS

CUSTOMERS, INTERACTIONS, TRANSACTIONS = "customers", "interactions", "transactions"
ACTIVITY_KINDS = (INTERACTIONS, TRANSACTIONS)

# A sheet is about interactions when it says how and what next, about
# transactions when it carries amounts of typed documents or products.
_INTERACTION_SIGNALS = {"channel", "interaction_type", "next_action", "outcome"}
_TRANSACTION_SIGNALS = {"txn_type", "product", "quantity", "doc_number"}


def sheet_kind(fields: Sequence[str | None], configured: str = "auto") -> str:
    if configured != "auto":
        return configured
    present = {f for f in fields if f}
    if "amount" in present and present & _TRANSACTION_SIGNALS:
        return TRANSACTIONS
    if "activity_date" in present and len(present & _INTERACTION_SIGNALS) >= 2:
        return INTERACTIONS
    return CUSTOMERS


def fields_for_kind(fields: Sequence[str | None], kind: str) -> list[str | None]:
    """Fields a sheet of this kind has no use for become extra attributes (kept
    per row as JSON), so nothing is dropped."""
    unused = {CUSTOMERS: set(ACTIVITY_FIELDS),
              INTERACTIONS: set(TRANSACTION_FIELDS) - set(INTERACTION_FIELDS),
              TRANSACTIONS: set(INTERACTION_FIELDS) - set(TRANSACTION_FIELDS)}[kind]
    return [None if f in unused else f for f in fields]
