"""Texts joined per group without a Python call per group (customer360/grouped_text.py),
as contacts' sources and relationships' evidence use it, and activity channels and
types named once per distinct value: the same results as the per-group and per-row
forms they replace."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_master.customer360.activity_text import CHANNELS, TXN_TYPES, _normalised
from customer_master.customer360.grouped_text import joined_per_group


def test_texts_are_joined_per_group_in_their_order_as_str_join_would():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"group": np.sort(rng.integers(0, 400, 2000)),
                          "text": [f"t{i}" for i in rng.permutation(2000)]})
    joined = joined_per_group(frame["group"], frame["text"], " | ")
    expected = frame.groupby("group")["text"].agg(" | ".join)
    pd.testing.assert_series_equal(joined, expected, check_names=False)
    assert joined_per_group(frame["group"].iloc[:0], frame["text"].iloc[:0], ",").empty
    assert joined_per_group(pd.Series(["b", "b", "a"]), pd.Series(["x", "y", "z"]), ",").to_dict() == \
        {"b": "x,y", "a": "z"}  # groups as they come: the caller sorts


def test_channels_and_types_are_named_once_per_distinct_value_as_row_by_row():
    values = pd.Series(["电话回访", None, "Visit", "客户来电", "其他", "WeChat", "", "Phone", "报价单", "合同"] * 30,
                       index=range(100, 400))
    for table in (CHANNELS, TXN_TYPES):
        named = _normalised(values, table)
        assert named.index.equals(values.index)
        for value, name in zip(values, named):
            if value is None:
                assert name is None
                continue
            rule = next((label for pattern, label in table
                         if pd.Series([value.lower()]).str.contains(pattern, case=False).iat[0]), value.lower())
            assert name == rule, (value, name)
    assert _normalised(values, CHANNELS).iloc[:3].tolist() == ["call", None, "visit"]
