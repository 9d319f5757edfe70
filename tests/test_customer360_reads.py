"""The customer 360 steps' cheaper forms give what the pandas forms gave: the rows
contacts and relationships read in DuckDB are the pandas filter and join, in the
rows' order; segments and review reminders read from staged Parquet files what they
read from frames; contacts' components and relationships' evidence are the same
without a pandas groupby per round or a json.dumps per row."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from customer_master.customer360.components import components
from customer_master.customer360.contacts import CONTACT_SOURCE_COLUMNS, company_contact_rows
from customer_master.customer360.relationships import (RELATIONSHIP_SOURCE_COLUMNS, _evidence,
                                                        rows_naming_organisations)
from customer_master.customer360.review_due import review_due
from customer_master.customer360.segments import customer_segments
from customer_master.settings import ReviewDueRules, SegmentRules


def _rows() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Standardised rows out of row_key order, persons and companies, with and without
    a contact or a named organisation; an xref that misses one row."""
    n = 12
    rows = pd.DataFrame({
        "row_key": [7, 3, 11, 0, 5, 9, 1, 10, 2, 8, 4, 6],
        "customer_type": ["company", "person", "company", "company", "company", "person"] * 2,
        "source": ["crm", "erp"] * 6, "file": [f"f{i % 3}.xlsx" for i in range(n)],
        "sheet": ["", "客户"] * 6, "row_number": [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1_234_567],
        "trust_rank": [1, 2] * 6, "updated_at": [dt.date(2025, 1, i + 1) if i % 4 else None for i in range(n)],
        "contact_name": ["张 伟", None, "Li.Na", "王芳", None, "赵六", "张伟", "钱七", None, "孙八", "周九", "吴十"],
        "contact_title": ["采购经理", None, "CFO", None, None, "工程师", "总经理", "助理", None, "IT", "会计",
                          "董事长"],
        "mobile": ["13800000001", None, None, "13800000002", None, None, "13800000001"] + [None] * 5,
        "email": [None, None, "info@x.com", "wf@x.com"] + [None] * 7 + ["wu@y.cn"],
        "business_area": ["华东", None] * 6,
        "parent_name": [None, "华信科技有限公司", None, None, "天成集团", None, None, "华信科技有限公司", None,
                        None, None, "某某公司"],
        "group_name": [None, None, "天成集团", None, None, None, "天成集团有限公司", None, None, None, "天成集团",
                       None],
    })
    xref = pd.DataFrame({"row_key": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11],  # row 10 is in no master
                         "master_id": [f"M{k % 4}" for k in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11)],
                         "row_identity": [f"id{k}" for k in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11)]})
    return rows, xref


@pytest.mark.parametrize("as_file", [False, True])
def test_contact_rows_are_the_companies_with_a_contact_joined_to_their_master_in_row_order(tmp_path, as_file):
    rows, xref = _rows()
    expected = rows[rows["customer_type"].eq("company") & rows["contact_name"].notna()].merge(xref, on="row_key")
    expected = expected[CONTACT_SOURCE_COLUMNS + ["master_id", "row_identity"]].assign(
        lineage_key=expected["source"] + "|" + expected["file"] + "|" + expected["sheet"] + "|"
        + expected["row_number"].astype(str).str.zfill(9))
    if as_file:
        rows.to_parquet(tmp_path / "rows.parquet"), xref.to_parquet(tmp_path / "xref.parquet")
    found = company_contact_rows(tmp_path / "rows.parquet" if as_file else rows,
                                 tmp_path / "xref.parquet" if as_file else xref)
    assert found["row_key"].tolist() == [7, 11, 0, 1, 8, 4]  # the rows' order, not the keys'
    # DuckDB hands a date as a timestamp: build_contacts reads both as one (pd.to_datetime)
    pd.testing.assert_frame_equal(found.drop(columns="updated_at"), expected.drop(columns="updated_at"),
                                  check_dtype=False)
    assert pd.to_datetime(found["updated_at"]).tolist() == pd.to_datetime(expected["updated_at"]).tolist()


@pytest.mark.parametrize("as_file", [False, True])
def test_rows_naming_organisations_are_the_rows_with_a_parent_or_group_joined_in_row_order(tmp_path, as_file):
    rows, xref = _rows()
    expected = rows[RELATIONSHIP_SOURCE_COLUMNS].merge(xref[["row_key", "master_id"]], on="row_key")
    expected = expected[expected[["parent_name", "group_name"]].notna().any(axis=1)].reset_index(drop=True)
    if as_file:
        rows.to_parquet(tmp_path / "rows.parquet"), xref.to_parquet(tmp_path / "xref.parquet")
    found = rows_naming_organisations(tmp_path / "rows.parquet" if as_file else rows,
                                      tmp_path / "xref.parquet" if as_file else xref)
    assert found["row_key"].tolist() == [3, 11, 5, 1, 4, 6]  # row 10 names a parent but is in no master
    pd.testing.assert_frame_equal(found, expected, check_dtype=False)


def test_evidence_is_each_rows_object_as_json_dumps_writes_it():
    texts = pd.Series(['say "hi"', "back\\slash", "two\nlines\t", "\x01bell", "中文 / 分公司", None, "\u2028",
                       'say "hi"'], index=range(10, 18))
    other = pd.Series(["a", None, "b", "c", "d", "e", "f", "g"], index=texts.index)
    numbers = pd.Series([1, 22, 333, 0, 5, 6, 7, 1_000_000], index=texts.index)
    written = _evidence("column", {"value": texts, "sheet": other}, {"row_number": numbers})
    assert written.tolist() == [
        json.dumps({"found_by": "column", "value": v, "sheet": s, "row_number": int(n)}, ensure_ascii=False)
        for v, s, n in zip(texts, other, numbers)]
    assert json.loads(written[2]) == {"found_by": "column", "value": "two\nlines\t", "sheet": "b", "row_number": 333}
    assert len(_evidence("name", {"branch": texts.iloc[:0]})) == 0


