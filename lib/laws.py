"""Law forms as small pure NumPy functions, and the record of a stored law.

Symbols follow the papers inside formulas (N, D, C, U, E, A, B, alpha, beta); every
function takes arrays and returns arrays. Nothing here imports Streamlit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

PF_DAY_FLOPS = 8.64e19  # 1 PF-day = 1e15 FLOP/s * 86,400 s

# Compute units a law's own coefficients may be stated in, as FLOPs per unit.
COMPUTE_UNITS = {"FLOP": 1.0, "GFLOP": 1e9, "PF-day": PF_DAY_FLOPS}


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


def muennighoff_effective(N, D, U, a, b, e, alpha, beta, R_D_star, R_N_star):
    """Effective parameters N' and effective data D' (Muennighoff et al. 2023, Eqs. 5-6)."""
    N = np.asarray(N, dtype=float)
    D = np.asarray(D, dtype=float)
    U = np.minimum(np.asarray(U, dtype=float), D)
    A, B = np.exp(a), np.exp(b)
    G = ((alpha * A) / (beta * B)) ** (1.0 / (alpha + beta))
    R_D = np.maximum(D / U - 1.0, 0.0)
    U_N = np.minimum(N, (U * G) ** (beta / alpha) * G)
    R_N = np.maximum(N / U_N - 1.0, 0.0)
    N_eff = U_N + U_N * R_N_star * (1.0 - np.exp(-R_N / R_N_star))
    D_eff = U + U * R_D_star * (1.0 - np.exp(-R_D / R_D_star))
    return N_eff, D_eff


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


@dataclass(frozen=True)
class LawForm:
    slug: str
    title: str
    params: tuple[str, ...]
    latex: str
    kind: str  # "loss_nd" (L(N, D[, U])), "loss_1d" (L(x)), "allocation" (N*(C), D*(C)), "map" (Err(L)),
    #            "hyper" (hyperparameters vs C), "moe" (L(N, D, G)), "reference" (stored, not evaluated),
    #            "metric_1d" (a metric other than LM loss vs one variable, on the law's own units),
    #            "hyper_nd" (a hyperparameter vs N and D), "precision", "parallel"
    fn: Callable | None = None


FORMS: dict[str, LawForm] = {
    f.slug: f
    for f in (
        LawForm("chinchilla", "Chinchilla parametric loss", ("E", "A", "B", "alpha", "beta"),
                r"L(N,D)=E+\frac{A}{N^{\alpha}}+\frac{B}{D^{\beta}}", "loss_nd", chinchilla_loss),
        LawForm("kaplan_nd", "Kaplan L(N, D)", ("N_c", "D_c", "alpha_N", "alpha_D"),
                r"L(N,D)=\left[\left(\frac{N_c}{N}\right)^{\alpha_N/\alpha_D}+\frac{D_c}{D}\right]^{\alpha_D}",
                "loss_nd", kaplan_nd_loss),
        LawForm("muennighoff", "Data-constrained loss", ("a", "b", "e", "alpha", "beta", "R_D_star", "R_N_star"),
                r"L=E+\frac{A}{N'^{\alpha}}+\frac{B}{D'^{\beta}},\ D'=U+UR_D^*(1-e^{-R_D/R_D^*})",
                "loss_nd", muennighoff_loss),
        LawForm("gadre", "Over-training loss L(C, M)", ("E", "a", "b", "eta"),
                r"L(C,M)=E+\left(aM^{\eta}+bM^{-\eta}\right)C^{-\eta},\ M=D/N", "loss_nd", gadre_loss),
        LawForm("downstream", "Loss to downstream error", ("epsilon", "k", "gamma"),
                r"\mathrm{Err}(L)=\epsilon-k\,e^{-\gamma L}", "map", downstream_error),
        LawForm("power_law", "Power law L(x)", ("x_c", "alpha"),
                r"L(x)=\left(\frac{x_c}{x}\right)^{\alpha}", "loss_1d", power_law),
        LawForm("allocation_power", "Compute-optimal allocation", ("k_N", "a_N", "k_D", "a_D"),
                r"N^*=k_N C^{a_N},\ D^*=k_D C^{a_D}", "allocation", None),
        LawForm("power_offset", "Power law with irreducible loss L(x)", ("E", "x_0", "alpha"),
                r"L(x)=L_\infty+\left(\frac{x_0}{x}\right)^{\alpha}", "loss_1d", power_offset_loss),
        LawForm("allocation_c1", "Compute-optimal model size N*(C) = (C/C_1)^beta", ("C1", "beta"),
                r"N^*=\left(\frac{C}{C_1}\right)^{\beta},\ D^*=\frac{C}{6N^*}", "allocation", None),
        LawForm("tokens_power", "Compute-optimal tokens D*(C) = A C^alpha", ("A", "alpha"),
                r"D^*=A\,C^{\alpha},\ N^*=\frac{C}{6D^*}", "allocation", None),
        LawForm("hyper_c", "Optimal learning rate and batch size vs compute", ("eta_coeff", "eta_exp", "B_coeff", "B_exp"),
                r"\eta_{opt}=k_\eta C^{a_\eta},\ B_{opt}=k_B C^{a_B}", "hyper", None),
        LawForm("moe_granularity", "Fine-grained MoE loss L(N, D, G)", ("a", "alpha", "b", "beta", "g", "gamma", "c"),
                r"L(N,D,G)=c+\left(\frac{g}{G^{\gamma}}+a\right)\frac{1}{N^{\alpha}}+\frac{b}{D^{\beta}}", "moe",
                moe_granularity_loss),
        LawForm("power_log10norm", "Power law L(A) = (A/A_0)^(-B_0)", ("log10_A0", "B0"),
                r"L(A)=\left(\frac{A}{A_0}\right)^{-B_0}", "metric_1d", power_log10norm),
        LawForm("power_scaled", "Power law L = (beta X)^alpha", ("beta", "alpha"),
                r"L=(\beta X)^{\alpha}", "metric_1d", power_scaled),
        LawForm("power_coeff", "Power law y = k x^a", ("k", "a"), r"y=k\,x^{a}", "metric_1d", power_coeff),
        LawForm("precision", "Precision-aware loss L(N, D, P_w, P_a, P_kv)",
                ("A", "alpha", "B", "E", "gamma_w", "n_w", "gamma_i", "n_i", "gamma_kv", "n_kv"),
                r"L=A\,N_{\mathrm{eff}}^{-\alpha}+B\,D^{-\alpha}+E,\ N_{\mathrm{eff}}=N\prod_{x\in\{w,a,kv\}}"
                r"\left(1-e^{-P_x/\gamma_x+n_x}\right)", "precision", precision_loss),
        LawForm("parallel", "Parallel scaling L(N, P)", ("E", "A", "alpha", "k"),
                r"L(N,P)=E+\left(\frac{A\cdot 10^{9}}{N\,(k\ln P+1)}\right)^{\alpha}", "parallel", parallel_loss),
        LawForm("loglinear_nd", "Hyperparameter log-linear in N and D", ("ln_coeff", "exp_N", "exp_D"),
                r"\ln y=c+a\ln N+b\ln D", "hyper_nd", loglinear_nd),
        LawForm("reference", "Published law (form and coefficients for reference; not evaluated here)", (),
                "", "reference", None),
    )
}


@dataclass(frozen=True)
class Law:
    """One published (or fitted) law: a form, its coefficients and their provenance."""

    slug: str
    name: str
    form: str
    params: tuple[tuple[str, float], ...]
    source_id: str = ""
    citation: str = ""
    locator: str = ""
    variable: str = ""            # for loss_1d: "N", "D" or "C"
    compute_unit: str = "FLOP"    # unit the coefficients take C in
    model_scale: str = "N"        # "N" (parameters) or "M" (non-embedding FLOPs per token)
    param_convention: str = "total"
    compute_convention: str = "C = 6ND"
    dataset: str = ""
    verified: bool = True
    notes: str = ""
    family: str = ""
    latex: str = ""
    c_range: tuple[float, ...] = ()     # compute (FLOPs) the law was fitted on, where known
    n_range: tuple[float, ...] = ()     # parameters the law was fitted on, where known
    d_range: tuple[float, ...] = ()     # training tokens the law was fitted on, where known
    x_range: tuple[float, ...] = ()     # a single-variable law's x (in its own unit), where known
    metric: str = ""                    # what a metric_1d law predicts (name and unit), e.g. "TIFA score"
    x_unit: str = ""                    # the unit its x is stated in, e.g. "data points", "billion parameters"

    @property
    def p(self) -> dict[str, float]:
        return dict(self.params)

    @property
    def kind(self) -> str:
        return FORMS[self.form].kind

    @property
    def has_loss_nd(self) -> bool:
        return self.kind == "loss_nd"

    @property
    def has_allocation(self) -> bool:
        return self.kind in ("loss_nd", "allocation")

    @property
    def label(self) -> str:
        return f"{self.name} — {self.citation}" if self.citation else self.name


def evaluate_loss(law: Law, N, D, U=np.inf):
    """Predicted loss of an L(N, D[, U]) law. U (unique tokens) matters only to data-constrained forms."""
    if law.form == "muennighoff":
        return muennighoff_loss(N, D, U, **law.p)
    if law.kind != "loss_nd":
        raise ValueError(f"law {law.slug!r} ({law.form}) has no L(N, D)")
    return FORMS[law.form].fn(N, D, **law.p)


def evaluate_1d(law: Law, x_flops_or_count):
    """A single-variable law L(x); x in FLOPs for compute laws (converted to the law's unit),
    otherwise in the law's own unit (x_unit)."""
    if law.kind not in ("loss_1d", "metric_1d"):
        raise ValueError(f"law {law.slug!r} is not a single-variable law")
    x = np.asarray(x_flops_or_count, dtype=float)
    if law.variable == "C":
        x = x / COMPUTE_UNITS[law.compute_unit]
    return FORMS[law.form].fn(x, **law.p)


def make_law(slug: str, form: str, params: dict[str, float], **meta) -> Law:
    """Build a Law, checking that the parameters match the form's names exactly."""
    if form not in FORMS:
        raise ValueError(f"unknown law form {form!r}; known: {', '.join(FORMS)}")
    expected = tuple(params) if form == "reference" else FORMS[form].params
    if set(params) != set(expected):
        raise ValueError(f"law {slug!r}: form {form!r} takes {expected}, got {tuple(params)}")
    values = tuple((k, float(params[k])) for k in expected)
    for k, v in values:
        if not np.isfinite(v):
            raise ValueError(f"law {slug!r}: parameter {k} is not finite")
    return Law(slug=slug, name=meta.pop("name", slug), form=form, params=values, **meta)
