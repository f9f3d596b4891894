"""From a plan to a run you can launch: model shape, batch size, learning rate, steps and
schedule, and the loss the law predicts for that exact configuration. Pure: no Streamlit, no Plotly.

    >>> from scaling_explorer import published_laws
    >>> from scaling_explorer.plan import plan
    >>> from scaling_explorer.runconfig import run_config
    >>> laws = published_laws()
    >>> p = plan(laws["hoffmann2022-eq10-unrounded"], 1e22)
    >>> rc = run_config(p, laws["deepseek2024-lr-batch"], seq_len=4096, schedule="cosine")
    >>> rc.shape.n_layers, rc.shape.d_model, rc.shape.n_heads
    (79, 2560, 20)
    >>> abs(rc.params["law_N"] / p.N - 1) < 0.05, rc.steps > 0
    (True, True)

Sources (each checked against the paper text unless marked UNVERIFIED):
- Kaplan et al. 2020 (arXiv 2001.08361), §2.1 Table 1 and §3.1: non-embedding parameters
  N = 2·d_model·n_layer·(2·d_attn + d_ff) ≈ 12·n_layer·d_model² with d_attn = d_model and
  d_ff = 4·d_model ("keeping N ≈ 12 n_layer d_model² fixed", §3.1; checked in an ar5iv copy of the
  paper, GitHub-index file id 1235014635). Fig. 5 caption: "Aspect ratio in particular can vary by a
  factor of 40 while only slightly impacting performance; an (n_layer, d_model) = (6, 4288) reaches a
  loss within 3% of the (48, 1600) model". A "d_model/n_layer ≈ 40–100 sweet spot" is NOT in that
  text: it is UNVERIFIED and not used.
- Hoffmann et al. 2022, Table A9 (model shapes, 44M–16B): read only in a transcript inside a public
  repository's source (GitHub-index file id 52735225067), not in the paper: UNVERIFIED. Used for
  d_model/n_layer and head size only; its parameter counts are not used (they are ambiguous).
- DeepSeek LLM (Bi et al. 2024) §3.1 Eq. (1): eta_opt = 0.3118·C^-0.1250, B_opt = 0.2920·C^0.3271
  with C = M·D and §3.2 M = 72·n_layer·d_model² + 12·n_layer·d_model·l_seq (stored law
  deepseek2024-lr-batch; M checked in tests/test_worked_examples.py against DeepSeek Table 3).
- Step Law (Li et al. 2025): ln eta = 0.5863 − 0.7129 ln N + 0.3075 ln D, B = e^-0.5435·D^0.5709
  tokens, N non-embedding (stored laws li2025-steplaw-lr, li2025-steplaw-batchsize-tool).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from .laws import PARAM_COUNTS, Law, evaluate_loss
from .plan import Note, Plan, _jsonable, domain_notes
from .schedules import SCHEDULES, lr_schedule
from .units import fmt_sci, human

# Kaplan et al. 2020 Fig. 5 caption (checked, see the module notes): the GPT-2 reference shape.
KAPLAN_REFERENCE_SHAPE = (48, 1600)          # (n_layer, d_model)
# Hoffmann et al. 2022 Table A9 (d_model, kv_size, n_heads, n_layers), transcript: UNVERIFIED.
HOFFMANN_A9 = (
    (512, 64, 8, 8), (576, 64, 9, 9), (640, 64, 10, 10), (640, 64, 10, 13), (640, 64, 10, 16),
    (768, 64, 12, 12), (768, 64, 12, 15), (768, 64, 12, 18), (896, 64, 14, 14), (896, 64, 14, 16),
    (896, 64, 14, 18), (1024, 64, 16, 16), (1024, 64, 16, 18), (1024, 64, 16, 20), (1280, 128, 10, 18),
    (1280, 128, 10, 21), (1408, 128, 11, 18), (1280, 128, 10, 24), (1408, 128, 11, 21), (1536, 128, 12, 19),
    (1408, 128, 11, 24), (1536, 128, 12, 22), (1536, 128, 12, 25), (1792, 128, 14, 20), (1792, 128, 14, 23),
    (1792, 128, 14, 26), (2048, 128, 16, 22), (2176, 128, 17, 22), (2048, 128, 16, 25), (2048, 128, 16, 28),
    (2176, 128, 17, 25), (2304, 128, 18, 24), (2176, 128, 17, 28), (2304, 128, 18, 28), (2304, 128, 18, 32),
    (2560, 128, 20, 26), (2560, 128, 20, 30), (2560, 128, 20, 34), (2688, 128, 22, 36), (2816, 128, 22, 36),
    (2944, 128, 22, 36), (3072, 128, 24, 36), (3584, 128, 28, 40), (4096, 128, 32, 42), (4352, 128, 32, 47),
    (4608, 128, 36, 44), (4608, 128, 32, 47), (4864, 128, 32, 47), (4992, 128, 32, 49), (5120, 128, 40, 47),
)
SHAPE_RULES = {
    "kaplan": "fixed aspect ratio d_model/n_layer = 1600/48 ≈ 33.3, the (48, 1600) reference model of Kaplan et "
              "al. 2020 Fig. 5 (loss within a few % for aspect ratios over a factor of 40; checked); head size 64 "
              "below d_model 1280, 128 from there (Hoffmann Table A9 transcript, UNVERIFIED)",
    "hoffmann-a9": "d_model/n_layer and head size of the Hoffmann et al. 2022 Table A9 shape nearest in 12·n_layer·"
                   "d_model² (UNVERIFIED: Table A9 read in a transcript, not the paper); beyond its 44M–16B range "
                   "the end row's aspect ratio is kept",
}
HYPER_LAWS = {"deepseek2024-lr-batch": "DeepSeek LLM Eq. (1): η, B from C = M·D",
              "li2025-steplaw": "Step Law: η(N, D), B(D) (authors' released fit)"}
MLP_RATIO = 4.0               # d_ff = 4·d_model (Kaplan et al. 2020 §2.1; Hoffmann Table A9 transcript: ffw = 4·d)
# Step Law's fitted grid as stored in data/laws.toml (domain of li2025-steplaw-lr: "grid points e.g.
# 214M-1.07B params, 4B-100B tokens in the tool's heatmap list"); the paper's own ranges were not read.
STEPLAW_GRID = {"N": (2.14e8, 1.07e9), "D": (4e9, 1e11)}
VOCAB_DEFAULT = 32_000        # Hoffmann et al. 2022 §4.1: SentencePiece, 32,000 tokens — UNVERIFIED here (not read)


@dataclass(frozen=True)
class Shape:
    n_layers: int
    d_model: int
    n_heads: int
    head_dim: int
    d_ff: int
    vocab: int
    tied_embeddings: bool = False


def param_count(s: Shape) -> dict:
    """Exact parameter count of a decoder-only transformer with this shape.
    Per layer: attention Q, K, V, O 4·d² (Kaplan Table 1 with d_attn = d_model), MLP 2·d·d_ff
    (two matrices, Kaplan Table 1), two norm gains 2·d (RMSNorm-style, no biases: stated
    convention here); one final norm gain d. Embeddings: vocab·d input, plus vocab·d output
    unless tied. Position embeddings: none (rotary). Non-embedding = all but the embeddings."""
    d, L = s.d_model, s.n_layers
    attention, mlp, norms = 4 * d * d, 2 * d * s.d_ff, 2 * d
    non_embedding = L * (attention + mlp + norms) + d
    embedding = s.vocab * d * (1 if s.tied_embeddings else 2)
    return {"attention_per_layer": attention, "mlp_per_layer": mlp, "norms_per_layer": norms,
            "final_norm": d, "non_embedding": non_embedding, "embedding": embedding,
            "total": non_embedding + embedding, "kaplan_12Ld2": 12 * L * d * d}


def in_law_convention(counts: dict, law: Law) -> tuple[float, str]:
    """The config's N in the law's own parameter convention, and a note when it is a guess."""
    if law.params_counted == "non-embedding":
        return float(counts["non_embedding"]), ""
    if law.params_counted == "total":
        return float(counts["total"]), ""
    return float(counts["total"]), (f"{law.name} counts {PARAM_COUNTS.get(law.params_counted, 'parameters')}: "
                                    "the config is compared in total parameters.")


def _aspect_and_head(rule: str, n_nonemb: float) -> tuple[float, int]:
    if rule == "kaplan":
        L0, d0 = KAPLAN_REFERENCE_SHAPE
        r = d0 / L0
        d_guess = (n_nonemb * r / 12.0) ** (1 / 3)
        return r, (64 if d_guess < 1280 else 128)
    if rule == "hoffmann-a9":
        rows = np.array(HOFFMANN_A9, dtype=float)
        n12 = 12 * rows[:, 3] * rows[:, 0] ** 2
        i = int(np.argmin(np.abs(np.log(n12) - math.log(n_nonemb))))
        return rows[i, 0] / rows[i, 3], int(rows[i, 1])
    raise ValueError(f"unknown shape rule {rule!r}; choose one of {', '.join(SHAPE_RULES)}")


def propose_shape(N_target: float, law: Law, rule: str = "kaplan", vocab: int = VOCAB_DEFAULT,
                  tied_embeddings: bool = False) -> Shape:
    """Integer n_layers and d_model (a multiple of the head size) whose parameter count, in the
    law's own convention, is nearest N_target, at the rule's aspect ratio."""
    if not (N_target > 0 and math.isfinite(N_target)):
        raise ValueError("the target parameter count must be positive and finite")
    total_conv = law.params_counted not in ("non-embedding",)
    emb_per_d = vocab * (1 if tied_embeddings else 2)
    # the non-embedding share of N_target (three fixed-point passes when the law counts embeddings)
    n_ne = N_target
    for _ in range(3):
        r, head = _aspect_and_head(rule, n_ne)
        d = (n_ne * r / 12.0) ** (1 / 3)          # 12·n_layer·d² = n_ne with n_layer = d / r
        if total_conv:
            n_ne = max(N_target - emb_per_d * d, N_target * 0.02)
    best = None
    L_c = max(1, round(d / r))
    for L in range(max(1, L_c - 3), L_c + 4):
        # d from the exact count at this depth: a·d² + b·d = target (a, b from param_count)
        a = L * (4 + 2 * MLP_RATIO)
        b = 2 * L + 1 + (emb_per_d if total_conv else 0)
        d_exact = (-b + math.sqrt(b * b + 4 * a * N_target)) / (2 * a)
        for k in (math.floor(d_exact / head), math.ceil(d_exact / head)):
            if k < 1:
                continue
            dm = k * head
            s = Shape(L, dm, dm // head, head, int(MLP_RATIO * dm), vocab, tied_embeddings)
            n = in_law_convention(param_count(s), law)[0]
            score = abs(math.log(n / N_target)) + 0.05 * abs(math.log((dm / L) / r))
            if best is None or score < best[0]:
                best = (score, s)
    return best[1]


def deepseek_M(s: Shape, seq_len: int) -> float:
    """DeepSeek LLM §3.2: non-embedding FLOPs per token M = 72·n_layer·d² + 12·n_layer·d·l_seq
    (the 72 is 6 × 12 d² per layer; with d_ff = 4d our per-layer 4d² + 8d² is the same 12 d²)."""
    return 72.0 * s.n_layers * s.d_model ** 2 + 12.0 * s.n_layers * s.d_model * seq_len


def hyperparameters(hyper: dict[str, Law], s: Shape, N_nonemb: float, D: float, seq_len: int) -> dict:
    """Peak LR and global batch (tokens) from a stored hyperparameter law, with its convention
    and notes when the inputs leave the range it was fitted on."""
    notes = []
    if "deepseek2024-lr-batch" in hyper:
        law = hyper["deepseek2024-lr-batch"]
        p = law.p
        M = deepseek_M(s, seq_len)
        C = M * D
        lr, B = p["eta_coeff"] * C ** p["eta_exp"], p["B_coeff"] * C ** p["B_exp"]
        notes += domain_notes(law, "hyper", C=C)
        how = (f"{law.name} ({law.citation}, {law.locator}): C = M·D = {fmt_sci(M)} FLOPs/token × "
               f"{human(D)} tokens = {fmt_sci(C)} (M non-embedding, incl. attention; DeepSeek §3.2)")
        return {"law": law.slug, "lr": float(lr), "batch_tokens": float(B), "compute_MD": float(C), "M": float(M),
                "how": how, "notes": notes, "domain": ""}
    lr_law, bs_law = hyper["li2025-steplaw-lr"], hyper["li2025-steplaw-batchsize-tool"]
    q, r = lr_law.p, bs_law.p
    lr = math.exp(q["ln_coeff"]) * N_nonemb ** q["exp_N"] * D ** q["exp_D"]
    B = math.exp(r["ln_coeff"]) * N_nonemb ** r["exp_N"] * D ** r["exp_D"]
    notes += domain_notes(lr_law, "hyper", N=N_nonemb, D=D)
    lo_n, hi_n = STEPLAW_GRID["N"]
    lo_d, hi_d = STEPLAW_GRID["D"]
    if not (lo_n <= N_nonemb <= hi_n and lo_d <= D <= hi_d):
        notes.append(Note("warning", "hyper", f"Extrapolation: Step Law was fitted on dense models up to ~1B parameters; "
                                              f"its tool's grid spans {human(lo_n)}–{human(hi_n)} non-embedding parameters "
                                              f"and {human(lo_d)}–{human(hi_d)} tokens, and this config has "
                                              f"{human(N_nonemb)} and {human(D)}."))
    how = (f"{lr_law.name} and {bs_law.name} ({lr_law.citation}): N = {human(N_nonemb)} non-embedding "
           f"parameters, D = {human(D)} tokens; B in tokens")
    return {"law": "li2025-steplaw", "lr": float(lr), "batch_tokens": float(B), "how": how, "notes": notes,
            "domain": ""}


@dataclass(frozen=True)
class RunConfig:
    shape: Shape
    shape_rule: str
    seq_len: int
    params: dict
    N_star: float
    batch_sequences: int
    batch_tokens: int
    lr: float
    steps: int
    tokens: float
    warmup_steps: int
    decay_steps: int
    schedule: str
    final_lr_frac: float
    hyper: dict
    loss_config: float | None
    loss_star: float | None
    loss_cost: float | None
    compute: float
    law_slug: str
    notes: tuple[Note, ...] = field(default=())

    def to_dict(self) -> dict:
        out = asdict(self)
        out["notes"] = [asdict(n) for n in self.notes]
        out["hyper"] = {k: v for k, v in self.hyper.items() if k != "notes"}
        return _jsonable(out)


def run_config(p: Plan, hyper_law: Law | dict, seq_len: int = 4096, schedule: str = "cosine",
               rule: str = "kaplan", vocab: int = VOCAB_DEFAULT, warmup_frac: float = 0.01,
               final_frac: float = 0.1, decay_frac: float = 0.2, tied_embeddings: bool = False) -> RunConfig:
    """A concrete configuration for plan p: shape at N* (in the law's convention), global batch
    and peak LR from hyper_law (the DeepSeek law, or a dict {slug: Law} with both Step Law laws),
    steps = D / batch tokens at the same compute, warmup and decay for the schedule, and the
    law's loss for this exact N and D. warmup_frac, final_frac and decay_frac are settings, not
    published numbers (final_frac 0.1 and decay_frac 0.2 are schedules.lr_schedule's defaults)."""
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")
    if not 1 <= seq_len <= 10_000_000:
        raise ValueError("sequence length must be a positive number of tokens")
    law = p.law
    hyper = hyper_law if isinstance(hyper_law, dict) else {hyper_law.slug: hyper_law}
    shape = propose_shape(p.N, law, rule, vocab, tied_embeddings)
    counts = param_count(shape)
    N_cfg, conv_note = in_law_convention(counts, law)
    notes = [Note("info", "config", conv_note)] if conv_note else []
    counts = {**counts, "law_N": N_cfg, "law_convention": PARAM_COUNTS.get(law.params_counted, ""),
              "vs_N_star": N_cfg / p.N - 1.0}
    D_same = p.C / (6.0 * N_cfg)           # same budget in the law's own convention (6·N·D = C)
    hp = hyperparameters(hyper, shape, float(counts["non_embedding"]), D_same, seq_len)
    notes += hp["notes"]
    seqs = max(1, int(round(hp["batch_tokens"] / seq_len)))
    batch_tokens = seqs * seq_len
    steps = max(2, int(round(D_same / batch_tokens)))
    tokens = float(steps * batch_tokens)
    warm = min(steps - 1, int(round(warmup_frac * steps)))
    decay = {"constant": 0, "cosine": steps - warm, "wsd": int(round(decay_frac * steps))}[schedule]
    lr_schedule(schedule, min(steps, 1000), hp["lr"], min(warm, 999), final_frac, decay_frac)   # validates the settings
    if hp["batch_tokens"] < seq_len:
        notes.append(Note("warning", "config", f"The law's batch ({human(hp['batch_tokens'])} tokens) is shorter than "
                                               f"one sequence of {seq_len}: one sequence per step is used."))
    loss_cfg = loss_star = cost = None
    if law.has_loss_nd:
        loss_cfg = float(evaluate_loss(law, N_cfg, tokens, p.U))
        loss_star = float(p.loss)
        cost = loss_cfg - loss_star
        notes += domain_notes(law, "config", N=N_cfg, D=tokens)
    else:
        notes.append(Note("info", "config", f"{law.name} publishes an allocation rule but no loss function: the "
                                            "config's loss cannot be predicted."))
    return RunConfig(shape=shape, shape_rule=rule, seq_len=seq_len, params=counts, N_star=p.N,
                     batch_sequences=seqs, batch_tokens=batch_tokens, lr=hp["lr"], steps=steps, tokens=tokens,
                     warmup_steps=warm, decay_steps=decay, schedule=schedule, final_lr_frac=final_frac,
                     hyper={k: v for k, v in hp.items()}, loss_config=loss_cfg, loss_star=loss_star,
                     loss_cost=cost, compute=6.0 * N_cfg * tokens, law_slug=law.slug, notes=tuple(notes))


def config_text(rc: RunConfig, fmt: str = "yaml", memory: dict | None = None) -> str:
    """A ready-to-edit config block (YAML or TOML) to paste into a training framework's config."""
    s = rc.shape
    items = [("model", [("n_layers", s.n_layers), ("d_model", s.d_model), ("n_heads", s.n_heads),
                        ("head_dim", s.head_dim), ("d_ff", s.d_ff), ("vocab_size", s.vocab),
                        ("tie_embeddings", s.tied_embeddings), ("seq_len", rc.seq_len),
                        ("params_total", int(rc.params["total"])), ("params_non_embedding", int(rc.params["non_embedding"]))]),
             ("training", [("global_batch_sequences", rc.batch_sequences), ("global_batch_tokens", rc.batch_tokens),
                           ("train_steps", rc.steps), ("train_tokens", int(rc.tokens)), ("optimizer", "adamw"),
                           ("peak_lr", float(f"{rc.lr:.4g}")), ("lr_schedule", rc.schedule),
                           ("warmup_steps", rc.warmup_steps), ("decay_steps", rc.decay_steps),
                           ("min_lr_ratio", rc.final_lr_frac if rc.schedule != "constant" else 1.0)])]
    if memory:
        items.append(("parallelism", [(k, memory[k]) for k in ("sharding", "tensor_parallel", "pipeline_parallel",
                                                               "data_parallel", "micro_batch", "recompute",
                                                               "precision") if k in memory]))

    def val(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return f'"{v}"'
        return repr(v)
    head = f"# scaling_explorer run config for {rc.law_slug}; predicted loss " + \
           (f"{rc.loss_config:.4f}" if rc.loss_config is not None else "n/a") + f"; hyperparameters from {rc.hyper['law']}"
    lines = [head]
    for sect, kv in items:
        if fmt == "toml":
            lines.append(f"[{sect}]")
            lines += [f"{k} = {val(v)}" for k, v in kv]
        else:
            lines.append(f"{sect}:")
            lines += [f"  {k}: {val(v)}" for k, v in kv]
    return "\n".join(lines) + "\n"
