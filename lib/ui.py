"""The one module that knows Streamlit: cached store handles, cached computations keyed by
primitives, and widgets seeded from (and written back to) the URL."""
from __future__ import annotations

import functools
import math
from typing import Sequence

import numpy as np
import streamlit as st

from . import allocation, store
from .laws import Law, make_law
from .state import Field, decode, encode
from .units import fmt_sci, human  # noqa: F401  (human is used by pages)


# ---- stores --------------------------------------------------------------------------------

@st.cache_resource(show_spinner="Building the published store from data/ …")
def published_con():
    return store.shared_connection("published")


@st.cache_resource
def _user_con():
    return store.shared_connection("user")


def user_con():
    """The user store; a plain message (not a traceback) when another process holds its lock."""
    import duckdb
    try:
        return _user_con()
    except duckdb.IOException as e:
        st.error(f"The user store {store.user_path()} is locked by another process ({str(e).splitlines()[0][:160]}). "
                 "Run one server per store folder (set SCALING_EXPLORER_VAR to give each its own), then reload.")
        st.stop()


def pub_cursor():
    return published_con().cursor()


@st.cache_data(show_spinner=False)
def published_laws() -> dict[str, Law]:
    with pub_cursor() as cur:
        return store.load_laws(cur)


@st.cache_data(show_spinner=False)
def laws_table():
    with pub_cursor() as cur:
        return store.laws_df(cur)


@st.cache_data(show_spinner=False)
def sources_table():
    with pub_cursor() as cur:
        return store.sources_df(cur)


@st.cache_data(show_spinner=False)
def notable_runs():
    with pub_cursor() as cur:
        return store.notable_runs_df(cur)


@st.cache_data(show_spinner=False)
def tables_index():
    with pub_cursor() as cur:
        return store.tables_df(cur)


@st.cache_data(show_spinner=False)
def published_table(table_id: str):
    with pub_cursor() as cur:
        return store.table_rows(cur, table_id)


# ---- cached computations -------------------------------------------------------------------

FIT_PREFIX = "fit:"


def fitted_slug(ds: str, model: str) -> str:
    return f"{FIT_PREFIX}{ds}:{model}"


def law(slug: str) -> Law:
    """A published law by slug, or a law fitted to a stored dataset ('fit:<dataset>:<form>')."""
    if slug.startswith(FIT_PREFIX):
        from .fitforms import FORMS
        ds, model = slug[len(FIT_PREFIX):].rsplit(":", 1)
        r = fit(ds, model)
        C = runs(ds)["compute_flops"]
        return make_law(slug, r.law_form, r.p, name=f"{FORMS[model].title} fitted to {dataset_label(ds)}",
                        citation="fit to your runs", locator=FORMS[model].citation,
                        c_range=(float(C.min()), float(C.max())))
    return published_laws()[slug]


@st.cache_data(show_spinner=False, max_entries=512)
def frontier(slug: str, log_c_lo: float, log_c_hi: float, U: float = math.inf, n: int = 60) -> dict:
    return allocation.compute_optimal(law(slug), np.logspace(log_c_lo, log_c_hi, n), U)


@st.cache_data(show_spinner=False, max_entries=512)
def isoflop(slug: str, C: float, U: float = math.inf) -> dict:
    return allocation.isoflop_curve(law(slug), C, U)


def _boot_laws(ds: str, model: str, n_boot: int, seed: int):
    from .fitforms import FORMS
    boot = bootstrap(ds, model, n_boot, seed)          # computed once per server, with a progress bar
    return [make_law("s", FORMS[model].law_form, p) for p in boot.param_dicts()]


@st.cache_data(show_spinner=False, max_entries=64)
def _bootstrap_curves(ds, model, n_boot, seed, log_c_lo, log_c_hi, n):
    from .fitting import band
    grid = np.logspace(log_c_lo, log_c_hi, n)
    samples = [allocation.compute_optimal(lw, grid) for lw in _boot_laws(ds, model, n_boot, seed)]
    return band(np.array([s["loss"] for s in samples])), band(np.array([s["N"] for s in samples]))


