"""Read surfaces for downstream teams (warehouse/read_surfaces.py): the masked copy
of the master leaks no mobile, ID number, e-mail or street address of the
warehouse, holds no raw cells, has the modes the settings say whatever the umask,
and each role's file holds exactly the masters its filters select. Most tests
build surfaces from the session's sample warehouse into a folder of their own."""

import grp
import logging
import os
import re
import shutil
import stat
from pathlib import Path

import duckdb
import pytest

from conftest import SAMPLE_INBOX, write_csv
from customer_master.cli import main
from customer_master.settings import SettingsError, load_settings
from customer_master.warehouse.layout import surface_files
from customer_master.warehouse.masking import SURFACE_TABLES, install_macros
from customer_master.warehouse.read_surfaces import ReadSurfaceError, publish_read_surfaces
from customer_master.warehouse.surface_settings import read_surface_settings

OWN_GROUP = grp.getgrgid(os.getgid()).gr_name


def _settings(folder: Path, **section):
    return read_surface_settings({"folder": str(folder), **section})


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _query(path: Path, sql: str, *parameters) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, list(parameters)).fetchall()


def _masters(path: Path, table: str = "master.customers") -> set[str]:
    return {r[0] for r in _query(path, f"SELECT DISTINCT master_id FROM {table} WHERE master_id IS NOT NULL")}


@pytest.mark.parametrize("rule, value, masked", [
    ("cm_phone", "+8613800138000", "138****8000"),
    ("cm_phone", "138 0013 8000", "138****8000"),
    ("cm_phone", "+861049080886", "******0886"),  # a landline: its last four digits
    ("cm_phone", "+12025550123", "+120****0123"),
    ("cm_phone", "12345", "*****"),
    ("cm_id_number", "110101199003071234", "1101**********1234"),
    ("cm_id_number", "11010119900307123x", "1101**********123X"),
    ("cm_email", "zhang.wei@qq.com", "z***@qq.com"),
    ("cm_email", "not an address", "***"),
    ("cm_person_name", "张伟强", "张**"),
    ("cm_person_name", "欧阳娜娜", "欧阳**"),
    ("cm_person_name", "孙 然", "孙*"),
    ("cm_person_name", "John Smith", "J. Smith"),
    ("cm_free_text", "手机 139 6305 0760，邮箱 li@qq.com，谈付款", "手机 ***，邮箱 ***@qq.com，谈付款"),
    ("cm_record_id", "138-0013-8000", "138****8000"),  # a member number that is a mobile
    ("cm_record_id", "KA0174", "KA0174"),
])
def test_each_masking_rule(rule, value, masked):
    with duckdb.connect() as con:
        install_macros(con)
        assert con.execute(f"SELECT {rule}(?)", [value]).fetchone()[0] == masked


def test_an_address_is_cut_to_its_district():
    with duckdb.connect() as con:
        install_macros(con)
        assert con.execute("SELECT cm_district('北京市', '北京市', '西城区'), cm_district('广东省', '广州市', '白云区'), "
                           "cm_district(NULL, NULL, NULL)").fetchone() == ("北京市西城区", "广东省广州市白云区", None)


def _personal_values(warehouse: Path) -> tuple[set[str], set[str]]:
    """(texts, digit strings) of the warehouse that must not appear in a surface: every
    mobile, phone, ID number, e-mail and street address, every person's name of three
    or more characters (the customers', the contacts'; those no company name holds),
    and the national digits of each phone (13800138000 of +8613800138000)."""
    texts, digits = set(), set()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table, columns in {"master.customers": ("mobile", "phone", "id_number", "email", "address"),
                               "master.source_rows": ("mobile", "phone", "id_number", "email", "address"),
                               "master.contacts": ("mobile", "email")}.items():
            for column in columns:
                texts |= {r[0] for r in con.execute(f"SELECT DISTINCT CAST({column} AS VARCHAR) FROM {table} "
                                                    f"WHERE {column} IS NOT NULL").fetchall()}
        texts |= {r[0] for r in con.execute(
            "WITH people AS (SELECT name FROM master.customers WHERE customer_type = 'person' "
            "UNION SELECT name FROM master.contacts UNION SELECT contact_name FROM master.customers) "
            "SELECT name FROM people WHERE length(name) >= 3 AND NOT EXISTS (SELECT 1 FROM master.customers c "
            "WHERE c.customer_type = 'company' AND length(c.name) > 4 AND contains(c.name, people.name))").fetchall()}
        addresses = {r[0] for r in con.execute("SELECT address FROM master.customers WHERE address IS NOT NULL "
                                               "AND district IS NOT NULL").fetchall()}
    for value in texts:
        number = "".join(ch for ch in value if ch.isdigit())
        if "@" not in value and value not in addresses and len(number) >= 8:
            digits.add(number[2:] if value.startswith("+86") else number)
    return texts, digits


