"""Conversions between parameter-count conventions, each named and cited.

Laws count N differently: total parameters (Hoffmann et al. 2022), non-embedding parameters
(Kaplan et al. 2020), M = non-embedding FLOPs per token (DeepSeek LLM 2024), or active
parameters (mixture of experts). A comparison is drawn in one convention the user chooses;
a law is converted only by a function here, and a law that no defensible conversion reaches
keeps its own convention and is labelled as such.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

# Pearce & Song 2024, "Reconciling Kaplan and Chinchilla Scaling Laws" (arXiv 2406.12907), Fig. 1
# and the authors' script_analysis_kaplan_chinchilla.py (TeaPearce/Reconciling_Kaplan_Chinchilla_
# Scaling_Laws at c708e5b, line 76): N_T = N_\E + 47491 N_\E^(1/3), fitted to the Chinchilla model
# configurations (32k vocabulary, fixed aspect ratio); the embedding term is vocab · d_model with
# d_model ∝ N_\E^(1/3).
PEARCE_SONG_GAMMA = 47491.0
PEARCE_SONG = ("Pearce & Song 2024, N_total = N_non-emb + 47491·N_non-emb^(1/3) (fitted to the Chinchilla "
               "configurations, 32k vocabulary; the authors' code)")

CHOICES = {
    "published": "as published (each law in its own convention, labelled)",
    "total": "total parameters, C = 6·N_total·D",
    "non-embedding": "non-embedding parameters, C = 6·N_non-emb·D",
}


def nonemb_to_total(N):
    """Pearce & Song 2024: total parameters from non-embedding parameters."""
    N = np.asarray(N, dtype=float)
    return N + PEARCE_SONG_GAMMA * np.cbrt(N)


def total_to_nonemb(N):
    """The inverse of nonemb_to_total (monotone, solved per value). Totals below the embedding
    term of the smallest model have no non-embedding count: NaN."""
    N = np.atleast_1d(np.asarray(N, dtype=float))
    out = np.full(N.shape, np.nan)
    for i, n in enumerate(N):
        if np.isfinite(n) and n > 0:
            out[i] = np.exp(brentq(lambda x: np.log(nonemb_to_total(np.exp(x))) - np.log(n), -10.0, np.log(n),
                                   xtol=1e-13, rtol=1e-14)) if n > nonemb_to_total(np.exp(-10.0)) else np.nan
    return out


def converter(counted: str, target: str):
    """(function N_law -> N_target, its citation) or None when no defensible conversion exists.
    Identity when the conventions agree."""
    if target == "published" or counted == target:
        return (lambda N: np.asarray(N, dtype=float)), ""
    if counted == "non-embedding" and target == "total":
        return nonemb_to_total, PEARCE_SONG
    if counted == "total" and target == "non-embedding":
        return total_to_nonemb, PEARCE_SONG
    return None
