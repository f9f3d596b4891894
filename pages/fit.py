"""Fit your runs: import a file (checked before anything is stored) or open a public dataset, fit law
forms (symmetric or frontier loss; all runs or the best per (N, D) cell; loss curves reduced per run)
with diagnostics, bootstrap bands, back-test, compare allocations with published laws, or fit any
form to any columns."""
import math

import numpy as np
import pandas as pd
import streamlit as st

from scaling_explorer import figures, views
from scaling_explorer.app import cache, charts, fit_views, guard, upload, widgets, workspaces
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
    Field("compare", "multi", tuple(s for s in ("besiroglu2024-refit", "hoffmann2022-eq10") if s in laws),
          choices=alloc_laws, allow_empty=True, label="Published laws",   # verified; see Field.legacy
          legacy=tuple(s for s in ("hoffmann2022-eq10-unrounded", "besiroglu2024-refit") if s in laws),
          names=tuple((s, laws[s].name) for s in alloc_laws)),
    Field("boot", "choice", "0", choices=("0", "200", "1000"), label="Bootstrap resamples"),
    Field("seed", "int", 0, lo=0, hi=2**31 - 1, label="Bootstrap seed"),
    Field("hold", "choice", "20", choices=("0", "10", "20", "30"), label="Back-test hold-out"),
    Field("af", "choice", "none", choices=("none",) + tuple(FORMS), label="Form for your columns"),
    Field("afcols", "multi", (), choices=cols_now, label="Columns"),
    Field("lam", "float", 0.999, lo=0.0, hi=0.99999, label="Annealing decay factor"),
    Field("loss", "choice", "huber", choices=("huber", "frontier"), label="Fit loss"),
    Field("pick", "choice", "all", choices=("all", "best"), label="Runs to fit"),
    Field("curve", "choice", "final", choices=("final", "annealed", "checkpoints"), label="Loss-curve points"),
)
K = widgets.keys(PAGE, FIELDS)
COLORS = {m: figures.PALETTE[i + 1] for i, m in enumerate(cache.RUN_FORMS)}

st.title("Fit your runs")
widgets.url_view(PAGE, FIELDS)
workspaces.panel(K["ds"])
workspaces.deleted_link(raw_ds, K["ds"])
if st.session_state[K["ds"]] not in ids:
    st.session_state[K["ds"]] = cache.DEMO_ID
upload.import_panel(K["ds"], K["afcols"])
if "imp.done" in st.session_state:
    st.success(st.session_state.pop("imp.done"))

