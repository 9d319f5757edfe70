"""`customer-master run` as a user runs it: a real subprocess."""

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from conftest import write_csv

CLI = [str(Path(sys.executable).with_name("customer-master"))]


def _run(*args, cwd=None):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_run_prints_a_summary_and_publishes(tmp_path):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "sales" / "a.csv", ["客户名称,手机,邮箱", "华信科技有限公司,13800138000,info@huaxin.cn",
                                          "合计,1,"])
    write_csv(inbox / "shop" / "b.csv", ["Customer Name,Mobile", "华信科技有限公司,138 0013 8000", "张伟,13900139000"])
    warehouse = tmp_path / "out" / "cm.duckdb"
    review = tmp_path / "review"  # a workbook that is not one: the run sets it aside there, and goes on
    (review / "inbox").mkdir(parents=True)
    (review / "inbox" / "filled.xlsx").write_bytes(b"not a workbook")
    result = _run("run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--review-dir", str(review))
    assert result.returncode == 0, result.stderr
    assert [p.name.endswith("-filled.xlsx") for p in (review / "rejected").glob("*.xlsx")] == [True]
    assert "2 read, 0 rejected" in result.stdout
    assert "4 ingested: 3 accepted, 1 quarantined" in result.stdout
    assert "totals row" in result.stdout
    assert f"warehouse      {warehouse}" in result.stdout
    assert "ingest [1/2] sales/a.csv" in result.stderr  # progress goes to stderr
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM master.xref").fetchone()[0] == 3


def test_a_missing_inbox_is_a_clear_error(tmp_path):
    result = _run("run", "--inbox", str(tmp_path / "nowhere"), "--warehouse", str(tmp_path / "w.duckdb"))
    assert result.returncode == 2
    assert "inbox folder not found" in result.stderr


def test_a_failing_run_exits_non_zero_with_the_cause(tmp_path):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "sales" / "a.csv", ["客户名称", "华信科技有限公司"])
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("a file where the warehouse folder should be")
    result = _run("run", "--inbox", str(inbox), "--warehouse", str(blocker / "cm.duckdb"))
    assert result.returncode == 1
    assert "error: the run failed before its first step: cannot use" in result.stderr  # its folder cannot be made
    assert "No warehouse was published" in result.stderr
    assert "Traceback" not in result.stderr


def test_default_paths_work_from_the_project_root(tmp_path):
    project = tmp_path / "project"
    sample = Path(__file__).resolve().parents[1] / "data" / "inbox"
    # a workbook of the sample inbox with a notes sheet that is not read
    notes = "channel/经销商_华东_2026Q3.xlsx"
    (project / "data" / "inbox" / "channel").mkdir(parents=True)
    shutil.copy2(sample / notes, project / "data" / "inbox" / notes)
    shutil.copy2(sample / "sources.yaml", project / "data" / "inbox" / "sources.yaml")
    result = _run("run", "--quiet", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "data" / "warehouse" / "customer_master.duckdb").exists()
    assert "masters" in result.stdout
    assert "ingest [" not in result.stderr  # --quiet: no progress lines, warnings only
    assert "sheet '说明': rejected" in result.stderr
