"""Budget planner: a compute budget and a unique-data budget → N*, D*, loss, epochs, time and cost."""
import math

import pandas as pd
import streamlit as st

from lib import allocation, figures, ui
from lib.state import Field

PAGE = "planner"
ui.require_navigation()
laws = ui.published_laws()
fits = tuple(ui.fitted_slug(ds, m) for ds in ui.dataset_ids() for m in ui.RUN_FORMS)
choices = tuple(s for s, l in laws.items() if l.has_allocation) + fits


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
    Field("gpus", "int", 1024, lo=1, hi=1_000_000, label="GPU count"),
    Field("tflops", "float", 989.0, lo=1.0, hi=100_000.0, label="Peak TFLOP/s per GPU"),
    Field("mfu", "float", 0.40, lo=0.01, hi=1.0, label="MFU"),
    Field("price", "float", 2.0, lo=0.0, hi=1000.0, label="Price per GPU-hour"),
    Field("boot", "choice", "0", choices=("0", "200", "1000"), label="Bootstrap resamples"),
    Field("seed", "int", 0, lo=0, hi=2**31 - 1, label="Bootstrap seed"),
)

st.title("Budget planner")
ui.url_view(PAGE, FIELDS)
left, right = st.columns([1, 2])
with left:
    st.selectbox("Law", choices, key=ui.wkey(PAGE, FIELDS[0]), format_func=label,
                 help="Published laws, or a law fitted on the Fit page to a stored dataset.")
    ui.log_slider(PAGE, FIELDS[1], "FLOPs", left, help="Training compute, C = 6·N·D.")
    ui.log_slider(PAGE, FIELDS[2], "tokens", left, help="Unique tokens available; beyond it the data repeats.")
    st.markdown("**Hardware**")
    st.number_input("GPU count", 1, 1_000_000, step=64, key=ui.wkey(PAGE, FIELDS[3]))
    st.number_input("Peak TFLOP/s per GPU (dense bf16)", 1.0, 100_000.0, step=10.0, key=ui.wkey(PAGE, FIELDS[4]),
                    help="Default 989: NVIDIA H100 SXM dense BF16 peak, per NVIDIA's datasheet.")
    st.number_input("MFU (model FLOPs utilisation)", 0.01, 1.0, step=0.05, key=ui.wkey(PAGE, FIELDS[5]))
    st.number_input("Price per GPU-hour (USD)", 0.0, 1000.0, step=0.25, key=ui.wkey(PAGE, FIELDS[6]))
    fitted = st.session_state[ui.wkey(PAGE, FIELDS[0])].startswith(ui.FIT_PREFIX)
    st.markdown("**Uncertainty** (fitted laws)")
    st.selectbox("Bootstrap resamples", FIELDS[7].choices, key=ui.wkey(PAGE, FIELDS[7]), disabled=not fitted,
                 format_func=lambda n: "off" if n == "0" else f"{n} resamples",
                 help="Bands for laws fitted to your runs; published laws carry no resamples here.")
    st.number_input("Bootstrap seed", 0, 2**31 - 1, step=1, key=ui.wkey(PAGE, FIELDS[8]), disabled=not fitted)
v = ui.sync_url(PAGE, FIELDS)

try:
    law = ui.law(v["law"])
except Exception as e:  # a fitted law whose data cannot be fitted
    st.error(f"Cannot use {label(v['law'])}: {e}")
    st.stop()
C, U = 10 ** v["C"], (math.inf if math.isinf(v["U"]) else 10 ** v["U"])
data_aware = law.form == "muennighoff"
opt = ui.frontier(law.slug, v["C"], v["C"], U if data_aware else math.inf, 1)
N, D, loss = float(opt["N"][0]), float(opt["D"][0]), float(opt["loss"][0])
epochs = D / U

with right:
    st.caption(f"{law.citation}, {law.locator}. Parameters: {law.param_convention}. {law.compute_convention}."
               + ("" if law.verified else " **Coefficients not verified against the paper text.**"))
    bands = (ui.frontier_band(law.slug, int(v["boot"]), int(v["seed"]), C, U if data_aware else math.inf)
             if fitted and v["boot"] != "0" else None)

    def ci(q, fmt):
        return None if bands is None else f"95% CI {fmt(bands[q][0])} – {fmt(bands[q][2])}"
    m = st.columns(3) + st.columns(3)
    m[0].metric("N* (parameters)", ui.human(N), help=ci("N", ui.human))
    m[1].metric("D* (tokens)", ui.human(D), help=ci("D", ui.human))
    m[2].metric("Tokens / parameter", f"{D / N:.1f}")
    m[3].metric("Predicted loss", "—" if math.isnan(loss) else f"{loss:.4f}",
                help=ci("loss", lambda x: f"{x:.4f}") or "nats/token on the law's own dataset")
    if bands is not None:
        st.caption(f"95% bootstrap intervals ({v['boot']} resamples, seed {v['seed']}): "
                   f"N* {ui.human(bands['N'][0])}–{ui.human(bands['N'][2])}, "
                   f"D* {ui.human(bands['D'][0])}–{ui.human(bands['D'][2])}, "
                   f"loss {bands['loss'][0]:.4f}–{bands['loss'][2]:.4f}. Time and cost follow from C alone.")
    m[4].metric("Epochs over unique data", "1.00 or fewer" if epochs <= 1 else f"{epochs:.2f}")
    m[5].metric("Compute (FLOPs)", ui.fmt_sci(C))
    if epochs > 1 and not data_aware:
        st.warning(f"D* = {ui.human(D)} tokens exceeds the {ui.human(U)} unique tokens: {epochs:.1f} epochs. "
                   "This law assumes fresh data; pick the data-constrained law (Muennighoff et al. 2023) to "
                   "account for repetition.")
    elif epochs > 1:
        st.info(f"Data-constrained optimum: {epochs:.1f} epochs over {ui.human(U)} unique tokens.")
    if law.has_loss_nd:
        curve = ui.isoflop(law.slug, C, U if data_aware else math.inf)
        st.plotly_chart(figures.isoflop_figure(curve, law.name, law.citation, C, U if math.isfinite(U) else None),
                        key="isoflop")
    else:
        st.info("This law publishes an allocation rule but no loss function, so there is no isoFLOP curve.")
    try:
        cost = allocation.training_time_cost(C, int(v["gpus"]), v["tflops"] * 1e12, v["mfu"], v["price"])
        c = st.columns(3)
        c[0].metric("Wall-clock", f"{cost['days']:,.1f} days")
        c[1].metric("GPU-hours", f"{cost['gpu_hours']:,.0f}")
        c[2].metric("Cost", f"${cost['usd']:,.0f}")
    except ValueError as e:
        st.error(f"Cannot compute time and cost: {e}")
        cost = None
    out = pd.DataFrame([{"law": law.slug, "paper": law.citation, "C_flops": C, "unique_tokens": U, "N_opt": N,
                         "D_opt": D, "tokens_per_param": D / N, "loss": loss, "epochs": epochs,
                         "days": cost and cost["days"], "usd": cost and cost["usd"]}])
    st.download_button("Download this plan (CSV)", out.to_csv(index=False), "plan.csv", "text/csv")
