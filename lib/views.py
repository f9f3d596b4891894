"""The numbers behind the Law families views, as pure functions (no Streamlit): each takes
stored laws or plain values and returns arrays or rows the page draws."""
from __future__ import annotations

import math

import numpy as np

from .laws import COMPUTE_UNITS, Law
from .schedules import annealing_areas, lr_schedule

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
