"""What a steward reads on each asset in the UI, on the session's sample run (the
real asset graph, in-process): markdown tables and plottable numbers, never JSON,
and figures that agree with the warehouse the run published."""

from __future__ import annotations

import json
import re

import dagster as dg
import duckdb
import pandas as pd
import pytest

from customer_master.assets.metadata import INLINE_CHARS, markdown_table
from customer_master.pipelines.definitions import ASSETS
from customer_master.steward_figures import cluster_sizes, pairs_by_probability

# The numbers a steward follows from run to run: Dagster plots int and float entries.
PLOTTED = {
    "customer_warehouse": ["masters", "rows_quarantined", "field_issues", "review_due", "activity_rows_unresolved"],
    "golden_records": ["masters", "duplicates_merged", "masters_built", "masters_carried"],
    "matched_clusters": ["masters", "scored_pairs", "pairs_merged", "pairs_in_review_band"],
    "validated_rows": ["rows_quarantined", "field_issues"],
    "ingested_rows": ["files_read", "files_not_read", "sheets_not_read"],
    "customer_activities": ["interactions_unresolved", "transactions_unresolved"],
}


def parse_markdown_table(value: dg.MarkdownMetadataValue) -> pd.DataFrame:
    """A markdown table entry back as a frame of text (header in words, as shown)."""
    lines = [line for line in value.md_str.splitlines() if line.startswith("|")]
    assert len(lines) >= 2 and set(lines[1]) <= set("|-:"), f"not a markdown table:\n{value.md_str}"
    split = lambda line: [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip()[1:-1])]  # noqa: E731
    return pd.DataFrame([split(line) for line in lines[2:]], columns=split(lines[0]))


def _sql(run, query: str) -> pd.DataFrame:
    with duckdb.connect(str(run.warehouse), read_only=True) as con:
        return con.execute(query).df()


def test_every_asset_and_check_shows_metadata_and_none_of_it_is_json(sample_run):
    entries = {**{f"asset {a}": m for a, m in sample_run.asset_metadata.items()},
               **{f"check {c}": m for c, m in sample_run.check_metadata.items()}}
    assert set(sample_run.asset_metadata) == {a.key.to_user_string() for a in ASSETS}
    assert len(sample_run.check_metadata) == 4
    for where, metadata in entries.items():
        assert metadata, f"{where} shows nothing"
        for key, value in metadata.items():
            assert not isinstance(value, dg.JsonMetadataValue), f"{where}: {key} is a JSON blob"
            text = (value.md_str if isinstance(value, dg.MarkdownMetadataValue)
                    else value.text if isinstance(value, dg.TextMetadataValue) else "")
            try:
                json.loads(text)
                looks_like_json = text.lstrip()[:1] in "{["
            except ValueError:
                looks_like_json = False
            assert not looks_like_json, f"{where}: {key} is JSON written as text: {text[:200]}"
            # longer markdown hides behind a "[Show Markdown]" link in the UI (images, such as
            # run_report's chart previews, are larger by nature and open from that link)
            assert len(text) <= INLINE_CHARS or "](data:image/" in text, f"{where}: {key} has {len(text)} characters"


def test_the_numbers_a_steward_follows_are_plottable(sample_run):
    run = sample_run.run
    for asset, keys in PLOTTED.items():
        for key in keys:
            value = sample_run.asset_metadata[asset][key]
            assert isinstance(value, dg.IntMetadataValue), f"{asset}.{key} is {type(value).__name__}"
    assert isinstance(sample_run.asset_metadata["matched_clusters"]["match_threshold"], dg.FloatMetadataValue)
    warehouse = sample_run.asset_metadata["customer_warehouse"]
    assert warehouse["masters"].value == run["master_customers"]
    assert warehouse["rows_quarantined"].value == run["rows_rejected"]
    assert warehouse["review_due"].value == run["review_due"] > 0
    assert sample_run.asset_metadata["golden_records"]["masters"].value == run["master_customers"]


def test_rows_per_file_add_up_to_what_each_sheet_read(sample_run):
    table = parse_markdown_table(sample_run.asset_metadata["validated_rows"]["rows_by_file"])
    assert list(table.columns) == ["file", "rows", "accepted", "activity rows", "quarantined", "field issues"]
    counts = table.set_index("file").astype(int)
    read = _sql(sample_run, "SELECT file, sum(data_rows)::BIGINT AS n FROM quality.sheets WHERE status = 'read' "
                            "GROUP BY file").set_index("file")["n"]
    assert counts["rows"].to_dict() == read.to_dict()
    # validation's quarantine and the activity rows: every other row of a file goes on as accepted
    assert (counts["accepted"] + counts["activity rows"] + counts["quarantined"] == counts["rows"]).all()
    issues = _sql(sample_run, "SELECT file, count(*) AS n FROM quality.field_issues GROUP BY file")
    assert counts.loc[issues["file"], "field issues"].tolist() == issues["n"].tolist()


