"""A row without a name that carries a contact or an ID number is matched, not
dropped: it joins the customer its contacts belong to, never links two
customers, and is quarantined (with its reason) only when it matches no one."""

import pandas as pd

from customer_master.check.query import validated_rows
from customer_master.match.engine import match_customers
from customer_master.schemas.row_rules import NAMELESS_UNMATCHED, NO_NAME
from customer_master.standardise.stage import standardise_rows
from customer_master.validate import validate_rows

RECORDS = [
    {"name": "华信科技有限公司", "mobile": "13800138000", "email": "info@huaxin.com.cn"},  # 0
    {"name": None, "mobile": "13800138000"},                                                  # 1: 华信's mobile
    {"name": None, "mobile": "13911112222"},                                                  # 2: nobody's
    {"name": "宏达物流有限公司", "phone": "021-62345678"},                                     # 3
    {"name": "远航贸易有限公司", "phone": "021-62345678"},                                     # 4: one switchboard
    {"name": None, "phone": "021-62345678"},                                                  # 5: that switchboard
    {"name": None, "address": "上海市徐汇区漕溪北路88号"},                                      # 6: nothing to match on
]


def _rows(records: list[dict]) -> pd.DataFrame:
    rows = validated_rows(records)
    return rows.assign(source="shop", file="shop/a.csv", sheet="", sheet_kind="customers", roles="customer",
                       first_cell=rows["name"], row_number=rows["row_number"] + 2, party_type="company")


def test_a_nameless_row_with_a_contact_is_matched_not_dropped():
    validation = validate_rows(_rows(RECORDS))
    assert validation.rejected.reason.tolist() == [NO_NAME]  # only the row with nothing to match on
    keys = validation.accepted.row_key.tolist()
    result = match_customers(standardise_rows(validation.accepted))
    cluster = result.clusters.set_index("row_key")["cluster"]
    assert cluster[keys[1]] == cluster[keys[0]]  # joins the company whose mobile it carries
    assert set(result.unplaced.row_key) == {keys[2]} and set(result.unplaced.reason) == {NAMELESS_UNMATCHED}
    # the switchboard row joins one of the two companies and does not link them
    assert cluster[keys[3]] != cluster[keys[4]]
    assert cluster[keys[5]] in (cluster[keys[3]], cluster[keys[4]])
    assert keys[2] not in cluster.index  # every accepted row in exactly one place
    assert set(cluster.index) | set(result.unplaced.row_key) == set(keys)
