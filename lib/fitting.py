"""Fitting scaling laws to runs, following Hoffmann et al. 2022, App. D.2.

The objective is the Huber loss (delta = 1e-3) of log residuals, *summed* over runs. Every
start of the form's initialisation grid is scored in one vectorised pass; L-BFGS-B with
tight tolerances (and an analytic gradient where the form has one) then runs from the
best-scoring starts. The result says whether the optimiser converged (a vanishing projected
gradient), which parameters ended on a bound, and how many refined starts reached the best
objective. Also here: bootstrap uncertainty, back-tests, Hoffmann's Approach 2 (isoFLOP
parabolas) and plain log-log power-law fits. Nothing here plots or imports Streamlit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np
from scipy.optimize import minimize

from .fitforms import FORMS, FitForm

HUBER_DELTA = 1e-3
GRAD_TOL = 1e-7        # largest projected-gradient component accepted as a stationary point
LBFGS_OPTIONS = {"maxiter": 20000, "maxfun": 40000, "ftol": 1e-15, "gtol": 1e-12}


class FitError(ValueError):
    """The data cannot support the requested fit; the message says what to fix."""


def huber(r, delta=HUBER_DELTA):
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def huber_grad(r, delta=HUBER_DELTA):
    return np.clip(r, -delta, delta)


@dataclass(frozen=True)
class FitResult:
    model: str
    law_form: str | None
    params: tuple[tuple[str, float], ...]
    theta: tuple[float, ...]
    objective: float
    converged: bool
    n_points: int
    n_starts_grid: int
    n_refined: int
    n_at_best: int
    at_bounds: tuple[str, ...]
    residual_rms: float          # of log residuals
    residual_max_abs: float
    message: str
    warnings: tuple[str, ...] = field(default=())

    @property
    def p(self) -> dict[str, float]:
        return dict(self.params)

    @property
    def reliable(self) -> bool:
        return self.converged and not self.at_bounds and not self.warnings

    @property
    def form(self) -> FitForm:
        return FORMS[self.model]


def _jacobian_fd(form: FitForm, theta, X):
    """Central differences of the log prediction, for forms without an analytic Jacobian."""
    p0, _ = form.pred(theta, X)
    J = np.empty((p0.size, theta.size))
    for i in range(theta.size):
        h = 1e-6 * max(1.0, abs(theta[i]))
        tp, tm = theta.copy(), theta.copy()
        tp[i] += h
        tm[i] -= h
        J[:, i] = (form.pred(tp, X)[0] - form.pred(tm, X)[0]) / (2 * h)
    return p0, J


def objective(form: FitForm, X: Mapping[str, np.ndarray], y, delta: float = HUBER_DELTA) -> Callable:
    """theta -> (summed Huber of log residuals, gradient)."""
    ly = np.log(np.asarray(y, float))

    def f(theta):
        theta = np.asarray(theta, float)
        with np.errstate(all="ignore"):
            pred, J = form.pred(theta, X)
            if J is None:
                pred, J = _jacobian_fd(form, theta, X)
        r = pred - ly
        if not np.all(np.isfinite(r)):
            return np.inf, np.zeros_like(theta)
        return float(huber(r, delta).sum()), huber_grad(r, delta) @ J
    return f


def _grid_scores(form: FitForm, starts, X, ly, delta):
    if form.grid_score is not None:
        s = form.grid_score(starts, X, ly, lambda r: huber(r, delta))
    else:
        s = np.empty(len(starts))
        with np.errstate(all="ignore"):
            for i, t in enumerate(starts):
                s[i] = huber(form.pred(t, X)[0] - ly, delta).sum()
    return np.where(np.isfinite(s), s, np.inf)


def check_data(form: FitForm, X: Mapping[str, np.ndarray], y) -> tuple[dict, np.ndarray]:
    """Validate a form's inputs and target; raise FitError naming the problem."""
    names = {"N": "model parameters", "D": "training tokens", "U": "unique tokens", "x": "the x column",
             "L": "loss", "C": "compute"}
    cols = {k: np.asarray(X[k], float).ravel() for k in form.inputs}
    y = np.asarray(y, float).ravel()
    what = form.target
    for k, v in list(cols.items()) + [(what, y)]:
        label = names.get(k, k)
        if v.size != y.size:
            raise FitError("all columns must have the same number of rows")
        if not np.all(np.isfinite(v)):
            raise FitError(f"{label} contain missing, NaN or infinite values")
        if k in form.allow_zero:
            if np.any(v < 0):
                raise FitError(f"{label} must not be negative (found {int(np.sum(v < 0))} negative values)")
        elif np.any(v <= 0):
            raise FitError(f"{label} must be positive (found {int(np.sum(v <= 0))} zero or negative values)")
    if y.size <= form.n_params:
        raise FitError(f"{y.size} runs cannot determine {form.n_params} parameters: "
                       f"use at least {form.n_params + 1}")
    for k, v in cols.items():
        if np.unique(v).size < 2:
            raise FitError(f"all runs have the same {names.get(k, k)}: its exponent cannot be identified")
    return cols, y


