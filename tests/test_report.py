"""The data-quality report, read back: written by the run itself, one HTML page
that opens offline (nothing fetched from elsewhere), with every section and the
department's rows as the warehouse holds them, values from the spreadsheets
escaped, labels in the language asked for; and a department's workbook in which
no cell is a formula. On the session's sample run and copies of its warehouse."""

from __future__ import annotations

import base64
import stat
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import openpyxl
import pytest

from customer_master.cli import main
from customer_master.report.write import REPORT_FILE, write_report
from customer_master.warehouse.layout import layout

SECTIONS = {"summary", "departments", "changes", "review", "charts"}
HOSTILE_NAME = '<script>alert("name")</script>'
HOSTILE_VALUE = '<img src=x onerror=alert(1)>'
FORMULAS = ['=HYPERLINK("http://example.invalid","click")', "+1+2", "-3+4", "@SUM(A1:A2)"]


class Page(HTMLParser):
    """What a browser would load and show: tags with their attributes, the text of
    each table row, the ids of the sections."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.rows: list[list[str]] = []
        self.row_tables: list[str] = []  # the class of each row's table
        self._table = ""
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in.append(tag)
        if tag == "table":
            self._table = dict(attrs).get("class") or ""
        if tag == "tr":
            self.rows.append([])
            self.row_tables.append(self._table)
        if tag in ("td", "th") and self.rows:
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        if tag in self._in:
            del self._in[len(self._in) - 1 - self._in[::-1].index(tag):]

    def handle_data(self, data):
        self.text.append(data)
        if "style" in self._in:
            self.styles.append(data)
        if self._in and self._in[-1] in ("td", "th") and self.rows and self.rows[-1]:
            self.rows[-1][-1] += data


    def table(self, css_class: str) -> list[list[str]]:
        """The data rows of the tables of that class (header rows left out)."""
        return [row for row, table in zip(self.rows, self.row_tables) if table == css_class and row[2].isdigit()]


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _hostile_warehouse(warehouse: Path) -> str:
    """A customer named like a script, a reject and field issues with markup and
    formulas, written into a copy of the sample warehouse; the run id."""
    with duckdb.connect(str(warehouse)) as con:
        run_id = con.execute("SELECT run_id FROM meta.runs ORDER BY started_at DESC LIMIT 1").fetchone()[0]
        master = con.execute("SELECT master_id FROM meta.change_log WHERE run_id = ? ORDER BY master_id LIMIT 1",
                             [run_id]).fetchone()[0]
        con.execute("UPDATE master.customers SET name = ? WHERE master_id = ?", [HOSTILE_NAME, master])
        con.execute("UPDATE meta.change_log SET change = 'updated' WHERE master_id = ?", [master])  # listed first
        con.execute("UPDATE quality.rejected SET reason = ? WHERE source = 'finance'", [HOSTILE_VALUE])
        for number, value in enumerate([HOSTILE_NAME, *FORMULAS], start=9001):
            con.execute("INSERT INTO quality.field_issues (source, file, sheet, row_number, field, value, issue) "
                        "VALUES ('finance', 'finance/hostile.xlsx', '=Sheet', ?, 'name', ?, ?)",
                        [number, value, value])
    return run_id


def test_the_run_writes_its_report_owner_only(sample_run):
    folder = layout(sample_run.warehouse).run_report(sample_run.run_id)
    page = folder / REPORT_FILE
    assert page.is_file(), f"the run wrote no report into {folder}"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = [page, *folder.glob("*.svg")]
    assert {p.name for p in files} >= {REPORT_FILE, "company_match_weights.svg", "person_match_weights.svg",
                                        "match_probabilities.svg"}
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files), [oct(p.stat().st_mode) for p in files]
    assert {tag_id for _, attrs in parse(page).tags if (tag_id := attrs.get("id"))} >= SECTIONS


def test_report_reads_back_offline_with_every_section_and_the_rows(sample_warehouse_copy):
    written = write_report(sample_warehouse_copy, language="en")
    page = parse(written.page)
    ids = {attrs.get("id") for _, attrs in page.tags}
    assert SECTIONS <= ids
    # offline: nothing the page loads comes from elsewhere, no script at all
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "link", "iframe", "object", "embed", "base"}
    for tag, attrs in page.tags:
        for name in ("src", "href", "srcset", "action", "data"):
            if name in attrs:
                assert attrs[name].startswith(("data:", "#")), (tag, name, attrs[name][:80])
    assert not any("url(" in s or "@import" in s for s in page.styles)
    # the charts are inside the page: one per model and the probabilities
    images = [attrs["src"] for tag, attrs in page.tags if tag == "img"]
    assert len(images) == len(written.content.models) + 1 == 3
    for src in images:
        svg = base64.b64decode(src.removeprefix("data:image/svg+xml;base64,")).decode("utf-8")
        assert svg.startswith("<svg") and "</svg>" in svg
    # each quarantined row and field issue, with file, sheet and row, as the warehouse holds them
    with duckdb.connect(str(sample_warehouse_copy), read_only=True) as con:
        rejected = {(f, s or "", str(r)) for f, s, r in
                    con.execute("SELECT file, sheet, row_number FROM quality.rejected").fetchall()}
        issues = {(f, s or "", str(r), fld) for f, s, r, fld in
                  con.execute("SELECT file, sheet, row_number, field FROM quality.field_issues").fetchall()}
        masters, review_due = con.execute("SELECT master_customers, review_due FROM meta.runs").fetchone()
    shown_rejects = {tuple(row[:3]) for row in page.table("rejected")}
    shown_issues = {tuple(row[:4]) for row in page.table("field-issues")}
    assert rejected and shown_rejects == rejected
    assert issues and shown_issues == issues
    summary = {row[0]: row[1] for row in page.rows if len(row) == 2}
    assert summary["Master customers"] == str(masters) and summary["Masters due for review"] == str(review_due)
    assert any(row[0] == "created" and row[1] == str(masters) for row in page.rows)  # the masters that changed


def test_values_from_the_spreadsheets_stay_text(sample_warehouse_copy):
    _hostile_warehouse(sample_warehouse_copy)
    written = write_report(sample_warehouse_copy, language="en")
    html = written.page.read_text(encoding="utf-8")
    page = parse(written.page)
    assert not any(tag in ("script", "img") and "onerror" in attrs or tag == "script" for tag, attrs in page.tags)
    text = "".join(page.text)
    assert HOSTILE_NAME in text and HOSTILE_VALUE in text  # shown, as text
    assert "&lt;script&gt;" in html and "<script" not in html


@pytest.mark.parametrize("language, title, other", [("zh", "数据质量报告", "Data-quality report"),
                                                     ("en", "Data-quality report", "数据质量报告")])
def test_labels_in_the_language_set(sample_warehouse_copy, language, title, other):
    page = parse(write_report(sample_warehouse_copy, language=language).page)
    assert ("html", {"lang": language}) in page.tags
    text = "".join(page.text)
    assert title in text and other not in text


def test_language_defaults_to_the_locale(sample_warehouse_copy, monkeypatch):
    for variable in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "数据质量报告" in write_report(sample_warehouse_copy).page.read_text(encoding="utf-8")
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert "Data-quality report" in write_report(sample_warehouse_copy).page.read_text(encoding="utf-8")


def test_department_workbook_has_its_rows_and_no_formula(sample_warehouse_copy, tmp_path, capsys):
    run_id = _hostile_warehouse(sample_warehouse_copy)
    out = tmp_path / "out" / "finance.xlsx"
    assert main(["report", run_id[:8], "--warehouse", str(sample_warehouse_copy), "--department", "finance",
                 "--language", "en", "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    workbook = openpyxl.load_workbook(out)
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert set(FORMULAS) <= values and HOSTILE_NAME in values
    issues = workbook["Field issues"]
    assert [c.value for c in issues[1]] == ["File", "Sheet", "Row", "Field", "Value", "Issue"]
    with duckdb.connect(str(sample_warehouse_copy), read_only=True) as con:
        expected = sorted(con.execute("SELECT file, sheet, row_number FROM quality.field_issues "
                                      "WHERE source = 'finance'").fetchall())
        rejects = con.execute("SELECT count(*) FROM quality.rejected WHERE source = 'finance'").fetchone()[0]
    assert sorted((f, s or "", r) for f, s, r, *_ in issues.iter_rows(min_row=2, values_only=True)) == \
        sorted((f, s or "", r) for f, s, r in expected)
    assert workbook["Quarantined rows"].max_row - 1 == rejects > 0


def test_report_command(sample_warehouse_copy, tmp_path, capsys, monkeypatch):
    """Without --language the settings file's `language` decides, over the locale."""
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    settings = tmp_path / "settings.yaml"
    settings.write_text("language: en\n", encoding="utf-8")
    assert main(["report", "--warehouse", str(sample_warehouse_copy), "--settings", str(settings)]) == 0
    out = capsys.readouterr().out
    run_id = duckdb.connect(str(sample_warehouse_copy), read_only=True).execute(
        "SELECT run_id FROM meta.runs").fetchone()[0]
    page = layout(sample_warehouse_copy).run_report(run_id) / REPORT_FILE
    assert str(page) in out and ("html", {"lang": "en"}) in parse(page).tags


