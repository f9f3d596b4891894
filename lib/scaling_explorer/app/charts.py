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
// A budget marker that moved (vertical line shapes of which only x changed; traces, config and the rest
// of the layout as drawn) is redrawn by moving those lines: Plotly.react would first rebuild the whole
// figure's defaults to find that one difference, 20-40 ms per chart on a 2-core machine. The new x goes
// into the figure Plotly keeps (layout and fullLayout), so a resize, zoom or image export draws it there.
function sameBut(a, b, keys) {
  const strip = (o) => JSON.stringify(Object.assign({}, o, Object.fromEntries(keys.map((k) => [k, null]))));
  return strip(a) === strip(b);
}
function moveLines(el, drawn, shapes) {
  const was = el.__seDrawn, full = el._fullLayout;
  if (!was || was.drawn !== drawn || !full || !full.xaxis || shapes.length !== was.shapes.length) return false;
  const moves = [];
  for (let i = 0; i < shapes.length; i++) {
    const a = shapes[i], b = was.shapes[i];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (a.type !== "line" || a.xref !== "x" || a.x0 !== a.x1 || b.x0 !== b.x1 || !sameBut(a, b, ["x0", "x1"]))
      return false;
    const paths = el.querySelectorAll('.shapelayer path[data-index="' + i + '"]');
    if (paths.length !== 1 || !full.shapes[i] || !el.layout.shapes || !el.layout.shapes[i]) return false;
    const path = paths[0], base = path.__seBase === undefined ? full.shapes[i].x0 : path.__seBase;
    const dx = full.xaxis.d2p(a.x0) - full.xaxis.d2p(base);
    if (!Number.isFinite(dx)) return false;
    moves.push([i, path, base, dx, a.x0]);
  }
  for (const [i, path, base, dx, x] of moves) {
    path.__seBase = base;
    path.setAttribute("transform", "translate(" + dx + ",0)");
    full.shapes[i].x0 = full.shapes[i].x1 = el.layout.shapes[i].x0 = el.layout.shapes[i].x1 = x;
  }
  was.shapes = shapes;
  return true;
}
export default function (component) {
  const { data, parentElement } = component;
  let el = parentElement.querySelector(":scope > .se-plot");
  if (!el) {
    el = document.createElement("div");
    el.className = "se-plot";
    parentElement.appendChild(el);
  }
  const layout = JSON.parse(data.layout), shapes = layout.shapes || [];
  el.__seFitLegend = data.fitLegend;
  if (data.fitLegend && el.__seFitted) layout.height = el.__seFitted;
  const drawn = data.data + JSON.stringify(data.config) + JSON.stringify(Object.assign({}, layout, { shapes: null }));
  if (moveLines(el, drawn, shapes)) return;
  el.__seDrawn = null;                          // until this react is done: no moving lines of a figure in flux
  loadPlotly(data.src).catch((err) => {
    el.textContent = "The chart library did not load (" + err.message + "): reload the page.";
    throw err;
  }).then((P) => P.react(el, JSON.parse(data.data), layout, data.config)).then(() => {
    el.__seDrawn = { drawn, shapes };
    return fitLegend(el);
  }).then(() => {
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


def asset_ready() -> bool:
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
    if not ((STATIC.parent / "app.py").exists() and asset_ready()):
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
