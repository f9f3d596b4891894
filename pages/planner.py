"""Budget planner: compute, unique data, inference demand and an optional fixed model size →
the compute-optimal, data-constrained, inference-aware and fixed-size answers, with cost."""
import math

import numpy as np
import pandas as pd
import streamlit as st

from lib import allocation, figures, ui
from lib.laws import evaluate_loss
from lib.state import Field

PAGE = "planner"
ui.require_navigation()
laws = ui.published_laws()
fits = tuple(ui.fitted_slug(ds, m) for ds in ui.dataset_ids() for m in ui.RUN_FORMS)
published_alloc = tuple(s for s, l in laws.items() if l.has_allocation)
choices = published_alloc + fits
gpus = ui.gpu_presets()


def label(slug: str) -> str:
    if slug.startswith(ui.FIT_PREFIX):
        ds, m = slug[len(ui.FIT_PREFIX):].rsplit(":", 1)
        return f"Your fit: {m} on {ui.dataset_label(ds)}"
    return laws[slug].label


FIELDS = (
    Field("law", "choice", "hoffmann2022-eq10-unrounded" if "hoffmann2022-eq10-unrounded" in choices
          else choices[0], choices=choices, label="Law"),
    Field("C", "log10", 23.0, lo=18.0, hi=27.0, step=0.1, label="Compute budget"),
    Field("U", "log10", math.inf, lo=9.0, hi=15.0, step=0.1, allow_inf=True, label="Unique tokens"),
    Field("inf", "log10", -math.inf, lo=9.0, hi=16.0, step=0.1, allow_none=True, label="Lifetime inference tokens"),
    Field("fixN", "log10", -math.inf, lo=8.0, hi=13.0, step=0.05, allow_none=True, label="Fixed model size"),
    Field("gpu", "choice", ui.DEFAULT_GPU if ui.DEFAULT_GPU in gpus else "custom",
          choices=tuple(gpus) + ("custom",), label="Accelerator"),
    Field("gpus", "int", 1024, lo=1, hi=1_000_000, label="GPU count"),
    Field("tflops", "float", 1000.0, lo=1.0, hi=100_000.0, label="Peak TFLOP/s per GPU"),
    Field("mfu", "float", 0.40, lo=0.01, hi=1.0, label="MFU"),
    Field("price", "float", 2.0, lo=0.0, hi=1000.0, label="Price per GPU-hour"),
    Field("boot", "choice", "0", choices=("0", "200", "1000"), label="Bootstrap resamples"),
    Field("seed", "int", 0, lo=0, hi=2**31 - 1, label="Bootstrap seed"),
    Field("cmp", "multi", tuple(s for s in ("hoffmann2022-eq10-unrounded", "besiroglu2024-refit", "kaplan2020-nopt",
                                            "deepseek2024-alloc", "gadre2024-c4") if s in laws),
          choices=published_alloc, label="Laws to compare"),
)
K = {f.key: ui.wkey(PAGE, f) for f in FIELDS}

st.title("Budget planner")
ui.url_view(PAGE, FIELDS)
left, right = st.columns([1, 2])
with left:
    st.selectbox("Law", choices, key=K["law"], format_func=label,
                 help="Published laws, or a law fitted on the Fit page to a stored dataset.")
    ui.log_slider(PAGE, FIELDS[1], "FLOPs", left, help="Training compute, C = 6·N·D.")
    ui.log_slider(PAGE, FIELDS[2], "tokens", left, help="Unique tokens available; beyond them the data repeats.")
    ui.log_slider(PAGE, FIELDS[3], "tokens", left, help="Tokens the model will generate or read when served "
                  "(2·N FLOPs each): a smaller model trained longer may cost less overall.")
    ui.log_slider(PAGE, FIELDS[4], "params", left, help="Only a model of this size can be served: how much does "
                  "training it on the whole budget cost against the compute-optimal model?")
    st.markdown("**Hardware**")
    st.selectbox("Accelerator", FIELDS[5].choices, key=K["gpu"],
                 format_func=lambda g: "custom (enter peak TFLOP/s)" if g == "custom" else
                 f"{g} — {gpus[g]:g} TFLOP/s dense BF16")
    custom = st.session_state[K["gpu"]] == "custom"
    st.number_input("GPU count", 1, 1_000_000, step=64, key=K["gpus"])
    st.number_input("Peak TFLOP/s per GPU (dense BF16)", 1.0, 100_000.0, step=10.0, key=K["tflops"],
                    disabled=not custom, help="Used when the accelerator is 'custom'.")
    st.number_input("MFU (model FLOPs utilisation)", 0.01, 1.0, step=0.05, key=K["mfu"])
    st.number_input("Price per GPU-hour (USD)", 0.0, 1000.0, step=0.25, key=K["price"])
    fitted = st.session_state[K["law"]].startswith(ui.FIT_PREFIX)
    st.markdown("**Uncertainty** (fitted laws)")
    st.selectbox("Bootstrap resamples", FIELDS[10].choices, key=K["boot"], disabled=not fitted,
                 format_func=lambda n: "off" if n == "0" else f"{n} resamples",
                 help="Bands for laws fitted to your runs; published laws carry no resamples here.")
    st.number_input("Bootstrap seed", 0, 2**31 - 1, step=1, key=K["seed"], disabled=not fitted)
