"""Streamlit glue for the Budget planner: its URL fields and the laws it offers (also for links to it
from other pages), and a Plan (lib.plan) drawn as metrics, notes and tabs. Numbers come from the Plan;
nothing is computed here but the fixed-size curve's view call."""
from __future__ import annotations

import math

import streamlit as st

from .. import conventions, figures
from ..plan import Plan, fixed_size_curve
from ..state import Field, encode
from ..units import fmt_num, fmt_sci, human
from . import cache, charts, exports, runconfig_views, widgets


SETTING_WORDS = {"frontier": "frontier loss", "best": "best run per cell", "annealed": "annealed losses",
                 "checkpoints": "every checkpoint"}


def law_choices(asked=()) -> tuple:
    """The laws the planner offers: published laws with an allocation, the default fit of every dataset with
    runs, and any fit with other settings among ``asked`` (the link's law, the session's choice)."""
    laws = cache.published_laws()
    fits = tuple(cache.fitted_slug(ds, m) for ds in cache.dataset_ids() if cache.has_runs(ds)
                 for m in cache.RUN_FORMS)
    linked = tuple(dict.fromkeys(s for s in asked if s and s not in fits and cache.is_fit_choice(s)))
    return tuple(s for s, lw in laws.items() if lw.has_allocation) + fits + linked


def law_label(slug: str) -> str:
    if slug.startswith(cache.FIT_PREFIX):
        ds, m, opts = cache.parse_fit(slug)
        how = ", ".join(SETTING_WORDS[o] for o in opts if o in SETTING_WORDS)
        return f"Your fit: {m} on {cache.dataset_label(ds)}" + (f" ({how})" if how else "")
    lw = cache.published_laws()[slug]
    return lw.label + ("" if lw.verified else " (UNVERIFIED)")


def link(slug: str, ws: str = "default") -> str:
    """The query string that opens the planner on ``slug``, written as the planner writes its links now
    (every field with a legacy default named, so the link is not read as one from before them)."""
    from urllib.parse import urlencode
    F = fields(law_choices((slug,)))
    q = encode({f.key: slug if f.key == "law" else f.default for f in F}, F)
    return urlencode(q | ({"ws": ws} if ws != "default" else {}))


def fields(choices: tuple) -> tuple:
    """The planner's URL fields (state.Field), in the order the page uses them. choices: the laws it offers."""
    laws = cache.published_laws()
    published_alloc = tuple(s for s, lw in laws.items() if lw.has_allocation)
    gpus = cache.gpu_presets()
    return (
        # verified default; links from before 2026-12 that omit `law` meant the unrounded Eq. 10 (Field.legacy)
        Field("law", "choice", "besiroglu2024-refit" if "besiroglu2024-refit" in choices else choices[0],
              choices=choices, label="Law",
              legacy="hoffmann2022-eq10-unrounded" if "hoffmann2022-eq10-unrounded" in choices else None,
              names=tuple((s, laws[s].name) for s in ("hoffmann2022-eq10-unrounded",) if s in laws)),
        Field("C", "log10", 23.0, lo=18.0, hi=27.0, step=0.1, label="Compute budget"),
        Field("U", "log10", math.inf, lo=9.0, hi=15.0, step=0.1, allow_inf=True, label="Unique tokens"),
        Field("inf", "log10", -math.inf, lo=9.0, hi=16.0, step=0.1, allow_none=True,
              label="Lifetime inference tokens"),
        Field("fixN", "log10", -math.inf, lo=8.0, hi=13.0, step=0.05, allow_none=True, label="Fixed model size"),
        Field("gpu", "choice", cache.DEFAULT_GPU if cache.DEFAULT_GPU in gpus else "custom",
              choices=tuple(gpus) + ("custom",), label="Accelerator"),
        Field("gpus", "int", 1024, lo=1, hi=1_000_000, label="GPU count"),
        Field("tflops", "float", 1000.0, lo=1.0, hi=100_000.0, label="Peak TFLOP/s per GPU"),
        Field("mfu", "float", 0.40, lo=0.01, hi=1.0, label="MFU"),
        Field("price", "float", 2.0, lo=0.0, hi=1000.0, label="Price per GPU-hour"),
        Field("boot", "choice", "0", choices=("0", "200", "1000"), label="Bootstrap resamples"),
        Field("seed", "int", 0, lo=0, hi=2**31 - 1, label="Bootstrap seed"),
        Field("cmp", "multi", tuple(s for s in ("besiroglu2024-refit", "hoffmann2022-eq10", "kaplan2020-nopt",
                                                "deepseek2024-alloc", "gadre2024-c4") if s in laws),
              choices=published_alloc, allow_empty=True, label="Laws to compare",
              legacy=tuple(s for s in ("hoffmann2022-eq10-unrounded", "besiroglu2024-refit", "kaplan2020-nopt",
                                       "deepseek2024-alloc", "gadre2024-c4") if s in laws),
              names=tuple((s, laws[s].name) for s in published_alloc)),
        Field("conv", "choice", "published", choices=tuple(conventions.CHOICES), label="Comparison convention"),
        Field("tab", "choice", "Data limit", choices=("Data limit", "Inference demand", "Fixed model size", "Cost"),
              label="Open tab"),
        *runconfig_views.FIELDS,
    )


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


