"""The numbers behind the Law families views, as pure functions (no Streamlit): each takes
stored laws or plain values and returns arrays or rows the page draws."""
from __future__ import annotations

import math

import numpy as np

from . import allocation
from .forms import effective_data, muennighoff_effective, precision_factors
from .laws import COMPUTE_UNITS, REPEAT_R_D_STAR, Law, evaluate, evaluate_1d, evaluate_loss
from .schedules import annealing_areas, lr_schedule

C_GRID = np.logspace(17, 27, 80)
PREC_KEYS = ("gamma_w", "n_w", "gamma_i", "n_i", "gamma_kv", "n_kv")


def curve(law: Law, x, y, **kw) -> dict:
    """A curve for figures.curves_figure, named and cited by its law (dotted when unverified)."""
    return {"name": law.name, "citation": law.citation, "locator": law.locator, "x": x, "y": y,
            "dash": "solid" if law.verified else "dot", **kw}


# ---- one function per family view ------------------------------------------------------------

def single_variable(laws, var: str) -> list[dict]:
    """F1: single-variable laws L(x) with x = C (FLOPs), N or D."""
    x = C_GRID if var == "C" else np.logspace(5, 13, 80)
    return [curve(lw, x, evaluate_1d(lw, x)) for lw in laws if lw.kind == "loss_1d" and lw.variable == var]


def overtraining(laws, C: float) -> list[dict]:
    """F3: loss vs tokens per parameter M = D/N at a fixed budget C, each law's optimum marked."""
    M = np.logspace(0, 3, 80)
    N = np.sqrt(C / (6 * M))
    out = []
    for lw in laws:
        if lw.kind == "loss_nd":
            opt = allocation.compute_optimal(lw, C)
            out.append(curve(lw, M, evaluate_loss(lw, N, M * N),
                             point=(float(opt["tokens_per_param"][0]), float(opt["loss"][0]))))
    return out


def repetition_worth(laws, U: float = 1e10) -> list[dict]:
    """F4: worth of repeated data, effective tokens D' over tokens seen, vs epochs: each stored
    data-constrained law, and the decay the planner applies to laws without one."""
    epochs = np.linspace(1, 60, 120)
    out = []
    for lw in laws:
        if lw.form == "muennighoff":
            _, D_eff = muennighoff_effective(1.0, epochs * U, U, **lw.p)
            out.append(curve(lw, epochs, D_eff / (epochs * U)))
    out.append({"name": f"planner's decay for other laws (R_D* = {REPEAT_R_D_STAR:.2f})", "citation":
                "Muennighoff et al. 2023", "locator": "Eq. (5), App. A", "x": epochs,
                "y": effective_data(epochs * U, U, REPEAT_R_D_STAR) / (epochs * U), "dash": "dash"})
    return out


def granularity(moe_laws, dense_laws, N: float, D: float) -> list[dict]:
    """F5: loss vs expert granularity G at N, D, with dense baselines as flat lines."""
    G = np.logspace(0, np.log10(64), 60)
    out = [curve(lw, G, evaluate(lw, N, D, G)) for lw in moe_laws]
    return out + [curve(lw, G, np.full(G.size, float(evaluate_loss(lw, N, D))), dash="dash") for lw in dense_laws]


def hyper_at(law: Law, C):
    """F7: (learning rate, batch size in tokens) of a hyper_c law at budget C (FLOPs)."""
    p = law.p
    C = np.asarray(C, dtype=float)
    return p["eta_coeff"] * C ** p["eta_exp"], p["B_coeff"] * C ** p["B_exp"]


def downstream(laws, L0: float) -> tuple[list[dict], dict]:
    """F9: error vs loss for each loss→error map, and each map's error at loss L0."""
    Ls = np.linspace(1.5, 6.0, 100)
    at = {lw.slug: float(evaluate(lw, L0)) for lw in laws}
    return [curve(lw, Ls, evaluate(lw, Ls), point=(L0, at[lw.slug])) for lw in laws], at


def precision_point(law: Law, N: float, D: float, Pw: float, Pa: float, Pkv: float) -> dict:
    """F6: effective parameters, the fractions kept, the loss and its 16-bit reference (Kumar et al. Eq. 4)."""
    p = law.p
    fac = [float(f) for f in precision_factors(Pw, Pa, Pkv, *(p[k] for k in PREC_KEYS))]
    return {"fractions": fac, "N_eff": N * fac[0] * fac[1] * fac[2], "loss": float(evaluate(law, N, D, Pw, Pa, Pkv)),
            "loss_16bit": float(evaluate(law, N, D, 16.0, 16.0, 16.0))}


def precision_curves(law: Law, N: float, D: float) -> list[dict]:
    """F6: loss vs bits for all three components tied, and for each one alone (others 16-bit)."""
    bits = np.linspace(3.5, 16.0, 126)
    return [curve(law, bits, evaluate(law, N, D, bits, bits, bits), name="all three at the same bits"),
            curve(law, bits, evaluate(law, N, D, bits, 16.0, 16.0), name="weights only (others 16-bit)", dash="dash"),
            curve(law, bits, evaluate(law, N, D, 16.0, bits, 16.0), name="activations only", dash="dot"),
            curve(law, bits, evaluate(law, N, D, 16.0, 16.0, bits), name="KV cache only", dash="dashdot")]


