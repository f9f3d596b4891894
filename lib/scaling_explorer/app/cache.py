"""Streamlit glue, part 1 of 3: cached store handles and cached library calls keyed by
primitives (law slug, dataset id, floats, seed). Pages call these; the maths is in lib."""
from __future__ import annotations

import functools
import math
import time

import numpy as np
import streamlit as st

from .. import allocation, store
from .. import plan as planning
from ..forms import FIT_FORMS
from ..laws import Law, from_fit, make_law

# ---- stores --------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Building the published store from data/ …")
def published_con():
    return store.shared_connection("published")


@st.cache_resource
def _user_db():
    db = store.shared_user_db()
    store.purge_trash(db)                   # at start: datasets deleted more than 30 days ago go for good
    return db


_purged = [0.0]


def user_con():
    """The user store (a userdb back end: DuckDB, or PostgreSQL with SCALING_EXPLORER_DATABASE_URL);
    a plain message (not a traceback) when another process holds the DuckDB file's lock or the
    database cannot be reached. Purges the trash lazily, at most once an hour per process."""
    import duckdb
    try:
        db = _user_db()
    except duckdb.IOException as e:
        st.error(f"The user store {store.user_path()} is locked by another process ({str(e).splitlines()[0][:160]}). "
                 "Run one server per store folder (set SCALING_EXPLORER_VAR to give each its own), or point every "
                 "process at one PostgreSQL with SCALING_EXPLORER_DATABASE_URL, then reload.")
        st.stop()
    except Exception as e:  # psycopg.OperationalError and kin: the database is down or refuses us
        if type(e).__module__.split(".")[0] != "psycopg":
            raise
        st.error(f"The user database cannot be reached ({type(e).__name__}: {str(e).splitlines()[0][:160]}). "
                 "Check SCALING_EXPLORER_DATABASE_URL and the server, then reload.")
        st.stop()
    if time.monotonic() - _purged[0] > 3600:
        _purged[0] = time.monotonic()
        store.purge_trash(db)
    return db


# ---- workspaces and the signed-in user ---------------------------------------------------------

def workspace() -> str:
    """The session's workspace: the link's ws= when the store knows it (then kept in the session,
    since page switches drop query parameters), else the one the session already has, else the
    default workspace. An unknown or malformed ws= is noted for widgets.guard to say so."""
    ss = st.session_state
    raw = st.query_params.get("ws")
    if not raw or raw == ss.get("ws"):
        return ss.get("ws", store.DEFAULT_WS)
    if store.workspace_exists(user_con(), raw):
        ss["ws"] = raw
        return raw
    ss["ws.unknown"] = raw
    del st.query_params["ws"]            # said once; the address bar keeps no unknown workspace
    return ss.get("ws", store.DEFAULT_WS)


def auth_configured() -> bool:
    """True when the deployer configured Streamlit's OIDC sign-in ([auth] in .streamlit/secrets.toml)."""
    try:
        return "auth" in st.secrets
    except Exception:   # no secrets file at all
        return False


def signed_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except (AttributeError, KeyError):     # no user info at all (a bare or test run): not signed in
        return False


def current_user() -> str:
    """Who is signed in (e-mail, else the subject), '' without sign-in."""
    if not auth_configured():
        return ""
    if not signed_in():
        return ""
    return str(st.user.get("email") or st.user.get("sub") or "")


def user_scope():
    """The store handle imports go through: bound to this session's workspace and user."""
    return store.scoped(user_con(), workspace(), current_user())


def create_workspace() -> str:
    ws = store.new_workspace(user_con(), user=current_user())
    st.session_state["ws"] = ws
    st.query_params["ws"] = ws
    return ws


@st.cache_data(ttl=2, show_spinner=False)
def _live_ids(ws: str) -> frozenset:
    return frozenset(store.list_datasets(user_con(), ws)["id"])


def changed() -> None:
    """Call after an import, rename, delete or restore: the pickers and guards read afresh."""
    _live_ids.clear()


