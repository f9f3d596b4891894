"""Fit your runs: import a CSV, fit law forms with diagnostics, bootstrap bands, back-test,
compare allocations with published laws, or fit any form to any columns."""
import json
import math

import numpy as np
import pandas as pd
import streamlit as st

from lib import cache, exports, figures, ingest, widgets
from lib.fitting import FitError
from lib.forms import FIT_FORMS as FORMS
from lib.laws import evaluate_loss
from lib.plan import frontier
from lib.state import Field

PAGE = "fit"
widgets.require_navigation()
laws = cache.published_laws()
alloc_laws = tuple(s for s, l in laws.items() if l.has_allocation)
ids = cache.dataset_ids()
FIELDS = (
    Field("ds", "choice", cache.DEMO_ID, choices=tuple(ids), label="Dataset"),
    Field("forms", "multi", ("chinchilla", "kaplan_nd"), choices=cache.RUN_FORMS, label="Law forms"),
    Field("compare", "multi", tuple(s for s in ("hoffmann2022-eq10-unrounded", "besiroglu2024-refit")
                                    if s in laws), choices=alloc_laws, label="Published laws"),
    Field("boot", "choice", "0", choices=("0", "200", "1000"), label="Bootstrap resamples"),
    Field("seed", "int", 0, lo=0, hi=2**31 - 1, label="Bootstrap seed"),
    Field("hold", "choice", "20", choices=("0", "10", "20", "30"), label="Back-test hold-out"),
    Field("af", "choice", "none", choices=("none",) + tuple(FORMS), label="Form for your columns"),
    Field("afcols", "multi", (), choices=(), label="Columns"),
    Field("lam", "float", 0.999, lo=0.0, hi=0.99999, label="Annealing decay factor"),
)
K = {f.key: widgets.wkey(PAGE, f) for f in FIELDS}
COLORS = {m: figures.PALETTE[i + 1] for i, m in enumerate(cache.RUN_FORMS)}


def do_import(data: bytes, filename: str):
    ss = st.session_state
    pick = {t: (None if ss[f"map.{t}"] == "—" else ss[f"map.{t}"]) for t in ingest.GUESSES}
    try:
        standard = pick["n_params"] is not None or pick["loss"] is not None
        if standard and (pick["n_params"] is None or pick["loss"] is None):
            raise ingest.IngestError("Map both the model-parameters column and the loss column, or neither "
                                     "(to store the columns only, e.g. a loss curve).")
        res = ingest.import_csv(cache.user_con(), data, ingest.Mapping(**pick) if standard else None,
                                ss.get("imp.name") or filename, ss.get("imp.note", ""),
                                compute_unit=ss.get("imp.cunit", "FLOPs"), param_convention=ss.get("imp.pconv", "total"))
    except ingest.IngestError as e:
        ss["imp.error"] = str(e)
        return
    ss.pop("imp.error", None)
    ss[K["ds"]] = res.dataset_id
    ss[K["afcols"]] = []
    what = "runs" if standard else "rows (columns only: fit them below with any law form)"
    ss["imp.done"] = (f"Imported {res.n_rows} {what} as dataset {res.dataset_id}." if res.created else
                      f"This upload is already stored as dataset {res.dataset_id}; opened it.")


st.title("Fit your runs")
# the columns a link may name depend on its dataset: decode that first
raw_ds = st.query_params.get("ds", cache.DEMO_ID)
cols_now = list(cache.table(raw_ds if raw_ds in ids else cache.DEMO_ID).columns)
FIELDS = FIELDS[:7] + (Field("afcols", "multi", (), choices=tuple(cols_now), label="Columns"),) + FIELDS[8:]
widgets.url_view(PAGE, FIELDS)
if st.session_state[K["ds"]] not in ids:
    st.session_state[K["ds"]] = cache.DEMO_ID

with st.expander("Import runs from a CSV", expanded=False):
    st.markdown("One row per run: model parameters, training tokens **or** training compute (FLOPs, C = 6ND), "
                "and final loss in nats/token — or any numeric columns (say step, lr, loss) to fit a form of your "
                f"choice below. Up to {ingest.MAX_UPLOAD_BYTES // 2**20} MiB and {ingest.MAX_ROWS:,} rows. Imports "
                "are stored on this server under a content hash, so a link to the fit opens for your team.")
    up = st.file_uploader("CSV or Parquet file", type=["csv", "tsv", "txt", "parquet"], key="imp.file")
    if up is not None:
        try:
            preview = ingest.read_table(up.getvalue())
        except ingest.IngestError as e:
            st.error(str(e) + " Nothing was stored.")
        else:
            st.dataframe(preview.head(5), hide_index=True)
            guess = ingest.guess_mapping(preview.columns)
            if guess["n_params"] is None:      # no parameter column: store the columns only
                guess = {k: (v if k == "run_name" else None) for k, v in guess.items()}
            opts = ["—"] + list(preview.columns)
            labels = {"n_params": "Parameters N", "n_tokens": "Tokens D", "compute_flops": "Compute C (FLOPs)",
                      "loss": "Loss", "run_name": "Run name (optional)"}
            for col, (t, lab) in zip(st.columns(5), labels.items()):
                col.selectbox(lab, opts, index=opts.index(guess[t]) if guess[t] else 0, key=f"map.{t}")
            u1, u2 = st.columns(2)
            u1.selectbox("Compute column is in", list(ingest.COMPUTE_UNITS), key="imp.cunit",
                         help="PF-days are converted at 8.64e19 FLOPs each; the store keeps FLOPs.")
            u2.selectbox("Parameters count", list(ingest.PARAM_CONVENTIONS), key="imp.pconv",
                         help="Stored with the dataset: laws fitted on non-embedding or active counts are not "
                              "comparable with total-parameter laws.")
            st.text_input("Dataset name", value=up.name[:100], key="imp.name", max_chars=200)
            st.text_input("Note (optional)", key="imp.note", max_chars=2000)
            st.button("Import", type="primary", on_click=do_import, args=(up.getvalue(), up.name))
    if "imp.error" in st.session_state:
        st.error(st.session_state["imp.error"] + " Nothing was stored.")
