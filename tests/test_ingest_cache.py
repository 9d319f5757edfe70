"""An unchanged inbox file is not read again: ingest takes what it read last time
from the warehouse's ingest cache; a changed file, a changed source setting or a
removed file is noticed."""

import os
import stat

import pandas as pd

from conftest import write_csv
from customer_master.ingest.cache import IngestCache
from customer_master.ingest.inbox import ingest_inbox


def _inbox(tmp_path):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "shop" / "members.csv", ["姓名,手机号", "张伟,13800138001", "王芳,13900139002"])
    write_csv(inbox / "sales" / "accounts.csv", ["客户名称,电话", "华信科技有限公司,021-62345678"])
    return inbox


def test_an_unchanged_file_is_not_read_again(tmp_path):
    inbox, cache_dir = _inbox(tmp_path), tmp_path / "cache"
    first = ingest_inbox(inbox, cache=IngestCache(cache_dir))
    members = inbox / "shop" / "members.csv"
    # the same size and time, other bytes: only a file that is read again would show them
    before = members.stat()
    members.write_bytes(members.read_bytes().replace("张伟".encode(), "李娜".encode()))
    os.utime(members, ns=(before.st_atime_ns, before.st_mtime_ns))
    again = ingest_inbox(inbox, cache=IngestCache(cache_dir))
    assert first.files_unchanged == 0 and again.files_unchanged == 2
    pd.testing.assert_frame_equal(first.rows, again.rows)
    pd.testing.assert_frame_equal(first.files, again.files)  # the fingerprint too, without hashing again
    pd.testing.assert_frame_equal(first.sheets, again.sheets)


def test_a_changed_file_or_setting_is_read_again_and_a_removed_one_forgotten(tmp_path):
    inbox, cache_dir = _inbox(tmp_path), tmp_path / "cache"
    ingest_inbox(inbox, cache=IngestCache(cache_dir))
    write_csv(inbox / "shop" / "members.csv", ["姓名,手机号", "李娜,13800138001", "王芳,13900139002", "赵六,137"])
    changed = ingest_inbox(inbox, cache=IngestCache(cache_dir))
    assert changed.files_unchanged == 1 and "李娜" in set(changed.rows.name)
    (inbox / "sources.yaml").write_text("sources:\n  sales: {party_type: company, trust_rank: 1}\n", encoding="utf-8")
    resettled = ingest_inbox(inbox, cache=IngestCache(cache_dir))
    assert resettled.files_unchanged == 1  # the sales file is read again under its new settings
    assert set(resettled.rows.loc[resettled.rows.source == "sales", "trust_rank"]) == {1}
    (inbox / "sales" / "accounts.csv").unlink()
    ingest_inbox(inbox, cache=IngestCache(cache_dir))
    assert len(list(cache_dir.glob("*.parquet"))) == 1  # the removed file's entry is gone


def test_the_cache_is_readable_by_its_owner_only(tmp_path):
    cache_dir = tmp_path / "cache"
    ingest_inbox(_inbox(tmp_path), cache=IngestCache(cache_dir))
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in cache_dir.iterdir()} == {0o600}
