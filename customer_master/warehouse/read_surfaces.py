"""Read surfaces for downstream teams: separate DuckDB files, rebuilt from the
warehouse in place after every publish, with personal data masked (masking.py)
and no raw cells; one more file per role of settings.yaml, holding only the
masters that role may see (surface_settings.py).

Where they go is layout.py's (`<warehouse>.shared/masked.duckdb` and
`role-<name>.duckdb`, or the folder the settings name). Every file is built in
`.building/` of that folder (owner-only while it is written), given its mode,
then swapped in with os.replace, one after the other once every one is built
(a failure while building swaps in none): a reader never sees a half-written
file, and a reader holding an old file open keeps reading it.

The modes are deliberate, not the umask's. The surfaces are derived from personal
data, so sharing one is a decision written in the settings: a file is its owner's
only (0600) unless the settings give it a Unix group (`group:` of the masked file
or of a role), then it belongs to that group and is 0640, so each role's group
reads its own file and no other. The folder is 0700, or 0711 when some file has
a group: it can be entered, not listed.

The surfaces are not encrypted, also when the warehouse is (open.py): they are
masked, and made for readers who hold no key."""

from __future__ import annotations

import datetime as dt
import grp
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from customer_master.owner_only import folder_with_mode, private_folder
from customer_master.warehouse.layout import SurfaceFiles, surface_files
from customer_master.warehouse.open import attach_warehouse
from customer_master.warehouse.masking import SURFACE_TABLES, install_macros, select_list
from customer_master.warehouse.schema import TABLES, Column, comment_on, table_comment
from customer_master.warehouse.surface_settings import ReadSurfaceSettings, RoleFilter

log = logging.getLogger(__name__)

GROUP_FILE_MODE, PRIVATE_FILE_MODE = 0o640, 0o600
PASSAGE_FOLDER_MODE, PRIVATE_FOLDER_MODE = 0o711, 0o700


class ReadSurfaceError(RuntimeError):
    """The surfaces could not be rebuilt; the warehouse in place is not touched."""


@dataclass
class SurfaceReport:
    folder: Path
    files: dict[str, Path] = field(default_factory=dict)  # 'masked' or the role name -> file
    masters: dict[str, int] = field(default_factory=dict)  # masters in each file
    warnings: list[str] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)  # surfaces of roles no longer defined (or all: disabled)


def folder_mode(settings: ReadSurfaceSettings) -> int:
    shared = settings.group or any(role.group for role in settings.roles)
    return PASSAGE_FOLDER_MODE if shared else PRIVATE_FOLDER_MODE


def _give(path: Path, group: str | None) -> None:
    """The file's group and mode: readable by `group`, else by its owner only."""
    if group is None:
        os.chmod(path, PRIVATE_FILE_MODE)
        return
    os.chown(path, -1, grp.getgrnam(group).gr_gid)  # PermissionError: the owner is not in that group
    os.chmod(path, GROUP_FILE_MODE)


def publish_read_surfaces(warehouse: Path, settings: ReadSurfaceSettings) -> SurfaceReport:
    """Rebuild every surface of `warehouse` (the file in place) and swap them in.
    ReadSurfaceError when a surface cannot be built: then none is swapped in."""
    files = surface_files(warehouse, settings.folder)
    report = SurfaceReport(files.folder)
    if not settings.enabled:  # stale copies of personal data should not linger
        report.removed = remove_surfaces(files)
        return report
    try:
        built = _build_all(Path(warehouse), files, settings, report)
    except Exception as exc:
        shutil.rmtree(files.building, ignore_errors=True)
        raise ReadSurfaceError(
            f"read surfaces not refreshed ({type(exc).__name__}: {exc}); the warehouse {warehouse} is in place, "
            f"{files.folder} holds the surfaces of an earlier run (if any)") from None  # the message says it all
    for target, source in built.items():
        os.replace(source, target)
    shutil.rmtree(files.building, ignore_errors=True)
    wanted = {files.role(role.name) for role in settings.roles}
    for stale in files.role_files():
        if stale not in wanted:
            stale.unlink(missing_ok=True)
            report.removed.append(stale)
    log.info("read surfaces: %s (%s)", files.folder,
             ", ".join(f"{name}: {n} masters" for name, n in report.masters.items()))
    return report


