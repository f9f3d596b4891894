"""Law families: each family of LAWS.md on its natural axes, with the laws the store holds."""
import json
import math
import textwrap

import numpy as np
import pandas as pd
import streamlit as st

from lib import allocation, figures, ui, views
from lib.laws import (downstream_error, evaluate_1d, evaluate_loss, loglinear_nd, muennighoff_effective,
                      parallel_loss, precision_factors, precision_loss)
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
DOMAIN_LAWS = tuple(s for s, l in laws.items() if l.kind == "metric_1d" and l.family == "F12")
ARCH_LAWS = tuple(s for s, l in laws.items() if l.family == "F11" and l.form == "power_coeff" and l.variable == "C")
FIELDS = (
    Field("base", "choice", next((s for s in ARCH_LAWS if "llama" in s), ARCH_LAWS[0] if ARCH_LAWS else ""),
          choices=ARCH_LAWS, label="Baseline"),
    Field("fam", "choice", "F7", choices=tuple(FAMILIES), label="Family"),
    Field("C", "log10", 22.0, lo=18.0, hi=27.0, step=0.1, label="Compute budget"),
    Field("L", "float", 2.5, lo=1.5, hi=6.0, label="Loss"),
    Field("N", "log10", 9.0, lo=7.0, hi=11.0, step=0.1, label="Parameters"),
    Field("D", "log10", 10.5, lo=9.0, hi=12.0, step=0.1, label="Training tokens"),
    Field("dlaw", "choice", DOMAIN_LAWS[0] if DOMAIN_LAWS else "", choices=DOMAIN_LAWS, label="Law"),
    Field("x", "log10", 6.0, lo=-12.0, hi=15.0, step=0.05, label="x"),
    Field("pw", "float", 8.0, lo=3.0, hi=16.0, label="Weight bits P_w"),
    Field("pa", "float", 8.0, lo=3.0, hi=16.0, label="Activation bits P_a"),
    Field("pkv", "float", 8.0, lo=3.0, hi=16.0, label="KV-cache bits P_kv"),
    Field("P", "int", 4, lo=1, hi=64, label="Parallel streams P"),
    Field("steps", "int", 20000, lo=100, hi=1_000_000, label="Training steps"),
    Field("peak", "float", 3e-4, lo=1e-6, hi=1.0, label="Peak learning rate"),
    Field("warm", "int", 500, lo=0, hi=100_000, label="Warmup steps"),
    Field("final", "float", 0.1, lo=0.0, hi=1.0, label="Final LR / peak"),
    Field("decay", "float", 0.2, lo=0.01, hi=1.0, label="WSD decay fraction"),
    Field("lam", "float", 0.999, lo=0.0, hi=0.99999, label="S2 decay factor λ"),
    Field("tL0", "float", 2.0, lo=0.0, hi=20.0, label="L0"),
    Field("tA", "float", 0.5, lo=0.0, hi=100.0, label="A"),
    Field("talpha", "float", 0.5, lo=0.001, hi=5.0, label="alpha"),
    Field("tC", "float", 1.0, lo=0.0, hi=100.0, label="C"),
    Field("bn_a", "float", 1.7, lo=0.0, hi=10.0, label="a (limit as x grows)"),
    Field("bn_c0", "float", 0.3, lo=0.0, hi=2.0, label="c0 (slope before the break)"),
    Field("bn_c1", "float", 0.4, lo=-1.0, hi=2.0, label="c1 (change of slope at the break)"),
    Field("bn_d1", "log10", 8.0, lo=1.0, hi=14.0, step=0.1, label="d1 (where the break is)"),
    Field("bn_f1", "float", 0.5, lo=0.05, hi=5.0, label="f1 (width of the break)"),
)
K = {f.key: ui.wkey(PAGE, f) for f in FIELDS}
F = {f.key: f for f in FIELDS}
SCHEDULE_KEYS = ("steps", "peak", "warm", "final", "decay", "lam")
TISSUE_KEYS = ("tL0", "tA", "talpha", "tC")
SCHEDULE_STEPS = {"peak": 1e-5, "final": 0.05, "decay": 0.05, "lam": 0.0005}

st.title("Law families")
st.caption("Every family in scope, on its own axes. Laws whose form is evaluated here are drawn; the others are "
           "listed with their form, coefficients and locator, and can be fitted to your runs on the Fit page.")
