"""Streamlit glue for the Budget planner: a Plan (lib.plan) drawn as metrics, notes and tabs.
Numbers come from the Plan; nothing is computed here but the fixed-size curve's view call."""
from __future__ import annotations

import math

import streamlit as st

from .. import figures
from ..plan import Plan, fixed_size_curve
from ..units import fmt_num, fmt_sci, human
from . import charts, exports, widgets


def metrics(p: Plan, bands: dict | None, boot: str, seed: int) -> None:
    """The compute-optimal numbers, with bootstrap intervals for a fitted law."""
    def ci(q, kind):
        return None if bands is None else f"95% CI {fmt_num(bands[q][0], kind)} – {fmt_num(bands[q][2], kind)}"
    st.markdown("##### Compute-optimal" + (" under the data limit" if math.isfinite(p.U) else ""))
    top, bottom = widgets.row(), widgets.row()
    top.metric("N* (parameters)", human(p.N), help=ci("N", "count"))
    top.metric("D* (tokens)", human(p.D), help=ci("D", "count"))
    top.metric("Tokens / parameter", f"{p.tokens_per_param:.1f}")
    bottom.metric("Predicted loss", fmt_num(p.loss, "loss"),
                help=ci("loss", "loss") or "nats/token on the law's own dataset")
    bottom.metric("Epochs over unique data", "1.00 or fewer" if p.epochs <= 1 else f"{p.epochs:.2f}")
    bottom.metric("Compute (FLOPs)", fmt_sci(p.C_spent), help="6·N*·D*: the plan spends exactly the budget.")
    if bands is not None:
        st.caption(f"95% bootstrap intervals ({boot} resamples, seed {seed}): N* "
                   f"{human(bands['N'][0])}–{human(bands['N'][2])}, D* {human(bands['D'][0])}–{human(bands['D'][2])}, "
                   f"loss {bands['loss'][0]:.4f}–{bands['loss'][2]:.4f}. Time and cost follow from C alone.")


def tabs(p: Plan, labels, key: str) -> None:
    """Data limit, inference demand, fixed model size and cost, each with its own notes. Only the open
    tab is drawn: the tabs track their state (on_change="rerun"), so a rerun skips the hidden three."""
    for tab, draw in zip(st.tabs(labels, key=key, on_change="rerun"),
                         (_data_tab, _inference_tab, _fixed_tab, _cost_tab)):
        if tab.open is not False:          # None only if the tabs did not track state: draw every tab
            with tab:
                draw(p)


def _data_tab(p: Plan) -> None:
    """Repeated data: epochs, effective tokens and the loss penalty."""
    U = p.U
    widgets.notes(p.notes, "data")
    if not math.isfinite(U):
        st.write("Unique data is unlimited: set the unique-tokens slider to plan for a data limit.")
    elif p.data:
        st.write(f"With {human(U)} unique tokens the optimum repeats the data **{p.data['epochs']:.2f}×**; "
                 f"the {human(p.D)} tokens are worth **{human(p.data['effective_tokens'])}** fresh ones (D′), and "
                 f"the loss is **{p.data['loss_penalty']:+.4f}** against unlimited data "
                 f"({fmt_num(p.data['loss_unlimited'], 'loss')}).")


def _inference_tab(p: Plan) -> None:
    """A smaller model trained longer for a lifetime of inference tokens."""
    U, D_inf = p.U, p.inference_tokens
    widgets.notes(p.notes, "inference")
    if D_inf == 0:
        st.write("Set lifetime inference tokens to find a smaller model, trained longer, that reaches the same "
                 "loss for fewer total FLOPs (Sardana et al. 2023).")
    elif p.inference:
        a, b = p.inference["inference_aware"], p.inference["baseline"]
        c = widgets.row()
        c.metric("N (inference-aware)", human(a["N"]), delta=f"{a['N'] / b['N'] - 1:+.0%} vs N*",
                    delta_color="off")
        c.metric("Training tokens", human(a["D"]), delta=f"{a['D'] / a['N']:.0f} tokens/param",
                    delta_color="off")
        c.metric("Total FLOPs saved", fmt_sci(p.inference["saved_flops"]),
                    delta=f"{p.inference['saved_fraction']:.1%} of {fmt_sci(b['total_flops'])}", delta_color="off")
        st.caption(f"Same loss {b['loss']:.4f}. Training {fmt_sci(a['train_flops'])} + inference "
                   f"{fmt_sci(a['inference_flops'])} FLOPs (2·N per token), against "
                   f"{fmt_sci(b['train_flops'])} + {fmt_sci(b['inference_flops'])} for N*."
                   + (f" Epochs over the unique data: {a['D'] / U:.1f}." if math.isfinite(U) else ""))


def _fixed_tab(p: Plan) -> None:
    """A fixed model size on the whole budget: its loss and over-training penalty."""
    U, N_fix, law = p.U, p.fixed_N, p.law
    widgets.notes(p.notes, "fixed")
    if N_fix is None:
        st.write("Set a fixed model size to see its loss on this budget and the over-training penalty.")
    elif p.fixed:
        fx = p.fixed
        c = widgets.row()
        c.metric(f"Loss of {human(N_fix)} params", fmt_num(fx["loss"], "loss"),
                    delta=f"{fx['loss'] - p.loss:+.4f} vs N*", delta_color="inverse")
        c.metric("Tokens / parameter", f"{fx['tokens_per_param']:.0f}")
        c.metric("Over-training penalty", f"{fx['penalty_fraction']:.1%}",
                    help=f"{fmt_sci(fx['penalty_flops'])} extra FLOPs: the compute-optimal model "
                         f"({human(fx['N_optimal_same_loss'])} params) reaches the same loss with "
                         f"{fmt_sci(fx['C_optimal_same_loss'])} FLOPs.")
        curve = fixed_size_curve(law, N_fix, fx["D"], U)
        charts.plotly_chart(figures.curves_figure(
            [{"name": f"{human(N_fix)} parameters", "citation": law.citation, "locator": law.locator,
              **curve, "point": (fx["D"], fx["loss"])}],
            f"Loss vs training tokens for a fixed {human(N_fix)}-parameter model", "Training tokens D",
            "Predicted loss (nats/token)"), key="fixed", config=exports.chart_config("fixed_size"))


def _cost_tab(p: Plan) -> None:
    """Wall-clock, GPU-hours and cost on the chosen hardware."""
    D_inf = p.inference_tokens
    widgets.notes(p.notes, "cost")
    if p.cost:
        c = widgets.row()
        c.metric("Training wall-clock", f"{p.cost['days']:,.1f} days")
        c.metric("GPU-hours", f"{p.cost['gpu_hours']:,.0f}")
        c.metric("Training cost", f"${p.cost['usd']:,.0f}")
        if p.inference_cost:
            st.caption(f"Serving {fmt_sci(D_inf)} tokens with N* at the same throughput: "
                       f"{p.inference_cost['gpu_hours']:,.0f} GPU-hours, ${p.inference_cost['usd']:,.0f} "
                       "(2·N FLOPs per token).")


