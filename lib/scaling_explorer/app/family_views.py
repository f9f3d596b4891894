"""Streamlit glue for the Law families page: one small view per family. Each view places its
widgets (seeded from the URL by the page), calls one pure function of lib.views for its numbers
and draws them with lib.figures. No maths here."""
from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from .. import figures, views
from . import cache, charts, exports, widgets
from ..units import fmt_sci, human

PAGE = "families"
VARIABLE_NAMES = {"N": "Parameters", "D": "Dataset size", "C": "Training compute"}
SCHEDULE_KEYS = ("steps", "peak", "warm", "final", "decay", "lam")
TISSUE_KEYS = ("tL0", "tA", "talpha", "tC")
SCHEDULE_STEPS = {"peak": 1e-5, "final": 0.05, "decay": 0.05, "lam": 0.0005}


@dataclass
class View:
    fam: str
    laws: dict                     # every published law, by slug
    members: dict                  # the family's laws
    F: dict                        # URL fields by key
    K: dict                        # widget keys by field key
    screen: list = field(default_factory=list)   # the view's own numbers, for "Numbers on screen"
    n_charts: int = 0

    def show(self, fig) -> None:
        """Draw a chart where its section is, with the export config."""
        charts.plotly_chart(fig, key=f"fam-{self.fam}-{self.n_charts}",
                            config=exports.chart_config(f"family_{self.fam}_{self.n_charts}"))
        self.n_charts += 1

    def value(self, key: str):
        return st.session_state[self.K[key]]

    def key(self, key: str) -> str:
        """The widget key of URL field ``key``, for a widget drawn now (see widgets.bind)."""
        return widgets.bind(PAGE, self.F[key])

    def log(self, key: str, unit: str, container=st, help: str | None = None) -> float:
        widgets.log_slider(PAGE, self.F[key], unit, container, help=help)
        return 10 ** self.value(key)

    def of_form(self, form: str) -> list:
        return [lw for lw in self.members.values() if lw.form == form]


def flag_unverified(shown) -> None:
    """Say, under a view, which of the laws it draws carry numbers not checked against the paper."""
    for law in shown:
        if not law.verified:
            head, _, rest = law.check.partition(": ")
            what = head.replace("UNVERIFIED", "").strip() or "numbers"
            st.caption(f"⚠ {law.name} ({law.citation}) is marked UNVERIFIED ({what}): "
                       f"{textwrap.shorten(rest, 170, placeholder=' …')} Drawn dotted; the full check is on the "
                       "Data page.")


def f1(v: View) -> None:
    var = st.radio("Variable", ["C", "N", "D"], horizontal=True, key=v.key("var"))
    v.show(figures.curves_figure(views.single_variable(v.members.values(), var),
                                 f"Loss vs {var} (single-variable laws)", {"C": "Training compute C (FLOPs)",
                                 "N": "Parameters N", "D": "Tokens D"}[var], "Loss (nats/token)"))


def f2_f11(v: View) -> None:
    alloc = [lw for lw in v.members.values() if lw.has_allocation]
    C = v.log("C", "FLOPs", help="Marks a budget.")
    v.show(figures.curves_figure(views.allocation_curves(alloc), "Compute-optimal parameters N*(C)",
                                 "Training compute C (FLOPs)", "Parameters N* (each law's own count)", ylog=True,
                                 marker_x=C))
    if v.fam != "F11":
        return
    if len(alloc) >= 2:
        st.caption(f"N* relative to {alloc[0].name} at C = {fmt_sci(C)}: "
                   + "; ".join(f"{name} ×{m:.2f}" for name, m in views.size_multipliers(alloc, C)))
    arch = [s for s, lw in v.laws.items() if lw.family == "F11" and lw.form == "power_coeff" and lw.variable == "C"]
    if len(arch) < 2:
        return
    st.selectbox("Baseline for the comparison", arch, key=v.key("base"), format_func=lambda s: v.laws[s].name)
    base = v.laws[v.value("base")]
    rows = [{"architecture": lw.name, **views.compare_power_laws(base, lw, C)} for s, lw in
            ((s, v.laws[s]) for s in arch) if lw is not base]
    st.markdown(f"**Loss vs compute, compared with {base.name}** at C = {fmt_sci(C)} FLOPs "
                f"({base.citation}, {base.locator}):")
    st.dataframe(pd.DataFrame(rows).rename(columns={
        "loss": "loss at C", "base_loss": "baseline loss at C", "multiplier": "compute multiplier",
        "crossover_flops": "crossover with the baseline (FLOPs)"}), hide_index=True,
        column_config={"crossover with the baseline (FLOPs)": st.column_config.NumberColumn(format="%.3e"),
                       "loss at C": st.column_config.NumberColumn(format="%.4f"),
                       "baseline loss at C": st.column_config.NumberColumn(format="%.4f"),
                       "compute multiplier": st.column_config.NumberColumn(format="%.3f")})
    v.screen.extend({"C (FLOPs)": C, "baseline": base.name, **r} for r in rows)
    flag_unverified([base])
    st.caption("Compute multiplier: the compute this architecture needs to reach the baseline's loss at the marked "
               "budget, as a multiple of that budget (below 1: it is cheaper). Pure power laws with different "
               "exponents cross once; past the crossover the ranking flips.")
    v.show(figures.curves_figure(views.single_variable([v.laws[s] for s in arch], "C"),
                                 "Loss vs compute by architecture", "Training compute C (FLOPs)",
                                 "Loss (nats/token)", ylog=True, marker_x=C))


