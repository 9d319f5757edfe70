"""Views for downstream readers: stable shapes over the published tables. A view's
columns and types are a version: to change them, add customer_v2 beside
customer_v1 (and say so in the README) rather than edit v1, so that a reader of v1
keeps working; tests/test_warehouse_contract.py pins each shape."""

from __future__ import annotations

from customer_master.warehouse.schema.columns import View
from customer_master.warehouse.schema.master import CUSTOMERS, XREF

_CUSTOMER_V1_COLUMNS = ("master_id", "customer_type", "name", "legal_form", "reg_place", "branch", "uscc",
                        "id_number", "mobile", "phone", "phone_extension", "email", "contact_name", "address",
                        "province", "city", "district", "postcode", "first_name", "last_name", "birth_date",
                        "gender", "record_count", "source_count", "sources", "first_created_at",
                        "last_updated_at", "created_run")
_SOURCE_ROW_V1_COLUMNS = ("source", "file", "sheet", "row_number", "source_record_id", "row_identity",
                          "master_id", "match_probability")


def _view(name: str, row: str, comment: str, table, names: tuple[str, ...]) -> View:
    """A view of `names` of `table`, each cast to its declared type, with its comment."""
    by_name = {c.name: c for c in table.columns}
    columns = tuple(by_name[n] for n in names)
    select = "SELECT " + ", ".join(f'CAST("{c.name}" AS {c.type}) AS "{c.name}"' for c in columns) \
             + f" FROM {table.name}"
    return View(name, row, comment, select, columns)


CUSTOMER_V1 = _view("master.customer_v1", "golden customer",
                    "The golden customer master for downstream readers, version 1: a stable shape "
                    "(a new version is a new view). Follow retired ids with master.id_history.",
                    CUSTOMERS, _CUSTOMER_V1_COLUMNS)
SOURCE_ROW_V1 = _view("master.source_row_v1", "accepted source row",
                      "Crosswalk for downstream readers, version 1: each department's row (by its lineage or "
                      "its record id) and the golden customer it is in.",
                      XREF, _SOURCE_ROW_V1_COLUMNS)

VIEWS = (CUSTOMER_V1, SOURCE_ROW_V1)