ui.url_view(PAGE, FIELDS)
st.selectbox("Family", F["fam"].choices, key=K["fam"], format_func=lambda f: f"{f} — {FAMILIES[f]}")
fam = st.session_state[K["fam"]]
members = {s: l for s, l in laws.items() if l.family == fam}


def row(law):
    return {"law": law.name, "paper": law.citation, "locator": law.locator, "form": law.latex or law.form,
            "coefficients": json.dumps(law.p) if law.params else "not published / not stored",
            "verified": "yes" if law.verified else "UNVERIFIED"}


def curve(law, x, y, **kw):
    return {"name": law.name, "citation": law.citation, "locator": law.locator, "x": x, "y": y,
            "dash": "solid" if law.verified else "dot", **kw}


PREC_KEYS = ("gamma_w", "n_w", "gamma_i", "n_i", "gamma_kv", "n_kv")
VARIABLE_NAMES = {"N": "Parameters", "D": "Dataset size", "C": "Training compute"}


def law_domain(slug: str) -> str:
    t = ui.laws_table()
    return str(t.loc[t["slug"] == slug, "domain"].iloc[0]) if "domain" in t else ""


def flag_unverified(shown) -> None:
    """Say, under a view, which of the laws it draws carry numbers not checked against the paper."""
    t = ui.laws_table().set_index("slug")
    for law in shown:
        if not law.verified:
            head, _, rest = str(t.loc[law.slug, "check"]).partition(": ")
            what = head.replace("UNVERIFIED", "").strip() or "numbers"
            st.caption(f"⚠ {law.name} ({law.citation}) is marked UNVERIFIED ({what}): "
                       f"{textwrap.shorten(rest, 170, placeholder=' …')} Drawn dotted; the full check is on the "
                       "Data page.")



C_grid = np.logspace(17, 27, 80)
charts = []
screen: list[dict] = []     # the view's own numbers, exported as "Numbers on screen" (else the laws table)


def show(fig) -> None:
    """Draw a chart where its section is (not at the end of the page), with the export config."""
    i = len(charts)
    charts.append(fig)
    st.plotly_chart(fig, key=f"fam-{fam}-{i}", config=ui.chart_config(f"family_{fam}_{i}"))


if fam == "F1":
    var = st.radio("Variable", ["C", "N", "D"], horizontal=True, key="families.var")
    one_d = [l for l in members.values() if l.kind == "loss_1d" and l.variable == var]
    x = C_grid if var == "C" else np.logspace(5, 13, 80)
    show(figures.curves_figure([curve(l, x, evaluate_1d(l, x)) for l in one_d],
                                        f"Loss vs {var} (single-variable laws)", {"C": "Training compute C (FLOPs)",
                                        "N": "Parameters N", "D": "Tokens D"}[var], "Loss (nats/token)"))
elif fam == "F3":
    ui.log_slider(PAGE, F["C"], "FLOPs", help="Loss vs tokens per parameter at this compute budget.")
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
    show(figures.curves_figure(cs, f"Loss vs tokens per parameter M at C = {ui.fmt_sci(C)} FLOPs",
                                        "Tokens per parameter M = D/N", "Loss (nats/token)"))
elif fam == "F4":
    epochs = np.linspace(1, 60, 120)
    cs = []
    for l in members.values():
        if l.form == "muennighoff":
            U = 1e10
            _, D_eff = muennighoff_effective(1.0, epochs * U, U, **l.p)
            cs.append(curve(l, epochs, D_eff / (epochs * U)))
    show(figures.curves_figure(cs, "Worth of repeated data: effective tokens D′ / tokens seen", "Epochs",
                                        "D′ / D", xlog=False))
elif fam == "F5":
    moe = [l for l in members.values() if l.form == "moe_granularity"]
    dense = [l for l in members.values() if l.slug == "krajewski2024-dense-baseline"]
    if moe:
        c1, c2 = st.columns(2)
        ui.log_slider(PAGE, F["N"], "params", c1)
        ui.log_slider(PAGE, F["D"], "tokens", c2)
        N, D = 10 ** st.session_state[K["N"]], 10 ** st.session_state[K["D"]]
        G = np.logspace(0, np.log10(64), 60)
        from lib.laws import moe_granularity_loss
        cs = [curve(l, G, moe_granularity_loss(N, D, G, **l.p)) for l in moe]
        for l in dense:
            cs.append(curve(l, G, np.full(G.size, float(evaluate_loss(l, N, D))), dash="dash"))
        show(figures.curves_figure(cs, f"Loss vs expert granularity G at N = {ui.human(N)}, D = {ui.human(D)}",
                                            "Granularity G = d_ff / d_expert", "Loss (nats/token)"))
        st.caption("Krajewski et al. fit G from 1 to 16 with 64 experts; the paper's text is ambiguous whether N counts "
                   "total or active non-embedding parameters (see the law's notes).")