def f3(v: View) -> None:
    C = v.log("C", "FLOPs", help="Loss vs tokens per parameter at this compute budget.")
    v.show(figures.curves_figure(views.overtraining(v.members.values(), C),
                                 f"Loss vs tokens per parameter M at C = {fmt_sci(C)} FLOPs",
                                 "Tokens per parameter M = D/N", "Loss (nats/token)"))


def f4(v: View) -> None:
    v.show(figures.curves_figure(views.repetition_worth(v.members.values()),
                                 "Worth of repeated data: effective tokens D′ / tokens seen", "Epochs", "D′ / D",
                                 xlog=False))


def f5(v: View) -> None:
    moe = v.of_form("moe_granularity")
    if not moe:
        return
    c1, c2 = st.columns(2)
    N, D = v.log("N", "params", c1), v.log("D", "tokens", c2)
    dense = [lw for lw in v.members.values() if lw.slug == "krajewski2024-dense-baseline"]
    v.show(figures.curves_figure(views.granularity(moe, dense, N, D),
                                 f"Loss vs expert granularity G at N = {human(N)}, D = {human(D)}",
                                 "Granularity G = d_ff / d_expert", "Loss (nats/token)"))
    st.caption("Krajewski et al. fit G from 1 to 16 with 64 experts; the paper's text is ambiguous whether N counts "
               "total or active non-embedding parameters (see the law's notes).")


def f6(v: View) -> None:
    prec = v.of_form("precision")
    c1, c2 = st.columns(2)
    N, D = v.log("N", "params", c1, help="Non-embedding parameters."), v.log("D", "tokens", c2)
    for col, k in zip(st.columns(3), ("pw", "pa", "pkv")):
        f = v.F[k]
        col.slider(f.label, float(f.lo), float(f.hi), step=0.5, key=v.key(k))
    bits = tuple(float(v.value(k)) for k in ("pw", "pa", "pkv"))
    C = v.log("C", "FLOPs", help="A compute budget for the compute-optimal precision, with C = (6/16)·N·D·P "
              "(Eq. 5): fewer bits buy a bigger model or more tokens.") if prec else 0.0
    for lw in prec:
        pt = views.precision_point(lw, N, D, *bits)
        if not math.isfinite(pt["loss"]):
            st.warning(f"At {bits[1]:g}-bit activations the law leaves no effective parameters: {lw.citation} "
                       "excluded runs with activations or KV cache at 3 bits or fewer as unstable (App. L). Raise "
                       "the bits.")
        else:
            m = widgets.row()
            m.metric("Effective parameters N_eff", human(pt["N_eff"]),
                        help="N times the fractions kept for weights, activations and KV cache (Eq. 4).")
            m.metric("Predicted loss", f"{pt['loss']:.4f}", help="nats/token on Dolma (the law's own data)")
            m.metric("Penalty vs 16-bit training", f"{pt['loss'] - pt['loss_16bit']:+.4f}")
            st.caption("Fractions of parameters kept: weights {:.3f}, activations {:.3f}, KV cache {:.3f}.".format(
                *pt["fractions"]))
            v.screen.append({"law": lw.slug, "N": N, "D": D, "P_w": bits[0], "P_a": bits[1], "P_kv": bits[2],
                             "N_eff": pt["N_eff"], "loss": pt["loss"], "loss_16bit": pt["loss_16bit"]})
        v.show(figures.curves_figure(views.precision_curves(lw, N, D), f"Loss vs training precision at N = "
                                     f"{human(N)}, D = {human(D)}", "Training precision (bits)", "Loss (nats/token)",
                                     xlog=False, ylog=True))
        opt_bits, opt_N, opt_loss = cache.precision_optimum(lw.slug, C)
        st.markdown(f"**Compute-optimal precision** at C = {fmt_sci(C)} FLOPs (all three tied): **{opt_bits:.2f} "
                    f"bits**, with N = {human(opt_N)} and predicted loss {opt_loss:.4f} ({lw.citation}: '7-8 bits').")
    flag_unverified(prec)
    st.caption("Kumar et al. fitted 30M–220M-parameter models on 1.5B–26B tokens and warn that the numerical constants "
               "'are unlikely to be useful' beyond showing the trends; treat larger N or D as extrapolation.")