if "imp.done" in st.session_state:
    st.success(st.session_state.pop("imp.done"))

st.selectbox("Dataset", ids, key=K["ds"], format_func=cache.dataset_label)
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

ds = st.session_state[K["ds"]]
runs = cache.runs(ds)
tbl = cache.table(ds)
if tbl.columns.tolist() != cols_now:     # the dataset changed in this session: columns follow it
    st.session_state[K["afcols"]] = []
    FIELDS = FIELDS[:7] + (Field("afcols", "multi", (), choices=tuple(tbl.columns), label="Columns"),) + FIELDS[8:]

# ---- the standard run forms ----------------------------------------------------------------
forms = list(st.session_state[K["forms"]])
n_boot, seed = int(st.session_state[K["boot"]]), int(st.session_state[K["seed"]])
results, fitted, residuals, rows, boots = {}, {}, {}, [], {}
if len(runs):
    st.caption(f"{len(runs)} runs · N {runs['n_params'].min():.3g}–{runs['n_params'].max():.3g} · "
               f"C {runs['compute_flops'].min():.3g}–{runs['compute_flops'].max():.3g} FLOPs")
    with st.spinner("Fitting (Huber δ = 1e-3 on log loss, L-BFGS-B from the best starts of the initialisation grid) …"):
        for m in forms:
            try:
                r = cache.fit(ds, m)
            except FitError as e:
                st.error(f"{FORMS[m].title}: {e}")
                continue
            results[m] = r
            law = cache.law(cache.fitted_slug(ds, m))
            fitted[m] = law
            pred = evaluate_loss(law, runs["n_params"].to_numpy(), runs["n_tokens"].to_numpy())
            residuals[f"fit: {FORMS[m].title}"] = pred / runs["loss"].to_numpy() - 1.0
            if n_boot:
                boots[m] = cache.bootstrap(ds, m, n_boot, seed)
            se, ci = (boots[m].se(), boots[m].ci()) if m in boots else ({}, {})
            rows.append({"form": FORMS[m].title, "parameters": ", ".join(
                f"{k} = {val:.5g}" + (f" ± {se[k]:.2g}" if k in se else "") for k, val in r.p.items()),
                "95% CI": "; ".join(f"{k} {lo:.4g}–{hi:.4g}" for k, (lo, hi) in ci.items()) or "bootstrap off",
                "objective": f"{r.objective:.6g}", "converged": r.converged,
                "starts at best": f"{r.n_at_best}/{r.n_refined}", "at bounds": ", ".join(r.at_bounds) or "none",
                "rms log-residual": f"{r.residual_rms:.4f}"})
            for w in r.warnings:
                st.warning(f"{FORMS[m].title}: {w}. Treat this fit as unreliable.")
else:
    st.info("This dataset has no mapped parameter/loss columns: use 'Fit any law form to your columns' below.")

v = widgets.sync_url(PAGE, FIELDS)

if rows:
    st.subheader("Fitted parameters and diagnostics")
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    if boots:
        st.caption(f"± is the bootstrap standard error over {n_boot} resamples of the runs (seed {seed}); "
                   "bands below are 95% bootstrap intervals.")