def bootstrap_curves(ds: str, model: str, n_boot: int, seed: int, log_c_lo: float, log_c_hi: float, n: int = 60):
    """95% bands of the frontier loss and of N*(C) over a bootstrap's resamples. The bootstrap
    runs (with its progress bar) outside the cached part, so a cache hit replays no elements."""
    bootstrap(ds, model, n_boot, seed)
    return _bootstrap_curves(ds, model, n_boot, seed, log_c_lo, log_c_hi, n)


@st.cache_data(show_spinner=False, max_entries=256)
def _frontier_band(ds, model, n_boot, seed, C, U):
    from .fitting import band
    outs = [allocation.compute_optimal(lw, C, U) for lw in _boot_laws(ds, model, n_boot, seed)]
    return {q: band(np.array([o[q][0] for o in outs])) for q in ("N", "D", "loss")}


def frontier_band(slug: str, n_boot: int, seed: int, C: float, U: float = math.inf) -> dict:
    """95% bootstrap intervals of N*, D*, loss at one budget for a fitted law (cached per budget,
    not recomputed on every rerun)."""
    ds, model = slug[len(FIT_PREFIX):].rsplit(":", 1)
    bootstrap(ds, model, n_boot, seed)
    return _frontier_band(ds, model, n_boot, seed, C, U)


DEFAULT_GPU = "NVIDIA H100 SXM (unverified)"


@st.cache_data(show_spinner=False)
def gpu_presets() -> dict[str, float]:
    """Accelerator name -> dense BF16 peak TFLOP/s, from the published table of vendor specs;
    rows that could not be checked on the vendor's own page carry '(unverified)' in the name."""
    t = published_table("gpu_presets") if "gpu_presets" in set(tables_index()["id"]) else None
    if t is None or t.empty:
        return {}
    t = t[t["bf16_dense_tflops"].astype(str).str.len() > 0]
    return {r["name"] + ("" if r["verified"] == "yes" else " (unverified)"): float(r["bf16_dense_tflops"])
            for _, r in t.iterrows()}


@st.cache_data(show_spinner=False, max_entries=256)
def data_constrained(slug: str, C: float, U: float) -> dict:
    return allocation.data_constrained_plan(law(slug), C, U)


@st.cache_data(show_spinner=False, max_entries=256)
def inference_aware(slug: str, C: float, D_inf: float, U: float) -> dict:
    return allocation.inference_aware_plan(law(slug), C, D_inf, U)


@st.cache_data(show_spinner=False, max_entries=256)
def fixed_size(slug: str, N: float, C: float, U: float) -> dict:
    return allocation.fixed_size_plan(law(slug), N, C, U)


@st.cache_data(show_spinner=False, max_entries=32)
def schedule_curves(*args):
    """lib.views.schedule_curves, cached: a 1M-step schedule takes ~0.35 s, and the Law families
    page reruns on every slider of the F7 view, most of which do not change the schedule."""
    from .views import schedule_curves as compute
    return compute(*args)


@st.cache_data(show_spinner=False)
def precision_optimum(slug: str, C: float) -> tuple[float, float, float]:
    return allocation.optimal_precision(law(slug), C)


def extrapolation_note(law: Law, C: float, N: float | None = None, D: float | None = None) -> str | None:
    """A plain note when a budget, or the N* and D* it leads to, lies outside the ranges the law
    was fitted on (where the paper states them)."""
    parts = []
    for value, rng, what, unit in ((C, law.c_range, "C", " FLOPs"), (N, law.n_range, "N*", " parameters"),
                                   (D, law.d_range, "D*", " tokens")):
        if value is None or len(rng) != 2 or not math.isfinite(value) or rng[0] <= value <= rng[1]:
            continue
        lo, hi = rng
        factor = value / hi if value > hi else lo / value
        side = "above" if value > hi else "below"
        shown = fmt_sci(value) if what == "C" else human(value)
        span = f"{fmt_sci(lo)}–{fmt_sci(hi)}" if what == "C" else f"{human(lo)}–{human(hi)}"
        parts.append(f"{what} = {shown}{unit} is {fmt_sci(factor, 2)}× {side} the {span}{unit} it was fitted on")
    if not parts:
        return None
    return ("Extrapolation: " + "; ".join(parts) + ". Treat the answers as a projection, not a measurement.")