@pytest.mark.parametrize("arguments, message", [
    (["nosuchrun"], "no warehouse of run 'nosuchrun'"),
    (["--department", "nosuch"], "no department 'nosuch'"),
    (["--settings", "no/such/settings.yaml"], "settings file not found: no/such/settings.yaml"),
])
def test_report_command_refuses_what_is_not_there(sample_warehouse_copy, capsys, arguments, message):
    assert main(["report", *arguments, "--warehouse", str(sample_warehouse_copy)]) == 2
    assert message in capsys.readouterr().err


def test_report_command_without_a_warehouse(tmp_path, capsys):
    assert main(["report", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert "no warehouse at" in capsys.readouterr().err


def test_report_of_an_earlier_run_comes_from_its_kept_warehouse(sample_run, sample_warehouse_copy, capsys):
    """After a restore the warehouse in place is the restore's run; the sample run's
    report is read from its backup, and names that run and its figures."""
    from customer_master.warehouse.restore import restore_run

    restored = restore_run(sample_warehouse_copy, sample_run.run_id)
    with duckdb.connect(str(sample_warehouse_copy), read_only=True) as con:
        in_place = con.execute("SELECT run_id FROM meta.runs ORDER BY started_at DESC LIMIT 1").fetchone()[0]
    assert in_place == restored["run_id"] != sample_run.run_id  # the restore's run is the one in place
    earlier = write_report(sample_warehouse_copy, sample_run.run_id[:8], language="en")
    assert earlier.run_id == sample_run.run_id
    assert earlier.page == layout(sample_warehouse_copy).run_report(sample_run.run_id) / REPORT_FILE
    summary = {row[0]: row[1] for row in parse(earlier.page).rows if len(row) == 2}
    assert summary["Master customers"] == str(sample_run.run["master_customers"])
    assert write_report(sample_warehouse_copy, language="en").run_id == restored["run_id"]


def test_a_chart_is_drawn_again_only_when_what_it_shows_changed(sample_warehouse_copy):
    cache = layout(sample_warehouse_copy).chart_cache
    for kept in cache.glob("*.svg"):  # as if no report had been written before
        kept.unlink()
    first = write_report(sample_warehouse_copy)
    assert first.charts_drawn == len(first.charts) > 0
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    again = write_report(sample_warehouse_copy)
    assert again.charts_drawn == 0  # the same models and probabilities: every chart from the cache
    assert {n: p.read_bytes() for n, p in again.charts.items()} == {n: p.read_bytes() for n, p in first.charts.items()}
    with duckdb.connect(str(sample_warehouse_copy)) as con:  # another match threshold: its chart drawn again
        con.execute("UPDATE meta.runs SET match_threshold = match_threshold - 0.01")
    changed = write_report(sample_warehouse_copy)
    assert changed.charts_drawn == 1
    assert len(list(cache.glob("*.svg"))) == len(changed.charts)  # the chart it no longer shows is gone
