"""The record of a law: a form from the one registry (lib.forms), its coefficients, its
conventions and fitted domain as data, and its provenance. A law published in a paper and a
law fitted to a user's runs on the Fit page are both a `Law`, used the same way everywhere.
Nothing here imports Streamlit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .forms import FORMS, effective_data

PF_DAY_FLOPS = 8.64e19  # 1 PF-day = 1e15 FLOP/s * 86,400 s

# Compute units a law's own coefficients may be stated in, as FLOPs per unit.
COMPUTE_UNITS = {"FLOP": 1.0, "GFLOP": 1e9, "PF-day": PF_DAY_FLOPS}

# What a law's parameter count N counts (`params_counted`), and its compute formula (`flops`).
PARAM_COUNTS = {
    "total": "total parameters",
    "non-embedding": "non-embedding parameters",
    "active": "active parameters (mixture of experts)",
    "flops-per-token": "M, non-embedding FLOPs per token (N shown as M/6)",
    "": "parameter count not stated",
}
FLOP_FORMULAS = {"6ND": "C = 6·N·D", "MD": "C = M·D", "": "compute formula not stated"}

# Muennighoff et al. 2023, App. A: R_D* = 15.387756 (repeated data decays with this constant;
# 'up to 4 epochs ... almost as good as new data', abstract). Used for laws that have no
# repetition term of their own, so a data limit is never ignored.
REPEAT_R_D_STAR = 15.387756
REPEAT_SOURCE = "Muennighoff et al. 2023, Eq. (5) with R_D* = 15.39 (App. A)"
FRESH_EPOCHS = 4.0


@dataclass(frozen=True)
class Law:
    """One published (or fitted) law: a form, its coefficients, conventions, domain and provenance."""

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
    param_convention: str = "total"     # the paper's words
    compute_convention: str = "C = 6ND"  # the paper's words
    params_counted: str = ""      # a key of PARAM_COUNTS (data, not prose)
    flops: str = ""               # a key of FLOP_FORMULAS
    allocate_from: str = ""       # allocation laws printing both N*(C) and D*(C): which rule is kept
    frontier: str = ""            # "derived" when the paper states L(N, D) but not its frontier
    dataset: str = ""
    verified: bool = True
    check: str = ""
    example: str = ""             # the worked-example test that reproduces the paper, or why none
    notes: str = ""
    family: str = ""
    latex: str = ""
    c_range: tuple[float, ...] = ()     # compute (FLOPs) the law was fitted on, where known
    n_range: tuple[float, ...] = ()     # parameters the law was fitted on, where known
    d_range: tuple[float, ...] = ()     # training tokens the law was fitted on, where known
    x_range: tuple[float, ...] = ()     # a single-variable law's x (in its own unit), where known
    metric: str = ""                    # what a metric_1d law predicts (name and unit), e.g. "TIFA score"
    x_unit: str = ""                    # the unit its x is stated in, e.g. "data points", "billion parameters"
    fitted_on: str = ""                 # for a law fitted here: the dataset id and fit settings
    fit_flags: tuple[str, ...] = ()     # for a law fitted here: why the Fit page calls the fit unreliable

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
        return FORMS[self.form].allocates

    @property
    def own_repetition(self) -> bool:
        """True when the law models repeated data itself (the data-constrained form)."""
        return self.form == "muennighoff"

    @property
    def repetition_r_d_star(self) -> float:
        return self.p["R_D_star"] if self.own_repetition else REPEAT_R_D_STAR

    @property
    def label(self) -> str:
        return f"{self.name} — {self.citation}" if self.citation else self.name

    @property
    def convention(self) -> str:
        """Short name of the law's conventions, for legends and table cells."""
        return f"{PARAM_COUNTS.get(self.params_counted, self.params_counted)}; " \
               f"{FLOP_FORMULAS.get(self.flops, self.flops)}"


def evaluate_loss(law: Law, N, D, U=math.inf):
    """Predicted loss of an L(N, D[, U]) law with U unique tokens. The data-constrained form models
    repetition itself; for every other form the training tokens D are replaced by the effective
    data D' of Muennighoff et al. 2023 (R_D* = 15.39) when D exceeds U, so U is never ignored."""
    if law.kind != "loss_nd":
        raise ValueError(f"law {law.slug!r} ({law.form}) has no L(N, D)")
    if law.own_repetition:
        return FORMS[law.form].fn(N, D, U, **law.p)
    if np.all(np.isinf(U)):
        return FORMS[law.form].fn(N, D, **law.p)
    return FORMS[law.form].fn(N, effective_data(D, U, REPEAT_R_D_STAR), **law.p)


def evaluate_1d(law: Law, x_flops_or_count):
    """A single-variable law L(x); x in FLOPs for compute laws (converted to the law's unit),
    otherwise in the law's own unit (x_unit)."""
    if law.kind not in ("loss_1d", "metric_1d"):
        raise ValueError(f"law {law.slug!r} is not a single-variable law")
    x = np.asarray(x_flops_or_count, dtype=float)
    if law.variable == "C":
        x = x / COMPUTE_UNITS[law.compute_unit]
    return FORMS[law.form].fn(x, **law.p)


def evaluate(law: Law, *inputs):
    """The law's own function at its inputs (for the family views: moe, precision, parallel, map,
    hyper_nd, curve and avg_param laws)."""
    fn = FORMS[law.form].fn
    if fn is None:
        raise ValueError(f"law {law.slug!r} ({law.form}) is not evaluated here")
    return fn(*inputs, **law.p)


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
            raise ValueError(f"law {slug!r}: parameter {k} is not finite ({v})")
    if meta.get("params_counted", "") not in PARAM_COUNTS:
        raise ValueError(f"law {slug!r}: params_counted must be one of {tuple(PARAM_COUNTS)}")
    if meta.get("flops", "") not in FLOP_FORMULAS:
        raise ValueError(f"law {slug!r}: flops must be one of {tuple(FLOP_FORMULAS)}")
    if "latex" not in meta or not meta["latex"]:
        meta["latex"] = FORMS[form].latex
    return Law(slug=slug, name=meta.pop("name", slug), form=form, params=values, **meta)


def from_fit(result, slug: str, name: str, dataset: str, c_range=(), n_range=(), d_range=(),
             params_counted: str = "", settings: str = "") -> Law:
    """A law fitted to a user's runs (a lib.fitting.FitResult), usable everywhere a published law
    is: the planner, the families, exports. Its provenance is the dataset and the fit settings."""
    form = FORMS[result.model]
    return make_law(slug, form.slug, result.p, name=name, citation="fit to your runs", locator=form.citation,
                    dataset=dataset, verified=False, check="fitted here, not published",
                    params_counted=params_counted, flops="6ND" if form.allocates else "",
                    c_range=tuple(c_range), n_range=tuple(n_range), d_range=tuple(d_range),
                    fitted_on=f"{dataset}; {settings}".strip("; "), fit_flags=fit_flags(result))


def fit_flags(result) -> tuple[str, ...]:
    """Why a fit is not reliable (lib.fitting.FitResult.reliable), in words: the planner says them."""
    return ((() if result.converged else ("the optimiser did not converge",))
            + ((f"parameters at their search bounds ({', '.join(result.at_bounds)})",) if result.at_bounds else ())
            + tuple(result.warnings))
