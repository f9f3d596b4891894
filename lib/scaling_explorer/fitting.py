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

from .forms import FIT_FORMS as FORMS, Form as FitForm

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


# Frontier fits: over-prediction (log prediction above the observed loss, r > 0) costs
# ``overestimate_penalty`` times what under-prediction costs (OLMo-core's overestimate_penalty;
# kyo-takano/chinchilla's asymmetric loss). Outside the Huber core this is quantile regression at
# the 1/(1 + penalty) quantile: with penalty 10 the law runs below ~91% of the runs, i.e. along
# the best-tuned runs of a sweep rather than through the average one.
FRONTIER_PENALTY = 10.0
LOSSES = ("huber", "frontier")


def asym_huber(r, delta=HUBER_DELTA, penalty=1.0):
    h = huber(r, delta)
    return h if penalty == 1.0 else np.where(r > 0, penalty * h, h)


def asym_huber_grad(r, delta=HUBER_DELTA, penalty=1.0):
    g = huber_grad(r, delta)
    return g if penalty == 1.0 else np.where(r > 0, penalty * g, g)


def _penalty(loss: str, overestimate_penalty: float | None) -> float:
    if loss not in LOSSES:
        raise FitError(f"unknown fit loss {loss!r}; choose one of {', '.join(LOSSES)}")
    if overestimate_penalty is None:
        return FRONTIER_PENALTY if loss == "frontier" else 1.0
    pen = float(overestimate_penalty)
    if not (np.isfinite(pen) and pen >= 1.0):
        raise FitError("the over-estimate penalty must be a number >= 1 (1 = the symmetric Huber fit)")
    return pen


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
    loss: str = "huber"                 # "huber" (symmetric) or "frontier"
    overestimate_penalty: float = 1.0   # weight of over-prediction relative to under-prediction

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


def objective(form: FitForm, X: Mapping[str, np.ndarray], y, delta: float = HUBER_DELTA,
              overestimate_penalty: float = 1.0, weights=None) -> Callable:
    """theta -> (summed Huber of log residuals, gradient). ``overestimate_penalty`` > 1 weighs
    over-prediction more (frontier fits); ``weights`` multiply each run's term (e.g. bootstrap
    multiplicities)."""
    ly = np.log(np.asarray(y, float))
    w = None if weights is None else np.asarray(weights, float)
    pen = float(overestimate_penalty)

    def f(theta):
        theta = np.asarray(theta, float)
        with np.errstate(all="ignore"):
            pred, J = form.pred(theta, X)
            if J is None:
                pred, J = _jacobian_fd(form, theta, X)
        r = pred - ly
        if not np.all(np.isfinite(r)):
            return np.inf, np.zeros_like(theta)
        h, g = asym_huber(r, delta, pen), asym_huber_grad(r, delta, pen)
        if w is not None:
            h, g = h * w, g * w
        return float(h.sum()), g @ J
    return f


def _grid_scores(form: FitForm, starts, X, ly, delta, penalty=1.0):
    if form.grid_score is not None:
        s = form.grid_score(starts, X, ly, lambda r: asym_huber(r, delta, penalty))
    else:
        s = np.empty(len(starts))
        with np.errstate(all="ignore"):
            for i, t in enumerate(starts):
                s[i] = asym_huber(form.pred(t, X)[0] - ly, delta, penalty).sum()
    return np.where(np.isfinite(s), s, np.inf)


# ---- the Chinchilla form, fast: variable projection starts and a batched optimiser -------------
#
# With alpha and beta fixed, L = E + A N^-alpha + B D^-beta is linear in (E, A, B) (Czech et al.
# 2026; Open-Athena's vpnls). The fit's objective is Huber on *log* residuals, for which that
# linear solve is not exact, so here it supplies starts: over an (alpha, beta) grid, nonnegative
# least squares on relative residuals (L_pred/L - 1, which is the log residual to first order)
# gives (E, A, B) for every pair at once; every pair is scored on the true objective, and
# L-BFGS-B polishes the best few. The polished optimum is the same stationary point the 4,500-start
# grid reaches (1.0182740e-3 on Epoch's 240 points), in a fraction of the time.

