"""Budget planner: compute, unique data, inference demand and an optional fixed model size →
one Plan (lib.plan) with its notes, cost, isoFLOP curve and the same budget under other laws."""
import math

import pandas as pd
import streamlit as st

from scaling_explorer import conventions, figures
from scaling_explorer.app import cache, charts, exports, guard, plan_views, runconfig_views, widgets
from scaling_explorer.units import dash_columns, fmt_sci, human

PAGE = "planner"
widgets.require_navigation()
laws = cache.published_laws()
published_alloc = tuple(s for s, lw in laws.items() if lw.has_allocation)
label = plan_views.law_label
# a fit with other settings (the Fit page's "Plan a budget with this fit" link) is offered when linked or chosen
choices = plan_views.law_choices((st.query_params.get("law", ""), st.session_state.get(f"{PAGE}.law", "")))
gpus = cache.gpu_presets()
FIELDS = plan_views.fields(choices)
K = widgets.keys(PAGE, FIELDS)

st.title("Budget planner")
gpu_link = st.query_params.get("gpu", "")
if gpu_link.endswith(" (unverified)"):   # links written before the accelerator id dropped its status
    st.query_params["gpu"] = gpu_link[: -len(" (unverified)")]
widgets.url_view(PAGE, FIELDS)
st.selectbox("Law", choices, key=K["law"], format_func=label,    # full width: the whole name in view
             help="Published laws, or a law fitted on the Fit page to a stored dataset.")
left, right = st.columns([1, 2])
with left:
    widgets.log_slider(PAGE, FIELDS[1], "FLOPs", left, help="Training compute, C = 6·N·D in the law's own "
                       "parameter count.")
    widgets.log_slider(PAGE, FIELDS[2], "tokens", left, help="Unique tokens available; beyond them the data "
                       "repeats, and repeated tokens count for less (Muennighoff et al. 2023).")
    widgets.log_slider(PAGE, FIELDS[3], "tokens", left, help="Tokens the model will generate or read when served "
                       "(2·N FLOPs each): a smaller model trained longer may cost less overall.")
    widgets.log_slider(PAGE, FIELDS[4], "params", left, help="Only a model of this size can be served: how much "
                       "does training it on the whole budget cost against the compute-optimal model?")
    st.markdown("**Hardware**")
    st.selectbox("Accelerator", FIELDS[5].choices, key=K["gpu"],
                 format_func=lambda g: "custom (enter peak TFLOP/s)" if g == "custom" else
                 f"{g}{'' if gpus[g][1] else ' (unverified)'}", help="Its dense BF16 peak is shown below.")
    custom = st.session_state[K["gpu"]] == "custom"
    st.number_input("GPU count", 1, 1_000_000, step=64, key=K["gpus"])
    if custom:
        st.number_input("Peak TFLOP/s per GPU (dense BF16)", 1.0, 100_000.0, step=10.0,
                        key=widgets.bind(PAGE, FIELDS[7]))
    else:   # the preset's own number, shown (not the custom value kept for the link)
        st.number_input("Peak TFLOP/s per GPU (dense BF16)", value=gpus[st.session_state[K["gpu"]]][0], disabled=True,
                        key=f"preset.{st.session_state[K['gpu']]}", help="From the accelerator preset; pick 'custom' "
                        "to enter another.")
    st.number_input("MFU (model FLOPs utilisation)", 0.01, 1.0, step=0.05, key=K["mfu"])
    st.number_input("Price per GPU-hour (USD)", 0.0, 1000.0, step=0.25, key=K["price"])
    fitted = st.session_state[K["law"]].startswith(cache.FIT_PREFIX)
    st.markdown("**Uncertainty** (fitted laws)")
    st.selectbox("Bootstrap resamples", FIELDS[10].choices, key=K["boot"], disabled=not fitted,
                 format_func=lambda n: "off" if n == "0" else f"{n} resamples",
                 help="Bands for laws fitted to your runs; published laws carry no resamples here.")
    st.number_input("Bootstrap seed", 0, 2**31 - 1, step=1, key=K["seed"], disabled=not fitted)
