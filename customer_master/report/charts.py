"""The report's charts as SVG, drawn without a browser or a network by vl-convert
(Vega-Lite rendered in-process): Splink's own match-weights chart of each model,
and the distribution of the scored pairs' match probabilities with the merge
threshold and the review band marked. SVG keeps the text as text, so Chinese
labels are drawn by the reader's fonts."""

from __future__ import annotations

import base64

import pandas as pd
import vl_convert
from splink.internals.settings_creator import SettingsCreator

import customer_master.match.splink_log  # noqa: F401  (Splink's deliberate warnings filtered)
from customer_master.report.content import HISTOGRAM_BIN


def match_weights_svg(model: dict, title: str) -> str:
    """Splink's match-weights chart of a trained model (the one models/<run_id>/ keeps
    as an interactive page), as a still picture titled `title`."""
    spec = SettingsCreator.from_path_or_dict(model).get_settings("duckdb").match_weights_chart().chart_dict
    spec["title"] = {"text": title}  # Splink's subtitle asks for a mouse wheel, which a picture has not
    return vl_convert.vegalite_to_svg(spec)


def probabilities_svg(probabilities: pd.DataFrame, threshold: float | None, band: tuple[float, float] | None,
                      title: str, x_title: str, y_title: str) -> str:
    """Scored pairs per 2 % of match probability, one colour per customer type, on a
    logarithmic count axis (most pairs are near-certain); the threshold a dashed rule,
    the review band shaded."""
    bars = probabilities.assign(bin_end=probabilities.bin_start + HISTOGRAM_BIN)
    domain = [float(bars.bin_start.min()) if len(bars) else 0.5, 1.0]

    def x(field: str) -> dict:  # every layer on the same axis, from the lowest pair scored to 1
        return {"field": field, "type": "quantitative", "title": x_title, "scale": {"domain": domain}}

    layers = []
    if band is not None:
        layers.append({"data": {"values": [{"from": band[0], "to": band[1]}]},
                       "mark": {"type": "rect", "color": "#f5c518", "opacity": 0.2},
                       "encoding": {"x": x("from"), "x2": {"field": "to"}}})
    layers.append({"data": {"values": bars.to_dict("records")},
                   "mark": {"type": "rect", "opacity": 0.8},
                   "encoding": {"x": x("bin_start"), "x2": {"field": "bin_end"},
                                "y": {"field": "pairs", "type": "quantitative", "title": y_title,
                                      "scale": {"type": "symlog"}, "stack": None},
                                "color": {"field": "customer_type", "type": "nominal", "title": None}}})
    if threshold is not None:
        layers.append({"data": {"values": [{"threshold": threshold}]},
                       "mark": {"type": "rule", "strokeDash": [6, 4], "color": "black", "size": 2},
                       "encoding": {"x": x("threshold")}})
    spec = {"title": title,
            "width": 560, "height": 220, "layer": layers}
    return vl_convert.vegalite_to_svg(spec)


def data_uri(svg: str) -> str:
    """An SVG as an <img> source inside the page: the page stays one file, and the
    chart's own styles and ids cannot clash with the page's."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def png_preview(svg: str, scale: float = 1.0) -> bytes:
    """A PNG of an SVG chart (for the Dagster UI, whose markdown shows images, not SVG text)."""
    return vl_convert.svg_to_png(svg, scale=scale)
