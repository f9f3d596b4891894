"""Streamlit glue for the Fit page's "fit any law form to your columns" panel."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import figures, views
from ..fitting import FitError
from ..forms import FIT_FORMS as FORMS
from . import cache, widgets


def any_form(ds: str, tbl, page: str, fields, K: dict) -> None:
    """Pick a form, one column per input and a target; fit, show the diagnostics and the fit over the data."""
    st.subheader("Fit any law form to your columns")
    st.selectbox("Law form", fields[6].choices, key=K["af"],
                 format_func=lambda m: "— choose a form —" if m == "none" else f"{FORMS[m].title} ({FORMS[m].citation})")
    af = st.session_state[K["af"]]
    if af != "none":
        form = FORMS[af]
        st.latex(form.latex)
        names = (["step", "learning rate at that step"] if af == "lr_anneal" else list(form.inputs)) + \
            [f"target: {form.target}"]
        defaults = views.column_defaults(tbl.columns, len(names) - 1, st.session_state.get(K["afcols"], []))
        picked = []
        for i, (col, name) in enumerate(zip(st.columns(len(names)), names)):
            st.session_state.setdefault(f"fit.afcol.{af}.{i}", defaults[i])
            picked.append(col.selectbox(name, list(tbl.columns), key=f"fit.afcol.{af}.{i}"))
        if af == "lr_anneal":
            st.number_input("Annealing decay factor λ for S2 (the paper's exact definition and default could not be "
                            "checked here)", 0.0, 0.99999, step=0.001, format="%.5f", key=K["lam"])
        st.session_state[K["afcols"]] = [p for p in picked if p]
        widgets.sync_url(page, fields)
        if len(picked) == len(names) and all(picked):
            try:
                r, X = cache.fit_columns(ds, af, tuple(picked), float(st.session_state[K["lam"]]))
            except (FitError, ValueError) as e:
                st.error(f"{form.title}: {e}")
            else:
                st.dataframe(pd.DataFrame(views.fit_rows({af: r}, {af: form.title}, {})).drop(columns=["95% CI"]),
                             hide_index=True)
                for w in r.warnings:
                    st.warning(f"{form.title}: {w}. Treat this fit as unreliable.")
                st.plotly_chart(figures.observed_vs_fit_figure(tbl[picked[0]].to_numpy(), tbl[picked[-1]].to_numpy(),
                                                               form.predict(r.theta, X), picked[0], picked[-1],
                                                               form.title), key="anyfit")
    elif not len(tbl.columns):
        st.caption("This dataset has no numeric columns stored.")