def owns(ds: str) -> bool:
    """Is ds the demo or a live dataset of this session's workspace?"""
    if ds == DEMO_ID:
        return True
    ws = workspace()
    if ds in _live_ids(ws):
        return True
    info = store.dataset_info(user_con(), ds, ws)      # imported by another process since the last look
    return info is not None and info["deleted_at"] is None


def _own(ds: str) -> None:
    if not owns(str(ds)):
        st.error(f"Dataset {str(ds)[:40]!r} is not in this workspace (or is in its trash). Open it with the link "
                 "of the workspace it belongs to.")
        st.stop()


def _ds_scoped(fn):
    """Check the dataset (first argument) belongs to the session's workspace before the cache is
    consulted: cached results are keyed by dataset id, not by workspace."""
    @functools.wraps(fn)
    def wrapper(ds, *args, **kwargs):
        _own(ds)
        return fn(ds, *args, **kwargs)
    return wrapper


def _slugs(a):
    if isinstance(a, str):
        if a.startswith(FIT_PREFIX):
            yield a[len(FIT_PREFIX):].rsplit(":", 1)[0]
    elif isinstance(a, (tuple, list)):
        for x in a:
            yield from _slugs(x)


def _slug_scoped(fn):
    """As _ds_scoped, for functions taking law slugs: a 'fit:<dataset>:<form>' slug is checked."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        for a in (*args, *kwargs.values()):
            for ds in _slugs(a):
                _own(ds)
        return fn(*args, **kwargs)
    return wrapper


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


# ---- laws: published, or fitted to a stored dataset ------------------------------------------

FIT_PREFIX = "fit:"
DEMO_ID = "demo"
DEMO_LAW = "hoffmann2022-eq10-unrounded"
RUN_FORMS = ("chinchilla", "kaplan_nd", "gadre")     # forms fitted to standard runs (N, D, C, loss)


FIT_SETTINGS = (("huber", "frontier"), ("all", "best"), ("final", "annealed", "checkpoints"))   # loss, mode, how
FIT_DEFAULTS = ("huber", "all", "final")                                                       # the Fit page's


def fitted_slug(ds: str, model: str, loss: str = "huber", mode: str = "all", how: str = "final") -> str:
    """'fit:<dataset>:<form>' for the Fit page's default settings, else 'fit:<dataset>:<form>@<loss>,<mode>,<how>'
    (the frontier loss, the best run per cell, annealed or checkpoint points of loss curves)."""
    base = f"{FIT_PREFIX}{ds}:{model}"
    return base if (loss, mode, how) == FIT_DEFAULTS else f"{base}@{loss},{mode},{how}"


def parse_fit(slug: str) -> tuple[str, str, tuple[str, str, str]]:
    """(dataset, form, (loss, mode, how)) of a fitted law's slug; ValueError naming what is wrong."""
    if not slug.startswith(FIT_PREFIX) or ":" not in slug[len(FIT_PREFIX):]:
        raise ValueError(f"{slug!r} is not a fitted law ('fit:<dataset>:<form>')")
    ds, rest = slug[len(FIT_PREFIX):].rsplit(":", 1)
    model, at, opts = rest.partition("@")
    settings = tuple(opts.split(",")) if at else FIT_DEFAULTS
    if model not in RUN_FORMS:
        raise ValueError(f"{model!r} is not a form fitted to runs ({', '.join(RUN_FORMS)})")
    if len(settings) != 3 or any(v not in ok for v, ok in zip(settings, FIT_SETTINGS)):
        raise ValueError(f"fit settings {opts!r}: expected loss,mode,how from "
                         + "; ".join("/".join(ok) for ok in FIT_SETTINGS))
    return ds, model, settings


def is_fit_choice(slug: str) -> bool:
    """A fitted law the planner can offer: a valid slug of a dataset of this workspace with runs."""
    try:
        ds, _, _ = parse_fit(slug)
    except ValueError:
        return False
    return ds in dataset_ids() and has_runs(ds)