def parallel(laws, N: float, P: int) -> tuple[list[dict], list[dict], list[dict]]:
    """F8: per law the loss at P and at 1 stream with the equivalent dense size (rows), the loss
    change from P = 1 over P, and the size multiplier k ln P + 1."""
    Ps = np.logspace(0, np.log10(64), 60)
    rows, change, mult = [], [], []
    for lw in laws:
        p = lw.p
        Lp, L1 = float(evaluate(lw, N, P)), float(evaluate(lw, N, 1))
        rows.append({"law": lw.name, f"loss at P = {P}": round(Lp, 4), "loss at P = 1": round(L1, 4),
                     "equivalent dense parameters": N * (p["k"] * math.log(P) + 1), "floor E": p["E"]})
        change.append(curve(lw, Ps, evaluate(lw, N, Ps) - L1, point=(P, Lp - L1)))
        mult.append(curve(lw, Ps, p["k"] * np.log(Ps) + 1, point=(P, p["k"] * math.log(P) + 1)))
    return rows, change, mult


def allocation_curves(laws) -> list[dict]:
    """F2, F11: N*(C) over the compute grid for every law with an allocation, labelled with its
    convention and whether its frontier is derived."""
    from .plan import frontier
    out = []
    for lw in laws:
        fr = frontier(lw, C_GRID)
        out.append(curve(lw, C_GRID, fr["N"], name=fr["label"]))
    return out


def size_multipliers(laws, C: float) -> list[tuple[str, float]]:
    """F11: each law's N* at C relative to the first law's."""
    n = [float(allocation.compute_optimal(lw, C)["N"][0]) for lw in laws]
    return [(lw.name, v / n[0]) for lw, v in zip(laws[1:], n[1:])]


def domain_point(law: Law, siblings, x0: float, lo: float, hi: float) -> tuple[float, list[dict]]:
    """F12: the law's metric at x0 (its own unit), and curves for it and its siblings over 10^lo..10^hi."""
    xs = np.logspace(lo, hi, 80)
    y0 = float(evaluate_1d(law, law_input(law, x0)))
    return y0, [curve(lw, xs, evaluate_1d(lw, law_input(lw, xs)), point=(x0, float(evaluate_1d(lw, law_input(lw, x0)))))
                for lw in siblings]

SCHEDULE_LABELS = (("constant", "constant"), ("cosine", "cosine"), ("wsd", "warmup-stable-decay"))


def law_input(law: Law, x):
    """x in a single-variable law's own unit -> what evaluate_1d takes (compute in FLOPs)."""
    x = np.asarray(x, dtype=float)
    return x * COMPUTE_UNITS[law.compute_unit] if law.variable == "C" else x


def law_span(law: Law) -> tuple[float, float]:
    """log10 span to draw a single-variable law over: its stated fit range and a decade either
    side, or a default per variable when the paper states no range."""
    if law.x_range:
        return math.log10(law.x_range[0]) - 1, math.log10(law.x_range[1]) + 1
    if law.variable == "C":
        return {"PF-day": (-9.0, 2.0), "GFLOP": (8.0, 15.0)}.get(law.compute_unit, (17.0, 27.0))
    return {"N": (3.0, 10.0), "D": (4.0, 11.0)}[law.variable]


def compare_power_laws(base: Law, other: Law, C: float) -> dict:
    """Two laws L = k C^a (k, a in the laws' compute unit) at budget C (FLOPs): both losses, the
    compute `other` needs to reach the base law's loss at C as a multiple of C, and the budget
    (FLOPs) where the two curves cross (inf for equal exponents)."""
    if base.compute_unit != other.compute_unit:
        raise ValueError("the two laws state compute in different units")
    u = COMPUTE_UNITS[base.compute_unit]
    kb, ab, ko, ao = base.p["k"], base.p["a"], other.p["k"], other.p["a"]
    target = kb * (C / u) ** ab
    c_other = (target / ko) ** (1.0 / ao) * u
    cross = (kb / ko) ** (1.0 / (ao - ab)) * u if ao != ab else math.inf
    return {"loss": float(ko * (C / u) ** ao), "base_loss": float(target), "multiplier": float(c_other / C),
            "crossover_flops": float(cross)}


