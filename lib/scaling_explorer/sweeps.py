"""Sweeps as researchers have them: several runs per (N, D) cell that differ in learning rate,
batch size, schedule or seed; and loss curves (run id, step, tokens, loss) with many checkpoints
per run. Plain pandas in, plain pandas out; bad input raises FitError with a message that says
what to fix. Nothing here plots or imports Streamlit.

- ``check_sweep``: validates a sweep table (one model size, a run id with contradictory sizes,
  checkpoints without a step column, ...).
- ``envelope``: the lower envelope, i.e. the best run of each (N, D) cell, with how many runs the
  cell had.
- ``select_runs``: the rows and fit settings for the three ways to fit a sweep: all runs
  (symmetric Huber), the best run per cell, or the frontier fit over all runs.
- ``reduce_curves``: loss curves to one final (or annealed) point per run, or to every
  post-warmup checkpoint (keep the run ids: bootstrap them with ``groups=``), dropping warmup
  and saying what was dropped.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .fitting import FitError

MODES = ("all", "best", "frontier")
HPARAM_COLUMNS = ("learning_rate", "lr", "batch_size", "schedule", "seed", "warmup", "weight_decay")


def _num(df: pd.DataFrame, col: str, label: str) -> np.ndarray:
    if col not in df.columns:
        raise FitError(f"the table has no {label} column ({col!r}); columns are: {', '.join(map(str, df.columns))}")
    v = pd.to_numeric(df[col], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(v)
    if bad.any():
        raise FitError(f"{label} ({col!r}) has {int(bad.sum())} missing or non-numeric values (first at row "
                       f"{int(np.flatnonzero(bad)[0]) + 1})")
    if np.any(v < 0) or (label != "step" and np.any(v <= 0)):
        raise FitError(f"{label} ({col!r}) must be positive")
    return v


def check_sweep(df: pd.DataFrame, n_col: str = "n_params", d_col: str = "n_tokens", loss_col: str = "loss",
                run_col: str | None = None, step_col: str | None = None) -> pd.DataFrame:
    """Validate a sweep table; returns a copy with numeric N, D, loss. Raises FitError on
    one model size, a run id with contradictory sizes, or several rows per run without a step."""
    if not isinstance(df, pd.DataFrame) or df.empty:
        raise FitError("the sweep is empty: upload at least one row per run")
    out = df.copy()
    out[n_col] = _num(df, n_col, "model parameters")
    out[d_col] = _num(df, d_col, "training tokens")
    out[loss_col] = _num(df, loss_col, "loss")
    if step_col is not None:
        out[step_col] = _num(df, step_col, "step")
    if run_col is not None:
        if run_col not in df.columns:
            raise FitError(f"the table has no run id column ({run_col!r})")
        if out[run_col].isna().any():
            raise FitError(f"run ids ({run_col!r}) are missing on {int(out[run_col].isna().sum())} rows")
        sizes = out.groupby(run_col, sort=False)[n_col].nunique()
        bad = sizes[sizes > 1]
        if len(bad):
            rid = bad.index[0]
            ns = sorted(out.loc[out[run_col] == rid, n_col].unique())
            raise FitError(f"run id {rid!r} appears with {len(ns)} different model sizes ({', '.join(f'{n:.4g}' for n in ns[:4])}): "
                           f"one run trains one model; give each run its own id ({len(bad)} run id(s) affected)")
        per_run = out.groupby(run_col, sort=False).size()
        if step_col is None and per_run.max() > 1:
            rid = per_run.idxmax()
            raise FitError(f"run {rid!r} has {int(per_run.max())} rows but there is no step column: these look like "
                           "checkpoints of one run; add a step (or tokens-seen) column to reduce them, or give one "
                           "row per run")
        if step_col is not None:
            dup = out.duplicated([run_col, step_col])
            if dup.any():
                r = out.loc[dup].iloc[0]
                raise FitError(f"run {r[run_col]!r} has two rows at step {r[step_col]:g}: keep one row per step")
    if out[n_col].nunique() < 2:
        raise FitError(f"the sweep has one model size (N = {out[n_col].iloc[0]:.4g}): the N exponent cannot be "
                       "identified; add runs at other model sizes")
    if out[d_col].nunique() < 2:
        raise FitError(f"the sweep has one token count (D = {out[d_col].iloc[0]:.4g}): the D exponent cannot be "
                       "identified; add runs with other token counts")
    return out


def envelope(df: pd.DataFrame, n_col: str = "n_params", d_col: str = "n_tokens", loss_col: str = "loss",
             rel_tol: float = 1e-6) -> pd.DataFrame:
    """The best (lowest-loss) run of each (N, D) cell, all its columns kept, plus ``n_in_cell``.
    Cells are matched on N and D to a relative tolerance (uploads round differently)."""
    d = df.copy()
    key_n = np.round(np.log(d[n_col].to_numpy(float)) / rel_tol).astype(np.int64)
    key_d = np.round(np.log(d[d_col].to_numpy(float)) / rel_tol).astype(np.int64)
    d["_cell"] = pd.factorize(pd.Series(list(zip(key_n, key_d))))[0]
    d["n_in_cell"] = d.groupby("_cell")[loss_col].transform("size")
    best = d.loc[d.groupby("_cell", sort=False)[loss_col].idxmin()]
    return best.drop(columns="_cell").reset_index(drop=True)


@dataclass(frozen=True)
class SweepSelection:
    rows: pd.DataFrame       # the rows to fit
    loss: str                # fit loss for lib.fitting.fit: "huber" or "frontier"
    mode: str
    note: str                # one sentence for the page


def select_runs(df: pd.DataFrame, mode: str = "all", n_col: str = "n_params", d_col: str = "n_tokens",
                loss_col: str = "loss") -> SweepSelection:
    """The rows and fit loss for one of the three ways to fit a sweep."""
    if mode not in MODES:
        raise FitError(f"unknown sweep mode {mode!r}; choose one of {', '.join(MODES)}")
    n_cells = len(envelope(df, n_col, d_col, loss_col))
    if mode == "best":
        env = envelope(df, n_col, d_col, loss_col)
        return SweepSelection(env, "huber", mode, f"best run of each of {n_cells} (N, D) cells "
                                                  f"({len(df) - len(env)} worse runs left out)")
    if mode == "frontier":
        return SweepSelection(df, "frontier", mode, f"all {len(df)} runs, frontier fit (over-prediction penalised "
                                                    "more, so the law follows the best runs)")
    return SweepSelection(df, "huber", mode, f"all {len(df)} runs in {n_cells} (N, D) cells, symmetric fit "
                                             "(tracks the average run)")


@dataclass(frozen=True)
class CurveReduction:
    points: pd.DataFrame     # one row per run (final / annealed) or per kept checkpoint
    how: str
    n_runs: int
    n_rows_in: int
    n_warmup_dropped: int
    n_other_dropped: int     # checkpoints that are neither warmup nor the kept point
    message: str             # what was dropped, for the page


def reduce_curves(df: pd.DataFrame, run_col: str = "run_id", step_col: str = "step", tokens_col: str = "n_tokens",
                  loss_col: str = "loss", n_col: str = "n_params", how: str = "final",
                  warmup_steps: float | None = None, warmup_frac: float = 0.1,
                  anneal_frac: float = 0.1) -> CurveReduction:
    """Reduce loss curves to points. ``how``: "final" (each run's last checkpoint), "annealed"
    (each run's lowest loss within the last ``anneal_frac`` of its steps, i.e. the end of a
    cooldown, robust to a noisy last step), or "checkpoints" (every post-warmup checkpoint, each
    its own (N, D = tokens seen) point; bootstrap them grouped by ``run_col``). Warmup is
    dropped: steps below ``warmup_steps`` if given, else below ``warmup_frac`` of each run's
    last step. The message says how many rows were dropped and why."""
    if how not in ("final", "annealed", "checkpoints"):
        raise FitError(f"unknown reduction {how!r}; choose final, annealed or checkpoints")
    if step_col is None or step_col not in df.columns:
        raise FitError("a loss-curve upload needs a step column to tell checkpoints apart "
                       f"(no {step_col!r} column; columns are: {', '.join(map(str, df.columns))})")
    if run_col is None or run_col not in df.columns:
        raise FitError(f"a loss-curve upload needs a run id column (no {run_col!r} column)")
    d = check_sweep(df, n_col, tokens_col, loss_col, run_col, step_col)
    last = d.groupby(run_col)[step_col].transform("max")
    cut = warmup_steps if warmup_steps is not None else warmup_frac * last
    warm = d[step_col] < cut
    # the last checkpoint is never warmup, whatever the threshold
    warm &= d[step_col] < last
    kept = d.loc[~warm]
    n_runs = int(d[run_col].nunique())
    if how == "checkpoints":
        pts = kept.sort_values([run_col, step_col]).reset_index(drop=True)
    elif how == "final":
        pts = kept.loc[kept.groupby(run_col)[step_col].idxmax()].reset_index(drop=True)
    else:
        lk = kept.groupby(run_col)[step_col].transform("max")
        tail = kept.loc[kept[step_col] >= (1 - anneal_frac) * lk]
        pts = tail.loc[tail.groupby(run_col)[loss_col].idxmin()].reset_index(drop=True)
    n_warm = int(warm.sum())
    n_other = int(len(kept) - len(pts))
    rule = (f"step < {warmup_steps:g}" if warmup_steps is not None
            else f"step < {warmup_frac:.0%} of each run's last step")
    what = {"final": "its last checkpoint", "annealed": f"its lowest loss in the last {anneal_frac:.0%} of steps",
            "checkpoints": "every post-warmup checkpoint"}[how]
    msg = (f"{len(d)} rows from {n_runs} runs: dropped {n_warm} warmup checkpoints ({rule})"
           + (f" and {n_other} other checkpoints" if n_other else "")
           + f"; kept {len(pts)} points, {what} per run.")
    return CurveReduction(points=pts, how=how, n_runs=n_runs, n_rows_in=int(len(d)), n_warmup_dropped=n_warm,
                          n_other_dropped=n_other, message=msg)


def hyperparameter_columns(df: pd.DataFrame) -> list[str]:
    """Columns of a sweep that look like hyperparameters (learning rate, batch size, ...)."""
    low = {c.lower().replace(" ", "_"): c for c in df.columns}
    return [low[k] for k in low if any(k == h or k.startswith(h) for h in HPARAM_COLUMNS)]


STEP_COLUMNS = ("step", "steps", "global_step", "train_step", "iteration", "iter", "checkpoint_step")
REDUCTIONS = ("final", "annealed", "checkpoints")


def find_step_column(columns) -> str | None:
    """The column of an upload that holds the training step, by name (case and spaces ignored)."""
    low = {str(c).strip().lower().replace(" ", "_"): c for c in columns}
    return next((low[k] for k in STEP_COLUMNS if k in low), None)


@dataclass(frozen=True)
class Prepared:
    rows: pd.DataFrame              # the points to fit: runs (or checkpoints), selected per ``mode``
    groups: np.ndarray | None       # run id per row when a run contributes several rows (bootstrap groups=)
    loss: str                       # the fit loss the mode implies ("frontier" only for mode "frontier")
    curves: bool                    # the stored rows were loss curves, reduced per run
    n_cells: int                    # distinct (N, D) cells before selection
    max_in_cell: int                # most runs in one cell: > 1 is a sweep with an envelope
    n_all: int                      # rows before selection
    notes: tuple[str, ...]          # what was dropped or assumed, one sentence each, for the page
    mode: str = "all"               # how the rows were selected (select_runs)
    how: str = "final"              # how loss curves were reduced (reduce_curves; unused for plain runs)


def prepare(runs: pd.DataFrame, table: pd.DataFrame | None = None, how: str = "final", mode: str = "all",
            run_col: str = "run_name") -> Prepared:
    """The points a stored dataset is fitted on. ``runs``: the normalised runs (run name, N, D,
    compute, loss); ``table``: the upload's numeric columns, row for row. When run names repeat and
    the table has a step column, the rows are loss curves: reduced per run with ``reduce_curves``
    (``how``). Repeated run names without a step column are fitted as separate runs, and said.
    Then ``select_runs`` (``mode``: all, best or frontier). Raises FitError on a sweep that cannot
    be fitted (one model size, one token count, a run id with contradictory sizes in a loss curve)."""
    if how not in REDUCTIONS:
        raise FitError(f"unknown reduction {how!r}; choose one of {', '.join(REDUCTIONS)}")
    if runs.empty:
        return Prepared(runs, None, "huber", False, 0, 0, 0, (), mode, how)
    notes: list[str] = []
    names = runs[run_col].astype(str)
    per_run = names.value_counts()
    step = (find_step_column(table.columns) if table is not None and len(table) == len(runs) else None)
    curves = bool(per_run.max() > 1 and step is not None)
    groups = None
    if curves:
        df = runs.assign(**{run_col: names.to_numpy(), "step": table[step].to_numpy(float)})
        red = reduce_curves(df, run_col=run_col, step_col="step", tokens_col="n_tokens", loss_col="loss",
                            n_col="n_params", how=how)
        pts = red.points.assign(compute_flops=lambda d: 6.0 * d["n_params"] * d["n_tokens"])
        notes.append(f"Loss curves ({step!r} is the step column): " + red.message)
        if how == "checkpoints":
            notes.append("Checkpoints of one run are not independent: the bootstrap resamples whole runs.")
    else:
        pts = runs
        if per_run.max() > 1:
            rid = per_run.index[0]
            sizes = runs.groupby(names)["n_params"].nunique()
            mixed = sizes[sizes > 1]
            if len(mixed):
                notes.append(f"Run name {mixed.index[0]!r} appears with {int(mixed.iloc[0])} different model sizes, "
                             "so the run names are not run ids: each row is fitted as its own run.")
            else:
                notes.append(f"Run name {rid!r} has {int(per_run.iloc[0])} rows and there is no step column: each row "
                             "is fitted as its own run. If the rows are checkpoints of one run, import the file "
                             "again with a step column, to reduce each run to its final point.")
    pts = check_sweep(pts.reset_index(drop=True))
    env = envelope(pts)
    sel = select_runs(pts, mode)
    rows = sel.rows.reset_index(drop=True)
    if curves and how == "checkpoints":
        groups = rows[run_col].astype(str).to_numpy()
    if int(env["n_in_cell"].max()) > 1:
        notes.append(f"Fitting: {sel.note}.")
    return Prepared(rows, groups, sel.loss, curves, len(env), int(env["n_in_cell"].max()), len(pts), tuple(notes),
                    mode, how)
