"""The one registry of law forms.

A form is one object that owns everything about a functional shape: its loss (or metric)
function of named inputs and named parameters, the parameters' names, how it is fitted
(the optimiser's parameterisation θ with bounds and an initialisation grid, the log-space
prediction with its Jacobian, θ → published parameters), its LaTeX and citation, and its
compute-optimal allocation rule (closed form where one exists, numeric otherwise). A
published law and a law fitted on the Fit page are both a `Law` (lib.laws) of one of
these forms, so every page and export uses the same maths.

Symbols follow the papers inside formulas (N, D, C, U, E, A, B, alpha, beta); every function
takes arrays and returns arrays. Nothing here imports Streamlit or Plotly.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable

import numpy as np

FLOPS_PER_PARAM_TOKEN = 6.0   # C = 6·N·D (Kaplan et al. 2020, Sec. 2.1; Hoffmann et al. 2022, Sec. 3)


# ---- loss and metric functions (published parameters) ----------------------------------------

def chinchilla_loss(N, D, E, A, B, alpha, beta):
    """Hoffmann et al. 2022, Eq. 2: L(N, D) = E + A/N^alpha + B/D^beta."""
    N = np.asarray(N, dtype=float)
    D = np.asarray(D, dtype=float)
    return E + A * N ** (-alpha) + B * D ** (-beta)


def kaplan_nd_loss(N, D, N_c, D_c, alpha_N, alpha_D):
    """Kaplan et al. 2020, Eq. 1.5: L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D."""
    N = np.asarray(N, dtype=float)
    D = np.asarray(D, dtype=float)
    return ((N_c / N) ** (alpha_N / alpha_D) + D_c / D) ** alpha_D


def gadre_loss(N, D, E, a, b, eta):
    """Gadre et al. 2024, Eq. (4): L(C, M) = E + (a M^eta + b M^-eta) C^-eta with C = 6ND, M = D/N."""
    N = np.asarray(N, dtype=float)
    D = np.asarray(D, dtype=float)
    M = D / N
    return E + (a * M ** eta + b * M ** (-eta)) * (6.0 * N * D) ** (-eta)


def downstream_error(L, epsilon, k, gamma):
    """Gadre et al. 2024, Eq. (5): top-1 error from loss, Err = epsilon - k exp(-gamma L)."""
    return epsilon - k * np.exp(-gamma * np.asarray(L, dtype=float))


def moe_granularity_loss(N, D, G, a, alpha, b, beta, g, gamma, c):
    """Krajewski et al. 2024, Eq. (9): L(N, D, G) = c + (g/G^gamma + a)/N^alpha + b/D^beta."""
    N, D, G = (np.asarray(v, dtype=float) for v in (N, D, G))
    return c + (g / G ** gamma + a) / N ** alpha + b / D ** beta


def power_offset_loss(x, E, x_0, alpha):
    """Henighan et al. 2020, Eq. 1.1: L(x) = L_inf + (x_0/x)^alpha."""
    x = np.asarray(x, dtype=float)
    return E + (x_0 / x) ** alpha


def power_law(x, x_c, alpha):
    """Kaplan et al. 2020, Eqs. 1.1-1.3: L(x) = (x_c / x)^alpha."""
    x = np.asarray(x, dtype=float)
    return (x_c / x) ** alpha


def precision_factors(P_w, P_a, P_kv, gamma_w, n_w, gamma_i, n_i, gamma_kv, n_kv):
    """Kumar et al. 2024, Eq. (4) with App. K's exponent offsets: the fractions of parameters that
    stay effective at training precisions P_w, P_a, P_kv (bits), each 1 - exp(-P/gamma + n).
    A fraction at or below zero (activations under ~3.1 bits) is outside the law: returned as NaN."""
    out = []
    for P, g, n in ((P_w, gamma_w, n_w), (P_a, gamma_i, n_i), (P_kv, gamma_kv, n_kv)):
        f = 1.0 - np.exp(-np.asarray(P, dtype=float) / g + n)
        out.append(np.where(f > 0, f, np.nan))
    return tuple(out)


def precision_loss(N, D, P_w, P_a, P_kv, A, alpha, B, E, gamma_w, n_w, gamma_i, n_i, gamma_kv, n_kv):
    """Kumar et al. 2024, Finding 2 / Eq. (4): L = A N_eff^-alpha + B D^-beta + E with beta tied to
    alpha (App. K) and N_eff = N * prod_x (1 - exp(-P_x/gamma_x + n_x))."""
    fw, fa, fkv = precision_factors(P_w, P_a, P_kv, gamma_w, n_w, gamma_i, n_i, gamma_kv, n_kv)
    N_eff = np.asarray(N, dtype=float) * fw * fa * fkv
    return A * N_eff ** -alpha + B * np.asarray(D, dtype=float) ** -alpha + E


def parallel_loss(N, P, E, A, alpha, k):
    """Chen et al. 2025 (ParScale): L = E + (A / (N (k ln P + 1)))^alpha, with A in billions of
    (non-embedding) parameters as the authors' fitting code takes it, N in parameters, P streams."""
    N = np.asarray(N, dtype=float)
    return E + (A * 1e9 / (N * (k * np.log(np.asarray(P, dtype=float)) + 1.0))) ** alpha