def remove_surfaces(files: SurfaceFiles) -> list[Path]:
    removed = [p for p in (files.masked, *files.role_files()) if p.exists()]
    for path in removed:
        path.unlink()
    shutil.rmtree(files.building, ignore_errors=True)
    return removed


def _build_all(warehouse: Path, files: SurfaceFiles, settings: ReadSurfaceSettings,
               report: SurfaceReport) -> dict[Path, Path]:
    """Every surface built in files.building; published file -> built file."""
    if not warehouse.is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse}")
    folder_with_mode(files.folder, folder_mode(settings))
    shutil.rmtree(files.building, ignore_errors=True)  # what a killed build left
    private_folder(files.building)
    masked = files.built(files.masked)
    report.masters["masked"], run_id = _build_masked(warehouse, masked)
    built = {files.masked: masked}
    report.files["masked"] = files.masked
    for role in settings.roles:
        target = files.role(role.name)
        built[target] = files.built(target)
        report.masters[role.name] = _build_role(warehouse, masked, built[target], role, run_id, report)
        report.files[role.name] = target
        _give(built[target], role.group)
    _give(masked, settings.group)  # last: the role files are built from it
    return built


def _new_file(path: Path) -> duckdb.DuckDBPyConnection:
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    os.chmod(path, PRIVATE_FILE_MODE)  # until it is complete and given its mode
    return con


def _build_masked(warehouse: Path, target: Path) -> tuple[int, str]:
    """The masked surface; (its masters, the run whose warehouse it shows)."""
    with _new_file(target) as con:
        install_macros(con)
        attach_warehouse(con, warehouse, "wh")
        run_id = _last_run(con)
        present = _tables(con, "wh")
        for table in SURFACE_TABLES:
            if table not in present:
                continue  # a warehouse without the customer 360 tables
            schema = table.split(".")[0]
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            con.execute(f"CREATE TABLE {table} AS SELECT {select_list(table, present[table])} FROM wh.{table}")
            _comment(con, table)
        con.execute("DETACH wh")
        masters = con.execute("SELECT count(*) FROM master.customers").fetchone()[0]
        _describe(con, "masked", "every master, personal data masked", run_id, masters)
        con.execute("CHECKPOINT")
    return masters, run_id


def _build_role(warehouse: Path, masked: Path, target: Path, role: RoleFilter, run_id: str,
                report: SurfaceReport) -> int:
    """The masked surface's rows of the masters `role` may see."""
    with _new_file(target) as con:
        con.execute(f"ATTACH '{_sql_path(masked)}' AS shared (READ_ONLY)")
        attach_warehouse(con, warehouse, "wh")
        _unknown_sources(con, role, report)
        con.execute(f"CREATE TEMP TABLE allowed AS {_allowed_masters(role)}", _parameters(role))
        con.execute("DETACH wh")
        for table in _tables(con, "shared"):
            schema = table.split(".")[0]
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM shared.{table} "
                        f"WHERE {SURFACE_TABLES[table].role_filter}")
            _comment(con, table)
        con.execute("DETACH shared")
        masters = con.execute("SELECT count(*) FROM master.customers").fetchone()[0]
        _describe(con, role.name, role.describe(), run_id, masters)
        con.execute("CHECKPOINT")
    return masters


