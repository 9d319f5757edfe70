"""Personal data is not world-readable: the warehouse and everything the pipeline
keeps in its folder (state/, models/, the ingest and row caches, the carried pairs, the lock, the run ledger,
the backups, the staging Parquet) is its owner's only, whatever the umask of the process."""

import os
import stat
from pathlib import Path

from conftest import run_pipeline, write_csv
from customer_master.cli import main
from customer_master.pipelines.resources import StageResultIOManager
from customer_master.warehouse.layout import layout


def _modes(root: Path, relative_to: Path) -> dict[str, int]:
    """Mode of every file and folder under root; a folder's path ends in '/'."""
    modes = {}
    for folder, folders, files in os.walk(root):
        modes[os.path.relpath(folder, relative_to) + "/"] = stat.S_IMODE(os.lstat(folder).st_mode)
        for name in files:
            path = os.path.join(folder, name)
            modes[os.path.relpath(path, relative_to)] = stat.S_IMODE(os.lstat(path).st_mode)
    return modes


def test_everything_beside_the_warehouse_is_its_owners_only(tmp_path, capsys, monkeypatch):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "sales" / "a.csv", ["客户名称,手机,邮箱", "华信科技有限公司,13800138000,info@huaxin.cn",
                                          "宏达物流有限公司,13900139000,wl@hongda.cn"])
    write_csv(inbox / "shop" / "b.csv", ["Customer Name,Mobile", "华信科技有限公司,138 0013 8000",
                                         "张伟,13700137000"])
    out = tmp_path / "out"  # none of it exists: the pipeline makes every folder down to the warehouse
    warehouse = out / "wh" / "customer_master.duckdb"
    staged = {}  # a run's staging goes when the run ends: look at it after each step has written its result
    handle_output = StageResultIOManager.handle_output

    def watched(self, context, obj):
        handle_output(self, context, obj)
        staged.update(_modes(Path(self.base_dir), out))

    monkeypatch.setattr(StageResultIOManager, "handle_output", watched)
    before = os.umask(0o022)  # the usual umask: files 0644 and folders 0755 unless the code says otherwise
    try:
        outcome = run_pipeline(inbox, warehouse)
        # a steward's decision is stored in state/ too
        detached = main(["review", "detach", "--warehouse", str(warehouse), "--source", "sales",
                         "--file", "sales/a.csv", "--row", "3"])
    finally:
        os.umask(before)
    assert outcome.success, outcome.error
    assert detached == 0, capsys.readouterr().err

    modes = _modes(out, out)
    wh, folder = "wh", "wh/customer_master.duckdb.d"
    run_id = outcome.run["run_id"]
    where = layout(warehouse)
    for expected in [f"{wh}/", f"{wh}/customer_master.duckdb", f"{folder}/", f"{folder}/lock", f"{folder}/runs.jsonl",
                     f"{folder}/state/", f"{folder}/state/xref.parquet", f"{folder}/state/decisions.parquet",
                     f"{folder}/models/{run_id}/company.json", f"{folder}/models/{run_id}/company_match_weights.html",
                     f"{folder}/ingest-cache/", f"{folder}/row-cache/validate/", f"{folder}/row-cache/standardise/",
                     f"{folder}/match-carry/{run_id}/pairs.parquet", f"{folder}/match-carry/{run_id}/rows.parquet",
                     os.path.relpath(where.backup_warehouse(where.backup(1, run_id)), out),
                     f"{folder}/backups/000001-{run_id}/state/xref.parquet"]:
        assert expected in modes, f"{expected} not written"
    assert any(path.startswith(f"{folder}/ingest-cache/") for path in modes)
    for expected in [f"{folder}/staging/{run_id}/ingested_rows/rows.parquet",
                     f"{folder}/staging/{run_id}/matched_clusters/manifest.json"]:
        assert expected in staged, f"{expected} not written"
    assert not [path for path in modes if "/staging/" in path], "the run's staging was not removed"
    modes.update(staged)
    readable = {path: oct(mode) for path, mode in modes.items() if mode & 0o077}
    assert not readable, f"readable by others: {readable}"
    folders = {path for path in modes if path.endswith("/")}
    assert {modes[path] for path in folders} == {0o700}
    assert {modes[path] for path in set(modes) - folders} == {0o600}
    assert not [path for path in modes if "building" in path], "the build folder was not cleaned up"
