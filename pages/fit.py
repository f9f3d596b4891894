"""Fit your runs: import a file (checked before anything is stored), fit law forms with diagnostics,
bootstrap bands, back-test, compare allocations with published laws, or fit any form to any columns."""
import json
import math

import numpy as np
import pandas as pd
import streamlit as st

from scaling_explorer import figures, views
from scaling_explorer.app import cache, fit_views, upload, widgets
from scaling_explorer.fitting import FitError
from scaling_explorer.forms import FIT_FORMS as FORMS
from scaling_explorer.plan import frontier
from scaling_explorer.state import Field

PAGE = "fit"
widgets.require_navigation()
laws = cache.published_laws()
alloc_laws = tuple(s for s, lw in laws.items() if lw.has_allocation)
ids = cache.dataset_ids()
# the columns a link may name depend on its dataset: read that first
raw_ds = st.query_params.get("ds", cache.DEMO_ID)
cols_now = tuple(cache.table(raw_ds if raw_ds in ids else cache.DEMO_ID).columns)
FIELDS = (
    Field("ds", "choice", cache.DEMO_ID, choices=tuple(ids), label="Dataset"),
    Field("forms", "multi", ("chinchilla", "kaplan_nd"), choices=cache.RUN_FORMS, allow_empty=True, label="Law forms"),
    Field("compare", "multi", tuple(s for s in ("hoffmann2022-eq10-unrounded", "besiroglu2024-refit")
                                    if s in laws), choices=alloc_laws, allow_empty=True, label="Published laws"),
    Field("boot", "choice", "0", choices=("0", "200", "1000"), label="Bootstrap resamples"),
    Field("seed", "int", 0, lo=0, hi=2**31 - 1, label="Bootstrap seed"),
    Field("hold", "choice", "20", choices=("0", "10", "20", "30"), label="Back-test hold-out"),
    Field("af", "choice", "none", choices=("none",) + tuple(FORMS), label="Form for your columns"),
    Field("afcols", "multi", (), choices=cols_now, label="Columns"),
    Field("lam", "float", 0.999, lo=0.0, hi=0.99999, label="Annealing decay factor"),
)
K = widgets.keys(PAGE, FIELDS)
COLORS = {m: figures.PALETTE[i + 1] for i, m in enumerate(cache.RUN_FORMS)}

st.title("Fit your runs")
widgets.url_view(PAGE, FIELDS)
if st.session_state[K["ds"]] not in ids:
    st.session_state[K["ds"]] = cache.DEMO_ID
upload.import_panel(K["ds"], K["afcols"])
if "imp.done" in st.session_state:
    st.success(st.session_state.pop("imp.done"))

st.selectbox("Dataset", ids, key=K["ds"], format_func=cache.dataset_label)
ds = st.session_state[K["ds"]]
runs, tbl = cache.runs(ds), cache.table(ds)
if tuple(tbl.columns) != cols_now:     # the dataset changed in this session: columns follow it
    st.session_state[K["afcols"]] = []
    FIELDS = FIELDS[:7] + (Field("afcols", "multi", (), choices=tuple(tbl.columns), label="Columns"),) + FIELDS[8:]
if len(runs):
    c1, c2 = st.columns(2)
    c1.multiselect("Law forms to fit", cache.RUN_FORMS, key=K["forms"],
                   format_func=lambda m: f"{FORMS[m].title} — {FORMS[m].citation}")
    c2.multiselect("Compare the allocation with published laws", alloc_laws, key=K["compare"],
                   format_func=lambda s: laws[s].label)
    c1, c2, c3 = st.columns(3)
    c1.selectbox("Bootstrap resamples (uncertainty bands)", FIELDS[3].choices, key=K["boot"],
                 format_func=lambda n: "off" if n == "0" else f"{n} resamples")
    c2.number_input("Bootstrap seed", 0, 2**31 - 1, step=1, key=K["seed"])
    c3.selectbox("Back-test: hold out the largest runs", FIELDS[5].choices, key=K["hold"],
                 format_func=lambda h: "off" if h == "0" else f"{h}% by compute")
    st.caption(f"{len(runs)} runs · N {runs['n_params'].min():.3g}–{runs['n_params'].max():.3g} · "
               f"C {runs['compute_flops'].min():.3g}–{runs['compute_flops'].max():.3g} FLOPs")
else:
    st.info("This dataset has no mapped parameter/loss columns: use 'Fit any law form to your columns' below.")
