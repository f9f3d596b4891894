"""Streamlit glue for the planner's "Run config" section (issue 15): a plan → a concrete config
(lib.runconfig), whether it fits on the accelerators (lib.memory), and the small-run sweep that
would pin it down (lib.sweep_design). Numbers come from the library through app.cache; one
render function per part. Library use without Streamlit: see the docstrings of
scaling_explorer.runconfig, .memory and .sweep_design."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ..memory import PRECISION_LABELS, PRECISIONS, RECOMPUTE, SHARDINGS
from ..plan import Plan
from ..runconfig import HYPER_LAWS, SHAPE_RULES, config_text
from ..schedules import SCHEDULES
from ..state import Field
from ..units import fmt_num, fmt_sci, human
from . import cache, widgets

HYPER_SHORT = {"deepseek2024-lr-batch": "DeepSeek LLM (2024)", "li2025-steplaw": "Step Law (2025)"}
PRECISION_SHORT = {"mixed": "bf16/fp16 mixed", "fp32": "fp32"}

# URL-bound inputs of the section (appended to the planner's FIELDS). Defaults are settings, not
# published numbers, except seq = 4096 (DeepSeek LLM Table 2's sequence length, as read in
# tests/test_worked_examples.py).
FIELDS = (
    Field("seq", "int", 4096, lo=128, hi=1_048_576, label="Sequence length"),
    Field("hp", "choice", "deepseek2024-lr-batch", choices=tuple(HYPER_LAWS), label="Hyperparameter law"),
    Field("shape", "choice", "kaplan", choices=tuple(SHAPE_RULES), label="Shape rule"),
    Field("sched", "choice", "cosine", choices=SCHEDULES, label="LR schedule"),
    Field("shard", "choice", "zero1", choices=SHARDINGS, label="Sharding"),
    Field("tp", "int", 1, lo=1, hi=64, label="Tensor parallel"),
    Field("pp", "int", 1, lo=1, hi=512, label="Pipeline parallel"),
    Field("prec", "choice", "mixed", choices=tuple(PRECISIONS), label="Precision"),
    Field("recomp", "choice", "selective", choices=RECOMPUTE, label="Activation recomputation"),
    Field("mbs", "int", 1, lo=1, hi=1024, label="Micro-batch"),
    Field("mem", "float", 80.0, lo=1.0, hi=10_000.0, label="Memory per GPU (GB)"),
    Field("swC", "log10", 20.0, lo=15.0, hi=25.0, step=0.5, label="Small-run budget"),
    Field("noise", "float", 0.005, lo=0.0, hi=0.2, label="Noise level"),
    Field("rctab", "choice", "Config", choices=("Config", "Does it fit", "Sweep design", "YAML / TOML"),
          label="Run config tab"),
    # closed by default since 2026-12 (a budget press then redraws none of it); older links showed it open
    Field("rc", "bool", False, label="Run config section", legacy=True, names=((True, "open"),)),
)
F = {f.key: f for f in FIELDS}


def _key(name: str) -> str:
    """The widget key of this section's URL field `name`, bound for this run (widgets.bind): only the
    open tab's widgets are drawn, and one drawn again after a run away shows the kept value."""
    return widgets.bind("planner", F[name])


def config_inputs() -> None:
    """Part 1's inputs: sequence length, hyperparameter law, shape rule, schedule."""
    c = widgets.row()
    c.number_input("Sequence length", 128, 1_048_576, step=512, key=_key("seq"))
    c.selectbox("Hyperparameter law", FIELDS[1].choices, key=_key("hp"),
                   format_func=lambda k: HYPER_SHORT.get(k, HYPER_LAWS[k]),
                   help="\n\n".join(f"**{HYPER_SHORT[k]}**: {t}" for k, t in HYPER_LAWS.items()))
    c.selectbox("Shape rule", FIELDS[2].choices, key=_key("shape"), help="\n\n".join(
        f"**{k}**: {t}" for k, t in SHAPE_RULES.items()))
    c.selectbox("LR schedule", SCHEDULES, key=_key("sched"))


