"""Fittable law forms: each a small pure function of its parameters θ and its inputs.

A form predicts the *log* of its target (loss or error), so every fit minimises the Huber
loss of log residuals (Hoffmann et al. 2022, App. D.2). θ holds the parameters in the space
the optimiser works in (log-scales as logs); ``to_params`` maps θ back to the published
parameter names. Forms with an analytic Jacobian say so; the others get central
differences from the engine. Each form carries its bounds, its initialisation grid, its
LaTeX and its citation.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import laws


def _lse3(u1, u2, u3):
    """log(e^u1 + e^u2 + e^u3) and the softmax weights, element-wise."""
    m = np.maximum(np.maximum(u1, u2), u3)
    e1, e2, e3 = np.exp(u1 - m), np.exp(u2 - m), np.exp(u3 - m)
    s = e1 + e2 + e3
    return m + np.log(s), e1 / s, e2 / s, e3 / s


def _lse2(u1, u2):
    m = np.maximum(u1, u2)
    e1, e2 = np.exp(u1 - m), np.exp(u2 - m)
    s = e1 + e2
    return m + np.log(s), e1 / s, e2 / s


@dataclass(frozen=True)
class FitForm:
    slug: str
    title: str
    inputs: tuple[str, ...]            # variables read from the data, e.g. ("N", "D")
    target: str                        # "loss" or "error"
    theta_names: tuple[str, ...]
    grid: tuple[tuple[float, ...], ...]
    bounds: tuple[tuple[float, float], ...]
    pred: Callable                     # (theta, X) -> (log prediction, Jacobian or None)
    to_params: Callable                # theta -> {published name: value}
    latex: str
    citation: str
    law_form: str | None = None        # lib.laws form the fitted parameters plug into
    analytic_jac: bool = True
    grid_score: Callable | None = None  # (starts (S,p), X, log y, delta) -> (S,) objective values
    allow_zero: tuple[str, ...] = ()    # inputs that may be zero (all others must be positive)

    @property
    def n_params(self) -> int:
        return len(self.theta_names)

    def starts(self) -> np.ndarray:
        return np.array(list(itertools.product(*self.grid)), dtype=float)

    def predict(self, theta, X) -> np.ndarray:
        return np.exp(self.pred(np.asarray(theta, float), X)[0])


# ---- Chinchilla: L = E + A/N^alpha + B/D^beta -------------------------------------------------

def _chinchilla(theta, X):
    a, b, e, al, be = theta
    lN, lD = np.log(X["N"]), np.log(X["D"])
    p, w1, w2, w3 = _lse3(a - al * lN, b - be * lD, np.full_like(lN, e))
    return p, np.stack([w1, w2, w3, -w1 * lN, -w2 * lD], axis=-1)


def _chinchilla_grid_score(T, X, ly, huber):
    """Score every start at once, exploiting that the grid is a product: exp(a − α log N) takes
    one row per (a, α) pair and exp(b − β log D) one per (b, β) pair."""
    lN, lD = np.log(X["N"]), np.log(X["D"])
    a, b, e, al, be = T.T
    ka = np.unique(np.stack([a, al], 1), axis=0, return_inverse=True)
    kb = np.unique(np.stack([b, be], 1), axis=0, return_inverse=True)
    with np.errstate(over="ignore"):
        EA = np.exp(ka[0][:, :1] - ka[0][:, 1:] * lN)
        EB = np.exp(kb[0][:, :1] - kb[0][:, 1:] * lD)
        S = EA[ka[1].ravel()] + EB[kb[1].ravel()] + np.exp(e)[:, None]
        return huber(np.log(S) - ly).sum(axis=1)


def _chinchilla_params(t):
    a, b, e, al, be = t
    return {"E": float(np.exp(e)), "A": float(np.exp(a)), "B": float(np.exp(b)), "alpha": float(al),
            "beta": float(be)}


# ---- Kaplan L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D -----------------------------

def _kaplan(theta, X):
    lNc, lDc, aN, aD = theta
    lN, lD = np.log(X["N"]), np.log(X["D"])
    u1 = (aN / aD) * (lNc - lN)
    u2 = lDc - lD
    S, w1, w2 = _lse2(u1, u2)
    return aD * S, np.stack([w1 * aN, aD * w2, w1 * (lNc - lN), S - w1 * u1], axis=-1)


def _kaplan_params(t):
    lNc, lDc, aN, aD = t
    return {"N_c": float(np.exp(lNc)), "D_c": float(np.exp(lDc)), "alpha_N": float(aN), "alpha_D": float(aD)}


# ---- single-variable laws: L = E + A x^-alpha, L = A x^-alpha ---------------------------------

def _offset_power(theta, X):
    a, e, al = theta
    lx = np.log(X["x"])
    p, w1, w2 = _lse2(a - al * lx, np.full_like(lx, e))
    return p, np.stack([w1, w2, -w1 * lx], axis=-1)


def _offset_power_params(t):
    return {"A": float(np.exp(t[0])), "E": float(np.exp(t[1])), "alpha": float(t[2])}


def _pure_power(theta, X):
    a, al = theta
    lx = np.log(X["x"])
    return a - al * lx, np.stack([np.ones_like(lx), -lx], axis=-1)


def _pure_power_params(t):
    # as Kaplan writes it: L = (x_c / x)^alpha, x_c = A^(1/alpha)
    a, al = t
    return {"x_c": float(np.exp(a / al)) if al > 0 else float("nan"), "alpha": float(al)}


# ---- smoothly broken power law, one break (Caballero et al. 2022) ----------------------------

def _bnsl(theta, X):
    la, lb, c0, c1, ld1, lf1 = theta
    lx = np.log(X["x"])
    f1 = np.exp(lf1)
    # log of b x^-c0 (1 + (x/d1)^(1/f1))^(-c1 f1), with log1p(exp(.)) kept finite
    z = (lx - ld1) / f1
    soft = np.logaddexp(0.0, z)
    core = lb - c0 * lx - c1 * f1 * soft
    return np.logaddexp(la, core), None


def _bnsl_params(t):
    la, lb, c0, c1, ld1, lf1 = t
    return {"a": float(np.exp(la)), "b": float(np.exp(lb)), "c0": float(c0), "c1": float(c1),
            "d1": float(np.exp(ld1)), "f1": float(np.exp(lf1))}


# ---- parallel scaling (Chen et al. 2025): L = E + (A·1e9 / (N (k ln P + 1)))^alpha ------------

def _parallel(theta, X):
    e, a, al, k = theta
    u = al * (a + np.log(1e9) - np.log(X["N"]) - np.log1p(k * np.log(X["P"])))
    return np.logaddexp(e, u), None


def _parallel_params(t):
    return {"E": float(np.exp(t[0])), "A": float(np.exp(t[1])), "alpha": float(t[2]), "k": float(t[3])}


# ---- loss -> downstream error (Gadre et al. 2024): Err = eps - k exp(-gamma L) ---------------

def _downstream(theta, X):
    eps, lk, g = theta
    L = np.asarray(X["L"], float)
    val = eps - np.exp(lk - g * L)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(np.where(val > 0, val, np.nan)), None


def _downstream_params(t):
    return {"epsilon": float(t[0]), "k": float(np.exp(t[1])), "gamma": float(t[2])}


# ---- Muennighoff et al. 2023 data-constrained form (N, D, U) ---------------------------------

def _muennighoff(theta, X):
    a, b, e, al, be, lrd, lrn = theta
    with np.errstate(all="ignore"):
        L = laws.muennighoff_loss(X["N"], X["D"], X["U"], a, b, e, al, be, np.exp(lrd), np.exp(lrn))
        return np.log(L), None


def _muennighoff_params(t):
    a, b, e, al, be, lrd, lrn = t
    return {"a": float(a), "b": float(b), "e": float(e), "alpha": float(al), "beta": float(be),
            "R_D_star": float(np.exp(lrd)), "R_N_star": float(np.exp(lrn))}


# ---- Gadre et al. 2024 over-training form: L(C, M) = E + (a M^eta + b M^-eta) C^-eta ---------

def _gadre(theta, X):
    e, la, lb, eta = theta
    lC, lM = np.log(X["C"]), np.log(X["M"])
    u1 = np.full_like(lC, e)
    p, w1, w2, w3 = _lse3(u1, la + eta * (lM - lC), lb - eta * (lM + lC))
    return p, np.stack([w1, w2, w3, w2 * (lM - lC) - w3 * (lM + lC)], axis=-1)


def _gadre_params(t):
    e, la, lb, eta = t
    return {"E": float(np.exp(e)), "a": float(np.exp(la)), "b": float(np.exp(lb)), "eta": float(eta)}


# ---- "The Journey Matters": Chinchilla form on the average parameter count N̄ -------------------

def _avg_param(theta, X):
    return _chinchilla(theta, {"N": X["Nbar"], "D": X["D"]})


def _avg_param_grid_score(T, X, ly, huber):
    return _chinchilla_grid_score(T, {"N": X["Nbar"], "D": X["D"]}, ly, huber)


# ---- Tissue et al. 2024 loss curve: L(s) = L0 + A S1^-alpha - C S2 ----------------------------

def _lr_anneal(theta, X):
    lL0, lA, al, lC = theta
    val = np.exp(lL0) + np.exp(lA) * np.asarray(X["S1"], float) ** (-al) - np.exp(lC) * np.asarray(X["S2"], float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(np.where(val > 0, val, np.nan)), None


def _lr_anneal_params(t):
    lL0, lA, al, lC = t
    return {"L0": float(np.exp(lL0)), "A": float(np.exp(lA)), "alpha": float(al), "C": float(np.exp(lC))}


_AB = tuple(np.arange(0, 30, 5.0))
_E = tuple(np.arange(-1, 1.5, 0.5))
_EXP = tuple(np.arange(0, 2.5, 0.5))

FORMS: dict[str, FitForm] = {f.slug: f for f in (
    FitForm("chinchilla", "Chinchilla L(N, D)", ("N", "D"), "loss", ("a = log A", "b = log B", "e = log E", "alpha",
                                                                      "beta"),
            # Hoffmann et al. 2022, App. D.2 initialisation grid (4,500 starts)
            grid=(_AB, _AB, _E, _EXP, _EXP),
            bounds=((-10.0, 60.0), (-10.0, 60.0), (-5.0, 5.0), (0.0, 5.0), (0.0, 5.0)),
            pred=_chinchilla, to_params=_chinchilla_params, grid_score=_chinchilla_grid_score,
            latex=laws.FORMS["chinchilla"].latex, citation="Hoffmann et al. 2022, Eq. 2 and App. D.2",
            law_form="chinchilla"),
    FitForm("kaplan_nd", "Kaplan L(N, D)", ("N", "D"), "loss", ("log N_c", "log D_c", "alpha_N", "alpha_D"),
            grid=(tuple(np.log([1e8, 1e10, 1e12, 1e14, 1e16])), tuple(np.log([1e8, 1e10, 1e12, 1e14, 1e16])),
                  (0.05, 0.1, 0.2, 0.4, 0.8), (0.05, 0.1, 0.2, 0.4, 0.8)),
            bounds=((0.0, np.log(1e40)), (0.0, np.log(1e40)), (1e-3, 5.0), (1e-3, 5.0)),
            pred=_kaplan, to_params=_kaplan_params, latex=laws.FORMS["kaplan_nd"].latex,
            citation="Kaplan et al. 2020, Eq. 1.5", law_form="kaplan_nd"),
    FitForm("power_offset", "Power law with irreducible term L(x) = E + A x^-alpha", ("x",), "loss",
            ("a = log A", "e = log E", "alpha"),
            grid=(tuple(np.arange(0, 35, 5.0)), _E, (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)),
            bounds=((-20.0, 80.0), (-8.0, 5.0), (0.0, 5.0)),
            pred=_offset_power, to_params=_offset_power_params,
            latex=r"L(x)=E+\frac{A}{x^{\alpha}}", citation="e.g. Hoffmann et al. 2022 Eq. 2 in one variable; "
            "Henighan et al. 2020"),
    FitForm("power_law", "Pure power law L(x) = (x_c/x)^alpha", ("x",), "loss", ("a = log A", "alpha"),
            grid=((0.0, 2.0, 5.0), (0.01, 0.05, 0.1, 0.3)), bounds=((-50.0, 50.0), (1e-6, 5.0)),
            pred=_pure_power, to_params=_pure_power_params, latex=laws.FORMS["power_law"].latex,
            citation="Kaplan et al. 2020, Eqs. 1.1-1.3", law_form="power_law"),
    FitForm("bnsl", "Smoothly broken power law, one break", ("x",), "loss",
            ("log a", "log b", "c0", "c1", "log d1", "log f1"),
            grid=((-3.0, 0.0, 1.0), (0.0, 3.0, 6.0), (0.0, 0.1, 0.4), (0.0, 0.2, 0.6),
                  tuple(np.log([1e2, 1e4, 1e6, 1e8, 1e10])), (np.log(0.1), np.log(1.0))),
            bounds=((-10.0, 5.0), (-20.0, 40.0), (-1.0, 3.0), (-2.0, 3.0), (-10.0, 70.0), (np.log(1e-3), np.log(50.0))),
            pred=_bnsl, to_params=_bnsl_params, analytic_jac=False,
            latex=r"y=a+b\,x^{-c_0}\left(1+\left(\frac{x}{d_1}\right)^{1/f_1}\right)^{-c_1 f_1}",
            citation="Caballero et al. 2022, Broken Neural Scaling Laws"),
    FitForm("parallel", "Parallel scaling L(N, P) = E + (A/(N (k ln P + 1)))^alpha", ("N", "P"), "loss",
            ("e = log E", "a = log A (billions)", "alpha", "k"),
            # the authors' grid (parametric_fit.py): E in {e^-1, e^-0.5, 1}, log A in {-4..4}, alpha, k
            grid=((-1.0, -0.5, 0.0), (-4.0, -2.0, 0.0, 2.0, 4.0), (0.1, 0.5, 1.0, 1.5, 2.0), (0.2, 0.4, 0.6, 0.8)),
            bounds=((-10.0, 5.0), (-20.0, 20.0), (1e-4, 5.0), (0.0, 10.0)),
            pred=_parallel, to_params=_parallel_params, analytic_jac=False,
            latex=laws.FORMS["parallel"].latex, citation="Chen et al. 2025 (ParScale), the authors' parametric_fit.py",
            law_form="parallel"),
    FitForm("downstream", "Loss to downstream error Err = epsilon - k exp(-gamma L)", ("L",), "error",
            ("epsilon", "log k", "gamma"),
            grid=((0.5, 0.8, 0.95, 1.0), (-1.0, 0.0, 1.0, 2.0, 4.0), (0.25, 0.5, 1.0, 2.0, 4.0)),
            bounds=((1e-3, 1.5), (-20.0, 30.0), (1e-3, 20.0)),
            pred=_downstream, to_params=_downstream_params, analytic_jac=False,
            latex=r"\mathrm{Err}(L)=\epsilon-k\,e^{-\gamma L}", citation="Gadre et al. 2024"),
    FitForm("gadre", "Over-training L(C, M), M = D/N", ("C", "M"), "loss", ("e = log E", "log a", "log b", "eta"),
            grid=(_E, (0.0, 2.5, 5.0, 7.5, 10.0), (0.0, 2.5, 5.0, 7.5, 10.0), (0.05, 0.1, 0.2, 0.3, 0.5)),
            bounds=((-5.0, 5.0), (-20.0, 40.0), (-20.0, 40.0), (1e-3, 2.0)),
            pred=_gadre, to_params=_gadre_params,
            latex=r"L(C,M)=E+\left(aM^{\eta}+bM^{-\eta}\right)C^{-\eta}",
            citation="Gadre et al. 2024, Eq. (4)", law_form="gadre"),
    FitForm("avg_param", "Chinchilla form on the average parameter count", ("Nbar", "D"), "loss",
            ("a = log A", "b = log B", "e = log E", "alpha", "beta"),
            grid=(_AB, _AB, _E, _EXP, _EXP),
            bounds=((-10.0, 60.0), (-10.0, 60.0), (-5.0, 5.0), (0.0, 5.0), (0.0, 5.0)),
            pred=_avg_param, to_params=_chinchilla_params, grid_score=_avg_param_grid_score,
            latex=r"L(\bar N,D)=E+\frac{A}{\bar N^{\alpha}}+\frac{B}{D^{\beta}}",
            citation="The Journey Matters (arXiv 2501.12486), abstract: Chinchilla law on the average parameter "
                     "count over pre-training (exact equation unverified here)"),
    FitForm("lr_anneal", "Loss curve under an LR schedule L(s) = L0 + A S1^-alpha - C S2", ("S1", "S2"), "loss",
            ("log L0", "log A", "alpha", "log C"),
            grid=((np.log(1.0), np.log(2.0), np.log(3.0)), (np.log(0.3), np.log(1.0), np.log(3.0)),
                  (0.2, 0.5, 1.0), tuple(np.log([1e-3, 1e-2, 1e-1, 1.0, 10.0]))),
            bounds=((np.log(1e-3), np.log(50.0)), (np.log(1e-6), np.log(1e4)), (1e-3, 5.0), (np.log(1e-8), np.log(1e4))),
            pred=_lr_anneal, to_params=_lr_anneal_params, analytic_jac=False, allow_zero=("S2",),
            latex=r"L(s)=L_0+A\,S_1^{-\alpha}-C\,S_2",
            citation="Tissue et al. 2024 (arXiv 2408.11029), abstract"),
    FitForm("muennighoff", "Data-constrained L(N, D, U)", ("N", "D", "U"), "loss",
            ("a", "b", "e", "alpha", "beta", "log R_D*", "log R_N*"),
            grid=((5.0, 10.0), (5.0, 10.0), (-0.5, 0.5), (0.3, 0.6), (0.3, 0.6), (np.log(5.0), np.log(20.0)),
                  (np.log(2.0), np.log(10.0))),
            bounds=((-10.0, 60.0), (-10.0, 60.0), (-5.0, 5.0), (0.01, 3.0), (0.01, 3.0), (np.log(0.1), np.log(1e3)),
                    (np.log(0.1), np.log(1e3))),
            pred=_muennighoff, to_params=_muennighoff_params, analytic_jac=False,
            latex=laws.FORMS["muennighoff"].latex, citation="Muennighoff et al. 2023, Eqs. 5-6", law_form="muennighoff"),
)}
