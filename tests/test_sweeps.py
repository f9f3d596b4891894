"""Sweep uploads: several runs per (N, D), the lower envelope, the three ways to fit, loss-curve
reduction with warmup dropped, and plain messages for bad sweeps."""
import numpy as np
import pandas as pd
import pytest

from scaling_explorer.fitting import FitError, bootstrap, fit
from scaling_explorer.sweeps import check_sweep, envelope, hyperparameter_columns, reduce_curves, select_runs

TRUE = {"E": 1.8, "A": 480.0, "B": 2100.0, "alpha": 0.35, "beta": 0.37}


def law(N, D):
    return TRUE["E"] + TRUE["A"] / N ** TRUE["alpha"] + TRUE["B"] / D ** TRUE["beta"]


def lr_sweep(seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for C in np.logspace(18, 21.5, 8):
        for N in np.sqrt(C / 120) * np.logspace(-0.6, 0.6, 6):
            D = C / (6 * N)
            for i, lr in enumerate((1e-4, 3e-4, 1e-3, 3e-3, 1e-2)):
                off = (i - 2) + rng.uniform(-0.5, 0.5)
                rows.append({"n_params": N, "n_tokens": D, "learning_rate": lr, "batch_size": 256,
                             "seed": 0, "loss": law(N, D) * np.exp(0.02 * (np.log10(N) - 6.5) * off ** 2)})
    return pd.DataFrame(rows)


def test_envelope_and_the_three_fit_modes():
    df = check_sweep(lr_sweep())
    env = envelope(df)
    assert len(env) == 48 and (env["n_in_cell"] == 5).all()
    assert set(hyperparameter_columns(df)) == {"learning_rate", "batch_size", "seed"}
    # the envelope is the lowest run of each cell
    assert np.all(env["loss"].to_numpy() <= df.groupby(["n_params", "n_tokens"])["loss"].min().max())
    fits = {}
    for mode in ("all", "best", "frontier"):
        sel = select_runs(df, mode)
        fits[mode] = fit("chinchilla", {"N": sel.rows["n_params"], "D": sel.rows["n_tokens"]}, sel.rows["loss"],
                         loss=sel.loss)
        assert sel.note
    assert len(select_runs(df, "best").rows) == 48 and select_runs(df, "frontier").loss == "frontier"
    err = {m: max(abs(r.p["alpha"] - 0.35), abs(r.p["beta"] - 0.37)) for m, r in fits.items()}
    assert err["frontier"] < 0.02 and err["best"] < 0.03 and err["all"] > 0.02
    with pytest.raises(FitError, match="unknown sweep mode"):
        select_runs(df, "median")


def curves(n_runs=6, steps=50, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(n_runs):
        N = 1e8 * 2 ** r
        D_end = 20 * N
        for s in range(1, steps + 1):
            D = D_end * s / steps
            warm = 3.0 * max(0.0, 1 - s / 5)           # loss spike during the first 10% of steps
            rows.append({"run_id": f"r{r}", "n_params": N, "step": s, "n_tokens": D,
                         "loss": law(N, D) + warm + rng.normal(0, 1e-3)})
    return pd.DataFrame(rows)


def test_loss_curves_reduce_to_final_points_dropping_warmup():
    df = curves()
    red = reduce_curves(df, how="final")
    assert red.n_runs == 6 and len(red.points) == 6 and red.n_rows_in == 300
    assert red.n_warmup_dropped == 6 * 4          # steps 1-4 are below 10% of 50
    assert "dropped 24 warmup checkpoints" in red.message and "kept 6 points" in red.message
    assert (red.points["step"] == 50).all()
    ann = reduce_curves(df, how="annealed")
    assert len(ann.points) == 6 and (ann.points["step"] >= 45).all()
    ck = reduce_curves(df, how="checkpoints", warmup_steps=10)
    assert len(ck.points) == 6 * 41 and ck.n_warmup_dropped == 6 * 9
    # every checkpoint is its own point; the bootstrap resamples runs
    r = fit("chinchilla", {"N": ck.points["n_params"], "D": ck.points["n_tokens"]}, ck.points["loss"])
    boot = bootstrap("chinchilla", {"N": ck.points["n_params"], "D": ck.points["n_tokens"]}, ck.points["loss"],
                     n_resamples=10, seed=0, base=r, groups=ck.points["run_id"])
    assert len(boot.samples) + boot.n_failed == 10


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.assign(n_params=1e8), "one model size"),
    (lambda d: d.assign(n_tokens=1e10), "one token count"),
    (lambda d: d.assign(loss=d["loss"].where(d.index != 3, np.nan)), "missing or non-numeric"),
    (lambda d: d.assign(loss=d["loss"].astype(object).where(d.index != 2, "n/a")), "missing or non-numeric"),
    (lambda d: d.drop(columns="loss"), "no loss column"),
])
def test_bad_sweeps_get_plain_messages(mutate, message):
    with pytest.raises(FitError, match=message):
        check_sweep(mutate(lr_sweep().head(40)))


def test_contradictory_run_ids_and_checkpoints_without_steps():
    df = curves(n_runs=3, steps=5)
    bad = df.copy()
    bad.loc[bad.index[2], "n_params"] = 7e8
    with pytest.raises(FitError, match="run id 'r0' appears with 2 different model sizes"):
        reduce_curves(bad)
    with pytest.raises(FitError, match="needs a step column"):
        reduce_curves(df.drop(columns="step"))
    with pytest.raises(FitError, match="no step column: these look like checkpoints"):
        check_sweep(df.drop(columns="step"), run_col="run_id")
    with pytest.raises(FitError, match="two rows at step"):
        check_sweep(pd.concat([df, df.head(1)]), run_col="run_id", step_col="step")
    with pytest.raises(FitError, match="unknown reduction"):
        reduce_curves(df, how="mean")