_VP_EXP = np.linspace(0.02, 2.5, 40)
VP_REFINE = 4          # polished starts after variable projection


def _chinchilla_like(form: FitForm) -> bool:
    return (len(form.inputs) == 2 and form.n_params == 5 and form.grid_score is not None
            and tuple(n.split(" ")[0] for n in form.theta_names) == ("a", "b", "e", "alpha", "beta"))


def _nnls3(G, h):
    """min_x x'Gx - 2h'x subject to x >= 0, for a stack of 3x3 problems (G: (K,3,3), h: (K,3)):
    every active set is tried and the best feasible kept."""
    K = G.shape[0]
    best_x = np.zeros((K, 3))
    best_v = np.zeros(K)                      # x = 0 gives 0
    for mask in ((1, 1, 1), (1, 1, 0), (1, 0, 1), (0, 1, 1), (1, 0, 0), (0, 1, 0), (0, 0, 1)):
        idx = np.flatnonzero(mask)
        Gs = G[:, idx][:, :, idx]
        hs = h[:, idx]
        with np.errstate(all="ignore"):
            det_ok = np.abs(np.linalg.det(Gs)) > 1e-300
            Gs_safe = np.where(det_ok[:, None, None], Gs, np.eye(idx.size))
            xs = np.linalg.solve(Gs_safe, hs[..., None])[..., 0]
        ok = det_ok & np.all(xs > 0, axis=1) & np.all(np.isfinite(xs), axis=1)
        v = -np.einsum("ki,ki->k", xs, hs)      # at the solution x'Gx - 2h'x = -h'x
        take = ok & (v < best_v)
        if np.any(take):
            x = np.zeros((K, 3))
            x[:, idx] = xs
            best_x[take], best_v[take] = x[take], v[take]
    return best_x


def varpro_starts(form: FitForm, X, y, delta=HUBER_DELTA, penalty=1.0, n_best: int = 4, exps=_VP_EXP):
    """Starts for a Chinchilla-form fit from variable projection: (starts (K,5), their objective).

    The features N^-alpha and D^-beta depend on one exponent each, so the normal equations of
    every (alpha, beta) pair come from per-exponent sums and one matrix product."""
    lN, lD = (np.log(np.asarray(X[k], float)) for k in form.inputs)
    y = np.asarray(y, float)
    ly = np.log(y)
    k = exps.size
    with np.errstate(all="ignore"):
        F1 = np.exp(-exps[:, None] * lN[None, :]) / y          # (k, n): N^-alpha / L
        F2 = np.exp(-exps[:, None] * lD[None, :]) / y          # (k, n): D^-beta / L
        f3 = 1.0 / y
        G = np.empty((k, k, 3, 3))
        G[..., 0, 0] = (F1 * F1).sum(1)[:, None]
        G[..., 1, 1] = (F2 * F2).sum(1)[None, :]
        G[..., 2, 2] = (f3 * f3).sum()
        G[..., 0, 1] = G[..., 1, 0] = F1 @ F2.T
        G[..., 0, 2] = G[..., 2, 0] = (F1 @ f3)[:, None]
        G[..., 1, 2] = G[..., 2, 1] = (F2 @ f3)[None, :]
        h = np.empty((k, k, 3))
        h[..., 0] = F1.sum(1)[:, None]
        h[..., 1] = F2.sum(1)[None, :]
        h[..., 2] = f3.sum()
        x = _nnls3(G.reshape(-1, 3, 3), h.reshape(-1, 3))     # (k*k, 3): A, B, E
        ia, ib = (v.ravel() for v in np.meshgrid(np.arange(k), np.arange(k), indexing="ij"))
        # the true objective of every pair: log of the linear prediction, Huber of the log residual
        P = x[:, 0:1] * F1[ia] + x[:, 1:2] * F2[ib] + x[:, 2:3] * f3      # prediction / L
        score = asym_huber(np.log(P), delta, penalty).sum(1)
        score = np.where(np.isfinite(score) & np.all(x > 0, axis=1), score, np.inf)
        lo = np.array([b[0] for b in form.bounds])
        hi = np.array([b[1] for b in form.bounds])
        T = np.column_stack([np.log(x[:, 0]), np.log(x[:, 1]), np.log(x[:, 2]), exps[ia], exps[ib]])
        T = np.clip(np.where(np.isfinite(T), T, lo), lo, hi)
    order = np.argsort(score, kind="stable")[:n_best]
    if not np.isfinite(score[order[0]]):
        # some coefficient is zero at every pair (e.g. no visible irreducible term): fall back
        # to scoring the clipped parameters on the true objective
        s2 = _grid_scores(form, T, {kk: np.asarray(X[kk], float) for kk in form.inputs}, ly, delta, penalty)
        order = np.argsort(s2, kind="stable")[:n_best]
        return T[order], s2[order]
    return T[order], score[order]


