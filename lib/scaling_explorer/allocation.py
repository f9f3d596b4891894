"""Compute-optimal allocation, isoFLOP curves, what-if plans, training time and cost: the maths
the planning core (lib.plan) calls. Pure NumPy/SciPy, no Streamlit.

Every allocation is computed in the law's own conventions (lib.laws: `params_counted`,
`flops`, `compute_unit`) and spends exactly the budget it is given: C = 6·N·D with N counted
as the law counts it (for DeepSeek's C = M·D, N is shown as M/6, so 6·N·D = C holds too).
Where a paper prints both N*(C) and D*(C) and they do not multiply back to C, the law's
`allocate_from` rule is kept and the other side follows from the budget.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from .forms import FLOPS_PER_PARAM_TOKEN, FORMS, precision_factors
from .laws import COMPUTE_UNITS, Law, evaluate_1d, evaluate_loss

_MIN_N = 1e4     # smallest model the numeric search considers (parameters)
_MIN_D = 1e4     # smallest token count the numeric search considers
_MAX_N = 1e16    # largest model the inference-aware search considers


def _scan_then_brent(cost_of_N, lo: float, hi: float, n: int, vectorized: bool = False):
    """(N, cost, on_bound) minimising cost_of_N over log N in [lo, hi]: a grid scan, then bounded
    Brent in the best cell. Sizes whose cost is not finite (say, a loss they cannot reach) never
    win. on_bound says the optimum sits at an end of the search range (it may lie beyond)."""
    grid = np.linspace(lo, hi, n)
    vals = np.asarray(cost_of_N(np.exp(grid)) if vectorized else [cost_of_N(np.exp(x)) for x in grid], float)
    vals = np.where(np.isfinite(vals), vals, np.nan)
    if np.isnan(vals).all():
        return np.nan, np.inf, False
    i = int(np.nanargmin(vals))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, n - 1)]

    def finite_cost(x):
        v = float(cost_of_N(np.exp(x)))
        return v if np.isfinite(v) else 1e300
    res = minimize_scalar(finite_cost, bounds=(a, b), method="bounded", options={"xatol": 1e-10})
    if res.fun >= 1e300 or vals[i] < res.fun:
        x, f = grid[i], float(vals[i])
    else:
        x, f = float(res.x), float(res.fun)
    on_bound = bool(min(x - lo, hi - x) < 1e-3 * (hi - lo))
    return float(np.exp(x)), f, on_bound


def numeric_optimal(loss_of_N, C: float) -> tuple[float, bool]:
    """(argmin over N of loss_of_N(N), on_bound) for one budget C, with D = C/6N >= _MIN_D."""
    N, _, on_bound = _scan_then_brent(loss_of_N, np.log(_MIN_N), np.log(max(C / 6.0 / _MIN_D, _MIN_N * 10)), 241,
                                      vectorized=True)
    return N, on_bound


def allocate(law: Law, C) -> tuple[np.ndarray, np.ndarray]:
    """(N*, D*) for unlimited data at budgets C (FLOPs in the law's own counting), from the form's
    closed form, the published allocation rule, or a numeric minimum along C = 6ND."""
    C = np.atleast_1d(np.asarray(C, dtype=float))
    form, p = FORMS[law.form], law.p
    if law.kind == "loss_nd":
        if form.optimum is not None:
            return tuple(np.asarray(v, dtype=float) for v in form.optimum(C, **p))
        N = np.array([numeric_optimal(lambda n, c=c: evaluate_loss(law, n, c / (6.0 * n)), c)[0] for c in C])
        return N, C / (FLOPS_PER_PARAM_TOKEN * N)
    if law.kind != "allocation":
        raise ValueError(f"law {law.slug!r} ({law.form}) has no allocation rule")
    Cu = C / COMPUTE_UNITS[law.compute_unit]
    if law.form == "allocation_c1":
        N = (Cu / p["C1"]) ** p["beta"]
    elif law.form == "tokens_power" or (law.form == "allocation_power" and law.allocate_from == "D"):
        coef, exp = (p["A"], p["alpha"]) if law.form == "tokens_power" else (p["k_D"], p["a_D"])
        D = coef * Cu ** exp
        return C / (FLOPS_PER_PARAM_TOKEN * D), D
    else:   # allocation_power from its N (or M) rule
        scale = p["k_N"] * Cu ** p["a_N"]
        # model_scale "M" is FLOPs per token (DeepSeek LLM: C = M·D): D = C/M, N shown as M/6.
        N = scale / FLOPS_PER_PARAM_TOKEN if law.model_scale == "M" else scale
    return N, C / (FLOPS_PER_PARAM_TOKEN * N)


def published_rule_gap(law: Law, C) -> np.ndarray | None:
    """For a law printing both N*(C) and D*(C): 6·N*·D*/C of the two printed rules taken together
    (1 when they are consistent), or None when the law prints one rule only."""
    if law.form != "allocation_power" or law.p["k_D"] <= 0:
        return None
    Cu = np.asarray(C, dtype=float) / COMPUTE_UNITS[law.compute_unit]
    p = law.p
    scale = p["k_N"] * Cu ** p["a_N"]
    per_token = scale if law.model_scale == "M" else FLOPS_PER_PARAM_TOKEN * scale
    return per_token * p["k_D"] * Cu ** p["a_D"] / np.asarray(C, dtype=float)


def compute_optimal(law: Law, C, U: float = np.inf) -> dict[str, np.ndarray]:
    """N*, D*, tokens per parameter, predicted loss and epochs along the law's compute-optimal
    frontier, with U unique tokens. With finite U every L(N, D) law is minimised numerically
    with repeated data discounted (its own repetition term, or Muennighoff et al.'s effective
    data); an allocation-only law keeps its rule (it has no loss to trade against) and reports
    the epochs. `on_bound` marks optima that sit at the edge of the numeric search."""
    C = np.atleast_1d(np.asarray(C, dtype=float))
    loss = np.full(C.shape, np.nan)
    on_bound = np.zeros(C.shape, dtype=bool)
    if not law.has_allocation:
        N = np.full(C.shape, np.nan)
        D = np.full(C.shape, np.nan)
        if law.kind == "loss_1d" and law.variable == "C":
            loss = evaluate_1d(law, C)
        return {"C": C, "N": N, "D": D, "tokens_per_param": D / N, "loss": loss, "epochs": D / U,
                "on_bound": on_bound}
    if law.has_loss_nd and (np.isfinite(U) or FORMS[law.form].optimum is None):
        found = [numeric_optimal(lambda n, c=c: evaluate_loss(law, n, c / (6.0 * n), U), c) for c in C]
        N = np.array([f[0] for f in found])
        on_bound = np.array([f[1] for f in found])
        D = C / (FLOPS_PER_PARAM_TOKEN * N)
    else:
        N, D = allocate(law, C)
    if law.has_loss_nd:
        loss = np.asarray(evaluate_loss(law, N, D, U), dtype=float)
    return {"C": C, "N": N, "D": D, "tokens_per_param": D / N, "loss": loss, "epochs": D / U, "on_bound": on_bound}


def isoflop_curve(law: Law, C: float, U: float = np.inf, n_points: int = 200, span_dex: float = 1.5):
    """Loss vs N at fixed compute C (D = C/6N), spanning ±span_dex decades around N*."""
    opt = compute_optimal(law, C, U)
    n_star = float(opt["N"][0])
    N = np.logspace(np.log10(n_star) - span_dex, np.log10(n_star) + span_dex, n_points)
    D = C / (6.0 * N)
    return {"N": N, "D": D, "loss": evaluate_loss(law, N, D, U), "N_opt": n_star,
            "loss_opt": float(opt["loss"][0])}


def training_time_cost(C: float, n_gpus: int, peak_flops: float, mfu: float, usd_per_gpu_hour: float):
    """Wall-clock and money for C FLOPs: seconds = C / (gpus · peak · MFU)."""
    if n_gpus <= 0 or peak_flops <= 0 or not (0 < mfu <= 1) or usd_per_gpu_hour < 0:
        raise ValueError("GPU count and peak FLOP/s must be positive, MFU in (0, 1], price ≥ 0")
    seconds = C / (n_gpus * peak_flops * mfu)
    gpu_hours = seconds / 3600.0 * n_gpus
    return {"seconds": seconds, "days": seconds / 86400.0, "gpu_hours": gpu_hours,
            "usd": gpu_hours * usd_per_gpu_hour}


# ---- what-if planning ------------------------------------------------------------------------

_LOG_D_RANGE = (np.log(1e3), np.log(1e19))


def tokens_for_loss(law: Law, N: float, target: float, U: float = np.inf) -> float:
    """Training tokens a model of N parameters needs to reach ``target`` loss (inf if it cannot:
    the law's loss at N stays above the target however long it trains, or however often the
    U unique tokens are repeated)."""
    def gap(logD):
        return float(evaluate_loss(law, N, np.exp(logD), U)) - target
    lo, hi = _LOG_D_RANGE
    if gap(hi) > 0:
        return np.inf
    if gap(lo) <= 0:
        return float(np.exp(lo))
    return float(np.exp(brentq(gap, lo, hi, xtol=1e-12, rtol=1e-12)))


def inference_optimal(law: Law, target: float, inference_tokens: float, U: float = np.inf) -> dict:
    """Sardana et al. 2023: the model that reaches ``target`` loss with the fewest training plus
    inference FLOPs, 6·N·D_train + 2·N·D_inference."""
    def total(N):
        D = tokens_for_loss(law, N, target, U)
        return 6.0 * N * D + 2.0 * N * inference_tokens
    N, tot, on_bound = _scan_then_brent(total, np.log(_MIN_N), np.log(_MAX_N), 161)
    if not np.isfinite(tot):
        raise ValueError("no model size reaches that loss under this law"
                         + (" with this much unique data" if np.isfinite(U) else ""))
    D = tokens_for_loss(law, N, target, U)
    return {"N": N, "D": D, "train_flops": 6.0 * N * D, "inference_flops": 2.0 * N * inference_tokens,
            "total_flops": tot, "loss": target, "on_bound": on_bound}


def inference_aware_plan(law: Law, C: float, inference_tokens: float, U: float = np.inf) -> dict:
    """Compare the compute-optimal model for training budget C, then served for
    ``inference_tokens``, with the model that reaches the same loss at the least total FLOPs."""
    base = compute_optimal(law, C, U)
    N0, D0, loss0 = float(base["N"][0]), float(base["D"][0]), float(base["loss"][0])
    base_total = C + 2.0 * N0 * inference_tokens
    alt = inference_optimal(law, loss0, inference_tokens, U)
    return {"baseline": {"N": N0, "D": D0, "loss": loss0, "train_flops": C,
                         "inference_flops": 2.0 * N0 * inference_tokens, "total_flops": base_total},
            "inference_aware": alt, "saved_flops": base_total - alt["total_flops"],
            "saved_fraction": (base_total - alt["total_flops"]) / base_total}


def compute_for_loss(law: Law, target: float, U: float = np.inf) -> dict:
    """The least training compute that reaches ``target`` loss (the compute-optimal model for it)."""
    r = inference_optimal(law, target, 0.0, U)
    return {"N": r["N"], "D": r["D"], "C": r["train_flops"]}


def fixed_size_plan(law: Law, N: float, C: float, U: float = np.inf) -> dict:
    """A model of fixed size N trained with budget C: its loss, and the over-training penalty,
    the extra FLOPs over the compute-optimal way to reach the same loss."""
    D = C / (6.0 * N)
    loss = float(evaluate_loss(law, N, D, U))
    best = compute_for_loss(law, loss, U)
    return {"N": N, "D": D, "loss": loss, "tokens_per_param": D / N, "C_optimal_same_loss": best["C"],
            "N_optimal_same_loss": best["N"], "penalty_flops": C - best["C"], "penalty_fraction": C / best["C"] - 1}


def data_constrained_plan(law: Law, C: float, U: float) -> dict:
    """The optimum at budget C with U unique tokens (Muennighoff et al. 2023: the law's own
    repetition terms, or its effective data D' for laws without them), its epochs and effective
    data, and the loss penalty against unlimited data."""
    from .forms import effective_data, muennighoff_effective
    if not law.has_loss_nd:
        raise ValueError("the data-limited optimum needs a law with a loss L(N, D)")
    con = compute_optimal(law, C, U)
    free = compute_optimal(law, C, np.inf)
    N, D = float(con["N"][0]), float(con["D"][0])
    if law.own_repetition:
        N_eff, D_eff = (float(v) for v in muennighoff_effective(N, D, U, **law.p))
    else:
        N_eff, D_eff = N, float(effective_data(D, U, law.repetition_r_d_star))
    return {"N": N, "D": D, "epochs": D / U, "effective_tokens": D_eff, "effective_params": N_eff,
            "loss": float(con["loss"][0]), "loss_unlimited": float(free["loss"][0]),
            "loss_penalty": float(con["loss"][0] - free["loss"][0]), "on_bound": bool(con["on_bound"][0])}


def optimal_precision(law: Law, C: float, bits=None) -> tuple[float, float, float]:
    """Kumar et al. 2024's compute-optimal training precision at budget C, with weights,
    activations and KV cache at the same bits and C = (6/16) N D P (Eq. 5). For each precision
    the loss A (N f)^-alpha + B D^-alpha + E with D = C / ((6/16) N P) is a + ... in closed form:
    a N^-alpha + b N^alpha + E, least at N = (a/b)^(1/(2 alpha)) with loss 2 sqrt(ab) + E.
    Returns (bits, N, loss) at the best precision on the grid (3-16 bits in 0.01 steps)."""
    if law.form != "precision":
        raise ValueError(f"law {law.slug!r} is not a precision law")
    p = law.p
    P = np.arange(3.0, 16.0 + 1e-9, 0.01) if bits is None else np.asarray(bits, dtype=float)
    fw, fa, fkv = precision_factors(P, P, P, p["gamma_w"], p["n_w"], p["gamma_i"], p["n_i"], p["gamma_kv"], p["n_kv"])
    al = p["alpha"]
    a = p["A"] * (fw * fa * fkv) ** -al
    b = p["B"] * (6.0 / 16.0 * P / C) ** al
    loss = 2.0 * np.sqrt(a * b) + p["E"]
    i = int(np.nanargmin(loss))
    return float(P[i]), float((a[i] / b[i]) ** (1.0 / (2.0 * al))), float(loss[i])
