"""Streamlit glue for the Fit page: the fit loss and sweep choices (all runs, best per cell,
frontier; loss curves reduced per run), the fits with their bootstraps, the back-test panel, and
the "fit any law form to your columns" panel."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from .. import figures, views
from ..fitting import FRONTIER_PENALTY, FitError
from ..forms import FIT_FORMS as FORMS
from ..sweeps import envelope, hyperparameter_columns
from . import cache, charts, guard, widgets

LOSS_LABELS = {"huber": "Symmetric Huber (default)", "frontier": "Frontier fit (asymmetric)"}
PICK_LABELS = {"all": "All runs", "best": "Best run per (N, D) cell"}
CURVE_LABELS = {"final": "last checkpoint", "annealed": "annealed point (lowest loss in the last 10% of steps)",
                "checkpoints": "every post-warmup checkpoint"}
FRONTIER_SENTENCE = (f"The frontier fit penalises over-predicting a run's loss {FRONTIER_PENALTY:g}× more than "
                     "under-predicting it, so on a sweep whose runs differ in learning rate, batch size or schedule "
                     "the law follows the best-tuned runs instead of the average run (OLMo-core's "
                     "overestimate_penalty); keep the symmetric fit for clean data.")


def _keep(key: str) -> None:
    """Keep a hidden widget's state (and so its URL value) alive across reruns."""
    st.session_state[key] = st.session_state[key]


def fit_choices(ds: str, K: dict):
    """The fit loss (always), the loss-curve reduction (loss curves only) and which runs of a sweep
    to fit (sweeps only), with the sweep's lower envelope. Returns (loss, mode, how, prepared rows),
    prepared None (and a plain message shown) when the runs cannot be fitted."""
    ss = st.session_state
    st.radio("Fit loss", tuple(LOSS_LABELS), key=K["loss"], horizontal=True, format_func=LOSS_LABELS.get,
             help=FRONTIER_SENTENCE)
    st.caption(FRONTIER_SENTENCE)
    loss = ss[K["loss"]]
    try:
        base = cache.fit_data(ds, "all", "final")
        if base.curves:
            st.radio("Loss curves: fit each run's", tuple(CURVE_LABELS), key=K["curve"], horizontal=True,
                     format_func=CURVE_LABELS.get)
        else:
            _keep(K["curve"])
        how = ss[K["curve"]] if base.curves else "final"
        every = cache.fit_data(ds, "all", how)
        if every.max_in_cell > 1:
            st.subheader("The sweep and its lower envelope")
            st.radio("Runs to fit", tuple(PICK_LABELS), key=K["pick"], horizontal=True, format_func=PICK_LABELS.get)
        else:
            _keep(K["pick"])
        mode = ss[K["pick"]] if every.max_in_cell > 1 else "all"
        prep = cache.fit_data(ds, mode, how)
    except Exception as e:
        guard.report("prepare these runs for fitting", e, ds)
        return loss, "all", "final", None
    for note in prep.notes:
        st.info(note)
    if every.max_in_cell > 1:
        hp = hyperparameter_columns(cache.table(ds)) if ds != cache.DEMO_ID else []
        st.caption(f"{every.n_all} runs in {every.n_cells} (N, D) cells, up to {every.max_in_cell} runs a cell"
                   + (f" (varying {', '.join(hp)})" if hp else "") + ". Three ways to fit it: all runs with the "
                   "symmetric fit (tracks the average run), the best run of each cell, or the frontier fit over all "
                   "runs (choose 'Frontier fit' above).")
        charts.plotly_chart(figures.sweep_figure(every.rows, envelope(every.rows)), key="sweep")
    return loss, mode, how, prep


def fit_forms(ds: str, forms, loss: str, mode: str, how: str, n_boot: int, seed: int):
    """Fit each form (and bootstrap it), showing failures and unreliable fits as plain messages.
    Returns (results, fitted laws, bootstraps) keyed by form."""
    results, fitted, boots = {}, {}, {}
    what = (f"frontier loss, over-prediction × {FRONTIER_PENALTY:g}" if loss == "frontier"
            else "Huber δ = 1e-3 on log loss")
    with st.spinner(f"Fitting ({what}; L-BFGS-B from the best starts) …"):
        for m in forms:
            try:
                results[m] = cache.fit(ds, m, loss, mode, how)
                fitted[m] = cache.fitted_law(ds, m, loss, mode, how)
            except Exception as e:
                guard.report(f"fit {FORMS[m].title}", e, ds)
                results.pop(m, None)
                fitted.pop(m, None)
                continue
            for w in results[m].warnings:
                st.warning(f"{FORMS[m].title}: {w}. Treat this fit as unreliable.")
            if n_boot:
                try:
                    boots[m] = cache.bootstrap(ds, m, n_boot, seed, loss, mode, how)
                except FitError as e:
                    st.warning(f"{FORMS[m].title}: no bootstrap ({e}).")
                except Exception as e:
                    guard.report(f"bootstrap {FORMS[m].title}", e, ds)
    return results, fitted, boots


def plan_links(ds: str, models, loss: str, mode: str, how: str) -> None:
    """Links that open the Budget planner on each fitted law with these settings (the planner offers
    the Fit page's default settings in its list; a link carries any other), in this workspace."""
    from .plan_views import link
    ws = cache.workspace()
    links = [f"[{widgets.md(FORMS[m].title)}](planner?{link(cache.fitted_slug(ds, m, loss, mode, how), ws)})"
             for m in models]
    st.markdown("Plan a budget with this fit: " + " · ".join(links))


def boot_caption(prep, n_boot: int, seed: int) -> str:
    what = (f"the {len(set(prep.groups))} runs (whole runs, each with its checkpoints: they are not independent)"
            if prep.groups is not None else "the runs")
    return (f"± is the bootstrap standard error over {n_boot} resamples of {what} (seed {seed}); bands below are 95% "
            "bootstrap intervals.")


