"""The review folder: a steward drops a filled-in review workbook into
`<review dir>/inbox/`; the next run imports it before matching and moves it to
`imported/` (or, when it cannot be read, to `rejected/` with the reason beside it)."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

from customer_master.review.workbook import import_review

log = logging.getLogger(__name__)


def pending_workbooks(review_dir: Path) -> list[Path]:
    inbox = Path(review_dir) / "inbox"
    return sorted(p for p in inbox.glob("*.xlsx") if not p.name.startswith(("~$", "."))) if inbox.is_dir() else []


def import_pending(review_dir: Path, warehouse: Path) -> list[tuple[str, int | str]]:
    """(workbook name, decisions stored, or the reason it was rejected) per workbook."""
    outcomes = []
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for path in pending_workbooks(review_dir):
        try:
            count = import_review(warehouse, path)
        except Exception as exc:  # noqa: BLE001 - a bad workbook must not stop the run
            target = Path(review_dir) / "rejected" / f"{stamp}-{path.name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)
            target.with_suffix(".error.txt").write_text(f"{type(exc).__name__}: {exc}\n", encoding="utf-8")
            log.warning("review: %s rejected: %s", path.name, exc)
            outcomes.append((path.name, f"rejected: {exc}"))
            continue
        target = Path(review_dir) / "imported" / f"{stamp}-{path.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
        log.info("review: %s: %d decisions stored", path.name, count)
        outcomes.append((path.name, count))
    return outcomes
