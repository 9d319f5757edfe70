"""The warehouse as a contract for downstream readers: every published column has a
real DuckDB type and a comment, a column the sample leaves empty says why, one column
name has one type everywhere, the downstream views keep their shape, and the README's
table and docs/warehouse.md are what the declarations generate."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest

from customer_master.warehouse.publish import _runs_frame
from customer_master.warehouse.schema import TABLES, VIEWS, SchemaMismatch, docs, table_comment, write_table

# The shape of each downstream view, written out here on purpose: changing a view's
# columns or types makes this test fail, so a change of shape is a deliberate new
# version (customer_v2 beside customer_v1), not an accident.
PINNED_VIEWS = {
    "master.customer_v1": [
        ("master_id", "VARCHAR"), ("customer_type", "VARCHAR"), ("name", "VARCHAR"), ("legal_form", "VARCHAR"),
        ("reg_place", "VARCHAR"), ("branch", "VARCHAR"), ("uscc", "VARCHAR"), ("id_number", "VARCHAR"),
        ("mobile", "VARCHAR"), ("phone", "VARCHAR"), ("phone_extension", "VARCHAR"), ("email", "VARCHAR"),
        ("contact_name", "VARCHAR"), ("address", "VARCHAR"), ("province", "VARCHAR"), ("city", "VARCHAR"),
        ("district", "VARCHAR"), ("postcode", "VARCHAR"), ("first_name", "VARCHAR"), ("last_name", "VARCHAR"),
        ("birth_date", "DATE"), ("gender", "VARCHAR"), ("record_count", "BIGINT"), ("source_count", "BIGINT"),
        ("sources", "VARCHAR[]"), ("first_created_at", "DATE"), ("last_updated_at", "DATE"),
        ("created_run", "VARCHAR"),
    ],
    "master.source_row_v1": [
        ("source", "VARCHAR"), ("file", "VARCHAR"), ("sheet", "VARCHAR"), ("row_number", "BIGINT"),
        ("source_record_id", "VARCHAR"), ("row_identity", "VARCHAR"), ("master_id", "VARCHAR"),
        ("match_probability", "DOUBLE"),
    ],
}


def _published_columns(con) -> pd.DataFrame:
    """Every column of every table and view of the open warehouse, with its type and comment."""
    return con.sql("SELECT schema_name || '.' || table_name AS relation, column_name, data_type, comment "
                   "FROM duckdb_columns() WHERE database_name = current_database() AND NOT internal "
                   "ORDER BY relation, column_index").df()


def _relation_comments(con) -> dict[str, str | None]:
    return dict(con.execute(
        "SELECT schema_name || '.' || table_name, comment FROM duckdb_tables() "
        "WHERE database_name = current_database() UNION ALL SELECT schema_name || '.' || view_name, comment FROM duckdb_views() "
        "WHERE database_name = current_database() AND NOT internal").fetchall())


def test_every_published_table_and_column_has_a_real_type_and_its_declared_comment(sample_run):
    with duckdb.connect(str(sample_run.warehouse), read_only=True) as con:
        columns = _published_columns(con)
        relations = _relation_comments(con)
    assert not (typed_null := columns[columns.data_type.eq("NULL")]).size, \
        f"NULL-typed columns: {typed_null[['relation', 'column_name']].values.tolist()}"
    uncommented = columns[columns.comment.fillna("").str.strip().eq("")]
    assert uncommented.empty, f"columns without a comment: {uncommented[['relation', 'column_name']].values.tolist()}"
    assert all(comment and comment.strip() for comment in relations.values()), relations
    # exactly the declared tables and views, each column as declared: the docs generated
    # from the declarations (test below) are therefore the comments in the file
    declared = {**TABLES, **{v.name: v for v in VIEWS}}
    assert set(relations) == set(declared)
    assert {name: table_comment(item) for name, item in declared.items()} == relations
    for name, item in declared.items():
        published = columns[columns.relation.eq(name)]
        assert list(published[["column_name", "data_type", "comment"]].itertuples(index=False, name=None)) == \
               [(c.name, c.type, c.comment) for c in item.columns], name


def test_a_column_the_sample_leaves_empty_says_when_it_is_null(sample_run):
    """No silently empty column: a column null in every row of a table that has rows
    says in its comment when it is null (first_name, last_name, postcode of the
    masters: only from sheets that have such columns, which the sample's do not)."""
    with duckdb.connect(str(sample_run.warehouse), read_only=True) as con:
        empty = []
        for name, table in TABLES.items():
            filled = ", ".join(f'count("{c.name}")' for c in table.columns)
            counts = con.execute(f"SELECT count(*), {filled} FROM {name}").fetchone()
            if counts[0]:
                empty += [(name, c) for c, n in zip(table.columns, counts[1:]) if n == 0]
    assert ("master.customers", "first_name") in {(t, c.name) for t, c in empty}  # the case the issue found
    silent = [(t, c.name) for t, c in empty if "null" not in c.comment]
    assert not silent, f"empty in the sample and not documented as null: {silent}"


def test_one_column_name_has_one_type_and_timestamps_are_one_kind(sample_run):
    """birth_date was TIMESTAMP in one table, DATE in another and text in a third;
    sources a comma-joined text in one and lists elsewhere; timestamps of three kinds."""
    with duckdb.connect(str(sample_run.warehouse), read_only=True) as con:
        columns = _published_columns(con)
    types = columns.groupby("column_name").data_type.unique()
    mixed = {name: list(kinds) for name, kinds in types.items() if len(kinds) > 1}
    assert not mixed, f"one name, several types: {mixed}"
    assert set(types["birth_date"]) == {"DATE"} and set(types["sources"]) == {"VARCHAR[]"}
    assert set(types["evidence"]) == set(types["attributes"]) == {"JSON"}
    kinds = set(columns.data_type[columns.data_type.str.startswith("TIMESTAMP")])
    assert kinds == {"TIMESTAMP"}, kinds


def test_the_downstream_views_keep_their_shape_and_show_every_master(sample_run, tmp_path):
    # a reader's own copy of the file, under another name, works as well (the views
    # name no database)
    copy = tmp_path / "downstream_copy.duckdb"
    shutil.copy2(sample_run.warehouse, copy)
    for warehouse in (sample_run.warehouse, copy):
        with duckdb.connect(str(warehouse), read_only=True) as con:
            columns = _published_columns(con)
            shapes = {view: list(columns[columns.relation.eq(view)][["column_name", "data_type"]]
                                 .itertuples(index=False, name=None)) for view in PINNED_VIEWS}
            assert shapes == PINNED_VIEWS
            assert con.execute("SELECT (SELECT count(*) FROM master.customer_v1), "
                               "(SELECT count(*) FROM master.customers), "
                               "(SELECT count(*) FROM master.source_row_v1), (SELECT count(*) FROM master.xref), "
                               "(SELECT count(*) FROM master.source_row_v1 r ANTI JOIN master.customer_v1 c "
                               "USING (master_id))").fetchone() == (1368, 1368, 3610, 3610, 0)
            sources = con.execute("SELECT sources FROM master.customer_v1 WHERE source_count > 1 LIMIT 1").fetchone()[0]
    assert isinstance(sources, list) and len(sources) > 1 and sources == sorted(sources)
    assert {v.name for v in VIEWS} == set(PINNED_VIEWS)  # a new view is pinned here too


def test_the_readme_and_the_reference_are_generated_from_the_declarations():
    readme = docs.README.read_text(encoding="utf-8")
    assert docs.readme_with_section(readme) == readme, f"README.md is out of date: run {docs.COMMAND}"
    assert docs.REFERENCE.read_text(encoding="utf-8") == docs.reference(), \
        f"docs/warehouse.md is out of date: run {docs.COMMAND}"
    for name in (*TABLES, *(v.name for v in VIEWS)):
        assert f"| `{name}`" in readme and f"### `{name}`" in docs.reference()


def test_an_undeclared_or_missing_column_stops_the_table_and_an_empty_one_gets_its_declared_types():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA master")
    empty = pd.DataFrame(columns=TABLES["master.id_history"].column_names())  # no rows: pandas knows no types
    con.register("frame", empty)
    write_table(con, "master.id_history", "frame")
    assert {t for (t,) in con.execute("SELECT data_type FROM duckdb_columns() WHERE table_name = 'id_history'")
            .fetchall()} == {"VARCHAR"}
    con.register("frame", empty.assign(surprise=None))
    with pytest.raises(SchemaMismatch, match=r"master\.id_history: columns \['surprise'\] are not declared"):
        write_table(con, "master.id_history", "frame")
    con.register("frame", empty.drop(columns="reason"))
    with pytest.raises(SchemaMismatch, match=r"declared columns \['reason'\] are not in the data"):
        write_table(con, "master.id_history", "frame")
    with pytest.raises(SchemaMismatch, match="master.nowhere is not declared"):
        write_table(con, "master.nowhere", "frame")


def test_meta_runs_keeps_its_declared_columns_whatever_the_ledger_holds():
    """A ledger line of an earlier version may lack a column or hold one no longer
    recorded: meta.runs has its declared columns. A count the newest run records
    and meta.runs does not declare stops the publish, so it is declared, not dropped."""
    old = {"run_id": "old", "started_at": "2026-12-01 02:00:00", "retired_count": 3}
    new = {"run_id": "new", "started_at": "2026-12-07 02:00:00", "rows_accepted": 10, "files": []}
    frame = _runs_frame([old, new])
    assert list(frame.columns) == TABLES["meta.runs"].column_names()
    con = duckdb.connect()
    con.execute("CREATE SCHEMA meta")
    con.register("frame", frame)
    write_table(con, "meta.runs", "frame")
    assert con.execute("SELECT run_id, rows_accepted, files, started_at::VARCHAR FROM meta.runs ORDER BY 1")\
        .fetchall() == [("new", 10, "[]", "2026-12-07 02:00:00"), ("old", None, None, "2026-12-01 02:00:00")]
    with pytest.raises(SchemaMismatch, match=r"meta.runs: columns \['new_count'\] are not declared"):
        _runs_frame([old, {**new, "new_count": 1}])
