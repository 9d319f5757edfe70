"""The commands that read a warehouse or a workbook answer bad input with one line
`error: ...` naming the file (for an import, the sheet and the row) and exit 2,
never a traceback; a decision line that names no rows is refused, not stored."""

import json

import duckdb
import pytest

from conftest import run_pipeline, write_csv, write_xlsx
from customer_master.cli import main
from customer_master.review.decisions import load_decisions

HEADER = ["decision", "match_probability", "row_identity_l", "row_identity_r"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad_cli")
    inbox = root / "inbox"
    write_csv(inbox / "sales" / "a.csv", ["客户名称,手机", "华信科技有限公司,13800138000",
                                          "宏达物流有限公司,13900139000"])
    write_csv(inbox / "shop" / "b.csv", ["客户名称,手机", "华信科技有限公司,138 0013 8000"])
    path = root / "wh" / "customer_master.duckdb"
    outcome = run_pipeline(inbox, path)
    assert outcome.success, outcome.error
    return path


@pytest.fixture(scope="module")
def not_warehouses(tmp_path_factory):
    root = tmp_path_factory.mktemp("not_warehouses")
    text = root / "notes.txt"
    text.write_text("just some notes\n", encoding="utf-8")
    other = root / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    (root / "a_folder").mkdir()
    return {"text file": text, "other DuckDB file": other, "folder": root / "a_folder",
            "missing path": root / "nowhere.duckdb"}


def _one_error_line(capsys, named) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "error: " in lines[0] and str(named) in lines[0], err
    return lines[0]


KINDS = ["text file", "other DuckDB file", "folder", "missing path"]


@pytest.mark.parametrize("kind", KINDS)
def test_check_on_something_that_is_no_warehouse(not_warehouses, kind, capsys):
    path = not_warehouses[kind]
    assert main(["check", "--name", "华信科技", "--warehouse", str(path)]) == 2
    _one_error_line(capsys, path)


@pytest.mark.parametrize("kind", KINDS)
def test_evaluate_on_something_that_is_no_warehouse(not_warehouses, kind, capsys):
    path = not_warehouses[kind]
    assert main(["evaluate", "--warehouse", str(path), "--truth", "data/sample_truth.csv"]) == 2
    _one_error_line(capsys, path)


def test_evaluate_with_a_truth_file_prints_the_metrics(warehouse, tmp_path, capsys):
    """The control: a real truth file of the warehouse's rows is evaluated."""
    truth = write_csv(tmp_path / "truth.csv", ["source,file,sheet,row_number,entity_id",
                                               "sales,sales/a.csv,,2,huaxin", "sales,sales/a.csv,,3,hongda",
                                               "shop,shop/b.csv,,2,huaxin"])
    assert main(["evaluate", "--warehouse", str(warehouse), "--truth", str(truth)]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["records"] == 3 and metrics["true_pairs"] == 1 and metrics["f1"] == 1.0


@pytest.mark.parametrize("kind", ["text file", "missing path"])
def test_evaluate_with_something_that_is_no_truth_file(warehouse, not_warehouses, kind, capsys):
    path = not_warehouses[kind]
    assert main(["evaluate", "--warehouse", str(warehouse), "--truth", str(path)]) == 2
    _one_error_line(capsys, path)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", [["export"], ["import", "WORKBOOK"], ["detach", "--source", "sales", "--file",
                                                                           "sales/a.csv", "--row", "2"]])
def test_review_on_something_that_is_no_warehouse(not_warehouses, warehouse, tmp_path, kind, command, capsys):
    path = not_warehouses[kind]
    workbook = write_xlsx(tmp_path / "review.xlsx", {"review": [HEADER]})
    command = [str(workbook) if part == "WORKBOOK" else part for part in command]
    assert main(["review", *command, "--warehouse", str(path), *(["--out", str(tmp_path / "out.xlsx")]
                                                                  if command[0] == "export" else [])]) == 2
    _one_error_line(capsys, path)
    assert not (tmp_path / "out.xlsx").exists()


def _identities(warehouse) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT row_identity FROM master.xref ORDER BY row_identity").fetchall()]


def test_ids_given_as_numbers_are_read_as_their_text(warehouse, tmp_path, capsys):
    a, b, _ = _identities(warehouse)
    workbook = write_xlsx(tmp_path / "review.xlsx", {"review": [
        HEADER, ["match", 0.9, a, b], ["no match", 0.7, 12345, 678.0], [None, 0.6, 1, 2]]})
    before = len(load_decisions(warehouse))
    assert main(["review", "import", str(workbook), "--warehouse", str(warehouse), "--reviewer", "王芳"]) == 0
    assert "2 decisions stored" in capsys.readouterr().out
    stored = load_decisions(warehouse).iloc[before:]
    assert list(zip(stored.row_identity_l, stored.row_identity_r, stored.decision)) == [
        (a, b, "match"), ("12345", "678", "no match")]


@pytest.mark.parametrize("ids, named", [((None, None), "row_identity_l and row_identity_r are empty"),
                                        (("ROW", ""), "row_identity_r is empty")])
def test_a_decision_naming_no_rows_is_refused_with_its_row(warehouse, tmp_path, ids, named, capsys):
    a, b, _ = _identities(warehouse)
    left, right = (a if value == "ROW" else value for value in ids)
    workbook = write_xlsx(tmp_path / "复核.xlsx", {"说明": [["read me"]], "review": [
        HEADER, ["match", 0.9, a, b], [None, 0.8, None, None], ["no match", 0.7, left, right]]})
    before = len(load_decisions(warehouse))
    assert main(["review", "import", str(workbook), "--warehouse", str(warehouse)]) == 2
    line = _one_error_line(capsys, workbook)
    assert "sheet 'review'" in line and "row 4" in line and named in line
    assert len(load_decisions(warehouse)) == before  # nothing of the workbook is stored


@pytest.mark.parametrize("kind", ["text file", "missing path", "folder"])
def test_import_of_something_that_is_no_workbook(warehouse, not_warehouses, kind, capsys):
    path = not_warehouses[kind]
    assert main(["review", "import", str(path), "--warehouse", str(warehouse)]) == 2
    _one_error_line(capsys, path)


def test_export_to_a_folder_says_so(warehouse, tmp_path, capsys):
    assert main(["review", "export", "--warehouse", str(warehouse), "--out", str(tmp_path)]) == 2
    _one_error_line(capsys, tmp_path)