def loglinear_nd(N, D, ln_coeff, exp_N, exp_D):
    """A hyperparameter fitted log-linearly in N and D: ln y = ln_coeff + exp_N ln N + exp_D ln D
    (Li et al. 2025, Step Law, as their online tool evaluates it)."""
    return np.exp(ln_coeff) * np.asarray(N, dtype=float) ** exp_N * np.asarray(D, dtype=float) ** exp_D


def bnsl(x, a, b, c0, c1, d1, f1):
    """Caballero et al. 2022, smoothly broken power law with one break:
    y = a + b x^-c0 (1 + (x/d1)^(1/f1))^(-c1 f1). Slope -c0 before the break at x = d1, -(c0 + c1)
    after it; f1 sets how sharp the break is. Evaluated in logs so huge x stays finite."""
    lx = np.log(np.asarray(x, dtype=float))
    return a + np.exp(np.log(b) - c0 * lx - c1 * f1 * np.logaddexp(0.0, (lx - np.log(d1)) / f1))


def power_log10norm(x, log10_A0, B0):
    """Edwards et al. 2024 (time series), Sec. 4: L(A) = (A / A_0)^(-B_0), A_0 printed as log10(A_0)."""
    return (np.asarray(x, dtype=float) / 10.0 ** log10_A0) ** (-B0)


def power_scaled(x, beta, alpha):
    """Tian et al. 2024 (VAR), Eq. 9: L = (beta * X)^alpha (alpha < 0 for a falling curve)."""
    return (beta * np.asarray(x, dtype=float)) ** alpha


def power_coeff(x, k, a):
    """A printed power law y = k * x^a (e.g. Li et al. 2024, TIFA score S = 0.47 C^0.02)."""
    return k * np.asarray(x, dtype=float) ** a


def lr_anneal_loss(S1, S2, L0, A, alpha, C):
    """Tissue et al. 2024: L(s) = L0 + A S1^-alpha - C S2 (S1 forward area, S2 annealing area)."""
    return L0 + A * np.asarray(S1, dtype=float) ** (-alpha) - C * np.asarray(S2, dtype=float)


def effective_data(D, U, R_D_star):
    """Muennighoff et al. 2023, Eq. (5): D' = U + U R_D* (1 - exp(-R_D/R_D*)), R_D = D/U - 1 the
    repetitions beyond the first epoch (U = unique tokens, D >= U training tokens)."""
    D = np.asarray(D, dtype=float)
    U = np.minimum(np.asarray(U, dtype=float), D)
    R_D = np.maximum(D / U - 1.0, 0.0)
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(U), D, U + U * R_D_star * (1.0 - np.exp(-R_D / R_D_star)))