def config(rc) -> None:
    """Part 1: shape, batch, LR, steps and schedule for the plan, with the config's own loss."""
    s = rc.shape
    top, bottom = widgets.row(), widgets.row()
    top.metric("Layers × width", f"{s.n_layers} × {s.d_model}", help=SHAPE_RULES[rc.shape_rule])
    top.metric("Heads (head size)", f"{s.n_heads} ({s.head_dim})")
    top.metric("Config parameters", human(rc.params["law_N"]), delta=f"{rc.params['vs_N_star']:+.2%} vs N*",
                delta_color="off", help=f"In the law's convention ({rc.params['law_convention'] or 'not stated'}). "
                f"Total {human(rc.params['total'])}, non-embedding {human(rc.params['non_embedding'])}.")
    cost = rc.loss_cost
    top.metric("Predicted loss (config)", "n/a" if rc.loss_config is None else fmt_num(rc.loss_config, "loss"),
                delta=None if cost is None else "≈ 0 vs N*" if abs(cost) < 5e-6 else
                f"{cost:+.4f} vs N*" if abs(cost) >= 1e-3 else f"{cost:+.1e} vs N*",
                delta_color="off" if cost is None or abs(cost) < 5e-6 else "inverse",
                delta_arrow="off" if cost is not None and abs(cost) < 5e-6 else "auto",
                help="The law's loss at this exact N and D = C/(6N), and what it costs against N*'s.")
    bottom.metric("Global batch", f"{rc.batch_sequences} × {rc.seq_len}", help=f"{human(rc.batch_tokens)} tokens")
    bottom.metric("Peak LR", f"{rc.lr:.3g}")
    bottom.metric("Steps", f"{rc.steps:,}", help=f"{human(rc.tokens)} tokens = steps × batch tokens")
    bottom.metric("Warmup / decay steps", f"{rc.warmup_steps:,} / {rc.decay_steps:,}",
                help="Warmup 1% of steps (a setting); cosine decays to 10% of the peak over the rest, WSD over the "
                     "last 20% (schedules.lr_schedule defaults); constant does not decay.")
    st.caption(f"{rc.hyper['how']}. Parameters: {s.n_layers}·(4d² + 2d·d_ff + 2d) + d non-embedding, plus "
               f"vocab·d in and out ({s.vocab:,} tokens, UNVERIFIED default). Same budget: D = C / (6·N_config).")
    widgets.notes(rc.notes)


def memory_report(rc, v: dict, hardware: tuple) -> tuple[dict, float, str]:
    """Part 2's numbers (what the JSON export carries, drawn or not): the report ({} when it cannot be
    sized), the memory per GPU it assumed, and why not."""
    name, n_gpus, peak, mfu, price = hardware
    preset = cache.gpu_memory().get(name)
    mem_gb = float(preset if preset is not None else v["mem"])
    s = rc.shape
    try:
        return (cache.memory_report(float(rc.params["total"]), s.n_layers, s.d_model, s.n_heads, rc.seq_len, mem_gb,
                                    v["shard"], int(v["tp"]), int(v["pp"]), int(v["mbs"]), v["recomp"], v["prec"],
                                    int(n_gpus), float(rc.compute), float(peak), float(mfu), float(price),
                                    int(rc.batch_sequences)), mem_gb, "")
    except ValueError as e:
        return {}, mem_gb, str(e)