elif fam == "F7":
    ui.log_slider(PAGE, F["C"], "FLOPs", help="Marks a budget.")
    C = 10 ** st.session_state[K["C"]]
    hyp = [l for l in members.values() if l.form == "hyper_c"]
    for l in hyp:
        p = l.p
        st.markdown(f"**{l.name}** ({l.citation}, {l.locator}) at C = {ui.fmt_sci(C)} FLOPs: learning rate "
                    f"**{p['eta_coeff'] * C ** p['eta_exp']:.3g}**, batch size **{ui.human(p['B_coeff'] * C ** p['B_exp'])}** "
                    "tokens (unit inferred: the paper does not name it).")
    show(figures.curves_figure([curve(l, C_grid, l.p["eta_coeff"] * C_grid ** l.p["eta_exp"]) for l in hyp],
                                        "Optimal learning rate vs compute", "Training compute C (FLOPs)",
                                        "Learning rate", ylog=True, marker_x=C))
    show(figures.curves_figure([curve(l, C_grid, l.p["B_coeff"] * C_grid ** l.p["B_exp"]) for l in hyp],
                                        "Optimal batch size vs compute", "Training compute C (FLOPs)",
                                        "Batch size (tokens)", ylog=True, marker_x=C))
    step = {l.slug: l for l in members.values() if l.form == "loglinear_nd"}
    if step:
        st.markdown("**Step Law** (Li et al. 2025) recommends a learning rate and batch size from the model size N "
                    "(non-embedding parameters) and the training tokens D, not from C alone:")
        c1, c2 = st.columns(2)
        ui.log_slider(PAGE, F["N"], "params", c1)
        ui.log_slider(PAGE, F["D"], "tokens", c2)
        N, D = 10 ** st.session_state[K["N"]], 10 ** st.session_state[K["D"]]
        m = st.columns(len(step) + 1)
        for col, l in zip(m, step.values()):
            val = float(loglinear_nd(N, D, **l.p))
            is_lr = "learning rate" in l.name
            col.metric(("Peak learning rate" if is_lr else "Batch size (tokens)") + " — Step Law, UNVERIFIED",
                       f"{val:.3g}" if is_lr else ui.human(val), help=f"{l.citation}, {l.locator}. {l.name}.")
            screen.append({"law": l.slug, "N": N, "D": D, "value": val})
        for l in hyp:
            c6 = 6 * N * D
            m[-1].metric(f"DeepSeek LLM learning rate at C = 6ND = {ui.fmt_sci(c6)}",
                         f"{l.p['eta_coeff'] * c6 ** l.p['eta_exp']:.3g}",
                         help="DeepSeek's law takes C = M·D with M non-embedding FLOPs per token; 6ND is a rough stand-in.")
        st.caption("Step Law's coefficients are read from the authors' online tool, not the paper's text (marked "
                   "unverified). The paper's learning-rate law as notes citing it print it, 1.79 N^-0.713 D^0.307, is "
                   "close to the tool's e^0.5863 ≈ 1.797, −0.7129, 0.3075; its batch-size law (0.58 D^0.571 per those "
                   "notes) differs from the tool's, which is the one used here.")
    st.subheader("Loss curve under a learning-rate schedule")
    st.markdown("Tissue et al. 2024 (arXiv 2408.11029) model the loss at step s as L(s) = L0 + A·S1^−α − C·S2, with S1 "
                "the area under the LR curve and S2 the annealing area. **No coefficients are published for reuse**: "
                "the values below are illustrative (set them, or fit the form to your own loss curve on the Fit page "
                "and enter the result) and the curves compare schedules, not a real model.")
    sc = st.columns(6)
    for col, f in zip(sc, [F[k] for k in SCHEDULE_KEYS]):
        if f.kind == "int":
            col.number_input(f.label, int(f.lo), int(f.hi), step=100 if f.key != "warm" else 50, key=K[f.key])
        else:
            col.number_input(f.label, float(f.lo), float(f.hi), key=K[f.key], step=SCHEDULE_STEPS[f.key],
                             format="%.2e" if f.key == "peak" else "%.5f" if f.key == "lam" else "%.3f")
    lc = st.columns(4)
    for col, f in zip(lc, [F[k] for k in TISSUE_KEYS]):
        col.number_input(f"{f.label} (illustrative)", float(f.lo), float(f.hi), key=K[f.key], step=0.05,
                         format="%.4f")
    sv = {k: st.session_state[K[k]] for k in SCHEDULE_KEYS + TISSUE_KEYS}
    try:
        curves_lr, curves_loss, finals = ui.schedule_curves(
            sv["steps"], sv["peak"], sv["warm"], sv["final"], sv["decay"], sv["lam"], sv["tL0"], sv["tA"], sv["talpha"],
            sv["tC"])
    except ValueError as e:
        st.error(f"Cannot draw the schedules: {e}. Fix the schedule inputs above.")
    else:
        screen.extend({"schedule": k, "final_loss": v, **sv} for k, v in finals.items())
        st.markdown("Final loss: " + "; ".join(f"**{k}** {v:.4f}" for k, v in finals.items())
                    + f" (S2 with λ = {sv['lam']:g}; the paper's own S2 definition and λ could not be checked here).")
        shape = {"citation": "Tissue et al. 2024 form", "locator": "abstract; illustrative coefficients"}
        show(figures.curves_figure([{**shape, **c} for c in curves_lr], "Learning-rate schedules",
                                            "Step", "Learning rate", xlog=False))
        show(figures.curves_figure([{**shape, **c} for c in curves_loss],
                                            "Predicted loss curve under each schedule (after warmup)", "Step", "Loss",
                                   xlog=False))