def _leaks(surface: Path, texts: set[str], digits: set[str], only: tuple[str, ...] = ()) -> list[tuple]:
    """Cells of every table of `surface` (or of the tables `only`) holding one of the values,
    per row: each row's text cells joined, and each cell's digits."""
    with duckdb.connect(str(surface), read_only=True) as con:
        tables = con.execute("SELECT schema_name || '.' || table_name, list(column_name) FROM duckdb_columns() "
                             "WHERE database_name = current_database() AND data_type = 'VARCHAR' "
                             "GROUP BY 1").fetchall()
        tables = [(table, columns) for table, columns in tables if not only or table in only]
        for name, values in (("secret_text", texts), ("secret_digits", digits)):
            con.execute(f"CREATE TEMP TABLE {name} AS SELECT unnest(?::VARCHAR[]) AS value", [sorted(values)])
        leaks = []
        for table, columns in tables:
            cells = [f'coalesce(CAST("{c}" AS VARCHAR), \'\')' for c in columns]
            text = " || '|' || ".join(cells)
            numbers = " || '|' || ".join(f"regexp_replace({cell}, '[^0-9]', '', 'g')" for cell in cells)
            leaks += con.execute(
                f"WITH rows AS (SELECT {text} AS text, {numbers} AS numbers FROM {table}) "
                f"SELECT '{table}', s.value FROM rows JOIN secret_text s ON contains(rows.text, s.value) "
                f"UNION ALL SELECT '{table}', s.value FROM rows JOIN secret_digits s ON contains(rows.numbers, s.value) "
                "LIMIT 20").fetchall()
    return leaks


@pytest.fixture(scope="module")
def masked(sample_run, tmp_path_factory) -> Path:
    """The sample warehouse's masked surface with no roles, published once for the tests that only read it."""
    folder = tmp_path_factory.mktemp("masked") / "shared"
    return publish_read_surfaces(sample_run.warehouse, _settings(folder)).files["masked"]


def test_the_masked_surface_leaks_no_personal_value_of_the_warehouse(sample_run, masked):
    texts, digits = _personal_values(sample_run.warehouse)
    assert len(texts) > 3000 and len(digits) > 1000  # the sample's mobiles, IDs, e-mails and addresses
    assert _leaks(masked, texts, digits) == []
    # the same search finds them in the warehouse itself: it would see a leak
    control = ("master.customers", "master.contacts", "master.interactions")
    assert {table for table, _ in _leaks(sample_run.warehouse, texts, digits, control)} == set(control)


def test_masked_values_follow_the_rules(sample_run, masked):
    with duckdb.connect(str(masked), read_only=True) as con:
        con.execute(f"ATTACH '{sample_run.warehouse}' AS wh (READ_ONLY)")
        rows = con.execute(
            "SELECT w.customer_type, w.name, s.name, w.mobile, s.mobile, w.id_number, s.id_number, w.email, s.email, "
            "w.province, w.city, w.district, s.address, w.birth_date, s.birth_year "
            "FROM master.customers s JOIN wh.master.customers w USING (master_id)").fetchall()
    assert len(rows) == sample_run.run["master_customers"]
    for (kind, name, shown_name, mobile, shown_mobile, id_number, shown_id, email, shown_email,
         province, city, district, shown_address, birth_date, birth_year) in rows:
        if kind == "company" and not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name):
            assert shown_name == name  # a company's name is no personal data
        else:  # a person, or a "company" named like one (程波成 in a company list)
            assert shown_name[0] == name[0] and set(shown_name[1:]) == {"*"} and len(shown_name) == len(name)
        if mobile and mobile.startswith("+86"):
            national = mobile[3:]
            assert shown_mobile == national[:3] + "*" * (len(national) - 7) + national[-4:]
        if id_number:
            assert shown_id == id_number[:4] + "*" * 10 + id_number[-4:]
        if email:
            assert shown_email == email[0] + "***" + email[email.index("@"):]
        if district:
            assert shown_address == province + ("" if city == province else city) + district
        assert birth_year == (birth_date.year if birth_date else None)


