"""The review folder: a steward drops a filled-in review workbook into
`<review dir>/inbox/`; the next run imports it before matching and moves it to
`imported/` (or, when it cannot be read, to `rejected/` with the reason beside it).
A workbook holds customers' personal data: `imported/` and `rejected/` and what
is moved into them are the owner's only (owner_only.py), whatever the umask."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

from customer_master.owner_only import private_folder, restrict_file, write_private
from customer_master.review.workbook import import_workbook

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
            done = import_workbook(warehouse, path)
        except Exception as exc:  # noqa: BLE001 - a bad workbook must not stop the run
            target = _set_aside(path, Path(review_dir) / "rejected", stamp)
            text = f"{type(exc).__name__}: {exc}\n"
            write_private(target.with_suffix(".error.txt"), lambda t: Path(t).write_text(text, encoding="utf-8"))
            log.warning("review: %s rejected: %s", path.name, exc)
            outcomes.append((path.name, f"rejected: {exc}"))
            continue
        _set_aside(path, Path(review_dir) / "imported", stamp)
        log.info("review: %s: %d decisions stored, %d already imported", path.name, done.stored, done.already)
        outcomes.append((path.name, done.stored))
    return outcomes


def _set_aside(path: Path, folder: Path, stamp: str) -> Path:
    """Move the workbook into `folder` (owner-only), the file owner-only too: the
    steward saved it with the umask's mode."""
    target = private_folder(folder) / f"{stamp}-{path.name}"
    shutil.move(path, target)
    return restrict_file(target)