def _chin_batch(T, lN, lD, ly, W, delta, pen):
    """Objective and gradient of the Chinchilla form for a batch of thetas T (K,5) and per-run
    weights W (K,n): the bootstrap's inner loop, vectorised over resamples."""
    a, b, e, al, be = (T[:, i:i + 1] for i in range(5))
    u1 = a - al * lN
    u2 = b - be * lD
    m = np.maximum(np.maximum(u1, u2), e)
    e1, e2, e3 = np.exp(u1 - m), np.exp(u2 - m), np.exp(e - m)
    s = e1 + e2 + e3
    r = m + np.log(s) - ly
    h = W * asym_huber(r, delta, pen)
    g = W * asym_huber_grad(r, delta, pen) / s
    g1, g2, g3 = g * e1, g * e2, g * e3
    grad = np.column_stack([g1.sum(1), g2.sum(1), g3.sum(1), -(g1 * lN).sum(1), -(g2 * lD).sum(1)])
    return h.sum(1), grad


def _inverse_hessian(grad, theta, rel=1e-5):
    """A positive-definite inverse of the Hessian at theta, by central differences of the batched
    gradient (one call); None when it cannot be formed."""
    p = theta.size
    h = rel * np.maximum(1.0, np.abs(theta))
    T = np.vstack([theta + np.diag(h), theta - np.diag(h)])
    with np.errstate(all="ignore"):
        G = grad(T)
    Hm = (G[:p] - G[p:]) / (2 * h[:, None])
    Hm = 0.5 * (Hm + Hm.T)
    if not np.all(np.isfinite(Hm)):
        return None
    w, V = np.linalg.eigh(Hm)
    if w.max() <= 0:
        return None
    w = np.maximum(w, 1e-8 * w.max())
    return (V / w) @ V.T


