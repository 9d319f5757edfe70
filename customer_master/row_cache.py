"""Each file's validated and standardised rows, kept so that a nightly run does
not validate or standardise again the rows of a file that did not change.

Validation and standardisation look at one row at a time (a rule's library calls
run once per distinct value, which gives the same answer per row), so a file's
result depends on its rows alone. An entry is keyed by the stage, the code of the
stage and a hash of the file's input rows: every column but row_key, the row's
position in this run's inbox, which moves when a file is added before it. So
changed rows, a changed source setting that changes them, or a new version of the
code compute afresh. An entry keeps row_key relative to the file's first row and
gets this run's back on load.

Given the files' keys from the stage before (`parts`: ingest's cache keys, then
validation's entry keys), a file's entry is keyed by the stage, its code and that
key, and nothing is hashed: the rows of a file with an entry are not read at all,
and each result frame is stacked from the entries' files inside DuckDB
(stacked_parts.py), handed on as that file. Entries keep row_key relative to the
file's first ingested row then.

A full run (`customer-master run --full`) computes every file afresh and stores
what it found. Entries hold customer data: the folders and files are readable by
their owner only. Entries no file of this run asked for are removed at the end of
the stage (warehouse/layout.py: `row-cache/<stage>/`)."""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from customer_master.owner_only import TEMPORARY_PREFIX, private_folder, write_private
from customer_master.schemas import row_rules
from customer_master.standardise.places import DIVISIONS_PACKAGE
from customer_master.stacked_parts import Part, stacked_file, stacked_table
from customer_master.working_db import spill_folder, working_connection

log = logging.getLogger(__name__)

_PACKAGE = Path(__file__).parent
_STANDARDISE = sorted((_PACKAGE / "standardise").glob("*.py"))
# the modules whose logic decides what each stage makes of a row (validation reads the
# phone regions and kept phones of standardise/), and the libraries whose data does
STAGE_CODE = {
    "validate": [_PACKAGE / "validate.py", *sorted(Path(row_rules.__file__).parent.glob("*.py")), *_STANDARDISE],
    "standardise": _STANDARDISE,
    # the matching features of a row (match/features.py row_features; kept_features.py)
    "features": [_PACKAGE / "match" / "features.py", _PACKAGE / "match" / "models.py",
                 *sorted(Path(row_rules.__file__).parent.glob("*.py")), *_STANDARDISE],
    # an activity row's text, place and content (customer360/activity_text.py)
    "activities": [_PACKAGE / "customer360" / "activity_text.py", _PACKAGE / "customer360" / "carried_links.py",
                   _PACKAGE / "match" / "carried.py", *_STANDARDISE],
}
STAGE_LIBRARIES = ["pandas", "pandera", "phonenumbers", "opencc-python-reimplemented", "pypinyin", DIVISIONS_PACKAGE]


@dataclass
class CachedStage:
    # the stage's results, as if computed on every row (with parts: files, or Arrow tables when asked in_memory)
    frames: dict[str, pd.DataFrame | Path | pa.Table]
    files_reused: int  # files whose results came from the cache
    files_computed: int
    rows_computed: int  # input rows the stage ran on
    parts: pd.DataFrame | None = None  # with parts: file, rows_key (of its entry here), first_row_key