forms = list(st.session_state[K["forms"]]) if len(runs) else []
n_boot, seed = int(st.session_state[K["boot"]]), int(st.session_state[K["seed"]])
results, fitted, boots = {}, {}, {}
with st.spinner("Fitting (Huber δ = 1e-3 on log loss, L-BFGS-B from the best starts of the initialisation grid) …"):
    for m in forms:
        try:
            results[m] = cache.fit(ds, m)
        except FitError as e:
            st.error(f"{FORMS[m].title}: {e}")
            continue
        fitted[m] = cache.law(cache.fitted_slug(ds, m))
        boots.update({m: cache.bootstrap(ds, m, n_boot, seed)} if n_boot else {})
        for w in results[m].warnings:
            st.warning(f"{FORMS[m].title}: {w}. Treat this fit as unreliable.")
v = widgets.sync_url(PAGE, FIELDS)

if results:
    st.subheader("Fitted parameters and diagnostics")
    st.dataframe(pd.DataFrame(views.fit_rows(results, {m: FORMS[m].title for m in results}, boots)), hide_index=True)
    if boots:
        st.caption(f"± is the bootstrap standard error over {n_boot} resamples of the runs (seed {seed}); "
                   "bands below are 95% bootstrap intervals.")
    preds = views.fit_predictions(fitted, runs)
    lo_c, hi_c = math.log10(runs["compute_flops"].min()) - 0.5, math.log10(runs["compute_flops"].max()) + 2
    grid = np.logspace(lo_c, hi_c, 60)
    fronts, bands_loss, bands_n = [], {}, {}
    for m, law in fitted.items():
        name = f"fit: {FORMS[m].title}"
        fronts.append({**frontier(law, grid), "name": name, "citation": "your runs", "locator": law.locator,
                       "color": COLORS[m]})
        if m in boots:
            bands_loss[name], bands_n[name] = cache.bootstrap_curves(ds, m, n_boot, seed, lo_c, hi_c, len(grid))
    left, right = st.columns(2)
    left.plotly_chart(figures.runs_figure(runs, fronts, bands=bands_loss), key="runs")
    right.plotly_chart(figures.residuals_figure(
        runs, {f"fit: {FORMS[m].title}": p / runs["loss"].to_numpy() - 1.0 for m, p in preds.items()},
        {f"fit: {FORMS[m].title}": COLORS[m] for m in fitted}), key="resid")
    published = [{**cache.frontier(s, lo_c, hi_c), "name": laws[s].name, "citation": laws[s].citation,
                  "locator": laws[s].locator, "dash": "dot", "color": figures.PALETTE[(4 + i) % len(figures.PALETTE)]}
                 for i, s in enumerate(v["compare"])]
    st.plotly_chart(figures.frontier_figure(fronts + published, "N", "Compute-optimal parameters: your fit vs "
                                            "published", bands=bands_n), key="alloc")
    if int(v["hold"]):
        hold = int(v["hold"])
        st.subheader("Back-test: which form extrapolates best on these runs?")
        bt = pd.DataFrame(cache.backtest(ds, tuple(fitted), hold / 100))
        st.caption(f"Each form is refitted on the runs up to the {100 - hold}th compute percentile "
                   f"(≤ {bt['cutoff_flops'].iloc[0]:.3g} FLOPs) and predicts the {hold}% largest.")
        st.dataframe(bt.assign(form=bt["form"].map(lambda m: FORMS[m].title)), hide_index=True, column_config={
            "median_abs_rel_err": st.column_config.NumberColumn("median |error|", format="percent"),
            "max_abs_rel_err": st.column_config.NumberColumn("max |error|", format="percent"),
            "mean_rel_err": st.column_config.NumberColumn("mean signed error", format="percent"),
            "cutoff_flops": st.column_config.NumberColumn("cutoff (FLOPs)", format="%.3e")})
    export = views.fit_export(ds, int(len(runs)), results, boots, n_boot, seed)
    d1, d2 = st.columns(2)
    d1.download_button("Download runs with fitted predictions (CSV)", runs.assign(
        **{f"pred_{m}": p for m, p in preds.items()}).to_csv(index=False), "runs_fit.csv", "text/csv")
    d2.download_button("Download the fit (JSON)", json.dumps(export, indent=2), "fit.json", "application/json")

fit_views.any_form(ds, tbl, PAGE, FIELDS, K)