def export_json(ds: str, results: dict, boots: dict, n_boot: int, seed: int, loss: str, prep) -> str:
    """The fit export: lib.views.fit_export plus the fit loss and which rows were fitted."""
    export = views.fit_export(ds, int(len(prep.rows)), results, boots, n_boot, seed) | {
        "loss": loss, "overestimate_penalty": FRONTIER_PENALTY if loss == "frontier" else 1.0,
        "runs_fitted": {"mode": prep.mode, "loss_curves": prep.how if prep.curves else None,
                        "bootstrap_resamples_runs": prep.groups is not None, "notes": list(prep.notes)}}
    return json.dumps(export, indent=2)


def backtest_panel(ds: str, models: tuple, hold: int, loss: str, prep) -> None:
    """Refit each form on the smaller runs and predict the largest: symmetric and frontier side by
    side on a sweep or when the frontier fit is chosen (on clean runs, the symmetric fit only)."""
    both = loss == "frontier" or prep.max_in_cell > 1
    st.subheader("Back-test: which form " + ("and which fit loss " if both else "") + "extrapolates best on these runs?")
    bt = pd.DataFrame(cache.backtest(ds, models, hold / 100, prep.mode, prep.how,
                                     ("huber", "frontier") if both else ("huber",)))
    if "median_abs_rel_err" not in bt:
        st.info(f"Nothing to back-test: {bt['error'].iloc[0]}.")
        return
    st.caption(f"Each form is refitted on the runs up to the {100 - hold}th compute percentile "
               f"(≤ {bt['cutoff_flops'].iloc[0]:.3g} FLOPs) and predicts the {hold}% largest"
               + (", with the symmetric and with the frontier loss. 'vs best' compares with the best held-out run "
                  "of each (N, D) cell, which is what a frontier fit aims at; a negative mean signed error means "
                  "the fit predicts lower losses." if both else
                  ". Choose the frontier fit above to compare it with the symmetric fit here."))
    bt = bt.assign(form=bt["form"].map(lambda m: FORMS[m].title), loss=bt["loss"].map(LOSS_LABELS.get))
    cols = [c for c in ("form", "loss", "n_train", "n_test", "median_abs_rel_err", "max_abs_rel_err", "mean_rel_err",
                        "envelope_median_abs_rel_err", "envelope_mean_rel_err", "reliable", "cutoff_flops", "error")
            if c in bt]
    errs = [c for c in cols if "err" in c and c != "error"]
    bt = bt.assign(**{c: 100 * bt[c] for c in errs})      # in percent, two decimals each: "2.00%" beside "1.18%"
    num = st.column_config.NumberColumn
    st.dataframe(bt[cols], hide_index=True, column_config={
        "loss": "fit loss",
        "median_abs_rel_err": num("median |error|", format="%.2f%%"),
        "max_abs_rel_err": num("max |error|", format="%.2f%%"),
        "mean_rel_err": num("mean signed error", format="%.2f%%"),
        "envelope_median_abs_rel_err": num("median |error| vs best", format="%.2f%%"),
        "envelope_mean_rel_err": num("mean signed error vs best", format="%.2f%%"),
        "cutoff_flops": num("cutoff (FLOPs)", format="%.3e")})
    if (bt["error"].fillna("") != "").any():
        st.caption("A fit that failed on the smaller runs says why in 'error'.")


def any_form(ds: str, tbl, page: str, fields, K: dict) -> None:
    """Pick a form, one column per input and a target; fit, show the diagnostics and the fit over the data."""
    st.subheader("Fit any law form to your columns")
    st.selectbox("Law form", fields[6].choices, key=K["af"],
                 format_func=lambda m: "— choose a form —" if m == "none" else f"{FORMS[m].title} ({FORMS[m].citation})")
    af = st.session_state[K["af"]]
    if af != "none":
        form = FORMS[af]
        st.latex(form.latex)
        names = (["step", "learning rate at that step"] if af == "lr_anneal" else list(form.inputs)) + \
            [f"target: {form.target}"]
        defaults = views.column_defaults(tbl.columns, len(names) - 1, st.session_state.get(K["afcols"], []))
        picked = []
        for i, (col, name) in enumerate(zip(st.columns(len(names)), names)):
            st.session_state.setdefault(f"fit.afcol.{af}.{i}", defaults[i])
            picked.append(col.selectbox(name, list(tbl.columns), key=f"fit.afcol.{af}.{i}"))
        if af == "lr_anneal":
            st.number_input("Annealing decay factor λ for S2 (the paper's exact definition and default could not be "
                            "checked here)", 0.0, 0.99999, step=0.001, format="%.5f", key=K["lam"])
        st.session_state[K["afcols"]] = [p for p in picked if p]
        widgets.sync_url(page, fields)
        if len(picked) == len(names) and all(picked):
            try:
                r, X = cache.fit_columns(ds, af, tuple(picked), float(st.session_state[K["lam"]]))
            except Exception as e:
                guard.report(f"fit {form.title} to these columns", e, ds)
            else:
                st.dataframe(pd.DataFrame(views.fit_rows({af: r}, {af: form.title}, {})).drop(columns=["95% CI"]),
                             hide_index=True)
                for w in r.warnings:
                    st.warning(f"{form.title}: {w}. Treat this fit as unreliable.")
                charts.plotly_chart(figures.observed_vs_fit_figure(
                    tbl[picked[0]].to_numpy(), tbl[picked[-1]].to_numpy(), form.predict(r.theta, X), picked[0],
                    picked[-1], form.title), key="anyfit")
    elif not len(tbl.columns):
        st.caption("This dataset has no numeric columns stored.")