def _batched_lbfgs(T0, fg, lo, hi, gtol=GRAD_TOL, max_iter=400, m=10, H0=None):
    """L-BFGS on a batch of independent problems at once (each with its own Armijo backtracking);
    a problem stops when its gradient's largest component is <= gtol or it cannot decrease its
    objective further. ``H0``: a shared initial inverse Hessian (e.g. the full-data one at the
    common start), which spares most iterations. Returns (thetas, objectives, grad_inf, within_bounds)."""
    T = T0.copy()
    K, p = T.shape
    f, g = fg(T)
    S = np.zeros((m, K, p))
    Y = np.zeros((m, K, p))
    RHO = np.zeros((m, K))
    active = np.isfinite(f)
    stall = np.zeros(K, int)
    gam_last = np.full(K, np.nan)
    k_hist = 0
    for _ in range(max_iter):
        ginf = np.max(np.abs(g), axis=1)
        active &= (ginf > gtol) & (stall < 3)
        if not active.any():
            break
        # two-loop recursion over the stored pairs (zero pairs contribute nothing)
        q = g.copy()
        alph = np.zeros((m, K))
        n_h = min(k_hist, m)
        for j in range(n_h - 1, -1, -1):
            alph[j] = RHO[j] * np.einsum("kp,kp->k", S[j], q)
            q -= alph[j][:, None] * Y[j]
        if H0 is not None:
            q = q @ H0
        else:
            first = 1e-3 / np.maximum(np.max(np.abs(g), axis=1), 1e-12)
            gam = np.where(np.isfinite(gam_last), gam_last, first)
            q *= gam[:, None]
        for j in range(n_h):
            bet = RHO[j] * np.einsum("kp,kp->k", Y[j], q)
            q += (alph[j] - bet)[:, None] * S[j]
        d = -q
        slope = np.einsum("kp,kp->k", g, d)
        bad = ~(slope < 0)
        d[bad] = -g[bad] * 1e-3 / np.maximum(np.max(np.abs(g[bad]), axis=1, keepdims=True), 1e-300)
        slope = np.einsum("kp,kp->k", g, d)
        t = np.ones(K)
        todo = active.copy()
        Tn, fn, gn = T.copy(), f.copy(), g.copy()
        for _ls in range(40):
            if not todo.any():
                break
            idx = np.flatnonzero(todo)
            Tt = T[idx] + t[idx, None] * d[idx]
            ft, gt = fg(Tt, idx)
            okk = np.isfinite(ft) & (ft <= f[idx] + 1e-4 * t[idx] * slope[idx])
            acc = idx[okk]
            Tn[acc], fn[acc], gn[acc] = Tt[okk], ft[okk], gt[okk]
            todo[acc] = False
            t[idx[~okk]] *= 0.5
        # problems whose line search failed stall
        stall[todo] += 1
        moved = active & ~todo
        sv, yv = Tn - T, gn - g
        sy = np.einsum("kp,kp->k", sv, yv)
        upd = moved & (sy > 1e-300)
        S = np.roll(S, -1, axis=0) if k_hist >= m else S
        Y = np.roll(Y, -1, axis=0) if k_hist >= m else Y
        RHO = np.roll(RHO, -1, axis=0) if k_hist >= m else RHO
        j = min(k_hist, m - 1)
        S[j] = np.where(upd[:, None], sv, 0.0)
        Y[j] = np.where(upd[:, None], yv, 0.0)
        RHO[j] = np.where(upd, 1.0 / np.where(upd, sy, 1.0), 0.0)
        yy = np.einsum("kp,kp->k", yv, yv)
        gam_last = np.where(upd & (yy > 0), sy / np.where(yy > 0, yy, 1.0), gam_last)
        k_hist += 1
        dec = f[moved] - fn[moved]
        stall[moved] = np.where(dec <= 1e-16 * np.maximum(1.0, np.abs(f[moved])), stall[moved] + 1, 0)
        T, f, g = Tn, fn, gn
    ginf = np.max(np.abs(g), axis=1)
    inside = np.all((T > lo) & (T < hi), axis=1)
    return T, f, ginf, inside


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


def _frontier_warnings(n: int, form: FitForm, penalty: float) -> list[str]:
    # A penalty-p fit is pinned by the runs below it, about n/(1+p) of them: fewer than the
    # form's parameters cannot say where the frontier is.
    if penalty <= 1.0:
        return []
    below = n / (1.0 + penalty)
    if below < 2 * form.n_params:
        return [f"frontier fit on {n} runs: only about {below:.0f} runs set the frontier, too few for "
                f"{form.n_params} parameters; add runs (at least {int(np.ceil(2 * form.n_params * (1 + penalty)))}) "
                "or use the symmetric fit"]
    return []


