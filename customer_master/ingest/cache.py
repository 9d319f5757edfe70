"""What ingest read from each file, kept so that an unchanged file is not read
(nor hashed) again on the next run.

An entry is keyed by the file's path, size and modification time, the source
settings that apply to it (sources.yaml: its column mapping, party type,
country …) and the ingest code itself, so a changed file, a changed setting or a
new version of this package reads the file afresh. Entries hold customer data:
the folder and its files are readable by their owner only. Entries of files no
longer in the inbox are removed at the end of ingest."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from customer_master.owner_only import TEMPORARY_PREFIX, private_folder, write_private
from customer_master.sources import SourceConfig

# the modules whose logic decides what a file's rows are
_INGEST_CODE = [*sorted(Path(__file__).parent.glob("*.py")), Path(__file__).parent.parent / "sources.py"]


@dataclasses.dataclass
class CachedFile:
    file_row: dict  # the file's row of meta.files (ingest.inbox.FILE_COLUMNS)
    sheet_rows: list[dict]  # its sheets' rows of quality.sheets
    rows: pd.DataFrame | None  # its data rows (ingest.inbox.ROW_COLUMNS without row_key); None: not loaded


class IngestCache:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.used: set[str] = set()

    def key(self, path: Path, relative: str, config: SourceConfig) -> str:
        stat = path.stat()
        settings = json.dumps(dataclasses.asdict(config), sort_keys=True, default=str, ensure_ascii=False)
        identity = "\x00".join([relative, str(stat.st_size), str(stat.st_mtime_ns), settings, _code_version()])
        key = hashlib.sha256(identity.encode()).hexdigest()
        self.used.add(key)
        return key

    def rows_file(self, key: str) -> Path:
        """The Parquet file of an entry's data rows."""
        return self.folder / f"{key}.parquet"

    def load(self, key: str, rows: bool = True) -> CachedFile | None:
        """An entry; without its rows unless `rows` (they stay in rows_file)."""
        facts, rows_file = self.folder / f"{key}.json", self.rows_file(key)
        if not facts.exists() or not rows_file.exists():
            return None
        try:
            stored = json.loads(facts.read_text(encoding="utf-8"))
            frame = pd.read_parquet(rows_file) if rows else pq.ParquetFile(rows_file) and None  # readable?
        except (OSError, ValueError):  # a damaged entry is read afresh
            return None
        file_row = stored["file_row"]
        file_row["modified_at"] = pd.Timestamp(file_row["modified_at"]).to_pydatetime()
        return CachedFile(file_row, stored["sheet_rows"], frame)

    def store(self, key: str, entry: CachedFile) -> None:
        private_folder(self.folder)
        write_private(self.folder / f"{key}.parquet", lambda path: entry.rows.to_parquet(path, index=False))
        facts = json.dumps({"file_row": entry.file_row, "sheet_rows": entry.sheet_rows}, default=str,
                           ensure_ascii=False)
        write_private(self.folder / f"{key}.json", lambda path: Path(path).write_text(facts, encoding="utf-8"))

    def prune(self) -> None:
        """Remove the entries no file of this run asked for."""
        if not self.folder.is_dir():
            return
        for entry in self.folder.iterdir():
            if entry.name.startswith(TEMPORARY_PREFIX) or entry.stem not in self.used:  # a run killed mid-write
                entry.unlink(missing_ok=True)


@lru_cache(maxsize=1)
def _code_version() -> str:
    digest = hashlib.sha256()
    for module in _INGEST_CODE:
        digest.update(module.read_bytes())
    return digest.hexdigest()
