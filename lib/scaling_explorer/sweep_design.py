"""Sweep design: which small runs to train so that the extrapolation to a target budget is
trustworthy. Pure: no Streamlit, no Plotly.

Given a compute budget for the small runs and a target budget, ``design_grid`` proposes an
isoFLOP grid (budgets spaced evenly in log C, model sizes spread evenly in log N around the law's
own N*(C) at each budget) whose runs together spend exactly the small-run budget. ``simulate``
draws seeded noisy sweeps from the chosen law (loss × exp(σ·ε), ε ~ N(0, 1), σ the noise level
the user sets), refits each one with Approach 2 — per budget the profile's minimum, then
N_opt(C) as a power law (scaling_explorer.isoflop.isoflop_fit; the whole-profile parabola is
vectorised here over all simulations and equals isoflop_fit(method="parabola") to rounding, other
methods call isoflop_fit per simulation) — and extrapolates N* and the frontier loss to the
target: the loss from L_min(C) = E + A·C^-γ fitted to the per-budget minima (γ on a grid, E and A
by least squares). The spread of those extrapolations over the simulations is the interval the
sweep would give you. ``compare_designs`` shows how it changes when budgets are added or dropped.

    >>> from scaling_explorer import published_laws
    >>> from scaling_explorer.sweep_design import design_grid, simulate
    >>> law = published_laws()["hoffmann2022-eq10-unrounded"]
    >>> g = design_grid(law, small_budget=1e20, n_budgets=5, sizes_per_budget=7)
    >>> round(float(g["C"].sum() * 7) / 1e20, 6)
    1.0
    >>> r = simulate(law, g, target_C=1e23, noise=0.005, n_sims=200, seed=0)
    >>> r["N_ci"][0] < r["N_true"] < r["N_ci"][1]
    True
"""
from __future__ import annotations

import math

import numpy as np

from . import allocation
from .isoflop import METHODS, isoflop_fit
from .laws import Law, evaluate_loss

MAX_SIMS = 2000                 # vectorised parabola refits
MAX_SIMS_LOOP = 200             # refits through isoflop_fit one simulation at a time
GAMMA_GRID = np.linspace(0.005, 0.6, 120)     # exponents tried for L_min(C) = E + A·C^-γ


def design_grid(law: Law, small_budget: float, n_budgets: int = 5, sizes_per_budget: int = 7,
                spacing_dex: float = 0.5, span_dex: float = 0.6, U: float = math.inf) -> dict:
    """Budgets C_k = C_top·10^(-spacing·j), j = 0..n-1, and at each budget `sizes_per_budget`
    model sizes N*(C_k)·10^u, u evenly in [-span, span] (N* from the law: the prior guess of
    where the minimum is); D = C/(6N). The runs spend exactly small_budget in total."""
    if not law.has_loss_nd:
        raise ValueError(f"{law.name} has no L(N, D): a sweep cannot be simulated from it")
    if n_budgets < 2 or sizes_per_budget < 3:
        raise ValueError("a sweep needs at least two budgets and three sizes per budget")
    if not (small_budget > 0 and math.isfinite(small_budget)) or spacing_dex <= 0 or span_dex <= 0:
        raise ValueError("the small-run budget, budget spacing and size span must be positive")
    ratios = 10.0 ** (-spacing_dex * np.arange(n_budgets)[::-1])
    C = small_budget / (sizes_per_budget * ratios.sum()) * ratios
    n_star = allocation.compute_optimal(law, C, U)["N"]
    N = n_star[:, None] * 10.0 ** np.linspace(-span_dex, span_dex, sizes_per_budget)[None, :]
    return {"C": C, "N": N, "D": C[:, None] / (6.0 * N), "spacing_dex": spacing_dex, "span_dex": span_dex,
            "small_budget": float(small_budget), "U": U}


