"""Business rules of the Customer 360 tables, from an optional YAML file
(`data/settings.yaml`, or CUSTOMER_MASTER_SETTINGS, or `run --settings FILE`).
Every key is optional; a missing file means the defaults below, which the
committed data/settings.yaml spells out with comments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import yaml

from customer_master.config import DEFAULT_SETTINGS
from customer_master.language import resolve_language
from customer_master.sources import CONTACT_ROLES
from customer_master.warehouse.surface_settings import ReadSurfaceSettings, read_surface_settings



class SettingsError(ValueError):
    """settings.yaml is malformed; the message names the key at fault."""


@dataclass(frozen=True)
class SegmentRules:
    # value tier: recency, frequency and amount each score 1-3 points (0 without orders)
    window_days: int = 365  # frequency and amount count the orders of this many days before as_of
    recency_days: tuple[int, int] = (90, 365)  # last order within 90 days: 3, within 365: 2, older: 1
    frequency: tuple[int, int] = (3, 10)  # orders in the window: >= 10: 3, >= 3: 2, >= 1: 1
    amount: tuple[float, float] = (50_000.0, 500_000.0)  # order amount in the window: >= 500k: 3, >= 50k: 2, > 0: 1
    revenue_types: tuple[str, ...] = ("order",)  # transaction types that count as orders
    high_score: int = 8  # R + F + M at least this: high
    medium_score: int = 5  # at least this: medium; below: low
    # lifecycle from activity dates (interactions and transactions)
    new_days: int = 90  # first seen this recently: new
    active_days: int = 180  # last activity this recently: active
    lost_days: int = 365  # last activity longer ago than this: lost; in between: dormant


@dataclass(frozen=True)
class ReviewDueRules:
    confirm_within_days: int = 365  # a key field no source confirmed for this long is due for review
    key_fields: tuple[str, ...] = ("name", "mobile", "phone", "email", "address", "uscc")


@dataclass(frozen=True)
class ActivityRules:
    # an activity row is linked to a master when the best match reaches this
    # probability (null: the run's match threshold). Lower than the merge
    # threshold: the question is which known customer the row names, not whether
    # two records are one, so a name without its city that fits one master will do ...
    resolve_threshold: float | None = 0.5
    # ... and its match weight leads the runner-up master's by at least this
    # (2: the best is four times as likely); else the row is ambiguous
    min_weight_lead: float = 2.0


@dataclass(frozen=True)
class Settings:
    as_of: dt.date | None = None  # the day segments and reminders are computed for; null: the run's date
    language: str | None = None  # labels a steward reads (review workbook): zh or en; null: the locale's
    segments: SegmentRules = field(default_factory=SegmentRules)
    review_due: ReviewDueRules = field(default_factory=ReviewDueRules)
    activities: ActivityRules = field(default_factory=ActivityRules)
    # title keyword -> contact role, tried before the built-in keywords (customer360/contact_roles.py)
    contact_roles: dict[str, str] = field(default_factory=dict)
    # the masked read surfaces for downstream teams and their roles (warehouse/read_surfaces.py)
    read_surfaces: ReadSurfaceSettings = field(default_factory=ReadSurfaceSettings)

    def reference_date(self) -> dt.date:
        return self.as_of or dt.date.today()

    def reading_language(self) -> str:
        return resolve_language(self.language)


def load_settings(path: Path | None = None) -> Settings:
    path = Path(path) if path else DEFAULT_SETTINGS
    if not path.exists():
        return Settings()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SettingsError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise SettingsError(f"{path}: expected a mapping of settings")
    unknown = set(document) - {f.name for f in fields(Settings)}
    if unknown:
        raise SettingsError(f"{path}: unknown key(s) {sorted(unknown)}")
    as_of = document.get("as_of")
    if as_of is not None and not isinstance(as_of, dt.date):
        try:
            as_of = dt.date.fromisoformat(str(as_of))
        except ValueError as exc:
            raise SettingsError(f"{path}: as_of must be a date (2026-11-15), not {as_of!r}") from exc
    language = document.get("language")
    try:
        resolve_language(None if language is None else str(language))
    except ValueError as exc:
        raise SettingsError(f"{path}: {exc}") from exc
    roles = {str(k): str(v) for k, v in (document.get("contact_roles") or {}).items()}
    for keyword, role in roles.items():
        if role not in CONTACT_ROLES:
            raise SettingsError(f"{path}: contact_roles[{keyword!r}] must be one of {CONTACT_ROLES}, not {role!r}")
    try:
        surfaces = read_surface_settings(document.get("read_surfaces"))
    except ValueError as exc:
        raise SettingsError(f"{path}: {exc}") from exc
    return Settings(
        as_of=as_of,
        language=None if language is None else str(language),
        segments=_section(path, "segments", SegmentRules, document.get("segments")),
        review_due=_section(path, "review_due", ReviewDueRules, document.get("review_due")),
        activities=_section(path, "activities", ActivityRules, document.get("activities")),
        contact_roles=roles,
        read_surfaces=surfaces,
    )


def _section(path: Path, name: str, cls, values: dict | None):
    default = cls()
    if not values:
        return default
    if not isinstance(values, dict):
        raise SettingsError(f"{path}: {name} must be a mapping")
    known = {f.name: f for f in fields(cls)}
    changes = {}
    for key, value in values.items():
        if key not in known:
            raise SettingsError(f"{path}: {name}.{key} is not a setting; use one of {', '.join(known)}")
        current = getattr(default, key)
        try:
            if isinstance(current, tuple):
                items = list(value) if isinstance(value, (list, tuple)) else [value]
                kind = type(current[0]) if current else str
                value = tuple(kind(v) for v in items)
                if len(current) == 2 and kind is not str and (len(value) != 2 or value[0] > value[1]):
                    raise ValueError("two ascending numbers")
            elif current is None or isinstance(current, float):
                value = None if value is None else float(value)
            else:
                value = type(current)(value)
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"{path}: {name}.{key}: {value!r} is not valid ({exc})") from exc
        changes[key] = value
    return replace(default, **changes)
