"""Fit speed: the explorer's fit vs per-start scipy L-BFGS-B over Hoffmann's full grid.

Both run in this process on the same data: the 240 Chinchilla points digitised by Epoch AI
(5 highest-loss rows dropped, D = C/6N), objective = summed Huber (delta 1e-3) of log
residuals of the LSE form. The reference is the textbook recipe: scipy.optimize.minimize
(L-BFGS-B, finite-difference gradient, tight tolerances) from every one of the 4,500 starts
of Hoffmann et al. App. D.2, keeping the best. Prints the ratio of wall-clock times, both
objectives, and the time of a 1,000-resample bootstrap.

    python bench/fit_speed.py                 # full reference grid (a few minutes)
    python bench/fit_speed.py --ref-starts 300 # reference on a random subset, time extrapolated
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import huber as sp_huber
from scipy.special import logsumexp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lib"))
from scaling_explorer.forms import FIT_FORMS as FORMS  # noqa: E402
from scaling_explorer.fitting import bootstrap, fit  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "published" / "chinchilla_epoch2024" / "svg_extracted_data.csv"


def load():
    if not DATA.exists():
        sys.exit(f"{DATA} is absent: this benchmark needs ../shared/data/published beside the checkout")
    df = pd.read_csv(DATA).sort_values("loss", ascending=False, kind="stable").iloc[5:]
    N = df["Model Size"].to_numpy(float)
    D = df["Training FLOP"].to_numpy(float) / (6 * N)
    return N, D, df["loss"].to_numpy(float)


def reference(N, D, L, starts):
    lN, lD, lL = np.log(N), np.log(D), np.log(L)

    def obj(t):
        a, b, e, al, be = t
        pred = logsumexp(np.stack([a - al * lN, b - be * lD, np.full_like(lN, e)]), axis=0)
        return float(np.sum(sp_huber(1e-3, pred - lL)))

    best = None
    for x0 in starts:
        r = minimize(obj, x0, method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 20000,
                                                           "maxfun": 40000})
        if best is None or r.fun < best.fun:
            best = r
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref-starts", type=int, default=0, help="reference on a random subset (0 = all 4,500)")
    ap.add_argument("--resamples", type=int, default=1000)
    args = ap.parse_args()
    N, D, L = load()
    X = {"N": N, "D": D}
    starts = FORMS["chinchilla"].starts()
    fit("chinchilla", X, L)  # warm-up (imports, first-call overheads)

    reps = 5
    t = time.perf_counter()
    for _ in range(reps):
        ours = fit("chinchilla", X, L)
    t_ours = (time.perf_counter() - t) / reps

    ref_starts = starts
    if args.ref_starts:
        ref_starts = starts[np.random.default_rng(0).choice(len(starts), args.ref_starts, replace=False)]
    t = time.perf_counter()
    ref = reference(N, D, L, ref_starts)
    t_ref = time.perf_counter() - t
    per_start = t_ref / len(ref_starts)
    t_ref_full = per_start * len(starts)

    print(f"data: {len(L)} Chinchilla points (Epoch AI digitisation), objective: summed Huber(1e-3) of log residuals")
    print(f"reference  per-start scipy L-BFGS-B, FD gradient: {len(ref_starts)} starts in {t_ref:.1f} s "
          f"({per_start * 1e3:.1f} ms/start); full 4,500-start grid "
          f"{'measured' if len(ref_starts) == len(starts) else 'extrapolated'}: {t_ref_full:.1f} s; "
          f"best objective {ref.fun:.7e}")
    print(f"explorer   grid scored in one pass + L-BFGS-B (analytic gradient) from the best {ours.n_refined}: "
          f"{t_ours * 1e3:.0f} ms; objective {ours.objective:.7e}; {ours.n_at_best}/{ours.n_refined} starts at best")
    p = ours.p
    print(f"           alpha {p['alpha']:.4f}  beta {p['beta']:.4f}  E {p['E']:.4f}  A {p['A']:.1f}  B {p['B']:.1f}")
    same = ours.objective <= ref.fun * (1 + 1e-9)
    print(f"RATIO fit speed (reference / explorer): {t_ref_full / t_ours:.0f}x  "
          f"(target >= 100x; explorer objective {'<=' if same else '>'} reference)")

    t = time.perf_counter()
    boot = bootstrap("chinchilla", X, L, n_resamples=args.resamples, seed=0, base=ours)
    t_boot = time.perf_counter() - t
    se = boot.se()
    print(f"bootstrap  {args.resamples} resamples in {t_boot:.1f} s (target <= 30 s), {boot.n_failed} failed; "
          f"SE alpha {se['alpha']:.4f} beta {se['beta']:.4f} E {se['E']:.4f} A {se['A']:.1f} B {se['B']:.0f} "
          f"(Besiroglu et al.: 0.015, 0.021, 0.026, 124.5, 1293)")


if __name__ == "__main__":
    main()
