"""Is this new customer already known? The check as a Python call.

    from customer_master.check import DuplicateChecker
    checker = DuplicateChecker("data/warehouse/customer_master.duckdb")   # loads once
    for hit in checker.check(name="上海华信科技", phone="13800138000"):
        print(hit.master_id, hit.customer_type, hit.probability, hit.above_threshold, hit.evidence)

Without a customer_type the record is scored as a company and as a person (a
short company name such as 鹏天食品 looks like a person's name), and the answers
of both models are ranked together by match weight.

or `check_customer(warehouse_or_index, name=..., ...)`, which keeps one loaded
index per warehouse file. The index reloads by itself when the pipeline
publishes a new warehouse."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from customer_master.check.index import CandidateIndex
from customer_master.check.query import CUSTOMER_TYPES, query_values


@dataclass
class CheckResult:
    rank: int
    master_id: str
    probability: float
    match_weight: float
    above_threshold: bool
    evidence: dict[str, float]  # match weight per compared field, strongest first
    customer_type: str = ""  # the model that scored it: company or person (the master's type)
    name: str | None = None
    mobile: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    city: str | None = None
    source_row_key: int | None = None  # the master's row that scored best

    def as_dict(self) -> dict:
        return asdict(self)


class DuplicateChecker:
    def __init__(self, index_or_warehouse: CandidateIndex | Path | str):
        self.index = index_or_warehouse if isinstance(index_or_warehouse, CandidateIndex) else \
            CandidateIndex.from_warehouse(index_or_warehouse)

    @property
    def threshold(self) -> float:
        return self.index.threshold

    def check(self, name: str, phone: str | None = None, email: str | None = None, uscc: str | None = None,
              address: str | None = None, customer_type: str | None = None, top: int = 5,
              mobile: str | None = None) -> list[CheckResult]:
        """The `top` most likely existing masters of this record, most likely first.
        phone may be a mobile or a landline (standardisation routes it).
        customer_type company | person scores the record with that type's model
        only; None (or "auto") scores it as both and ranks all answers together
        by match weight (each result says which model scored it)."""
        if not name or not str(name).strip():
            raise ValueError("a name is needed to check a customer")
        types = self.checked_as(customer_type)
        records = [query_values(name, phone=phone, email=email, uscc=uscc, address=address,
                                customer_type=t, mobile=mobile) for t in types]
        found = self.index.score_records(records, top=top)
        hits, seen = [], set()
        for hit, t in sorted(((hit, t) for t, typed in zip(types, found) for hit in typed),
                             key=lambda ht: (-ht[0]["match_weight"], ht[0]["master_id"])):
            if hit["master_id"] not in seen and len(hits) < top:
                seen.add(hit["master_id"])
                hits.append((hit, t))
        golden = self.index.master_records([hit["master_id"] for hit, _ in hits])
        threshold = self.index.threshold
        results = []
        for rank, ((hit, t), shown) in enumerate(zip(hits, golden), start=1):
            evidence = dict(sorted(hit["evidence"].items(), key=lambda kv: -abs(kv[1])))
            results.append(CheckResult(
                rank=rank, master_id=hit["master_id"], probability=hit["match_probability"],
                match_weight=hit["match_weight"], above_threshold=hit["match_probability"] >= threshold,
                evidence=evidence, customer_type=t, source_row_key=hit["source_row_key"],
                **{c: _plain(shown.get(c)) for c in ("name", "mobile", "phone", "email", "address", "city")}))
        return results

    @staticmethod
    def checked_as(customer_type: str | None = None) -> tuple[str, ...]:
        """The types a record is scored as: the one given, else company and person."""
        if customer_type in (None, "auto"):
            return CUSTOMER_TYPES
        if customer_type not in CUSTOMER_TYPES:
            raise ValueError(f"customer type must be company or person, not {customer_type!r}")
        return (customer_type,)


_CHECKERS: dict[Path, DuplicateChecker] = {}
_CHECKERS_LOCK = threading.Lock()


def check_customer(index_or_warehouse: CandidateIndex | DuplicateChecker | Path | str, name: str,
                   phone: str | None = None, email: str | None = None, uscc: str | None = None,
                   address: str | None = None, customer_type: str | None = None, top: int = 5,
                   mobile: str | None = None) -> list[CheckResult]:
    """`DuplicateChecker.check` against an index, a checker, or a warehouse file
    (loaded on the first call, kept, reloaded when republished)."""
    if isinstance(index_or_warehouse, DuplicateChecker):
        checker = index_or_warehouse
    elif isinstance(index_or_warehouse, CandidateIndex):
        checker = DuplicateChecker(index_or_warehouse)
    else:
        path = Path(index_or_warehouse).resolve()
        with _CHECKERS_LOCK:
            if path not in _CHECKERS:
                _CHECKERS[path] = DuplicateChecker(path)
            checker = _CHECKERS[path]
    return checker.check(name, phone=phone, email=email, uscc=uscc, address=address,
                         customer_type=customer_type, top=top, mobile=mobile)


def _plain(value):
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value