class RowCache:
    """One stage's entries (`folder`, e.g. row-cache/validate)."""

    def __init__(self, folder: Path, stage: str):
        self.folder, self.stage = Path(folder), stage

    def run(self, rows: pd.DataFrame | Path, compute: Callable[[pd.DataFrame], dict[str, pd.DataFrame]],
            full: bool = False, parts: pd.DataFrame | None = None, in_memory: bool = False) -> CachedStage:
        """compute(rows) on the rows of the files without an entry (all of them when
        `full`), the entries' frames for the others; each named frame of the result
        in one piece, as compute would give it on every row. Every frame compute
        returns has the columns row_key and file and is sorted by row_key first, so
        each file's part of it is one block and the blocks go in the files' order.
        parts: file, rows_key, first_row_key of every file, in the inbox's order (the
        stage before's CachedStage.parts or IngestResult.row_parts); then `rows` may be
        the Parquet file of the rows, and the frames come back as Parquet files, or as
        Arrow tables when `in_memory` (for a reader that takes them whole at once)."""
        if parts is not None:
            return self._run_parts(rows, compute, full, parts, in_memory)
        keys = self._keys(rows)
        cached = {} if full else {file: self._load(key) for file, key in keys.items()}
        cached = {file: frames for file, frames in cached.items() if frames is not None}
        todo = rows[~rows["file"].isin(set(cached))]
        computed = compute(todo) if len(todo) or not cached else {}  # nothing new: no stage run on no rows
        offsets = rows.groupby("file", sort=False)["row_key"].min()
        for file, entry in cached.items():  # frames of our own, just read: their row keys moved in place
            for frame in entry.values():
                frame["row_key"] += offsets[file]
        parts = dict(cached)
        for file, key in keys.items():
            if file not in cached:
                parts[file] = {name: frame[frame["file"] == file] for name, frame in computed.items()}
                self._store(key, {name: _relative(part, -offsets[file]) for name, part in parts[file].items()})
        self._prune(set(keys.values()))
        shapes = computed or next(iter(cached.values()))  # each frame's columns, as compute gives them
        in_order = sorted(parts, key=lambda file: offsets[file])
        frames = {}
        for name, shape in shapes.items():
            blocks = [parts[file][name] for file in in_order if len(parts[file][name])]
            frames[name] = pd.concat(blocks, ignore_index=True)[shape.columns] if blocks else \
                shape.iloc[:0].reset_index(drop=True)
        log.info("%s: rows of %d unchanged files taken from the last run, %d rows of %d files computed",
                 self.stage, len(cached), len(todo), len(keys) - len(cached))
        return CachedStage(frames, len(cached), len(keys) - len(cached), len(todo))

    def _run_parts(self, rows: pd.DataFrame | Path, compute: Callable[[pd.DataFrame], dict[str, pd.DataFrame]],
                   full: bool, parts: pd.DataFrame, in_memory: bool = False) -> CachedStage:
        keyed = self.keyed_parts(parts)
        keys = dict(zip(keyed["file"], keyed["rows_key"]))
        first = dict(zip(parts["file"], parts["first_row_key"].astype("int64")))
        stored = {} if full else {file: self._entry_files(key) for file, key in keys.items()}
        stored = {file: files for file, files in stored.items() if files}
        todo_files = [file for file in keys if file not in stored]
        shapes = {}
        batches, rows_computed = _batches(rows, todo_files)
        for files, ranges in batches:  # a batch's results are kept before the next is read
            computed = _in_one(compute(_rows_of(rows, files, key_range)) for key_range in ranges)
            for file in files:
                self._store(keys[file], {name: _relative(frame[frame["file"] == file], -first[file])
                                         for name, frame in computed.items()})
                stored[file] = self._entry_files(keys[file]) or self._unkept(computed, file, first[file])
            shapes = shapes or {name: list(frame.columns) for name, frame in computed.items()}
            del computed
        if not shapes and not stored:  # no rows at all: the frames' columns as compute gives them
            shapes = {name: list(frame.columns) for name, frame in compute(_rows_of(rows, [])).items()}
        self._prune(set(keys.values()))
        names = list(shapes) or list(next(iter(stored.values())))
        frames = {}
        for name in names:
            columns = shapes[name] if shapes else pq.read_schema(stored[next(iter(stored))][name]).names
            frames[name] = (stacked_table if in_memory else stacked_file)(
                [Part(stored[file][name], first[file]) for file in keys if name in stored.get(file, {})], columns)
        log.info("%s: rows of %d unchanged files taken from the last run, %d rows of %d files computed",
                 self.stage, len(keys) - len(todo_files), rows_computed, len(todo_files))
        return CachedStage(frames, len(keys) - len(todo_files), len(todo_files), rows_computed, keyed)

    def keyed_parts(self, parts: pd.DataFrame) -> pd.DataFrame:
        """`parts` (file, rows_key, first_row_key) with each file's rows_key the key of its
        entry here: the key of what this stage makes of the file's rows, for the next stage."""
        prefix = f"{self.stage}\x00{_code_version(self.stage)}\x00by the stage before's key"
        return parts[["file", "rows_key", "first_row_key"]].assign(rows_key=[
            hashlib.sha256(f"{prefix}\x00{file}\x00{rows_key}".encode()).hexdigest()
            for file, rows_key in zip(parts["file"], parts["rows_key"])])

    def _entry_files(self, key: str) -> dict[str, Path]:
        """frame name -> the Parquet file of an entry (empty: no entry)."""
        return {path.name.split(".")[1]: path for path in sorted(self.folder.glob(f"{key}.*.parquet"))}

    @staticmethod
    def _unkept(computed: dict[str, pd.DataFrame], file: str, first_row_key: int) -> dict[str, Path]:
        """A file's computed frames that could not be kept as an entry, in files of
        this run only (spill folder) so they can still be stacked."""
        out = {}
        for name, frame in computed.items():
            path = spill_folder() / f"part-{uuid.uuid4().hex}.parquet"
            write_private(path, lambda target, part=_relative(frame[frame["file"] == file], -first_row_key):
                          part.to_parquet(target, index=False))
            out[name] = path
        return out

    def _keys(self, rows: pd.DataFrame) -> dict[str, str]:
        """file -> the key of its rows' entry: the stage, its code, the columns and
        their types, and a hash of the file's rows computed in DuckDB (each row's
        values with its place in the file)."""
        if rows.empty:
            return {}
        columns = [c for c in rows.columns if c != "row_key"]
        shape = "\x00".join(f"{c}:{rows[c].dtype}" for c in columns)
        packed = ", ".join(f'{_quoted(c)} := {_quoted(c)}' for c in columns)
        with working_connection() as con:
            con.register("stage_input", rows)
            hashed = con.sql(f"""
                WITH each_row AS (
                    SELECT file, hash(struct_pack({packed}), row_key - min(row_key) OVER (PARTITION BY file)) AS h
                    FROM stage_input)
                SELECT file, count(*) AS n, bit_xor(h) AS h FROM each_row GROUP BY file""").fetchall()
        prefix = f"{self.stage}\x00{_code_version(self.stage)}\x00{shape}"
        return {file: hashlib.sha256(f"{prefix}\x00{file}\x00{n}\x00{h}".encode()).hexdigest()
                for file, n, h in hashed}

    def _load(self, key: str) -> dict[str, pd.DataFrame] | None:
        parts = sorted(self.folder.glob(f"{key}.*.parquet"))
        if not parts:
            return None
        try:
            return {path.name.split(".")[1]: pd.read_parquet(path) for path in parts}
        except (OSError, ValueError):  # a damaged entry is computed afresh
            return None

    def _store(self, key: str, frames: dict[str, pd.DataFrame]) -> None:
        private_folder(self.folder.parent)
        private_folder(self.folder)
        try:
            for name, frame in frames.items():
                write_private(self.folder / f"{key}.{name}.parquet",
                              lambda path, frame=frame: frame.to_parquet(path, index=False))
        except (ValueError, TypeError, OSError) as exc:  # values Parquet cannot hold: computed next time too
            log.info("%s: a file's rows not kept for the next run (%s)", self.stage, exc)
            for path in self.folder.glob(f"{key}.*.parquet"):
                path.unlink(missing_ok=True)

    def _prune(self, used: set[str]) -> None:
        if not self.folder.is_dir():
            return
        for entry in self.folder.iterdir():
            if entry.name.startswith(TEMPORARY_PREFIX) or entry.name.split(".")[0] not in used:
                entry.unlink(missing_ok=True)


