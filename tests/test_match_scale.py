"""The match stage's costs stay bounded as the inbox grows: the prior is refined
without a table of every scored pair, and person blocking keeps a common name
out of the name-only rules."""

import logging

import duckdb
import pytest
from splink import DuckDBAPI, Linker

from customer_master.check.query import validated_rows
from customer_master.match.training import expected_matches
from customer_master.match.features import matching_frame
from customer_master.match.models import TRAINING
from customer_master.standardise.stage import standardise_rows
from customer_master.validate import validate_rows


def _frame(records: list[dict]):
    rows = validated_rows(records)
    rows = rows.assign(source="dept", file="dept/a.csv", sheet="", sheet_kind="customers", roles="customer",
                       first_cell=rows["name"], row_number=rows["row_number"] + 2)
    return matching_frame(standardise_rows(validate_rows(rows).accepted))


def test_the_expected_match_count_is_the_sum_over_the_scored_pairs():
    people = ["张伟", "王芳", "李娜", "John Smith", "Smith John", "Mary Jones"]
    records = [{"name": people[i % 6], "mobile": f"1380013{8000 + i % 9:04d}", "customer_type": "person",
                "birth_date": f"19{70 + i % 5}-0{1 + i % 3}-1{i % 4}"} for i in range(60)]
    frame = _frame(records)
    linker = Linker(DuckDBAPI(duckdb.connect()).register(frame), TRAINING["person"]["settings"](),
                    log_level=logging.ERROR)
    predictions = linker.inference.predict().as_pandas_dataframe()
    assert len(predictions) > 50
    assert expected_matches(linker) == pytest.approx(predictions.match_probability.sum(), rel=1e-9)


def test_a_common_name_alone_pairs_no_rows():
    from customer_master.match.training import candidate_pairs_by_rule
    from customer_master.match.features import COMMON_NAME_ROWS
    common = [{"name": "张伟", "customer_type": "person", "mobile": f"139{i:08d}"} for i in range(COMMON_NAME_ROWS + 5)]
    rare = [{"name": "欧阳娜", "customer_type": "person", "mobile": f"137{i:08d}"} for i in range(2)]
    frame = _frame(common + rare)
    assert frame.name_if_uncommon.isna().sum() == COMMON_NAME_ROWS + 5
    linker = Linker(DuckDBAPI(duckdb.connect()).register(frame), TRAINING["person"]["settings"](),
                    log_level=logging.ERROR)
    by_rule = candidate_pairs_by_rule(linker)
    name_alone = [rule for rule in by_rule.index if "name_if_uncommon" in rule]
    assert by_rule[name_alone].sum() == 1  # the two rows of the uncommon name; no 张伟 pair by the name alone
    assert by_rule.sum() < (COMMON_NAME_ROWS + 5) ** 2 / 2


def test_em_trains_on_a_fixed_share_of_a_block_too_large_to_need():
    from splink import block_on
    from customer_master.match.training import em_rule
    frame = _frame([{"name": f"客户{i}", "customer_type": "person", "birth_date": "1980-01-01"} for i in range(100)])
    block = block_on("birth_date")
    assert em_rule(block, frame, cap=10_000) == block.get_blocking_rule("duckdb").blocking_rule_sql
    sampled = em_rule(block, frame, cap=1000)  # 4,950 pairs: one bucket in five
    pairs = duckdb.sql(f"SELECT count(*) FROM frame l JOIN frame r ON l.row_key < r.row_key AND {sampled}").fetchall()[0][0]
    assert 0 < pairs < 4950 / 2
