"""Learning-rate schedules and the two areas of Tissue et al. 2024's loss-curve law.

L(s) = L0 + A·S1^(-alpha) - C·S2 (arXiv 2408.11029, abstract): S1 is the area under the LR
curve up to step s ("forward area"), S2 the LR annealing area. S2 is computed here in the
momentum form m_i = lam·m_(i-1) + (eta_(i-1) - eta_i), S2 = sum_i m_i, which with lam -> 1
is the area between the peak LR and the LR curve. Only the paper's abstract could be read
here: the momentum form and any default lam are UNVERIFIED against its text, so lam is an
input the user sets.
"""
from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

SCHEDULES = ("constant", "cosine", "wsd")


def lr_schedule(kind: str, steps: int, peak: float, warmup: int = 0, final_frac: float = 0.1,
                decay_frac: float = 0.2) -> np.ndarray:
    """Per-step learning rates: linear warmup, then constant, cosine to final_frac·peak, or
    warmup-stable-decay (linear decay to final_frac·peak over the last decay_frac of steps)."""
    if kind not in SCHEDULES:
        raise ValueError(f"unknown schedule {kind!r}; choose one of {', '.join(SCHEDULES)}")
    if steps < 2 or peak <= 0 or not (0 <= final_frac <= 1) or not (0 < decay_frac <= 1) or warmup >= steps:
        raise ValueError("need steps >= 2, peak > 0, 0 <= final_frac <= 1, 0 < decay_frac <= 1, warmup < steps")
    s = np.arange(1, steps + 1, dtype=float)
    lr = np.full(steps, peak)
    if warmup:
        lr[:warmup] = peak * s[:warmup] / warmup
    t = s[warmup:] - warmup
    span = steps - warmup
    if kind == "cosine":
        lr[warmup:] = peak * (final_frac + (1 - final_frac) * 0.5 * (1 + np.cos(np.pi * t / span)))
    elif kind == "wsd":
        start = steps - int(round(decay_frac * steps))
        k = np.arange(steps) >= start
        frac = (np.arange(steps)[k] - start + 1) / max(1, steps - start)
        lr[k] = peak * (1 - (1 - final_frac) * frac)
    return lr


def annealing_areas(lrs, lam: float = 0.999) -> tuple[np.ndarray, np.ndarray]:
    """S1 (cumulative sum of LR) and S2 (cumulative momentum of LR decreases) at every step.
    LR changes before the schedule first reaches its peak (warmup) add nothing to S2."""
    lrs = np.asarray(lrs, dtype=float)
    if lrs.ndim != 1 or lrs.size < 2 or np.any(~np.isfinite(lrs)) or np.any(lrs < 0):
        raise ValueError("learning rates must be a 1-D sequence of at least 2 finite, non-negative values")
    if not 0 <= lam < 1:
        raise ValueError("the decay factor lam must be in [0, 1)")
    S1 = np.cumsum(lrs)
    drops = np.concatenate([[0.0], lrs[:-1] - lrs[1:]])
    drops[: int(np.argmax(lrs)) + 1] = 0.0     # warmup (rising to the first peak) anneals nothing
    m = lfilter([1.0], [1.0, -lam], drops)      # m_i = lam m_(i-1) + drop_i, in C rather than a Python loop
    return S1, np.cumsum(m)


def annealing_areas_at(steps, lrs, lam: float = 0.999) -> tuple[np.ndarray, np.ndarray]:
    """S1, S2 at logged steps when the learning rate is logged only at those steps: the
    per-step schedule is rebuilt by linear interpolation between them (steps count from 1;
    steps before the first logged one take its learning rate, so log from step 1 when the
    warmup matters)."""
    steps = np.asarray(steps, dtype=float)
    lrs = np.asarray(lrs, dtype=float)
    if steps.shape != lrs.shape or steps.size < 2:
        raise ValueError("steps and learning rates must be two columns of the same length (at least 2 rows)")
    if np.any(~np.isfinite(steps)) or np.any(steps < 1) or np.any(np.diff(steps) <= 0) or np.any(steps != np.round(steps)):
        raise ValueError("steps must be increasing whole numbers starting at 1 or later")
    if steps[-1] > 5e7:
        raise ValueError("more than 50 million steps: log the learning rate at fewer, coarser steps")
    full = np.interp(np.arange(1, int(steps[-1]) + 1), steps, lrs)
    S1, S2 = annealing_areas(full, lam)
    idx = steps.astype(np.int64) - 1
    return S1[idx], S2[idx]
