"""Steps that compute in DuckDB read their inputs from the Parquet files the stage
results are staged in, never through pandas; what they compute is the same as
from frames."""

import datetime as dt

import dagster as dg
import pandas as pd

from customer_master.pipelines.resources import AS_PARQUET_FILE, StageResultIOManager
from customer_master.survive import MEMBER_COLUMNS, build_golden_records


def _standardised_rows() -> pd.DataFrame:
    """Four rows of two customers, shaped like the standardise stage's output: dates
    as dates, a column no row fills (all None), a column survivorship does not read."""
    rows = pd.DataFrame({c: None for c in MEMBER_COLUMNS}, index=range(4))
    rows = rows.assign(
        row_key=[1, 2, 3, 4], customer_type=["company", "company", "person", "person"],
        source=["sales", "finance", "sales", "service"], file=["s.xlsx", "f.csv", "s.xlsx", "v.csv"],
        sheet=["客户", "", "客户", ""], row_number=[2, 2, 3, 2], source_record_id=["K1", None, None, "P9"],
        extra=['{"备注": "老客户"}', None, None, None], trust_rank=[2, 1, 2, 3],
        created_at=[dt.date(2024, 1, 5), None, dt.date(2023, 3, 1), None],
        updated_at=[dt.date(2025, 6, 1), dt.date(2024, 2, 1), None, dt.date(2025, 1, 1)],
        name=["深圳华信科技有限公司", "华信科技", "王芳", "王芳"], mobile=[None, None, "+8613800138000", "+8613800138001"],
        city=["深圳市", "深圳市", None, "广州市"], birth_date=[None, None, dt.date(1980, 2, 3), None],
        gender=[None, None, "F", "F"], notes=["not read", None, None, None])
    return rows


def test_survivorship_from_the_staged_files_equals_survivorship_from_frames(tmp_path):
    rows = _standardised_rows()
    clusters = pd.DataFrame({"row_key": [1, 2, 3, 4], "cluster": ["c1", "c1", "c2", "c2"]})
    pairs = pd.DataFrame({"row_key_l": [1, 3], "row_key_r": [2, 4], "match_probability": [0.99, 0.97],
                          "evidence": ["{}", "{}"]})
    manager = StageResultIOManager(base_dir=str(tmp_path / "staging"))
    files = {}
    for name, frame in {"standardised_rows": rows, "clusters": clusters, "pairs": pairs}.items():
        output = dg.build_output_context(asset_key=dg.AssetKey(name), run_id="run-1")
        manager.handle_output(output, frame)
        files[name] = manager.load_input(dg.build_input_context(upstream_output=output,
                                                                definition_metadata={AS_PARQUET_FILE: True}))
    assert files["standardised_rows"].suffix == ".parquet"  # the file, not a frame

    from_frames = build_golden_records(rows, clusters, pairs, run_id="r1")
    from_files = build_golden_records(files["standardised_rows"], files["clusters"], files["pairs"], run_id="r1")
    pd.testing.assert_frame_equal(from_files.customers, from_frames.customers)
    pd.testing.assert_frame_equal(from_files.xref, from_frames.xref)
    assert from_files.field_lineage.equals(from_frames.field_lineage)
    assert from_files.field_values.equals(from_frames.field_values)
    # and it is survivorship: the most trusted source's name, the person's birth date
    golden = from_files.customers.set_index("name")
    assert sorted(golden.index) == ["华信科技", "王芳"]
    assert golden.loc["王芳", "birth_date"] == pd.Timestamp(1980, 2, 3) and golden.loc["王芳", "record_count"] == 2


def test_a_computed_warehouse_table_joins_staged_files_in_the_order_of_its_source(tmp_path, monkeypatch):
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from customer_master.warehouse.publish import ComputedTable, write_frame

    pairs = tmp_path / "pairs.parquet"
    order = [7, 3, 9, 1, 5] * 2000  # not sorted: the match stage's order
    pq.write_table(pa.table({"row_key": order, "score": [float(i) for i in range(len(order))]}), pairs,
                   row_group_size=1000)
    lineage = pd.DataFrame({"row_key": [1, 3, 5, 7, 9], "file": ["a", "b", "c", "d", "e"], "raw": "x"})
    con = duckdb.connect()
    con.execute("CREATE SCHEMA master")
    table = ComputedTable("SELECT p.row_key, p.score, l.file FROM pairs p JOIN lineage l USING (row_key) "
                          "ORDER BY p.file_row_number",
                          {"pairs": (pairs, ["row_key", "score"], True), "lineage": (lineage, ["row_key", "file"])})
    from customer_master.warehouse import schema
    from customer_master.warehouse.schema.columns import Column, Table
    declared = Table("master.test_computed", "pair", "A test table.", (
        Column("row_key", "BIGINT", "k"), Column("score", "DOUBLE", "s"), Column("file", "VARCHAR", "f")))
    monkeypatch.setitem(schema.TABLES, "master.test_computed", declared)
    write_frame(con, "master.test_computed", table)
    written = con.execute("SELECT row_key, score, file FROM master.test_computed ORDER BY rowid").df()
    assert written["score"].tolist() == [float(i) for i in range(len(order))]  # the staged file's order
    assert written["file"].tolist() == [dict(zip([1, 3, 5, 7, 9], "abcde"))[k] for k in order]
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal AND view_name IN "
                       "('pairs', 'lineage')").fetchall()[0][0] == 0  # the sources are gone again