def fit(model: str, X: Mapping[str, np.ndarray], y, n_refine: int = 16, delta: float = HUBER_DELTA,
        loss: str = "huber", overestimate_penalty: float | None = None, starts: str = "auto") -> FitResult:
    """Fit form ``model`` to inputs X (a mapping of its input names to arrays) and targets y.

    ``loss="frontier"`` (or an explicit ``overestimate_penalty`` > 1) penalises over-prediction
    more than under-prediction, so the law tracks the best runs of a sweep (see FRONTIER_PENALTY).
    ``starts``: "auto" uses variable projection for the Chinchilla form and the form's grid
    otherwise; "grid" forces the grid; "varpro" forces variable projection (Chinchilla form only)."""
    if model not in FORMS:
        raise FitError(f"unknown law form {model!r}; choose one of {', '.join(FORMS)}")
    form = FORMS[model]
    pen = _penalty(loss, overestimate_penalty)
    loss = "frontier" if pen > 1.0 else "huber"
    X, y = check_data(form, X, y)
    ly = np.log(y)
    warnings: list[str] = []
    if np.ptp(ly) < 1e-6:
        warnings.append(f"all {form.target} values are equal: the fit cannot tell the terms apart")
    warnings += _frontier_warnings(y.size, form, pen)

    lo = np.array([b[0] for b in form.bounds])
    hi = np.array([b[1] for b in form.bounds])
    use_vp = starts == "varpro" or (starts == "auto" and _chinchilla_like(form))
    if starts not in ("auto", "grid", "varpro"):
        raise FitError(f"unknown start strategy {starts!r}; choose auto, grid or varpro")
    if use_vp and not _chinchilla_like(form):
        raise FitError(f"variable projection applies to the Chinchilla form only, not {model!r}")
    if use_vp:
        candidates, _ = varpro_starts(form, X, y, delta, pen, n_best=max(1, min(n_refine, VP_REFINE)))
        candidates = list(candidates)
        n_grid = _VP_EXP.size ** 2
    else:
        st = form.starts()
        scores = _grid_scores(form, st, X, ly, delta, pen)
        order = np.argsort(scores, kind="stable")[: max(1, min(n_refine, len(st)))]
        candidates = [st[i] for i in order if np.isfinite(scores[i])] or [st[order[0]]]
        n_grid = len(st)

    f = objective(form, X, y, delta, pen)
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
                     residual_max_abs=float(np.max(np.abs(r))), message=str(best.message), warnings=tuple(warnings),
                     loss=loss, overestimate_penalty=pen)


def inputs_from_runs(runs) -> dict[str, np.ndarray]:
    """The inputs the run-level forms read, from normalised runs: N, D, C and M = D/N."""
    N = np.asarray(runs["n_params"], float)
    D = np.asarray(runs["n_tokens"], float)
    return {"N": N, "D": D, "C": np.asarray(runs["compute_flops"], float), "M": D / N}


def fit_law(model: str, N, D, loss, n_refine: int = 16, delta: float = HUBER_DELTA, **kw) -> FitResult:
    """Fit an L(N, D) form to runs: N parameters, D tokens, final loss (keywords as ``fit``)."""
    return fit(model, {"N": N, "D": D}, loss, n_refine=n_refine, delta=delta, **kw)


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
        """One row per kept resample, one column per parameter (shape (0, p) when none was kept)."""
        return np.asarray(self.samples, float).reshape(-1, len(self.param_names))

    def se(self) -> dict[str, float]:
        """Bootstrap standard errors; NaN when fewer than two resamples converged."""
        a = self.array()
        return {k: float(np.std(a[:, i], ddof=1)) if len(a) > 1 else float("nan")
                for i, k in enumerate(self.param_names)}

    def ci(self, level: float = 0.95) -> dict[str, tuple[float, float]]:
        """Percentile intervals; (NaN, NaN) when no resample converged."""
        a = self.array()
        q = (1 - level) / 2
        nan = float("nan")
        return {k: (float(np.quantile(a[:, i], q)), float(np.quantile(a[:, i], 1 - q))) if len(a) else (nan, nan)
                for i, k in enumerate(self.param_names)}

    def param_dicts(self):
        return [dict(zip(self.param_names, row)) for row in self.samples]


def _resample_weights(rng, n: int, groups) -> np.ndarray:
    """One bootstrap resample as per-row multiplicities: rows drawn with replacement, or, with
    ``groups``, whole groups (runs) drawn with replacement and every row of a drawn group kept."""
    if groups is None:
        return np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
    codes, n_groups = groups
    counts = np.bincount(rng.integers(0, n_groups, n_groups), minlength=n_groups).astype(float)
    return counts[codes]