def muennighoff_effective(N, D, U, a, b, e, alpha, beta, R_D_star, R_N_star):
    """Effective parameters N' and effective data D' (Muennighoff et al. 2023, Eqs. 5-6)."""
    N = np.asarray(N, dtype=float)
    D = np.asarray(D, dtype=float)
    U = np.minimum(np.asarray(U, dtype=float), D)
    A, B = np.exp(a), np.exp(b)
    G = ((alpha * A) / (beta * B)) ** (1.0 / (alpha + beta))
    U_N = np.minimum(N, (U * G) ** (beta / alpha) * G)
    R_N = np.maximum(N / U_N - 1.0, 0.0)
    N_eff = U_N + U_N * R_N_star * (1.0 - np.exp(-R_N / R_N_star))
    return N_eff, effective_data(D, U, R_D_star)


def muennighoff_loss(N, D, U, a, b, e, alpha, beta, R_D_star, R_N_star):
    """Muennighoff et al. 2023 data-constrained law (Eqs. 5-6 with the Chinchilla form).

    A = exp(a), B = exp(b), E = exp(e) as the authors publish them. U is the number of
    unique tokens (U <= D is enforced by using min(U, D)); repeated tokens and excess
    parameters decay with the constants R_D*, R_N*. U_N is the compute-optimal parameter
    count for U unique tokens under the single-epoch law, or N if smaller.
    """
    N_eff, D_eff = muennighoff_effective(N, D, U, a, b, e, alpha, beta, R_D_star, R_N_star)
    A, B, E = np.exp(a), np.exp(b), np.exp(e)
    return E + A / N_eff ** alpha + B / D_eff ** beta


# ---- closed-form compute-optimal allocations (C in the law's own compute, FLOPs) -----------------

def chinchilla_optimal(C, E, A, B, alpha, beta):
    """Hoffmann et al. 2022, Eq. 4: N_opt = G (C/6)^a, D_opt = G^-1 (C/6)^b,
    G = (alpha A / (beta B))^(1/(alpha+beta)), a = beta/(alpha+beta), b = alpha/(alpha+beta)."""
    C = np.asarray(C, dtype=float)
    G = (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))
    N = G * (C / 6.0) ** (beta / (alpha + beta))
    return N, C / (6.0 * N)


def kaplan_nd_optimal(C, N_c, D_c, alpha_N, alpha_D):
    """Minimiser of Kaplan's Eq. 1.5 along C = 6ND: with p = alpha_N/alpha_D,
    d/dN [(N_c/N)^p + 6 D_c N / C] = 0  =>  N^(p+1) = p N_c^p C / (6 D_c). Computed in logs so
    no budget overflows."""
    C = np.asarray(C, dtype=float)
    p = alpha_N / alpha_D
    N = np.exp((np.log(p) + p * np.log(N_c) + np.log(C) - np.log(6.0 * D_c)) / (p + 1.0))
    return N, C / (6.0 * N)


def gadre_optimal(C, E, a, b, eta):
    """Gadre et al. 2024, App. F: for fixed C the loss is smallest at M* = (b/a)^(1/(2 eta))."""
    M = (b / a) ** (1.0 / (2.0 * eta))
    N = np.sqrt(np.asarray(C, dtype=float) / (6.0 * M))
    return N, np.asarray(C, dtype=float) / (6.0 * N)


# ---- fitting helpers: predictions in log space, θ ↔ published parameters ---------------------

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


def _offset_power(theta, X):
    a, e, al = theta
    lx = np.log(X["x"])
    p, w1, w2 = _lse2(a - al * lx, np.full_like(lx, e))
    return p, np.stack([w1, w2, -w1 * lx], axis=-1)


def _offset_power_params(t):
    # as Henighan et al. write it: L = E + (x_0 / x)^alpha, x_0 = A^(1/alpha)
    a, e, al = t
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        x_0 = float(np.exp(a / al)) if al > 0 else float("nan")
    return {"E": float(np.exp(e)), "x_0": x_0, "alpha": float(al)}