with right:
    st.multiselect("Compare this budget across laws", published_alloc, key=K["cmp"], wrap=True,  # all chips in view
                   format_func=lambda s: laws[s].name + ("" if laws[s].verified else " (UNVERIFIED)"),
                   help="Each law's paper is named in the table below.")
    st.selectbox("Compare in", tuple(conventions.CHOICES), key=K["conv"], format_func=conventions.CHOICES.get,
                 help="Laws count parameters differently. 'Total' and 'non-embedding' convert where a cited "
                      "conversion exists; other laws stay in their own convention, labelled.")
v = widgets.sync_url(PAGE, FIELDS)

C = 10 ** v["C"]
U = math.inf if math.isinf(v["U"]) else 10 ** v["U"]
D_inf = 0.0 if math.isinf(v["inf"]) else 10 ** v["inf"]
N_fix = None if math.isinf(v["fixN"]) else 10 ** v["fixN"]
peak = (v["tflops"] if v["gpu"] == "custom" else gpus[v["gpu"]][0]) * 1e12
hardware = (v["gpu"], int(v["gpus"]), peak, v["mfu"], v["price"])
ds = cache.dataset_of(v["law"])      # None for a published law
p = guard.value(f"plan with {label(v['law'])}", cache.plan, v["law"], C, U, D_inf, N_fix, hardware, ds=ds)
if p is None:
    st.stop()
law = p.law

with guard.section("show the plan", ds):      # figures, metrics and tables from a fitted law's runs
    with right:
        st.caption(f"{law.citation}, {widgets.md(law.locator)}"
                   + (f" ({widgets.md(law.fitted_on)})" if law.fitted_on else "")   # which runs, which settings
                   + f". Parameters: {law.param_convention}. {law.compute_convention}.")
        widgets.notes(p.notes, "law")
        widgets.notes(p.notes, "optimum")
        bands = (cache.frontier_band(law.slug, int(v["boot"]), int(v["seed"]), C, U)
                 if fitted and v["boot"] != "0" else None)

        plan_views.metrics(p, bands, v["boot"], int(v["seed"]))
        plan_views.tabs(p, FIELDS[14].choices, K["tab"])
        if law.has_loss_nd:
            charts.plotly_chart(figures.isoflop_figure(cache.isoflop(law.slug, C, U), law.name, law.citation, C,
                                                       U if math.isfinite(U) else None, fixed_N=N_fix),
                                key="isoflop", config=exports.chart_config("isoflop"))
        else:
            st.info("This law publishes an allocation rule but no loss function, so there is no isoFLOP curve.")

    st.subheader(f"The same budget under each law: C = {fmt_sci(C)} FLOPs"
                 + (f", {human(U)} unique tokens" if math.isfinite(U) else ""))
    side = pd.DataFrame(cache.compare(tuple(dict.fromkeys((law.slug,) + tuple(v["cmp"]))), C, U, v["conv"]))
    charts.plotly_chart(figures.comparison_figure(side), key="compare", config=exports.chart_config("compare"))
    st.dataframe(dash_columns(side[["law", "N*", "D*", "D*/N*", "loss", "convention", "paper", "locator"]],
                              {"D*/N*": "float", "loss": "loss"}), hide_index=True,
                 column_config=widgets.law_table_config())
    st.caption(f"In {conventions.CHOICES[v['conv']]}. Every row spends exactly {fmt_sci(C)} FLOPs in that convention"
               + (f"; converted rows use {conventions.PEARCE_SONG}" if v["conv"] != "published" else "")
               + ". Losses come from different datasets and tokenizers: compare their shape, not their values.")
    runconfig_views.section(p, v, K, hardware, U)
    exports.export_row(lambda: {**p.to_dict(), "run_config": runconfig_views.export(p, v, hardware, U),
                                "bootstrap": {"resamples": int(v["boot"]), "seed": int(v["seed"])} if fitted else None,
                                "comparison": {"convention": v["conv"], "rows": side.to_dict("records")}},
                       side, [law.source_id] + [laws[s].source_id for s in v["cmp"]], "plan")