def _group_codes(groups, n: int):
    if groups is None:
        return None
    g = np.asarray(groups, dtype=object).ravel()
    if g.size != n:
        raise FitError(f"run ids: {g.size} values for {n} rows; give one run id per row")
    if any(v is None or (isinstance(v, float) and not np.isfinite(v)) for v in g):
        raise FitError("run ids contain missing values: every row needs its run id")
    _, codes = np.unique(g.astype(str), return_inverse=True)
    n_groups = int(codes.max()) + 1
    if n_groups < 3:
        raise FitError(f"only {n_groups} distinct run ids: resampling runs needs at least 3 runs")
    return codes.ravel(), n_groups


def bootstrap(model: str, X: Mapping[str, np.ndarray], y, n_resamples: int = 1000, seed: int = 0,
              base: FitResult | None = None, progress: Callable[[int, int], None] | None = None,
              delta: float = HUBER_DELTA, groups=None, overestimate_penalty: float | None = None) -> BootstrapResult:
    """Resample runs with replacement and refit each resample, warm-started from the full-data
    optimum (the usual bootstrap shortcut: a resample that would jump to a distant basin is
    not searched for). Resamples whose optimiser fails are counted in ``n_failed``, not kept.
    Seeded: the same seed gives the same samples.

    ``groups`` (one run id per row): resample runs, not rows, keeping all of a run's rows
    (checkpoints of one run are not independent observations). The penalty defaults to that
    of ``base`` (a frontier fit is bootstrapped as a frontier fit). For the Chinchilla form all
    resamples are optimised together (a batched L-BFGS over per-row multiplicities); a resample
    that does not reach a stationary point there is refined with scipy's L-BFGS-B."""
    form = FORMS[model]
    X, y = check_data(form, X, y)
    pen = (base.overestimate_penalty if base is not None else 1.0) if overestimate_penalty is None \
        else _penalty("huber", overestimate_penalty)
    base = base or fit(model, X, y, delta=delta, overestimate_penalty=pen)
    codes = _group_codes(groups, y.size)
    rng = np.random.default_rng(seed)
    n = y.size
    lo = np.array([b[0] for b in form.bounds])
    hi = np.array([b[1] for b in form.bounds])
    theta0 = np.asarray(base.theta)
    W = np.stack([_resample_weights(rng, n, codes) for _ in range(n_resamples)]) if n_resamples else np.zeros((0, n))

    def refine(w):
        f = objective(form, X, y, delta, pen, weights=w)
        res = minimize(f, theta0, jac=True, method="L-BFGS-B", bounds=form.bounds, options=LBFGS_OPTIONS)
        ok = np.isfinite(res.fun)
        if ok and not res.success:
            g = f(res.x)[1]
            pg = np.where(((res.x <= lo) & (g > 0)) | ((res.x >= hi) & (g < 0)), 0.0, g)
            ok = float(np.max(np.abs(pg))) <= GRAD_TOL * 10
        return ok, res.x

    out = np.full((n_resamples, form.n_params), np.nan)
    good = np.zeros(n_resamples, bool)
    if _chinchilla_like(form) and n_resamples:
        lN, lD = (np.log(X[k])[None, :] for k in form.inputs)
        ly = np.log(y)[None, :]
        H0 = _inverse_hessian(lambda T: _chin_batch(T, lN, lD, ly, np.ones((T.shape[0], n)), delta, pen)[1], theta0)
        chunk = 500
        for c0 in range(0, n_resamples, chunk):
            Wc = W[c0:c0 + chunk]

            def fg(T, idx=None, Wc=Wc):
                with np.errstate(all="ignore"):
                    return _chin_batch(T, lN, lD, ly, Wc if idx is None else Wc[idx], delta, pen)
            T, fv, ginf, inside = _batched_lbfgs(np.tile(theta0, (len(Wc), 1)), fg, lo, hi, max_iter=150, H0=H0)
            ok = np.isfinite(fv) & (ginf <= GRAD_TOL) & inside
            out[c0:c0 + chunk][ok] = T[ok]
            good[c0:c0 + chunk] = ok
            if progress is not None:
                progress(min(c0 + chunk, n_resamples), n_resamples)
    failed = 0
    for i in range(n_resamples):
        if not good[i]:
            ok, x = refine(W[i])
            if ok:
                out[i], good[i] = x, True
            else:
                failed += 1
        if progress is not None and not _chinchilla_like(form) and (i + 1) % 25 == 0:
            progress(i + 1, n_resamples)
    if progress is not None:
        progress(n_resamples, n_resamples)
    rows = [tuple(form.to_params(t).values()) for t in out[good]]
    thetas = [tuple(float(v) for v in t) for t in out[good]]
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