def _pure_power(theta, X):
    a, al = theta
    lx = np.log(X["x"])
    return a - al * lx, np.stack([np.ones_like(lx), -lx], axis=-1)


def _pure_power_params(t):
    # as Kaplan writes it: L = (x_c / x)^alpha, x_c = A^(1/alpha)
    a, al = t
    return {"x_c": float(np.exp(a / al)) if al > 0 else float("nan"), "alpha": float(al)}


def _bnsl(theta, X):
    la, lb, c0, c1, ld1, lf1 = theta
    lx = np.log(X["x"])
    f1 = np.exp(lf1)
    soft = np.logaddexp(0.0, (lx - ld1) / f1)
    return np.logaddexp(la, lb - c0 * lx - c1 * f1 * soft), None


def _bnsl_params(t):
    la, lb, c0, c1, ld1, lf1 = t
    return {"a": float(np.exp(la)), "b": float(np.exp(lb)), "c0": float(c0), "c1": float(c1),
            "d1": float(np.exp(ld1)), "f1": float(np.exp(lf1))}


def _parallel(theta, X):
    e, a, al, k = theta
    u = al * (a + np.log(1e9) - np.log(X["N"]) - np.log1p(k * np.log(X["P"])))
    return np.logaddexp(e, u), None


def _parallel_params(t):
    return {"E": float(np.exp(t[0])), "A": float(np.exp(t[1])), "alpha": float(t[2]), "k": float(t[3])}


def _downstream(theta, X):
    eps, lk, g = theta
    val = eps - np.exp(lk - g * np.asarray(X["L"], float))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(np.where(val > 0, val, np.nan)), None


def _downstream_params(t):
    return {"epsilon": float(t[0]), "k": float(np.exp(t[1])), "gamma": float(t[2])}


def _muennighoff(theta, X):
    a, b, e, al, be, lrd, lrn = theta
    with np.errstate(all="ignore"):
        return np.log(muennighoff_loss(X["N"], X["D"], X["U"], a, b, e, al, be, np.exp(lrd), np.exp(lrn))), None


def _muennighoff_params(t):
    a, b, e, al, be, lrd, lrn = t
    return {"a": float(a), "b": float(b), "e": float(e), "alpha": float(al), "beta": float(be),
            "R_D_star": float(np.exp(lrd)), "R_N_star": float(np.exp(lrn))}


def _gadre(theta, X):
    e, la, lb, eta = theta
    lC, lM = np.log(X["C"]), np.log(X["M"])
    p, w1, w2, w3 = _lse3(np.full_like(lC, e), la + eta * (lM - lC), lb - eta * (lM + lC))
    return p, np.stack([w1, w2, w3, w2 * (lM - lC) - w3 * (lM + lC)], axis=-1)


def _gadre_params(t):
    e, la, lb, eta = t
    return {"E": float(np.exp(e)), "a": float(np.exp(la)), "b": float(np.exp(lb)), "eta": float(eta)}


def _avg_param(theta, X):
    return _chinchilla(theta, {"N": X["Nbar"], "D": X["D"]})


def _avg_param_grid_score(T, X, ly, huber):
    return _chinchilla_grid_score(T, {"N": X["Nbar"], "D": X["D"]}, ly, huber)


def _lr_anneal(theta, X):
    lL0, lA, al, lC = theta
    val = lr_anneal_loss(X["S1"], X["S2"], np.exp(lL0), np.exp(lA), al, np.exp(lC))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(np.where(val > 0, val, np.nan)), None


def _lr_anneal_params(t):
    lL0, lA, al, lC = t
    return {"L0": float(np.exp(lL0)), "A": float(np.exp(lA)), "alpha": float(al), "C": float(np.exp(lC))}


# ---- the form object ---------------------------------------------------------------------------

