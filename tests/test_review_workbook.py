"""The review workbook as a steward gets it: written by every run into the review
folder (no command needed), made for people (sorted by doubt, coloured weights,
'not compared' in words, why each pair is merged or not, instructions, autofilter,
frozen names, landscape print), in Chinese or English, and read back in either."""

import os
import stat
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest

from conftest import write_xlsx
from customer_master.language import resolve_language
from customer_master.review.decisions import load_decisions
from customer_master.review.export import (FOR_MATCH, AGAINST, WIDEST, _display_width, _widest, column_keys,
                                          column_label, export_review)
from customer_master.review.labels import SHEETS
from customer_master.review.outbox import KEEP_WORKBOOKS, TO_REVIEW, write_run_workbook
from customer_master.review.workbook import import_workbook
from customer_master.settings import SettingsError, load_settings


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def _rows(path: Path, language: str) -> tuple[openpyxl.Workbook, list[dict]]:
    book = openpyxl.load_workbook(path)
    sheet = book[SHEETS[language]["review"]]
    header = [c.value for c in sheet[1]]
    keys = {column_label(key, language): key for key in column_keys()}
    assert set(header) == set(keys)  # every column labelled in this language
    return book, [{keys[h]: cell for h, cell in zip(header, row)} for row in sheet.iter_rows(min_row=2)]


def _threshold(warehouse: Path) -> float:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT match_threshold FROM meta.runs ORDER BY started_at DESC LIMIT 1").fetchone()[0]


def test_the_run_leaves_the_workbook_in_the_review_folder(sample_run):
    """No command: the session's sample run (a `customer-master run` of the committed inbox) wrote it."""
    folder = sample_run.warehouse.parent / "review" / TO_REVIEW
    written = list(folder.glob("*.xlsx"))
    assert len(written) == 1 and sample_run.run_id[:8] in written[0].name
    assert (_mode(written[0]), _mode(folder)) == (0o600, 0o700)  # personal data
    language = resolve_language(load_settings(None).language)
    book, rows = _rows(written[0], language)
    assert book.sheetnames == [SHEETS[language]["review"], SHEETS[language]["instructions"]]
    with duckdb.connect(str(sample_run.warehouse), read_only=True) as con:
        in_band = con.execute("""  -- the pairs in the band whose rows are both in a master
            SELECT count(*) FROM master.review_candidates p
            WHERE EXISTS (SELECT 1 FROM master.xref x WHERE (x.source, x.file, x.sheet, x.row_number)
                          = (p.source_l, p.file_l, p.sheet_l, p.row_number_l))
              AND EXISTS (SELECT 1 FROM master.xref x WHERE (x.source, x.file, x.sheet, x.row_number)
                          = (p.source_r, p.file_r, p.sheet_r, p.row_number_r))""").fetchone()[0]
    assert len(rows) == in_band > 0
    # and the run's summary says where it is and how many pairs wait
    assert (Path(sample_run.review_workbook), sample_run.pairs_waiting) == (written[0].resolve(), len(rows))
    assert f"to review      {len(rows)} pairs wait for a steward's decision: " in sample_run.format_summary(1.0)


def test_the_asset_gives_the_workbooks_path_and_the_pairs_waiting(sample_warehouse_copy, tmp_path):
    from customer_master.assets.review import review_workbook
    from customer_master.pipelines.resources import PipelinePaths, WarehouseLock

    review = tmp_path / "review"
    result = dg.materialize([review_workbook], instance=dg.DagsterInstance.ephemeral(), resources={
        "paths": PipelinePaths(warehouse=str(sample_warehouse_copy), review_dir=str(review)),
        "run_lock": WarehouseLock(warehouse=str(sample_warehouse_copy))})
    metadata = result.asset_materializations_for_node("review_workbook")[0].metadata
    path = Path(metadata["path"].value)
    assert path.parent == (review / TO_REVIEW).resolve() and path.is_file()
    _, rows = _rows(path, metadata["language"].value)
    assert metadata["pairs_in_workbook"].value == len(rows)
    assert metadata["pairs_waiting"].value == sum(1 for r in rows if r["earlier_decision"].value is None) > 0
    assert str((review / "inbox").resolve()) in metadata["what_to_do"].value