def fit(model: str, X: Mapping[str, np.ndarray], y, n_refine: int = 16, delta: float = HUBER_DELTA) -> FitResult:
    """Fit form ``model`` to inputs X (a mapping of its input names to arrays) and targets y."""
    if model not in FORMS:
        raise FitError(f"unknown law form {model!r}; choose one of {', '.join(FORMS)}")
    form = FORMS[model]
    X, y = check_data(form, X, y)
    ly = np.log(y)
    warnings: list[str] = []
    if np.ptp(ly) < 1e-6:
        warnings.append(f"all {form.target} values are equal: the fit cannot tell the terms apart")

    lo = np.array([b[0] for b in form.bounds])
    hi = np.array([b[1] for b in form.bounds])
    starts = form.starts()
    scores = _grid_scores(form, starts, X, ly, delta)
    order = np.argsort(scores, kind="stable")[: max(1, min(n_refine, len(starts)))]
    candidates = [starts[i] for i in order if np.isfinite(scores[i])] or [starts[order[0]]]
    n_grid = len(starts)

    f = objective(form, X, y, delta)
    best, results = None, []
    for x in candidates:
        res = minimize(f, np.clip(x, lo, hi), jac=True, method="L-BFGS-B", bounds=form.bounds,
                       options=LBFGS_OPTIONS)
        if not np.isfinite(res.fun):
            continue
        results.append(res)
        if best is None or res.fun < best.fun:
            best = res
    if best is None:
        raise FitError(f"no start gave a finite objective for {form.title}: check the data's scale and units")
    tol = max(1e-12, 1e-6 * abs(best.fun))
    n_at_best = sum(1 for r in results if r.fun - best.fun <= tol)
    theta = np.asarray(best.x, float)
    at_bounds = tuple(name for name, v, a, b in zip(form.theta_names, theta, lo, hi)
                      if min(v - a, b - v) <= 1e-6 * max(1.0, abs(a), abs(b)))
    # L-BFGS-B may stop on a failed line search at the limit of float precision; a vanishing
    # projected gradient at the end still certifies a stationary point.
    grad = f(theta)[1]
    pg = np.where(((theta <= lo) & (grad > 0)) | ((theta >= hi) & (grad < 0)), 0.0, grad)
    grad_inf = float(np.max(np.abs(pg)))
    converged = bool(best.success) or grad_inf <= GRAD_TOL
    if not converged:
        warnings.append(f"optimiser did not converge ({best.message}; largest gradient {grad_inf:.2g})")
    if at_bounds:
        warnings.append("parameters at their bounds: " + ", ".join(at_bounds))
    with np.errstate(all="ignore"):
        r = form.pred(theta, X)[0] - ly
    return FitResult(model=model, law_form=form.law_form, params=tuple(form.to_params(theta).items()),
                     theta=tuple(float(t) for t in theta), objective=float(best.fun), converged=converged,
                     n_points=int(y.size), n_starts_grid=n_grid, n_refined=len(results), n_at_best=int(n_at_best),
                     at_bounds=at_bounds, residual_rms=float(np.sqrt(np.mean(r * r))),
                     residual_max_abs=float(np.max(np.abs(r))), message=str(best.message), warnings=tuple(warnings))


def inputs_from_runs(runs) -> dict[str, np.ndarray]:
    """The inputs the run-level forms read, from normalised runs: N, D, C and M = D/N."""
    N = np.asarray(runs["n_params"], float)
    D = np.asarray(runs["n_tokens"], float)
    return {"N": N, "D": D, "C": np.asarray(runs["compute_flops"], float), "M": D / N}


def fit_law(model: str, N, D, loss, n_refine: int = 16, delta: float = HUBER_DELTA) -> FitResult:
    """Fit an L(N, D) form to runs: N parameters, D tokens, final loss."""
    return fit(model, {"N": N, "D": D}, loss, n_refine=n_refine, delta=delta)


