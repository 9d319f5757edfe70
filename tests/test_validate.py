import pandas as pd
import pandera.pandas as pa
import pytest

from customer_master.validate import validate_rows


def _rows(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"row_key": range(n), "source": "s", "file": "s/a.xlsx", "sheet": "S", "row_number": range(2, n + 2),
            "sheet_kind": "customers", "party_type": "auto", "trust_rank": 5, "extra": "{}", "raw": "{}", "first_cell": None}
    frame = pd.DataFrame({**base, **columns})
    frame["first_cell"] = frame["first_cell"].where(frame["first_cell"].notna(), frame["name"])
    for field in ("mobile", "phone", "email", "uscc", "id_number", "birth_date", "created_at", "updated_at"):
        frame[field] = frame.get(field, pd.Series([None] * n, dtype=object))
    return frame


def test_rows_that_cannot_name_a_customer_are_quarantined_with_a_reason():
    result = validate_rows(_rows(name=["华信科技", None, "合计", "Total:", "小计 2025", "---", "总计划科技"]))
    assert result.rejected[["row_number", "reason"]].values.tolist() == [
        [3, "no customer name"],
        [4, "totals row (合计/Total), not a customer"],
        [5, "totals row (合计/Total), not a customer"],
        [6, "totals row (合计/Total), not a customer"],
        [7, "name has no letters or Chinese characters"],
    ]
    assert result.accepted.name.tolist() == ["华信科技", "总计划科技"]


def test_field_problems_are_recorded_and_the_row_goes_on_without_that_value():
    result = validate_rows(_rows(
        name=["华信科技", "张伟"], email=["bad@", "zhang@qq.com"], mobile=["13800138000", "12345"],
        uscc=["91350100M000100Y44", None], birth_date=[None, "someday"]))
    issues = result.field_issues[["row_number", "field", "value", "issue"]].values.tolist()
    assert issues == [
        [2, "email", "bad@", "not a valid email address"],
        [2, "uscc", "91350100M000100Y44", "credit code check character is wrong"],
        [3, "birth_date", "someday", "not a date"],
        [3, "mobile", "12345", "impossible phone number"],
    ]
    assert len(result.accepted) == 2 and result.rejected.empty
    assert result.accepted.email.tolist() == [None, "zhang@qq.com"]  # a failed value is no evidence
    assert result.accepted.mobile.tolist() == ["13800138000", None]


def test_broken_ingest_output_is_a_bug_not_bad_input():
    rows = _rows(name=["a", "b"])
    rows.loc[1, "row_number"] = 2  # two rows claiming the same spreadsheet row
    with pytest.raises(pa.errors.SchemaError):
        validate_rows(rows)


def test_a_totals_label_outside_the_name_column_is_still_a_totals_row():
    result = validate_rows(_rows(name=[None, None], first_cell=["合计", "13800138000"]))
    assert result.rejected.reason.tolist() == ["totals row (合计/Total), not a customer", "no customer name"]
