"""Which language a steward reads: `language` in the settings file (zh or en), else
the locale of the process (a zh_* locale: Chinese, any other: English)."""

from __future__ import annotations

import locale
import os

LANGUAGES = ("zh", "en")


def resolve_language(setting: str | None = None) -> str:
    """`setting` when given, else the locale's language: LC_ALL, LC_MESSAGES, LANG
    (the order the C library reads them), else Python's view of the locale."""
    if setting:
        if setting not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {setting!r}")
        return setting
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    name = locale.getlocale()[0] or ""
    return "zh" if name.lower().startswith(("zh", "chinese")) else "en"