def backtest(models, X: Mapping[str, np.ndarray], y, compute, cutoff: float, losses=("huber",)) -> list[dict]:
    """Fit each form on runs with compute <= cutoff and predict the larger held-out runs.

    Returns one row per form and fit loss (``losses``: "huber", "frontier", or both to compare
    them on the same runs): sizes, the relative error of the predictions on held-out runs
    (median and max of |pred/obs - 1|, and the mean signed error), the same against the
    held-out *envelope* (the best run of each held-out (inputs) cell, which is what a frontier
    fit aims at), or the reason the fit failed."""
    compute = np.asarray(compute, float)
    y = np.asarray(y, float)
    train, test = compute <= cutoff, compute > cutoff
    if isinstance(losses, str):
        losses = (losses,)
    rows = []
    for m in models:
        form = FORMS[m]
        for kind in losses:
            row = {"form": m, "loss": kind, "cutoff_flops": cutoff, "n_train": int(train.sum()),
                   "n_test": int(test.sum())}
            if test.sum() == 0:
                rows.append(row | {"error": "no runs above the cutoff to predict"})
                continue
            try:
                r = fit(m, {k: np.asarray(X[k], float)[train] for k in form.inputs}, y[train], loss=kind)
            except FitError as e:
                rows.append(row | {"error": str(e)})
                continue
            Xt = {k: np.asarray(X[k], float)[test] for k in form.inputs}
            pred = form.predict(r.theta, Xt)
            rel = pred / y[test] - 1.0
            # the held-out envelope: per cell of identical inputs, the lowest observed value
            keys = np.column_stack([Xt[k] for k in form.inputs])
            _, cell = np.unique(keys, axis=0, return_inverse=True)
            cell = cell.ravel()
            best = np.full(cell.max() + 1, np.inf)
            np.minimum.at(best, cell, y[test])
            first = np.unique(cell, return_index=True)[1]
            env = pred[first] / best[cell[first]] - 1.0
            rows.append(row | {"median_abs_rel_err": float(np.median(np.abs(rel))),
                               "max_abs_rel_err": float(np.max(np.abs(rel))),
                               "mean_rel_err": float(np.mean(rel)),
                               "envelope_median_abs_rel_err": float(np.median(np.abs(env))),
                               "envelope_mean_rel_err": float(np.mean(env)),
                               "reliable": r.reliable, "warnings": "; ".join(r.warnings), "error": ""})
    return rows


# ---- Hoffmann et al. 2022, Approach 2: isoFLOP profiles (implemented in lib/isoflop.py) --------

def isoflop_fit(N, C, loss, min_points: int = 3, bin_dex: float = 0.02, **kw):
    """Approach 2: per budget the isoFLOP profile's minimum, then N_opt(C), D_opt(C) power laws.
    Keywords ``method`` ("cubic" in a ±``window_dex`` window by default; "window", "akima",
    "parabola"), ``window_dex``, ``n_boot``, ``seed``, ``level``: see lib.isoflop.isoflop_fit."""
    from .isoflop import isoflop_fit as _isoflop_fit
    return _isoflop_fit(N, C, loss, min_points=min_points, bin_dex=bin_dex, **kw)


def __getattr__(name):
    if name == "IsoflopResult":
        from .isoflop import IsoflopResult
        return IsoflopResult
    raise AttributeError(name)
