"""Where everything a warehouse's runs keep lives: one folder beside the
warehouse file, `<warehouse>.d/`, that belongs to that file alone. This module is
the one place that knows the layout; every other module asks it for a path.

    customer_master.duckdb              the published warehouse
    customer_master.duckdb.d/
        lock                            one run at a time (lock.py); who holds it
        runs.jsonl                      the run ledger: meta.runs is rebuilt from it
        state/                          what the next run starts from (lifecycle/state.py)
            decisions.parquet           the stewards' decisions (review/decisions.py)
        models/<run_id>/                every run's models, for audit and for the next run
            training.json               what each was trained on (match/stored_models.py)
        reports/<run_id>/               every run's data-quality report and its charts (report/)
        reports/chart-cache/            the last report's charts, kept by what they show (report/chart_cache.py)
        ingest-cache/                   what ingest read from each unchanged file
        row-cache/<stage>/              each unchanged file's validated and standardised rows (row_cache.py)
        match-carry/<run_id>/           a run's scored pairs and row features, carried by the next (match/carried.py)
        activity-carry/<run_id>/        a run's activity rows' scores, carried by the next (customer360/carried_links.py)
        staging/<run_id>/               stage results handed between a run's steps
        building/<run_id>/              the new warehouse file while it is built
        backups/<seq>-<run_id>/         the last published warehouses, each with its state
        backups/<seq>-<run_id>.pending/ a publish whose swap may or may not have happened
    customer_master.duckdb.shared/      the read surfaces for downstream teams (read_surfaces.py),
                                        unless settings.yaml's read_surfaces.folder names another folder
        masked.duckdb                   the master with personal data masked
        role-<name>.duckdb              the same, only the masters a role may see
        .building/                      the new surfaces while they are built

Before this layout the pipeline kept `state/`, `models/` and `staging/` in the
folder of the warehouse (shared by every warehouse in it), and the ledger, lock,
build files and ingest cache beside it under names of their own: `old_layout`
names them, for the migration in lock.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FOLDER_SUFFIX = ".d"
PENDING_SUFFIX = ".pending"
SURFACES_SUFFIX = ".shared"
MODEL_TRAINING = "training.json"  # in a run's models folder


@dataclass(frozen=True)
class Layout:
    warehouse: Path

    @property
    def folder(self) -> Path:
        return self.warehouse.with_name(self.warehouse.name + FOLDER_SUFFIX)

    @property
    def lock(self) -> Path:
        return self.folder / "lock"

    @property
    def ledger(self) -> Path:
        return self.folder / "runs.jsonl"

    @property
    def state(self) -> Path:
        return self.folder / "state"

    @property
    def decisions(self) -> Path:
        return self.state / "decisions.parquet"

    @property
    def models(self) -> Path:
        return self.folder / "models"

    def run_models(self, run_id: str) -> Path:
        return self.models / run_id

    @property
    def reports(self) -> Path:
        return self.folder / "reports"

    def run_report(self, run_id: str) -> Path:
        """The folder of run `run_id`'s data-quality report (report.html) and its charts."""
        return self.reports / run_id

    @property
    def chart_cache(self) -> Path:
        return self.reports / "chart-cache"

    @property
    def ingest_cache(self) -> Path:
        return self.folder / "ingest-cache"

    @property
    def row_cache(self) -> Path:
        return self.folder / "row-cache"

    @property
    def match_carry(self) -> Path:
        return self.folder / "match-carry"

    def run_match_carry(self, run_id: str) -> Path:
        """What run `run_id`'s match stage left for the next run: its pairs and row features."""
        return self.match_carry / run_id

    @property
    def activity_carry(self) -> Path:
        return self.folder / "activity-carry"

    def run_activity_carry(self, run_id: str) -> Path:
        """What run `run_id`'s customer_activities left for the next run: its rows' scores and queries."""
        return self.activity_carry / run_id

    @property
    def staging(self) -> Path:
        return self.folder / "staging"

    @property
    def building(self) -> Path:
        return self.folder / "building"

    def build_folder(self, run_id: str) -> Path:
        """The new warehouse file is built in here (with DuckDB's write-ahead log), then swapped in."""
        return self.building / run_id

    @property
    def backups(self) -> Path:
        return self.folder / "backups"

    def backup(self, seq: int, run_id: str, pending: bool = False) -> Path:
        """The published warehouse of run `run_id` (the seq-th run in the ledger), with
        its state, its models and its ledger line (run.json)."""
        return self.backups / f"{seq:06d}-{run_id}{PENDING_SUFFIX if pending else ''}"

    def backup_warehouse(self, backup: Path) -> Path:
        return backup / self.warehouse.name

    def backup_folders(self, pending: bool = False) -> list[Path]:
        """Committed backups (or pending publishes), oldest first."""
        if not self.backups.is_dir():
            return []
        return sorted(p for p in self.backups.iterdir()
                      if p.is_dir() and p.name.endswith(PENDING_SUFFIX) == pending)

    @staticmethod
    def backup_run_id(backup: Path) -> str:
        return backup.name.removesuffix(PENDING_SUFFIX).split("-", 1)[1]

    def kept_backups_of(self, run_id: str) -> list[Path]:
        """The committed backups whose warehouse file is there and whose run id starts
        with `run_id` (the whole id or its beginning), oldest first."""
        return [folder for folder in self.backup_folders()
                if self.backup_run_id(folder).startswith(run_id) and self.backup_warehouse(folder).exists()]

    @property
    def read_surfaces(self) -> Path:
        """Where the read surfaces go unless the settings name a folder."""
        return self.warehouse.with_name(self.warehouse.name + SURFACES_SUFFIX)

    def old_layout(self) -> dict[str, Path]:
        """Where an earlier version of the pipeline kept this warehouse's files. `state`,
        `models` and `staging` were shared by every warehouse in the folder."""
        parent, name = self.warehouse.parent, self.warehouse.name
        return {"ledger": parent / f"{self.warehouse.stem}.runs.jsonl",
                "ingest_cache": parent / f"{name}.ingest-cache",
                "lock": parent / f".{name}.lock",
                "state": parent / "state",
                "models": parent / "models",
                "staging": parent / "staging"}

    def old_build_leftovers(self) -> list[Path]:
        return sorted(self.warehouse.parent.glob(f".{self.warehouse.name}.building-*"))


@dataclass(frozen=True)
class SurfaceFiles:
    """The read surfaces' folder: the masked master and one file per role."""
    folder: Path

    @property
    def masked(self) -> Path:
        return self.folder / "masked.duckdb"

    def role(self, name: str) -> Path:
        return self.folder / f"role-{name}.duckdb"

    @property
    def building(self) -> Path:
        return self.folder / ".building"

    def built(self, published: Path) -> Path:
        """Where the new version of `published` is built before it is swapped in."""
        return self.building / published.name

    def role_files(self) -> list[Path]:
        return sorted(self.folder.glob("role-*.duckdb")) if self.folder.is_dir() else []


def layout(warehouse: Path | str) -> Layout:
    return Layout(Path(warehouse))


def surface_files(warehouse: Path | str, folder: Path | str | None = None) -> SurfaceFiles:
    """The read surfaces of `warehouse`: in `folder` when given, else beside the warehouse."""
    return SurfaceFiles(Path(folder) if folder else layout(warehouse).read_surfaces)