def memory(rc, r: dict, mem_gb: float, why: str, hardware: tuple) -> None:
    """Part 2: memory per accelerator, the smallest GPU count that fits, time and cost."""
    c = widgets.row()
    c.selectbox("Sharding", SHARDINGS, key=_key("shard"))
    c.number_input("Tensor parallel", 1, 64, key=_key("tp"))
    c.number_input("Pipeline parallel", 1, 512, key=_key("pp"))
    c.selectbox("Precision", tuple(PRECISIONS), key=_key("prec"), format_func=lambda k: PRECISION_SHORT.get(k, k),
                   help="\n\n".join(f"**{PRECISION_SHORT.get(k, k)}**: {t}" for k, t in PRECISION_LABELS.items()))
    c.selectbox("Activation recomputation", RECOMPUTE, key=_key("recomp"))
    c = st.columns(2)
    c[0].number_input("Micro-batch (sequences)", 1, 1024, key=_key("mbs"))
    name, n_gpus, peak, mfu, price = hardware
    if cache.gpu_memory().get(name) is None:
        c[1].number_input("Memory per GPU (GB)", 1.0, 10_000.0, step=8.0, key=_key("mem"))
    else:
        c[1].number_input("Memory per GPU (GB)", value=mem_gb, disabled=True, key=f"presetmem.{name}",
                          help="From the accelerator preset (vendor figure in the table); pick 'custom' to enter one.")
    if not r:
        st.warning(f"Cannot size the memory: {why}")
        return
    d = r["per_device_gb"]
    m = widgets.row()
    for i, (k, lab) in enumerate((("weights", "Weights"), ("gradients", "Gradients"), ("optimizer", "Optimizer states"),
                                  ("activations", "Activations"), ("total", "Total per GPU"))):
        m.metric(f"{lab} (GB)", f"{d[k]:.3g}", delta=(("fits" if r["fits"] else "does not fit") + f" in {mem_gb:g} GB")
                    if k == "total" else None, delta_color="normal" if r["fits"] else "inverse")
    sm = r["smallest"]
    st.markdown(f"At **{r['gpus']:,} GPUs** (data parallel {r['data_parallel']}): "
                f"**{r['at_gpus']['days']:.1f} days**, ${r['at_gpus']['usd']:,.0f} for {fmt_sci(rc.compute)} FLOPs "
                f"at MFU {mfu:.0%}. " + (f"Smallest count that fits: **{sm['gpus']:,} GPUs** "
                                          f"({sm['per_device_gb']:.1f} GB each), {sm['days']:.1f} days." if sm else
                                          "No GPU count fits."))
    st.caption("Model states: ZeRO (Rajbhandari et al. 2020) §3.1, 2 + 2 + 12 bytes per parameter, partitioned per "
               "§5 / Fig. 1 over the data-parallel ranks; FSDP as ZeRO-3. Activations: Korthikanti et al. 2022 Table 2 "
               "(sequence parallel with tensor parallel; the first pipeline stage holds all layers' worth), "
               "equations read in transcriptions (UNVERIFIED against the PDF). No buffers, fragmentation or logits.")
    for n in r["notes"]:
        st.warning(n)


def sweep_rows(p: Plan, v: dict, U: float) -> list[dict]:
    """Part 3's numbers (what the JSON export carries, drawn or not)."""
    if not p.law.has_loss_nd:
        return []
    return cache.sweep_designs(p.law.slug, 10 ** v["swC"], p.C, float(v["noise"]), 0, U)


def sweep(p: Plan, rows: list[dict]) -> None:
    """Part 3: an isoFLOP grid for the small runs and how tightly it pins N* and the loss at C."""
    if not p.law.has_loss_nd:
        st.info("This law has no L(N, D), so a sweep cannot be simulated from it.")
        return
    widgets.log_slider("planner", F["swC"], "FLOPs", st, help="Total compute of all the small runs together.")
    st.number_input("Noise level σ (loss × e^(σ·ε))", 0.0, 0.2, step=0.001, format="%.3f", key=_key("noise"))
    if not rows:
        return
    base = rows[0]
    st.markdown(f"Proposed: **{base['budgets']} budgets** from {fmt_sci(base['smallest C'])} to "
                f"{fmt_sci(base['largest C'])} FLOPs (½ decade apart), **7 sizes each** (±0.6 decades around the law's "
                f"N*), {base['runs']} runs. Refitted with Approach 2 over 400 seeded simulations (seed 0): 95% of the "
                f"N* extrapolated to {fmt_sci(p.C)} fall in {human(base['N* low'])}–{human(base['N* high'])} "
                f"(×{base['N* interval (×)']:.2f}), the loss in {base['loss low']:.3f}–{base['loss high']:.3f}.")
    # the answer first; compute columns as text (a float ≥ 2^53 is an error cell in st.dataframe)
    table = pd.DataFrame(rows)[["design", "N* interval (×)", "loss interval", "N* low", "N* high", "loss low",
                                "loss high", "budgets", "runs", "smallest C", "largest C", "runs compute",
                                "failed refits"]]
    st.dataframe(table.style.format({k: fmt_sci for k in ("smallest C", "largest C", "runs compute")}),
                 hide_index=True, column_config={
                     "design": st.column_config.TextColumn(pinned=True),
                     "N* interval (×)": st.column_config.NumberColumn(format="%.2f", help="N* high / N* low"),
                     "loss interval": st.column_config.NumberColumn(format="%.4f", help="loss high − loss low"),
                     **{k: st.column_config.NumberColumn(format="%.3e") for k in ("N* low", "N* high")},
                     **{k: st.column_config.NumberColumn(format="%.3f") for k in ("loss low", "loss high")},
                     **{k: st.column_config.TextColumn() for k in ("smallest C", "largest C", "runs compute")}})


