"""Who started a run, or imported a steward's decisions, and from where: the one
place that answers it, for the audit columns of meta.runs and of the decisions.

- started_by: the OS user of the process that did it (for a Dagster run, the user
  its run worker runs as);
- started_from: that machine's host name;
- launched_by: `cli` (a `customer-master run`, which tags its in-process Dagster
  run with LAUNCHED_BY_TAG) or `dagster` with how Dagster started the run
  (`dagster schedule nightly_consolidation`, `dagster sensor inbox_changed`,
  `dagster backfill <id>`; plain `dagster`: the Launchpad or the API), and the
  Dagster user tag when there is one (`; user alice@example.com`, set by Dagster+);
- run_tags: the Dagster run's tags that Dagster shows (not its hidden ones)."""

from __future__ import annotations

import datetime as dt
import getpass
import os
import socket
from typing import Mapping

LAUNCHED_BY_TAG = "customer_master/launched_by"
CLI = "cli"
# Dagster's own tag names (dagster._core.storage.tags), spelt out: a private module
SCHEDULE_TAG, SENSOR_TAG, BACKFILL_TAG, USER_TAG = ("dagster/schedule_name", "dagster/sensor_name",
                                                    "dagster/backfill", "user")
HIDDEN_TAG_PREFIX = ".dagster/"


def os_user() -> str:
    """The login name; the numeric uid where there is none (a container without a passwd entry)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def host() -> str:
    return socket.gethostname()


def run_origin(tags: Mapping[str, str] | None = None) -> dict:
    """The audit columns of a run's meta.runs row; tags: the Dagster run's tags."""
    tags = dict(tags or {})
    shown = {k: v for k, v in tags.items() if not k.startswith(HIDDEN_TAG_PREFIX) and k != LAUNCHED_BY_TAG}
    return {"started_by": os_user(), "started_from": host(), "launched_by": launched_by(tags),
            "run_tags": shown}


def launched_by(tags: Mapping[str, str]) -> str:
    if tags.get(LAUNCHED_BY_TAG) == CLI:
        how = CLI
    elif tags.get(SCHEDULE_TAG):
        how = f"dagster schedule {tags[SCHEDULE_TAG]}"
    elif tags.get(SENSOR_TAG):
        how = f"dagster sensor {tags[SENSOR_TAG]}"
    elif tags.get(BACKFILL_TAG):
        how = f"dagster backfill {tags[BACKFILL_TAG]}"
    else:
        how = "dagster"
    return f"{how}; user {tags[USER_TAG]}" if tags.get(USER_TAG) else how


def importer() -> dict:
    """The audit columns of a steward decision: who stored it, from where, when (UTC)."""
    return {"imported_by": os_user(), "imported_from": host(),
            "imported_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)}
