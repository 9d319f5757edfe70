"""Plain Splink, the way its documentation sets it up, on the raw records of a
benchmark dataset: standard comparison library, standard training recipe, the
same clustering threshold as the pipeline. The figure to beat.

Predictions are kept down to PREDICT_FLOOR, the bottom of the harness's
threshold grid, so that the best threshold can be found without predicting again."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb
import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

SEED = 20261122
PREDICT_FLOOR = 0.5


@dataclass
class BaselineRun:
    clusters: pd.DataFrame  # key, cluster: Splink's clustering at the threshold, every record
    pairs: pd.DataFrame  # key_l, key_r, match_probability: every pair predicted at or above PREDICT_FLOOR


def _person_settings(columns: set[str], first: str, last: str, dob: str) -> tuple[list, list, list]:
    comparisons = [cl.NameComparison(first).configure(term_frequency_adjustments=True),
                   cl.NameComparison(last).configure(term_frequency_adjustments=True),
                   cl.DateOfBirthComparison(dob, input_is_string=True,
                                            datetime_format="%Y%m%d" if dob == "date_of_birth" else "%Y-%m-%d")]
    optional = {
        "city": cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        "email": cl.EmailComparison("email"),
        "postcode_fake": cl.PostcodeComparison("postcode_fake"),
        "birth_place": cl.ExactMatch("birth_place").configure(term_frequency_adjustments=True),
        "gender": cl.ExactMatch("gender"),
        "occupation": cl.ExactMatch("occupation").configure(term_frequency_adjustments=True),
        "suburb": cl.ExactMatch("suburb").configure(term_frequency_adjustments=True),
        "postcode": cl.ExactMatch("postcode"),
        "soc_sec_id": cl.ExactMatch("soc_sec_id"),
        "address_1": cl.LevenshteinAtThresholds("address_1", [1, 3]),
        "street_number": cl.ExactMatch("street_number"),
        "state": cl.ExactMatch("state"),
    }
    comparisons += [c for name, c in optional.items() if name in columns]
    blocking = [block_on(first, last), block_on(last, dob), block_on(first, dob)]
    blocking += [block_on(c, first) for c in ("postcode_fake", "postcode", "email") if c in columns]
    deterministic = [block_on(first, last, dob)]
    em_blocks = [block_on(first, last), block_on(dob)]
    return comparisons, blocking, (deterministic, em_blocks)


def _organisation_settings() -> tuple[list, list, list]:
    """Name, address, city and phone of organisations (the restaurant guides): the
    Splink docs' choices for such columns. The phone is compared on its digits
    (`phone_digits`), since sources format it differently."""
    comparisons = [cl.JaroWinklerAtThresholds("name", [0.92, 0.8]).configure(term_frequency_adjustments=True),
                   cl.JaroWinklerAtThresholds("addr", [0.9, 0.8]),
                   cl.ExactMatch("city").configure(term_frequency_adjustments=True),
                   cl.ExactMatch("phone_digits")]
    blocking = [block_on("city", "substr(name, 1, 3)"), block_on("phone_digits"), block_on("substr(addr, 1, 6)")]
    deterministic = [block_on("phone_digits")]
    em_blocks = [block_on("phone_digits"), block_on("city", "substr(name, 1, 3)")]
    return comparisons, blocking, (deterministic, em_blocks)


def _customer_settings() -> tuple[list, list, list]:
    """The pipeline's standardised source rows (`master.source_rows`) of a generated
    inbox, companies and persons together: the Splink docs' choices for a name,
    identifiers, contact channels, a birth date and an address."""
    comparisons = [cl.JaroWinklerAtThresholds("name", [0.92, 0.8]).configure(term_frequency_adjustments=True),
                   cl.ExactMatch("mobile"), cl.ExactMatch("phone"), cl.EmailComparison("email"),
                   cl.ExactMatch("id_number"), cl.ExactMatch("uscc"), cl.ExactMatch("birth_date"),
                   cl.ExactMatch("city").configure(term_frequency_adjustments=True),
                   cl.JaroWinklerAtThresholds("address", [0.9, 0.8])]
    blocking = [block_on("name", "city"), block_on("mobile"), block_on("phone"), block_on("email"),
                block_on("id_number"), block_on("uscc")]
    deterministic = [block_on("name", "mobile"), block_on("id_number"), block_on("uscc")]
    em_blocks = [block_on("mobile"), block_on("name", "city")]
    return comparisons, blocking, (deterministic, em_blocks)


def _phone_digits(phone: pd.Series) -> pd.Series:
    digits = phone.fillna("").astype(str).str.replace(r"\D", "", regex=True)
    return digits.where(digits != "", None)


def record_key(source: pd.Series | str, unique_id: pd.Series, multi: bool) -> pd.Series:
    """The harness's key of a raw record: its unique_id, prefixed by its source
    when the dataset has several (ids need only be unique within a source)."""
    unique_id = unique_id.astype(str)
    return (source + "|" + unique_id) if multi else unique_id


def run_baseline(raw: dict[str, pd.DataFrame], family: str, threshold: float, keep_pairs: bool = True) -> BaselineRun:
    """Train plain Splink on the raw records, predict and cluster at the threshold.
    keep_pairs=False predicts at the threshold only and returns no pairs (the scale
    benchmark, where the pairs below it would only cost memory)."""
    logging.getLogger("splink").setLevel(logging.ERROR)
    frames = [f.assign(unique_id=f["unique_id"].astype(str), source_dataset=source) for source, f in raw.items()]
    columns = set(frames[0].columns)
    if family == "organisation":
        frames = [f.assign(phone_digits=_phone_digits(f["phone"])) for f in frames]
        comparisons, blocking, (deterministic, em_blocks) = _organisation_settings()
    elif family == "company":
        comparisons = [cl.JaroWinklerAtThresholds("Name", [0.95, 0.88]).configure(term_frequency_adjustments=True),
                       cl.ExactMatch("Lat"), cl.ExactMatch("Lng")]
        blocking = [block_on("substr(Name, 1, 5)")]
        deterministic, em_blocks = [block_on("Name")], [block_on("substr(Name, 1, 5)"), block_on("Lat", "Lng")]
    elif family == "customers":
        comparisons, blocking, (deterministic, em_blocks) = _customer_settings()
    elif family == "febrl":
        comparisons, blocking, (deterministic, em_blocks) = _person_settings(columns, "given_name", "surname",
                                                                            "date_of_birth")
    else:
        comparisons, blocking, (deterministic, em_blocks) = _person_settings(columns, "first_name", "surname", "dob")
    settings = SettingsCreator(
        link_type="dedupe_only" if len(frames) == 1 else "link_and_dedupe",
        comparisons=comparisons, blocking_rules_to_generate_predictions=blocking)
    db_api = DuckDBAPI(duckdb.connect())
    inputs = [db_api.register(f.drop(columns=["entity_id"], errors="ignore")) for f in frames]
    linker = Linker(inputs if len(inputs) > 1 else inputs[0], settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2_000_000, seed=SEED)
    for block in em_blocks:
        linker.training.estimate_parameters_using_expectation_maximisation(block)
    floor = min(PREDICT_FLOOR, threshold) if keep_pairs else threshold
    predictions = linker.inference.predict(threshold_match_probability=floor)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    out = clusters.as_pandas_dataframe()
    multi = len(frames) > 1
    scored = predictions.as_pandas_dataframe() if keep_pairs else pd.DataFrame(
        columns=["source_dataset_l", "unique_id_l", "source_dataset_r", "unique_id_r", "match_probability"])
    pairs = pd.DataFrame({
        "key_l": record_key(scored["source_dataset_l"] if multi else "", scored["unique_id_l"], multi),
        "key_r": record_key(scored["source_dataset_r"] if multi else "", scored["unique_id_r"], multi),
        "match_probability": scored["match_probability"].astype("float64")})
    return BaselineRun(
        clusters=pd.DataFrame({"key": record_key(out["source_dataset"] if multi else "", out["unique_id"], multi),
                               "cluster": out["cluster_id"].astype(str)}),
        pairs=pairs[pairs["match_probability"] >= PREDICT_FLOOR].reset_index(drop=True))
