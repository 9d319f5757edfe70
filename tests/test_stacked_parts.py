"""Per-file parts stacked with this run's row keys (stacked_parts.py): the Arrow table
a reader takes whole (stacked_table) holds what the stacked file holds."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from customer_master.stacked_parts import Part, stacked_file, stacked_table


def test_the_stacked_table_is_the_stacked_file_read_back(tmp_path):
    # a part with relative row keys and a flag; one without row keys, lacking the flag and
    # with a column pandas writes as Parquet's null type; an empty part
    pd.DataFrame({"row_key": [0, 1], "name": ["Acme", None], "flag": [True, None], "note": ["a", "b"]}) \
        .to_parquet(tmp_path / "a.parquet", index=False)
    pd.DataFrame({"name": ["Beta", "Gamma", "Delta"], "note": [None, None, None]}) \
        .to_parquet(tmp_path / "b.parquet", index=False)
    pd.DataFrame({"row_key": pd.Series([], dtype="int64"), "name": pd.Series([], dtype=object)}) \
        .to_parquet(tmp_path / "c.parquet", index=False)
    parts = [Part(tmp_path / "a.parquet", 10), Part(tmp_path / "c.parquet", 12), Part(tmp_path / "b.parquet", 12)]
    columns = ["row_key", "name", "flag", "note"]

    table = stacked_table(parts, columns)
    assert table.equals(pq.read_table(stacked_file(parts, columns)))
    assert table.column("row_key").to_pylist() == [10, 11, 12, 13, 14]
    assert table.schema.field("flag").type == pa.bool_()
    assert table.column("flag").to_pylist() == [True, None, None, None, None]