def test_the_workbook_is_made_for_people(sample_run, tmp_path):
    out = tmp_path / "review.xlsx"
    exported = export_review(sample_run.warehouse, out, language="en")  # the run's band
    book, rows = _rows(out, "en")
    sheet = book["review"]
    assert exported.pairs == len(rows) > 20 and exported.waiting == len(rows)  # nobody decided yet
    # the most doubtful first: nearest the run's threshold
    threshold = _threshold(sample_run.warehouse)
    doubt = [abs(r["match_probability"].value - threshold) for r in rows]
    assert doubt == sorted(doubt) and doubt[0] < doubt[-1]
    # weights coloured for and against; no blank weight: 'not compared' says why
    weights = [r[k] for r in rows for k in r if k.endswith("_weight")]
    for cell in weights:
        assert cell.value is not None
        if isinstance(cell.value, str):
            assert cell.value.startswith("not compared") and cell.font.i
        elif cell.value:
            assert cell.fill.fgColor.rgb.endswith((FOR_MATCH if cell.value > 0 else AGAINST).fgColor.rgb[-6:])
    kinds = {("text" if isinstance(c.value, str) else "for" if c.value > 0 else "against") for c in weights if c.value}
    assert kinds == {"text", "for", "against"}
    # every pair says why it is or is not in one master, a merge under the threshold too
    assert all(r["why"].value for r in rows)
    under = [r for r in rows if r["merged_now"].value == "yes" and r["match_probability"].value < threshold]
    assert under and all("threshold" in r["why"].value or "registered company name" in r["why"].value
                         for r in under)
    # frozen header and names, autofilter, sized columns, hidden ids, landscape print
    assert sheet.freeze_panes == "G2"
    assert [sheet.cell(row=1, column=c).value for c in (4, 5)] == ["name (A)", "name (B)"]
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(column_keys()))}{len(rows) + 1}"
    widths = {key: sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width
              for i, key in enumerate(column_keys(), start=1)}
    assert 25 <= widths["address_a"] <= WIDEST and widths["decision"] < widths["name_a"]
    assert all(sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].hidden
               for i, key in enumerate(column_keys(), start=1) if key.startswith("row_identity"))
    setup = sheet.page_setup
    assert (setup.orientation, setup.fitToHeight, sheet.sheet_properties.pageSetUpPr.fitToPage) == (
        "landscape", 0, True)
    assert setup.fitToWidth >= 1 and sheet.print_title_rows == "$1:$1"
    # a drop-down of the decisions, and instructions that say where the workbook goes back
    assert any('"match,no match"' == v.formula1 for v in sheet.data_validations.dataValidation)
    instructions = " ".join(str(c.value) for (c,) in book["instructions"].iter_rows())
    assert "inbox/" in instructions and "not compared" in instructions and f"{len(rows)} pairs" in instructions


def test_a_column_is_as_wide_as_its_widest_text_not_its_longest():
    # a Chinese character takes two places: the shorter Chinese name is the widest text
    values = {"Zhang Wei Ltd", "张伟贸易有限公司", "上海", 0.98765, None}
    assert _widest(values) == max(_display_width(v) for v in values) == 16
    assert _widest({0.5}) == len("0.5000") and _widest({None}) == _widest(set()) == 0


def test_a_limit_keeps_the_most_doubtful_pairs(sample_run, tmp_path):
    everything = export_review(sample_run.warehouse, tmp_path / "all.xlsx", language="en")
    some = export_review(sample_run.warehouse, tmp_path / "some.xlsx", language="en", limit=5)
    assert (some.pairs, some.left_out, some.waiting) == (5, everything.pairs - 5, everything.waiting)
    def ids(path):
        return [(r["row_identity_l"].value, r["row_identity_r"].value) for r in _rows(path, "en")[1]]
    assert ids(some.path) == ids(everything.path)[:5]
    title = openpyxl.load_workbook(some.path)["instructions"]["A1"].value
    assert f"{everything.pairs - 5} less doubtful pairs" in title
    # a run whose band holds no pair leaves no workbook
    nothing = export_review(sample_run.warehouse, tmp_path / "none.xlsx", band=(0.0, 0.0), if_any=True)
    assert (nothing.path, nothing.pairs) == (None, 0) and not (tmp_path / "none.xlsx").exists()


