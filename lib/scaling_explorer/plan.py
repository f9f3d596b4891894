"""The planning core: (law, budget, unique data, inference demand, fixed size, hardware) → a Plan
with every number, every note and warning, and its export. Pure: no Streamlit, no Plotly.
Every page and export reads a Plan; nothing else assembles one.

Rules a plan keeps (each tested over every stored law that allocates):
- it spends exactly its budget under the law's own compute convention (6·N·D = C);
- a data limit U applies to every law: its own repetition term, or Muennighoff et al.'s
  effective data for laws without one, said in the notes; U is never ignored;
- every part of it (compute-optimal, data-limited, inference-aware, fixed-size) says when it
  needs more than 4 epochs or more repetitions than R_D*, when N, D, C or tokens per parameter
  leave the range the law was fitted on, and when an optimum sits on a search bound;
- a frontier the paper does not state (minimised here from its L(N, D)) is labelled derived.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.optimize import brentq

from . import allocation, conventions
from .forms import FLOPS_PER_PARAM_TOKEN
from .laws import FRESH_EPOCHS, PARAM_COUNTS, REPEAT_SOURCE, Law, evaluate_loss
from .units import fmt_sci, human

BUDGET_RTOL = 1e-9


@dataclass(frozen=True)
class Hardware:
    name: str
    gpus: int
    peak_flops: float          # per accelerator, FLOP/s (dense BF16)
    mfu: float
    usd_per_gpu_hour: float


@dataclass(frozen=True)
class Note:
    level: str                 # "info" | "warning"
    topic: str                 # "law" | "optimum" | "data" | "inference" | "fixed" | "cost"
    text: str


@dataclass(frozen=True)
class Plan:
    law: Law
    C: float
    U: float
    inference_tokens: float
    fixed_N: float | None
    hardware: Hardware | None
    N: float
    D: float
    loss: float
    tokens_per_param: float
    epochs: float
    effective_tokens: float
    C_spent: float
    data: dict | None = None
    inference: dict | None = None
    fixed: dict | None = None
    cost: dict | None = None
    inference_cost: dict | None = None
    notes: tuple[Note, ...] = field(default=())

    def notes_for(self, topic: str) -> list[Note]:
        return [n for n in self.notes if n.topic == topic]

    @property
    def warnings(self) -> list[Note]:
        return [n for n in self.notes if n.level == "warning"]

    def to_dict(self) -> dict:
        """The plan as plain JSON-ready data (the JSON export)."""
        law = self.law

        def num(x):
            return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x
        out = {
            "law": {"slug": law.slug, "name": law.name, "citation": law.citation, "locator": law.locator,
                    "verified": law.verified, "parameters_counted": PARAM_COUNTS.get(law.params_counted, ""),
                    "compute_convention": law.compute_convention, "frontier": law.frontier or "as published"},
            "inputs": {"C_flops": self.C, "unique_tokens": num(self.U), "inference_tokens": self.inference_tokens,
                       "fixed_N": self.fixed_N, "hardware": asdict(self.hardware) if self.hardware else None},
            "compute_optimal": {"N": num(self.N), "D": num(self.D), "loss": num(self.loss),
                                "tokens_per_param": num(self.tokens_per_param), "epochs": num(self.epochs),
                                "effective_tokens": num(self.effective_tokens), "C_spent": num(self.C_spent)},
            "data_limited": self.data, "inference_aware": self.inference, "fixed_size": self.fixed,
            "cost": self.cost, "inference_cost": self.inference_cost,
            "notes": [asdict(n) for n in self.notes],
        }
        return _jsonable(out)


def _jsonable(x):
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


# ---- notes ------------------------------------------------------------------------------------

def domain_notes(law: Law, topic: str, C: float | None = None, N: float | None = None,
                 D: float | None = None) -> list[Note]:
    """Notes when C, N, D or tokens per parameter lie outside the ranges the law was fitted on
    (where the paper states them)."""
    notes = []
    checks = [(C, law.c_range, "C", " FLOPs", fmt_sci), (N, law.n_range, "N", " parameters", human),
              (D, law.d_range, "D", " tokens", human)]
    if N and D and len(law.n_range) == 2 and len(law.d_range) == 2:
        checks.append((D / N, (law.d_range[0] / law.n_range[1], law.d_range[1] / law.n_range[0]),
                       "tokens per parameter", "", lambda v: f"{v:.3g}"))
    for value, rng, what, unit, fmt in checks:
        if value is None or len(rng) != 2 or not math.isfinite(value) or rng[0] <= value <= rng[1]:
            continue
        lo, hi = rng
        factor = value / hi if value > hi else lo / value
        side = "above" if value > hi else "below"
        notes.append(Note("warning", topic, f"Extrapolation: {what} = {fmt(value)}{unit} is {fmt_sci(factor, 2)}× "
                                            f"{side} the {fmt(lo)}–{fmt(hi)}{unit} {law.name} was fitted on."))
    return notes


def epoch_notes(law: Law, topic: str, D: float, U: float) -> list[Note]:
    """Muennighoff et al. 2023: 'up to 4 epochs ... almost as good as new data' (abstract); beyond
    R_D* repetitions (15.4 for their C4 fit) repeated tokens are worth little."""
    if not (math.isfinite(U) and math.isfinite(D)) or D <= FRESH_EPOCHS * U:
        return []
    epochs = D / U
    r_star = law.repetition_r_d_star
    if epochs - 1.0 > r_star:
        return [Note("warning", topic, f"{human(D)} tokens are {epochs:.1f} epochs over the {human(U)} unique "
                                       f"tokens: far too few unique tokens, beyond R_D* ≈ {r_star:.1f} repetitions, "
                                       "after which repeated data is worth little (Muennighoff et al. 2023). More "
                                       "unique data would help more than more compute.")]
    return [Note("warning", topic, f"{human(D)} tokens are {epochs:.1f} epochs over the {human(U)} unique tokens: "
                                   "more than the 4 epochs that are 'almost as good as new data' (Muennighoff et "
                                   "al. 2023); the loss counts repeated tokens at their reduced worth.")]


def law_notes(law: Law, C: float) -> list[Note]:
    notes = []
    if law.fitted_on:                   # a user's fit: what it was fitted on, not a missing paper check
        notes.append(Note("info", "law", f"{law.name}: fitted here to your runs ({law.fitted_on}), not a "
                                         "published law."))
    elif not law.verified:
        notes.append(Note("warning", "law", f"{law.name}: coefficients not verified against the paper text "
                                            f"({law.check[:160]})." if law.check else
                          f"{law.name}: coefficients not verified against the paper text."))
    for flag in law.fit_flags:          # a fit the Fit page flags: a plan on it says so
        notes.append(Note("warning", "law", f"The fit behind {law.name} is unreliable: {flag}"
                                            + ("" if flag.endswith(".") else ".")))
    if law.frontier == "derived":
        notes.append(Note("info", "law", f"Derived frontier: {law.name} states L(N, D); its compute-optimal "
                                         "N* and D* are found here by minimising it along C = 6ND, not taken "
                                         "from the paper."))
    gap = allocation.published_rule_gap(law, C)
    if gap is not None and abs(float(gap) - 1.0) > 1e-6:
        kept, other = ("D*(C)", "N*(C)") if law.allocate_from == "D" else ("N*(C)", "D*(C)")
        notes.append(Note("warning", "law", f"The paper's {kept} and {other} together spend {float(gap):.4g}× the "
                                            f"budget (6·N*·D* ≠ C). The plan keeps {kept} and sets the other "
                                            "from the budget, so it spends exactly C."))
    return notes


# ---- the plan ---------------------------------------------------------------------------------

def plan(law: Law, C: float, U: float = math.inf, inference_tokens: float = 0.0, fixed_N: float | None = None,
         hardware: Hardware | None = None) -> Plan:
    """Every answer the planner gives for one law and one budget."""
    if not law.has_allocation:
        raise ValueError(f"{law.name} has no compute-optimal allocation: it cannot plan a budget")
    if not (C > 0 and math.isfinite(C)):
        raise ValueError("the compute budget must be a positive number of FLOPs")
    if not U > 0:
        raise ValueError("unique tokens must be positive (or unlimited)")
    notes = law_notes(law, C)
    opt = allocation.compute_optimal(law, C, U)
    N, D, loss = float(opt["N"][0]), float(opt["D"][0]), float(opt["loss"][0])
    spent = FLOPS_PER_PARAM_TOKEN * N * D
    if not abs(spent / C - 1.0) <= BUDGET_RTOL:
        raise AssertionError(f"{law.slug}: plan spends {spent / C:.12g}× its budget")
    if bool(opt["on_bound"][0]):
        notes.append(Note("warning", "optimum", "The optimum sits on the edge of the search range "
                                                f"(N* = {human(N)}): the law has no interior optimum here."))
    notes += domain_notes(law, "optimum", C=C, N=N, D=D)
    eff = D
    data = None
    if math.isfinite(U):
        if law.has_loss_nd:
            data = allocation.data_constrained_plan(law, C, U)
            eff = data["effective_tokens"]
            how = ("the law's own repetition terms (R_D*, R_N*)" if law.own_repetition else
                   f"effective data D′ ({REPEAT_SOURCE}), since this law has no repetition term of its own")
            notes.append(Note("info", "data", f"Unique data {human(U)} tokens is applied through {how}."))
        elif D > U:
            notes.append(Note("warning", "data", f"{law.name} publishes an allocation rule but no loss function, "
                                                 f"so it cannot trade model size against repeated data: its D* "
                                                 f"= {human(D)} tokens repeats the {human(U)} unique tokens "
                                                 f"{D / U:.1f} times."))
        notes += epoch_notes(law, "data", D, U)
    inference = None
    if inference_tokens > 0 and law.has_loss_nd:
        try:
            ia = allocation.inference_aware_plan(law, C, inference_tokens, U)
        except ValueError as e:
            notes.append(Note("warning", "inference", f"No inference-aware optimum: {e}."))
        else:
            inference = ia
            a = ia["inference_aware"]
            if a["on_bound"]:
                notes.append(Note("warning", "inference", "The inference-aware optimum sits on the edge of the "
                                                          f"search range (N = {human(a['N'])})."))
            notes += epoch_notes(law, "inference", a["D"], U)
            notes += domain_notes(law, "inference", N=a["N"], D=a["D"], C=a["train_flops"])
    elif inference_tokens > 0:
        notes.append(Note("info", "inference", "This law publishes an allocation rule but no loss function: the "
                                               "inference-aware optimum needs L(N, D)."))
    fixed = None
    if fixed_N is not None and law.has_loss_nd:
        fixed = allocation.fixed_size_plan(law, fixed_N, C, U)
        notes += epoch_notes(law, "fixed", fixed["D"], U)
        notes += domain_notes(law, "fixed", N=fixed_N, D=fixed["D"])
    elif fixed_N is not None:
        notes.append(Note("info", "fixed", "This law has no loss function, so a fixed size cannot be evaluated."))
    cost = inf_cost = None
    if hardware is not None:
        try:
            cost = allocation.training_time_cost(C, hardware.gpus, hardware.peak_flops, hardware.mfu,
                                                 hardware.usd_per_gpu_hour)
            if inference_tokens:
                inf_cost = allocation.training_time_cost(2.0 * N * inference_tokens, hardware.gpus,
                                                         hardware.peak_flops, hardware.mfu, hardware.usd_per_gpu_hour)
        except ValueError as e:
            notes.append(Note("warning", "cost", f"Cannot compute time and cost: {e}"))
    return Plan(law=law, C=C, U=U, inference_tokens=inference_tokens, fixed_N=fixed_N, hardware=hardware, N=N, D=D,
                loss=loss, tokens_per_param=D / N, epochs=D / U, effective_tokens=eff, C_spent=spent, data=data,
                inference=inference, fixed=fixed, cost=cost, inference_cost=inf_cost, notes=tuple(notes))


# ---- laws side by side in one convention ---------------------------------------------------------

def _converted_optimum(law: Law, C: float, U: float, conv) -> tuple[float, float, float, float]:
    """(N in the target convention, D, loss, C_law): the law's plan at the own-convention budget C_law
    whose converted compute 6·N_target·D equals C exactly."""
    def to_target(n) -> float:
        return float(np.ravel(conv(n))[0])

    def spent_ratio(log_c):
        o = allocation.compute_optimal(law, math.exp(log_c), U)
        return to_target(o["N"][0]) / float(o["N"][0])
    g = lambda lc: lc + math.log(spent_ratio(lc)) - math.log(C)   # noqa: E731
    lc = math.log(C)
    if g(lc) != 0.0:
        lc = brentq(g, math.log(C) - 14.0, math.log(C) + 14.0, xtol=1e-14, rtol=1e-15)
    o = allocation.compute_optimal(law, math.exp(lc), U)
    return to_target(o["N"][0]), float(o["D"][0]), float(o["loss"][0]), math.exp(lc)


def compare(laws: list[Law], C: float, U: float = math.inf, convention: str = "published") -> list[dict]:
    """One row per law at budget C, all in the chosen parameter convention where a named
    conversion reaches it; each row says which convention it is in and how it got there."""
    rows = []
    for law in laws:
        conv = conventions.converter(law.params_counted, convention)
        own = PARAM_COUNTS.get(law.params_counted, "not stated")
        if conv is None:
            N_law, D, loss, c_law = _converted_optimum(law, C, U, lambda n: n)
            shown, how = N_law, f"not converted: {own}"
        else:
            shown, D, loss, c_law = _converted_optimum(law, C, U, conv[0])
            # the short name of the conversion in the row; its formula and source in the caption (CHOICES, PEARCE_SONG)
            how = own if not conv[1] else f"{own} → {conventions.CHOICES[convention].split(',')[0]} " \
                                          f"({conv[1].split(',')[0]})"
        tag = " (derived)" if law.frontier == "derived" else ""
        if law.frontier != "derived" and law.form == "allocation_power" and law.p["k_D"] > 0:
            tag = f" ({'D' if law.allocate_from == 'D' else 'N'}* rule; other from budget)"
        rows.append({"law": law.name + tag, "N*": shown, "D*": D, "D*/N*": D / shown, "loss": loss,
                     "C spent": FLOPS_PER_PARAM_TOKEN * shown * D, "convention": how, "paper": law.citation,
                     "locator": law.locator, "slug": law.slug, "verified": law.verified})
    return rows


def frontier(law: Law, C, U: float = math.inf) -> dict:
    """The compute-optimal frontier over budgets C, with its legend label naming the law's
    convention and whether the frontier is derived here."""
    out = allocation.compute_optimal(law, C, U)
    own = PARAM_COUNTS.get(law.params_counted, "")
    out["label"] = law.name + (" (derived frontier)" if law.frontier == "derived" else "") + \
        (f" [{own}]" if law.params_counted not in ("", "total") else "")
    return out


def fixed_size_curve(law: Law, N: float, D: float, U: float = math.inf, n: int = 80) -> dict:
    """Loss vs training tokens for a model of fixed size N, from D/100 to 10·D (the fixed-size view)."""
    tokens = np.logspace(math.log10(D) - 2, math.log10(D) + 1, n)
    return {"x": tokens, "y": evaluate_loss(law, N, tokens, U)}


def frontier_rows(laws: list[Law], C: float) -> list[dict]:
    """One row per law at budget C for the published-laws table: the numbers first, then the
    law's conventions and provenance. Laws without an allocation show their loss only."""
    rows = []
    for law in laws:
        fr = frontier(law, np.array([C]))
        rows.append({"law": fr["label"], "N*": float(fr["N"][0]), "D*": float(fr["D"][0]),
                     "D*/N*": float(fr["tokens_per_param"][0]), "loss (nats/token)": float(fr["loss"][0]),
                     "C (FLOPs)": C, "parameters": PARAM_COUNTS.get(law.params_counted, "") if law.has_allocation
                     else law.param_convention, "paper": law.citation, "locator": law.locator,
                     "verified": "yes" if law.verified else "UNVERIFIED"})
    return rows
