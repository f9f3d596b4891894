"""Law families: each family of LAWS.md on its natural axes, with the laws the store holds."""
import json

import numpy as np
import pandas as pd
import streamlit as st

from lib import allocation, figures, ui
from lib.laws import downstream_error, evaluate_1d, evaluate_loss, muennighoff_effective
from lib.state import Field

PAGE = "families"
ui.require_navigation()
laws = ui.published_laws()
FAMILIES = {
    "F1": "Power laws in N, D or C", "F2": "Chinchilla L(N, D) and compute-optimal allocation",
    "F3": "Over-training and inference-aware allocation", "F4": "Data-constrained: repetition",
    "F5": "Sparse / mixture-of-experts", "F6": "Precision and quantization", "F7": "Hyperparameters and schedules",
    "F8": "Inference-time scaling", "F9": "Downstream and benchmark scaling", "F10": "Broken and crossover laws",
    "F11": "Architecture comparison by curves", "F12": "Other domains",
}
FIELDS = (
    Field("fam", "choice", "F7", choices=tuple(FAMILIES), label="Family"),
    Field("C", "log10", 22.0, lo=18.0, hi=27.0, step=0.1, label="Compute budget"),
    Field("L", "float", 2.5, lo=1.5, hi=6.0, label="Loss"),
    Field("N", "log10", 9.0, lo=7.0, hi=11.0, step=0.1, label="Parameters"),
    Field("D", "log10", 10.5, lo=9.0, hi=12.0, step=0.1, label="Training tokens"),
)
K = {f.key: ui.wkey(PAGE, f) for f in FIELDS}

st.title("Law families")
st.caption("Every family in scope, on its own axes. Laws whose form is evaluated here are drawn; the others are "
           "listed with their form, coefficients and locator, and can be fitted to your runs on the Fit page.")
ui.url_view(PAGE, FIELDS)
st.selectbox("Family", FIELDS[0].choices, key=K["fam"], format_func=lambda f: f"{f} — {FAMILIES[f]}")
fam = st.session_state[K["fam"]]
members = {s: l for s, l in laws.items() if l.family == fam}


def row(law):
    return {"law": law.name, "paper": law.citation, "locator": law.locator, "form": law.latex or law.form,
            "coefficients": json.dumps(law.p) if law.params else "not published / not stored",
            "verified": "yes" if law.verified else "UNVERIFIED"}


def curve(law, x, y, **kw):
    return {"name": law.name, "citation": law.citation, "locator": law.locator, "x": x, "y": y,
            "dash": "solid" if law.verified else "dot", **kw}


C_grid = np.logspace(17, 27, 80)
charts = []
if fam == "F1":
    var = st.radio("Variable", ["C", "N", "D"], horizontal=True, key="families.var")
    one_d = [l for l in members.values() if l.kind == "loss_1d" and l.variable == var]
    x = C_grid if var == "C" else np.logspace(5, 13, 80)
    charts.append(figures.curves_figure([curve(l, x, evaluate_1d(l, x)) for l in one_d],
                                        f"Loss vs {var} (single-variable laws)", {"C": "Training compute C (FLOPs)",
                                        "N": "Parameters N", "D": "Tokens D"}[var], "Loss (nats/token)"))
elif fam == "F3":
    ui.log_slider(PAGE, FIELDS[1], "FLOPs", help="Loss vs tokens per parameter at this compute budget.")
    C = 10 ** st.session_state[K["C"]]
    M = np.logspace(0, 3, 80)
    cs = []
    for l in members.values():
        if l.kind != "loss_nd":
            continue
        N = np.sqrt(C / (6 * M))
        opt = allocation.compute_optimal(l, C)
        cs.append(curve(l, M, evaluate_loss(l, N, M * N),
                        point=(float(opt["tokens_per_param"][0]), float(opt["loss"][0]))))
    charts.append(figures.curves_figure(cs, f"Loss vs tokens per parameter M at C = {ui.fmt_sci(C)} FLOPs",
                                        "Tokens per parameter M = D/N", "Loss (nats/token)"))
elif fam == "F4":
    epochs = np.linspace(1, 60, 120)
    cs = []
    for l in members.values():
        if l.form == "muennighoff":
            U = 1e10
            _, D_eff = muennighoff_effective(1.0, epochs * U, U, **l.p)
            cs.append(curve(l, epochs, D_eff / (epochs * U)))
    charts.append(figures.curves_figure(cs, "Worth of repeated data: effective tokens D′ / tokens seen", "Epochs",
                                        "D′ / D", xlog=False))
