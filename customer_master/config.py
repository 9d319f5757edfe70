"""Default locations, overridable by environment variables so the CLI, the
Dagster UI and the tests can point one pipeline at different folders."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_INBOX = Path(os.environ.get("CUSTOMER_MASTER_INBOX", "data/inbox"))
DEFAULT_WAREHOUSE = Path(os.environ.get("CUSTOMER_MASTER_WAREHOUSE", "data/warehouse/customer_master.duckdb"))
# filled-in review workbooks go into <review dir>/inbox/
DEFAULT_REVIEW_DIR = Path(os.environ.get("CUSTOMER_MASTER_REVIEW", "data/review"))
# the business rules of the customer 360 tables (settings.py); a missing file means the defaults
DEFAULT_SETTINGS = Path(os.environ.get("CUSTOMER_MASTER_SETTINGS", "data/settings.yaml"))

# how many published warehouses (each with its state) are kept for `customer-master restore`
DEFAULT_KEEP_BACKUPS = int(os.environ.get("CUSTOMER_MASTER_KEEP_BACKUPS", "3"))
