"""The `read_surfaces` section of settings.yaml (settings.py): whether the read
surfaces are built, where, how readable, and the roles with their row filters.

    read_surfaces:
      enabled: true              # false: none is built, and those a run left before are removed
      folder: null               # null: <warehouse>.shared/ beside the warehouse
      group: null                # a Unix group that may read masked.duckdb (null: its owner only)
      roles:
        channel_manager:
          sources: [channel]     # the masters with at least one row from these sources
          group: channel         # the Unix group that may read role-channel_manager.duckdb
        east_china_sales:
          column: province       # a column of master.customers ...
          values: [上海市, 江苏省, 浙江省]
        account_manager_gao:
          source_column: 客户经理  # ... or a column of the source sheets (kept in master.xref.attributes)
          values: [高洁]

A role's filters are combined with AND. A file with a group is 0640 and
belongs to that group; one without is 0600 (read_surfaces.py). Every mistake is a ValueError naming the
key (settings.py turns it into a SettingsError naming the file)."""

from __future__ import annotations

import grp
import re
from dataclasses import dataclass, field
from pathlib import Path

# master.customers columns a role may filter on: territories and kinds, never personal values
ROLE_MASTER_COLUMNS = ("customer_type", "province", "city", "district", "reg_place", "legal_form", "gender")
ROLE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # it is part of a file name
ROLE_KEYS = ("sources", "column", "source_column", "values", "group")
SECTION_KEYS = ("enabled", "folder", "group", "roles")


@dataclass(frozen=True)
class RoleFilter:
    name: str
    sources: tuple[str, ...] = ()
    column: str | None = None  # a column of master.customers (ROLE_MASTER_COLUMNS)
    source_column: str | None = None  # a header of the source sheets, a key of master.xref.attributes
    values: tuple[str, ...] = ()
    group: str | None = None  # the Unix group that may read the role's file

    def describe(self) -> str:
        parts = []
        if self.sources:
            parts.append(f"rows from {', '.join(self.sources)}")
        if self.column:
            parts.append(f"master.customers.{self.column} in {', '.join(self.values)}")
        if self.source_column:
            parts.append(f"a row whose {self.source_column} is {', '.join(self.values)}")
        return "masters with " + " and ".join(parts)


@dataclass(frozen=True)
class ReadSurfaceSettings:
    enabled: bool = True
    folder: Path | None = None
    group: str | None = None  # the Unix group that may read the masked file
    roles: tuple[RoleFilter, ...] = field(default_factory=tuple)


def read_surface_settings(values) -> ReadSurfaceSettings:
    """The section's values (None: the defaults). ValueError naming the key."""
    if values is None:
        return ReadSurfaceSettings()
    if not isinstance(values, dict):
        raise ValueError("read_surfaces must be a mapping")
    unknown = sorted(set(values) - set(SECTION_KEYS))
    if unknown:
        raise ValueError(f"read_surfaces.{unknown[0]} is not a setting; use one of {', '.join(SECTION_KEYS)}")
    if "enabled" in values and not isinstance(values["enabled"], bool):
        raise ValueError(f"read_surfaces.enabled must be true or false, not {values['enabled']!r}")
    folder = values.get("folder")
    if folder is not None and (not isinstance(folder, str) or not folder.strip()):
        raise ValueError(f"read_surfaces.folder must be a folder path, not {folder!r}")
    roles = values.get("roles") or {}
    if not isinstance(roles, dict):
        raise ValueError("read_surfaces.roles must be a mapping of role name -> filters")
    return ReadSurfaceSettings(enabled=values.get("enabled", True), folder=Path(folder) if folder else None,
                               group=_group("read_surfaces.group", values.get("group")),
                               roles=tuple(_role(str(name), spec) for name, spec in roles.items()))


def _role(name: str, spec) -> RoleFilter:
    key = f"read_surfaces.roles.{name}"
    if not ROLE_NAME.match(name):
        raise ValueError(f"{key}: a role name is letters, digits, _ and - (it names the role's file)")
    if not isinstance(spec, dict):
        raise ValueError(f"{key} must be a mapping with sources, column or source_column")
    unknown = sorted(set(spec) - set(ROLE_KEYS))
    if unknown:
        raise ValueError(f"{key}.{unknown[0]} is not a role setting; use one of {', '.join(ROLE_KEYS)}")
    sources = _texts(f"{key}.sources", spec.get("sources"))
    column, source_column = spec.get("column"), spec.get("source_column")
    values = _texts(f"{key}.values", spec.get("values"))
    if column is not None and column not in ROLE_MASTER_COLUMNS:
        raise ValueError(f"{key}.column must be one of {', '.join(ROLE_MASTER_COLUMNS)}, not {column!r} "
                         "(a column of the source sheets: source_column)")
    if source_column is not None and (not isinstance(source_column, str) or not source_column.strip()):
        raise ValueError(f"{key}.source_column must be a column header, not {source_column!r}")
    if column is not None and source_column is not None:
        raise ValueError(f"{key}: give column or source_column, not both (make two roles)")
    if (column is not None or source_column is not None) != bool(values):
        raise ValueError(f"{key}.values: a list of values goes with column or source_column, and only with them")
    if not sources and column is None and source_column is None:
        raise ValueError(f"{key}: say which masters the role sees: sources, column or source_column")
    return RoleFilter(name, sources, column, source_column.strip() if source_column else None, values,
                      _group(f"{key}.group", spec.get("group")))


def _group(key: str, value) -> str | None:
    """A Unix group of this machine (checked now: a typo must not leave a file unreadable, or readable by others)."""
    if value is None:
        return None
    try:
        grp.getgrnam(str(value))
    except KeyError:
        raise ValueError(f"{key}: no group named {value!r} on this machine") from None
    return str(value)


def _texts(key: str, value) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if not items or any(item is None or isinstance(item, (dict, list)) or not str(item).strip() for item in items):
        raise ValueError(f"{key} must be a list of names, not {value!r}")
    return tuple(str(item).strip() for item in items)
