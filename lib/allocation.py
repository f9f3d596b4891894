"""Compute-optimal allocation, isoFLOP curves, training time and cost.

C is in FLOPs throughout, with C = 6·N·D (Kaplan et al. 2020, Sec. 2.1; Hoffmann et al.
2022, Sec. 3). Laws whose coefficients are stated in other units convert at the edge.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from .laws import COMPUTE_UNITS, Law, evaluate_1d, evaluate_loss, precision_factors

FLOPS_PER_PARAM_TOKEN = 6.0
_MIN_N = 1e4     # smallest model the numeric search considers (parameters)
_MIN_D = 1e4     # smallest token count the numeric search considers


def chinchilla_optimal(C, E, A, B, alpha, beta):
    """Hoffmann et al. 2022, Eq. 4: N_opt = G (C/6)^a, D_opt = G^-1 (C/6)^b,
    G = (alpha A / (beta B))^(1/(alpha+beta)), a = beta/(alpha+beta), b = alpha/(alpha+beta)."""
    C = np.asarray(C, dtype=float)
    G = (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))
    a = beta / (alpha + beta)
    b = alpha / (alpha + beta)
    return G * (C / 6.0) ** a, (C / 6.0) ** b / G


def kaplan_nd_optimal(C, N_c, D_c, alpha_N, alpha_D):
    """Minimiser of Kaplan's Eq. 1.5 along C = 6ND: with p = alpha_N/alpha_D,
    d/dN [(N_c/N)^p + 6 D_c N / C] = 0  =>  N^(p+1) = p N_c^p C / (6 D_c)."""
    C = np.asarray(C, dtype=float)
    p = alpha_N / alpha_D
    N = (p * N_c ** p * C / (6.0 * D_c)) ** (1.0 / (p + 1.0))
    return N, C / (6.0 * N)


def _scan_then_brent(cost_of_N, lo: float, hi: float, n: int, vectorized: bool = False):
    """(N, cost) minimising cost_of_N over log N in [lo, hi]: a grid scan, then bounded Brent in
    the best cell. Sizes whose cost is not finite (say, a loss they cannot reach) never win."""
    grid = np.linspace(lo, hi, n)
    vals = np.asarray(cost_of_N(np.exp(grid)) if vectorized else [cost_of_N(np.exp(x)) for x in grid], float)
    vals = np.where(np.isfinite(vals), vals, np.nan)
    if np.isnan(vals).all():
        return np.nan, np.inf
    i = int(np.nanargmin(vals))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, n - 1)]

    def finite_cost(x):
        v = float(cost_of_N(np.exp(x)))
        return v if np.isfinite(v) else 1e300
    res = minimize_scalar(finite_cost, bounds=(a, b), method="bounded", options={"xatol": 1e-10})
    if res.fun >= 1e300 or vals[i] < res.fun:
        return float(np.exp(grid[i])), float(vals[i])
    return float(np.exp(res.x)), float(res.fun)


def numeric_optimal(loss_of_N, C: float) -> float:
    """argmin over N of loss_of_N(N) (vectorised in N) for one budget C, with D = C/6N >= _MIN_D."""
    return _scan_then_brent(loss_of_N, np.log(_MIN_N), np.log(max(C / 6.0 / _MIN_D, _MIN_N * 10)), 241,
                            vectorized=True)[0]


def _closed_form(law: Law, C):
    p = law.p
    if law.form == "chinchilla":
        return chinchilla_optimal(C, **p)
    if law.form == "kaplan_nd":
        return kaplan_nd_optimal(C, **p)
    if law.form == "gadre":
        # Gadre et al. 2024, App. F: for fixed C the loss is smallest at M* = (b/a)^(1/(2 eta))
        M = (p["b"] / p["a"]) ** (1.0 / (2.0 * p["eta"]))
        N = np.sqrt(np.asarray(C, dtype=float) / (6.0 * M))
        return N, M * N
    if law.form in ("allocation_c1", "tokens_power"):
        Cu = np.asarray(C, dtype=float) / COMPUTE_UNITS[law.compute_unit]
        if law.form == "allocation_c1":
            N = (Cu / p["C1"]) ** p["beta"]
            return N, np.asarray(C, dtype=float) / (6.0 * N)
        D = p["A"] * Cu ** p["alpha"]
        return np.asarray(C, dtype=float) / (6.0 * D), D
    if law.form == "allocation_power":
        unit = COMPUTE_UNITS[law.compute_unit]
        Cu = np.asarray(C, dtype=float) / unit
        scale = p["k_N"] * Cu ** p["a_N"]
        # model_scale "M" is FLOPs per token (DeepSeek LLM: C = M·D); report N ≈ M/6.
        N = scale / 6.0 if law.model_scale == "M" else scale
        if p["k_D"] > 0:
            D = p["k_D"] * Cu ** p["a_D"]
        else:
            D = np.asarray(C, dtype=float) / (6.0 * N)
        return N, D
    return None


def compute_optimal(law: Law, C, U: float = np.inf) -> dict[str, np.ndarray]:
    """N*, D*, tokens per parameter and predicted loss along the law's compute-optimal frontier.

    With finite U (unique tokens), data-constrained laws are minimised numerically with the
    repetition penalty; other laws keep their allocation and report the epochs it implies.
    """
    C = np.atleast_1d(np.asarray(C, dtype=float))
    loss = np.full(C.shape, np.nan)
    if not law.has_allocation:
        N = np.full(C.shape, np.nan)
        D = np.full(C.shape, np.nan)
        if law.kind == "loss_1d" and law.variable == "C":
            loss = evaluate_1d(law, C)
        return {"C": C, "N": N, "D": D, "tokens_per_param": D / N, "loss": loss, "epochs": D / U}
    closed = None if (law.form == "muennighoff") else _closed_form(law, C)
    if closed is not None:
        N, D = (np.asarray(x, dtype=float) for x in closed)
    else:
        N = np.array([numeric_optimal(lambda n, c=c: evaluate_loss(law, n, c / (6.0 * n), U), c) for c in C])
        D = C / (6.0 * N)
    if law.has_loss_nd:
        loss = evaluate_loss(law, N, D, U)
    return {"C": C, "N": N, "D": D, "tokens_per_param": D / N, "loss": np.asarray(loss, dtype=float),
            "epochs": D / U}


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
    the law's loss at N stays above the target however long it trains)."""
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
    N, tot = _scan_then_brent(total, np.log(_MIN_N), np.log(1e16), 161)
    if not np.isfinite(tot):
        raise ValueError("no model size reaches that loss under this law")
    D = tokens_for_loss(law, N, target, U)
    return {"N": N, "D": D, "train_flops": 6.0 * N * D, "inference_flops": 2.0 * N * inference_tokens,
            "total_flops": tot, "loss": target}


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
    """Muennighoff et al. 2023 with U unique tokens: the data-constrained optimum at budget C,
    its epochs and effective data D', and the loss penalty against unlimited data."""
    from .laws import muennighoff_effective
    if law.form != "muennighoff":
        raise ValueError("the data-constrained plan needs the data-constrained law (Muennighoff et al. 2023)")
    con = compute_optimal(law, C, U)
    free = compute_optimal(law, C, np.inf)
    N, D = float(con["N"][0]), float(con["D"][0])
    N_eff, D_eff = muennighoff_effective(N, D, U, **law.p)
    return {"N": N, "D": D, "epochs": D / U, "effective_tokens": float(D_eff), "effective_params": float(N_eff),
            "loss": float(con["loss"][0]), "loss_unlimited": float(free["loss"][0]),
            "loss_penalty": float(con["loss"][0] - free["loss"][0])}


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