def parts_after(row_cache: Path, parts: pd.DataFrame, stages: list[str]) -> pd.DataFrame:
    """Ingest's row_parts keyed as each of `stages` in turn keys its entries (in
    `row_cache`/<stage>): the parts the stage after them runs on."""
    for stage in stages:
        parts = RowCache(Path(row_cache) / stage, stage).keyed_parts(parts)
    return parts


# rows a stage computes at once when it is given its input as a file (parts): validation
# of a million rows at once held several copies of them, their raw cells' text included
BATCH_ROWS = 100_000


def _batches(rows: pd.DataFrame | Path, files: list[str]
             ) -> tuple[list[tuple[list[str], list[tuple[int, int] | None]]], int]:
    """The files to compute, in their order, as batches of about BATCH_ROWS rows: whole
    files together, or one file past BATCH_ROWS in row key ranges (lo, hi) computed one
    after the other (a stage computes each row on its own, so neither changes a result);
    and how many rows they hold."""
    if not files:
        return [], 0
    keys = _keys_of(rows, files)
    batches, pending, size = [], [], 0
    for file in files:
        own = keys[keys["file"] == file]["row_key"].sort_values().to_numpy()
        if len(own) > BATCH_ROWS:
            cuts = [*own[::BATCH_ROWS], own[-1] + 1]
            batches.append(([file], [(int(lo), int(hi)) for lo, hi in zip(cuts, cuts[1:])]))
            continue
        if pending and size + len(own) > BATCH_ROWS:
            batches.append((pending, [None]))
            pending, size = [], 0
        pending.append(file)
        size += len(own)
    if pending:
        batches.append((pending, [None]))
    return batches, len(keys)


