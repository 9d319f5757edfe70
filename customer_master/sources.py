"""Per-source settings from the optional `sources.yaml` at the inbox root.

Every folder under the inbox is a source; a folder that is not listed works with
the defaults (party type decided per row, trust rank 5, headers mapped by the
built-in alias table, sheet kind told from its headers, role "customer", the
country of its phones told from the numbers).
`files:` overrides kind and roles for the files of a source whose name matches a
glob (finance's receivables list implies debtors, its account list customers)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import yaml

from customer_master.ingest.headers import CANONICAL_FIELDS
from customer_master.standardise.phone_country import region_of_country

SOURCES_FILE = "sources.yaml"
PARTY_TYPES = ("auto", "company", "person")
DEFAULT_TRUST_RANK = 5
SHEET_KINDS = ("auto", "customers", "interactions", "transactions")
CUSTOMER_ROLES = ("customer", "debtor", "distributor", "supplier")
CONTACT_ROLES = ("decision_maker", "purchaser", "technical", "finance", "user")
# The departments of a master (or of a value) travel between the stages joined into
# one text, and become a list at publish. A department is a folder of the inbox,
# whose name cannot hold a '/', so '/' joins them: a ',' would split "华东, 华南" in two.
SOURCES_JOINED_BY = "/"


class SourcesFileError(ValueError):
    """sources.yaml is malformed; the message names the key at fault."""


@dataclass(frozen=True)
class SourceConfig:
    name: str
    party_type: str = "auto"
    trust_rank: int = DEFAULT_TRUST_RANK
    description: str = ""
    # original header (or its normalised form) -> canonical field, or None to keep
    # the column as an extra attribute
    columns: dict[str, str | None] = field(default_factory=dict)
    kind: str = "auto"  # customers | interactions | transactions | auto (told from the headers)
    roles: tuple[str, ...] = ("customer",)  # what every customer row of the source says the customer is
    contact_roles: dict[str, str] = field(default_factory=dict)  # title keyword -> contact role, before the defaults
    files: dict[str, dict] = field(default_factory=dict)  # file-name glob -> {kind, roles}
    country: str | None = None  # ISO region the source's phones belong to (None: told from the numbers)

    def for_file(self, relative: str) -> "SourceConfig":
        """The settings that hold for one file (`relative` to the inbox): the first
        `files` glob matching its name (or its path within the source) wins."""
        path = PurePosixPath(relative)
        inside = "/".join(path.parts[1:])
        for pattern, override in self.files.items():
            if fnmatch.fnmatch(path.name, pattern) or fnmatch.fnmatch(inside, pattern):
                return replace(self, **override)
        return self


def load_sources(inbox: Path) -> dict[str, SourceConfig]:
    path = inbox / SOURCES_FILE
    if not path.exists():
        return {}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SourcesFileError(f"{path}: not valid YAML: {exc}") from exc
    entries = document.get("sources") or {}
    if not isinstance(entries, dict):
        raise SourcesFileError(f"{path}: 'sources' must be a mapping of folder name -> settings")
    return {name: _parse_source(path, name, entry or {}) for name, entry in entries.items()}


def _parse_source(path: Path, name: str, entry: dict) -> SourceConfig:
    where = f"{path}: sources.{name}"
    party_type = str(entry.get("party_type", "auto")).lower()
    if party_type not in PARTY_TYPES:
        raise SourcesFileError(f"{where}.party_type must be one of {PARTY_TYPES}, not {party_type!r}")
    try:
        trust_rank = int(entry.get("trust_rank", DEFAULT_TRUST_RANK))
    except (TypeError, ValueError) as exc:
        raise SourcesFileError(f"{where}.trust_rank must be an integer") from exc
    columns = entry.get("columns") or {}
    for header, target in columns.items():
        if target is not None and target not in CANONICAL_FIELDS:
            raise SourcesFileError(
                f"{where}.columns[{header!r}] maps to unknown field {target!r}; "
                f"use one of {', '.join(CANONICAL_FIELDS)} or null"
            )
    files = entry.get("files") or {}
    if not isinstance(files, dict):
        raise SourcesFileError(f"{where}.files must be a mapping of file-name glob -> {{kind, roles}}")
    file_overrides = {}
    for pattern, override in files.items():
        override = override or {}
        unknown = set(override) - {"kind", "roles"}
        if unknown:
            raise SourcesFileError(f"{where}.files[{pattern!r}]: unknown key(s) {sorted(unknown)}; "
                                   "a file can set kind and roles")
        file_overrides[str(pattern)] = _kind_and_roles(f"{where}.files[{pattern!r}]", override)
    country = None
    if entry.get("country") is not None:
        country = region_of_country(str(entry["country"]))
        if country is None:
            raise SourcesFileError(f"{where}.country must be an ISO country code (CN, US, GB …) or a country name "
                                   f"such as China or United States, not {entry['country']!r}")
    contact_roles = entry.get("contact_roles") or {}
    for keyword, role in contact_roles.items():
        if role not in CONTACT_ROLES:
            raise SourcesFileError(f"{where}.contact_roles[{keyword!r}] must be one of {CONTACT_ROLES}, "
                                   f"not {role!r}")
    return SourceConfig(
        name=name,
        party_type=party_type,
        trust_rank=trust_rank,
        description=str(entry.get("description", "")),
        columns={str(k): v for k, v in columns.items()},
        contact_roles={str(k): str(v) for k, v in contact_roles.items()},
        files=file_overrides,
        country=country,
        **_kind_and_roles(where, entry),
    )


def _kind_and_roles(where: str, entry: dict) -> dict:
    """The `kind` and `roles` keys of a source or file entry, checked."""
    found = {}
    if "kind" in entry:
        kind = str(entry["kind"]).lower()
        if kind not in SHEET_KINDS:
            raise SourcesFileError(f"{where}.kind must be one of {SHEET_KINDS}, not {kind!r}")
        found["kind"] = kind
    if "roles" in entry:
        roles = entry["roles"]
        roles = [roles] if isinstance(roles, str) else list(roles or [])
        bad = [r for r in roles if r not in CUSTOMER_ROLES]
        if bad or not roles:
            raise SourcesFileError(f"{where}.roles must be a list of {CUSTOMER_ROLES}, not {entry['roles']!r}")
        found["roles"] = tuple(roles)
    return found


def source_config(sources: dict[str, SourceConfig], name: str) -> SourceConfig:
    return sources.get(name) or SourceConfig(name=name)