with right:
    st.multiselect("Compare this budget across laws", published_alloc, key=K["cmp"],
                   format_func=lambda s: laws[s].label)
v = ui.sync_url(PAGE, FIELDS)

try:
    law = ui.law(v["law"])
except Exception as e:  # a fitted law whose data cannot be fitted
    st.error(f"Cannot use {label(v['law'])}: {e}")
    st.stop()
C = 10 ** v["C"]
U = math.inf if math.isinf(v["U"]) else 10 ** v["U"]
D_inf = 0.0 if math.isinf(v["inf"]) else 10 ** v["inf"]
N_fix = None if math.isinf(v["fixN"]) else 10 ** v["fixN"]
data_aware = law.form == "muennighoff"
U_law = U if data_aware else math.inf
opt = ui.frontier(law.slug, v["C"], v["C"], U_law, 1)
N, D, loss = float(opt["N"][0]), float(opt["D"][0]), float(opt["loss"][0])
epochs = D / U
peak = (v["tflops"] if v["gpu"] == "custom" else gpus[v["gpu"]]) * 1e12
throughput = int(v["gpus"]) * peak * v["mfu"]

with right:
    st.caption(f"{law.citation}, {law.locator}. Parameters: {law.param_convention}. {law.compute_convention}."
               + ("" if law.verified else " **Coefficients not verified against the paper text.**"))
    note = ui.extrapolation_note(law, C, N, D)
    if note:
        st.info(note)
    bands = (ui.frontier_band(law.slug, int(v["boot"]), int(v["seed"]), C, U_law)
             if fitted and v["boot"] != "0" else None)

    def ci(q, fmt):
        return None if bands is None else f"95% CI {fmt(bands[q][0])} – {fmt(bands[q][2])}"
    st.markdown("##### Compute-optimal" + (" under the data limit" if data_aware and math.isfinite(U) else ""))
    m = st.columns(3) + st.columns(3)
    m[0].metric("N* (parameters)", ui.human(N), help=ci("N", ui.human))
    m[1].metric("D* (tokens)", ui.human(D), help=ci("D", ui.human))
    m[2].metric("Tokens / parameter", f"{D / N:.1f}")
    m[3].metric("Predicted loss", "—" if math.isnan(loss) else f"{loss:.4f}",
                help=ci("loss", lambda x: f"{x:.4f}") or "nats/token on the law's own dataset")
    m[4].metric("Epochs over unique data", "1.00 or fewer" if epochs <= 1 else f"{epochs:.2f}")
    m[5].metric("Compute (FLOPs)", ui.fmt_sci(C))
    if bands is not None:
        st.caption(f"95% bootstrap intervals ({v['boot']} resamples, seed {v['seed']}): "
                   f"N* {ui.human(bands['N'][0])}–{ui.human(bands['N'][2])}, "
                   f"D* {ui.human(bands['D'][0])}–{ui.human(bands['D'][2])}, "
                   f"loss {bands['loss'][0]:.4f}–{bands['loss'][2]:.4f}. Time and cost follow from C alone.")

    tab_data, tab_inf, tab_fix, tab_cost = st.tabs(["Data limit", "Inference demand", "Fixed model size", "Cost"])
    with tab_data:
        if not math.isfinite(U):
            st.write("Unique data is unlimited: set the unique-tokens slider to plan for a data limit.")
        elif data_aware:
            dc = ui.data_constrained(law.slug, C, U)
            if dc["epochs"] > 500:
                st.warning(f"{ui.human(U)} unique tokens are far too few for {ui.fmt_sci(C)} FLOPs: the optimum "
                           f"repeats them {dc['epochs']:.0f} times, far past the ~{law.p['R_D_star']:.0f} repetitions "
                           "(R_D*) after which repeated data is worth little, and outside the 1–500 epochs the law was "
                           "fitted on. Find more unique data or spend less compute.")
            elif dc["epochs"] > 4 * law.p["R_D_star"]:
                st.warning(f"The optimum repeats the {ui.human(U)} unique tokens {dc['epochs']:.0f} times, more than "
                           f"4× R_D* ≈ {law.p['R_D_star']:.0f}: most of that repetition adds little. More unique "
                           "data would help more than more compute.")
            st.write(f"With {ui.human(U)} unique tokens the optimum repeats the data **{dc['epochs']:.2f}×**; "
                     f"repeated tokens are worth **{ui.human(dc['effective_tokens'])}** fresh ones (D′), and the "
                     f"loss is **{dc['loss_penalty']:+.4f}** against unlimited data ({dc['loss_unlimited']:.4f}).")
        elif epochs > 1:
            st.warning(f"D* = {ui.human(D)} tokens exceeds the {ui.human(U)} unique tokens: {epochs:.1f} epochs. "
                       "This law assumes fresh data; pick the data-constrained law (Muennighoff et al. 2023) to "
                       "account for repetition.")
        else:
            st.write(f"D* = {ui.human(D)} tokens fits in the {ui.human(U)} unique tokens (one epoch or less).")
    with tab_inf:
        if D_inf == 0:
            st.write("Set lifetime inference tokens to find a smaller model, trained longer, that reaches the same "
                     "loss for fewer total FLOPs (Sardana et al. 2023).")
        elif not law.has_loss_nd:
            st.info("This law publishes an allocation rule but no loss function: the inference-aware optimum needs "
                    "L(N, D).")
        else:
            try:
                ia = ui.inference_aware(law.slug, C, D_inf, U_law)
            except ValueError as e:
                st.error(f"No inference-aware optimum: {e}.")
            else:
                a, b = ia["inference_aware"], ia["baseline"]
                c = st.columns(3)
                c[0].metric("N (inference-aware)", ui.human(a["N"]), delta=f"{a['N'] / b['N'] - 1:+.0%} vs N*",
                            delta_color="off")
                c[1].metric("Training tokens", ui.human(a["D"]), delta=f"{a['D'] / a['N']:.0f} tokens/param",
                            delta_color="off")
                c[2].metric("Total FLOPs saved", ui.fmt_sci(ia["saved_flops"]),
                            delta=f"{ia['saved_fraction']:.1%} of {ui.fmt_sci(b['total_flops'])}", delta_color="off")
                st.caption(f"Same loss {b['loss']:.4f}. Training {ui.fmt_sci(a['train_flops'])} + inference "
                           f"{ui.fmt_sci(a['inference_flops'])} FLOPs (2·N per token), against "
                           f"{ui.fmt_sci(b['train_flops'])} + {ui.fmt_sci(b['inference_flops'])} for N*."
                           + (" Repetition of the unique data is included." if data_aware and math.isfinite(U)
                              else ""))
    with tab_fix:
        if N_fix is None:
            st.write("Set a fixed model size to see its loss on this budget and the over-training penalty.")
        elif not law.has_loss_nd:
            st.info("This law has no loss function, so a fixed size cannot be evaluated.")
        else:
            fx = ui.fixed_size(law.slug, N_fix, C, U_law)
            c = st.columns(3)
            c[0].metric(f"Loss of {ui.human(N_fix)} params", f"{fx['loss']:.4f}", delta=f"{fx['loss'] - loss:+.4f} vs N*",
                        delta_color="inverse")
            c[1].metric("Tokens / parameter", f"{fx['tokens_per_param']:.0f}")
            c[2].metric("Over-training penalty", f"{fx['penalty_fraction']:.1%}",
                        help=f"{ui.fmt_sci(fx['penalty_flops'])} extra FLOPs: the compute-optimal model "
                             f"({ui.human(fx['N_optimal_same_loss'])} params) reaches the same loss with "
                             f"{ui.fmt_sci(fx['C_optimal_same_loss'])} FLOPs.")
            tokens = np.logspace(math.log10(fx["D"]) - 2, math.log10(fx["D"]) + 1, 80)
            st.plotly_chart(figures.curves_figure(
                [{"name": f"{ui.human(N_fix)} parameters", "citation": law.citation, "locator": law.locator,
                  "x": tokens, "y": evaluate_loss(law, N_fix, tokens, U_law), "point": (fx["D"], fx["loss"])}],
                f"Loss vs training tokens for a fixed {ui.human(N_fix)}-parameter model", "Training tokens D",
                "Predicted loss (nats/token)"), key="fixed", config=ui.chart_config("fixed_size"))
    with tab_cost:
        try:
            cost = allocation.training_time_cost(C, int(v["gpus"]), peak, v["mfu"], v["price"])
        except ValueError as e:
            st.error(f"Cannot compute time and cost: {e}")
            cost = None
        else:
            c = st.columns(3)
            c[0].metric("Training wall-clock", f"{cost['days']:,.1f} days")
            c[1].metric("GPU-hours", f"{cost['gpu_hours']:,.0f}")
            c[2].metric("Training cost", f"${cost['usd']:,.0f}")
            if D_inf:
                inf_cost = allocation.training_time_cost(2.0 * N * D_inf, int(v["gpus"]), peak, v["mfu"], v["price"])
                st.caption(f"Serving {ui.fmt_sci(D_inf)} tokens with N* at the same throughput: "
                           f"{inf_cost['gpu_hours']:,.0f} GPU-hours, ${inf_cost['usd']:,.0f} (2·N FLOPs per token).")

    if law.has_loss_nd:
        curve = ui.isoflop(law.slug, C, U_law)
        st.plotly_chart(figures.isoflop_figure(curve, law.name, law.citation, C, U if math.isfinite(U) else None,
                                               fixed_N=N_fix), key="isoflop", config=ui.chart_config("isoflop"))
    else:
        st.info("This law publishes an allocation rule but no loss function, so there is no isoFLOP curve.")