# The fields each tab's widgets hold (None: the whole closed section): kept through runs that do not draw them.
_TAB_FIELDS = {"Config": ("seq", "hp", "shape", "sched"),
               "Does it fit": ("shard", "tp", "pp", "prec", "recomp", "mbs", "mem"),
               "Sweep design": ("swC", "noise"), "YAML / TOML": ()}
_TAB_FIELDS[None] = sum(_TAB_FIELDS.values(), ()) + ("rctab",)


def _run_config(p: Plan, v: dict):
    """The plan's run config, or None and why (a law the hyperparameter or shape rules cannot size)."""
    try:
        return cache.run_config(p.law.slug, p.C, p.U, v["hp"], int(v["seq"]), v["sched"], v["shape"]), ""
    except (ValueError, KeyError) as e:
        return None, str(e)


def export(p: Plan, v: dict, hardware: tuple, U: float) -> dict:
    """What the plan's JSON export carries of the run config, all four parts whether drawn or not: called
    when the export is downloaded (exports.export_row), not on every rerun."""
    rc = _run_config(p, v)[0]
    if rc is None:
        return {}
    mem = memory_report(rc, v, hardware)[0]
    return {"config": rc.to_dict(), "memory": mem, "sweep_design": {"noise": v["noise"], "small_budget": 10 ** v["swC"],
                                                                    "seed": 0, "designs": sweep_rows(p, v, U)},
            "yaml": config_text(rc, "yaml", mem.get("parallel")), "toml": config_text(rc, "toml", mem.get("parallel"))}


def section(p: Plan, v: dict, K: dict, hardware: tuple, U: float) -> None:
    """The planner's Run config section, in an expander that is closed by default: a budget press then
    redraws nothing of it. Open (in the link as rc=1), it shows four tabs, and only the open tab is drawn
    (the tabs track their state, and the open one is in the link): its numbers and nothing else are
    computed. The JSON export computes all four parts when downloaded (`export`)."""
    box = st.expander("Run config: from this plan to a run you can launch", key=K["rc"], on_change="rerun")
    if box.open is False:
        widgets.keep("planner", [F[k] for k in _TAB_FIELDS[None]])
        return
    with box:
        tabs = st.tabs(F["rctab"].choices, key=K["rctab"], on_change="rerun")
        rc, why = _run_config(p, v)
        for tab, name in zip(tabs, F["rctab"].choices):
            if tab.open is False:         # None only if the tabs did not track state: draw every tab
                widgets.keep("planner", [F[k] for k in _TAB_FIELDS[name]])
                continue
            with tab:
                if name == "Config":
                    config_inputs()
                if rc is None:
                    st.warning(f"No run config for this law: {why}")
                elif name == "Config":
                    config(rc)
                elif name == "Does it fit":
                    memory(rc, *memory_report(rc, v, hardware), hardware)
                elif name == "Sweep design":
                    sweep(p, sweep_rows(p, v, U))
                else:
                    config_block(rc, memory_report(rc, v, hardware)[0].get("parallel"))


def config_block(rc, parallel: dict | None) -> None:
    """The config as a block to paste into a training framework's config (YAML or TOML)."""
    fmt = st.radio("Format", ("YAML", "TOML"), horizontal=True, key="planner.rc_fmt")
    st.code(config_text(rc, fmt.lower(), parallel), language=fmt.lower())