def _keys_of(rows: pd.DataFrame | Path, files: list[str]) -> pd.DataFrame:
    """file, row_key of the rows of `files`."""
    if isinstance(rows, pd.DataFrame):
        return rows.loc[rows["file"].isin(set(files)), ["file", "row_key"]]
    return pq.read_table(rows, columns=["file", "row_key"], filters=[("file", "in", files)]).to_pandas()


def _in_one(pieces) -> dict[str, pd.DataFrame]:
    """The results of a file's row key ranges as one result (each frame's pieces in order)."""
    pieces = list(pieces)
    if len(pieces) == 1:
        return pieces[0]
    return {name: pd.concat([p[name] for p in pieces if len(p[name])] or [pieces[0][name]], ignore_index=True)
            for name in pieces[0]}


def _rows_of(rows: pd.DataFrame | Path, files: list[str], key_range: tuple[int, int] | None = None) -> pd.DataFrame:
    """The rows of `files` (rows: a frame, or its Parquet file, of which only those rows are
    read), only those with lo <= row_key < hi when key_range is (lo, hi)."""
    if isinstance(rows, pd.DataFrame):
        chosen = rows["file"].isin(set(files))
        if key_range is not None:
            chosen &= rows["row_key"].between(key_range[0], key_range[1] - 1)
        return rows[chosen]
    if not files:
        return pq.read_schema(rows).empty_table().to_pandas()
    filters = [("file", "in", files)]
    if key_range is not None:
        filters += [("row_key", ">=", key_range[0]), ("row_key", "<", key_range[1])]
    return pq.read_table(rows, filters=filters).to_pandas()


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _relative(frame: pd.DataFrame, shift: int) -> pd.DataFrame:
    return frame.assign(row_key=frame["row_key"] + shift)


@lru_cache(maxsize=None)
def _code_version(stage: str) -> str:
    digest = hashlib.sha256()
    for module in STAGE_CODE[stage]:
        digest.update(module.read_bytes())
    for library in STAGE_LIBRARIES:
        digest.update(f"{library}=={importlib.metadata.version(library)}".encode())
    return digest.hexdigest()