def test_the_surface_holds_no_raw_cells_and_no_quality_table(sample_run, masked):
    tables = {r[0] for r in _query(masked, "SELECT schema_name || '.' || table_name FROM duckdb_tables()")}
    assert tables == {*SURFACE_TABLES, "meta.surface"}
    columns = {r[0] for r in _query(masked, "SELECT DISTINCT column_name FROM duckdb_columns()")}
    assert not columns & {"attributes", "cells", "raw", "postcode", "birth_date", "model_json"}
    assert _query(masked, "SELECT surface, run_id, masters FROM meta.surface") == [
        ("masked", sample_run.run_id, sample_run.run["master_customers"])]


def test_a_surface_says_what_each_column_means_and_which_are_masked(sample_run, tmp_path):
    """The warehouse's column comments come with the surfaces (a reader learns from the
    file what a column holds); a masked column says it is masked, a kept one does not."""
    report = publish_read_surfaces(sample_run.warehouse, _settings(
        tmp_path / "shared", roles={"channel": {"sources": ["channel"]}}))
    comments_sql = ("SELECT column_name, comment FROM duckdb_columns() "
                    "WHERE schema_name = 'master' AND table_name = 'customers'")
    in_warehouse = dict(_query(sample_run.warehouse, comments_sql))
    for surface in (report.files["masked"], report.files["channel"]):
        shown = dict(_query(surface, comments_sql))
        assert shown["master_id"] == in_warehouse["master_id"] and shown["city"] == in_warehouse["city"]
        assert shown["mobile"].startswith(in_warehouse["mobile"]) and "Masked here" in shown["mobile"]
        assert shown["birth_year"].startswith(in_warehouse["birth_date"]) and "shown as birth_year" in shown["birth_year"]
        assert not [name for name, comment in shown.items() if not comment]
        (table_comment,) = _query(surface, "SELECT comment FROM duckdb_tables() WHERE schema_name = 'master' "
                                           "AND table_name = 'xref'")[0]
        assert "masked" in table_comment


def test_every_run_publishes_the_surfaces_of_its_settings(sample_run):
    """The sample run used the committed settings.yaml: the masked file and its two roles."""
    files = surface_files(sample_run.warehouse)
    assert files.folder == sample_run.warehouse.with_name("customer_master.duckdb.shared")
    assert [p.name for p in files.role_files()] == ["role-channel_manager.duckdb", "role-east_china_sales.duckdb"]
    for path in (files.masked, *files.role_files()):
        assert _query(path, "SELECT run_id FROM meta.surface") == [(sample_run.run_id,)]
        assert _mode(path) == 0o600  # the committed settings give them no group
    assert _mode(files.folder) == 0o700
    assert not files.building.exists()


@pytest.mark.parametrize("umask", [0o000, 0o077])
def test_modes_are_the_settings_not_the_umask(sample_run, tmp_path, umask):
    before = os.umask(umask)
    try:
        shared = publish_read_surfaces(sample_run.warehouse, _settings(
            tmp_path / "new" / "shared", roles={"channel": {"sources": ["channel"], "group": OWN_GROUP},
                                               "east": {"sources": ["east_region"]}}))
        private = publish_read_surfaces(sample_run.warehouse, _settings(tmp_path / "private"))
    finally:
        os.umask(before)
    assert _mode(shared.files["masked"]) == 0o600  # no group for the masked file
    assert _mode(shared.files["channel"]) == 0o640 and os.stat(shared.files["channel"]).st_gid == os.getgid()
    assert _mode(shared.files["east"]) == 0o600
    assert _mode(shared.folder) == 0o711 and _mode(shared.folder.parent) == 0o711  # entered, not listed
    assert _mode(private.files["masked"]) == 0o600 and _mode(private.folder) == 0o700


