"""Run-grouped bootstrap: with several checkpoints per run the rows are not independent, so
the bootstrap must resample runs; then checkpoint-level data gives run-level intervals."""
import numpy as np
import pytest

from scaling_explorer.fitting import FitError, bootstrap, fit

TRUE = {"E": 1.8, "A": 480.0, "B": 2100.0, "alpha": 0.35, "beta": 0.37}


def chinchilla_loss(N, D, E, A, B, alpha, beta):
    return E + A / np.asarray(N, float) ** alpha + B / np.asarray(D, float) ** beta


def runs_and_checkpoints(seed=0, n_runs=60, k=8):
    """n_runs final points with run-level noise (seed-to-seed variation, 1%), and the same runs
    as k late checkpoints each: the run's noise is shared by its checkpoints (they are one
    training run), plus a little per-checkpoint noise."""
    rng = np.random.default_rng(seed)
    C = 10 ** rng.uniform(18, 22, n_runs)
    N = np.sqrt(C / 120) * 10 ** rng.uniform(-0.8, 0.8, n_runs)
    D = C / (6 * N)
    run_noise = rng.normal(0, 0.01, n_runs)
    L = chinchilla_loss(N, D, **TRUE) * np.exp(run_noise)
    j = np.tile(np.arange(k), n_runs)
    rid = np.repeat(np.arange(n_runs), k)
    Dc = D[rid] * (1 - 0.01 * j)
    Lc = chinchilla_loss(N[rid], Dc, **TRUE) * np.exp(run_noise[rid] + rng.normal(0, 1e-4, rid.size))
    return (N, D, L), (N[rid], Dc, Lc, np.array([f"run-{i}" for i in rid]))


def test_grouped_bootstrap_widens_checkpoint_intervals_to_run_level():
    (N, D, L), (Nc, Dc, Lc, rid) = runs_and_checkpoints()
    run = bootstrap("chinchilla", {"N": N, "D": D}, L, n_resamples=300, seed=1).se()
    rows = bootstrap("chinchilla", {"N": Nc, "D": Dc}, Lc, n_resamples=300, seed=1).se()
    grouped = bootstrap("chinchilla", {"N": Nc, "D": Dc}, Lc, n_resamples=300, seed=1, groups=rid).se()
    for k in ("alpha", "beta", "E"):
        # rows as if independent: about sqrt(8) ≈ 2.8x too narrow
        assert rows[k] < 0.6 * run[k], (k, rows[k], run[k])
        # runs resampled: the run-level width, within bootstrap noise
        assert 0.75 < grouped[k] / run[k] < 1.33, (k, grouped[k], run[k])


def test_grouped_bootstrap_is_seeded_and_checks_its_groups():
    _, (Nc, Dc, Lc, rid) = runs_and_checkpoints(n_runs=30, k=3)
    X = {"N": Nc, "D": Dc}
    a = bootstrap("chinchilla", X, Lc, n_resamples=20, seed=5, groups=rid)
    b = bootstrap("chinchilla", X, Lc, n_resamples=20, seed=5, groups=rid)
    assert a.samples == b.samples and a.n_failed == 0
    with pytest.raises(FitError, match="one run id per row"):
        bootstrap("chinchilla", X, Lc, n_resamples=5, groups=rid[:-1])
    with pytest.raises(FitError, match="at least 3 runs"):
        bootstrap("chinchilla", X, Lc, n_resamples=5, groups=np.where(np.arange(rid.size) % 2, "a", "b"))


def test_grouped_bootstrap_for_a_form_without_the_batched_path():
    # Kaplan's form goes through scipy per resample: grouping must work there too
    (N, D, L), (Nc, Dc, Lc, rid) = runs_and_checkpoints(n_runs=30, k=3)
    base = fit("kaplan_nd", {"N": Nc, "D": Dc}, Lc)
    boot = bootstrap("kaplan_nd", {"N": Nc, "D": Dc}, Lc, n_resamples=6, seed=0, base=base, groups=rid)
    assert len(boot.samples) + boot.n_failed == 6 and len(boot.samples) >= 5