def chart_config(name: str) -> dict:
    """Plotly's camera button downloads the chart in the format picked in the sidebar."""
    fmt = st.session_state.get("img_fmt", "png")
    return {"displaylogo": False, "toImageButtonOptions": {"format": fmt, "filename": f"scaling_explorer_{name}",
                                                           "scale": 2 if fmt == "png" else 1}}


@functools.lru_cache(maxsize=1)
def _versions() -> dict:
    """Package versions for exports (read once: importlib.metadata is slow on every rerun)."""
    from importlib.metadata import version
    return {p: version(p) for p in ("streamlit", "numpy", "scipy", "plotly", "duckdb")}


def export_row(obj: dict, table, source_ids, stem: str) -> None:
    """Export what is on screen: the numbers (CSV), the plan or fit (JSON), the citations
    (BibTeX), and the link that reopens this view."""
    import json
    from .cite import bibtex
    base = str(st.context.url or "").split("?")[0]
    payload = {**obj, "link": base + _query_string(), "versions": _versions()}
    srcs = sources_table()
    srcs = srcs[srcs["source_id"].isin([s for s in source_ids if s])]
    c = st.columns(3)
    c[0].download_button("Numbers on screen (CSV)", table.to_csv(index=False), f"{stem}.csv", "text/csv")
    c[1].download_button(f"The {stem} (JSON)", json.dumps(payload, indent=2, default=str), f"{stem}.json",
                         "application/json")
    c[2].download_button("Citations (BibTeX)", bibtex(srcs), f"{stem}.bib", "application/x-bibtex",
                         disabled=srcs.empty)
    st.caption("Link to this view (copy it with the button at the right):")
    st.code(payload["link"], language=None)


def _query_string() -> str:
    from urllib.parse import urlencode
    q = {k: st.query_params.get(k) for k in st.query_params.keys()}
    return ("?" + urlencode(q)) if q else ""


# ---- URL-bound views

def require_navigation() -> None:
    """Run a page only inside app.py's st.navigation.

    With a ``pages/`` folder beside app.py, a fresh server answers a deep link (/planner?…)
    by running the page file alone (Streamlit's legacy multipage mode) until app.py has run
    once: no page config, wrong sidebar. Switch that mode off and rerun, so app.py runs and
    routes to the same page with the same query string."""
    from streamlit.runtime.pages_manager import PagesManager
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()

def wkey(page: str, f: Field) -> str:
    return f"{page}.{f.key}"


def url_view(page: str, fields: Sequence[Field]) -> None:
    """Seed the page's widget state from the URL when it is not yet set (first run, new tab,
    shared link); show a notice for anything in the URL that was ignored or clamped."""
    ss = st.session_state
    if all(wkey(page, f) in ss for f in fields):
        return
    raw = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
    values, notices = decode(raw, fields)
    for f in fields:   # seed only what is missing: never overwrite a value set in this session
        if wkey(page, f) not in ss:
            v = values[f.key]
            ss[wkey(page, f)] = list(v) if f.kind == "multi" else v
    if notices:
        st.warning("Some link parameters were not used:\n\n" + "\n".join(f"- {n}" for n in notices)
                   + "\n\nThe page opened with defaults for those.", icon="⚠️")


def current_values(page: str, fields: Sequence[Field]) -> dict:
    ss = st.session_state
    return {f.key: (tuple(ss[wkey(page, f)]) if f.kind == "multi" else ss[wkey(page, f)]) for f in fields}


def sync_url(page: str, fields: Sequence[Field]) -> dict:
    """Write the non-default widget values to the URL; return the current values."""
    values = current_values(page, fields)
    want = encode(values, fields)
    have = {k: st.query_params.get(k) for k in st.query_params.keys()}
    if want != have:
        st.query_params.from_dict(want)
    return values


def log_slider(page: str, f: Field, unit: str, container=st, help: str | None = None):
    def fmt(x):
        # 3 significant digits, as in the URL: labels must be unique (Streamlit maps values by label)
        if math.isinf(x):
            return "unlimited" if x > 0 else "none"
        return f"{fmt_sci(10 ** x)} {unit}"
    options = f.options()
    current = st.session_state.get(wkey(page, f))
    if current is not None and current not in options:   # an exact value from a link
        options = sorted(options + [current])
    return container.select_slider(f.label, options=options, key=wkey(page, f), format_func=fmt, help=help)