st.subheader(f"The same budget under each law: C = {ui.fmt_sci(C)} FLOPs")
rows = []
for s in dict.fromkeys((law.slug,) + tuple(v["cmp"])):
    o = ui.frontier(s, v["C"], v["C"], U if ui.law(s).form == "muennighoff" else math.inf, 1)
    lw = ui.law(s)
    rows.append({"law": lw.name, "paper": lw.citation, "locator": lw.locator, "N*": float(o["N"][0]),
                 "D*": float(o["D"][0]), "D*/N*": float(o["tokens_per_param"][0]), "loss": float(o["loss"][0]),
                 "parameters": lw.param_convention})
side = pd.DataFrame(rows)
st.plotly_chart(figures.comparison_figure(side), key="compare", config=ui.chart_config("compare"))
st.dataframe(side, hide_index=True, column_config={
    "N*": st.column_config.NumberColumn(format="%.3e"), "D*": st.column_config.NumberColumn(format="%.3e"),
    "D*/N*": st.column_config.NumberColumn(format="%.1f"), "loss": st.column_config.NumberColumn(format="%.4f")})
st.caption("Losses come from different datasets and tokenizers: compare their shape, not their values.")
plan = {"law": law.slug, "C_flops": C, "unique_tokens": U, "inference_tokens": D_inf, "fixed_N": N_fix,
        "N_opt": N, "D_opt": D, "loss": loss, "epochs": epochs, "accelerator": v["gpu"], "peak_flops": peak,
        "gpus": int(v["gpus"]), "mfu": v["mfu"], "usd_per_gpu_hour": v["price"],
        "bootstrap": {"resamples": int(v["boot"]), "seed": int(v["seed"])} if fitted else None}
ui.export_row(plan, side, [law.source_id] + [ui.law(s).source_id for s in v["cmp"]], "plan")
