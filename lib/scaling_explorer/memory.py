"""Does it fit: memory per accelerator for weights, gradients, optimizer states and activations
under a sharding (none, ZeRO-1/2/3, FSDP), tensor / pipeline parallel degrees and precision;
the smallest GPU count that fits; wall-clock and cost at a stated MFU. Pure: no Streamlit.

    >>> from scaling_explorer.memory import model_state_bytes
    >>> round(model_state_bytes(7.5e9, 64, "zero3")["total"] / 1e9, 3)    # ZeRO paper Fig. 1
    1.875

Sources:
- Rajbhandari et al. 2020, "ZeRO: Memory Optimizations Toward Training Trillion Parameter
  Models" (arXiv 1910.02054), §3.1: "Mixed precision training of a model with Ψ parameters using
  Adam requires enough memory to hold an fp16 copy of the parameters and the gradients, with memory
  requirements of 2Ψ and 2Ψ bytes respectively. In addition, it needs to hold the optimizer states:
  an fp32 copy of the parameters, momentum and variance, with memory requirements of 4Ψ, 4Ψ, and 4Ψ
  bytes ... Mixed-precision Adam has K = 12. In total, this results in 2Ψ + 2Ψ + KΨ = 16Ψ bytes ...
  GPT-2 with 1.5 Billion parameters ... at least 24 GB ... the meager 3 GB ... fp16 parameters alone."
  Fig. 1 (caption: "Ψ = 7.5B and DP of N_d = 64 with K = 12"): baseline (2+2+K)Ψ = 120 GB,
  P_os 2Ψ+2Ψ+KΨ/N_d = 31.4 GB, P_os+g 2Ψ+(2+K)Ψ/N_d = 16.6 GB, P_os+g+p (2+2+K)Ψ/N_d = 1.9 GB.
  Read in verbatim quotations of §3.1 and of the Fig. 1 caption in public notes (GitHub-index file
  ids 5731283058, 36993033193, 66559404957); the PDF itself was not read here. PyTorch FSDP
  (full shard) partitions like ZeRO-3 (Zhao et al. 2023, named as such; not re-read here).
- Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models"
  (arXiv 2205.05198), §4 / Table 2, activation bytes per layer with 16-bit activations and 1-byte
  dropout masks: no parallelism sbh(34 + 5as/h) (Eq. 1); tensor parallel sbh(10 + 24/t + 5as/(ht))
  (Eq. 2); tensor + sequence parallel sbh/t·(34 + 5as/h) (Eq. 4); selective recomputation with
  sequence parallel 34·sbh/t (Eq. 6) and without sbh(10 + 24/t); full recomputation 2sbh. With
  pipeline parallelism (1F1B) the first stage holds L layers' worth in total, sbhL/t·(...) (Eq. 5).
  The abstract (checked, arXiv listing) says the method "reduces activation memory by 5x". The
  equations were read in detailed transcriptions of the paper (GitHub-index ids 55271916660,
  63347563950) and a lecture transcript quoting "Activations memory per layer = sbh(34 + 5as/h)",
  not in the PDF: UNVERIFIED against the paper text itself. The extra terms for embeddings and the
  output layer are left out (the paper calls them negligible, e.g. < 0.01% at 22B; same source).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .allocation import training_time_cost

GB = 1e9
# bytes per parameter (weights, gradients, optimizer states). "mixed" is the ZeRO paper's §3.1
# accounting (2 + 2 + K, K = 12). "fp32" is plain fp32 Adam: 4-byte weights, gradients and two
# 4-byte moments (arithmetic on 4-byte floats, not a published figure).
PRECISIONS = {"mixed": (2, 2, 12), "fp32": (4, 4, 8)}
PRECISION_LABELS = {"mixed": "bf16/fp16 mixed precision with fp32 master weights and Adam (16 B/param, ZeRO §3.1)",
                    "fp32": "fp32 weights, gradients and Adam moments (16 B/param)"}
SHARDINGS = ("none", "zero1", "zero2", "zero3", "fsdp")
RECOMPUTE = ("none", "selective", "full")


def model_state_bytes(psi: float, nd: int, sharding: str = "none", precision: str = "mixed") -> dict:
    """Weights, gradients and optimizer states per device for Ψ parameters (already divided by
    tensor/pipeline degrees) over nd data-parallel ranks (ZeRO §5 / Fig. 1)."""
    if sharding not in SHARDINGS:
        raise ValueError(f"unknown sharding {sharding!r}; choose one of {', '.join(SHARDINGS)}")
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    if nd < 1:
        raise ValueError("the data-parallel degree must be at least 1")
    w, g, k = PRECISIONS[precision]
    shard_w = sharding in ("zero3", "fsdp")
    shard_g = sharding in ("zero2", "zero3", "fsdp")
    shard_o = sharding != "none"
    out = {"weights": w * psi / (nd if shard_w else 1), "gradients": g * psi / (nd if shard_g else 1),
           "optimizer": k * psi / (nd if shard_o else 1)}
    out["total"] = out["weights"] + out["gradients"] + out["optimizer"]
    return out


def activation_bytes_per_layer(s: int, b: int, h: int, a: int, t: int = 1, sequence_parallel: bool = True,
                               recompute: str = "none") -> float:
    """Korthikanti et al. 2022 Table 2: activation bytes one transformer layer stores for a
    micro-batch of b sequences of length s (hidden h, a heads, tensor-parallel degree t)."""
    if recompute not in RECOMPUTE:
        raise ValueError(f"unknown recomputation {recompute!r}; choose one of {', '.join(RECOMPUTE)}")
    sbh = float(s) * b * h
    if recompute == "full":
        return 2.0 * sbh                                   # Table 2: full recomputation, 2sbh
    attn = 0.0 if recompute == "selective" else 5.0 * a * s / h
    if sequence_parallel or t == 1:
        return sbh / t * (34.0 + attn)                     # Eq. 4 (Eq. 1 at t = 1); Eq. 6 when selective
    return sbh * (10.0 + 24.0 / t + attn / t)             # Eq. 2; selective: sbh(10 + 24/t)


@dataclass(frozen=True)
class Parallel:
    sharding: str = "zero1"
    tp: int = 1
    pp: int = 1
    micro_batch: int = 1
    recompute: str = "selective"
    precision: str = "mixed"
    sequence_parallel: bool = True


def per_device(n_params: float, n_layers: int, d_model: int, n_heads: int, seq_len: int, gpus: int,
               par: Parallel) -> dict:
    """Bytes per accelerator with `gpus` accelerators in total (data-parallel degree
    gpus / (tp·pp)). Parameters split evenly over tp·pp; activations per Korthikanti Eq. 5 (the
    first pipeline stage holds n_layers layers' worth, whatever pp)."""
    mp = par.tp * par.pp
    if gpus < mp or gpus % mp:
        raise ValueError(f"{gpus} accelerators are not a multiple of tensor × pipeline = {mp}")
    nd = gpus // mp
    states = model_state_bytes(n_params / mp, nd, par.sharding, par.precision)
    act = n_layers * activation_bytes_per_layer(seq_len, par.micro_batch, d_model, n_heads, par.tp,
                                                par.sequence_parallel, par.recompute)
    return {**states, "activations": act, "total": states["total"] + act, "data_parallel": nd}


def smallest_fit(n_params: float, n_layers: int, d_model: int, n_heads: int, seq_len: int, memory_bytes: float,
                 par: Parallel, batch_sequences: int | None = None, max_gpus: int = 1 << 22) -> dict | None:
    """The smallest GPU count (a multiple of tp·pp) whose per-device memory fits memory_bytes,
    or None. With batch_sequences, each data-parallel rank needs at least one micro-batch."""
    mp = par.tp * par.pp
    max_nd = max_gpus // mp
    if batch_sequences:
        max_nd = min(max_nd, max(1, batch_sequences // par.micro_batch))

    def fits(nd):
        return per_device(n_params, n_layers, d_model, n_heads, seq_len, nd * mp, par)["total"] <= memory_bytes
    if not fits(max_nd):
        return None
    lo, hi = 1, max_nd                  # memory falls with nd: bisect for the first nd that fits
    while lo < hi:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid + 1
    return {"gpus": lo * mp, "data_parallel": lo, **per_device(n_params, n_layers, d_model, n_heads, seq_len,
                                                                  lo * mp, par)}


def fit_report(n_params: float, n_layers: int, d_model: int, n_heads: int, seq_len: int, memory_gb: float,
               par: Parallel, gpus: int, flops: float, peak_flops: float, mfu: float, usd_per_gpu_hour: float,
               batch_sequences: int | None = None) -> dict:
    """Memory at the user's GPU count, the smallest count that fits, and time and cost of `flops`
    training FLOPs on each (allocation.training_time_cost: seconds = C / (gpus·peak·MFU))."""
    notes = []
    mem = memory_gb * GB
    if n_heads % par.tp:
        notes.append(f"{n_heads} heads do not split evenly over tensor-parallel degree {par.tp}.")
    if n_layers % par.pp:
        notes.append(f"{n_layers} layers do not split evenly over {par.pp} pipeline stages.")
    mp = par.tp * par.pp
    g = max(mp, gpus - gpus % mp)
    if g != gpus:
        notes.append(f"{gpus} GPUs is not a multiple of tensor × pipeline = {mp}: {g} are used.")
    at = per_device(n_params, n_layers, d_model, n_heads, seq_len, g, par)
    best = smallest_fit(n_params, n_layers, d_model, n_heads, seq_len, mem, par, batch_sequences)
    if best is None:
        notes.append("No GPU count fits at this sharding, parallel degrees and micro-batch: raise tensor or pipeline "
                     "parallelism, shard more (ZeRO-3/FSDP), recompute activations or lower the micro-batch.")
    if batch_sequences and g // mp * par.micro_batch > batch_sequences:
        notes.append(f"{g // mp} data-parallel ranks × micro-batch {par.micro_batch} exceed the global batch of "
                     f"{batch_sequences} sequences.")
    return {"memory_gb": memory_gb, "gpus": g, "per_device_gb": {k: v / GB for k, v in at.items() if k != "data_parallel"},
            "data_parallel": at["data_parallel"], "fits": at["total"] <= mem,
            "smallest": None if best is None else {"gpus": best["gpus"], "data_parallel": best["data_parallel"],
                                                    "per_device_gb": best["total"] / GB,
                                                    **training_time_cost(flops, best["gpus"], peak_flops, mfu,
                                                                         usd_per_gpu_hour)},
            "at_gpus": training_time_cost(flops, g, peak_flops, mfu, usd_per_gpu_hour),
            "parallel": {"sharding": par.sharding, "tensor_parallel": par.tp, "pipeline_parallel": par.pp,
                         "data_parallel": at["data_parallel"], "micro_batch": par.micro_batch,
                         "recompute": par.recompute, "precision": par.precision,
                         "sequence_parallel": par.sequence_parallel},
            "notes": notes}


def parse_memory_gb(cell) -> float | None:
    """The accelerator preset table's memory cell in GB (decimal); 'GiB' cells are converted
    (1 GiB = 2^30 bytes). None when the cell is empty or not a number."""
    text = str(cell or "").strip()
    if not text:
        return None
    gib = text.lower().endswith("gib")
    try:
        v = float(text[:-3] if gib else text.removesuffix("GB").removesuffix("gb"))
    except ValueError:
        return None
    return v * 2 ** 30 / GB if gib else v if math.isfinite(v) else None
