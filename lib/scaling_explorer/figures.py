"""Pure Plotly figure builders: data in, ``go.Figure`` out. Log axes where scale spans decades,
units on every axis, hover text that names the law (or run) and the paper."""
from __future__ import annotations

import textwrap
from typing import Iterable, Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import get_colorscale

from .units import fmt_sci

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22")
# plotly_white's look for 2-D charts, built once: only its cartesian layout keys. Naming the full
# template makes every figure deep-copy and re-validate its defaults for every trace type (geo,
# polar, 3-D...), ~15 ms a figure here, several figures a rerun.
_WHITE = pio.templates["plotly_white"].layout.to_plotly_json()
VIRIDIS = get_colorscale("Viridis")     # as plotly's validation would expand the name
# Text in the app's own typeface and colour (Streamlit's "Source Sans", #31333F; tick labels muted), as
# Streamlit's chart theme drew it: the charts are drawn by Plotly.js directly (scaling_explorer.app.charts).
_TEXT = dict(family='"Source Sans", "Source Sans Pro", sans-serif', color="#31333F")
_AXIS_TEXT = dict(tickfont=dict(color="#6b6f80"))
TEMPLATE = go.layout.Template(layout={k: _WHITE[k] for k in (
    "paper_bgcolor", "plot_bgcolor", "colorway", "xaxis", "yaxis", "hovermode", "hoverlabel",
    "shapedefaults", "annotationdefaults") if k in _WHITE} | {
    "font": _TEXT, "title": {**_WHITE.get("title", {}), "font": dict(weight=600)},
    "xaxis": {**_WHITE["xaxis"], **_AXIS_TEXT}, "yaxis": {**_WHITE["yaxis"], **_AXIS_TEXT}})
AXIS_TITLES = {
    "C": "Training compute C (FLOPs)",
    "N": "Parameters N",
    "D": "Training tokens D",
    "tokens_per_param": "Tokens per parameter D/N",
    "loss": "Predicted loss (nats/token)",
}


class _Builder:
    """Collects traces, shapes and annotations as plain dicts; _layout turns them into one
    go.Figure built without plotly's per-property validation. Validated construction (go.Scatter,
    add_trace, update_layout) costs ~25 ms a chart here, several charts a rerun; these builders
    are fixed code, checked by tests/test_figures.py and the browser tests instead."""

    def __init__(self) -> None:
        self.data: list[dict] = []
        self.shapes: list[dict] = []
        self.annotations: list[dict] = []

    def add_trace(self, trace: dict) -> None:
        self.data.append(trace)

    def add_shape(self, **shape) -> None:
        self.shapes.append(shape)

    def add_annotation(self, **annotation) -> None:
        self.annotations.append(annotation)


def _scatter(**kw) -> dict:
    return {"type": "scatter", **kw}


LEGEND_WRAP = 44         # characters per legend line: an entry fits a phone's chart (~330 px at 11 px)
LABEL_WRAP = 50          # characters per line of the comparison chart's row labels
_XAXIS_PX = 62           # below the plot: tick labels (10ˣ is tall) and the x-axis title
_ENTRY_PX, _LINE_PX = 21, 14     # a legend entry, and each extra line of a wrapped one
L_MARGIN_PX = 78         # left of the plot: y tick labels and the y-axis title (no automargin)


def wrap(text: str, width: int = LEGEND_WRAP) -> str:
    """Text broken into lines of at most `width` characters with <br> (Plotly does not wrap legend
    entries or annotations: an unbroken long name is cut at the right on a phone)."""
    return "<br>".join(textwrap.wrap(str(text), width, break_long_words=False)) or str(text)


def _log_dtick(values) -> int | None:
    """A tick every decade (or every 2 or 3 when they are many): no minor 2/5 labels crowding a
    narrow axis. None (Plotly's own ticks) for less than 1.5 decades."""
    v = np.concatenate([np.ravel(np.asarray(x, dtype=float)) for x in values]) if values else np.array([])
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return None
    decades = float(np.log10(v.max() / v.min()))
    return None if decades < 1.5 else 1 if decades <= 4.5 else 2 if decades <= 10 else 3