def test_field_issues_read_as_field_and_kind_with_their_first_rows(sample_run):
    table = parse_markdown_table(sample_run.asset_metadata["validated_rows"]["field_issues_by_kind"])
    expected = _sql(sample_run, "SELECT field, issue, count(*) AS n FROM quality.field_issues GROUP BY ALL")
    assert sorted(zip(table["field"], table["issue"], table["rows"].astype(int))) == \
        sorted(zip(expected["field"], expected["issue"], expected["n"]))
    first = _sql(sample_run, """SELECT file, sheet, row_number FROM quality.field_issues
                                ORDER BY file, sheet, row_number LIMIT 1""").iloc[0]
    top = table.iloc[0]
    assert f"{first.file} › {first.sheet} › row {first.row_number}" in top["first rows"]
    assert "('" not in " ".join(table["issue"]), "an issue is shown as a tuple of letters"


def test_rejects_name_their_reason_and_first_rows(sample_run):
    table = parse_markdown_table(sample_run.asset_metadata["validated_rows"]["rejects_by_reason"])
    totals = table.set_index("reason")
    assert totals["rows"].astype(int).sum() == sample_run.asset_metadata["validated_rows"]["rows_quarantined"].value
    for reason, row in totals.iterrows():
        assert row["first rows"].count(" › row ") == min(2, int(row["rows"])), row["first rows"]
    published = parse_markdown_table(sample_run.asset_metadata["customer_warehouse"]["rejects_by_reason"])
    assert published["rows"].astype(int).sum() == sample_run.run["rows_rejected"]


def test_files_and_sheets_not_read_agree_with_their_counts(sample_run):
    ingest = sample_run.asset_metadata["ingested_rows"]
    table = parse_markdown_table(ingest["files_and_sheets_not_read"])
    assert (table["what"] == "file").sum() == ingest["files_not_read"].value
    assert (table["what"] == "sheet").sum() == ingest["sheets_not_read"].value >= 1
    rejected = _sql(sample_run, "SELECT file, sheet FROM quality.rejected_files")
    assert sorted(zip(table["file"], table["sheet"])) == sorted(zip(rejected["file"], rejected["sheet"]))
    by_source = parse_markdown_table(ingest["rows_by_source"])
    assert by_source["rows"].astype(int).sum() == ingest["dagster/row_count"].value


def test_match_figures_agree_with_the_published_pairs_and_masters(sample_run):
    match = sample_run.asset_metadata["matched_clusters"]
    sizes = parse_markdown_table(match["rows_per_master"])
    assert sizes["masters"].astype(int).sum() == match["masters"].value == sample_run.run["master_customers"]
    assert sizes["rows"].astype(int).sum() == _sql(sample_run, "SELECT count(*) AS n FROM master.xref")["n"][0]
    by_probability = parse_markdown_table(match["pairs_by_probability"])
    assert by_probability["pairs"].astype(int).sum() == match["scored_pairs"].value
    merged = by_probability.loc[by_probability["merged"] == "yes", "pairs"].astype(int).sum()
    assert merged == match["pairs_merged"].value
    low, high = (float(x) for x in match["review_band"].text.split(" ")[0:3:2])
    in_band = _sql(sample_run, f"SELECT count(*) AS n FROM master.match_pairs "
                               f"WHERE match_probability BETWEEN {low} AND {high}")["n"][0]
    assert match["pairs_in_review_band"].value == in_band > 0


def test_departments_sharing_masters_are_counted_per_pair_of_sources(sample_run):
    table = parse_markdown_table(sample_run.asset_metadata["golden_records"]["departments_sharing_masters"])
    first, second = table.iloc[0]["sources"].split(" + ")
    shared = _sql(sample_run, f"""SELECT count(*) AS n FROM (
        SELECT master_id FROM master.xref GROUP BY master_id
        HAVING bool_or(source = '{first}') AND bool_or(source = '{second}'))""")["n"][0]
    assert int(table.iloc[0]["masters"]) == shared
    assert table["masters"].astype(int).is_monotonic_decreasing


