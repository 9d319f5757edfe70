"""Personal data is not world-readable: the warehouse and everything the pipeline
keeps beside it (state/, models/, the ingest cache, the lock, the run ledger,
the staging Parquet) is its owner's only, whatever the umask of the process."""

import os
import stat

from conftest import run_pipeline, write_csv
from customer_master.cli import main
from customer_master.config import ingest_cache_dir


def test_everything_beside_the_warehouse_is_its_owners_only(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "sales" / "a.csv", ["客户名称,手机,邮箱", "华信科技有限公司,13800138000,info@huaxin.cn",
                                          "宏达物流有限公司,13900139000,wl@hongda.cn"])
    write_csv(inbox / "shop" / "b.csv", ["Customer Name,Mobile", "华信科技有限公司,138 0013 8000",
                                         "张伟,13700137000"])
    out = tmp_path / "out"  # none of it exists: the pipeline makes every folder down to the warehouse
    warehouse = out / "wh" / "customer_master.duckdb"
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

    modes = {}
    for folder, folders, files in os.walk(out):
        for path in [folder, *(os.path.join(folder, name) for name in files)]:
            modes[os.path.relpath(path, out)] = stat.S_IMODE(os.lstat(path).st_mode)
    wh = "wh"
    run_id = outcome.run["run_id"]
    for expected in [wh, f"{wh}/customer_master.duckdb", f"{wh}/.customer_master.duckdb.lock",
                     f"{wh}/customer_master.runs.jsonl", f"{wh}/state", f"{wh}/state/xref.parquet",
                     f"{wh}/state/decisions.parquet", f"{wh}/models/{run_id}/company.json",
                     f"{wh}/models/{run_id}/company_match_weights.html",
                     os.path.relpath(ingest_cache_dir(warehouse), out),
                     f"{wh}/staging-customer_master/ingested_rows/rows.parquet",
                     f"{wh}/staging-customer_master/matched_clusters/manifest.json"]:
        assert expected in modes, f"{expected} not written"
    assert any(path.startswith(os.path.relpath(ingest_cache_dir(warehouse), out) + "/") for path in modes)
    readable = {path: oct(mode) for path, mode in modes.items() if mode & 0o077}
    assert not readable, f"readable by others: {readable}"
    folders = {path for path in modes if os.path.isdir(out / path)}
    assert {modes[path] for path in folders} == {0o700}
    assert {modes[path] for path in set(modes) - folders} == {0o600}
    assert not [path for path in modes if "building" in path], "the build folder was not cleaned up"
