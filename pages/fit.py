"""Fit your runs: import a CSV, fit the Chinchilla and Kaplan forms, compare allocations."""
import math

import numpy as np
import pandas as pd
import streamlit as st

from lib import allocation, figures, ingest, ui
from lib.fitting import MODELS, FitError
from lib.laws import evaluate_loss, make_law
from lib.state import Field

PAGE = "fit"
ui.require_navigation()
laws = ui.published_laws()
alloc_laws = tuple(s for s, l in laws.items() if l.has_allocation)
FIELDS = (
    Field("ds", "choice", ui.DEMO_ID, choices=tuple(ui.dataset_ids()), label="Dataset"),
    Field("forms", "multi", ("chinchilla", "kaplan_nd"), choices=tuple(MODELS), label="Law forms"),
    Field("compare", "multi", tuple(s for s in ("hoffmann2022-eq10-unrounded", "besiroglu2024-refit")
                                    if s in laws), choices=alloc_laws, label="Published laws"),
)
K = {f.key: ui.wkey(PAGE, f) for f in FIELDS}


def do_import(data: bytes, filename: str):
    ss = st.session_state
    pick = {t: (None if ss[f"map.{t}"] == "—" else ss[f"map.{t}"]) for t in ingest.GUESSES}
    try:
        if pick["n_params"] is None or pick["loss"] is None:
            raise ingest.IngestError("Map the model-parameters column and the loss column.")
        res = ingest.import_csv(ui.user_con(), data, ingest.Mapping(**pick), ss.get("imp.name") or filename,
                                ss.get("imp.note", ""))
    except ingest.IngestError as e:
        ss["imp.error"] = str(e)
        return
    ss.pop("imp.error", None)
    ss[K["ds"]] = res.dataset_id
    ss["imp.done"] = (f"Imported {res.n_rows} runs as dataset {res.dataset_id}." if res.created else
                      f"These runs are already stored as dataset {res.dataset_id}; opened it.")


st.title("Fit your runs")
ui.url_view(PAGE, FIELDS)
ids = ui.dataset_ids()
if st.session_state[K["ds"]] not in ids:
    st.session_state[K["ds"]] = ui.DEMO_ID

with st.expander("Import runs from a CSV", expanded=False):
    st.markdown("One row per run: model parameters, training tokens **or** training compute (FLOPs, C = 6ND), "
                f"and final loss in nats/token. Up to {ingest.MAX_UPLOAD_BYTES // 2**20} MiB and "
                f"{ingest.MAX_ROWS:,} rows. Imports are stored on this server under a content hash, so a link "
                "to the fit opens for your team.")
    up = st.file_uploader("CSV file", type=["csv", "tsv", "txt"], key="imp.file")
    if up is not None:
        try:
            table = ingest.read_table(up.getvalue())
        except ingest.IngestError as e:
            st.error(str(e))
        else:
            st.dataframe(table.head(5), hide_index=True)
            guess = ingest.guess_mapping(table.columns)
            opts = ["—"] + list(table.columns)
            cols = st.columns(5)
            labels = {"n_params": "Parameters N", "n_tokens": "Tokens D", "compute_flops": "Compute C (FLOPs)",
                      "loss": "Loss", "run_name": "Run name (optional)"}
            for i, (t, lab) in enumerate(labels.items()):
                cols[i].selectbox(lab, opts, index=opts.index(guess[t]) if guess[t] else 0, key=f"map.{t}")
            st.text_input("Dataset name", value=up.name[:100], key="imp.name", max_chars=200)
            st.text_input("Note (optional)", key="imp.note", max_chars=2000)
            st.button("Import", type="primary", on_click=do_import, args=(up.getvalue(), up.name))
    if "imp.error" in st.session_state:
        st.error(st.session_state["imp.error"] + " Nothing was stored.")
if "imp.done" in st.session_state:
    st.success(st.session_state.pop("imp.done"))

st.selectbox("Dataset", ids, key=K["ds"], format_func=ui.dataset_label)
st.multiselect("Law forms to fit", list(MODELS), key=K["forms"],
               format_func=lambda m: f"{MODELS[m].law_form} — {MODELS[m].citation}")
st.multiselect("Compare the allocation with published laws", alloc_laws, key=K["compare"],
               format_func=lambda s: laws[s].label)
v = ui.sync_url(PAGE, FIELDS)

runs = ui.runs(v["ds"])
st.caption(f"{len(runs)} runs · N {runs['n_params'].min():.3g}–{runs['n_params'].max():.3g} · "
           f"C {runs['compute_flops'].min():.3g}–{runs['compute_flops'].max():.3g} FLOPs")
results, fitted_laws, residuals, rows = {}, {}, {}, []
COLORS = {m: figures.PALETTE[i + 1] for i, m in enumerate(MODELS)}
with st.spinner("Fitting (Huber δ = 1e-3 on log loss, L-BFGS from the Hoffmann et al. start grid) …"):
    for m in v["forms"]:
        try:
            r = ui.fit(v["ds"], m)
        except FitError as e:
            st.error(f"{MODELS[m].law_form}: {e}")
            continue
        results[m] = r
        law = make_law(f"fit-{m}", r.law_form, r.p, name=f"fit: {r.law_form}", citation="your runs",
                       locator=MODELS[m].citation)
        fitted_laws[m] = law
        pred = evaluate_loss(law, runs["n_params"].to_numpy(), runs["n_tokens"].to_numpy())
        residuals[law.name] = pred / runs["loss"].to_numpy() - 1.0
        rows.append({"form": r.law_form, "parameters": ", ".join(f"{k} = {val:.5g}" for k, val in r.p.items()),
                     "objective": f"{r.objective:.6g}", "converged": r.converged,
                     "starts at best": f"{r.n_at_best}/{r.n_refined}", "at bounds": ", ".join(r.at_bounds) or "none",
                     "rms log-residual": f"{r.residual_rms:.4f}"})
        for w in r.warnings:
            st.warning(f"{r.law_form}: {w}. Treat this fit as unreliable.")

if rows:
    st.subheader("Fitted parameters and diagnostics")
    st.dataframe(pd.DataFrame(rows), hide_index=True)
c_lo, c_hi = math.log10(runs["compute_flops"].min()), math.log10(runs["compute_flops"].max())
grid = np.logspace(c_lo - 0.5, c_hi + 2, 60)
fronts = [{**allocation.compute_optimal(l, grid), "name": l.name, "citation": "your runs", "locator": l.locator,
           "color": COLORS[m]} for m, l in fitted_laws.items()]
left, right = st.columns(2)
left.plotly_chart(figures.runs_figure(runs, fronts), key="runs")
if residuals:
    right.plotly_chart(figures.residuals_figure(runs, residuals, {fitted_laws[m].name: COLORS[m] for m in fitted_laws}),
                       key="resid")
published = [{**ui.frontier(s, math.log10(grid[0]), math.log10(grid[-1])), "name": laws[s].name, "citation": laws[s].citation,
              "locator": laws[s].locator, "dash": "dot", "color": figures.PALETTE[(4 + i) % len(figures.PALETTE)]}
             for i, s in enumerate(v["compare"])]
st.plotly_chart(figures.frontier_figure(fronts + published, "N", "Compute-optimal parameters: your fit vs published"),
                key="alloc")
st.download_button("Download runs with fitted predictions (CSV)",
                   runs.assign(**{f"pred_{k}": evaluate_loss(l, runs["n_params"], runs["n_tokens"])
                                  for k, l in fitted_laws.items()}).to_csv(index=False), "runs_fit.csv", "text/csv")