elif fam == "F9":
    st.slider("Loss (nats/token)", 1.5, 6.0, step=0.05, key=K["L"])
    L0 = float(st.session_state[K["L"]])
    Ls = np.linspace(1.5, 6.0, 100)
    maps = [l for l in members.values() if l.form == "downstream"]
    for l in maps:
        st.markdown(f"**{l.name}**: predicted average top-1 error at loss {L0:.2f} = "
                    f"**{float(downstream_error(L0, **l.p)):.3f}** ({l.citation}, {l.locator}).")
    show(figures.curves_figure([curve(l, Ls, downstream_error(Ls, **l.p), point=(L0, float(
        downstream_error(L0, **l.p)))) for l in maps], "Downstream error from loss", "Loss (nats/token)",
        "Average top-1 error", xlog=False))
elif fam == "F6":
    prec = [l for l in members.values() if l.form == "precision"]
    c1, c2 = st.columns(2)
    ui.log_slider(PAGE, F["N"], "params", c1, help="Non-embedding parameters.")
    ui.log_slider(PAGE, F["D"], "tokens", c2)
    b1, b2, b3 = st.columns(3)
    for col, f in zip((b1, b2, b3), [F[k] for k in ("pw", "pa", "pkv")]):
        col.slider(f.label, float(f.lo), float(f.hi), step=0.5, key=K[f.key])
    N, D = 10 ** st.session_state[K["N"]], 10 ** st.session_state[K["D"]]
    Pw, Pa, Pkv = (float(st.session_state[K[k]]) for k in ("pw", "pa", "pkv"))
    bits = np.linspace(3.5, 16.0, 126)
    C = 10 ** st.session_state[K["C"]]
    for l in prec:
        p = l.p
        fac = precision_factors(Pw, Pa, Pkv, *(p[k] for k in PREC_KEYS))
        loss = float(precision_loss(N, D, Pw, Pa, Pkv, **p))
        ref = float(precision_loss(N, D, 16.0, 16.0, 16.0, **p))
        if not np.isfinite(loss):
            st.warning(f"At {Pa:g}-bit activations the law leaves no effective parameters: {l.citation} excluded "
                       "runs with activations or KV cache at 3 bits or fewer as unstable (App. L). Raise the bits.")
        else:
            m = st.columns(3)
            m[0].metric("Effective parameters N_eff", ui.human(N * fac[0] * fac[1] * fac[2]),
                        help="N times the fractions kept for weights, activations and KV cache (Eq. 4).")
            m[1].metric("Predicted loss", f"{loss:.4f}", help="nats/token on Dolma (the law's own data)")
            m[2].metric("Penalty vs 16-bit training", f"{loss - ref:+.4f}")
            st.caption("Fractions of parameters kept: weights {:.3f}, activations {:.3f}, KV cache {:.3f}.".format(
                *(float(f) for f in fac)))
            screen.append({"law": l.slug, "N": N, "D": D, "P_w": Pw, "P_a": Pa, "P_kv": Pkv,
                           "N_eff": float(N * fac[0] * fac[1] * fac[2]), "loss": loss, "loss_16bit": ref})
        cs = [curve(l, bits, precision_loss(N, D, bits, bits, bits, **p), name="all three at the same bits"),
              curve(l, bits, precision_loss(N, D, bits, 16.0, 16.0, **p), name="weights only (others 16-bit)",
                    dash="dash"),
              curve(l, bits, precision_loss(N, D, 16.0, bits, 16.0, **p), name="activations only", dash="dot"),
              curve(l, bits, precision_loss(N, D, 16.0, 16.0, bits, **p), name="KV cache only", dash="dashdot")]
        show(figures.curves_figure(cs, f"Loss vs training precision at N = {ui.human(N)}, D = {ui.human(D)}",
                                   "Training precision (bits)", "Loss (nats/token)", xlog=False, ylog=True))
        if l is prec[0]:
            ui.log_slider(PAGE, F["C"], "FLOPs", help="A compute budget for the compute-optimal precision, with "
                          "C = (6/16)·N·D·P (Eq. 5): fewer bits buy a bigger model or more tokens.")
            C = 10 ** st.session_state[K["C"]]
        opt_bits, opt_N, opt_loss = ui.precision_optimum(l.slug, C)
        st.markdown(f"**Compute-optimal precision** at C = {ui.fmt_sci(C)} FLOPs (all three tied): **{opt_bits:.2f} "
                    f"bits**, with N = {ui.human(opt_N)} and predicted loss {opt_loss:.4f} ({l.citation}: '7-8 bits').")
    flag_unverified(prec)
    st.caption("Kumar et al. fitted 30M–220M-parameter models on 1.5B–26B tokens and warn that the numerical constants "
               "'are unlikely to be useful' beyond showing the trends; treat larger N or D as extrapolation.")
