"""One run at a time per warehouse, end to end (issue 11): the lock covers the
whole read-compute-write cycle for CLI and Dagster runs alike; everything a run
keeps lives in `<warehouse>.d/`; a killed run leaves the last master intact and
its leftovers are cleaned by the next; a publish is recorded once its warehouse
is in place; backups and `customer-master restore`; truthful failure messages.

Other processes are synchronised through their pipes (a line printed when they
reach a point, a line sent to let them go on), never by sleeping."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from conftest import copy_warehouse, run_pipeline, write_csv
from customer_master.cli import main
from customer_master.pipelines.definitions import build_definitions
from customer_master.pipelines.triggers import CONSOLIDATE_JOB
from customer_master.warehouse import publish
from customer_master.warehouse.layout import layout
from customer_master.warehouse.publish import read_run_history

CLI = str(Path(sys.executable).with_name("customer-master"))
HEADER = "客户名称,手机,邮箱"
FIRST = [HEADER, "华信科技有限公司,13800138000,info@huaxin.cn", "宏达物流有限公司,13900139000,wl@hongda.cn",
         "华信科技有限公司,138 0013 8000,"]
NEW = [HEADER, "鹏天食品股份有限公司,13116927447,contact@pengtian.cn", "永桥医药有限公司,13522220002,",
       "凯鹏食品有限责任公司,13611112222,kp@kaipeng.cn"]

# holds the warehouse's lock until a line arrives on stdin
HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from customer_master.warehouse.lock import run_lock
    with run_lock(Path(sys.argv[1])):
        print("held", flush=True)
        sys.stdin.readline()
""")

# a real run that stops at a point (`stage`) to say so, and goes on when a line arrives on stdin
PAUSING_RUN = textwrap.dedent("""
    import sys
    from pathlib import Path
    import customer_master.assets.master as master
    from customer_master.warehouse import publish
    from customer_master.run_inprocess import run_consolidation

    inbox, warehouse, stage = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    def pause_in(module, name):
        real = getattr(module, name)
        def paused(*args, **kwargs):
            if name != "_write_tables":
                print(f"at {stage}", flush=True)
                sys.stdin.readline()
            result = real(*args, **kwargs)
            if name == "_write_tables":  # the new file holds every table, not yet swapped in
                print(f"at {stage}", flush=True)
                sys.stdin.readline()
            return result
        setattr(module, name, paused)
    target = {"reading state": (master, "load_state"), "building": (publish, "_write_tables"),
              "after the swap": (publish, "commit_publish")}[stage]
    pause_in(*target)
    outcome = run_consolidation(inbox, warehouse)
    print("published" if outcome.success else f"failed: {outcome.error}", flush=True)
""")


def _start(script: str, *args, stderr=subprocess.DEVNULL) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=stderr, text=True)


def _ids(warehouse: Path) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {m for (m,) in con.execute("SELECT master_id FROM master.customers").fetchall()}


