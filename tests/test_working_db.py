"""The DuckDB the stages compute in keeps to its memory limit and spills into a
private folder of its own, never into the folder the run was started from."""

import os
import stat

import subprocess
import sys

from customer_master.working_db import (SPILL_PREFIX, WORKING_MEMORY, remove_abandoned_spill_folders, spill_folder,
                                        working_connection)


def test_a_working_connection_spills_into_a_private_folder_within_its_memory_limit(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # DuckDB's default would be ./.tmp here
    with working_connection() as con:
        limit, spill = con.execute("SELECT current_setting('memory_limit'), current_setting('temp_directory')") \
            .fetchone()
        # a sort far larger than a 100 MB limit completes by spilling into the private folder
        con.execute("SET memory_limit = '100MB'")
        con.execute("CREATE TABLE t AS SELECT md5(i::VARCHAR) || md5((i * 7)::VARCHAR) AS s "
                    "FROM range(3000000) r(i)")
        assert con.execute("SELECT count(*) FROM (SELECT s FROM t ORDER BY s)").fetchone()[0] == 3_000_000
    assert spill == str(spill_folder()) and os.path.isdir(spill)
    assert stat.S_IMODE(os.stat(spill).st_mode) == 0o700
    assert not (tmp_path / ".tmp").exists()
    expected_gib = float(WORKING_MEMORY.removesuffix("GB"))
    assert limit.endswith("GiB") and abs(float(limit.split()[0]) - expected_gib * 1e9 / 2**30) < 0.1


def test_a_spill_folder_left_by_a_process_that_ended_is_removed_and_a_live_ones_kept(tmp_path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                           text=True, check=True)
    abandoned = tmp_path / f"{SPILL_PREFIX}{ended.stdout.strip()}-abcd"
    live = tmp_path / f"{SPILL_PREFIX}{os.getpid()}-efgh"
    unrelated = tmp_path / f"{SPILL_PREFIX}notapid"
    for folder in (abandoned, live, unrelated):
        folder.mkdir()
    (abandoned / "duckdb_temp_block-1.block").write_bytes(b"customer rows")
    assert remove_abandoned_spill_folders(tmp_path) == [abandoned]
    assert not abandoned.exists() and live.exists() and unrelated.exists()
    # this process's own folder carries its pid, so the next process can tell
    assert spill_folder().name.startswith(f"{SPILL_PREFIX}{os.getpid()}-")