elif fam == "F8":
    par = [l for l in members.values() if l.form == "parallel"]
    c1, c2 = st.columns(2)
    ui.log_slider(PAGE, F["N"], "params", c1, help="Non-embedding parameters of the model run P times.")
    streams = [1, 2, 4, 8, 16, 32, 64]
    if st.session_state[K["P"]] not in streams:       # a link's P between the options: the nearest power of 2
        asked = int(st.session_state[K["P"]])
        st.session_state[K["P"]] = min(streams, key=lambda q: (abs(math.log2(q) - math.log2(asked)), q))
        st.info(f"P = {asked} is not one of the stream counts offered (powers of 2): showing P = "
                f"{st.session_state[K['P']]}.")
    c2.select_slider("Parallel streams P", options=streams, key=K["P"],
                     help="The law was fitted for P = 1, 2, 4 and 8.")
    N, P = 10 ** st.session_state[K["N"]], int(st.session_state[K["P"]])
    if P > 8:
        st.info(f"Extrapolation: P = {P} is beyond the P ≤ 8 the law was fitted on.")
    Ps = np.logspace(0, np.log10(64), 60)
    cs, rows_p, mult = [], [], []
    for l in par:
        p = l.p
        Lp, L1 = float(parallel_loss(N, P, **p)), float(parallel_loss(N, 1, **p))
        n_equiv = N * (p["k"] * math.log(P) + 1)
        rows_p.append({"law": l.name, f"loss at P = {P}": round(Lp, 4), "loss at P = 1": round(L1, 4),
                       "equivalent dense parameters": ui.human(n_equiv), "floor E": p["E"]})
        cs.append(curve(l, Ps, parallel_loss(N, Ps, **p) - L1, point=(P, Lp - L1)))
        mult.append(curve(l, Ps, p["k"] * np.log(Ps) + 1, point=(P, p["k"] * math.log(P) + 1)))
    if par:
        st.dataframe(pd.DataFrame(rows_p), hide_index=True)
        screen.extend({"N": N, "P": P, **r} for r in rows_p)
        flag_unverified(par)
        st.caption("P streams act like a model k·ln P + 1 times larger (k ≈ 0.39 on code, 0.33 on the Pile): each "
                   "doubling of P adds the same multiple, so returns diminish, and the loss never passes E.")
        show(figures.curves_figure(cs, f"Loss change from P = 1 at N = {ui.human(N)}", "Parallel streams P",
                                   "Loss − loss at P = 1 (nats/token)", marker_x=P))
        show(figures.curves_figure(mult, "Equivalent dense size: N × (k ln P + 1)", "Parallel streams P",
                                   "Size multiplier", marker_x=P))
