"""The scale benchmark's inbox (benchmark-scale, scale.py): generated for about N
source rows with its truth, or copied from one generated earlier (`--generated`),
and the new department file held back from it for the nightly run."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROWS_PER_SCALE = 5_830  # source rows the sample generator writes per unit of its --scale (all sheets)
NEW_FILE_ROWS = 2_000


@dataclass
class NewFile:
    held_out: Path  # where the file waits until the nightly run
    destination: Path  # where it goes in the inbox
    truth: pd.DataFrame  # the truth with its rows under their new file name and row numbers
    file: str  # its inbox-relative name (the truth's `file`)


def split_off_new_file(inbox: Path, truth: pd.DataFrame, rows: int, held_out_dir: Path) -> NewFile:
    """Cut the last `rows` rows of the inbox's largest UTF-8 CSV customer list into
    a file of their own (same header, `<name>_new.csv`), held out of the inbox for
    the nightly run; the truth follows the rows to their new file and row numbers."""
    customers = truth[(truth["sheet_kind"] == "customers") & truth["file"].str.endswith(".csv")]
    for file, count in customers["file"].value_counts().items():
        path = inbox / file
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            continue  # a GBK list: keep the new file in the encoding every reader agrees on
        records = list(csv.reader(text.splitlines(keepends=True)))
        numbers = sorted(truth.loc[truth["file"] == file, "row_number"].astype(int))
        header_row = numbers[0] - 1
        moved = min(rows, count - 1)
        first_moved = numbers[-moved]
        new_name = f"{Path(file).stem}_new.csv"
        new_file = str(Path(file).with_name(new_name))
        held_out = held_out_dir / new_name
        held_out.parent.mkdir(parents=True, exist_ok=True)
        _write_csv(held_out, [records[header_row - 1], *records[first_moved - 1:]])
        _write_csv(path, records[:first_moved - 1])
        truth = truth.copy()
        numbers_now = truth["row_number"].astype(int)
        move = (truth["file"] == file) & (numbers_now >= first_moved)
        truth.loc[move, "file"] = new_file
        truth.loc[move, "row_number"] = (numbers_now[move] - first_moved + 2).astype(str)
        return NewFile(held_out, inbox / new_file, truth, new_file)
    raise ValueError("the generated inbox has no UTF-8 CSV customer list to split a new file from")


def _write_csv(path: Path, records: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(records)


class NotGenerated(ValueError):
    """A --generated folder without the generator's inbox and truth."""


def generated_parts(folder: Path) -> tuple[Path, Path]:
    """The inbox and truth the sample generator wrote into `folder`
    (`--out folder/inbox --truth folder/truth.csv`), or NotGenerated saying what is missing."""
    inbox, truth_csv = folder / "inbox", folder / "truth.csv"
    missing = [str(p) for p, there in ((inbox, inbox.is_dir()), (truth_csv, truth_csv.is_file())) if not there]
    if missing:
        raise NotGenerated(f"--generated {folder}: no {' and no '.join(missing)} (write them with "
                           f"python -m customer_master.sample.generate --out {inbox} --truth {truth_csv} --scale S)")
    return inbox, truth_csv


def prepare_inbox(work: Path, rows: int, seed: int | None = None, generated: Path | None = None) -> None:
    """work/inbox and work/truth.csv: generated afresh for about `rows` source rows, or
    copied from an inbox generated earlier (the benchmark splits a file off its copy,
    so `generated` is never changed)."""
    inbox, truth_csv = work / "inbox", work / "truth.csv"
    if generated is not None:
        source_inbox, source_truth = generated_parts(generated)
        shutil.copytree(source_inbox, inbox)
        shutil.copy2(source_truth, truth_csv)
        return
    command = [sys.executable, "-m", "customer_master.sample.generate", "--out", str(inbox), "--truth",
               str(truth_csv), "--scale", f"{rows / ROWS_PER_SCALE:.4f}"]
    subprocess.run(command + (["--seed", str(seed)] if seed is not None else []), check=True,
                   stdout=subprocess.DEVNULL)