def _axis(title: str, log: bool, values) -> dict:
    # Fixed margins, no automargin: automargin measures every label and often draws the chart twice,
    # ~15% of a redraw here (bench/app_latency.py); L_MARGIN_PX fits 10ˣ and 4-digit ticks plus the title.
    ax = dict(title=dict(text=title, standoff=8), type="log" if log else "linear", exponentformat="power",
              showgrid=True, automargin=False)
    if log and (dtick := _log_dtick(values)):
        ax["dtick"] = dtick
    return ax


def _layout(fig: _Builder, title: str, x: str, y: str, xlog=True, ylog=True, height=460) -> go.Figure:
    """Legend under the plot, each entry wrapped at LEGEND_WRAP characters, with room reserved for
    it in pixels: the plot keeps its height whatever the number of entries and the axis title
    never runs into the legend (a legend at y = -0.18 of the plot height did, on a phone)."""
    entries = [t for t in fig.data if t.get("showlegend", True) is not False and t.get("name")]
    for t in entries:
        if "<br>" not in t["name"]:
            t["name"] = wrap(t["name"])
    legend_px = sum(_ENTRY_PX + _LINE_PX * t["name"].count("<br>") for t in entries) + 8 if entries else 0
    top, bottom = 50, _XAXIS_PX + legend_px
    plot_px = height - 50 - _XAXIS_PX
    layout = dict(template=TEMPLATE, title=dict(text=title, x=0.01, font=dict(size=15)),
                  height=height + legend_px, margin=dict(l=L_MARGIN_PX, r=20, t=top, b=bottom, pad=0),
                  legend=dict(font=dict(size=11), orientation="h", yanchor="top", y=-_XAXIS_PX / plot_px, x=0),
                  hoverlabel=dict(namelength=-1),
                  # Streamlit draws a changed chart anew, then updates it once more: with a (zero-length)
                  # transition Plotly takes its light path for that second call instead of a full redraw
                  transition=dict(duration=0),
                  xaxis=_axis(x, xlog, [t["x"] for t in fig.data if "x" in t]),
                  yaxis=_axis(y, ylog, [t["y"] for t in fig.data if "y" in t]))
    if fig.shapes:
        layout["shapes"] = fig.shapes
    if fig.annotations:
        layout["annotations"] = fig.annotations
    return go.Figure(data=fig.data, layout=layout, _validate=False)


def _vline(fig: _Builder, x: float, **line) -> None:
    """A vertical line across the plot at data x."""
    fig.add_shape(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="paper", line=line)


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha})"


def _add_band(fig: _Builder, x, lo, hi, color: str, name: str) -> None:
    """A shaded 95% band between lo and hi (drawn before the curve it belongs to)."""
    x, lo, hi = (np.asarray(v, float) for v in (x, lo, hi))
    ok = np.isfinite(x) & np.isfinite(lo) & np.isfinite(hi) & (x > 0)
    if not ok.any():
        return
    xs = np.concatenate([x[ok], x[ok][::-1]])
    ys = np.concatenate([hi[ok], lo[ok][::-1]])
    fig.add_trace(_scatter(x=xs, y=ys, fill="toself", fillcolor=_rgba(color, 0.18), line=dict(width=0),
                             name=f"{name}: 95% band", hoverinfo="skip", showlegend=True))


