"""Published laws: each selected law's compute-optimal frontier on log axes."""
import math

import numpy as np
import pandas as pd
import streamlit as st

from lib import figures, ui
from lib.laws import evaluate_1d
from lib.state import Field

PAGE = "laws"
ui.require_navigation()
laws = {s: l for s, l in ui.published_laws().items() if l.kind in ("loss_nd", "loss_1d", "allocation")}
DEFAULT = ("hoffmann2022-eq10-unrounded", "besiroglu2024-refit", "kaplan2020-nopt", "deepseek2024-alloc")
FIELDS = (
    Field("laws", "multi", tuple(s for s in DEFAULT if s in laws), choices=tuple(laws), label="Laws"),
    Field("C", "log10", 24.0, lo=18.0, hi=27.0, step=0.1, label="Marked compute budget"),
    Field("runs", "choice", "on", choices=("on", "off"), label="Documented training runs"),
)

st.title("Published scaling laws")
st.caption("Compute-optimal frontiers as the papers publish them. Losses from different datasets and "
           "tokenizers compare in shape, not in absolute value.")
ui.url_view(PAGE, FIELDS)
st.multiselect("Laws", options=list(laws), key=ui.wkey(PAGE, FIELDS[0]),
               format_func=lambda s: laws[s].label, placeholder="Pick one or more laws")
ui.log_slider(PAGE, FIELDS[1], "FLOPs", help="Marks a budget on every chart and in the table below.")
st.radio("Overlay documented training runs (GPT-3, Chinchilla, Llama, Qwen, DeepSeek, …)", FIELDS[2].choices,
         key=ui.wkey(PAGE, FIELDS[2]), horizontal=True)
v = ui.sync_url(PAGE, FIELDS)

selected = [laws[s] for s in v["laws"]]
curves = []
for law in selected:
    fr = ui.frontier(law.slug, 18.0, 27.0)
    curves.append({**fr, "name": law.name, "citation": law.citation, "locator": law.locator,
                   "dash": "solid" if law.verified else "dot"})
if not selected:
    st.info("Pick at least one law above.")
    st.stop()

C_mark = 10 ** v["C"]
cols = st.columns(2)
panels = (("loss", "Predicted loss along the frontier"), ("N", "Compute-optimal parameters N*(C)"),
          ("D", "Compute-optimal tokens D*(C)"), ("tokens_per_param", "Tokens per parameter D*/N*"))
overlay = figures.runs_for_overlay(ui.notable_runs()) if v["runs"] == "on" else None
for i, (q, title) in enumerate(panels):
    fig = figures.frontier_figure(curves, q, title, reference_ratio=20.0, marker_C=C_mark, runs=overlay)
    cols[i % 2].plotly_chart(fig, key=f"fig-{q}", config=ui.chart_config(f"frontier_{q}"))

one_d = [law for law in selected if law.kind == "loss_1d" and law.variable in ("N", "D")]
if one_d:
    x = np.logspace(6, 14, 80)
    st.plotly_chart(figures.single_variable_figure(
        [{"name": l.name, "citation": l.citation, "locator": l.locator, "x": x, "loss": evaluate_1d(l, x),
          "xlabel": "N (params)" if l.variable == "N" else "D (tokens)"} for l in one_d]), key="fig-1d")

rows = []
for law in selected:
    fr = ui.frontier(law.slug, v["C"], v["C"], math.inf, 1)
    rows.append({"law": law.name, "paper": law.citation, "locator": law.locator, "C (FLOPs)": C_mark,
                 "N*": fr["N"][0], "D*": fr["D"][0], "D*/N*": fr["tokens_per_param"][0],
                 "loss (nats/token)": fr["loss"][0], "parameters": law.param_convention,
                 "verified": "yes" if law.verified else "UNVERIFIED"})
table = pd.DataFrame(rows)
st.subheader(f"At C = {C_mark:.3g} FLOPs")
st.dataframe(table, hide_index=True, column_config={
    c: st.column_config.NumberColumn(format="%.3e") for c in ("C (FLOPs)", "N*", "D*")} | {
    "D*/N*": st.column_config.NumberColumn(format="%.1f"),
    "loss (nats/token)": st.column_config.NumberColumn(format="%.4f")})
ui.export_row({"view": "published laws", "laws": list(v["laws"]), "marked_C_flops": C_mark}, table,
              [law.source_id for law in selected], "frontier")
st.caption("Dotted curves are laws whose numbers could not be checked against the paper text here (see Data). "
           "Kaplan et al. count non-embedding parameters and C_min in PF-days (converted at 8.64e19 FLOPs); "
           "DeepSeek's model scale is non-embedding FLOPs per token M, drawn as N = M/6. Training runs use active "
           "parameters for MoE models and C as stated by their papers, else 6·N·D; hover names each source.")