elif fam == "F5":
    moe = [l for l in members.values() if l.form == "moe_granularity"]
    dense = [l for l in members.values() if l.slug == "krajewski2024-dense-baseline"]
    if moe:
        c1, c2 = st.columns(2)
        ui.log_slider(PAGE, FIELDS[3], "params", c1)
        ui.log_slider(PAGE, FIELDS[4], "tokens", c2)
        N, D = 10 ** st.session_state[K["N"]], 10 ** st.session_state[K["D"]]
        G = np.logspace(0, np.log10(64), 60)
        from lib.laws import moe_granularity_loss
        cs = [curve(l, G, moe_granularity_loss(N, D, G, **l.p)) for l in moe]
        for l in dense:
            cs.append(curve(l, G, np.full(G.size, float(evaluate_loss(l, N, D))), dash="dash"))
        charts.append(figures.curves_figure(cs, f"Loss vs expert granularity G at N = {ui.human(N)}, D = {ui.human(D)}",
                                            "Granularity G = d_ff / d_expert", "Loss (nats/token)"))
        st.caption("Krajewski et al. fit G from 1 to 16 with 64 experts; the paper's text is ambiguous whether N counts "
                   "total or active non-embedding parameters (see the law's notes).")
elif fam == "F7":
    ui.log_slider(PAGE, FIELDS[1], "FLOPs", help="Marks a budget.")
    C = 10 ** st.session_state[K["C"]]
    hyp = [l for l in members.values() if l.form == "hyper_c"]
    for l in hyp:
        p = l.p
        st.markdown(f"**{l.name}** ({l.citation}, {l.locator}) at C = {ui.fmt_sci(C)} FLOPs: learning rate "
                    f"**{p['eta_coeff'] * C ** p['eta_exp']:.3g}**, batch size **{ui.human(p['B_coeff'] * C ** p['B_exp'])}** "
                    "tokens (unit inferred: the paper does not name it).")
    charts.append(figures.curves_figure([curve(l, C_grid, l.p["eta_coeff"] * C_grid ** l.p["eta_exp"]) for l in hyp],
                                        "Optimal learning rate vs compute", "Training compute C (FLOPs)",
                                        "Learning rate", ylog=True, marker_x=C))
    charts.append(figures.curves_figure([curve(l, C_grid, l.p["B_coeff"] * C_grid ** l.p["B_exp"]) for l in hyp],
                                        "Optimal batch size vs compute", "Training compute C (FLOPs)",
                                        "Batch size (tokens)", ylog=True, marker_x=C))
    st.info("Loss under a learning-rate schedule (Tissue et al. 2024): no coefficients are published for reuse; "
            "fit the form 'Loss curve under an LR schedule' to your own loss curve on the Fit page.")
elif fam == "F9":
    st.slider("Loss (nats/token)", 1.5, 6.0, step=0.05, key=K["L"])
    L0 = float(st.session_state[K["L"]])
    Ls = np.linspace(1.5, 6.0, 100)
    maps = [l for l in members.values() if l.form == "downstream"]
    for l in maps:
        st.markdown(f"**{l.name}**: predicted average top-1 error at loss {L0:.2f} = "
                    f"**{float(downstream_error(L0, **l.p)):.3f}** ({l.citation}, {l.locator}).")
    charts.append(figures.curves_figure([curve(l, Ls, downstream_error(Ls, **l.p), point=(L0, float(
        downstream_error(L0, **l.p)))) for l in maps], "Downstream error from loss", "Loss (nats/token)",
        "Average top-1 error", xlog=False))
elif fam in ("F2", "F11"):
    alloc = [l for l in members.values() if l.has_allocation]
    ui.log_slider(PAGE, FIELDS[1], "FLOPs", help="Marks a budget.")
    C = 10 ** st.session_state[K["C"]]
    charts.append(figures.curves_figure([curve(l, C_grid, allocation.compute_optimal(l, C_grid)["N"]) for l in alloc],
                                        "Compute-optimal parameters N*(C)", "Training compute C (FLOPs)",
                                        "Parameters N*", ylog=True, marker_x=C))
    if fam == "F11" and len(alloc) >= 2:
        ref = alloc[0]
        n_ref = allocation.compute_optimal(ref, C)["N"][0]
        st.caption("N* relative to " + ref.name + f" at C = {ui.fmt_sci(C)}: " + "; ".join(
            f"{l.name} ×{allocation.compute_optimal(l, C)['N'][0] / n_ref:.2f}" for l in alloc[1:]))
v = ui.sync_url(PAGE, FIELDS)
for i, fig in enumerate(charts):
    st.plotly_chart(fig, key=f"fam-{fam}-{i}", config=ui.chart_config(f"family_{fam}_{i}"))
if not members:
    st.warning(f"No law of family {fam} is stored yet: their papers could not be checked here. The form can still "
               "be fitted to your runs on the Fit page.")
else:
    st.subheader(f"{len(members)} stored laws in {fam}")
    table = pd.DataFrame([row(l) for l in members.values()])
    st.dataframe(table, hide_index=True)
    for l in members.values():
        if l.kind == "reference":
            with st.expander(f"{l.name} — {l.citation}, {l.locator}"):
                if l.latex:
                    st.latex(l.latex)
                st.caption(("Coefficients: " + json.dumps(l.p)) if l.params else "No coefficients stored: form only.")
    ui.export_row({"view": "law family", "family": fam}, table, [l.source_id for l in members.values()], "family")
