"""Encryption at rest (warehouse/open.py): a run with CUSTOMER_MASTER_KEY set
publishes a warehouse, and keeps backups, that DuckDB cannot read without the key
and whose bytes hold no customer's data; the commands that read it work with the
key and stop with a message naming the variable without it.

This machine has no DuckDB httpfs extension (no network to install it), so the
encrypted run writes with DuckDB's built-in crypto (CUSTOMER_MASTER_ENCRYPT_WITHOUT_OPENSSL=1);
reading needs no such thing."""

from __future__ import annotations

import logging

import duckdb
import pytest

from conftest import SAMPLE_INBOX, copy_warehouse, run_pipeline, sample_departments
from customer_master import cli
from customer_master.warehouse.layout import layout
from customer_master.warehouse.open import (KEY_VARIABLE, WEAK_CRYPTO_VARIABLE, EncryptionUnavailable,
                                            WarehouseKeyError, check_encryption_ready, is_encrypted,
                                            open_warehouse, opened_warehouse)
from customer_master.warehouse.restore import restore_run

KEY = "a passphrase for the tests"


# two departments of the sample inbox (companies and persons): what encryption is tested on needs
# real rows, matched and reviewable, not the whole sample
DEPARTMENTS = ["key_accounts", "retail_stores"]


@pytest.fixture(scope="module")
def encrypted_run(tmp_path_factory, sample_settings_file):
    """Part of the sample inbox run once with a key set: the one full run of this file."""
    root = tmp_path_factory.mktemp("encrypted")
    inbox = sample_departments(root / "inbox", DEPARTMENTS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_VARIABLE, KEY)
        patch.setenv(WEAK_CRYPTO_VARIABLE, "1")
        return run_pipeline(inbox, root / "customer_master.duckdb", settings=sample_settings_file)