def dataset_of(slug: str) -> str | None:
    """The stored dataset a law comes from ('fit:<dataset>:<form>'), or None for a published law."""
    return slug[len(FIT_PREFIX):].rsplit(":", 1)[0] if slug.startswith(FIT_PREFIX) else None


@_slug_scoped
def law(slug: str) -> Law:
    """A published law by slug, or a law fitted to a stored dataset ('fit:<dataset>:<form>')."""
    if slug.startswith(FIT_PREFIX):
        ds, model, opts = parse_fit(slug)
        if opts != FIT_DEFAULTS:
            return fitted_law(ds, model, *opts)
        r = runs(ds)
        return from_fit(fit(ds, model), slug, f"{FIT_FORMS[model].title} fitted to {dataset_label(ds)}", ds,
                        c_range=(float(r["compute_flops"].min()), float(r["compute_flops"].max())),
                        n_range=(float(r["n_params"].min()), float(r["n_params"].max())),
                        d_range=(float(r["n_tokens"].min()), float(r["n_tokens"].max())),
                        params_counted=dataset_param_convention(ds),
                        settings="Huber δ=1e-3, App. D.2 grid, all runs, final losses: the Fit page's defaults")
    return published_laws()[slug]


@_slug_scoped
@st.cache_data(show_spinner=False, max_entries=512)
def frontier(slug: str, log_c_lo: float, log_c_hi: float, U: float = math.inf, n: int = 60) -> dict:
    return planning.frontier(law(slug), np.logspace(log_c_lo, log_c_hi, n), U)


@_slug_scoped
@st.cache_data(show_spinner=False, max_entries=512)
def isoflop(slug: str, C: float, U: float = math.inf) -> dict:
    return allocation.isoflop_curve(law(slug), C, U)


@_slug_scoped
@st.cache_data(show_spinner=False, max_entries=256)
def plan(slug: str, C: float, U: float, inference_tokens: float, fixed_N: float | None,
         hardware: tuple | None) -> planning.Plan:
    """lib.plan.plan, cached by primitives (hardware as a tuple of Hardware's fields)."""
    return planning.plan(law(slug), C, U, inference_tokens, fixed_N,
                         planning.Hardware(*hardware) if hardware else None)


@_slug_scoped
@st.cache_data(show_spinner=False, max_entries=256)
def compare(slugs: tuple[str, ...], C: float, U: float, convention: str) -> list[dict]:
    return planning.compare([law(s) for s in slugs], C, U, convention)


@st.cache_data(show_spinner=False)
def gpu_presets() -> dict[str, tuple[float, bool]]:
    """Accelerator name -> (dense BF16 peak TFLOP/s, verified on the vendor's page), from the
    published table. The name is the key links carry; '(unverified)' is shown, never stored."""
    t = published_table("gpu_presets") if "gpu_presets" in set(tables_index()["id"]) else None
    if t is None or t.empty:
        return {}
    t = t[t["bf16_dense_tflops"].astype(str).str.len() > 0]
    return {r["name"]: (float(r["bf16_dense_tflops"]), r["verified"] == "yes") for _, r in t.iterrows()}


DEFAULT_GPU = "NVIDIA H100 SXM"


@st.cache_data(show_spinner=False, max_entries=32)
def schedule_curves(*args):
    """lib.views.schedule_curves, cached: a 1M-step schedule takes ~0.35 s, and the Law families
    page reruns on every slider of the F7 view, most of which do not change the schedule."""
    from ..views import schedule_curves as compute
    return compute(*args)


@_slug_scoped
@st.cache_data(show_spinner=False)
def precision_optimum(slug: str, C: float) -> tuple[float, float, float]:
    return allocation.optimal_precision(law(slug), C)


# ---- runs and fits -------------------------------------------------------------------------

def dataset_ids() -> list[str]:
    """The demo and the live datasets of this session's workspace (its pickers list these only)."""
    return [DEMO_ID] + list(store.list_datasets(user_con(), workspace())["id"])


