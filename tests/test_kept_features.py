"""A nightly run computes the matching features only of new files' rows (match/kept_features.py):
the others come from what the last run kept, and with the inbox-wide features counted
afresh they are the frame the models compare, as matching_frame gives it on every row."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import SAMPLE_INBOX
from customer_master.ingest.inbox import ingest_inbox
from customer_master.match.features import matching_frame, with_inbox_features
from customer_master.match.kept_features import kept_features
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
        of_type = features[features["customer_type"] == customer_type].drop(columns="customer_type")
        pd.testing.assert_frame_equal(with_inbox_features(of_type),
                                      matching_frame(rows[rows["customer_type"] == customer_type]))