@pytest.fixture
def with_key(monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    monkeypatch.setenv(WEAK_CRYPTO_VARIABLE, "1")


def _known_customers(encrypted_warehouse, plain_warehouse, limit=20) -> list[bytes]:
    """Names and mobiles of the encrypted warehouse (read with the key) that can be found in
    the bytes of the plain sample warehouse, which holds the same rows (the control: a search
    for them in a file can find them at all)."""
    data = plain_warehouse.read_bytes()
    with opened_warehouse(encrypted_warehouse) as con:
        values = [v for row in con.execute("SELECT name, mobile FROM master.customers WHERE mobile IS NOT NULL "
                                           "ORDER BY master_id LIMIT 200").fetchall() for v in row]
    found = [v.encode("utf-8") for v in values if v.encode("utf-8") in data]
    assert len(found) >= 4, "the plain warehouse should show some names and mobiles in its bytes"
    return found[:limit]


def test_an_encrypted_run_publishes_a_warehouse_and_backup_with_no_customer_in_their_bytes(
        encrypted_run, sample_run, with_key):
    warehouse = encrypted_run.warehouse
    backups = layout(warehouse).backup_folders()
    assert backups, "the run keeps a backup of what it published"
    backup = layout(warehouse).backup_warehouse(backups[-1])
    assert is_encrypted(warehouse) and is_encrypted(backup)
    assert not is_encrypted(sample_run.warehouse)
    known = _known_customers(warehouse, sample_run.warehouse)
    with opened_warehouse(warehouse) as con:
        assert con.execute("SELECT encrypted FROM duckdb_databases() WHERE database_name = 'wh'").fetchone()[0]
    for path in (warehouse, backup):
        data = path.read_bytes()
        assert [v.decode() for v in known if v in data] == []


def test_duckdb_cannot_open_the_encrypted_warehouse_without_the_key_or_with_another(encrypted_run, monkeypatch):
    warehouse = encrypted_run.warehouse
    with pytest.raises(duckdb.Error, match="encrypted"):
        duckdb.connect(str(warehouse), read_only=True)
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    with pytest.raises(WarehouseKeyError, match=KEY_VARIABLE):
        open_warehouse(warehouse)
    monkeypatch.setenv(KEY_VARIABLE, "not the key")
    with pytest.raises(WarehouseKeyError, match=f"{KEY_VARIABLE} does not open"):
        open_warehouse(warehouse)


def test_the_run_itself_read_the_encrypted_warehouse_through_the_opener(encrypted_run):
    """The Dagster asset checks and the run summary open the published file: with the
    key they ran, passed, and read the run's own meta.runs row."""
    assert encrypted_run.checks and all(encrypted_run.checks.values()), encrypted_run.checks
    assert encrypted_run.run["run_id"] == encrypted_run.run_id
    assert encrypted_run.run["master_customers"] > 0


def test_check_and_review_export_work_with_the_key_and_stop_clearly_without(encrypted_run, tmp_path,
                                                                           monkeypatch, capsys):
    warehouse = str(encrypted_run.warehouse)
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    with opened_warehouse(encrypted_run.warehouse) as con:
        name, mobile = con.execute("SELECT name, mobile FROM master.customers WHERE mobile IS NOT NULL "
                                   "ORDER BY master_id LIMIT 1").fetchone()
    assert cli.main(["check", "--warehouse", warehouse, "--name", name, "--mobile", mobile, "--json"]) == 0
    assert name in capsys.readouterr().out
    workbook = tmp_path / "review.xlsx"
    assert cli.main(["review", "export", "--warehouse", warehouse, "--out", str(workbook)]) == 0
    assert workbook.is_file()
    capsys.readouterr()

    monkeypatch.delenv(KEY_VARIABLE)
    assert cli.main(["check", "--warehouse", warehouse, "--name", name]) == 2
    assert cli.main(["review", "export", "--warehouse", warehouse, "--out", str(tmp_path / "no.xlsx")]) == 2
    errors = capsys.readouterr().err
    assert errors.count(f"set {KEY_VARIABLE} to its key") == 2 and "Traceback" not in errors
    assert not (tmp_path / "no.xlsx").exists()


def test_a_key_set_on_an_unencrypted_warehouse_reads_it_with_a_warning_and_a_restore_encrypts_it(
        sample_run, sample_warehouse_copy, with_key, caplog):
    """The warehouse in place was published without a key: it is read as it is,
    saying so; a new warehouse written with the key set (here a restore, as a run's
    publish would be) is encrypted."""
    logger = logging.getLogger("customer_master.warehouse.open")
    logger.addHandler(caplog.handler)  # directly: `customer-master run` stops its loggers propagating
    try:
        with opened_warehouse(sample_warehouse_copy) as con:
            masters = con.execute("SELECT count(*) FROM master.customers").fetchone()[0]
    finally:
        logger.removeHandler(caplog.handler)
    assert f"{KEY_VARIABLE} is set, but {sample_warehouse_copy} is not encrypted" in caplog.text
    restore_run(sample_warehouse_copy, sample_run.run_id)
    assert is_encrypted(sample_warehouse_copy)
    with opened_warehouse(sample_warehouse_copy) as con:
        assert con.execute("SELECT count(*) FROM master.customers").fetchone()[0] == masters
        comments = con.execute("SELECT count(*) FROM duckdb_columns() WHERE database_name = 'wh' "
                               "AND comment IS NOT NULL").fetchone()[0]
    with duckdb.connect(str(sample_run.warehouse), read_only=True) as con:  # nothing lost in the copy
        assert comments == con.execute("SELECT count(*) FROM duckdb_columns() WHERE comment IS NOT NULL "
                                       "AND database_name = current_database()").fetchone()[0]


def test_an_encrypted_backup_cannot_be_restored_without_its_key(encrypted_run, tmp_path, monkeypatch, capsys):
    warehouse = copy_warehouse(encrypted_run.warehouse, tmp_path / "wh" / "customer_master.duckdb")
    before = warehouse.read_bytes()
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    assert cli.main(["restore", encrypted_run.run_id, "--warehouse", str(warehouse)]) == 2
    assert f"set {KEY_VARIABLE} to its key" in capsys.readouterr().err
    assert warehouse.read_bytes() == before


def _httpfs_loadable() -> bool:
    with duckdb.connect() as con:
        try:
            con.execute("LOAD httpfs")
        except duckdb.Error:
            return False
    return True


def test_a_key_that_this_duckdb_cannot_encrypt_with_stops_the_run_before_it_starts(tmp_path, monkeypatch,
                                                                                   capsys):
    """Without DuckDB's httpfs (OpenSSL) and without the opt-in to its built-in crypto,
    a key set stops the CLI run (exit 2) and the Dagster run at its first step,
    naming the variables, and nothing is published. Where httpfs is installed the
    key is usable as it is."""
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    monkeypatch.delenv(WEAK_CRYPTO_VARIABLE, raising=False)
    warehouse = tmp_path / "customer_master.duckdb"
    if _httpfs_loadable():
        check_encryption_ready()
        return
    with pytest.raises(EncryptionUnavailable, match=WEAK_CRYPTO_VARIABLE):
        check_encryption_ready()
    assert cli.main(["run", "--inbox", str(SAMPLE_INBOX), "--warehouse", str(warehouse), "--quiet"]) == 2
    assert "cannot write encrypted files" in capsys.readouterr().err
    outcome = run_pipeline(SAMPLE_INBOX, warehouse, expect_failure=True)  # the Dagster run's first steps check it too
    assert not outcome.success and WEAK_CRYPTO_VARIABLE in outcome.error
    assert outcome.failed_step in {"ingested_rows", "previous_state", "steward_decisions"}
    assert not warehouse.exists()