elif fam == "F10":
    st.markdown("No stored paper publishes broken-power-law coefficients for reuse (Caballero et al. 2022 give "
                "the form and fit it per task). Explore the form's shape here with your own parameters, or fit it "
                "to your runs on the Fit page (form 'Smoothly broken power law, one break').")
    c = st.columns(5)
    st_fields = [F[k] for k in ("bn_a", "bn_c0", "bn_c1", "bn_d1", "bn_f1")]
    for col, f in zip(c, st_fields):
        if f.kind == "log10":
            ui.log_slider(PAGE, f, "", col)
        else:
            col.slider(f.label, float(f.lo), float(f.hi), step=0.01 if f.hi <= 2 else 0.05, key=K[f.key])
    a, c0, c1 = (float(st.session_state[K[k]]) for k in ("bn_a", "bn_c0", "bn_c1"))
    d1, f1 = 10 ** st.session_state[K["bn_d1"]], float(st.session_state[K["bn_f1"]])
    xs, y, before, after, at_break = views.bnsl_shape(a, c0, c1, d1, f1)
    shape = {"name": "illustrative parameters (not a published fit)", "citation": "Caballero et al. 2022 form",
             "locator": "Sec. 2"}
    show(figures.curves_figure(
        [{**shape, "x": xs, "y": y, "point": (d1, at_break)},
         {**shape, "name": f"power law before the break, slope -{c0:g}", "x": xs, "y": before, "dash": "dot"},
         {**shape, "name": f"power law after the break, slope -{c0 + c1:g}", "x": xs, "y": after, "dash": "dash"}],
        "Smoothly broken power law, one break: y = a + b x^-c0 (1 + (x/d1)^(1/f1))^(-c1 f1)",
        "Scale x (parameters, data or compute)", "y − a (reducible part)", ylog=True, marker_x=d1))
    st.caption(f"Drawn as y − a = {a:g} subtracted, so each power law is a straight line. b is set to d1^c0 so the "
               f"reducible part is about 1 at the break. Far before x = {ui.fmt_sci(d1)} the "
               f"curve follows slope −{c0:g}; far after it, −{c0 + c1:g}; a larger f1 spreads the bend over more "
               "decades. A negative c1 flattens the curve after the break (a plateau), a positive one steepens it.")
