"""The scale benchmark's parts: the new department file it splits off for the
nightly run, and the per-step timings the pipeline run reports. The whole
command on a small generated inbox is in the slow tier."""

from __future__ import annotations

import csv
import json
import shutil

import duckdb
import pandas as pd
import pytest

from customer_master.benchmarks import scale
from conftest import SAMPLE_INBOX, SAMPLE_TRUTH, copy_warehouse


def _records(path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_the_new_file_carries_its_rows_and_the_truth_follows_them(tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    truth = pd.read_csv(SAMPLE_TRUTH, dtype=str, keep_default_na=False)
    new = scale.split_off_new_file(inbox, truth, 100, tmp_path / "held")

    source_file = str(new.destination.relative_to(inbox)).replace("_new.csv", ".csv")
    original = _records(SAMPLE_INBOX / source_file)
    held, kept = _records(new.held_out), _records(inbox / source_file)
    moved = new.truth["file"] == new.file
    assert moved.sum() == 100 and len(held) >= 101  # the header and the rows (and any blank row among them)
    first_data_row = int(truth.loc[truth["file"] == source_file, "row_number"].astype(int).min())
    assert held[0] == original[first_data_row - 2]  # the same header
    assert kept + held[1:] == original  # nothing lost, nothing repeated
    # every moved truth row points at its own record in the new file
    before = truth.loc[moved[moved].index]
    for old_number, new_number in zip(before["row_number"].astype(int), new.truth.loc[moved, "row_number"].astype(int)):
        assert held[new_number - 1] == original[old_number - 1]
    assert (new.truth.loc[~moved] == truth.loc[~moved]).all().all()


def _tree(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_an_inbox_generated_earlier_is_used_as_a_copy_and_left_unchanged(tmp_path):
    generated = tmp_path / "generated"
    shutil.copytree(SAMPLE_INBOX, generated / "inbox")
    shutil.copy2(SAMPLE_TRUTH, generated / "truth.csv")
    before = _tree(generated)
    work = tmp_path / "work"
    work.mkdir()
    scale.prepare_inbox(work, rows=10**9, generated=generated)  # --rows does not apply: nothing is generated
    assert _tree(work / "inbox") == _tree(generated / "inbox")
    assert (work / "truth.csv").read_bytes() == (generated / "truth.csv").read_bytes()
    truth = pd.read_csv(work / "truth.csv", dtype=str, keep_default_na=False)
    scale.split_off_new_file(work / "inbox", truth, 100, work / "held_out")  # what the benchmark does next
    assert _tree(work / "inbox") != _tree(generated / "inbox")
    assert _tree(generated) == before


@pytest.mark.parametrize("missing", ["inbox", "truth.csv"])
def test_a_generated_folder_without_its_inbox_or_truth_is_refused(tmp_path, capsys, missing):
    generated = tmp_path / "generated"
    (generated / "inbox").mkdir(parents=True)
    (generated / "truth.csv").write_text("file\n")
    shutil.rmtree(generated / missing) if missing == "inbox" else (generated / missing).unlink()
    with pytest.raises(SystemExit) as exit_:
        scale.main(["--generated", str(generated), "--work", str(tmp_path / "work")])
    assert exit_.value.code == 2
    assert f"no {generated / missing}" in capsys.readouterr().err
    assert not (tmp_path / "work").exists()  # refused before anything was made


def test_a_run_reports_when_each_step_started_and_ended(sample_run):
    steps = sample_run.steps
    assert list(steps)[0] == "ingested_rows"  # in the order they ran
    assert {"validated_rows", "standardised_rows", "matched_clusters", "golden_records",
            "customer_warehouse"} <= set(steps)
    assert all(start <= end for start, end in steps.values())
    assert steps["matched_clusters"][0] >= steps["standardised_rows"][1]


@pytest.mark.slow
def test_benchmark_scale_end_to_end(tmp_path, capsys):
    figures = tmp_path / "figures.json"
    assert scale.main(["--rows", "12000", "--repeat", "1", "--work", str(tmp_path / "work"),
                       "--json", str(figures)]) == 0
    result = json.loads(figures.read_text())
    assert result["pipeline"]["quality"]["precision"] >= 0.99
    assert result["splink"]["seconds"] > 0 and result["splink"]["quality"]["f1"] > 0.5
    night = result["nightly"]
    assert night["pair_agreement_f1"] == 1.0 and night["same_id_as_full_run"] == 1.0
    # the nightly run validated and standardised only the new file's rows
    work, full_work = night["work"], night["full_work"]
    for figure in ("validated_rows.rows_validated", "standardised_rows.rows_standardised"):
        assert 0 < work[figure] <= result["new_file_rows"] < full_work[figure] / 3
    # at 12,000 rows the new file is more than a tenth of its type's rows: the nightly run trains
    # afresh (stored_models.DRIFT_SHARE) and scores every pair again, carrying none (the 200k run carries)
    pairs = "matched_clusters.candidate_pairs_scored"
    assert work[pairs] == full_work[pairs] > 0
    assert work["matched_clusters.pairs_carried"] == 0 == full_work["matched_clusters.pairs_carried"]
    # each measured run's log (per-table publish timings included) is kept beside its figures
    logs = list((tmp_path / "work" / "full-0").glob("result-*.log"))  # the first run's and the nightly's
    assert len(logs) == 2 and all("publish: master.customers," in log.read_text(encoding="utf-8") for log in logs)
    assert all(log.stat().st_mode & 0o077 == 0 for log in logs)  # owner-only: warnings may quote cells
    report = capsys.readouterr().out
    assert "ratio, pipeline / plain Splink" in report and "matched_clusters" in report
    assert "candidate pairs scored" in report


def test_a_run_past_the_memory_limit_is_stopped_and_named(tmp_path):
    """The benchmark stops a measured run past its memory limit itself (rather than
    the machine's out-of-memory killer picking any process) and says where."""
    with pytest.raises(scale.RunStopped, match=r"pipeline run stopped at .* GiB .*limit 0.05 GiB.*steps done: none"):
        scale._pipeline(SAMPLE_INBOX, tmp_path / "w", limit_gib=0.05)
    for step in ("ingested_rows", "validated_rows", "matched_clusters.writing"):
        (tmp_path / "staging" / "run-1" / step).mkdir(parents=True)
    assert scale.steps_done(tmp_path / "staging") == ["ingested_rows", "validated_rows"]


def test_activity_links_are_compared_by_the_customer_not_the_id(sample_run, tmp_path):
    assert scale.compare_activity_links(sample_run.warehouse, sample_run.warehouse) == 1.0
    other = copy_warehouse(sample_run.warehouse, tmp_path / "other.duckdb")
    with duckdb.connect(str(other)) as con:  # ten rows linked elsewhere, and every id renamed
        con.execute("""UPDATE master.interactions SET master_id = NULL WHERE rowid IN (
                           SELECT rowid FROM master.interactions WHERE master_id IS NOT NULL LIMIT 10)""")
        for table in ("master.xref", "master.interactions", "master.transactions"):
            con.execute(f"UPDATE {table} SET master_id = 'X' || master_id")
        rows = con.execute("SELECT (SELECT count(*) FROM master.interactions) + "
                           "(SELECT count(*) FROM master.transactions)").fetchone()[0]
    assert scale.compare_activity_links(sample_run.warehouse, other) == pytest.approx(1 - 10 / rows)
