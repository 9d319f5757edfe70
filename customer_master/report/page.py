"""The report as one self-contained HTML page (report.html.j2): no script, no
stylesheet or font from elsewhere, the charts inside it as data URIs, so it opens
offline and can be mailed to a department. Every value from the data is escaped
(autoescape): a customer named `<script>` in a spreadsheet stays text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jinja2
import pandas as pd

from customer_master.report.content import SUMMARY_FIELDS, TREND_FIELDS, ReportContent
from customer_master.report.labels import labels

_ENVIRONMENT = jinja2.Environment(loader=jinja2.PackageLoader("customer_master.report", "."),
                                  autoescape=True, undefined=jinja2.StrictUndefined)
_ENVIRONMENT.filters["records"] = lambda frame: frame.astype(object).where(frame.notna(), None).to_dict("records")


@dataclass(frozen=True)
class Chart:
    name: str   # the file it is written to beside the report, without .svg
    title: str
    svg: str


def render_page(content: ReportContent, charts: list[Chart], language: str) -> str:
    from customer_master.report.charts import data_uri

    run = content.run
    return _ENVIRONMENT.get_template("report.html.j2").render(
        language=language, L=labels(language), run_id=content.run_id,
        generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        summary=[(key, _shown(run.get(key))) for key in SUMMARY_FIELDS if key in run],
        trend_fields=[key for key in TREND_FIELDS if key in content.history],
        history=[{k: _shown(v) for k, v in row.items()} for row in _ENVIRONMENT.filters["records"](content.history)],
        departments=content.departments, changes_by_kind=content.changes_by_kind, changes=content.changes,
        changes_total=content.changes_total, band=content.band, pairs_in_band=content.pairs_in_band,
        closest_pairs=content.closest_pairs, due_by_reason=content.due_by_reason, due=content.due,
        due_total=content.due_total, unresolved_decisions=content.unresolved_decisions,
        charts=[{"title": c.title, "src": data_uri(c.svg)} for c in charts])


def _shown(value):
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value