elif fam == "F12":
    d_laws = [laws[s] for s in DOMAIN_LAWS]
    st.selectbox("Law", F["dlaw"].choices, key=K["dlaw"],
                 format_func=lambda s: f"{laws[s].name} — {laws[s].citation}")
    law = laws[st.session_state[K["dlaw"]]]
    lo, hi = views.law_span(law)
    lo, hi = math.floor(lo * 20) / 20, math.ceil(hi * 20) / 20      # on the URL field's 0.05-decade grid
    grid = [round(lo + i * 0.05, 6) for i in range(int(round((hi - lo) / 0.05)) + 1)]
    if st.session_state[K["x"]] not in grid:      # a link's x outside this law's span: nearest end
        st.session_state[K["x"]] = min(grid, key=lambda g: abs(g - st.session_state[K["x"]]))
    x_label = VARIABLE_NAMES[law.variable] + ("" if law.x_unit == "parameters" else f" ({law.x_unit})")
    st.select_slider(x_label, options=grid, key=K["x"],
                     format_func=lambda e: f"{ui.fmt_sci(10 ** e)} {law.x_unit}",
                     help="Spans the law's stated fit range and one decade either side.")
    x0 = 10 ** st.session_state[K["x"]]
    y0 = float(evaluate_1d(law, views.law_input(law, x0)))
    st.markdown(f"**{law.metric}** at {VARIABLE_NAMES[law.variable].lower()} = {ui.fmt_sci(x0)} {law.x_unit}: "
                f"**{y0:.4g}** ({law.citation}, {law.locator}).")
    screen.append({"law": law.slug, "x": x0, "x_unit": law.x_unit, "metric": law.metric, "value": y0})
    if law.x_range and not law.x_range[0] <= x0 <= law.x_range[1]:
        st.info(f"Extrapolation: the law was fitted on {ui.fmt_sci(law.x_range[0])}–{ui.fmt_sci(law.x_range[1])} "
                f"{law.x_unit}.")
    elif not law.x_range:
        st.caption(f"Fit range not stated as numbers in the paper: {law_domain(law.slug)}")
    flag_unverified([law])
    siblings = [l for l in d_laws if l.source_id == law.source_id and l.variable == law.variable]
    xs = np.logspace(lo, hi, 80)
    cs = [curve(l, xs, evaluate_1d(l, views.law_input(l, xs)), point=(x0, float(evaluate_1d(l, views.law_input(l, x0)))))
          for l in siblings]
    metric_axis = siblings[0].metric if len(siblings) == 1 else "Metric (see legend)"
    show(figures.curves_figure(cs, f"{law.citation}: scaling with {VARIABLE_NAMES[law.variable].lower()}",
                                        f"{VARIABLE_NAMES[law.variable]} ({law.x_unit})", metric_axis, ylog=True,
                                        marker_x=x0))
    st.caption("Other domains: these curves are not language-model losses; compare shapes and exponents, "
               "not absolute values, with the LLM laws.")
elif fam in ("F2", "F11"):
    alloc = [l for l in members.values() if l.has_allocation]
    ui.log_slider(PAGE, F["C"], "FLOPs", help="Marks a budget.")
    C = 10 ** st.session_state[K["C"]]
    show(figures.curves_figure([curve(l, C_grid, allocation.compute_optimal(l, C_grid)["N"]) for l in alloc],
                                        "Compute-optimal parameters N*(C)", "Training compute C (FLOPs)",
                                        "Parameters N*", ylog=True, marker_x=C))
    if fam == "F11" and len(alloc) >= 2:
        ref = alloc[0]
        n_ref = allocation.compute_optimal(ref, C)["N"][0]
        st.caption("N* relative to " + ref.name + f" at C = {ui.fmt_sci(C)}: " + "; ".join(
            f"{l.name} ×{allocation.compute_optimal(l, C)['N'][0] / n_ref:.2f}" for l in alloc[1:]))
    loss_c = [laws[s] for s in ARCH_LAWS]
    if fam == "F11" and len(loss_c) >= 2:
        st.selectbox("Baseline for the comparison", ARCH_LAWS, key=K["base"], format_func=lambda s: laws[s].name)
        base = laws[st.session_state[K["base"]]]
        rows_c = []
        for l in loss_c:
            if l is not base:
                r = views.compare_power_laws(base, l, C)
                rows_c.append({"architecture": l.name, "loss at C": round(r["loss"], 4),
                               "baseline loss at C": round(r["base_loss"], 4),
                               "compute multiplier": round(r["multiplier"], 3),
                               "crossover with the baseline (FLOPs)": ui.fmt_sci(r["crossover_flops"])})
        st.markdown(f"**Loss vs compute, compared with {base.name}** at C = {ui.fmt_sci(C)} FLOPs "
                    f"({base.citation}, {base.locator}):")
        st.dataframe(pd.DataFrame(rows_c), hide_index=True)
        screen.extend({"C (FLOPs)": C, "baseline": base.name, **r} for r in rows_c)
        flag_unverified([base])
        st.caption("Compute multiplier: the compute this architecture needs to reach the baseline's loss at the marked "
                   "budget, as a multiple of that budget (below 1: it is cheaper). Pure power laws with different "
                   "exponents cross once; past the crossover the ranking flips.")
        show(figures.curves_figure(
            [curve(l, C_grid, evaluate_1d(l, C_grid), point=(C, float(evaluate_1d(l, C)))) for l in loss_c],
            "Loss vs compute by architecture", "Training compute C (FLOPs)", "Loss (nats/token)", ylog=True,
            marker_x=C))
v = ui.sync_url(PAGE, FIELDS)
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
    ui.export_row({"view": "law family", "family": fam, "values": v, "on_screen": screen},
                  pd.DataFrame(screen) if screen else table, [l.source_id for l in members.values()], "family")