def test_activity_outcomes_have_no_stray_punctuation_and_add_up(sample_run):
    table = parse_markdown_table(sample_run.asset_metadata["customer_activities"]["linked_and_unresolved"])
    assert not table["outcome"].str.endswith(":").any(), table
    totals = table.assign(rows=table["rows"].astype(int)).groupby("activity")["rows"].sum()
    assert totals.to_dict() == {"interactions": sample_run.run["interactions"],
                                "transactions": sample_run.run["transactions"]}
    unresolved = table[table["outcome"].str.startswith("unresolved")]
    assert unresolved["rows"].astype(int).sum() == \
        sample_run.run["interactions_unresolved"] + sample_run.run["transactions_unresolved"]


def test_the_run_summary_the_cli_prints_is_on_the_warehouse_asset(sample_run):
    table = parse_markdown_table(sample_run.asset_metadata["customer_warehouse"]["run_summary"])
    printed = [" ".join(line.split()) for line in sample_run.format_summary(1.0).splitlines()]
    shown = [" ".join(f"{head} {text}".split()) for head, text in zip(table["run"], table["summary"])]
    assert shown and all(line in printed for line in shown), (shown, printed)
    assert {"files", "rows", "field issues", "masters", "master ids", "customer 360", "review due"} <= set(table["run"])


def test_checks_show_the_figures_they_compared(sample_run):
    accounting = sample_run.check_metadata["row_accounting"]
    homes = {key: value.value for key, value in accounting.items() if key.startswith("rows_in_")}
    assert set(homes) == {"rows_in_master_xref", "rows_in_quality_rejected", "rows_in_master_interactions",
                          "rows_in_master_transactions"}
    assert isinstance(accounting["data_rows_read"], dg.IntMetadataValue)
    assert accounting["data_rows_read"].value == sum(homes.values()) == sample_run.run["rows_ingested"]
    assert accounting["problems"] == dg.TextMetadataValue("none")
    ids = sample_run.check_metadata["unique_master_id"]
    assert ids["rows_in_master_customers"].value == ids["distinct_master_ids"].value == \
        sample_run.run["master_customers"]
    xref = sample_run.check_metadata["xref_points_at_a_master"]
    assert xref["xref_rows_pointing_at_no_master"].value == 0 and xref["rows_in_master_xref"].value > 0


def test_markdown_table_escapes_cells_and_says_what_it_left_out():
    frame = pd.DataFrame({"name": ["A|B 公司", "line\nbreak", "c"], "rows_read": [1, 2, 3]})
    text = markdown_table(frame, rows=2).md_str
    assert text.splitlines()[:2] == ["|name|rows read|", "|-|-:|"]
    assert "|A\\|B 公司|1|" in text and "|line break|2|" in text
    assert text.endswith("_and 1 more_")
    long = pd.DataFrame({"name": ["公司" * 60] * 30})
    cut = markdown_table(long, rows=30).md_str
    assert len(cut) <= INLINE_CHARS and cut.endswith(f"_and {30 - cut.count(chr(10) + '|') + 1} more_")
    assert markdown_table(frame.iloc[0:0], empty="nothing here").md_str == "_nothing here_"


def test_pairs_are_bucketed_at_the_run_threshold_and_sizes_cover_every_row():
    pairs = pd.DataFrame({"match_probability": [0.5, 0.91, 0.93, 0.96, 1.0]})
    table = pairs_by_probability(pairs, threshold=0.93, band=(0.5, 0.95)).set_index("match_probability")
    assert table.loc["0.9 – 0.93", "pairs"] == 1 and table.loc["0.9 – 0.93", "merged"] == "no"
    assert table.loc["0.93 – 0.95", "pairs"] == 1 and table.loc["0.93 – 0.95", "merged"] == "yes"
    assert table.loc["0.99 – 1", "pairs"] == 1 and table["pairs"].sum() == len(pairs)
    assert table.loc["0.95 – 0.99", "in_review_band"] == "no" and table.loc["0.5 – 0.6", "in_review_band"] == "yes"
    clusters = pd.DataFrame({"cluster": ["a"] + ["b"] * 2 + ["c"] * 7 + ["d"] * 12})
    sizes = cluster_sizes(clusters).set_index("rows_per_master")
    assert sizes.loc["6–10", "masters"] == 1 and sizes.loc["11 or more", "rows"] == 12
    assert sizes["rows"].sum() == len(clusters)


@pytest.mark.parametrize("asset", ["standardised_rows", "golden_records", "customer_contacts", "review_due"])
def test_samples_lead_with_the_name_a_steward_recognises(sample_run, asset):
    key = "master_sample" if asset == "golden_records" else "sample"
    table = parse_markdown_table(sample_run.asset_metadata[asset][key])
    assert table.columns[0] == "name" and len(table) >= 3
    assert table["name"].str.len().gt(0).all()