def workspace_datasets():
    """The live datasets of this session's workspace (id, name, note, rows, created), newest first."""
    return store.list_datasets(user_con(), workspace())


_LABELS: dict[str, str] = {}


def dataset_label(ds: str) -> str:
    if ds == DEMO_ID:
        return f"Demo: synthetic runs from {DEMO_LAW} with 1% noise (seed 0)"
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    if get_script_run_ctx() is None:    # a widget's format_func called outside any session (AppTest reading
        return _LABELS.get(ds, f"? ({ds})")   # a value): the label this process last drew for it
    if not owns(ds):                    # e.g. the select's previous value, just deleted: name nothing
        return f"? ({ds})"
    _LABELS[ds] = label = f"{store.dataset_name(user_con(), ds, workspace()) or '?'} ({ds})"
    return label


@_ds_scoped
def dataset_param_convention(ds: str) -> str:
    """What the dataset's N counts, as a lib.laws.PARAM_COUNTS key ('' when not stated)."""
    if ds == DEMO_ID:
        return "total"
    conv = store.dataset_param_convention(user_con(), ds, workspace())
    return {"total": "total", "non-embedding": "non-embedding", "active (MoE)": "active"}.get(conv, "")


def runs(ds: str):
    return _runs(workspace(), ds)


@st.cache_data(show_spinner=False, max_entries=64)
def _runs(ws: str, ds: str):
    if ds == DEMO_ID:
        from ..demo import demo_runs
        return demo_runs(published_laws()[DEMO_LAW])
    return store.get_runs(user_con(), ds, ws)


def has_runs(ds: str) -> bool:
    """False for a columns-only dataset (no N, D, loss runs to fit or plan with)."""
    return len(runs(ds)) > 0


def table(ds: str):
    """Every numeric column of the dataset (the demo's are its run columns)."""
    return _table(workspace(), ds)


@st.cache_data(show_spinner=False, max_entries=64)
def _table(ws: str, ds: str):
    if ds == DEMO_ID:
        return _runs(ws, ds).drop(columns=["run_name"])
    return store.get_table(user_con(), ds, ws)


@_ds_scoped
@st.cache_data(show_spinner=False, max_entries=64)
def fit_data(ds: str, mode: str = "all", how: str = "final"):
    """The rows a dataset is fitted on (lib.sweeps.prepare): loss curves reduced per run (``how``),
    then all runs, the best run per (N, D) cell, or the frontier fit (``mode``). FitError on a
    sweep that cannot be fitted (one model size, contradictory run ids, ...)."""
    from ..sweeps import prepare
    return prepare(runs(ds), None if ds == DEMO_ID else table(ds), how=how, mode=mode)


def _fit_inputs(ds: str, model: str, mode: str, how: str):
    from ..fitting import inputs_from_runs
    d = fit_data(ds, mode, how)
    X = inputs_from_runs(d.rows)
    return d, {k: X[k] for k in FIT_FORMS[model].inputs}, d.rows["loss"].to_numpy()


@_ds_scoped
@st.cache_data(show_spinner=False, max_entries=256)
def fit(ds: str, model: str, loss: str = "huber", mode: str = "all", how: str = "final"):
    """Fit a form to a dataset's runs: symmetric Huber (the default) or the frontier loss, on the
    rows fit_data selects (mode "frontier" implies the frontier loss)."""
    from ..fitting import fit as fit_form
    d, X, y = _fit_inputs(ds, model, mode, how)
    return fit_form(model, X, y, loss="frontier" if d.loss == "frontier" else loss)