def test_a_role_sees_exactly_the_masters_with_rows_from_its_sources(sample_run, tmp_path):
    report = publish_read_surfaces(sample_run.warehouse, _settings(
        tmp_path / "shared", roles={"channel_manager": {"sources": ["channel", "purchasing"]}}))
    role = report.files["channel_manager"]
    expected = {r[0] for r in _query(sample_run.warehouse, "SELECT master_id FROM master.xref "
                                                           "WHERE source IN ('channel', 'purchasing')")}
    everyone = _masters(sample_run.warehouse)
    assert 0 < len(expected) < len(everyone)
    assert _masters(role) == expected and report.masters["channel_manager"] == len(expected)
    for table in ("master.xref", "master.contacts", "master.customer_roles", "master.customer_segments",
                  "master.interactions", "master.transactions", "meta.change_log"):
        assert _masters(role, table) <= expected, table
    # all lineage of those masters (their rows from other sources too), and nothing more
    in_warehouse = _query(sample_run.warehouse, "SELECT count(*) FROM master.xref WHERE master_id IN "
                          "(SELECT master_id FROM master.xref WHERE source IN ('channel', 'purchasing'))")
    assert _query(role, "SELECT count(*) FROM master.xref") == in_warehouse
    # masked like the shared file: the same values for the same master
    assert _query(role, "SELECT mobile, email FROM master.customers ORDER BY master_id") == _query(
        report.files["masked"], "SELECT mobile, email FROM master.customers WHERE master_id IN "
        "(SELECT master_id FROM master.xref WHERE source IN ('channel', 'purchasing')) ORDER BY master_id")


def test_a_role_by_territory_or_by_a_column_of_the_sheets(sample_run, tmp_path):
    report = publish_read_surfaces(sample_run.warehouse, _settings(tmp_path / "shared", roles={
        "east": {"column": "province", "values": ["上海市", "江苏省"]},
        "gao": {"source_column": "客户经理", "values": ["高洁"]},
        "east_channel": {"sources": ["channel"], "column": "province", "values": ["上海市", "江苏省"]},
    }))
    warehouse = sample_run.warehouse
    east = {r[0] for r in _query(warehouse, "SELECT master_id FROM master.customers "
                                            "WHERE province IN ('上海市', '江苏省')")}
    gao = {r[0] for r in _query(warehouse, "SELECT master_id FROM master.xref "
                                           "WHERE json_extract_string(attributes, '$.\"客户经理\"') = '高洁'")}
    channel = {r[0] for r in _query(warehouse, "SELECT master_id FROM master.xref WHERE source = 'channel'")}
    assert east and gao and east & channel
    assert _masters(report.files["east"]) == east
    assert _masters(report.files["gao"]) == gao
    assert _masters(report.files["east_channel"]) == east & channel


def test_a_role_naming_no_source_of_the_run_is_a_warning(sample_run, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="customer_master"):
        report = publish_read_surfaces(sample_run.warehouse, _settings(
            tmp_path / "shared", roles={"typo": {"sources": ["chanel"]}}))
    assert report.masters["typo"] == 0
    assert "read_surfaces.roles.typo: no file of source 'chanel'" in caplog.text
    assert report.warnings and "'chanel'" in report.warnings[0]


def test_surfaces_of_roles_no_longer_defined_and_disabled_surfaces_are_removed(sample_run, tmp_path):
    folder = tmp_path / "shared"
    first = publish_read_surfaces(sample_run.warehouse, _settings(
        folder, roles={"a": {"sources": ["channel"]}, "b": {"sources": ["finance"]}}))
    assert first.files["b"].exists()
    second = publish_read_surfaces(sample_run.warehouse, _settings(folder, roles={"a": {"sources": ["channel"]}}))
    assert second.removed == [first.files["b"]] and not first.files["b"].exists() and first.files["a"].exists()
    off = publish_read_surfaces(sample_run.warehouse, _settings(folder, enabled=False))
    assert set(off.removed) == {first.files["masked"], first.files["a"]}
    assert not list(folder.glob("*.duckdb"))


def test_a_reader_holding_a_surface_open_keeps_its_view(sample_run, tmp_path):
    settings = _settings(tmp_path / "shared")
    masked = publish_read_surfaces(sample_run.warehouse, settings).files["masked"]
    with duckdb.connect(str(masked), read_only=True) as reader:
        before = reader.execute("SELECT built_at FROM meta.surface").fetchone()
        publish_read_surfaces(sample_run.warehouse, settings)
        assert reader.execute("SELECT built_at FROM meta.surface").fetchone() == before
    assert _query(masked, "SELECT built_at FROM meta.surface")[0] > before