def _vertex_parabola(lx, L):
    """Whole-profile least-squares parabola per budget and simulation (as isoflop.profile_min's
    'parabola': centred and scaled log N, minimum only inside the sampled sizes).
    lx: (k, m) log N; L: (S, k, m) losses. Returns log N at the minimum and the loss there, (S, k)."""
    m, s = lx.mean(axis=1, keepdims=True), np.maximum(np.ptp(lx, axis=1, keepdims=True), 1e-12)
    u = (lx - m) / s
    X = np.stack([np.ones_like(u), u, u ** 2], axis=-1)               # (k, m, 3)
    P = np.linalg.pinv(X)                                              # (k, 3, m)
    c = np.einsum("kjm,skm->skj", P, L)                                # (S, k, 3): c0 + c1 u + c2 u²
    with np.errstate(divide="ignore", invalid="ignore"):
        ur = -c[..., 1] / (2.0 * c[..., 2])
    ok = (c[..., 2] > 0) & (ur >= u.min(axis=1)) & (ur <= u.max(axis=1))
    lo = c[..., 0] + c[..., 1] * ur + c[..., 2] * ur ** 2
    return np.where(ok, m[:, 0] + s[:, 0] * ur, np.nan), np.where(ok, lo, np.nan)


def _loss_frontier_fit(C, Lmin, target_C):
    """Per simulation: L_min(C) = E + A·C^-γ, γ on GAMMA_GRID, (E, A) by least squares; the
    prediction at target_C of the γ with the smallest residual. C: (k,), Lmin: (S, k)."""
    lc = np.log(C / C[0])                      # scaled, so C^-γ stays O(1)
    Z = np.exp(-GAMMA_GRID[:, None] * lc[None, :])                     # (G, k)
    X = np.stack([np.ones_like(Z), Z], axis=-1)                        # (G, k, 2)
    P = np.linalg.pinv(X)                                              # (G, 2, k)
    coef = np.einsum("gjk,sk->sgj", P, Lmin)                           # (S, G, 2)
    resid = ((np.einsum("gkj,sgj->sgk", X, coef) - Lmin[:, None, :]) ** 2).sum(-1)
    best = np.argmin(resid, axis=1)
    pick = coef[np.arange(Lmin.shape[0]), best]
    zt = np.exp(-GAMMA_GRID[best] * math.log(target_C / C[0]))
    return pick[:, 0] + pick[:, 1] * zt