if fitted:
    grid = np.logspace(math.log10(runs["compute_flops"].min()) - 0.5, math.log10(runs["compute_flops"].max()) + 2, 60)
    fronts, bands_loss, bands_n = [], {}, {}
    for m, law in fitted.items():
        fronts.append({**frontier(law, grid), "name": f"fit: {FORMS[m].title}", "citation": "your runs",
                       "locator": law.locator, "color": COLORS[m]})
        if m in boots:
            bands_loss[fronts[-1]["name"]], bands_n[fronts[-1]["name"]] = cache.bootstrap_curves(
                ds, m, n_boot, seed, math.log10(grid[0]), math.log10(grid[-1]), len(grid))
    left, right = st.columns(2)
    left.plotly_chart(figures.runs_figure(runs, fronts, bands=bands_loss), key="runs")
    right.plotly_chart(figures.residuals_figure(runs, residuals, {f"fit: {FORMS[m].title}": COLORS[m] for m in fitted}),
                       key="resid")
    published = [{**cache.frontier(s, math.log10(grid[0]), math.log10(grid[-1])), "name": laws[s].name,
                  "citation": laws[s].citation, "locator": laws[s].locator, "dash": "dot",
                  "color": figures.PALETTE[(4 + i) % len(figures.PALETTE)]} for i, s in enumerate(v["compare"])]
    st.plotly_chart(figures.frontier_figure(fronts + published, "N", "Compute-optimal parameters: your fit vs "
                                            "published", bands=bands_n), key="alloc")

    hold = int(v["hold"])
    if hold:
        st.subheader("Back-test: which form extrapolates best on these runs?")
        bt = pd.DataFrame(cache.backtest(ds, tuple(fitted), hold / 100))
        st.caption(f"Each form is refitted on the runs up to the {100 - hold}th compute percentile "
                   f"(≤ {bt['cutoff_flops'].iloc[0]:.3g} FLOPs) and predicts the {hold}% largest.")
        show = bt.assign(form=bt["form"].map(lambda m: FORMS[m].title))
        st.dataframe(show, hide_index=True, column_config={
            "median_abs_rel_err": st.column_config.NumberColumn("median |error|", format="percent"),
            "max_abs_rel_err": st.column_config.NumberColumn("max |error|", format="percent"),
            "mean_rel_err": st.column_config.NumberColumn("mean signed error", format="percent"),
            "cutoff_flops": st.column_config.NumberColumn("cutoff (FLOPs)", format="%.3e")})

    export = {"dataset": ds, "n_runs": int(len(runs)), "bootstrap": {"resamples": n_boot, "seed": seed},
              "fits": {m: {"form": FORMS[m].title, "citation": FORMS[m].citation, "params": results[m].p,
                           "objective": results[m].objective, "converged": results[m].converged,
                           "at_bounds": list(results[m].at_bounds),
                           "bootstrap_se": boots[m].se() if m in boots else None} for m in results}}
    d1, d2 = st.columns(2)
    d1.download_button("Download runs with fitted predictions (CSV)",
                       runs.assign(**{f"pred_{m}": evaluate_loss(l, runs["n_params"], runs["n_tokens"])
                                      for m, l in fitted.items()}).to_csv(index=False), "runs_fit.csv", "text/csv")
    d2.download_button("Download the fit (JSON)", json.dumps(export, indent=2), "fit.json", "application/json")

# ---- any form, any columns -----------------------------------------------------------------
st.subheader("Fit any law form to your columns")
st.selectbox("Law form", FIELDS[6].choices, key=K["af"],
             format_func=lambda m: "— choose a form —" if m == "none" else f"{FORMS[m].title} ({FORMS[m].citation})")
af = st.session_state[K["af"]]
if af != "none":
    form = FORMS[af]
    st.latex(form.latex)
    names = ["step", "learning rate at that step"] if af == "lr_anneal" else list(form.inputs)
    names.append(f"target: {form.target}")
    have = list(st.session_state.get(K["afcols"], []))
    cols = list(tbl.columns)
    picked = []
    for i, (col, name) in enumerate(zip(st.columns(len(names)), names)):
        key = f"fit.afcol.{af}.{i}"
        if key not in st.session_state:
            st.session_state[key] = have[i] if i < len(have) and have[i] in cols else (cols[min(i, len(cols) - 1)]
                                                                                      if cols else None)
        picked.append(col.selectbox(name, cols, key=key))
    if af == "lr_anneal":
        st.number_input("Annealing decay factor λ for S2 (the paper's exact definition and default could not be "
                        "checked here)", 0.0, 0.99999, step=0.001, format="%.5f", key=K["lam"])
    st.session_state[K["afcols"]] = [p for p in picked if p]
    v = widgets.sync_url(PAGE, FIELDS)
    if len(picked) == len(names) and all(picked):
        try:
            r, X = cache.fit_columns(ds, af, tuple(picked), float(st.session_state[K["lam"]]))
        except (FitError, ValueError) as e:
            st.error(f"{form.title}: {e}")
        else:
            st.dataframe(pd.DataFrame([{"parameters": ", ".join(f"{k} = {val:.5g}" for k, val in r.p.items()),
                                        "objective": f"{r.objective:.6g}", "converged": r.converged,
                                        "starts at best": f"{r.n_at_best}/{r.n_refined}",
                                        "at bounds": ", ".join(r.at_bounds) or "none",
                                        "rms log-residual": f"{r.residual_rms:.4f}"}]), hide_index=True)
            for w in r.warnings:
                st.warning(f"{form.title}: {w}. Treat this fit as unreliable.")
            x_name = picked[0]   # the first input (the step, for the loss-curve form)
            st.plotly_chart(figures.observed_vs_fit_figure(tbl[x_name].to_numpy(), tbl[picked[-1]].to_numpy(),
                                                           form.predict(r.theta, X), x_name, picked[-1],
                                                           form.title), key="anyfit")
elif not len(tbl.columns):
    st.caption("This dataset has no numeric columns stored.")