def _runs(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [r for (r,) in con.execute("SELECT run_id FROM meta.runs").fetchall()]


def _ledger(warehouse: Path) -> list[str]:
    return [r["run_id"] for r in read_run_history(warehouse)]


def _leftovers(warehouse: Path) -> list[str]:
    """What a finished run must not leave: staging Parquet, build files, pending publishes, temporary files."""
    where = layout(warehouse)
    found = [*where.staging.rglob("*"), *where.building.rglob("*"), *where.backups.glob("*.pending"),
             *where.folder.rglob(".tmp-*"), *warehouse.parent.glob(".*building*"), *warehouse.parent.glob("*.wal")]
    return sorted(str(p.relative_to(warehouse.parent)) for p in found)


@pytest.fixture(scope="module")
def published_once(tmp_path_factory):
    """A warehouse published once from a small inbox; the inbox then gains a file of new customers.
    Run once for the module: each test works on a copy (published)."""
    root = tmp_path_factory.mktemp("published")
    inbox, warehouse = root / "inbox", root / "wh" / "customer_master.duckdb"
    write_csv(inbox / "sales" / "a.csv", FIRST)
    first = run_pipeline(inbox, warehouse)
    write_csv(inbox / "shop" / "new.csv", NEW)
    return inbox, warehouse, first


@pytest.fixture
def published(published_once, tmp_path):
    """A copy of published_once's inbox, and of its warehouse with everything the run kept:
    inbox, warehouse and the first run's outcome."""
    inbox, warehouse, first = published_once
    shutil.copytree(inbox, tmp_path / "inbox")  # modification times kept: the ingest cache knows the files
    return tmp_path / "inbox", copy_warehouse(warehouse, tmp_path / "wh" / warehouse.name), first


@pytest.mark.long  # two more processes, one waiting for the other's whole run (pytest -m long -n 0)
def test_a_second_run_waits_for_the_first_and_starts_from_its_state(published):
    inbox, warehouse, first = published
    a = _start(PAUSING_RUN, inbox, warehouse, "reading state")
    try:
        assert a.stdout.readline().strip() == "at reading state"  # A holds the lock and is about to read the state
        b = subprocess.Popen([CLI, "run", "--wait", "--inbox", str(inbox), "--warehouse", str(warehouse)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            waiting = ""
            while "waiting for it to finish" not in waiting:
                line = b.stderr.readline()
                assert line, "the second run did not say it waits"
                waiting = line
            assert f"another run on {warehouse} is in progress (pid {a.pid}, started " in waiting
            a.stdin.write("go\n")
            a.stdin.flush()
            assert a.stdout.readline().strip() == "published"
            out, err = b.communicate(timeout=300)
        finally:
            b.kill()
    finally:
        a.kill()
    assert b.returncode == 0, err
    assert "master ids     5 kept, 0 new, 0 retired" in out  # B mapped onto A's masters, not the first run's
    runs = _ledger(warehouse)
    assert len(runs) == 3 and runs[0] == first.run["run_id"] and _runs(warehouse) == runs
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM master.id_history").fetchone()[0] == 0
        created = con.execute("SELECT master_ids_created, master_ids_retired FROM meta.runs ORDER BY started_at"
                              ).fetchall()
    assert [tuple(map(int, c)) for c in created] == [(2, 0), (3, 0), (0, 0)]  # no id lost, none given twice


def test_a_second_run_is_refused_with_the_holder_named(published):
    inbox, warehouse, _ = published
    before = warehouse.read_bytes()
    holder = _start(HOLDER, warehouse)
    try:
        assert holder.stdout.readline().strip() == "held"
        refused = subprocess.run([CLI, "run", "--inbox", str(inbox), "--warehouse", str(warehouse)],
                                 capture_output=True, text=True, timeout=300)
        assert refused.returncode == 3
        assert f"error: another run on {warehouse} is in progress (pid {holder.pid}, started " in refused.stderr
        assert "--wait" in refused.stderr and "Traceback" not in refused.stderr
        # a run launched from the Dagster UI takes the lock inside the run, before its first step
        # (told in the Launchpad not to wait: by default it waits)
        defs = build_definitions(inbox=inbox, warehouse=warehouse)
        result = defs.resolve_job_def(CONSOLIDATE_JOB).execute_in_process(
            run_config={"resources": {"run_lock": {"config": {"wait": False}}}},
            instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
        assert not result.success
        assert not [e for e in result.all_events if e.is_step_start], "a step ran beside the other run"
        failure = next(e for e in result.all_events if e.is_run_failure)
        assert f"another run on {warehouse} is in progress (pid {holder.pid}" in str(failure.event_specific_data)
        # and a steward's decision is not stored while a run may be reading the decisions
        assert main(["review", "detach", "--warehouse", str(warehouse), "--source", "sales", "--file",
                     "sales/a.csv", "--row", "3"]) == 2
    finally:
        holder.kill()
        holder.wait()
    assert warehouse.read_bytes() == before
    assert len(_ledger(warehouse)) == 1


@pytest.fixture(scope="module")
def two_published(tmp_path_factory):
    """Two warehouses in one folder (wh/), each published once from its own small inbox:
    customer_master.duckdb from inbox1, then other.duckdb from inbox2. Run once for the module:
    each test works on a copy of the whole folder (two_in_one_folder)."""
    root = tmp_path_factory.mktemp("two")
    write_csv(root / "inbox1" / "sales" / "a.csv", FIRST)
    write_csv(root / "inbox2" / "shop" / "b.csv", NEW)
    run_pipeline(root / "inbox1", root / "wh" / "customer_master.duckdb")
    fresh = run_pipeline(root / "inbox2", root / "wh" / "other.duckdb")
    return root, fresh


@pytest.fixture
def two_in_one_folder(two_published, tmp_path):
    """A copy of two_published's inboxes and folder: the folder, its two warehouses and the second one's run."""
    root, fresh = two_published
    shutil.copytree(root, tmp_path, dirs_exist_ok=True)
    folder = tmp_path / "wh"
    return folder, folder / "customer_master.duckdb", folder / "other.duckdb", fresh


def test_two_warehouses_in_one_folder_keep_their_own_ids(two_in_one_folder, tmp_path):
    folder, one, other, fresh = two_in_one_folder
    again = run_pipeline(tmp_path / "inbox1", one)
    assert (fresh.run["master_ids_kept"], fresh.run["master_ids_created"], fresh.run["master_ids_retired"]) \
        == (0, 3, 0)  # nothing of the other warehouse's inbox retired
    assert (again.run["master_ids_kept"], again.run["master_ids_retired"]) == (2, 0)
    assert not _ids(one) & _ids(other)
    assert len(_ledger(one)) == 2 and len(_ledger(other)) == 1
    assert sorted(p.name for p in folder.iterdir()) == [
        "customer_master.duckdb", "customer_master.duckdb.d", "customer_master.duckdb.shared",  # read surfaces
        "other.duckdb", "other.duckdb.d", "other.duckdb.shared"]


def _to_old_layout(warehouse: Path) -> None:
    """What an earlier version kept: state/, models/ in the folder, the ledger and cache beside the file."""
    where, old = layout(warehouse), layout(warehouse).old_layout()
    shutil.rmtree(old["state"], ignore_errors=True)
    os.replace(where.state, old["state"])
    old["models"].mkdir(exist_ok=True)
    for run in where.models.iterdir():
        os.replace(run, old["models"] / run.name)
    os.replace(where.ledger, old["ledger"])
    os.replace(where.ingest_cache, old["ingest_cache"])
    shutil.rmtree(where.folder)


def test_an_old_layout_moves_in_when_it_is_clearly_this_warehouses(two_in_one_folder, tmp_path):
    _, one, other, _ = two_in_one_folder
    ids_one, ids_other = _ids(one), _ids(other)
    _to_old_layout(one)
    _to_old_layout(other)  # other ran last: the shared state/ is other's
    old = layout(one).old_layout()

    unclear = run_pipeline(tmp_path / "inbox1", one)
    assert unclear.success  # state/ is not this warehouse's: fresh ids, with a warning, state/ left alone
    assert unclear.run["master_ids_kept"] == 0 and old["state"].is_dir()
    assert len(_ledger(one)) == 2  # its own ledger moved in all the same

    clear = run_pipeline(tmp_path / "inbox2", other)
    assert clear.success  # the ids in state/ are exactly other's: it moves in, the ids are kept
    assert (clear.run["master_ids_kept"], clear.run["master_ids_created"]) == (3, 0) and _ids(other) == ids_other
    assert not old["state"].exists() and not old["ledger"].exists() and not old["ingest_cache"].exists()
    assert not old["models"].exists()  # each warehouse took its own runs' models
    assert len(list(layout(other).models.iterdir())) == 2 and len(ids_one) == 2


# the default tier kills a run right after the swap (the next run finishes recording it); the
# kills while reading the state and while building are in the long tier (pytest -m long -n 0)
@pytest.mark.parametrize("stage", [pytest.param("reading state", marks=pytest.mark.long),
                                   pytest.param("building", marks=pytest.mark.long), "after the swap"])
def test_a_run_killed_at_any_stage_leaves_the_last_master_and_the_next_run_cleans_up(published, stage):
    inbox, warehouse, first = published
    before = warehouse.read_bytes()
    killed = _start(PAUSING_RUN, inbox, warehouse, stage)
    try:
        assert killed.stdout.readline().strip() == f"at {stage}"
        where = layout(warehouse)
        if stage == "reading state":  # the stage results so far are on disk
            assert list(where.staging.rglob("*.parquet"))
        if stage == "building":
            assert list(where.building.rglob("customer_master.duckdb"))
        killed.send_signal(signal.SIGKILL)
    finally:
        killed.kill()
        killed.wait()
    ledger = _ledger(warehouse)
    if stage == "after the swap":  # the new master is in place, its run not yet recorded
        assert warehouse.read_bytes() != before and _runs(warehouse)[-1] not in ledger
        killed_run = _runs(warehouse)[-1]
    else:
        assert warehouse.read_bytes() == before
    assert ledger == [first.run["run_id"]]
    assert _leftovers(warehouse)

    after = run_pipeline(inbox, warehouse)
    assert after.success, after.error
    assert _leftovers(warehouse) == []
    if stage == "after the swap":  # recorded before the next run read anything, and its ids kept
        assert _ledger(warehouse) == [first.run["run_id"], killed_run, after.run["run_id"]]
        assert (after.run["master_ids_kept"], after.run["master_ids_created"]) == (5, 0)
    else:
        assert _ledger(warehouse) == [first.run["run_id"], after.run["run_id"]]
        assert (after.run["master_ids_kept"], after.run["master_ids_created"]) == (2, 3)
    assert _runs(warehouse) == _ledger(warehouse)


def test_a_failure_after_the_swap_says_the_new_warehouse_is_in_place(published, monkeypatch, capsys):
    inbox, warehouse, first = published
    before = warehouse.read_bytes()

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish, "_install_files", disk_full)
    assert main(["run", "--quiet", "--inbox", str(inbox), "--warehouse", str(warehouse)]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err
    assert f"swapped in before the failure: {warehouse} holds its masters" in err
    assert "unchanged" not in err
    assert warehouse.read_bytes() != before and len(_ids(warehouse)) == 5
    failed_run = _runs(warehouse)[-1]
    monkeypatch.undo()

    after = run_pipeline(inbox, warehouse)  # finishes recording the failed run first
    assert after.success
    assert _ledger(warehouse) == [first.run["run_id"], failed_run, after.run["run_id"]]
    assert after.run["master_ids_kept"] == 5 and _leftovers(warehouse) == []


def test_a_failure_before_the_swap_says_the_previous_warehouse_is_unchanged(published, monkeypatch, capsys):
    inbox, warehouse, _ = published
    before = warehouse.read_bytes()

    def refused(*args):
        raise publish.PublishRefused("the new warehouse fails its checks, the old one stays")

    monkeypatch.setattr(publish, "_write_tables", refused)
    assert main(["run", "--quiet", "--inbox", str(inbox), "--warehouse", str(warehouse)]) == 1
    err = capsys.readouterr().err
    assert f"The previous warehouse is unchanged: {warehouse}." in err
    assert warehouse.read_bytes() == before and len(_ledger(warehouse)) == 1 and _leftovers(warehouse) == []


def test_restore_puts_a_kept_warehouse_back_with_its_state_as_a_new_run_and_n_are_kept(published, capsys):
    inbox, warehouse, first = published
    first_ids = _ids(warehouse)
    second = run_pipeline(inbox, warehouse, keep_backups=2)
    assert second.success and len(_ids(warehouse)) == 5
    assert len(layout(warehouse).backup_folders()) == 2

    assert main(["restore", "--warehouse", str(warehouse)]) == 0  # lists the kept runs
    listed = capsys.readouterr().out
    assert first.run["run_id"] in listed and second.run["run_id"] in listed
    assert main(["restore", "nosuchrun", "--warehouse", str(warehouse)]) == 2
    assert "no kept warehouse of run 'nosuchrun'" in capsys.readouterr().err

    assert main(["restore", first.run["run_id"][:8], "--warehouse", str(warehouse)]) == 0
    assert f"restored the warehouse of run {first.run['run_id'][:8]} (2 masters)" in capsys.readouterr().out
    assert _ids(warehouse) == first_ids and len(first_ids) == 2
    with duckdb.connect(str(warehouse), read_only=True) as con:
        runs = con.execute("SELECT run_id, restored_from, master_customers FROM meta.runs").fetchall()
    assert [r[0] for r in runs] == _ledger(warehouse) and len(runs) == 3
    assert runs[-1][1] == first.run["run_id"] and runs[-1][2] == 2 and runs[-1][0] != first.run["run_id"]
    assert len(layout(warehouse).backup_folders()) == 3  # the restore is kept too; it prunes none

    after = run_pipeline(inbox, warehouse)  # starts from the restored state: the first run's two ids are kept
    assert after.success
    assert (after.run["master_ids_kept"], after.run["master_ids_created"]) == (2, 3)
    assert first_ids <= _ids(warehouse)
    kept = layout(warehouse).backup_folders()  # the last 3: the oldest went
    assert [layout(warehouse).backup_run_id(k) for k in kept] == _ledger(warehouse)[-3:]
    assert json.loads((kept[-1] / "run.json").read_text(encoding="utf-8"))["run_id"] == after.run["run_id"]
    assert os.path.samefile(layout(warehouse).backup_warehouse(kept[-1]), warehouse)  # a link, not a copy

