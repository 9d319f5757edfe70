"""The review workbook every run leaves for the stewards, in the review folder's
`to_review/` (beside `inbox/`, where a filled-in one goes back): a steward opens
it from there, without any command. One workbook per run that has pairs in its
review band, named by the time the run wrote it; the newest KEEP_WORKBOOKS stay, older
ones are removed (they hold customers' personal data and a newer run's workbook
replaces them)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from customer_master.owner_only import private_folder
from customer_master.review.export import Exported, export_review

TO_REVIEW = "to_review"
KEEP_WORKBOOKS = 5
# pairs in a run's workbook, the most doubtful: more than a steward reviews between two
# runs, and a large band at scale would otherwise make every run write a huge workbook
RUN_WORKBOOK_PAIRS = 2000
PREFIX = "review-"


def write_run_workbook(review_dir: Path, warehouse: Path, run_id: str, language: str | None = None) -> Exported:
    """The workbook of the run just published on `warehouse`, in `<review_dir>/to_review/`
    (owner-only, as is the folder), unless its review band holds no pair (then path None);
    language: zh or en (default: the locale's)."""
    folder = Path(review_dir) / TO_REVIEW
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    exported = export_review(warehouse, folder / f"{PREFIX}{stamp}-{run_id[:8]}.xlsx", language=language,
                             limit=RUN_WORKBOOK_PAIRS, if_any=True)
    if exported.path is None:
        return exported
    private_folder(folder)
    for older in sorted(folder.glob(f"{PREFIX}*.xlsx"), reverse=True)[KEEP_WORKBOOKS:]:
        older.unlink(missing_ok=True)
    return exported
