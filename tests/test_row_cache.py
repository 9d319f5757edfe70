"""A nightly run validates and standardises only the rows of new or changed files
(row_cache.py): the rows of an unchanged file are taken from what the last run
made of them, under this run's row keys, and the result equals the stage run on
every row. On the sample inbox's rows, one file held back and then added."""

from __future__ import annotations

import stat

import pandas as pd
import pytest

from conftest import SAMPLE_INBOX
from customer_master.ingest.inbox import ingest_inbox
from customer_master.ingest.sheet_kinds import CUSTOMERS
from customer_master import row_cache
from customer_master.row_cache import STAGE_CODE, RowCache
from customer_master.standardise.stage import standardise_rows
from customer_master.validate import validate_rows


@pytest.fixture(scope="module")
def inbox_rows() -> pd.DataFrame:
    """The rows of the sample inbox's first five files and its first activity file, as ingest numbers them."""
    rows = ingest_inbox(SAMPLE_INBOX).rows
    activities = rows.loc[rows["sheet_kind"] != CUSTOMERS, "file"]
    return _only(rows, [*list(dict.fromkeys(rows["file"]))[:5], activities.iloc[0]])


class Counted:
    """A stage's compute that records the files it was given."""

    def __init__(self, compute):
        self.compute, self.files = compute, []

    def __call__(self, rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
        self.files.append(sorted(set(rows["file"])))
        return self.compute(rows)


def _validate(rows):
    return vars(validate_rows(rows))


def _standardise(rows):
    return {"rows": standardise_rows(rows)}


def _only(rows: pd.DataFrame, files: list[str]) -> pd.DataFrame:
    """The inbox as ingest reads it with only `files`: the row keys of the later files move up."""
    kept = rows[rows["file"].isin(files)].reset_index(drop=True)
    return kept.assign(row_key=pd.RangeIndex(len(kept), dtype="int64"))


def _without(rows: pd.DataFrame, file: str) -> pd.DataFrame:
    return _only(rows, [f for f in dict.fromkeys(rows["file"]) if f != file])


def _assert_same(got: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    assert set(got) == set(expected)
    for name in expected:
        pd.testing.assert_frame_equal(got[name], expected[name], check_dtype=False, obj=name)


def test_an_added_file_is_the_only_one_validated_and_standardised(inbox_rows, tmp_path):
    files = list(dict.fromkeys(inbox_rows["file"]))
    added = files[1]  # a file before others: their row keys move when it comes
    night_before = _without(inbox_rows, added)
    validation, standardisation = RowCache(tmp_path / "validate", "validate"), \
        RowCache(tmp_path / "standardise", "standardise")

    first = Counted(_validate)
    before = validation.run(night_before, first)
    assert first.files == [sorted(set(night_before["file"]))]  # nothing kept yet: every file
    standardisation.run(before.frames["accepted"], _standardise)

    counted = Counted(_validate)
    validated = validation.run(inbox_rows, counted)
    assert counted.files == [[added]]  # only the new file's rows were validated
    assert (validated.files_reused, validated.files_computed) == (len(files) - 1, 1)
    assert validated.rows_computed == (inbox_rows["file"] == added).sum()
    _assert_same(validated.frames, _validate(inbox_rows))  # as if every row was validated now

    accepted = validated.frames["accepted"]
    counted = Counted(_standardise)
    standardised = standardisation.run(accepted, counted)
    assert counted.files == [[added]]  # only its accepted rows were standardised
    _assert_same(standardised.frames, _standardise(accepted))
    assert set(night_before["row_key"]) != set(inbox_rows.loc[inbox_rows["file"] != added, "row_key"])

    # the entries are the customer data of the inbox: readable by their owner only
    for path in [tmp_path / "validate", *(tmp_path / "validate").iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_a_changed_row_or_a_full_run_computes_its_file_again(inbox_rows, tmp_path):
    validation = RowCache(tmp_path / "validate", "validate")
    validation.run(inbox_rows, _validate)
    file = inbox_rows["file"].iloc[-1]
    changed = inbox_rows.copy()
    last = changed.index[-1]
    changed.loc[last, "name"] = f"{changed.loc[last, 'name'] or ''}改"

    counted = Counted(_validate)
    validation.run(changed, counted)
    assert counted.files == [[file]]

    counted = Counted(_validate)
    result = validation.run(changed, counted, full=True)
    assert counted.files == [sorted(set(changed["file"]))]
    _assert_same(result.frames, _validate(changed))

    # a file that left the inbox leaves the cache at the next run
    validation.run(_without(changed, file), _validate)
    counted = Counted(_validate)
    validation.run(changed, counted)
    assert counted.files == [[file]]


def test_an_entry_is_keyed_by_the_code_that_decides_the_stage():
    for stage, modules in STAGE_CODE.items():
        assert modules and all(module.is_file() for module in modules), stage
    assert {"validate.py", "row_rules.py", "phone_country.py"} <= {m.name for m in STAGE_CODE["validate"]}
    assert "stage.py" in {m.name for m in STAGE_CODE["standardise"]}


def _parts(rows: pd.DataFrame) -> pd.DataFrame:
    """file, rows_key, first_row_key as ingest gives them with its cache (IngestResult.row_parts):
    here a file's key is its name, as if no file changed its rows."""
    first = rows.groupby("file", sort=False)["row_key"].min()
    return pd.DataFrame({"file": first.index, "rows_key": [f"ingested {file}" for file in first.index],
                         "first_row_key": first.to_numpy()})


def _as_file(rows: pd.DataFrame, path) -> object:
    rows.to_parquet(path, index=False)
    return path


def test_keyed_by_the_stage_before_an_unchanged_files_rows_are_not_read(inbox_rows, tmp_path):
    files = list(dict.fromkeys(inbox_rows["file"]))
    added = files[1]  # a file before others: their row keys move when it comes
    validation, standardisation = RowCache(tmp_path / "validate", "validate"), \
        RowCache(tmp_path / "standardise", "standardise")
    night_before = _without(inbox_rows, added)
    first = validation.run(_as_file(night_before, tmp_path / "before.parquet"), _validate, parts=_parts(night_before))
    standardisation.run(first.frames["accepted"], _standardise, parts=first.parts)

    # the unchanged files' rows in the stage's input file are not what they were: were they
    # read, the results would show it; they are keyed by the stage before's keys instead
    parts = _parts(inbox_rows)
    not_read = inbox_rows.assign(name=inbox_rows["name"].where(inbox_rows["file"] == added, "不应读取"))
    counted = Counted(_validate)
    validated = validation.run(_as_file(not_read, tmp_path / "now.parquet"), counted, parts=parts)
    assert counted.files == [[added]]
    assert (validated.files_reused, validated.rows_computed) == (len(files) - 1, (inbox_rows["file"] == added).sum())
    expected = _validate(inbox_rows)
    _assert_same({name: pd.read_parquet(path) for name, path in validated.frames.items()}, expected)

    counted = Counted(_standardise)
    standardised = standardisation.run(validated.frames["accepted"], counted, parts=validation.keyed_parts(parts))
    assert counted.files == [[added]]
    _assert_same({"rows": pd.read_parquet(standardised.frames["rows"])}, _standardise(expected["accepted"]))
    assert stat.S_IMODE(standardised.frames["rows"].stat().st_mode) & 0o077 == 0  # handed on owner-only

    counted = Counted(_validate)  # a full run reads and validates every row
    validation.run(_as_file(inbox_rows, tmp_path / "full.parquet"), counted, parts=parts, full=True)
    assert counted.files == [sorted(set(inbox_rows["file"]))]


def test_a_stage_given_its_rows_as_a_file_computes_them_in_batches_with_the_same_result(
        inbox_rows, tmp_path, monkeypatch):
    """Past BATCH_ROWS rows a stage computes its files a batch at once, and a larger file in
    row key ranges (so a million rows are never validated at once); the result is the
    stage run on every row."""
    sizes = inbox_rows["file"].value_counts()
    monkeypatch.setattr(row_cache, "BATCH_ROWS", int(sizes.iloc[0]) // 3)  # the largest file in three ranges or more
    assert (sizes > row_cache.BATCH_ROWS).sum() >= 1 and (sizes <= row_cache.BATCH_ROWS).sum() >= 2
    validation, standardisation = RowCache(tmp_path / "validate", "validate"), \
        RowCache(tmp_path / "standardise", "standardise")
    given = []  # the rows of each call
    validated = validation.run(_as_file(inbox_rows, tmp_path / "rows.parquet"),
                               lambda rows: given.append(rows) or _validate(rows), parts=_parts(inbox_rows))
    assert max(len(rows) for rows in given) <= row_cache.BATCH_ROWS
    largest = sizes.index[0]
    assert sum(largest in set(rows["file"]) for rows in given) >= 3  # in row key ranges, one after the other
    assert any(rows["file"].nunique() > 1 for rows in given)  # small files together
    assert sorted(pd.concat(given)["row_key"]) == sorted(inbox_rows["row_key"])  # every row once
    assert validated.rows_computed == len(inbox_rows)
    expected = _validate(inbox_rows)
    _assert_same({name: pd.read_parquet(path) for name, path in validated.frames.items()}, expected)

    counted = Counted(_standardise)
    standardised = standardisation.run(validated.frames["accepted"], counted,
                                       parts=validation.keyed_parts(_parts(inbox_rows)))
    assert len(counted.files) > 1
    _assert_same({"rows": pd.read_parquet(standardised.frames["rows"])}, _standardise(expected["accepted"]))