def fit_power_law(x, y) -> tuple[float, float, float]:
    """Least squares of log y on log x: y = coef · x^exponent; returns (coef, exponent, R²)."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    if lx.size < 2 or np.ptp(lx) == 0:
        raise FitError("a power law needs at least two distinct x values")
    slope, intercept = np.polyfit(lx, ly, 1)
    resid = ly - (intercept + slope * lx)
    r2 = 1.0 - resid.var() / ly.var() if ly.var() > 0 else 1.0
    return float(np.exp(intercept)), float(slope), float(r2)


# ---- bootstrap -----------------------------------------------------------------------------

@dataclass(frozen=True)
class BootstrapResult:
    model: str
    seed: int
    n_resamples: int
    samples: tuple[tuple[float, ...], ...]    # published parameters, one row per converged resample
    param_names: tuple[str, ...]
    n_failed: int
    thetas: tuple[tuple[float, ...], ...] = ()  # the optimiser's parameters, same rows

    def array(self) -> np.ndarray:
        return np.asarray(self.samples, float)

    def se(self) -> dict[str, float]:
        a = self.array()
        return {k: float(np.std(a[:, i], ddof=1)) for i, k in enumerate(self.param_names)}

    def ci(self, level: float = 0.95) -> dict[str, tuple[float, float]]:
        a = self.array()
        q = (1 - level) / 2
        return {k: (float(np.quantile(a[:, i], q)), float(np.quantile(a[:, i], 1 - q)))
                for i, k in enumerate(self.param_names)}

    def param_dicts(self):
        return [dict(zip(self.param_names, row)) for row in self.samples]


def bootstrap(model: str, X: Mapping[str, np.ndarray], y, n_resamples: int = 1000, seed: int = 0,
              base: FitResult | None = None, progress: Callable[[int, int], None] | None = None,
              delta: float = HUBER_DELTA) -> BootstrapResult:
    """Resample runs with replacement and refit each resample, warm-started from the full-data
    optimum (the usual bootstrap shortcut: a resample that would jump to a distant basin is
    not searched for). Resamples whose optimiser fails are counted in ``n_failed``, not kept.
    Seeded: the same seed gives the same samples."""
    form = FORMS[model]
    X, y = check_data(form, X, y)
    base = base or fit(model, X, y, delta=delta)
    rng = np.random.default_rng(seed)
    n = y.size
    lo = np.array([b[0] for b in form.bounds])
    hi = np.array([b[1] for b in form.bounds])
    rows, thetas, failed = [], [], 0
    theta0 = np.asarray(base.theta)
    for i in range(n_resamples):
        idx = rng.integers(0, n, n)
        Xi = {k: v[idx] for k, v in X.items()}
        yi = y[idx]
        f = objective(form, Xi, yi, delta)
        res = minimize(f, theta0, jac=True, method="L-BFGS-B", bounds=form.bounds, options=LBFGS_OPTIONS)
        ok = np.isfinite(res.fun)
        if ok and not res.success:
            g = f(res.x)[1]
            pg = np.where(((res.x <= lo) & (g > 0)) | ((res.x >= hi) & (g < 0)), 0.0, g)
            ok = float(np.max(np.abs(pg))) <= GRAD_TOL * 10
        if ok:
            rows.append(tuple(form.to_params(res.x).values()))
            thetas.append(tuple(float(t) for t in res.x))
        else:
            failed += 1
        if progress is not None and (i + 1) % 25 == 0:
            progress(i + 1, n_resamples)
    if progress is not None:
        progress(n_resamples, n_resamples)
    names = tuple(form.to_params(theta0).keys())
    return BootstrapResult(model=model, seed=seed, n_resamples=n_resamples, samples=tuple(rows),
                           param_names=names, n_failed=failed, thetas=tuple(thetas))


def band(values: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low, median, high) over axis 0 of per-resample curves, ignoring non-finite entries."""
    q = (1 - level) / 2
    with np.errstate(all="ignore"):
        return (np.nanquantile(values, q, axis=0), np.nanquantile(values, 0.5, axis=0),
                np.nanquantile(values, 1 - q, axis=0))


def prediction_band(boot: BootstrapResult, X: Mapping[str, np.ndarray], level: float = 0.95):
    """Band of a fitted form's predictions at inputs X over the bootstrap resamples."""
    form = FORMS[boot.model]
    X = {k: np.asarray(v, float) for k, v in X.items()}
    with np.errstate(all="ignore"):
        curves = np.array([form.predict(t, X) for t in boot.thetas])
    return band(curves, level)


# ---- back-test -----------------------------------------------------------------------------

