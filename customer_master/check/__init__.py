"""Duplicate check: is a new customer already in the master? (`customer-master check`)"""

from customer_master.check.api import CheckResult, DuplicateChecker, check_customer
from customer_master.check.index import CandidateIndex
from customer_master.check.warehouse_file import WarehouseNotFound

__all__ = ["CandidateIndex", "CheckResult", "DuplicateChecker", "WarehouseNotFound", "check_customer"]
