"""A nightly run computes the matching features only of new files' rows (match/kept_features.py):
the others come from what the last run kept, and with the inbox-wide features counted
afresh they are the frame the models compare, as matching_frame gives it on every row,
and the Arrow frame handed on is that frame converted."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pytest

from conftest import SAMPLE_INBOX
from customer_master.ingest.inbox import ingest_inbox
from customer_master.match.features import matching_frame, row_features, typed_features, with_type
from customer_master.match.kept_features import frame_of_type, kept_features
from customer_master.standardise.stage import standardise_rows
from customer_master.validate import validate_rows


# a null the kept frame holds otherwise than the computed one (None against <NA>) is a
# difference: pandas only warns of it today
@pytest.mark.filterwarnings("error::FutureWarning")
def test_only_new_files_rows_get_their_features_computed_and_the_frame_is_matching_frames(tmp_path):
    rows = standardise_rows(validate_rows(ingest_inbox(SAMPLE_INBOX).rows).accepted)
    files = list(dict.fromkeys(rows["file"]))
    first = rows.groupby("file", sort=False)["row_key"].min()
    parts = pd.DataFrame({"file": first.index, "rows_key": [f"ingested {f}" for f in first.index],
                          "first_row_key": first.to_numpy()})
    rows.to_parquet(tmp_path / "standardised.parquet", index=False)
    added = files[2]
    kept_features(tmp_path / "standardised.parquet", parts[parts["file"] != added], tmp_path / "row-cache")

    features, stage = kept_features(tmp_path / "standardised.parquet", parts, tmp_path / "row-cache")
    assert (stage.files_reused, stage.files_computed) == (len(files) - 1, 1)
    assert stage.rows_computed == (rows["file"] == added).sum()  # only the new file's rows
    for customer_type in ("company", "person"):
        frame, table = frame_of_type(features, customer_type)
        computed = matching_frame(rows[rows["customer_type"] == customer_type])
        pd.testing.assert_frame_equal(frame, computed)
        # the Arrow frame the result hands on and DuckDB scans: what converting the computed frame gives,
        # typed alike (a column no row of the type fills is text, whatever the kept files typed it)
        assert with_type(table, customer_type).equals(typed_features(computed, customer_type))


def test_a_kept_column_no_row_of_the_type_fills_is_text_as_in_the_converted_frame():
    """A flag the kept files type bool (free_mail, filled by the company rows) but no
    person row fills: pandas holds it as None objects, which Arrow types as text; the
    Arrow frame built from the kept columns must say the same, or the two customer
    types' frames would not stack alike and the fingerprints would change with it."""
    rows = standardise_rows(validate_rows(ingest_inbox(SAMPLE_INBOX).rows).accepted).reset_index(drop=True)
    features = row_features(rows).assign(customer_type=rows["customer_type"].to_numpy())
    features["free_mail"] = features["free_mail"].astype(object).where(rows["customer_type"].eq("company"), None)
    table = pa.Table.from_pandas(features, preserve_index=False)
    assert table.schema.field("free_mail").type == pa.bool_()

    frame, arrow = frame_of_type(table, "person")
    assert arrow.schema.field("free_mail").type == pa.string()
    assert with_type(arrow, "person").equals(typed_features(frame, "person"))

    # an inbox without a person row: the empty frame keeps its columns' types, as converted
    companies = table.filter(pa.compute.equal(table["customer_type"], "company"))
    frame, arrow = frame_of_type(companies, "person")
    assert len(frame) == 0 and arrow.schema.field("row_key").type == pa.int64()
    assert with_type(arrow, "person").equals(typed_features(frame, "person"))
