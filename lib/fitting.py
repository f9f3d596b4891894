"""Fitting scaling laws to runs, following Hoffmann et al. 2022, App. D.2.

The objective is the Huber loss (delta = 1e-3) of log-loss residuals, *summed* over runs,
of a log-sum-exp parameterisation; L-BFGS-B with tight tolerances and an analytic gradient
starts from the published initialisation grid. The whole grid is scored in one vectorised
pass and the optimiser is run from the best-scoring starts (``n_refine``); the result says
how many of those reached the best optimum, whether the optimiser converged and whether
any parameter ended on a bound. Nothing here plots or imports Streamlit.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

HUBER_DELTA = 1e-3
GRAD_TOL = 1e-7   # largest projected-gradient component accepted as a stationary point


class FitError(ValueError):
    """The data cannot support the requested fit; the message says what to fix."""


def huber(r, delta=HUBER_DELTA):
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def huber_grad(r, delta=HUBER_DELTA):
    return np.clip(r, -delta, delta)


def _lse_rows(U):
    """Row-wise log-sum-exp and softmax over the last axis."""
    m = U.max(axis=-1, keepdims=True)
    ex = np.exp(U - m)
    s = ex.sum(axis=-1, keepdims=True)
    return (m + np.log(s))[..., 0], ex / s


# ---- model definitions in log space --------------------------------------------------------
# Each model maps theta and (logN, logD) to predicted log-loss and its Jacobian.

def _chinchilla_pred(theta, lN, lD):
    a, b, e, al, be = theta
    U = np.stack([a - al * lN, b - be * lD, np.full_like(lN, e)], axis=-1)
    pred, w = _lse_rows(U)
    J = np.stack([w[:, 0], w[:, 1], w[:, 2], -w[:, 0] * lN, -w[:, 1] * lD], axis=-1)
    return pred, J


def _chinchilla_grid_pred(T, lN, lD):
    """Predicted log-loss for many starts at once: T is (S, 5) → (S, n)."""
    a, b, e, al, be = (T[:, i:i + 1] for i in range(5))
    U = np.stack([a - al * lN, b - be * lD, np.broadcast_to(e, (T.shape[0], lN.size))], axis=-1)
    return _lse_rows(U)[0]


def _kaplan_pred(theta, lN, lD):
    lNc, lDc, aN, aD = theta
    u1 = (aN / aD) * (lNc - lN)
    u2 = lDc - lD
    S, w = _lse_rows(np.stack([u1, u2], axis=-1))
    pred = aD * S
    J = np.stack([w[:, 0] * aN, aD * w[:, 1], w[:, 0] * (lNc - lN), S - w[:, 0] * u1], axis=-1)
    return pred, J


def _kaplan_grid_pred(T, lN, lD):
    lNc, lDc, aN, aD = (T[:, i:i + 1] for i in range(4))
    U = np.stack([(aN / aD) * (lNc - lN), np.broadcast_to(lDc - lD, (T.shape[0], lN.size))], axis=-1)
    return aD * _lse_rows(U)[0]


@dataclass(frozen=True)
class FitModel:
    slug: str
    law_form: str
    theta_names: tuple[str, ...]
    grid: tuple[tuple[float, ...], ...]
    bounds: tuple[tuple[float, float], ...]
    pred: object
    grid_pred: object
    to_params: object   # theta -> dict of the law form's parameters
    citation: str


def _chinchilla_params(t):
    a, b, e, al, be = t
    return {"E": float(np.exp(e)), "A": float(np.exp(a)), "B": float(np.exp(b)),
            "alpha": float(al), "beta": float(be)}


def _kaplan_params(t):
    lNc, lDc, aN, aD = t
    return {"N_c": float(np.exp(lNc)), "D_c": float(np.exp(lDc)), "alpha_N": float(aN), "alpha_D": float(aD)}


MODELS: dict[str, FitModel] = {
    "chinchilla": FitModel(
        "chinchilla", "chinchilla", ("a = log A", "b = log B", "e = log E", "alpha", "beta"),
        # Hoffmann et al. 2022, App. D.2: alpha, beta in {0, .5, ..., 2}, e in {-1, -.5, ..., 1},
        # a, b in {0, 5, ..., 25}.
        grid=(tuple(np.arange(0, 30, 5.0)), tuple(np.arange(0, 30, 5.0)), tuple(np.arange(-1, 1.5, 0.5)),
              tuple(np.arange(0, 2.5, 0.5)), tuple(np.arange(0, 2.5, 0.5))),
        bounds=((-10.0, 60.0), (-10.0, 60.0), (-5.0, 5.0), (0.0, 5.0), (0.0, 5.0)),
        pred=_chinchilla_pred, grid_pred=_chinchilla_grid_pred, to_params=_chinchilla_params,
        citation="Hoffmann et al. 2022, Eq. 2 and App. D.2"),
    "kaplan_nd": FitModel(
        "kaplan_nd", "kaplan_nd", ("log N_c", "log D_c", "alpha_N", "alpha_D"),
        grid=(tuple(np.log([1e8, 1e10, 1e12, 1e14, 1e16])), tuple(np.log([1e8, 1e10, 1e12, 1e14, 1e16])),
              (0.05, 0.1, 0.2, 0.4, 0.8), (0.05, 0.1, 0.2, 0.4, 0.8)),
        bounds=((np.log(1.0), np.log(1e40)), (np.log(1.0), np.log(1e40)), (1e-3, 5.0), (1e-3, 5.0)),
        pred=_kaplan_pred, grid_pred=_kaplan_grid_pred, to_params=_kaplan_params,
        citation="Kaplan et al. 2020, Eq. 1.5"),
}


@dataclass(frozen=True)
class FitResult:
    model: str
    law_form: str
    params: tuple[tuple[str, float], ...]
    theta: tuple[float, ...]
    objective: float
    converged: bool
    n_points: int
    n_starts_grid: int
    n_refined: int
    n_at_best: int
    at_bounds: tuple[str, ...]
    residual_rms: float          # of log-loss residuals
    residual_max_abs: float
    message: str
    warnings: tuple[str, ...] = field(default=())

    @property
    def p(self) -> dict[str, float]:
        return dict(self.params)

    @property
    def reliable(self) -> bool:
        return self.converged and not self.at_bounds and not self.warnings


def _objective(model: FitModel, lN, lD, lL):
    def f(theta):
        pred, J = model.pred(theta, lN, lD)
        r = pred - lL
        return float(huber(r).sum()), huber_grad(r) @ J
    return f


def check_runs(N, D, loss, n_params: int):
    """Validate run arrays for fitting; raise FitError naming the problem."""
    N, D, loss = (np.asarray(x, dtype=float).ravel() for x in (N, D, loss))
    if not (N.size == D.size == loss.size):
        raise FitError("parameters, tokens and loss must have the same number of rows")
    for name, x in (("model parameters", N), ("training tokens", D), ("loss", loss)):
        if not np.all(np.isfinite(x)):
            raise FitError(f"{name} contain missing, NaN or infinite values")
        if np.any(x <= 0):
            raise FitError(f"{name} must be positive (found {np.sum(x <= 0)} zero or negative values)")
    if N.size <= n_params:
        raise FitError(f"{N.size} runs cannot determine {n_params} parameters: upload at least {n_params + 1}")
    if np.unique(N).size < 2:
        raise FitError("all runs have the same model size: the exponent in N cannot be identified")
    if np.unique(D).size < 2:
        raise FitError("all runs have the same token count: the exponent in D cannot be identified")
    return N, D, loss


def fit_law(model: str, N, D, loss, n_refine: int = 64, delta: float = HUBER_DELTA) -> FitResult:
    """Fit a law to runs (N parameters, D tokens, final loss) and report diagnostics."""
    if model not in MODELS:
        raise FitError(f"unknown fit model {model!r}; choose one of {', '.join(MODELS)}")
    m = MODELS[model]
    N, D, loss = check_runs(N, D, loss, len(m.theta_names))
    lN, lD, lL = np.log(N), np.log(D), np.log(loss)
    warnings: list[str] = []
    if np.ptp(lL) < 1e-6:
        warnings.append("all losses are equal: the fit cannot tell the terms apart")

    starts = np.array(list(itertools.product(*m.grid)), dtype=float)
    with np.errstate(all="ignore"):
        scores = huber(m.grid_pred(starts, lN, lD) - lL, delta).sum(axis=1)
    scores = np.where(np.isfinite(scores), scores, np.inf)
    order = np.argsort(scores, kind="stable")[: max(1, min(n_refine, len(starts)))]

    f = _objective(m, lN, lD, lL)
    best = None
    results = []
    for i in order:
        x0 = np.clip(starts[i], [b[0] for b in m.bounds], [b[1] for b in m.bounds])
        with np.errstate(all="ignore"):
            res = minimize(f, x0, jac=True, method="L-BFGS-B", bounds=m.bounds,
                           options={"maxiter": 20000, "maxfun": 40000, "ftol": 1e-15, "gtol": 1e-12})
        if not np.isfinite(res.fun):
            continue
        results.append(res)
        if best is None or res.fun < best.fun:
            best = res
    if best is None:
        raise FitError("the optimiser found no finite objective from any start: check the data's scale")
    tol = max(1e-12, 1e-6 * abs(best.fun))
    n_at_best = sum(1 for r in results if r.fun - best.fun <= tol)
    theta = np.asarray(best.x, dtype=float)
    at_bounds = tuple(name for name, v, (lo, hi) in zip(m.theta_names, theta, m.bounds)
                      if min(v - lo, hi - v) <= 1e-6 * max(1.0, abs(lo), abs(hi)))
    pred, _ = m.pred(theta, lN, lD)
    r = pred - lL
    # L-BFGS-B may stop on a failed line search at the limit of float precision; a vanishing
    # projected gradient at the end still certifies a stationary point.
    grad = f(theta)[1]
    lo, hi = np.array([b[0] for b in m.bounds]), np.array([b[1] for b in m.bounds])
    pg = np.where((theta <= lo) & (grad > 0) | (theta >= hi) & (grad < 0), 0.0, grad)
    grad_inf = float(np.max(np.abs(pg)))
    converged = bool(best.success) or grad_inf <= GRAD_TOL
    if not converged:
        warnings.append(f"optimiser did not converge ({best.message}; largest gradient {grad_inf:.2g})")
    if at_bounds:
        warnings.append("parameters at their bounds: " + ", ".join(at_bounds))
    return FitResult(model=model, law_form=m.law_form, params=tuple(m.to_params(theta).items()),
                     theta=tuple(float(t) for t in theta), objective=float(best.fun), converged=converged,
                     n_points=int(N.size), n_starts_grid=int(len(starts)), n_refined=len(results),
                     n_at_best=int(n_at_best), at_bounds=at_bounds,
                     residual_rms=float(np.sqrt(np.mean(r * r))), residual_max_abs=float(np.max(np.abs(r))),
                     message=str(best.message), warnings=tuple(warnings))


def fit_power_law(x, y) -> tuple[float, float, float]:
    """Least squares of log y on log x: y = coef · x^exponent; returns (coef, exponent, R²)."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    if lx.size < 2 or np.ptp(lx) == 0:
        raise FitError("a power law needs at least two distinct x values")
    slope, intercept = np.polyfit(lx, ly, 1)
    resid = ly - (intercept + slope * lx)
    r2 = 1.0 - resid.var() / ly.var() if ly.var() > 0 else 1.0
    return float(np.exp(intercept)), float(slope), float(r2)
