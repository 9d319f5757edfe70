"""Per-source settings from the optional `sources.yaml` at the inbox root.

Every folder under the inbox is a source; a folder that is not listed works with
the defaults (party type decided per row, trust rank 5, headers mapped by the
built-in alias table)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from customer_master.ingest.headers import CANONICAL_FIELDS

SOURCES_FILE = "sources.yaml"
PARTY_TYPES = ("auto", "company", "person")
DEFAULT_TRUST_RANK = 5


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
    return SourceConfig(
        name=name,
        party_type=party_type,
        trust_rank=trust_rank,
        description=str(entry.get("description", "")),
        columns={str(k): v for k, v in columns.items()},
    )


def source_config(sources: dict[str, SourceConfig], name: str) -> SourceConfig:
    return sources.get(name) or SourceConfig(name=name)