@_ds_scoped
def fitted_law(ds: str, model: str, loss: str = "huber", mode: str = "all", how: str = "final") -> Law:
    """The Law of fit(ds, model, loss, mode, how), with the fitted rows' domain and the settings
    in its provenance (law('fit:<ds>:<form>') is the default: symmetric fit on all runs)."""
    r, res = fit_data(ds, mode, how).rows, fit(ds, model, loss, mode, how)
    settings = f"{'frontier' if res.loss == 'frontier' else 'Huber δ=1e-3'}, runs: {mode}" + \
        (f", curves: {how}" if fit_data(ds, mode, how).curves else "")
    return from_fit(res, fitted_slug(ds, model, loss, mode, how), f"{FIT_FORMS[model].title} fitted to "
                    f"{dataset_label(ds)}", ds,
                    c_range=(float(r["compute_flops"].min()), float(r["compute_flops"].max())),
                    n_range=(float(r["n_params"].min()), float(r["n_params"].max())),
                    d_range=(float(r["n_tokens"].min()), float(r["n_tokens"].max())),
                    params_counted=dataset_param_convention(ds), settings=settings)


@_ds_scoped
@st.cache_data(show_spinner=False, max_entries=256)
def fit_columns(ds: str, model: str, cols: tuple[str, ...], lam: float):
    """Fit any form to chosen columns: one column per input, then the target. For the
    loss-curve form the inputs are the step and the learning rate logged at that step."""
    from ..fitting import fit as fit_form
    from ..schedules import annealing_areas_at
    t = table(ds)
    form = FIT_FORMS[model]
    if model == "lr_anneal":
        S1, S2 = annealing_areas_at(t[cols[0]].to_numpy(), t[cols[1]].to_numpy(), lam)
        X = {"S1": S1, "S2": S2}
    else:
        X = {k: t[c].to_numpy() for k, c in zip(form.inputs, cols)}
    return fit_form(model, X, t[cols[-1]].to_numpy()), X


@_ds_scoped
@st.cache_data(show_spinner=False, max_entries=64)
def backtest(ds: str, models: tuple[str, ...], holdout: float, mode: str = "all", how: str = "final",
             losses: tuple[str, ...] = ("huber",)):
    from ..fitting import backtest as run_backtest, inputs_from_runs
    r = fit_data(ds, mode, how).rows
    C = r["compute_flops"].to_numpy()
    cutoff = float(np.quantile(C, 1 - holdout, method="lower"))
    return run_backtest(models, inputs_from_runs(r), r["loss"].to_numpy(), C, cutoff, losses=losses)


@st.cache_resource
def _boot_cache() -> dict:
    return {}


@_ds_scoped
def bootstrap(ds: str, model: str, n: int, seed: int, loss: str = "huber", mode: str = "all", how: str = "final"):
    """Bootstrap with a progress bar; results are kept for every session on this server. When a
    run contributes several rows (checkpoints), whole runs are resampled (groups=)."""
    from ..fitting import bootstrap as run_bootstrap
    key = (ds, model, n, seed, loss, mode, how)
    cache = _boot_cache()
    if key not in cache:
        d, X, y = _fit_inputs(ds, model, mode, how)
        bar = st.progress(0.0, text=f"Bootstrap for {model}: 0 / {n} resamples")
        res = run_bootstrap(model, X, y, n_resamples=n, seed=seed, base=fit(ds, model, loss, mode, how),
                            groups=d.groups,
                            progress=lambda i, tot: bar.progress(i / tot, text=f"Bootstrap for {model}: {i} / {tot}"))
        bar.empty()
        if len(cache) > 64:
            cache.pop(next(iter(cache)))
        cache[key] = res
    return cache[key]


def _boot_laws(ds: str, model: str, n_boot: int, seed: int, *fit_opts):
    boot = bootstrap(ds, model, n_boot, seed, *fit_opts)          # computed once per server, with a progress bar
    return [make_law("s", model, p) for p in boot.param_dicts()]


@st.cache_data(show_spinner=False, max_entries=64)
def _bootstrap_curves(ds, model, n_boot, seed, log_c_lo, log_c_hi, n, fit_opts=()):
    from ..fitting import band
    grid = np.logspace(log_c_lo, log_c_hi, n)
    samples = [allocation.compute_optimal(lw, grid) for lw in _boot_laws(ds, model, n_boot, seed, *fit_opts)]
    return band(np.array([s["loss"] for s in samples])), band(np.array([s["N"] for s in samples]))