def f7(v: View) -> None:
    C = v.log("C", "FLOPs", help="Marks a budget.")
    hyp = v.of_form("hyper_c")
    for lw in hyp:
        lr, batch = views.hyper_at(lw, C)
        st.markdown(f"**{lw.name}** ({lw.citation}, {lw.locator}) at C = {fmt_sci(C)} FLOPs: learning rate "
                    f"**{float(lr):.3g}**, batch size **{human(float(batch))}** tokens (unit inferred: the paper "
                    "does not name it).")
    grid = views.C_GRID
    v.show(figures.curves_figure([views.curve(lw, grid, views.hyper_at(lw, grid)[0]) for lw in hyp],
                                 "Optimal learning rate vs compute", "Training compute C (FLOPs)", "Learning rate",
                                 ylog=True, marker_x=C))
    v.show(figures.curves_figure([views.curve(lw, grid, views.hyper_at(lw, grid)[1]) for lw in hyp],
                                 "Optimal batch size vs compute", "Training compute C (FLOPs)", "Batch size (tokens)",
                                 ylog=True, marker_x=C))
    step = v.of_form("loglinear_nd")
    if step:
        st.markdown("**Step Law** (Li et al. 2025) recommends a learning rate and batch size from the model size N "
                    "(non-embedding parameters) and the training tokens D, not from C alone:")
        c1, c2 = st.columns(2)
        N, D = v.log("N", "params", c1), v.log("D", "tokens", c2)
        m = st.columns(len(step) + 1)
        for col, lw in zip(m, step):
            val = float(views.evaluate(lw, N, D))
            is_lr = "learning rate" in lw.name
            col.metric(("Peak learning rate" if is_lr else "Batch size (tokens)") + " — Step Law"
                       + ("" if lw.verified else ", UNVERIFIED"), f"{val:.3g}" if is_lr else human(val),
                       help=f"{lw.citation}, {lw.locator}. {lw.name}.")
            v.screen.append({"law": lw.slug, "N": N, "D": D, "value": val})
        for lw in hyp:
            c6 = 6 * N * D
            m[-1].metric(f"DeepSeek LLM learning rate at C = 6ND = {fmt_sci(c6)}", f"{float(views.hyper_at(lw, c6)[0]):.3g}",
                         help="DeepSeek's law takes C = M·D with M non-embedding FLOPs per token; 6ND is a rough "
                              "stand-in.")
        st.caption("Step Law's coefficients are the authors' released fit (their repository's fitted-parameter file; "
                   "see each law's check on the Data page).")
    schedules(v)


