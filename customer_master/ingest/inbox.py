"""Ingest stage: every file of every department folder into one table of rows
with lineage (source, file, sheet, row_number), plus a ledger of files and sheets.

A file or sheet that cannot be used is recorded with its reason and the run goes
on; blank rows and repeated header rows are skipped and counted per sheet."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from customer_master.ingest.cache import CachedFile, IngestCache
from customer_master.ingest.headers import CANONICAL_FIELDS
from customer_master.ingest.readers import SUPPORTED_SUFFIXES, UnreadableFile, read_file
from customer_master.ingest.sheet_rows import rows_of_sheet
from customer_master.pipelines.staged_results import staged_result
from customer_master.stacked_parts import Part, part_rows, stacked_file
from customer_master.sources import SOURCES_FILE, SourceConfig, load_sources, source_config

log = logging.getLogger(__name__)

DEFAULT_MAX_FILE_MB = 100.0
LINEAGE_COLUMNS = ["source", "file", "sheet", "row_number"]
ROW_COLUMNS = ["row_key", *LINEAGE_COLUMNS, "sheet_kind", "roles", "party_type", "trust_rank", "source_country",
               *CANONICAL_FIELDS,
               "first_cell", "extra", "raw", "cell_issues"]
FILE_COLUMNS = ["source", "file", "size_bytes", "sha256", "modified_at", "encoding", "status", "reason"]
SHEET_COLUMNS = [
    "source", "file", "sheet", "visibility", "kind", "status", "reason", "header_row", "data_rows",
    "blank_rows_skipped", "header_rows_skipped", "column_map", "column_sources",
]


@dataclass
class IngestResult:
    rows: pd.DataFrame  # one row per non-blank data row, ROW_COLUMNS
    files: pd.DataFrame  # one row per file seen, FILE_COLUMNS
    sheets: pd.DataFrame  # one row per sheet (CSV: one, sheet ""), SHEET_COLUMNS
    files_unchanged: int = 0  # files taken from the ingest cache, not read again
    # with an ingest cache: file, rows_key (its cache entry's key: the same key, the same rows),
    # first_row_key (the row key of its first row), rows; what the next stages key their own
    # results of the file by (row_cache.py), without reading or hashing its rows
    row_parts: pd.DataFrame | None = None

    @property
    def rejected_files(self) -> pd.DataFrame:
        """Files and sheets that could not be used at all, with the reason (the
        files ingest ignores too: hidden files, Excel's lock files)."""
        unread = self.files.status.isin(["rejected", IGNORED])
        files = self.files.loc[unread, ["source", "file", "reason"]].assign(sheet="")
        sheets = self.sheets.loc[self.sheets.status == "rejected", ["source", "file", "sheet", "reason"]]
        return pd.concat([files, sheets], ignore_index=True)[["source", "file", "sheet", "reason"]]


def ingest_inbox(inbox: Path, max_file_mb: float = DEFAULT_MAX_FILE_MB, cache: IngestCache | None = None
                 ) -> IngestResult:
    """cache: what earlier runs read from each file (ingest/cache.py); a file that
    has not changed since is taken from it, not read again."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"inbox folder not found: {inbox}")
    sources = load_sources(inbox)
    paths = _inbox_files(inbox)
    log.info("ingest: %d files in %s", len(paths), inbox)
    frames, file_rows, sheet_rows, unchanged, parts = [], [], [], 0, []
    for number, path in enumerate(paths, start=1):
        relative = path.relative_to(inbox).as_posix()
        source = relative.split("/")[0] if "/" in relative else ""
        status, unopened = _unopened(path, inbox)
        if unopened:
            own = path.lstat()  # the entry itself: a link is not followed
            file_rows.append({"source": source, "file": relative, "size_bytes": own.st_size, "sha256": "",
                              "modified_at": dt.datetime.fromtimestamp(own.st_mtime, dt.timezone.utc)
                              .replace(tzinfo=None), "encoding": "", "status": status, "reason": unopened})
            log.warning("ingest [%d/%d] %s: %s: %s", number, len(paths), relative, status, unopened)
            continue
        reason = _refusal(path, source, max_file_mb)
        if reason:
            file_rows.append(_file_facts(path, source, relative) | {"status": "rejected", "reason": reason})
            log.warning("ingest [%d/%d] %s: rejected: %s", number, len(paths), relative, reason)
            continue
        config = source_config(sources, source).for_file(relative)
        key = cache.key(path, relative, config) if cache else ""
        cached = cache.load(key, rows=False) if cache else None  # its rows stay in the cache's file
        entry = cached or _read(path, source, relative, config)
        unchanged += cached is not None
        if cache and cached is None and entry.rows is not None:
            cache.store(key, entry)
        file_rows.append(entry.file_row)
        sheet_rows += entry.sheet_rows
        if entry.file_row["status"] == "rejected":
            log.warning("ingest [%d/%d] %s: rejected: %s", number, len(paths), relative, entry.file_row["reason"])
            continue
        rows = part_rows(cache.rows_file(key)) if cache else len(entry.rows)
        if cache:
            parts.append((relative, key, rows))
        elif rows:
            frames.append(entry.rows)
        log.info("ingest [%d/%d] %s: %d rows%s", number, len(paths), relative, rows,
                 " (unchanged since the last run: not read again)" if cached else "")
    files = pd.DataFrame(file_rows, columns=FILE_COLUMNS)
    sheets = pd.DataFrame(sheet_rows, columns=SHEET_COLUMNS)
    if cache:
        cache.prune()
        return _from_cache(cache, parts, files, sheets, unchanged)
    rows = _stacked(frames)
    rows.insert(0, "row_key", pd.RangeIndex(len(rows), dtype="int64"))
    rows = rows.astype({"row_number": "int64", "trust_rank": "int64"})
    return IngestResult(rows=rows[ROW_COLUMNS], files=files, sheets=sheets, files_unchanged=unchanged)


# the types of the ingested rows' columns: these whole numbers, every other one text
INTEGER_COLUMNS = ("row_key", "row_number", "trust_rank")


def _from_cache(cache: IngestCache, parts: list[tuple[str, str, int]], files: pd.DataFrame, sheets: pd.DataFrame,
                unchanged: int) -> IngestResult:
    """The result with its rows stacked from the cache's files inside DuckDB (stacked_parts.py),
    handed on as that file and read into pandas only when a step asks for them."""
    row_parts = pd.DataFrame(parts, columns=["file", "rows_key", "rows"])
    row_parts.insert(2, "first_row_key", (row_parts["rows"].cumsum() - row_parts["rows"]).astype("int64"))
    row_parts = row_parts[row_parts["rows"] > 0].reset_index(drop=True)
    stacked = stacked_file([Part(cache.rows_file(key), first) for key, first in
                            zip(row_parts["rows_key"], row_parts["first_row_key"])], ROW_COLUMNS,
                           {c: pa.int64() if c in INTEGER_COLUMNS else pa.string() for c in ROW_COLUMNS})
    return staged_result(IngestResult, {"rows": stacked}, {"files": files, "sheets": sheets,
                                                          "files_unchanged": unchanged, "row_parts": row_parts})


def _stacked(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The files' rows in one frame. A column a file leaves empty is left out of its
    part before pd.concat, which otherwise looks at every cell of it to decide
    that it is empty (17 of 29 s of ingest at 200,000 rows); the gaps come back as
    None."""
    if not frames:
        return pd.DataFrame(columns=ROW_COLUMNS[1:])
    rows = pd.concat([f.loc[:, f.notna().any().to_numpy()] for f in frames], ignore_index=True)
    for column in ROW_COLUMNS[1:]:
        if column not in rows:
            rows[column] = None
        elif rows[column].dtype == object:
            rows[column] = rows[column].where(rows[column].notna(), None)
    return rows


def _read(path: Path, source: str, relative: str, config: SourceConfig) -> CachedFile:
    """What ingest takes from one file: its facts, its sheets and its data rows
    (rows None when the file cannot be read at all: that is not kept)."""
    file_row = _file_facts(path, source, relative)
    try:
        grids = read_file(path)
    except UnreadableFile as exc:
        return CachedFile(file_row | {"status": "rejected", "reason": str(exc)}, [], None)
    file_row.update(status="read", encoding=grids[0].encoding if grids else "")
    frames, sheet_rows = [], []
    for grid in grids:
        frame, sheet_row = rows_of_sheet(grid, config, relative)
        sheet_rows.append(sheet_row)
        if frame is not None:
            frames.append(frame)
    return CachedFile(file_row, sheet_rows, _stacked(frames))


def _inbox_files(inbox: Path) -> list[Path]:
    """Every file (or link) under the inbox in a stable order, except the sources
    file; `_unopened` says which of them are not to be read."""
    found = []
    for path in inbox.rglob("*"):
        if path.is_dir() and not path.is_symlink() or path.name == SOURCES_FILE and path.parent == inbox:
            continue
        found.append(path)
    return sorted(found, key=lambda p: p.relative_to(inbox).as_posix())


IGNORED = "ignored"  # the status of an inbox file that is no department's data (hidden, Office lock files)


def _unopened(path: Path, inbox: Path) -> tuple[str, str]:
    """(status, reason) of an inbox entry that is listed but never opened (not even
    to fingerprint it), or ("", ""): hidden files and Office's lock files are
    ignored (no department's list), links that lead nowhere or out of the inbox
    rejected (a link to /etc/passwd is no department's list either, but someone
    meant it to be read)."""
    relative = path.relative_to(inbox)
    if any(part.startswith(".") for part in relative.parts):
        return IGNORED, "hidden file (its name or folder starts with '.'); not read"
    if path.name.startswith("~$"):
        return IGNORED, "Office's lock file of a workbook open somewhere (~$…); not data"
    if path.is_symlink():
        target = path.resolve()
        if not target.exists():
            return "rejected", "broken link: the file it points to does not exist"
        if not target.is_relative_to(inbox.resolve()):
            return "rejected", f"link to a file outside the inbox ({target}); copy the file into the inbox instead"
        if target.is_dir():
            return "rejected", "link to a folder; not read"
    return "", ""


def _file_facts(path: Path, source: str, relative: str) -> dict:
    stat = path.stat()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {
        "source": source, "file": relative, "size_bytes": stat.st_size, "sha256": digest.hexdigest(),
        "modified_at": dt.datetime.fromtimestamp(stat.st_mtime, dt.timezone.utc).replace(tzinfo=None),
        "encoding": "", "status": "", "reason": "",
    }


def _refusal(path: Path, source: str, max_file_mb: float) -> str:
    if not source:
        return "file is at the inbox root; put it in a department folder (data/inbox/<source>/)"
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return f"unsupported file type '{path.suffix}' (expected .xlsx, .xls or .csv)"
    size_mb = path.stat().st_size / 1e6
    if size_mb > max_file_mb:
        return f"file is {size_mb:.1f} MB, over the {max_file_mb:g} MB limit (max_file_mb)"
    return ""