# What a form evaluates, by kind:
#   loss_nd    L(N, D[, U])            allocation: yes (closed form or numeric)
#   allocation N*(C), D*(C) only        allocation: yes (the rule itself)
#   loss_1d    L(x), x in N, D or C     metric_1d: another metric vs one variable in the law's units
#   map        Err(L)                   hyper: hyperparameters vs C; hyper_nd: vs N and D
#   moe, precision, parallel, curve (a loss curve over training), avg_param, reference (not evaluated)
ALLOCATING_KINDS = ("loss_nd", "allocation")


@dataclass(frozen=True)
class Form:
    slug: str
    title: str
    kind: str
    params: tuple[str, ...]            # published parameter names, in order
    latex: str
    citation: str
    fn: Callable | None = None         # the loss/metric function: fn(*inputs, **params)
    optimum: Callable | None = None    # closed-form (N*, D*) from C (FLOPs, C = 6ND), or None
    # fitting (a form without `pred` is evaluated only)
    inputs: tuple[str, ...] = ()       # variables a fit reads from the data, e.g. ("N", "D")
    target: str = "loss"               # "loss" or "error"
    theta_names: tuple[str, ...] = ()
    grid: tuple[tuple[float, ...], ...] = ()
    bounds: tuple[tuple[float, float], ...] = ()
    pred: Callable | None = None       # (theta, X) -> (log prediction, Jacobian or None)
    to_params: Callable | None = None  # theta -> {published name: value}
    analytic_jac: bool = True
    grid_score: Callable | None = None  # (starts (S,p), X, log y, huber) -> (S,) objective values
    allow_zero: tuple[str, ...] = ()    # inputs that may be zero (all others must be positive)

    @property
    def fittable(self) -> bool:
        return self.pred is not None

    @property
    def allocates(self) -> bool:
        return self.kind in ALLOCATING_KINDS

    @property
    def law_form(self) -> str:
        """The form a fitted result plugs into: itself (kept for FitResult's field)."""
        return self.slug

    @property
    def n_params(self) -> int:
        return len(self.theta_names)

    def starts(self) -> np.ndarray:
        return np.array(list(itertools.product(*self.grid)), dtype=float)

    def predict(self, theta, X) -> np.ndarray:
        return np.exp(self.pred(np.asarray(theta, float), X)[0])


_AB = tuple(np.arange(0, 30, 5.0))
_E = tuple(np.arange(-1, 1.5, 0.5))
_EXP = tuple(np.arange(0, 2.5, 0.5))
_CHIN_LATEX = r"L(N,D)=E+\frac{A}{N^{\alpha}}+\frac{B}{D^{\beta}}"
_CHIN_FIT = dict(inputs=("N", "D"), theta_names=("a = log A", "b = log B", "e = log E", "alpha", "beta"),
                 # Hoffmann et al. 2022, App. D.2 initialisation grid (4,500 starts)
                 grid=(_AB, _AB, _E, _EXP, _EXP),
                 bounds=((-10.0, 60.0), (-10.0, 60.0), (-5.0, 5.0), (0.0, 5.0), (0.0, 5.0)))

