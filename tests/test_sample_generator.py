"""The sample generator is deterministic and writes what the issue asks for."""

import hashlib

import pandas as pd

from conftest import SAMPLE_INBOX, SAMPLE_TRUTH
from customer_master.sample.generate import generate


def _digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    a = generate(tmp_path / "a", tmp_path / "a.csv", seed=7, scale=0.1)
    b = generate(tmp_path / "b", tmp_path / "b.csv", seed=7, scale=0.1)
    generate(tmp_path / "c", tmp_path / "c.csv", seed=8, scale=0.1)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()
    assert a["rows"] == b["rows"] > 100


def test_the_committed_sample_is_the_generators_output(tmp_path):
    summary = generate(tmp_path / "inbox", tmp_path / "truth.csv")
    assert _digest(tmp_path / "inbox") == _digest(SAMPLE_INBOX)
    assert (tmp_path / "truth.csv").read_bytes() == SAMPLE_TRUTH.read_bytes()
    assert summary["lookalike_groups"] >= 40


def test_the_sample_has_the_hard_cases():
    truth = pd.read_csv(SAMPLE_TRUTH, dtype=str, keep_default_na=False)
    assert truth.source.nunique() >= 5
    assert {".xlsx", ".csv"} <= {f[f.rfind("."):] for f in truth.file}
    assert {"record", "totals", "no_name"} <= set(truth.row_kind)
    assert truth[truth.lookalike_group != ""].groupby("lookalike_group").entity_id.nunique().min() >= 2
    departments_per_entity = truth[truth.row_kind == "record"].groupby("entity_id").source.nunique()
    assert (departments_per_entity >= 2).mean() > 0.9
    csv_bytes = {p.name: p.read_bytes() for p in SAMPLE_INBOX.rglob("*.csv")}
    assert any(b.startswith(b"\xef\xbb\xbf") for b in csv_bytes.values())  # UTF-8 with BOM
    gbk = [b for b in csv_bytes.values() if not b.startswith(b"\xef\xbb\xbf")]
    assert any(_not_utf8(b) and b.decode("gbk") for b in gbk)  # GBK


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False