def backtest(models, X: Mapping[str, np.ndarray], y, compute, cutoff: float) -> list[dict]:
    """Fit each form on runs with compute <= cutoff and predict the larger held-out runs.

    Returns one row per form: sizes, and the relative error of the predictions on held-out
    runs (median and max of |pred/obs - 1|, and the mean signed error), or the reason the fit
    failed."""
    compute = np.asarray(compute, float)
    y = np.asarray(y, float)
    train, test = compute <= cutoff, compute > cutoff
    rows = []
    for m in models:
        form = FORMS[m]
        row = {"form": m, "cutoff_flops": cutoff, "n_train": int(train.sum()), "n_test": int(test.sum())}
        if test.sum() == 0:
            rows.append(row | {"error": "no runs above the cutoff to predict"})
            continue
        try:
            r = fit(m, {k: np.asarray(X[k], float)[train] for k in form.inputs}, y[train])
        except FitError as e:
            rows.append(row | {"error": str(e)})
            continue
        pred = form.predict(r.theta, {k: np.asarray(X[k], float)[test] for k in form.inputs})
        rel = pred / y[test] - 1.0
        rows.append(row | {"median_abs_rel_err": float(np.median(np.abs(rel))),
                           "max_abs_rel_err": float(np.max(np.abs(rel))),
                           "mean_rel_err": float(np.mean(rel)), "reliable": r.reliable, "error": ""})
    return rows


# ---- Hoffmann et al. 2022, Approach 2: isoFLOP profiles ---------------------------------------

@dataclass(frozen=True)
class IsoflopResult:
    budgets: tuple[dict, ...]      # per budget: C, n_points, N_opt, D_opt, loss_opt, ok, note
    a: float                       # N_opt ∝ C^a
    k_N: float
    r2_N: float
    b: float                       # D_opt ∝ C^b
    k_D: float
    r2_D: float


def isoflop_fit(N, C, loss, min_points: int = 3, bin_dex: float = 0.02) -> IsoflopResult:
    """Per compute budget, fit a parabola to loss vs log N and take its minimum; then fit
    N_opt(C) and D_opt(C) = C/(6 N_opt) as power laws over the budgets (Hoffmann et al. 2022,
    Sec. 3.2). Runs are grouped into budgets whose log10 C agree within ``bin_dex``. A budget
    whose parabola opens downward or whose minimum lies outside its runs is reported, not used."""
    N, C, loss = (np.asarray(v, float).ravel() for v in (N, C, loss))
    if not (np.all(np.isfinite(N) & (N > 0)) and np.all(np.isfinite(C) & (C > 0)) and np.all(np.isfinite(loss))):
        raise FitError("parameters, compute and loss must be finite and positive")
    key = np.round(np.log10(C) / bin_dex).astype(np.int64)
    budgets = []
    for k in np.unique(key):
        sel = key == k
        c = float(np.exp(np.mean(np.log(C[sel]))))
        row = {"C": c, "n_points": int(sel.sum()), "N_opt": np.nan, "D_opt": np.nan, "loss_opt": np.nan,
               "ok": False, "note": ""}
        lx = np.log(N[sel])
        if np.unique(lx).size < min_points:
            budgets.append(row | {"note": f"fewer than {min_points} model sizes"})
            continue
        c2, c1, c0 = np.polyfit(lx, loss[sel], 2)
        if c2 <= 0:
            budgets.append(row | {"note": "parabola opens downward: no minimum"})
            continue
        x_opt = -c1 / (2 * c2)
        if not (lx.min() <= x_opt <= lx.max()):
            budgets.append(row | {"note": "minimum outside the sampled model sizes"})
            continue
        n_opt = float(np.exp(x_opt))
        budgets.append(row | {"N_opt": n_opt, "D_opt": c / (6 * n_opt), "loss_opt": float(c0 - c1 * c1 / (4 * c2)),
                              "ok": True})
    good = [b for b in budgets if b["ok"]]
    if len(good) < 2:
        raise FitError("isoFLOP method needs at least two budgets with a clear minimum "
                       f"(found {len(good)} of {len(budgets)}); add runs around each budget's optimum")
    cs = np.array([b["C"] for b in good])
    k_N, a, r2_N = fit_power_law(cs, [b["N_opt"] for b in good])
    k_D, b_, r2_D = fit_power_law(cs, [b["D_opt"] for b in good])
    return IsoflopResult(budgets=tuple(budgets), a=a, k_N=k_N, r2_N=r2_N, b=b_, k_D=k_D, r2_D=r2_D)
