"""The one rule for what the pipeline keeps on disk: it is personal data (names,
phones, ID numbers), so every file is readable by its owner only (0600) and
every folder is the owner's only (0700), whatever the process umask.

This covers the published warehouse and everything in its folder `<warehouse>.d/`
(warehouse/layout.py): the file being built, the lock and run ledger, `state/`,
`models/`, the ingest cache, the backups and the staging Parquet handed between steps,
and outside it the review workbooks (review/) and the Dagster instance's folders
(pipelines/dagster_home.py). Modes are set when a file or folder is created, before
any data is written into it; a library that creates its own file (DuckDB) is
given a private folder to create it in and the file is restricted right after."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Callable

FILE_MODE = 0o600
FOLDER_MODE = 0o700
TEMPORARY_PREFIX = ".tmp-"  # write_private's files before they are moved into place


def private_folder(folder: Path, ours: bool = True) -> Path:
    """`folder`, created (with any missing parent) owner-only. ours: the folder is
    the pipeline's own (<warehouse>.d/ and what is in it), so an existing one is made
    owner-only as well; the folder the warehouse lives in is the user's choice
    (ours=False) and is made owner-only only when the pipeline creates it."""
    return folder_with_mode(folder, FOLDER_MODE, ours)


def folder_with_mode(folder: Path, mode: int, ours: bool = True) -> Path:
    """`folder`, created (with any missing parent) with `mode` whatever the umask;
    an existing one given `mode` too when it is `ours`; parents the pipeline did not
    create are left as they are."""
    folder = Path(folder)
    missing = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for path in reversed(missing):
        try:
            os.mkdir(path, mode)
        except FileExistsError:  # another process made it in the meantime
            continue
        os.chmod(path, mode)  # the umask may have taken the owner's bits too
    if ours:
        os.chmod(folder, mode)
    return folder


def restrict_file(path: Path) -> Path:
    """A file some library created (DuckDB): owner-only from now on."""
    os.chmod(path, FILE_MODE)
    return Path(path)


def open_private(path: Path, mode: str = "w", encoding: str | None = None):
    """`open(path, mode)` for writing ("w", "a", "wb", "ab"); the file is created 0600, and an
    existing one is made 0600 before anything is written."""
    if mode.rstrip("b") not in ("w", "a"):
        raise ValueError(f"open_private writes; mode {mode!r} is not w, a, wb or ab")
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode.startswith("a") else os.O_TRUNC)
    handle = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(handle, FILE_MODE)
        return os.fdopen(handle, mode, encoding=encoding)
    except BaseException:
        os.close(handle)
        raise


def write_private(path: Path, write: Callable[[str], object]) -> Path:
    """Write `path` through a temporary file beside it that is owner-only from its
    creation (`write(temporary_path)` fills it), then move it into place: a run that
    dies half-way leaves no half-written file, and no reader ever sees one."""
    path = Path(path)
    if path.is_dir():  # else the error would name the temporary file, not the folder in the way
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY_PREFIX)  # 0600 from its creation
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return path