def test_components_link_rows_that_share_any_key_within_their_group():
    frame = pd.DataFrame({
        "row_key": [50, 40, 30, 20, 10, 60, 70],
        "group": ["A", "A", "A", "A", "B", "B", "A"],
        "name": ["x", "y", None, "z", "x", "q", "w"],
        "mobile": [None, "1", "1", "2", None, None, "9"],
        "email": ["e", None, "f", "f", "e", "g", None],
    })
    # 40 and 30 share a mobile, 30 and 20 an email: one chain of three, labelled 20 though 40
    # and 20 share no key; 50 shares its name and email only with 10, of another group
    labels = components(frame, "group", ["name", "mobile", "email"])
    assert labels.tolist() == [50, 20, 20, 20, 10, 60, 70]
    assert labels.index.equals(frame.index)


def test_components_are_the_connected_components_of_rows_sharing_a_key():
    rng = np.random.default_rng(3)
    for _ in range(40):
        n = int(rng.integers(1, 30))
        frame = pd.DataFrame({"row_key": rng.permutation(500)[:n], "group": rng.integers(0, 2, n),
                              "a": pd.Series(rng.integers(0, 6, n)).where(rng.random(n) < .6),
                              "b": pd.Series(rng.integers(0, 6, n).astype(str)).where(rng.random(n) < .6)})
        parent = list(range(n))  # union-find over the rows, the components' definition
        keys, groups = frame["row_key"].tolist(), frame["group"].tolist()
        values = [[None if pd.isna(v) else v for v in frame[k]] for k in ("a", "b")]

        def root(i):
            while parent[i] != i:
                i = parent[i]
            return i
        for i in range(n):
            for j in range(i):
                if groups[i] == groups[j] and any(v[i] is not None and v[i] == v[j] for v in values):
                    parent[root(i)] = root(j)
        smallest = {}
        for i in range(n):
            smallest[root(i)] = min(smallest.get(root(i), keys[i]), keys[i])
        assert components(frame, "group", ["a", "b"]).tolist() == [smallest[root(i)] for i in range(n)]


def test_segments_and_review_reminders_read_from_staged_files_what_they_read_from_frames(tmp_path):
    as_of = dt.date(2026, 6, 30)
    customers = pd.DataFrame({
        "master_id": ["M1", "M2", "M3"], "customer_type": ["company", "person", "company"],
        "name": ["华信科技有限公司", "张伟", "天成集团"], "mobile": [None, "13800000001", None],
        "phone": [None, None, "021-1234"], "email": [None, None, None], "address": [None, None, None],
        "uscc": ["91310000MA1", None, None], "extra_golden_column": ["x", "y", "z"],
        "first_created_at": [dt.date(2020, 1, 1), dt.date(2026, 5, 1), None],
        "last_updated_at": [dt.date(2024, 1, 1), dt.date(2026, 5, 2), dt.date(2022, 1, 1)]})
    interactions = pd.DataFrame({"master_id": ["M1", None, "M3"], "activity_date": [dt.date(2026, 6, 1), None,
                                                                                    dt.date(2025, 1, 1)]})
    transactions = pd.DataFrame({"master_id": ["M1", "M1", "M2"], "txn_type": ["order", "order", "quote"],
                                 "activity_date": [dt.date(2026, 6, 1), dt.date(2025, 12, 1), dt.date(2026, 6, 2)],
                                 "amount": [60_000.0, 1_000.0, 5.0]})
    rows = pd.DataFrame({"row_key": [0, 1, 2], "source": ["crm"] * 3, "file": ["a.xlsx"] * 3,
                         "name": ["华信科技有限公司", "张伟", "天成集团"], "mobile": [None, "13800000001", None],
                         "phone": [None, None, "021-1234"], "uscc": ["91310000MA1", None, None],
                         "updated_at": [dt.date(2026, 1, 1), None, dt.date(2020, 1, 1)]})
    xref = pd.DataFrame({"row_key": [0, 1, 2], "master_id": ["M1", "M2", "M3"]})
    issues = pd.DataFrame({"row_key": [2], "file": ["a.xlsx"], "sheet": [""], "row_number": [4], "field": ["phone"],
                           "value": ["021-1234x"], "issue": ["not a phone number"]})
    file_dates = pd.DataFrame({"file": ["a.xlsx"], "modified_at": [pd.Timestamp("2025-06-01")]})
    files = {}
    for name, frame in (("customers", customers), ("interactions", interactions), ("transactions", transactions)):
        files[name] = tmp_path / f"{name}.parquet"
        frame.to_parquet(files[name])
    from_frames = customer_segments(customers, interactions, transactions, SegmentRules(), as_of)
    from_files = customer_segments(files["customers"], files["interactions"], files["transactions"], SegmentRules(),
                                   as_of)
    pd.testing.assert_frame_equal(from_files, from_frames)
    assert from_frames.set_index("master_id")["lifecycle"].to_dict() == {"M1": "active", "M2": "new", "M3": "lost"}
    due = review_due(customers, rows, xref, issues, file_dates, ReviewDueRules(), as_of)
    due_from_file = review_due(files["customers"], rows, xref, issues, file_dates, ReviewDueRules(), as_of)
    pd.testing.assert_frame_equal(due_from_file, due)
    assert due["master_id"].tolist() == ["M2", "M3"]  # M1's fields were confirmed this year