def schedules(v: View) -> None:
    st.subheader("Loss curve under a learning-rate schedule")
    st.markdown("Tissue et al. 2024 (arXiv 2408.11029) model the loss at step s as L(s) = L0 + A·S1^−α − C·S2, with S1 "
                "the area under the LR curve and S2 the annealing area. **No coefficients are published for reuse**: "
                "the values below are illustrative (set them, or fit the form to your own loss curve on the Fit page "
                "and enter the result) and the curves compare schedules, not a real model.")
    for col, f in zip(st.columns(6), [v.F[k] for k in SCHEDULE_KEYS]):
        if f.kind == "int":
            col.number_input(f.label, int(f.lo), int(f.hi), step=100 if f.key != "warm" else 50, key=v.key(f.key))
        else:
            col.number_input(f.label, float(f.lo), float(f.hi), key=v.key(f.key), step=SCHEDULE_STEPS[f.key],
                             format="%.2e" if f.key == "peak" else "%.5f" if f.key == "lam" else "%.3f")
    for col, f in zip(st.columns(4), [v.F[k] for k in TISSUE_KEYS]):
        col.number_input(f"{f.label} (illustrative)", float(f.lo), float(f.hi), key=v.key(f.key), step=0.05,
                         format="%.4f")
    sv = {k: v.value(k) for k in SCHEDULE_KEYS + TISSUE_KEYS}
    try:
        curves_lr, curves_loss, finals = cache.schedule_curves(*(sv[k] for k in SCHEDULE_KEYS + TISSUE_KEYS))
    except ValueError as e:
        st.error(f"Cannot draw the schedules: {e}. Fix the schedule inputs above.")
        return
    v.screen.extend({"schedule": k, "final_loss": x, **sv} for k, x in finals.items())
    st.markdown("Final loss: " + "; ".join(f"**{k}** {x:.4f}" for k, x in finals.items())
                + f" (S2 with λ = {sv['lam']:g}; the paper's own S2 definition and λ could not be checked here).")
    shape = {"citation": "Tissue et al. 2024 form", "locator": "abstract; illustrative coefficients"}
    v.show(figures.curves_figure([{**shape, **c} for c in curves_lr], "Learning-rate schedules", "Step",
                                 "Learning rate", xlog=False))
    v.show(figures.curves_figure([{**shape, **c} for c in curves_loss],
                                 "Predicted loss curve under each schedule (after warmup)", "Step", "Loss", xlog=False))


def f8(v: View) -> None:
    par = v.of_form("parallel")
    c1, c2 = st.columns(2)
    N = v.log("N", "params", c1, help="Non-embedding parameters of the model run P times.")
    streams = [1, 2, 4, 8, 16, 32, 64]
    if v.value("P") not in streams:       # a link's P between the options: the nearest power of 2
        asked = int(v.value("P"))
        st.session_state[v.K["P"]] = min(streams, key=lambda q: (abs(math.log2(q) - math.log2(asked)), q))
        st.info(f"P = {asked} is not one of the stream counts offered (powers of 2): showing P = {v.value('P')}.")
    c2.select_slider("Parallel streams P", options=streams, key=v.key("P"), help="The law was fitted for P = 1, 2, 4 and 8.")
    P = int(v.value("P"))
    if P > 8:
        st.info(f"Extrapolation: P = {P} is beyond the P ≤ 8 the law was fitted on.")
    if not par:
        return
    rows, change, mult = views.parallel(par, N, P)
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
        "equivalent dense parameters": st.column_config.NumberColumn(format="%.3e")})
    v.screen.extend({"N": N, "P": P, **r} for r in rows)
    flag_unverified(par)
    st.caption("P streams act like a model k·ln P + 1 times larger (k ≈ 0.39 on code, 0.33 on the Pile): each "
               "doubling of P adds the same multiple, so returns diminish, and the loss never passes E.")
    v.show(figures.curves_figure(change, f"Loss change from P = 1 at N = {human(N)}", "Parallel streams P",
                                 "Loss − loss at P = 1 (nats/token)", marker_x=P))
    v.show(figures.curves_figure(mult, "Equivalent dense size: N × (k ln P + 1)", "Parallel streams P",
                                 "Size multiplier", marker_x=P))


def f9(v: View) -> None:
    st.slider("Loss (nats/token)", 1.5, 6.0, step=0.05, key=v.key("L"))
    L0 = float(v.value("L"))
    maps = v.of_form("downstream")
    curves, at = views.downstream(maps, L0)
    for lw in maps:
        st.markdown(f"**{lw.name}**: predicted average top-1 error at loss {L0:.2f} = **{at[lw.slug]:.3f}** "
                    f"({lw.citation}, {lw.locator}).")
    v.show(figures.curves_figure(curves, "Downstream error from loss", "Loss (nats/token)", "Average top-1 error",
                                 xlog=False))