def test_chinese_labels_and_decisions_read_back(sample_warehouse_copy, tmp_path):
    path = tmp_path / "复核.xlsx"
    export_review(sample_warehouse_copy, path, language="zh")
    book, rows = _rows(path, "zh")
    assert book.sheetnames == ["复核", "说明"] and book["复核"]["A1"].value == "决定"
    assert any("同一客户,不同客户" in v.formula1 for v in book["复核"].data_validations.dataValidation)
    assert {r["merged_now"].value for r in rows} <= {"是", "否"}
    assert all("未比较" in r["city_weight"].value for r in rows if isinstance(r["city_weight"].value, str))
    assert "复核说明" in [c.value for (c,) in book["说明"].iter_rows()]
    rows[0]["decision"].value, rows[1]["decision"].value = "同一客户", "不同客户"
    book.save(path)
    assert import_workbook(sample_warehouse_copy, path, "王芳").stored == 2
    stored = load_decisions(sample_warehouse_copy).set_index("row_identity_l")
    assert stored.loc[rows[0]["row_identity_l"].value, "decision"] == "match"
    assert stored.loc[rows[1]["row_identity_l"].value, "decision"] == "no match"


def test_a_workbook_of_the_earlier_layout_still_imports(sample_warehouse_copy, tmp_path):
    with duckdb.connect(str(sample_warehouse_copy), read_only=True) as con:
        a, b = con.execute("SELECT row_identity FROM master.source_rows ORDER BY row_identity LIMIT 2").fetchall()
    path = write_xlsx(tmp_path / "old.xlsx", {"review": [
        ["decision", "match_probability", "merged_now", "row_a", "row_b", "row_identity_l", "row_identity_r"],
        ["match", 0.7, "no", "x", "y", a[0], b[0]]]})
    assert import_workbook(sample_warehouse_copy, path, "王芳").stored == 1


def test_the_run_keeps_the_newest_workbooks_only(sample_run, tmp_path):
    folder = tmp_path / "review" / TO_REVIEW
    older = [write_xlsx(folder / f"review-2020010{i}-000000-aaaaaaaa.xlsx", {"review": [["x"]]})
             for i in range(1, KEEP_WORKBOOKS + 2)]
    newest = write_run_workbook(tmp_path / "review", sample_run.warehouse, "b" * 36, "en")
    kept = sorted(folder.glob("*.xlsx"))
    assert len(kept) == KEEP_WORKBOOKS and kept[-1] == newest.path
    assert kept[:-1] == older[-(KEEP_WORKBOOKS - 1):]


def test_the_language_comes_from_the_settings_else_the_locale(monkeypatch, tmp_path):
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert resolve_language(None) == "zh" and resolve_language("en") == "en"
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")  # LC_ALL before LANG, as the C library reads them
    assert resolve_language(None) == "en"
    settings = tmp_path / "settings.yaml"
    settings.write_text("language: zh\n", encoding="utf-8")
    assert load_settings(settings).reading_language() == "zh"
    settings.write_text("language: fr\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="language must be one of zh, en"):
        load_settings(settings)


def test_without_a_reviewer_the_program_that_wrote_the_workbook_is_not_named_the_decider(sample_warehouse_copy,
                                                                                         tmp_path):
    path = tmp_path / "review.xlsx"
    export_review(sample_warehouse_copy, path, language="en")
    book = openpyxl.load_workbook(path)
    book["review"]["A2"].value = "match"
    book.save(path)  # saved by a program (openpyxl keeps the export's author), not by a person's Excel
    assert import_workbook(sample_warehouse_copy, path).stored == 1
    assert list(load_decisions(sample_warehouse_copy).decided_by) == ["unknown"]