def _comment(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """The warehouse's comments on a surface's table (schema/), each masked column saying
    so: a reader of the surface learns what a column means from the file, as a reader of
    the warehouse does."""
    declared = {c.name: c.comment for c in TABLES[table].columns}
    shown = {name: (expression, needs) for name, expression, needs in SURFACE_TABLES[table].columns}
    columns = []
    for (name,) in con.execute(f"SELECT column_name FROM (DESCRIBE {table})").fetchall():
        expression, needs = shown[name]
        comment = declared[needs[0]]
        if expression != f'"{name}"':
            comment += (" Masked here" + ("" if name == needs[0] else f", shown as {name}")
                        + " (README, \"Read surfaces for downstream teams\").")
        columns.append(Column(name, "", comment))
    comment_on(con, "TABLE", table, table_comment(TABLES[table]) + " Personal data masked, raw cells left out.",
               columns)


def _allowed_masters(role: RoleFilter) -> str:
    """SQL of the master ids `role` sees (its filters ANDed), over the warehouse `wh`;
    its values are bound as parameters (_parameters)."""
    parts = []
    if role.sources:
        marks = ", ".join("?" for _ in role.sources)
        parts.append(f"SELECT master_id FROM wh.master.xref WHERE source IN ({marks})")
    if role.column:  # validated against ROLE_MASTER_COLUMNS
        marks = ", ".join("?" for _ in role.values)
        parts.append(f'SELECT master_id FROM wh.master.customers WHERE CAST("{role.column}" AS VARCHAR) IN ({marks})')
    if role.source_column:
        marks = ", ".join("?" for _ in role.values)
        parts.append("SELECT master_id FROM wh.master.xref "
                     f"WHERE trim(json_extract_string(attributes, ?)) IN ({marks})")
    return "SELECT DISTINCT master_id FROM (" + " INTERSECT ".join(parts) + ")"


def _parameters(role: RoleFilter) -> list[str]:
    values = list(role.sources)
    if role.column:
        values += role.values
    if role.source_column:
        values += ['$."' + role.source_column.replace('"', '\\"') + '"', *role.values]
    return values


def _unknown_sources(con: duckdb.DuckDBPyConnection, role: RoleFilter, report: SurfaceReport) -> None:
    """A source no file of this run came from is a warning, not an error: a department's
    folder may be empty for a while. The role's file then holds fewer masters, or none."""
    if not role.sources:
        return
    known = {r[0] for r in con.execute("SELECT DISTINCT source FROM wh.master.xref").fetchall()}
    try:
        known |= {r[0] for r in con.execute("SELECT DISTINCT source FROM wh.meta.files").fetchall()}
    except duckdb.CatalogException:  # a warehouse without meta.files: the sources of its rows
        pass
    for source in role.sources:
        if source not in known:
            message = (f"read_surfaces.roles.{role.name}: no file of source {source!r} in this run "
                       f"(sources: {', '.join(sorted(s for s in known if s))})")
            log.warning("%s", message)
            report.warnings.append(message)


def _describe(con: duckdb.DuckDBPyConnection, surface: str, rows: str, run_id: str, masters: int) -> None:
    """meta.surface: what this file is, for its readers."""
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute("CREATE TABLE meta.surface (surface VARCHAR, run_id VARCHAR, built_at TIMESTAMP, "
                "rows_shown VARCHAR, masters BIGINT)")
    con.execute("INSERT INTO meta.surface VALUES (?, ?, ?, ?, ?)",
                [surface, run_id, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), rows, masters])


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, set[str]]:
    """'schema.table' -> its columns, of the attached `database` (surface tables only)."""
    rows = con.execute("SELECT schema_name || '.' || table_name, column_name FROM duckdb_columns() "
                       "WHERE database_name = ?", [database]).fetchall()
    tables: dict[str, set[str]] = {}
    for table, column in rows:
        if table in SURFACE_TABLES:
            tables.setdefault(table, set()).add(column)
    return tables


def _last_run(con: duckdb.DuckDBPyConnection) -> str:
    try:
        row = con.execute("SELECT run_id FROM wh.meta.runs ORDER BY finished_at DESC LIMIT 1").fetchone()
    except duckdb.CatalogException:
        return ""
    return row[0] if row else ""


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
