"""Published laws: each selected law's compute-optimal frontier on log axes."""
import pandas as pd
import streamlit as st

from scaling_explorer import figures, views
from scaling_explorer.app import cache, charts, exports, widgets
from scaling_explorer.plan import frontier_rows
from scaling_explorer.state import Field
from scaling_explorer.units import dash_columns, fmt_sci

PAGE = "laws"
widgets.require_navigation()
laws = {s: lw for s, lw in cache.published_laws().items() if lw.kind in ("loss_nd", "loss_1d", "allocation")}
# Verified laws only. Until 2026-12 the default began with the unrounded Eq. 10 (UNVERIFIED): links
# written then that omit `laws` reopen on it (Field.legacy).
DEFAULT = ("besiroglu2024-refit", "hoffmann2022-eq10", "kaplan2020-nopt", "deepseek2024-alloc")
LEGACY = ("hoffmann2022-eq10-unrounded", "besiroglu2024-refit", "kaplan2020-nopt", "deepseek2024-alloc")
FIELDS = (
    Field("laws", "multi", tuple(s for s in DEFAULT if s in laws), choices=tuple(laws), allow_empty=True, label="Laws",
          legacy=tuple(s for s in LEGACY if s in laws), names=tuple((s, laws[s].name) for s in LEGACY if s in laws)),
    Field("C", "log10", 24.0, lo=18.0, hi=27.0, step=0.1, label="Marked compute budget"),
    Field("runs", "choice", "on", choices=("on", "off"), label="Documented training runs"),
)
K = widgets.keys(PAGE, FIELDS)

st.title("Published scaling laws")
st.caption("Compute-optimal frontiers as the papers publish them. Losses from different datasets and "
           "tokenizers compare in shape, not in absolute value.")
widgets.url_view(PAGE, FIELDS)
st.multiselect("Laws", options=list(laws), key=K["laws"], placeholder="Pick one or more laws",
               format_func=lambda s: laws[s].name + ("" if laws[s].verified else " (UNVERIFIED)"),
               help="Each law's paper is named in the legends and in the table below.")
widgets.log_slider(PAGE, FIELDS[1], "FLOPs", help="Marks a budget on every chart and in the table below.")
st.radio("Overlay documented training runs (GPT-3, Chinchilla, Llama, Qwen, DeepSeek, …)", FIELDS[2].choices,
         key=K["runs"], horizontal=True)
v = widgets.sync_url(PAGE, FIELDS)

selected = [laws[s] for s in v["laws"]]
if not selected:
    st.info("Pick at least one law above.")
    st.stop()
curves = [{**cache.frontier(lw.slug, 18.0, 27.0), "citation": lw.citation, "locator": lw.locator,
           "dash": "solid" if lw.verified else "dot"} for lw in selected]
curves = [{**c, "name": c["label"]} for c in curves]

C_mark = 10 ** v["C"]
panels = (("loss", "Predicted loss along the frontier"), ("N", "Compute-optimal parameters N*(C)"),
          ("D", "Compute-optimal tokens D*(C)"), ("tokens_per_param", "Tokens per parameter D*/N*"))
overlay = figures.runs_for_overlay(cache.notable_runs()) if v["runs"] == "on" else None
# one legend for the four panels (same laws, same colours): drawn once, unchanged when the budget moves
charts.plotly_chart(figures.legend_figure(curves, 20.0, overlay), key="fig-legend", config={"displayModeBar": False},
                    fit_legend=True)
for row in (panels[:2], panels[2:]):     # a row at a time: on a phone they stack as loss, N*, D*, D*/N*
    for col, (q, title) in zip(st.columns(2), row):
        fig = figures.frontier_figure(curves, q, title, reference_ratio=20.0, marker_C=C_mark, runs=overlay,
                                      legend=False)
        with col:
            charts.plotly_chart(fig, key=f"fig-{q}", config=exports.chart_config(f"frontier_{q}"))

one_d = views.single_variable_panel(selected)
if one_d:
    charts.plotly_chart(figures.single_variable_figure(one_d), key="fig-1d",
                        config=exports.chart_config("single_variable"))

table = pd.DataFrame(frontier_rows(selected, C_mark))
st.subheader(f"At C = {fmt_sci(C_mark)} FLOPs")
# N*, D* stay numbers, "—" where a law has no allocation (placeholder; Streamlit would print None); C is shown
# as text through a Styler (the grid refuses a float ≥ 2^53 in a number column) and stays a number underneath.
st.dataframe(dash_columns(table, {"D*/N*": "float", "loss (nats/token)": "loss"}).style.format({"C (FLOPs)": fmt_sci}),
             hide_index=True, placeholder="—", column_config=widgets.law_table_config() | {
                 "C (FLOPs)": st.column_config.TextColumn()})
exports.export_row({"view": "published laws", "laws": list(v["laws"]), "marked_C_flops": C_mark}, table,
                   [lw.source_id for lw in selected], "frontier")
st.caption("Dotted curves are laws whose numbers could not be checked against the paper text here (see Data). "
           "Each law's N counts what its paper counts (named in the legend when not total parameters): Kaplan "
           "et al. count non-embedding parameters and C_min in PF-days (converted at 8.64e19 FLOPs); DeepSeek's "
           "model scale is non-embedding FLOPs per token M, drawn as N = M/6. Compare them in one convention on "
           "the Budget planner. Training runs use active parameters for MoE models and C as stated by their "
           "papers, else 6·N·D; hover names each source.")
