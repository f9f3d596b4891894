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
COMPUTE_UNITS = {"FLOP": 1.0, "PF-day": PF_DAY_FLOPS}


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
    #            "hyper" (hyperparameters vs C), "moe" (L(N, D, G)), "reference" (stored, not evaluated)
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
    """A single-variable law L(x); x in FLOPs for compute laws (converted to the law's unit)."""
    if law.kind != "loss_1d":
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