# ---- runs and fits -------------------------------------------------------------------------

DEMO_ID = "demo"
DEMO_LAW = "hoffmann2022-eq10-unrounded"
RUN_FORMS = ("chinchilla", "kaplan_nd", "gadre")     # forms fitted to standard runs (N, D, C, loss)


def dataset_ids() -> list[str]:
    return [DEMO_ID] + list(store.list_datasets(user_con())["id"])


def dataset_label(ds: str) -> str:
    if ds == DEMO_ID:
        return f"Demo: synthetic runs from {DEMO_LAW} with 1% noise (seed 0)"
    return f"{store.dataset_name(user_con(), ds) or '?'} ({ds})"


@st.cache_data(show_spinner=False, max_entries=64)
def runs(ds: str):
    if ds == DEMO_ID:
        from .demo import demo_runs
        return demo_runs(published_laws()[DEMO_LAW])
    return store.get_runs(user_con(), ds)


@st.cache_data(show_spinner=False, max_entries=64)
def table(ds: str):
    """Every numeric column of the dataset (the demo's are its run columns)."""
    if ds == DEMO_ID:
        return runs(ds).drop(columns=["run_name"])
    return store.get_table(user_con(), ds)


@st.cache_data(show_spinner=False, max_entries=256)
def fit(ds: str, model: str):
    from .fitting import fit as fit_form, inputs_from_runs
    r = runs(ds)
    X = inputs_from_runs(r)
    return fit_form(model, {k: X[k] for k in FORMS_INPUTS[model]}, r["loss"].to_numpy())


@st.cache_data(show_spinner=False, max_entries=256)
def fit_columns(ds: str, model: str, cols: tuple[str, ...], lam: float):
    """Fit any form to chosen columns: one column per input, then the target. For the
    loss-curve form the inputs are the step and the learning rate logged at that step."""
    from .fitforms import FORMS
    from .fitting import fit as fit_form
    from .schedules import annealing_areas_at
    t = table(ds)
    form = FORMS[model]
    if model == "lr_anneal":
        S1, S2 = annealing_areas_at(t[cols[0]].to_numpy(), t[cols[1]].to_numpy(), lam)
        X = {"S1": S1, "S2": S2}
    else:
        X = {k: t[c].to_numpy() for k, c in zip(form.inputs, cols)}
    return fit_form(model, X, t[cols[-1]].to_numpy()), X


@st.cache_data(show_spinner=False, max_entries=64)
def backtest(ds: str, models: tuple[str, ...], holdout: float):
    from .fitting import backtest as run_backtest, inputs_from_runs
    r = runs(ds)
    C = r["compute_flops"].to_numpy()
    cutoff = float(np.quantile(C, 1 - holdout, method="lower"))
    return run_backtest(models, inputs_from_runs(r), r["loss"].to_numpy(), C, cutoff)


@st.cache_resource
def _boot_cache() -> dict:
    return {}


def bootstrap(ds: str, model: str, n: int, seed: int):
    """Bootstrap with a progress bar; results are kept for every session on this server."""
    from .fitting import bootstrap as run_bootstrap, inputs_from_runs
    key = (ds, model, n, seed)
    cache = _boot_cache()
    if key not in cache:
        r = runs(ds)
        X = inputs_from_runs(r)
        bar = st.progress(0.0, text=f"Bootstrap for {model}: 0 / {n} resamples")
        res = run_bootstrap(model, {k: X[k] for k in FORMS_INPUTS[model]}, r["loss"].to_numpy(), n_resamples=n,
                            seed=seed, base=fit(ds, model),
                            progress=lambda i, tot: bar.progress(i / tot, text=f"Bootstrap for {model}: {i} / {tot}"))
        bar.empty()
        if len(cache) > 64:
            cache.pop(next(iter(cache)))
        cache[key] = res
    return cache[key]


def _forms_inputs():
    from .fitforms import FORMS
    return {k: f.inputs for k, f in FORMS.items()}


FORMS_INPUTS = _forms_inputs()
