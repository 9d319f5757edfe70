"""The report's charts drawn once per content: a nightly run that reused the last
run's models draws the same match-weights charts, and drawing one (Splink's chart
spec, rendered by vl-convert) took seconds. Each chart is kept under a hash of what
it is drawn from (the drawing function, its arguments, the chart code and the
vl-convert version) in `<warehouse>.d/reports/chart-cache/` (owner-only, like the
reports); entries a report did not use are removed when it is written."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from functools import lru_cache
from pathlib import Path
from typing import Callable

import pandas as pd

from customer_master.owner_only import private_folder, write_private

_CHART_CODE = Path(__file__).with_name("charts.py")


@lru_cache(maxsize=1)
def _code_key() -> str:
    return importlib.metadata.version("vl-convert-python") + hashlib.sha256(_CHART_CODE.read_bytes()).hexdigest()


def _plain(value):
    if isinstance(value, pd.DataFrame):
        return value.to_dict("split")
    return str(value)


class ChartCache:
    """Charts kept in `folder` (None: every chart drawn afresh)."""

    def __init__(self, folder: Path | None):
        self.folder, self.used, self.drawn = folder, set(), 0

    def svg(self, draw: Callable[..., str], *args) -> str:
        """draw(*args), from the cache when it was drawn from the same arguments before."""
        if self.folder is None:
            self.drawn += 1
            return draw(*args)
        text = json.dumps([_code_key(), draw.__name__, args], default=_plain, sort_keys=True, ensure_ascii=False)
        name = hashlib.sha256(text.encode("utf-8")).hexdigest() + ".svg"
        self.used.add(name)
        path = self.folder / name
        if path.exists():
            return path.read_text(encoding="utf-8")
        self.drawn += 1
        svg = draw(*args)
        private_folder(self.folder)
        write_private(path, lambda target: Path(target).write_text(svg, encoding="utf-8"))
        return svg

    def prune(self) -> None:
        """Remove the charts this report did not use."""
        if self.folder is not None and self.folder.is_dir():
            for path in self.folder.glob("*.svg"):
                if path.name not in self.used:
                    path.unlink(missing_ok=True)
