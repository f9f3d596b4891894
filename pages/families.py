"""Law families: each family of LAWS.md on its natural axes, with the laws the store holds. Each
family's view is one function of lib.family_views (widgets → lib.views → figures)."""
import json

import pandas as pd
import streamlit as st

from scaling_explorer.app import cache, exports, family_views, widgets
from scaling_explorer.state import Field

PAGE = "families"
widgets.require_navigation()
laws = cache.published_laws()
FAMILIES = {
    "F1": "Power laws in N, D or C", "F2": "Chinchilla L(N, D) and compute-optimal allocation",
    "F3": "Over-training and inference-aware allocation", "F4": "Data-constrained: repetition",
    "F5": "Sparse / mixture-of-experts", "F6": "Precision and quantization", "F7": "Hyperparameters and schedules",
    "F8": "Inference-time scaling", "F9": "Downstream and benchmark scaling", "F10": "Broken and crossover laws",
    "F11": "Architecture comparison by curves", "F12": "Other domains",
}
DOMAIN_LAWS = tuple(s for s, lw in laws.items() if lw.kind == "metric_1d" and lw.family == "F12")
ARCH_LAWS = tuple(s for s, lw in laws.items() if lw.family == "F11" and lw.form == "power_coeff" and lw.variable == "C")
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
    Field("var", "choice", "C", choices=("C", "N", "D"), label="Variable"),
)
K = widgets.keys(PAGE, FIELDS)

st.title("Law families")
st.caption("Every family in scope, on its own axes. Laws whose form is evaluated here are drawn; the others are "
           "listed with their form, coefficients and locator, and can be fitted to your runs on the Fit page.")
widgets.url_view(PAGE, FIELDS)
st.selectbox("Family", FIELDS[1].choices, key=widgets.bind(PAGE, FIELDS[1]), format_func=lambda f: f"{f} — {FAMILIES[f]}")
fam = st.session_state[K["fam"]]
members = {s: lw for s, lw in laws.items() if lw.family == fam}
table = pd.DataFrame([{"law": lw.name, "paper": lw.citation, "locator": lw.locator, "form": lw.form,
                       "coefficients": json.dumps(lw.p) if lw.params else "not published / not stored",
                       "verified": "yes" if lw.verified else "UNVERIFIED"} for lw in members.values()])


@st.fragment
def family_view() -> None:
    """The family's sliders, charts and numbers, and their export. A fragment: moving a slider reruns
    and redraws only this, not the page around it (the laws table and forms below do not change)."""
    view = family_views.View(fam, laws, members, {f.key: f for f in FIELDS}, K)
    family_views.VIEWS[fam](view)
    v = widgets.sync_url(PAGE, FIELDS)
    if members:
        exports.export_row({"view": "law family", "family": fam, "values": v, "on_screen": view.screen},
                           pd.DataFrame(view.screen) if view.screen else table,
                           [lw.source_id for lw in members.values()], "family")


family_view()
if not members:
    st.warning(f"No law of family {fam} is stored yet: their papers could not be checked here. The form can still "
               "be fitted to your runs on the Fit page.")
    st.stop()
st.subheader(f"{len(members)} stored laws in {fam}")
st.dataframe(table, hide_index=True)
for lw in (lw for lw in members.values() if lw.kind == "reference"):      # laws not drawn: their form here
    with st.expander(f"{lw.name} — {lw.citation}, {lw.locator}", expanded=False):
        if lw.latex:
            st.latex(lw.latex)
        st.caption(("Coefficients: " + json.dumps(lw.p)) if lw.params else "No coefficients stored: form only.")
