"""Plotly charts that the browser updates in place.

`st.plotly_chart` gives a chart a new element id whenever its figure changes, and the id is the
React key: one slider step that moves a budget marker unmounts every chart it touches and builds
each again with `Plotly.newPlot`, hover layers and run markers included. `plotly_chart` here keeps
one element per key (a Streamlit component, `st.components.v2`) and hands the new figure to
`Plotly.react`, which redraws what differs. `layout.datarevision` is a digest of the traces: when
only the layout changed (a marker, a title) Plotly skips recomputing the traces, which it would
otherwise do for every freshly parsed data array.

Plotly.js is the copy shipped inside the installed `plotly` package, served by Streamlit's static
file serving (`server.enableStaticServing`, `.streamlit/config.toml`) from `static/` beside
`app.py`, copied there on first use (not kept in git). Where that cannot work (static serving off,
the folder not writable) charts fall back to `st.plotly_chart`: slower updates, same figures.

SCALING_EXPLORER_INPLACE_CHARTS=0 turns the in-place charts off (stock st.plotly_chart everywhere).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import plotly
import streamlit as st
from plotly.io.json import to_json_plotly

NAME = "scaling_explorer_plotly"
ASSET = f"plotly-{plotly.__version__}.min.js"
STATIC = Path(__file__).resolve().parents[3] / "static"       # beside app.py in this checkout

_JS = r"""
function loadPlotly(src) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__scalingExplorerPlotly) window.__scalingExplorerPlotly = new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src;
    s.onload = () => resolve(window.Plotly);
    s.onerror = () => { window.__scalingExplorerPlotly = null; reject(new Error(src)); };
    document.head.appendChild(s);
  });
  return window.__scalingExplorerPlotly;
}
// A legend-only chart takes the height its legend needs at the width it is drawn (rows of entries
// side by side on a desktop, one column on a phone), which the server cannot know.
function fitLegend(el) {
  const legend = el.__seFitLegend && el.querySelector(".legend");
  if (!legend) return;
  const m = el._fullLayout.margin;
  const want = Math.ceil(legend.getBoundingClientRect().height) + m.t + m.b + 2;
  el.__seFitted = want;                         // kept for the next rerun's Plotly.react (no jump back)
  if (Math.abs(want - el._fullLayout.height) > 2) return window.Plotly.relayout(el, { height: want });
}
export default function (component) {
  const { data, parentElement } = component;
  let el = parentElement.querySelector(":scope > .se-plot");
  if (!el) {
    el = document.createElement("div");
    el.className = "se-plot";
    parentElement.appendChild(el);
  }
  const traces = JSON.parse(data.data), layout = JSON.parse(data.layout);
  el.__seFitLegend = data.fitLegend;
  if (data.fitLegend && el.__seFitted) layout.height = el.__seFitted;
  loadPlotly(data.src).catch((err) => {
    el.textContent = "The chart library did not load (" + err.message + "): reload the page.";
    throw err;
  }).then((P) => P.react(el, traces, layout, data.config)).then(() => fitLegend(el)).then(() => {
    if (!el.__seResize) {                      // follow the column's width (sidebar, window, phone rotation)
      el.__seResize = new ResizeObserver(() => window.Plotly.Plots.resize(el).then(() => fitLegend(el)));
      el.__seResize.observe(el);
    }
  }).then(() => { const note = parentElement.querySelector(":scope > .se-error"); if (note) note.remove(); }, (err) => {
    console.error("Scaling Explorer chart:", err);
    if (!window.Plotly) return;                // already said: the library did not load
    const note = parentElement.querySelector(":scope > .se-error") || parentElement.appendChild(
      Object.assign(document.createElement("div"), { className: "se-error" }));
    note.textContent = "This chart could not be drawn (" + err.message + "); the numbers beside it stand.";
  });
}
"""


def _asset_ready() -> bool:
    """Plotly.js in static/ (copied from the plotly package once, atomically); False where it cannot be."""
    dest = STATIC / ASSET
    if dest.exists():
        return True
    try:
        STATIC.mkdir(exist_ok=True)
        tmp = dest.with_name(f".{ASSET}.{os.getpid()}.tmp")
        shutil.copyfile(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", tmp)
        os.replace(tmp, dest)
        return True
    except OSError:
        return False


# On unless SCALING_EXPLORER_INPLACE_CHARTS=0. They were opt-in for a while: the 20-browser two-server
# test (tests/test_two_servers.py) hung twice under the full suite with them on, and the suspect was
# Streamlit gzipping the 4.8 MB file on the fly for every cold browser. Measured since (2026-12-02,
# 2 cores): gzip at Streamlit's level 9 takes 0.23 s per response, and that test alone took 385 s with
# these charts against 428 s with stock ones, with no idle CPU in either (CDP metrics over 10 s). The
# hang was not reproduced; the test now saves a screenshot and the page's text when a session stalls.
ENABLED = os.environ.get("SCALING_EXPLORER_INPLACE_CHARTS", "1") != "0"


def _register():
    """The component, or None where Plotly.js cannot be served from static/ beside app.py."""
    if not ((STATIC.parent / "app.py").exists() and _asset_ready()):
        return None
    return st.components.v2.component(NAME, js=_JS, isolate_styles=False)


_component = _register() if ENABLED else None


def payload(fig, config: dict | None = None, fit_legend: bool = False) -> dict:
    """What the component receives: traces and layout as JSON, the layout carrying a digest of the traces;
    fit_legend: the browser sets the chart's height to its legend's (a legend-only chart)."""
    spec = fig.to_plotly_json()
    data = to_json_plotly(spec["data"])
    layout = dict(spec["layout"], datarevision=hashlib.blake2b(data.encode(), digest_size=8).hexdigest())
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return {"data": data, "layout": to_json_plotly(layout),
            "config": {"displaylogo": False, "responsive": False} | (config or {}),
            "src": f"/{base + '/' if base else ''}app/static/{ASSET}", "fitLegend": fit_legend}


def plotly_chart(fig, *, key: str, config: dict | None = None, fit_legend: bool = False) -> None:
    """Draw `fig` in the current container as the chart `key`, updated in place on later reruns;
    fit_legend: a legend-only chart, sized in the browser to its legend (see `payload`)."""
    if _component is None or not st.get_option("server.enableStaticServing"):
        st.plotly_chart(fig, key=key, config=config)
        return
    _component(key=key, data=payload(fig, config, fit_legend))


def figure_of(element) -> dict:
    """The figure dict a drawn chart carries (AppTest element of either kind): data and layout."""
    if element.proto.__class__.__name__ == "PlotlyChart":
        return json.loads(element.proto.spec)
    sent = json.loads(element.proto.json)
    return {"data": json.loads(sent["data"]), "layout": json.loads(sent["layout"])}