def f10(v: View) -> None:
    st.markdown("No stored paper publishes broken-power-law coefficients for reuse (Caballero et al. 2022 give "
                "the form and fit it per task). Explore the form's shape here with your own parameters, or fit it "
                "to your runs on the Fit page (form 'Smoothly broken power law, one break').")
    for col, f in zip(st.columns(5), [v.F[k] for k in ("bn_a", "bn_c0", "bn_c1", "bn_d1", "bn_f1")]):
        if f.kind == "log10":
            widgets.log_slider(PAGE, f, "", col)
        else:
            col.slider(f.label, float(f.lo), float(f.hi), step=0.01 if f.hi <= 2 else 0.05, key=v.key(f.key))
    a, c0, c1 = (float(v.value(k)) for k in ("bn_a", "bn_c0", "bn_c1"))
    d1, f1_ = 10 ** v.value("bn_d1"), float(v.value("bn_f1"))
    xs, y, before, after, at_break = views.bnsl_shape(a, c0, c1, d1, f1_)
    shape = {"name": "illustrative parameters (not a published fit)", "citation": "Caballero et al. 2022 form",
             "locator": "Sec. 2"}
    v.show(figures.curves_figure(
        [{**shape, "x": xs, "y": y, "point": (d1, at_break)},
         {**shape, "name": f"power law before the break, slope -{c0:g}", "x": xs, "y": before, "dash": "dot"},
         {**shape, "name": f"power law after the break, slope -{c0 + c1:g}", "x": xs, "y": after, "dash": "dash"}],
        "Smoothly broken power law, one break: y = a + b x^-c0 (1 + (x/d1)^(1/f1))^(-c1 f1)",
        "Scale x (parameters, data or compute)", "y − a (reducible part)", ylog=True, marker_x=d1))
    st.caption(f"Drawn as y − a = {a:g} subtracted, so each power law is a straight line. b is set to d1^c0 so the "
               f"reducible part is about 1 at the break. Far before x = {fmt_sci(d1)} the curve follows slope "
               f"−{c0:g}; far after it, −{c0 + c1:g}; a larger f1 spreads the bend over more decades. A negative c1 "
               "flattens the curve after the break (a plateau), a positive one steepens it.")


def f12(v: View) -> None:
    domain = [s for s, lw in v.laws.items() if lw.kind == "metric_1d" and lw.family == "F12"]
    st.selectbox("Law", domain, key=v.key("dlaw"), format_func=lambda s: f"{v.laws[s].name} — {v.laws[s].citation}")
    law = v.laws[v.value("dlaw")]
    lo, hi = views.law_span(law)
    lo, hi = math.floor(lo * 20) / 20, math.ceil(hi * 20) / 20      # on the URL field's 0.05-decade grid
    grid = [round(lo + i * 0.05, 6) for i in range(int(round((hi - lo) / 0.05)) + 1)]
    if v.value("x") not in grid:      # a link's x outside this law's span: nearest end
        st.session_state[v.K["x"]] = min(grid, key=lambda g: abs(g - v.value("x")))
    x_label = VARIABLE_NAMES[law.variable] + ("" if law.x_unit == "parameters" else f" ({law.x_unit})")
    st.select_slider(x_label, options=grid, key=v.key("x"), format_func=lambda e: f"{fmt_sci(10 ** e)} {law.x_unit}",
                     help="Spans the law's stated fit range and one decade either side.")
    x0 = 10 ** v.value("x")
    siblings = [lw for s, lw in v.laws.items() if s in domain and lw.source_id == law.source_id
                and lw.variable == law.variable]
    y0, curves = views.domain_point(law, siblings, x0, lo, hi)
    st.markdown(f"**{law.metric}** at {VARIABLE_NAMES[law.variable].lower()} = {fmt_sci(x0)} {law.x_unit}: "
                f"**{y0:.4g}** ({law.citation}, {law.locator}).")
    v.screen.append({"law": law.slug, "x": x0, "x_unit": law.x_unit, "metric": law.metric, "value": y0})
    if law.x_range and not law.x_range[0] <= x0 <= law.x_range[1]:
        st.info(f"Extrapolation: the law was fitted on {fmt_sci(law.x_range[0])}–{fmt_sci(law.x_range[1])} "
                f"{law.x_unit}.")
    elif not law.x_range:
        t = cache.laws_table()
        st.caption("Fit range not stated as numbers in the paper: "
                   + str(t.loc[t["slug"] == law.slug, "domain"].iloc[0]))
    flag_unverified([law])
    v.show(figures.curves_figure(curves, f"{law.citation}: scaling with {VARIABLE_NAMES[law.variable].lower()}",
                                 f"{VARIABLE_NAMES[law.variable]} ({law.x_unit})",
                                 siblings[0].metric if len(siblings) == 1 else "Metric (see legend)", ylog=True,
                                 marker_x=x0))
    st.caption("Other domains: these curves are not language-model losses; compare shapes and exponents, "
               "not absolute values, with the LLM laws.")


VIEWS = {"F1": f1, "F2": f2_f11, "F3": f3, "F4": f4, "F5": f5, "F6": f6, "F7": f7, "F8": f8, "F9": f9, "F10": f10,
         "F11": f2_f11, "F12": f12}
