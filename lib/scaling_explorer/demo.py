"""A synthetic demo dataset, so the Fit page has something to show before any upload.

Runs sit on isoFLOP slices like Hoffmann et al.'s Approach 2 grid; losses come from a given
law times log-normal noise. Labelled synthetic everywhere it is shown."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .laws import Law, evaluate_loss


def demo_runs(law: Law, seed: int = 0, noise: float = 0.01) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for C in np.logspace(18, 21, 7):
        n_mid = np.sqrt(C / (6 * 20.0))
        for N in n_mid * np.logspace(-0.8, 0.8, 9):
            D = C / (6 * N)
            rows.append((f"demo C={C:.2g} N={N:.2g}", N, D, C))
    df = pd.DataFrame(rows, columns=["run_name", "n_params", "n_tokens", "compute_flops"])
    clean = evaluate_loss(law, df["n_params"].to_numpy(), df["n_tokens"].to_numpy())
    df["loss"] = clean * np.exp(rng.normal(0.0, noise, len(df)))
    return df