def schedule_curves(steps: int, peak: float, warm: int, final: float, decay: float, lam: float,
                    L0: float, A: float, alpha: float, C: float, n_points: int = 400):
    """Learning rate and L(s) = L0 + A S1^-alpha - C S2 (Tissue et al.'s form) per step for the
    constant, cosine and warmup-stable-decay schedules, thinned to n_points; the loss only after
    the warmup (and the first 1% of steps), where the tiny early S1 would swamp the axis.
    Returns (lr curves, loss curves, final loss per schedule)."""
    steps, warm = int(steps), int(warm)
    if warm >= steps:
        raise ValueError("the warmup must be shorter than the run")
    lrs, losses, finals = [], [], {}
    idx = np.unique(np.linspace(0, steps - 1, min(steps, n_points)).astype(int))
    late = idx >= max(warm, steps // 100)
    for kind, label in SCHEDULE_LABELS:
        lr = lr_schedule(kind, steps, peak, warm, final, decay)
        S1, S2 = annealing_areas(lr, lam)
        loss = L0 + A * S1 ** -alpha - C * S2
        lrs.append({"name": label, "x": idx + 1.0, "y": lr[idx]})
        losses.append({"name": label, "x": idx[late] + 1.0, "y": loss[idx][late]})
        finals[label] = float(loss[-1])
    return lrs, losses, finals


def bnsl_shape(a: float, c0: float, c1: float, d1: float, f1: float, n: int = 200):
    """A one-break smoothly broken power law around its break d1, with b = d1^c0 (the reducible
    part is ~1 at the break): x, the reducible part y - a, and the two asymptotic power laws,
    each drawn only on its own side of the break (NaN elsewhere)."""
    xs = np.logspace(math.log10(d1) - 6, math.log10(d1) + 6, n)
    b = d1 ** c0
    lx = np.log(xs)
    # the reducible part b x^-c0 (1 + (x/d1)^(1/f1))^(-c1 f1) itself, not bnsl(...) - a, which cancels
    # to 0 when a is large and the reducible part tiny
    y = np.exp(math.log(b) - c0 * lx - c1 * f1 * np.logaddexp(0.0, (lx - math.log(d1)) / f1))
    before = np.where(xs <= 10 * d1, b * xs ** -c0, np.nan)
    after = np.where(xs >= d1 / 10, b * d1 ** c1 * xs ** -(c0 + c1), np.nan)
    at_break = float(b * d1 ** -c0 * 2.0 ** (-c1 * f1))
    return xs, y, before, after, at_break


# ---- the Fit page ------------------------------------------------------------------------------

def fit_rows(results: dict, titles: dict, boots: dict) -> list[dict]:
    """One row per fitted form: parameters (± bootstrap SE), 95% intervals and the diagnostics."""
    rows = []
    for m, r in results.items():
        se, ci = (boots[m].se(), boots[m].ci()) if m in boots else ({}, {})
        rows.append({"form": titles[m], "parameters": ", ".join(
            f"{k} = {val:.5g}" + (f" ± {se[k]:.2g}" if k in se else "") for k, val in r.p.items()),
            "95% CI": "; ".join(f"{k} {lo:.4g}–{hi:.4g}" for k, (lo, hi) in ci.items()) or "bootstrap off",
            "objective": f"{r.objective:.6g}", "converged": r.converged,
            "starts at best": f"{r.n_at_best}/{r.n_refined}", "at bounds": ", ".join(r.at_bounds) or "none",
            "rms log-residual": f"{r.residual_rms:.4f}"})
    return rows


def fit_predictions(fitted: dict, runs) -> dict:
    """Each fitted law's predicted loss at the runs' N and D (the law's own form, as published)."""
    N, D = runs["n_params"].to_numpy(float), runs["n_tokens"].to_numpy(float)
    return {m: np.asarray(evaluate_loss(lw, N, D), float) for m, lw in fitted.items()}


def default_target(columns) -> str | None:
    """The column a fit should predict by default: the first named like a loss, else the last."""
    cols = list(columns)
    return next((c for c in cols if "loss" in str(c).lower()), cols[-1] if cols else None)


def fit_export(ds: str, n_runs: int, results: dict, boots: dict, n_boot: int, seed: int) -> dict:
    """The Fit page's JSON export: each form's parameters, objective, diagnostics and bootstrap SEs."""
    from .forms import FORMS
    return {"dataset": ds, "n_runs": n_runs, "bootstrap": {"resamples": n_boot, "seed": seed},
            "fits": {m: {"form": FORMS[m].title, "citation": FORMS[m].citation, "params": r.p,
                         "objective": r.objective, "converged": r.converged, "at_bounds": list(r.at_bounds),
                         "loss": getattr(r, "loss", "huber"),
                         "bootstrap_se": boots[m].se() if m in boots else None} for m, r in results.items()}}


def column_defaults(columns, n_inputs: int, have=()) -> list:
    """Columns to preselect for a form with n_inputs inputs and a target: the link's choice where it
    names a column, else the columns in order, and a loss-like column for the target."""
    cols = list(columns)
    out = []
    for i in range(n_inputs + 1):
        if i < len(have) and have[i] in cols:
            out.append(have[i])
        elif i == n_inputs:
            out.append(default_target(cols))
        else:
            out.append(cols[min(i, len(cols) - 1)] if cols else None)
    return out


def single_variable_panel(laws) -> list[dict]:
    """The published-laws page's L(N) and L(D) panel: each single-variable law in N or D over 1e6-1e14."""
    x = np.logspace(6, 14, 80)
    return [{"name": lw.name, "citation": lw.citation, "locator": lw.locator, "x": x, "loss": evaluate_1d(lw, x),
             "xlabel": "N (params)" if lw.variable == "N" else "D (tokens)"}
            for lw in laws if lw.kind == "loss_1d" and lw.variable in ("N", "D")]