def simulate(law: Law, grid: dict, target_C: float, noise: float, n_sims: int = 400, seed: int = 0,
             method: str = "parabola", level: float = 0.95) -> dict:
    """Seeded noisy sweeps from the law on this grid, each refitted with Approach 2 and
    extrapolated to target_C. Returns the law's own N*, loss at target_C, the intervals
    (quantiles at `level`) and medians of the refitted values, and how many refits failed."""
    if noise < 0 or not math.isfinite(noise):
        raise ValueError("the noise level must be a non-negative number")
    if method not in METHODS:
        raise ValueError(f"unknown isoFLOP method {method!r}; choose one of {', '.join(METHODS)}")
    n_sims = int(min(n_sims, MAX_SIMS if method == "parabola" else MAX_SIMS_LOOP))
    C, N, D, U = grid["C"], grid["N"], grid["D"], grid.get("U", math.inf)
    L = np.asarray(evaluate_loss(law, N, D, U), dtype=float)
    rng = np.random.default_rng(seed)
    Lobs = L[None] * np.exp(noise * rng.standard_normal((n_sims,) + L.shape))
    lx = np.log(N)
    if method == "parabola":
        xo, lmin = _vertex_parabola(lx, Lobs)
    else:
        xo = np.full((n_sims, C.size), np.nan)
        lmin = np.full_like(xo, np.nan)
        Cfull = np.repeat(C, N.shape[1])
        for i in range(n_sims):
            try:
                res = isoflop_fit(N.ravel(), Cfull, Lobs[i].ravel(), method=method)
            except Exception:        # a sweep without two usable budgets counts as failed
                continue
            for k, b in enumerate(res.budgets):
                if b["ok"]:
                    xo[i, k], lmin[i, k] = math.log(b["N_opt"]), b["loss_opt"]
    good = np.all(np.isfinite(xo), axis=1)
    lc = np.log(C)
    A = np.stack([np.ones_like(lc), lc], axis=1)
    coef = np.linalg.lstsq(A, xo[good].T, rcond=None)[0] if good.any() else np.zeros((2, 0))
    n_pred = np.exp(coef[0] + coef[1] * math.log(target_C))
    loss_pred = _loss_frontier_fit(C, lmin[good], target_C) if good.any() else np.array([])
    truth = allocation.compute_optimal(law, np.array([target_C]), U)
    q = ((1 - level) / 2, 1 - (1 - level) / 2)

    def interval(v):
        return (float(np.quantile(v, q[0])), float(np.quantile(v, q[1]))) if v.size >= 10 else (math.nan, math.nan)
    return {"target_C": float(target_C), "noise": float(noise), "n_sims": n_sims, "n_failed": int((~good).sum()),
            "seed": seed, "method": method, "level": level,
            "N_true": float(truth["N"][0]), "loss_true": float(truth["loss"][0]),
            "N_ci": interval(n_pred), "N_median": float(np.median(n_pred)) if n_pred.size else math.nan,
            "N_ratio": (lambda ci: ci[1] / ci[0])(interval(n_pred)),
            "exponent_ci": interval(coef[1]),
            "loss_ci": interval(loss_pred), "loss_median": float(np.median(loss_pred)) if loss_pred.size else math.nan,
            "budgets": [float(c) for c in C], "sizes_per_budget": int(N.shape[1]),
            "runs_compute": float(C.sum() * N.shape[1])}


def compare_designs(law: Law, small_budget: float, target_C: float, noise: float, n_budgets: int = 5,
                    sizes_per_budget: int = 7, spacing_dex: float = 0.5, span_dex: float = 0.6,
                    n_sims: int = 400, seed: int = 0, U: float = math.inf) -> list[dict]:
    """The proposed grid and its variants with one budget dropped (the smallest or the largest)
    or added (one spacing above the largest, or below the smallest), each simulated with the
    same seed and noise. Adding or dropping a budget changes the compute the runs spend: said."""
    base = design_grid(law, small_budget, n_budgets, sizes_per_budget, spacing_dex, span_dex, U)
    C0, m = base["C"], sizes_per_budget
    variants = [("proposed", C0)]
    if C0.size > 2:
        variants += [("drop smallest budget", C0[1:]), ("drop largest budget", C0[:-1])]
    up, down = 10.0 ** spacing_dex, 10.0 ** -spacing_dex
    variants += [("add a budget above", np.append(C0, C0[-1] * up)), ("add a budget below", np.insert(C0, 0, C0[0] * down))]
    rows = []
    for name, C in variants:
        n_star = allocation.compute_optimal(law, C, U)["N"]
        N = n_star[:, None] * 10.0 ** np.linspace(-span_dex, span_dex, m)[None, :]
        g = {"C": C, "N": N, "D": C[:, None] / (6.0 * N), "U": U}
        r = simulate(law, g, target_C, noise, n_sims, seed)
        rows.append({"design": name, "budgets": len(C), "smallest C": float(C.min()), "largest C": float(C.max()),
                     "runs": len(C) * m, "runs compute": r["runs_compute"], "N* low": r["N_ci"][0],
                     "N* high": r["N_ci"][1], "N* interval (×)": r["N_ratio"], "loss low": r["loss_ci"][0],
                     "loss high": r["loss_ci"][1], "loss interval": r["loss_ci"][1] - r["loss_ci"][0],
                     "failed refits": r["n_failed"]})
    return rows