st.selectbox("Dataset", ids, key=K["ds"], format_func=cache.dataset_label)
upload.registry_panel(K["ds"], K["afcols"])
ds = st.session_state[K["ds"]]
workspaces.manage(ds, K["ds"])
tbl = pd.DataFrame()
with guard.section("fit and draw this dataset", ds):
    runs, tbl = cache.runs(ds), cache.table(ds)
    if tuple(tbl.columns) != cols_now:     # the dataset changed in this session: columns follow it
        st.session_state[K["afcols"]] = []
        FIELDS = FIELDS[:7] + (Field("afcols", "multi", (), choices=tuple(tbl.columns), label="Columns"),) + FIELDS[8:]
    if len(runs):
        c1, c2 = st.columns(2)
        c1.multiselect("Law forms to fit", cache.RUN_FORMS, key=K["forms"], wrap=True,
                       format_func=lambda m: f"{FORMS[m].title} — {FORMS[m].citation}")
        c2.multiselect("Compare the allocation with published laws", alloc_laws, key=K["compare"], wrap=True,
                       format_func=lambda s: laws[s].label)
        c1, c2, c3 = st.columns(3)
        c1.selectbox("Bootstrap resamples (uncertainty bands)", FIELDS[3].choices, key=K["boot"],
                     format_func=lambda n: "off" if n == "0" else f"{n} resamples")
        c2.number_input("Bootstrap seed", 0, 2**31 - 1, step=1, key=K["seed"])
        c3.selectbox("Back-test: hold out the largest runs", FIELDS[5].choices, key=K["hold"],
                     format_func=lambda h: "off" if h == "0" else f"{h}% by compute")
        loss, mode, how, prep = fit_views.fit_choices(ds, K)
        runs = prep.rows if prep is not None else runs
        st.caption(f"{len(runs)} runs fitted · N {runs['n_params'].min():.3g}–{runs['n_params'].max():.3g} · "
                   f"C {runs['compute_flops'].min():.3g}–{runs['compute_flops'].max():.3g} FLOPs")
    else:
        st.info("This dataset has no mapped parameter/loss columns: use 'Fit any law form to your columns' below.")
        loss, mode, how, prep = "huber", "all", "final", None
    forms = list(st.session_state[K["forms"]]) if len(runs) and prep is not None else []
    n_boot, seed = int(st.session_state[K["boot"]]), int(st.session_state[K["seed"]])
    results, fitted, boots = fit_views.fit_forms(ds, forms, loss, mode, how, n_boot, seed) if forms else ({}, {}, {})
    v = widgets.sync_url(PAGE, FIELDS)

    if results:
        st.subheader("Fitted parameters and diagnostics")
        st.dataframe(pd.DataFrame(views.fit_rows(results, {m: FORMS[m].title for m in results}, boots)),
                     hide_index=True)
        if boots:
            st.caption(fit_views.boot_caption(prep, n_boot, seed))
        fit_views.plan_links(ds, tuple(fitted), loss, mode, how)
        preds = views.fit_predictions(fitted, runs)
        lo_c, hi_c = math.log10(runs["compute_flops"].min()) - 0.5, math.log10(runs["compute_flops"].max()) + 2
        grid = np.logspace(lo_c, hi_c, 60)
        fronts, bands_loss, bands_n = [], {}, {}
        for m, law in fitted.items():
            name = f"fit: {FORMS[m].title}"
            fronts.append({**frontier(law, grid), "name": name, "citation": "your runs", "locator": law.locator,
                           "color": COLORS[m]})
            if m in boots:
                bands_loss[name], bands_n[name] = cache.bootstrap_curves(ds, m, n_boot, seed, lo_c, hi_c, len(grid),
                                                                         (loss, mode, how))
        left, right = st.columns(2)
        with left:
            charts.plotly_chart(figures.runs_figure(runs, fronts, bands=bands_loss), key="runs")
        with right:
            charts.plotly_chart(figures.residuals_figure(
                runs, {f"fit: {FORMS[m].title}": p / runs["loss"].to_numpy() - 1.0 for m, p in preds.items()},
                {f"fit: {FORMS[m].title}": COLORS[m] for m in fitted}), key="resid")
        published = [{**cache.frontier(s, lo_c, hi_c), "name": laws[s].name, "citation": laws[s].citation,
                      "locator": laws[s].locator, "dash": "dot",
                      "color": figures.PALETTE[(4 + i) % len(figures.PALETTE)]}
                     for i, s in enumerate(v["compare"])]
        charts.plotly_chart(figures.frontier_figure(fronts + published, "N", "Compute-optimal parameters: your fit "
                                                    "vs published", bands=bands_n), key="alloc")
        if int(v["hold"]):
            with guard.section("back-test the fits", ds):
                fit_views.backtest_panel(ds, tuple(fitted), int(v["hold"]), loss, prep)
        d1, d2 = st.columns(2)
        d1.download_button("Download runs with fitted predictions (CSV)", runs.assign(
            **{f"pred_{m}": p for m, p in preds.items()}).to_csv(index=False), "runs_fit.csv", "text/csv")
        d2.download_button("Download the fit (JSON)",
                           fit_views.export_json(ds, results, boots, n_boot, seed, loss, prep), "fit.json",
                           "application/json")

with guard.section("fit your columns", ds):
    fit_views.any_form(ds, tbl, PAGE, FIELDS, K)