@pytest.mark.parametrize("section, key", [
    ("read_surfaces: [a]", "read_surfaces must be a mapping"),
    ("read_surfaces: {colour: red}", "read_surfaces.colour"),
    ("read_surfaces: {enabled: maybe}", "read_surfaces.enabled"),
    ("read_surfaces: {group: no-such-group-here}", "read_surfaces.group"),
    ("read_surfaces: {roles: {channel: {sauces: [channel]}}}", "read_surfaces.roles.channel.sauces"),
    ("read_surfaces: {roles: {channel: {}}}", "read_surfaces.roles.channel"),
    ("read_surfaces: {roles: {'bad name': {sources: [channel]}}}", "read_surfaces.roles.bad name"),
    ("read_surfaces: {roles: {east: {column: mobile, values: [x]}}}", "read_surfaces.roles.east.column"),
    ("read_surfaces: {roles: {east: {column: province}}}", "read_surfaces.roles.east.values"),
    ("read_surfaces: {roles: {east: {sources: {a: b}}}}", "read_surfaces.roles.east.sources"),
    ("read_surfaces: {roles: {east: {sources: [a], group: no-such-group-here}}}", "read_surfaces.roles.east.group"),
])
def test_a_bad_read_surfaces_section_names_the_key(tmp_path, section, key):
    path = tmp_path / "settings.yaml"
    path.write_text(section + "\n", encoding="utf-8")
    with pytest.raises(SettingsError) as error:
        load_settings(path)
    assert str(error.value).startswith(f"{path}: ") and key in str(error.value)


def test_a_run_with_a_bad_roles_file_stops_before_it_starts(tmp_path, capsys):
    settings = tmp_path / "settings.yaml"
    settings.write_text("read_surfaces:\n  roles:\n    channel: {sources: [channel], colum: province}\n",
                        encoding="utf-8")
    warehouse = tmp_path / "wh" / "customer_master.duckdb"
    code = main(["run", "--inbox", str(SAMPLE_INBOX), "--warehouse", str(warehouse), "--settings", str(settings),
                 "--quiet"])
    assert code == 2
    assert "read_surfaces.roles.channel.colum is not a role setting" in capsys.readouterr().err
    assert not warehouse.exists()


def test_a_surface_that_cannot_be_built_fails_the_run_after_the_warehouse_is_in_place(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "sales" / "a.csv", ["客户名称,手机,邮箱", "华信科技有限公司,13800138000,info@huaxin.cn",
                                          "宏达物流有限公司,13900139000,wl@hongda.cn"])
    blocker = tmp_path / "a file"
    blocker.write_text("in the way", encoding="utf-8")
    settings = tmp_path / "settings.yaml"
    settings.write_text(f"read_surfaces:\n  folder: '{blocker / 'shared'}'\n", encoding="utf-8")
    warehouse = tmp_path / "wh" / "customer_master.duckdb"
    code = main(["run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--settings", str(settings), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert "failed in step 'read_surfaces'" in err and "read surfaces not refreshed" in err
    assert "This run's warehouse was published before the failure and is in place" in err
    assert _query(warehouse, "SELECT count(*) FROM master.customers") == [(2,)]
    assert len(_query(warehouse, "SELECT run_id FROM meta.runs")) == 1


def test_a_warehouse_that_is_not_there_is_a_clear_error(tmp_path):
    with pytest.raises(ReadSurfaceError, match="no warehouse at"):
        publish_read_surfaces(tmp_path / "none.duckdb", _settings(tmp_path / "shared"))


def test_a_restore_rebuilds_the_surfaces_from_the_warehouse_it_puts_back(sample_run, tmp_path, capsys):
    folder = tmp_path / "copy"
    shutil.copytree(sample_run.warehouse.parent, folder)  # the sample's warehouse, its folder and its backup
    warehouse = folder / sample_run.warehouse.name
    settings = tmp_path / "settings.yaml"
    settings.write_text("read_surfaces:\n  roles:\n    finance: {sources: [finance]}\n", encoding="utf-8")
    assert main(["restore", sample_run.run_id[:8], "--warehouse", str(warehouse), "--settings", str(settings)]) == 0
    assert "read surfaces rebuilt" in capsys.readouterr().out
    restore_id = _query(warehouse, "SELECT run_id FROM meta.runs WHERE restored_from IS NOT NULL")[0][0]
    files = surface_files(warehouse)
    assert [p.name for p in files.role_files()] == ["role-finance.duckdb"]  # the sample's two roles are gone
    for path in (files.masked, files.role("finance")):
        assert _query(path, "SELECT run_id FROM meta.surface") == [(restore_id,)]
    bad = tmp_path / "bad.yaml"
    bad.write_text("read_surfaces: {roles: {x: {}}}\n", encoding="utf-8")
    assert main(["restore", sample_run.run_id[:8], "--warehouse", str(warehouse), "--settings", str(bad)]) == 2
    assert "read_surfaces.roles.x" in capsys.readouterr().err
    assert len(_query(warehouse, "SELECT run_id FROM meta.runs")) == 2  # the refused restore did nothing