FORMS: dict[str, Form] = {f.slug: f for f in (
    Form("chinchilla", "Chinchilla L(N, D)", "loss_nd", ("E", "A", "B", "alpha", "beta"), _CHIN_LATEX,
         "Hoffmann et al. 2022, Eq. 2; fit App. D.2; frontier Eq. 4", fn=chinchilla_loss,
         optimum=chinchilla_optimal, pred=_chinchilla, to_params=_chinchilla_params,
         grid_score=_chinchilla_grid_score, **_CHIN_FIT),
    Form("kaplan_nd", "Kaplan L(N, D)", "loss_nd", ("N_c", "D_c", "alpha_N", "alpha_D"),
         r"L(N,D)=\left[\left(\frac{N_c}{N}\right)^{\alpha_N/\alpha_D}+\frac{D_c}{D}\right]^{\alpha_D}",
         "Kaplan et al. 2020, Eq. 1.5", fn=kaplan_nd_loss, optimum=kaplan_nd_optimal,
         inputs=("N", "D"), theta_names=("log N_c", "log D_c", "alpha_N", "alpha_D"),
         grid=(tuple(np.log([1e8, 1e10, 1e12, 1e14, 1e16])), tuple(np.log([1e8, 1e10, 1e12, 1e14, 1e16])),
               (0.05, 0.1, 0.2, 0.4, 0.8), (0.05, 0.1, 0.2, 0.4, 0.8)),
         bounds=((0.0, np.log(1e40)), (0.0, np.log(1e40)), (1e-3, 5.0), (1e-3, 5.0)),
         pred=_kaplan, to_params=_kaplan_params),
    Form("muennighoff", "Data-constrained loss L(N, D, U)", "loss_nd",
         ("a", "b", "e", "alpha", "beta", "R_D_star", "R_N_star"),
         r"L=E+\frac{A}{N'^{\alpha}}+\frac{B}{D'^{\beta}},\ D'=U+UR_D^*(1-e^{-R_D/R_D^*})",
         "Muennighoff et al. 2023, Eqs. 5-6", fn=muennighoff_loss,
         inputs=("N", "D", "U"), theta_names=("a", "b", "e", "alpha", "beta", "log R_D*", "log R_N*"),
         grid=((5.0, 10.0), (5.0, 10.0), (-0.5, 0.5), (0.3, 0.6), (0.3, 0.6), (np.log(5.0), np.log(20.0)),
               (np.log(2.0), np.log(10.0))),
         bounds=((-10.0, 60.0), (-10.0, 60.0), (-5.0, 5.0), (0.01, 3.0), (0.01, 3.0), (np.log(0.1), np.log(1e3)),
                 (np.log(0.1), np.log(1e3))),
         pred=_muennighoff, to_params=_muennighoff_params, analytic_jac=False),
    Form("gadre", "Over-training loss L(C, M), M = D/N", "loss_nd", ("E", "a", "b", "eta"),
         r"L(C,M)=E+\left(aM^{\eta}+bM^{-\eta}\right)C^{-\eta},\ M=D/N", "Gadre et al. 2024, Eq. (4); M* App. F",
         fn=gadre_loss, optimum=gadre_optimal,
         inputs=("C", "M"), theta_names=("e = log E", "log a", "log b", "eta"),
         grid=(_E, (0.0, 2.5, 5.0, 7.5, 10.0), (0.0, 2.5, 5.0, 7.5, 10.0), (0.05, 0.1, 0.2, 0.3, 0.5)),
         bounds=((-5.0, 5.0), (-20.0, 40.0), (-20.0, 40.0), (1e-3, 2.0)), pred=_gadre, to_params=_gadre_params),
    Form("downstream", "Loss to downstream error Err = epsilon - k exp(-gamma L)", "map", ("epsilon", "k", "gamma"),
         r"\mathrm{Err}(L)=\epsilon-k\,e^{-\gamma L}", "Gadre et al. 2024, Eq. (5)", fn=downstream_error,
         inputs=("L",), target="error", theta_names=("epsilon", "log k", "gamma"),
         grid=((0.5, 0.8, 0.95, 1.0), (-1.0, 0.0, 1.0, 2.0, 4.0), (0.25, 0.5, 1.0, 2.0, 4.0)),
         bounds=((1e-3, 1.5), (-20.0, 30.0), (1e-3, 20.0)),
         pred=_downstream, to_params=_downstream_params, analytic_jac=False),
    Form("power_law", "Pure power law L(x) = (x_c/x)^alpha", "loss_1d", ("x_c", "alpha"),
         r"L(x)=\left(\frac{x_c}{x}\right)^{\alpha}", "Kaplan et al. 2020, Eqs. 1.1-1.3", fn=power_law,
         inputs=("x",), theta_names=("a = log A", "alpha"),
         grid=((0.0, 2.0, 5.0), (0.01, 0.05, 0.1, 0.3)), bounds=((-50.0, 50.0), (1e-6, 5.0)),
         pred=_pure_power, to_params=_pure_power_params),
    Form("power_offset", "Power law with irreducible loss L(x) = E + (x_0/x)^alpha", "loss_1d", ("E", "x_0", "alpha"),
         r"L(x)=L_\infty+\left(\frac{x_0}{x}\right)^{\alpha}", "Henighan et al. 2020, Eq. 1.1", fn=power_offset_loss,
         inputs=("x",), theta_names=("a = alpha log x_0", "e = log E", "alpha"),
         grid=(tuple(np.arange(0, 35, 5.0)), _E, (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)),
         bounds=((-20.0, 80.0), (-8.0, 5.0), (0.0, 5.0)), pred=_offset_power, to_params=_offset_power_params),
    Form("bnsl", "Smoothly broken power law, one break", "loss_1d", ("a", "b", "c0", "c1", "d1", "f1"),
         r"y=a+b\,x^{-c_0}\left(1+\left(\frac{x}{d_1}\right)^{1/f_1}\right)^{-c_1 f_1}",
         "Caballero et al. 2022, Broken Neural Scaling Laws", fn=bnsl,
         inputs=("x",), theta_names=("log a", "log b", "c0", "c1", "log d1", "log f1"),
         grid=((-3.0, 0.0, 1.0), (0.0, 3.0, 6.0), (0.0, 0.1, 0.4), (0.0, 0.2, 0.6),
               tuple(np.log([1e2, 1e4, 1e6, 1e8, 1e10])), (np.log(0.1), np.log(1.0))),
         bounds=((-10.0, 5.0), (-20.0, 40.0), (-1.0, 3.0), (-2.0, 3.0), (-10.0, 70.0), (np.log(1e-3), np.log(50.0))),
         pred=_bnsl, to_params=_bnsl_params, analytic_jac=False),
    Form("allocation_power", "Compute-optimal allocation N*(C) = k_N C^a_N", "allocation", ("k_N", "a_N", "k_D", "a_D"),
         r"N^*=k_N C^{a_N},\ D^*=k_D C^{a_D}", "as published per law"),
    Form("allocation_c1", "Compute-optimal model size N*(C) = (C/C_1)^beta", "allocation", ("C1", "beta"),
         r"N^*=\left(\frac{C}{C_1}\right)^{\beta},\ D^*=\frac{C}{6N^*}", "Kaplan et al. 2020, Eq. 1.6 form"),
    Form("tokens_power", "Compute-optimal tokens D*(C) = A C^alpha", "allocation", ("A", "alpha"),
         r"D^*=A\,C^{\alpha},\ N^*=\frac{C}{6D^*}", "as published per law"),
    Form("hyper_c", "Optimal learning rate and batch size vs compute", "hyper",
         ("eta_coeff", "eta_exp", "B_coeff", "B_exp"), r"\eta_{opt}=k_\eta C^{a_\eta},\ B_{opt}=k_B C^{a_B}",
         "as published per law"),
    Form("moe_granularity", "Fine-grained MoE loss L(N, D, G)", "moe", ("a", "alpha", "b", "beta", "g", "gamma", "c"),
         r"L(N,D,G)=c+\left(\frac{g}{G^{\gamma}}+a\right)\frac{1}{N^{\alpha}}+\frac{b}{D^{\beta}}",
         "Krajewski et al. 2024, Eq. (9)", fn=moe_granularity_loss),
    Form("power_log10norm", "Power law L(A) = (A/A_0)^(-B_0)", "metric_1d", ("log10_A0", "B0"),
         r"L(A)=\left(\frac{A}{A_0}\right)^{-B_0}", "Edwards et al. 2024, Sec. 4", fn=power_log10norm),
    Form("power_scaled", "Power law L = (beta X)^alpha", "metric_1d", ("beta", "alpha"), r"L=(\beta X)^{\alpha}",
         "Tian et al. 2024, Eq. 9", fn=power_scaled),
    Form("power_coeff", "Power law y = k x^a", "metric_1d", ("k", "a"), r"y=k\,x^{a}", "as published per law",
         fn=power_coeff),
    Form("precision", "Precision-aware loss L(N, D, P_w, P_a, P_kv)", "precision",
         ("A", "alpha", "B", "E", "gamma_w", "n_w", "gamma_i", "n_i", "gamma_kv", "n_kv"),
         r"L=A\,N_{\mathrm{eff}}^{-\alpha}+B\,D^{-\alpha}+E,\ N_{\mathrm{eff}}=N\prod_{x\in\{w,a,kv\}}"
         r"\left(1-e^{-P_x/\gamma_x+n_x}\right)", "Kumar et al. 2024, Eq. (4), App. K", fn=precision_loss),
    Form("parallel", "Parallel scaling L(N, P) = E + (A/(N (k ln P + 1)))^alpha", "parallel", ("E", "A", "alpha", "k"),
         r"L(N,P)=E+\left(\frac{A\cdot 10^{9}}{N\,(k\ln P+1)}\right)^{\alpha}",
         "Chen et al. 2025 (ParScale), the authors' parametric_fit.py", fn=parallel_loss,
         inputs=("N", "P"), theta_names=("e = log E", "a = log A (billions)", "alpha", "k"),
         # the authors' grid (parametric_fit.py): E in {e^-1, e^-0.5, 1}, log A in {-4..4}, alpha, k
         grid=((-1.0, -0.5, 0.0), (-4.0, -2.0, 0.0, 2.0, 4.0), (0.1, 0.5, 1.0, 1.5, 2.0), (0.2, 0.4, 0.6, 0.8)),
         bounds=((-10.0, 5.0), (-20.0, 20.0), (1e-4, 5.0), (0.0, 10.0)),
         pred=_parallel, to_params=_parallel_params, analytic_jac=False),
    Form("loglinear_nd", "Hyperparameter log-linear in N and D", "hyper_nd", ("ln_coeff", "exp_N", "exp_D"),
         r"\ln y=c+a\ln N+b\ln D", "Li et al. 2025 (Step Law)", fn=loglinear_nd),
    Form("avg_param", "Chinchilla form on the average parameter count", "avg_param", ("E", "A", "B", "alpha", "beta"),
         r"L(\bar N,D)=E+\frac{A}{\bar N^{\alpha}}+\frac{B}{D^{\beta}}",
         "The Journey Matters (arXiv 2501.12486), abstract: Chinchilla law on the average parameter count over "
         "pre-training (exact equation unverified here)", fn=chinchilla_loss,
         pred=_avg_param, to_params=_chinchilla_params, grid_score=_avg_param_grid_score,
         **{**_CHIN_FIT, "inputs": ("Nbar", "D")}),
    Form("lr_anneal", "Loss curve under an LR schedule L(s) = L0 + A S1^-alpha - C S2", "curve",
         ("L0", "A", "alpha", "C"), r"L(s)=L_0+A\,S_1^{-\alpha}-C\,S_2",
         "Tissue et al. 2024 (arXiv 2408.11029), abstract", fn=lr_anneal_loss,
         inputs=("S1", "S2"), theta_names=("log L0", "log A", "alpha", "log C"),
         grid=((np.log(1.0), np.log(2.0), np.log(3.0)), (np.log(0.3), np.log(1.0), np.log(3.0)),
               (0.2, 0.5, 1.0), tuple(np.log([1e-3, 1e-2, 1e-1, 1.0, 10.0]))),
         bounds=((np.log(1e-3), np.log(50.0)), (np.log(1e-6), np.log(1e4)), (1e-3, 5.0), (np.log(1e-8), np.log(1e4))),
         pred=_lr_anneal, to_params=_lr_anneal_params, analytic_jac=False, allow_zero=("S2",)),
    Form("reference", "Published law (form and coefficients for reference; not evaluated here)", "reference", (),
         "", ""),
)}

FIT_FORMS = {k: f for k, f in FORMS.items() if f.fittable}