def _finite_positive(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    return x[ok], y[ok]


def frontier_figure(curves: Sequence[dict], quantity: str, title: str, reference_ratio: float | None = None,
                    marker_C: float | None = None, bands: dict | None = None, runs=None,
                    legend: bool = True) -> go.Figure:
    """One panel of the compute-optimal frontier: ``quantity`` (N, D, tokens_per_param, loss) vs C.

    Each curve is a dict with keys name, citation, locator, C and the quantity's array;
    ``bands`` maps a curve name to (low, median, high) arrays on the same C grid. With
    legend=False the panel draws no legend (panels that share one: ``legend_figure``).
    """
    fig = _frontier_traces(curves, quantity, reference_ratio, bands, runs)
    if not legend:
        for t in fig.data:
            t["showlegend"] = False
    if marker_C:
        _vline(fig, marker_C, color="#555", dash="dash", width=1)
    ylog = quantity != "loss"
    return _layout(fig, title, AXIS_TITLES["C"], AXIS_TITLES[quantity], ylog=ylog)


def legend_figure(curves: Sequence[dict], reference_ratio: float | None = None, runs=None) -> go.Figure:
    """The one legend of a set of frontier panels drawn with legend=False: the same entries, colours
    and dashes, and no axes. It does not depend on the marked budget, so moving that slider leaves
    it as it is (an unchanged chart costs the browser nothing), and the panels skip their legends."""
    data = []
    for t in _frontier_traces(curves, "C", reference_ratio, None, runs, every_entry=True).data:
        if t.get("showlegend", True) is False or not t.get("name"):
            continue
        t = {k: v for k, v in t.items() if k not in ("customdata", "hovertemplate")}
        t.update(x=[None], y=[None], name=t["name"] if "<br>" in t["name"] else wrap(t["name"]), hoverinfo="skip")
        data.append(t)
    height = sum(_ENTRY_PX + _LINE_PX * t["name"].count("<br>") for t in data) + 12
    layout = dict(template=TEMPLATE, height=height, margin=dict(l=10, r=10, t=4, b=4), showlegend=True,
                  legend=dict(font=dict(size=11), orientation="h", yanchor="top", y=1, x=0, maxheight=height),
                  xaxis=dict(visible=False), yaxis=dict(visible=False))
    return go.Figure(data=data, layout=layout, _validate=False)


def _frontier_traces(curves, quantity, reference_ratio, bands, runs, every_entry: bool = False) -> "_Builder":
    """The traces of a frontier panel; every_entry: those of every panel (for their shared legend)."""
    fig = _Builder()
    for i, c in enumerate(curves):
        x, y = _finite_positive(c["C"], c[quantity])
        if x.size == 0:
            continue
        if bands and c["name"] in bands:
            lo, _, hi = bands[c["name"]]
            _add_band(fig, c["C"], lo, hi, c.get("color") or PALETTE[i % len(PALETTE)], c["name"])
        fig.add_trace(_scatter(
            x=x, y=y, mode="lines", name=f"{c['name']} ({c['citation']})",
            line=dict(color=c.get("color") or PALETTE[i % len(PALETTE)], width=2.2, dash=c.get("dash", "solid")),
            hovertemplate=(f"<b>{c['name']}</b><br>{c['citation']}, {c['locator']}<br>"
                           f"C = %{{x:.3g}} FLOPs<br>{AXIS_TITLES[quantity]} = %{{y:.4g}}<extra></extra>")))
    if runs is not None and len(runs) and (every_entry or quantity in ("N", "D", "tokens_per_param")):
        _add_runs(fig, runs, "C" if every_entry else quantity)
    if reference_ratio and (every_entry or quantity == "tokens_per_param") and curves:
        allc = np.concatenate([np.asarray(c["C"], float) for c in curves])
        fig.add_trace(_scatter(x=[allc.min(), allc.max()], y=[reference_ratio] * 2, mode="lines",
                                 name=f"{reference_ratio:g} tokens/param rule of thumb",
                                 line=dict(color="#999", dash="dot", width=1.5),
                                 hovertemplate=f"{reference_ratio:g} tokens per parameter<extra></extra>"))
    return fig


def runs_for_overlay(runs):
    """Documented training runs with the columns the frontier charts need: N (active parameters
    when stated, else total), D, and C (as stated, else 6·N·D)."""
    import pandas as pd
    r = runs[runs["training_tokens"].notna() & runs["total_params"].notna()].copy()
    r["N"] = r["active_params"].fillna(r["total_params"])
    r["D"] = r["training_tokens"]
    r["C"] = r["training_compute_flops"].fillna(6.0 * r["N"] * r["D"])
    r["C_how"] = np.where(r["training_compute_flops"].notna(), "as stated", "6·N·D")
    r["tokens_per_param"] = r["D"] / r["N"]
    return pd.DataFrame(r)


def _add_runs(fig: _Builder, r, quantity: str) -> None:
    fig.add_trace(_scatter(
        x=r["C"].to_numpy(float), y=r[quantity].to_numpy(float), mode="markers", name="documented training runs",
        marker=dict(size=8, color="rgba(60,60,60,0.55)", symbol="circle-open", line=dict(width=1.5)),
        customdata=np.stack([r["model"], r["organisation"], r["year"].astype(str), r["N"], r["D"], r["C_how"],
                             r["locator"]], axis=-1),
        hovertemplate=("<b>%{customdata[0]}</b> (%{customdata[1]}, %{customdata[2]})<br>N = %{customdata[3]:.3g} "
                       "params, D = %{customdata[4]:.3g} tokens<br>C = %{x:.3g} FLOPs (%{customdata[5]})<br>"
                       "source: %{customdata[6]}<extra></extra>")))


def single_variable_figure(curves: Sequence[dict]) -> go.Figure:
    """Single-variable laws L(N) and L(D) on their own axis (count of parameters or tokens)."""
    fig = _Builder()
    for i, c in enumerate(curves):
        x, y = _finite_positive(c["x"], c["loss"])
        fig.add_trace(_scatter(
            x=x, y=y, mode="lines", name=c["name"], line=dict(color=PALETTE[(i + 5) % len(PALETTE)], width=2.2),
            hovertemplate=(f"<b>{c['name']}</b><br>{c['citation']}, {c['locator']}<br>"
                           f"{c['xlabel']} = %{{x:.3g}}<br>loss = %{{y:.4g}} nats/token<extra></extra>")))
    return _layout(fig, "Single-variable laws: L(N) and L(D)", "Parameters N or tokens D (count)",
                   AXIS_TITLES["loss"], ylog=False)


def isoflop_figure(curve: dict, law_name: str, citation: str, C: float, U: float | None = None,
                   fixed_N: float | None = None) -> go.Figure:
    """Loss vs N at fixed compute C, with the optimum marked."""
    fig = _Builder()
    N_all, L_all = np.asarray(curve["N"], float), np.asarray(curve["loss"], float)
    keep = np.isfinite(N_all) & np.isfinite(L_all) & (N_all > 0) & (L_all > 0)
    x, y, D = N_all[keep], L_all[keep], np.asarray(curve["D"], float)[keep]   # D stays with its N
    fig.add_trace(_scatter(
        x=x, y=y, mode="lines", name=f"isoFLOP C = {fmt_sci(C)} FLOPs", customdata=D,
        line=dict(color=PALETTE[0], width=2.4),
        hovertemplate=(f"<b>{law_name}</b> ({citation})<br>N = %{{x:.3g}} params<br>D = %{{customdata:.3g}} tokens"
                       "<br>loss = %{y:.4f} nats/token<extra></extra>")))
    fig.add_trace(_scatter(
        x=[curve["N_opt"]], y=[curve["loss_opt"]], mode="markers", name="compute-optimal N*",
        marker=dict(size=12, color=PALETTE[1], symbol="star"),
        hovertemplate="<b>optimum</b><br>N* = %{x:.3g} params<br>loss = %{y:.4f} nats/token<extra></extra>"))
    if fixed_N is not None:
        Ns = np.asarray(curve["N"], float)
        Ls = np.asarray(curve["loss"], float)
        if Ns.min() <= fixed_N <= Ns.max():
            y = float(np.interp(np.log(fixed_N), np.log(Ns), Ls))
            fig.add_trace(_scatter(x=[fixed_N], y=[y], mode="markers", name="fixed model size",
                                     marker=dict(size=11, color=PALETTE[2], symbol="diamond"),
                                     hovertemplate="<b>fixed size</b><br>N = %{x:.3g} params<br>loss = %{y:.4f}"
                                                   "<extra></extra>"))
    if U is not None and np.isfinite(U):
        n_one_epoch = C / (6.0 * U)  # models at least this large see the unique data at most once
        _vline(fig, n_one_epoch, color="#999", dash="dot")
        # on a log axis an annotation's x is log10 of the value (add_vline's own annotation misplaces it)
        fig.add_annotation(x=np.log10(n_one_epoch), xref="x", y=1, yref="paper", yanchor="bottom",
                           xanchor="right", showarrow=False, text="← smaller models repeat data",
                           font=dict(size=11, color="#666"))
    return _layout(fig, f"Loss vs model size at C = {fmt_sci(C)} FLOPs", AXIS_TITLES["N"], AXIS_TITLES["loss"],
                   ylog=False)


def runs_figure(runs, fitted: Iterable[dict] = (), title="Runs and fitted compute-optimal frontiers",
                bands: dict | None = None) -> go.Figure:
    """Observed loss vs compute, coloured by model size, with fitted frontier curves (and
    bootstrap bands keyed by curve name)."""
    fig = _Builder()
    C = runs["compute_flops"].to_numpy(float)
    N = runs["n_params"].to_numpy(float)
    fig.add_trace(_scatter(
        x=C, y=runs["loss"].to_numpy(float), mode="markers", name="runs",
        marker=dict(size=7, color=np.log10(N), colorscale=VIRIDIS, showscale=True,
                    colorbar=dict(title=dict(text="log10 N"), thickness=12)),
        customdata=np.stack([runs["run_name"].astype(str), N, runs["n_tokens"].to_numpy(float)], axis=-1),
        hovertemplate=("<b>%{customdata[0]}</b><br>N = %{customdata[1]:.3g} params<br>"
                       "D = %{customdata[2]:.3g} tokens<br>C = %{x:.3g} FLOPs<br>loss = %{y:.4f}<extra></extra>")))
    for i, f in enumerate(fitted):
        if bands and f["name"] in bands:
            lo, _, hi = bands[f["name"]]
            _add_band(fig, f["C"], lo, hi, f.get("color") or PALETTE[(i + 1) % len(PALETTE)], f["name"])
        x, y = _finite_positive(f["C"], f["loss"])
        fig.add_trace(_scatter(x=x, y=y, mode="lines", name=f["name"],
                                 line=dict(color=f.get("color") or PALETTE[(i + 1) % len(PALETTE)], width=2.2),
                                 hovertemplate=f"<b>{f['name']}</b><br>C = %{{x:.3g}} FLOPs<br>"
                                               "frontier loss = %{y:.4f}<extra></extra>"))
    return _layout(fig, title, AXIS_TITLES["C"], "Final loss (nats/token)", ylog=False, height=480)


def residuals_figure(runs, residuals: dict[str, np.ndarray], colors: dict[str, str] | None = None) -> go.Figure:
    """Relative residuals (predicted/observed - 1, in %) vs compute for each fitted form."""
    fig = _Builder()
    C = runs["compute_flops"].to_numpy(float)
    for i, (name, r) in enumerate(residuals.items()):
        fig.add_trace(_scatter(
            x=C, y=100.0 * np.asarray(r, float), mode="markers", name=name,
            marker=dict(size=6, color=(colors or {}).get(name) or PALETTE[(i + 1) % len(PALETTE)]),
            customdata=runs["run_name"].astype(str).to_numpy(),
            hovertemplate=f"<b>%{{customdata}}</b> ({name})<br>C = %{{x:.3g}} FLOPs<br>"
                          "residual = %{y:.2f}%<extra></extra>"))
    fig.add_shape(type="line", x0=0, x1=1, xref="paper", y0=0, y1=0, yref="y", line=dict(color="#555", width=1))
    return _layout(fig, "Residuals: predicted / observed − 1", AXIS_TITLES["C"], "Residual (%)", ylog=False,
                   height=480)


def observed_vs_fit_figure(x, y, pred, x_name: str, y_name: str, form_title: str) -> go.Figure:
    """Any fitted form: the data and the fitted values against the first input column."""
    x, y, pred = (np.asarray(v, float) for v in (x, y, pred))
    order = np.argsort(x)
    fig = _Builder()
    fig.add_trace(_scatter(x=x, y=y, mode="markers", name="data", marker=dict(size=6, color=PALETTE[0]),
                             hovertemplate=f"{x_name} = %{{x:.4g}}<br>{y_name} = %{{y:.4g}}<extra>data</extra>"))
    fig.add_trace(_scatter(x=x[order], y=pred[order], mode="lines", name=f"fit: {form_title}",
                             line=dict(color=PALETTE[1], width=2.2),
                             hovertemplate=f"{x_name} = %{{x:.4g}}<br>fitted {y_name} = %{{y:.4g}}<extra></extra>"))
    xlog = bool(np.all(x > 0) and x.max() / max(x.min(), 1e-300) > 100)
    return _layout(fig, f"{y_name} vs {x_name}: data and fit", x_name, y_name, xlog=xlog, ylog=False)


def comparison_figure(side) -> go.Figure:
    """N* and D* of one budget under several laws, on a log axis, one row per law. Each row's law,
    paper and convention are written above its markers across the chart's width (wrapped), not as
    tick labels at the left, which took most of a phone's width and were cut."""
    fig = _Builder()
    conv = list(side["convention"]) if "convention" in side else [""] * len(side)
    names = [f"{n} ({p})" for n, p in zip(side["law"], side["paper"])]
    labels = [wrap(n, LABEL_WRAP) + (f"<br><i>{wrap(c, LABEL_WRAP)}</i>" if c else "") for n, c in zip(names, conv)]
    for q, color, sym in (("N*", PALETTE[0], "circle"), ("D*", PALETTE[1], "square")):
        fig.add_trace(_scatter(
            x=side[q].to_numpy(float), y=names, mode="markers",
            name=f"{q} ({'parameters' if q == 'N*' else 'tokens'})",
            marker=dict(size=12, color=color, symbol=sym), customdata=side["D*/N*"].to_numpy(float),
            hovertemplate=f"<b>%{{y}}</b><br>{q} = %{{x:.3g}}<br>D*/N* = %{{customdata:.1f}}<extra></extra>"))
    for name, text in zip(names, labels):
        fig.add_annotation(x=0, xref="paper", xanchor="left", y=name, yref="y", yanchor="bottom", yshift=9,
                           text=text, align="left", showarrow=False, font=dict(size=11, color="#444"))
    lines = max((t.count("<br>") + 1 for t in labels), default=1)
    row_px = 30 + 14 * lines
    fig = _layout(fig, "Compute-optimal allocation by law", "Parameters N* or tokens D* (count)", "", ylog=False,
                  height=50 + _XAXIS_PX + row_px * (len(side) + 1))
    fig.layout.yaxis.type = "category"
    fig.layout.yaxis.range = [len(side) - 0.6, -0.5 - 14 * lines / row_px]     # reversed: the first law on top
    fig.layout.yaxis.showticklabels = False
    fig.layout.margin.l = 12
    return fig


def curves_figure(curves: Sequence[dict], title: str, xlabel: str, ylabel: str, xlog: bool = True,
                  ylog: bool = False, marker_x: float | None = None) -> go.Figure:
    """Generic family view: each curve a dict with name, citation, locator, x, y (and optional
    'point' = (x, y) to mark)."""
    fig = _Builder()
    for i, c in enumerate(curves):
        x, y = np.asarray(c["x"], float), np.asarray(c["y"], float)
        ok = np.isfinite(x) & np.isfinite(y) & ((x > 0) if xlog else True) & ((y > 0) if ylog else True)
        color = c.get("color") or PALETTE[i % len(PALETTE)]
        fig.add_trace(_scatter(
            x=x[ok], y=y[ok], mode="lines", name=f"{c['name']} ({c['citation']})",
            line=dict(color=color, width=2.2, dash=c.get("dash", "solid")),
            hovertemplate=(f"<b>{c['name']}</b><br>{c['citation']}, {c['locator']}<br>{xlabel} = %{{x:.4g}}<br>"
                           f"{ylabel} = %{{y:.4g}}<extra></extra>")))
        if c.get("point") is not None:
            px, py = c["point"]
            fig.add_trace(_scatter(x=[px], y=[py], mode="markers", showlegend=False,
                                     marker=dict(size=11, color=color, symbol="star"),
                                     hovertemplate=f"<b>{c['name']}</b><br>{xlabel} = %{{x:.4g}}<br>{ylabel} = "
                                                   f"%{{y:.4g}}<extra>marked</extra>"))
    if marker_x:
        _vline(fig, marker_x, color="#555", dash="dash", width=1)
    return _layout(fig, title, xlabel, ylabel, xlog=xlog, ylog=ylog)


def sweep_figure(all_runs, best_runs, title: str = "The sweep and its lower envelope") -> go.Figure:
    """A sweep's runs (loss vs compute, grey) and its lower envelope: the best run of each (N, D)
    cell (``best_runs``, e.g. lib.sweeps.envelope, with ``n_in_cell``), coloured by model size and
    joined per model size."""
    fig = _Builder()
    C = all_runs["compute_flops"].to_numpy(float)
    fig.add_trace(_scatter(
        x=C, y=all_runs["loss"].to_numpy(float), mode="markers", name=f"all runs ({len(all_runs)})",
        marker=dict(size=6, color=_rgba(PALETTE[8], 0.45)),
        customdata=np.stack([all_runs["run_name"].astype(str), all_runs["n_params"].to_numpy(float),
                             all_runs["n_tokens"].to_numpy(float)], axis=-1),
        hovertemplate=("<b>%{customdata[0]}</b><br>N = %{customdata[1]:.3g}<br>D = %{customdata[2]:.3g}<br>"
                       "C = %{x:.3g} FLOPs<br>loss = %{y:.4f}<extra>run</extra>")))
    b = best_runs.sort_values(["n_params", "compute_flops"])
    for i, (N, g) in enumerate(b.groupby("n_params", sort=True)):
        fig.add_trace(_scatter(
            x=g["compute_flops"].to_numpy(float), y=g["loss"].to_numpy(float), mode="lines+markers",
            name=f"best per cell, N = {fmt_sci(N)}", legendgroup="best", showlegend=True,
            line=dict(color=PALETTE[(i + 1) % len(PALETTE)], width=1.5),
            marker=dict(size=9, color=PALETTE[(i + 1) % len(PALETTE)], line=dict(color="#222", width=1)),
            customdata=np.stack([g["run_name"].astype(str), g["n_in_cell"].to_numpy(float)], axis=-1),
            hovertemplate=("<b>%{customdata[0]}</b>: best of %{customdata[1]} runs in its (N, D) cell<br>"
                           "C = %{x:.3g} FLOPs<br>loss = %{y:.4f}<extra></extra>")))
    return _layout(fig, title, AXIS_TITLES["C"], "Final loss (nats/token)", ylog=False, height=480)
