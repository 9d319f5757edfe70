"""Links between rows that carry the same registered company name (match/clustering.py
registered_name_edges): within each place when the name is seen in several, the rows
without a place then left to the model; from the name's first row, in the rows' order."""

import pandas as pd

from customer_master.match.clustering import registered_name_edges


def test_rows_of_one_registered_name_link_to_its_first_row_within_each_place():
    rows = pd.DataFrame({
        "row_key": [7, 3, 5, 9, 4, 8, 6, 2, 1],
        "name": ["甲公司", "甲公司", "甲公司", "乙公司", "乙公司", "乙公司", "乙公司", "丙公司", "丙公司"],
        "place": ["深圳", "深圳", "深圳", "北京", "上海", None, "北京", None, None],
        "legal_form": ["有限公司"] * 8 + [None],  # 丙's second row gives no legal form
    })
    edges = registered_name_edges(rows)
    assert list(edges.columns) == ["row_key_l", "row_key_r", "match_probability"]
    assert edges.dtypes.tolist() == ["int64", "int64", "float64"]
    # 甲 in one place: every row to row 3; 乙 in two: 9 and 6 in 北京 (6 first), 4 alone in 上海, 8 (no place) left out
    assert list(edges.itertuples(index=False, name=None)) == [(3, 7, 1.0), (3, 5, 1.0), (6, 9, 1.0)]
    assert registered_name_edges(rows.iloc[:0]).empty
