"""Shared fixtures: the committed sample inbox run once through the real asset
graph (Dagster in-process, Splink, DuckDB), copies of its published warehouse for
tests that write to one, and helpers that write real xlsx and csv files into
throw-away inboxes."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# Every run leaves a review workbook in its review folder (default data/review/, read when
# customer_master.config is imported): the tests' runs, the CLI's in subprocesses too, write
# theirs into a folder of the session's own, never into the project's data/review/.
_REVIEW = tempfile.mkdtemp(prefix="cm-test-review-")
os.environ["CUSTOMER_MASTER_REVIEW"] = _REVIEW
atexit.register(shutil.rmtree, _REVIEW, True)

import openpyxl
import pytest

from customer_master.match.threshold import DEFAULT_MATCH_THRESHOLD
from customer_master.run_inprocess import RunOutcome, run_consolidation
from customer_master.warehouse.layout import layout

PROJECT = Path(__file__).resolve().parents[1]
SAMPLE_INBOX = PROJECT / "data" / "inbox"
SAMPLE_TRUTH = PROJECT / "data" / "sample_truth.csv"


def run_pipeline(inbox: Path, warehouse: Path, threshold: float = DEFAULT_MATCH_THRESHOLD,
                 max_file_mb: float = 100.0, settings: Path | None = None, *, expect_failure: bool = False,
                 **options) -> RunOutcome:
    """A real run (the staging Parquet in the warehouse's own folder); options: wait, keep_backups,
    review_dir (default: `review/` beside the warehouse), full. The run must succeed, so that a
    broken run fails the test here, naming its step, rather than at a later assertion on its
    results; a test about a failing run says so with expect_failure, and then it must fail."""
    options.setdefault("review_dir", Path(warehouse).parent / "review")
    outcome = run_consolidation(inbox, warehouse, None, threshold, max_file_mb, settings, **options)
    if expect_failure:
        assert not outcome.success, f"the run on {inbox} succeeded; the test expected it to fail"
    else:
        assert outcome.success, f"the run on {inbox} failed in {outcome.failed_step}: {outcome.error}"
    return outcome


def write_xlsx(path: Path, sheets: dict[str, list[list]], merge: dict[str, list[str]] | None = None) -> Path:
    """A real workbook: one sheet per key, rows as given (None = empty cell)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cell_range in (merge or {}).get(name, []):
            sheet.merge_cells(cell_range)
    workbook.save(path)
    return path


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\n".join(lines).encode(encoding) + b"\n")
    return path


SAMPLE_SETTINGS = PROJECT / "data" / "settings.yaml"
SAMPLE_AS_OF = "2026-11-15"  # the generator's reference date: its activity sheets end there


def sample_settings(folder: Path) -> Path:
    """The committed settings with as_of at the sample's reference date, so segments
    and review reminders do not depend on the day the tests run."""
    text = SAMPLE_SETTINGS.read_text(encoding="utf-8").replace("as_of: null", f"as_of: {SAMPLE_AS_OF}")
    assert f"as_of: {SAMPLE_AS_OF}" in text
    path = folder / "settings.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def sample_departments(inbox: Path, departments: list[str]) -> Path:
    """An inbox of some departments of the sample inbox, with its sources.yaml: for a test that
    needs real sample rows but not a run of the whole sample."""
    for department in departments:
        shutil.copytree(SAMPLE_INBOX / department, inbox / department)
    shutil.copy2(SAMPLE_INBOX / "sources.yaml", inbox / "sources.yaml")
    return inbox


def copy_warehouse(warehouse: Path, target: Path) -> Path:
    """A copy of a published warehouse with everything its runs keep (`<warehouse>.d/`:
    ledger, state, decisions, models, ingest cache, backups): the next run on the copy
    starts from that run's state as it would on the original."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(warehouse, target)
    shutil.copytree(layout(warehouse).folder, layout(target).folder)
    return target


def pytest_configure(config):
    """The work units of the workers that run the default tier (tests/work_units.py)."""
    import work_units

    config.pluginmanager.register(work_units, "work_units")


@pytest.fixture(scope="session")
def sample_settings_file(tmp_path_factory) -> Path:
    """The settings the session's sample run used (sample_settings): a later run on a
    copy of its warehouse uses them too."""
    return sample_settings(tmp_path_factory.mktemp("sample_settings"))


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory, sample_settings_file) -> RunOutcome:
    """The sample inbox consolidated once for the whole session. Its warehouse is
    read-only for the tests: a test that writes to it or runs again takes a copy
    (sample_warehouse_copy)."""
    folder = tmp_path_factory.mktemp("sample")
    warehouse = folder / "customer_master.duckdb"
    return run_pipeline(SAMPLE_INBOX, warehouse, settings=sample_settings_file)


@pytest.fixture(scope="session")
def sample_checker(sample_run):
    """The duplicate check's index on the sample run's warehouse, built once for the session
    (tests/test_check.py, tests/test_check_scoring.py): the tests only read it."""
    from customer_master.check import DuplicateChecker

    return DuplicateChecker(sample_run.warehouse)


@pytest.fixture(scope="session")
def sample_entities():
    """The customers the sample generator draws at its default seed: (companies, persons)."""
    from customer_master.sample.entities import build_entities
    from customer_master.sample.generate import DEFAULT_SEED

    return build_entities(DEFAULT_SEED, 1.0)


@pytest.fixture
def sample_warehouse_copy(sample_run, tmp_path) -> Path:
    """A copy of the sample run's warehouse and its folder, as if that run had published here."""
    return copy_warehouse(sample_run.warehouse, tmp_path / "wh" / "customer_master.duckdb")


def write_new_departments(inbox: Path) -> None:
    """Departments the sample inbox does not have, added to a copy of it (the models train
    on a realistic volume, as they would in production):
    华中大区 and 会员中心: customers that look alike but are different, next to real
    duplicates (test_lookalikes.py);
    华南办事处: common but unseen header spellings, a title row, a totals row and a GBK csv,
    without any configuration (test_match_quality.py)."""
    header = ["客户名称", "手机", "电话", "邮箱", "地址"]
    write_xlsx(inbox / "华中大区" / "客户.xlsx", {"客户": [header,
        ["北京恒泰鑫科技有限公司", "13811112222", "010-62345678", "info@hengtaixin.cn", "北京市海淀区学院路1号"],
        ["恒泰鑫(北京)科技有限公司", "13811112222", None, None, "北京市海淀区学院路1号"],
        ["上海恒泰鑫科技有限公司", "13922223333", "021-61234567", "sh@hengtaixin.cn", "上海市徐汇区漕溪路2号"],
        ["北京恒泰鑫科技有限公司上海分公司", None, "021-61234567", "sh@hengtaixin.cn", "上海市徐汇区漕溪路2号"],
        ["北京恒泰鑫物流有限公司", "13733334444", None, "wl@hengtaixin.cn", "北京市朝阳区东三环3号"],
    ]})
    write_csv(inbox / "会员中心" / "members.csv", [
        "姓名,手机号,出生日期,性别",
        "张伟,13612340001,1980-01-01,男",
        "张 伟,13612340001,1980-01-01,男",
        "张伟,13712340002,1992-07-15,男",
        "張偉,13812340003,1975-11-30,男",
    ])
    new = inbox / "华南办事处"
    write_xlsx(new / "客户清单（2026）.xlsx", {
        "客户": [["华南办事处客户清单"], [], ["序号", "企业名称", "联系手机", "E-mail Address", "办公地址", "对接人", "拜访次数"],
                 [1, "深圳市华信电子有限公司", "13812345678", "sales@huaxin-sz.cn", "广东省深圳市南山区科技园1号", "刘洋", 3],
                 [2, "广州宏达贸易有限公司", "13912345678", "hd@hongda-gz.cn", "广东省广州市天河区2号", "王芳", 1],
                 [None, None, None, None, None, None, None],
                 ["合计", None, None, None, None, None, 4]],
    })
    write_csv(new / "persons.csv", ["Client Name,Cell Phone,Date of Birth,Sex", "陈静,13612345678,1985/6/1,女"],
              encoding="gbk")


@pytest.fixture(scope="session")
def new_departments_run(tmp_path_factory) -> RunOutcome:
    """The sample inbox with write_new_departments' departments, consolidated once for the session."""
    root = tmp_path_factory.mktemp("new_departments")
    inbox = root / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    write_new_departments(inbox)
    return run_pipeline(inbox, root / "w.duckdb")


@pytest.fixture
def sample_inbox_copy(tmp_path) -> Path:
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    return inbox
