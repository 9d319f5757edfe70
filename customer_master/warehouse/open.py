"""Opening the warehouse file: the one place that knows whether a warehouse is
encrypted at rest and where its key comes from.

Every module that opens a published warehouse (or builds one) does it here:
`open_warehouse` for a connection whose default database is the warehouse,
`attach_warehouse` to add it to a connection of its own. DuckDB encrypts a
database file given a key at ATTACH (`ENCRYPTION_KEY`); `duckdb.connect` takes
none, so an opened warehouse is an in-memory connection with the file attached
and made the default (`USE`).

The key is the environment variable KEY_VARIABLE. Set, every warehouse a run
builds is encrypted with it (and so are its backups, which are the same files);
reading an unencrypted warehouse with the key set reads it as it is, with a
warning (the next run publishes it encrypted). Unset, an encrypted warehouse
cannot be read: WarehouseKeyError names the variable, as it does for a wrong key.

Reading an encrypted file works with the crypto DuckDB carries. Writing one needs
a secure random source for its nonces, which DuckDB takes from its httpfs
extension (OpenSSL): without it DuckDB refuses the write. Where httpfs cannot be
installed, WEAK_CRYPTO_VARIABLE=1 lets DuckDB write with its built-in mbedTLS all
the same (DuckDB's `force_mbedtls_unsafe`: its nonces are not from a
cryptographic random source, DuckDB calls such files not securely encrypted)."""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from customer_master.working_db import sql_text, working_connection

KEY_VARIABLE = "CUSTOMER_MASTER_KEY"
WEAK_CRYPTO_VARIABLE = "CUSTOMER_MASTER_ENCRYPT_WITHOUT_OPENSSL"
WAREHOUSE_ALIAS = "wh"

# DuckDB's main header: an 8-byte checksum, the magic, the version (8 bytes),
# then the flags; bit 0 of the first flag word marks an encrypted database.
_MAGIC, _MAGIC_AT, _FLAGS_AT = b"DUCK", 8, 20

log = logging.getLogger(__name__)


class WarehouseKeyError(ValueError):
    """An encrypted warehouse and no key, or the wrong key, in KEY_VARIABLE."""


class EncryptionUnavailable(RuntimeError):
    """KEY_VARIABLE is set, but this DuckDB cannot write encrypted files."""


def warehouse_key() -> str | None:
    return os.environ.get(KEY_VARIABLE) or None


def is_encrypted(path: Path) -> bool:
    """Whether the DuckDB file at `path` is encrypted (read from its header; False
    for a file that is none of DuckDB's, which DuckDB then refuses in its own words)."""
    try:
        with open(path, "rb") as file:
            header = file.read(_FLAGS_AT + 8)
    except OSError:
        return False
    return (len(header) == _FLAGS_AT + 8 and header[_MAGIC_AT:_MAGIC_AT + 4] == _MAGIC
            and bool(int.from_bytes(header[_FLAGS_AT:], "little") & 1))


def attach_warehouse(con: duckdb.DuckDBPyConnection, path: Path, alias: str = WAREHOUSE_ALIAS,
                     read_only: bool = True) -> bool:
    """ATTACH the warehouse file at `path` to `con` as `alias`, with the key when the
    file is encrypted (or, not there yet and not read-only, when a key is set: a new
    warehouse is encrypted). Whether it is encrypted. WarehouseKeyError for an encrypted
    file without the key or with a wrong one; EncryptionUnavailable for a new encrypted
    file this DuckDB cannot write."""
    path, key = Path(path), warehouse_key()
    exists = path.exists()
    encrypted = is_encrypted(path) if exists else (key is not None and not read_only)
    options = ["READ_ONLY"] if read_only else []
    if encrypted:
        if key is None:
            raise WarehouseKeyError(f"{path} is encrypted: set {KEY_VARIABLE} to its key to read it")
        if not read_only:
            enable_encrypted_writes(con)
        options.append(f"ENCRYPTION_KEY {sql_text(key)}")
    elif exists and key is not None:
        log.warning("%s is set, but %s is not encrypted: read as it is; the next run publishes it encrypted",
                    KEY_VARIABLE, path)
    clause = f" ({', '.join(options)})" if options else ""
    try:
        con.execute(f"ATTACH {sql_text(path)} AS {alias}{clause}")
    except duckdb.Error as exc:
        if encrypted and "encryption key" in str(exc).lower():
            raise WarehouseKeyError(f"{KEY_VARIABLE} does not open {path}: it was encrypted with another key") \
                from None
        raise
    return encrypted


def open_warehouse(path: Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """A connection whose default database is the warehouse at `path` (attach_warehouse's
    errors). Not read-only, a missing file is created, encrypted when a key is set.
    The connection is a working one (working_db.py): its memory limit, its private spill folder."""
    con = working_connection()
    try:
        attach_warehouse(con, path, WAREHOUSE_ALIAS, read_only=read_only)
        con.execute(f"USE {WAREHOUSE_ALIAS}")
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def opened_warehouse(path: Path, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """open_warehouse as a context manager that closes the connection."""
    con = open_warehouse(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def enable_encrypted_writes(con: duckdb.DuckDBPyConnection) -> None:
    """Let `con` write encrypted files: DuckDB's httpfs extension (OpenSSL) if it is
    installed, else, when WEAK_CRYPTO_VARIABLE=1, DuckDB's built-in mbedTLS. Else
    EncryptionUnavailable saying both."""
    try:
        con.execute("LOAD httpfs")
        return
    except duckdb.Error:
        pass
    if os.environ.get(WEAK_CRYPTO_VARIABLE) == "1":
        con.execute("SET force_mbedtls_unsafe = true")
        return
    raise EncryptionUnavailable(
        f"{KEY_VARIABLE} is set, but this DuckDB cannot write encrypted files: it needs its httpfs extension "
        "(OpenSSL) for that; install it once where the network reaches DuckDB's extensions "
        "(python -c \"import duckdb; duckdb.sql('INSTALL httpfs')\"), or set "
        f"{WEAK_CRYPTO_VARIABLE}=1 to encrypt with DuckDB's built-in crypto, whose nonces DuckDB "
        f"does not call secure; or unset {KEY_VARIABLE} to publish unencrypted")


def check_encryption_ready() -> None:
    """Before a run starts: EncryptionUnavailable when a key is set that this DuckDB
    could not encrypt the new warehouse with, so that the run stops before its first step."""
    if warehouse_key() is None:
        return
    with duckdb.connect() as con:
        enable_encrypted_writes(con)
