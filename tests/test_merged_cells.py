"""A cell merged over several rows (issue 11): every row it covers takes the
merge's top-left value, so a customer's name merged beside its contacts' lines
does not quarantine the lines below it."""

import duckdb

from conftest import run_pipeline, write_xlsx
from customer_master.ingest.readers import read_file

HEADER = ["客户名称", "联系人", "手机", "地址"]
ROWS = [["华信科技有限公司", "张三", "13800138000", "北京市海淀区中关村大街1号"],
        [None, "李四", "13900139000", None],
        [None, "王五", "13700137000", None],
        ["宏达物流有限公司", "赵六", "13600136000", "上海市浦东新区世纪大道100号"]]


def test_reader_gives_every_row_of_a_merge_its_value(tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", {"客户": [["客户登记表"], HEADER, *ROWS, [None] * 4]},
                      merge={"客户": ["A1:D1", "A3:A5", "D3:D5", "B6:B7"]})  # a title across; name, address down
    (grid,) = read_file(path)
    assert grid.rows[0] == ["客户登记表", "", "", ""]  # a merge across columns: nothing repeated
    assert [r[0] for r in grid.rows[2:6]] == ["华信科技有限公司"] * 3 + ["宏达物流有限公司"]
    assert [r[3] for r in grid.rows[2:6]] == ["北京市海淀区中关村大街1号"] * 3 + ["上海市浦东新区世纪大道100号"]
    assert grid.rows[6:] in ([], [["", "", "", ""]])  # a covered row that holds nothing else stays blank


def test_rows_under_a_merged_name_reach_its_master(tmp_path):
    inbox = tmp_path / "inbox"
    write_xlsx(inbox / "sales" / "contacts.xlsx", {"客户": [HEADER, *ROWS]}, merge={"客户": ["A2:A4"]})
    outcome = run_pipeline(inbox, tmp_path / "wh" / "customer_master.duckdb")
    assert outcome.success, outcome.error
    with duckdb.connect(str(outcome.warehouse), read_only=True) as con:
        rejected = con.execute("SELECT row_number, reason FROM quality.rejected").fetchall()
        masters = con.execute("SELECT c.name, list(x.row_number ORDER BY x.row_number) FROM master.xref x "
                              "JOIN master.customers c USING (master_id) GROUP BY c.name").fetchall()
    assert rejected == []
    assert dict(masters) == {"华信科技有限公司": [2, 3, 4], "宏达物流有限公司": [5]}