@_ds_scoped
def bootstrap_curves(ds: str, model: str, n_boot: int, seed: int, log_c_lo: float, log_c_hi: float, n: int = 60,
                     fit_opts: tuple[str, ...] = ()):
    """95% bands of the frontier loss and of N*(C) over a bootstrap's resamples. The bootstrap
    runs (with its progress bar) outside the cached part, so a cache hit replays no elements.
    fit_opts: (loss, mode, how) as for fit(); empty for the default fit."""
    bootstrap(ds, model, n_boot, seed, *fit_opts)
    return _bootstrap_curves(ds, model, n_boot, seed, log_c_lo, log_c_hi, n, tuple(fit_opts))


@st.cache_data(show_spinner=False, max_entries=256)
def _frontier_band(ds, model, n_boot, seed, C, U, fit_opts=FIT_DEFAULTS):
    from ..fitting import band
    outs = [allocation.compute_optimal(lw, C, U) for lw in _boot_laws(ds, model, n_boot, seed, *fit_opts)]
    return {q: band(np.array([o[q][0] for o in outs])) for q in ("N", "D", "loss")}


@_slug_scoped
def frontier_band(slug: str, n_boot: int, seed: int, C: float, U: float = math.inf) -> dict:
    """95% bootstrap intervals of N*, D*, loss at one budget for a fitted law (cached per budget,
    not recomputed on every rerun)."""
    ds, model, opts = parse_fit(slug)
    bootstrap(ds, model, n_boot, seed, *opts)
    return _frontier_band(ds, model, n_boot, seed, C, U, opts)


# ---- run config, memory and sweep design (issue 15) -----------------------------------------

HYPER_STEPLAW = ("li2025-steplaw-lr", "li2025-steplaw-batchsize-tool")


@_slug_scoped
@st.cache_data(show_spinner=False, max_entries=128)
def run_config(slug: str, C: float, U: float, hyper: str, seq_len: int, schedule: str, rule: str):
    """lib.runconfig.run_config for the compute-optimal plan of (law, C, U), cached by primitives."""
    from .. import runconfig
    laws = published_laws()
    hl = laws[hyper] if hyper in laws else {s: laws[s] for s in HYPER_STEPLAW}
    return runconfig.run_config(plan(slug, C, U, 0.0, None, None), hl, seq_len, schedule, rule)


@st.cache_data(show_spinner=False, max_entries=256)
def memory_report(n_params: float, n_layers: int, d_model: int, n_heads: int, seq_len: int, memory_gb: float,
                  sharding: str, tp: int, pp: int, micro_batch: int, recompute: str, precision: str, gpus: int,
                  flops: float, peak_flops: float, mfu: float, price: float, batch_sequences: int) -> dict:
    from ..memory import Parallel, fit_report
    return fit_report(n_params, n_layers, d_model, n_heads, seq_len, memory_gb,
                      Parallel(sharding, tp, pp, micro_batch, recompute, precision), gpus, flops, peak_flops, mfu,
                      price, batch_sequences)


@_slug_scoped
@st.cache_data(show_spinner=False, max_entries=64)
def sweep_designs(slug: str, small_budget: float, target_C: float, noise: float, seed: int, U: float = math.inf):
    from ..sweep_design import compare_designs
    return compare_designs(law(slug), small_budget, target_C, noise, seed=seed, U=U)


@st.cache_data(show_spinner=False)
def gpu_memory() -> dict[str, float]:
    """Accelerator name -> memory in GB (decimal) from the preset table's memory_gb column (vendor
    quotes in the table; 'GiB' converted)."""
    from ..memory import parse_memory_gb
    t = published_table("gpu_presets") if "gpu_presets" in set(tables_index()["id"]) else None
    if t is None or t.empty or "memory_gb" not in t.columns:
        return {}
    out = {r["name"]: parse_memory_gb(r["memory_gb"]) for _, r in t.iterrows()}
    return {k: v for k, v in out.items() if v}
