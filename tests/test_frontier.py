"""Frontier fits: over-prediction penalised more than under-prediction, so the law tracks the
best-tuned runs of a sweep whose runs differ in hyperparameters."""
import numpy as np
import pytest

from scaling_explorer.fitting import (FORMS, FRONTIER_PENALTY, FitError, asym_huber, backtest, bootstrap, fit, huber,
                         objective)

TRUE = {"E": 1.8, "A": 480.0, "B": 2100.0, "alpha": 0.35, "beta": 0.37}


def chinchilla_loss(N, D, E, A, B, alpha, beta):
    return E + A / np.asarray(N, float) ** alpha + B / np.asarray(D, float) ** beta


def mistuned_sweep(seed=0, k=0.02, budgets=np.logspace(18, 21.5, 8)):
    """Six model sizes per budget, five learning rates per (N, D) cell. A run's log loss exceeds
    the law's by k·(log10 N − 6.5)·off², off its distance (in grid steps, jittered) from the best
    learning rate: never below the law, and mistuning costs more at larger models, as in sweeps
    whose learning-rate grid was centred for small models."""
    rng = np.random.default_rng(seed)
    rows = []
    for C in budgets:
        n_opt = np.sqrt(C / 120)
        for N in n_opt * np.logspace(-0.6, 0.6, 6):
            D = C / (6 * N)
            for lr in range(-2, 3):
                off = lr + rng.uniform(-0.5, 0.5)
                mis = k * (np.log10(N) - 6.5) * off ** 2          # >= 0
                rows.append((N, D, C, chinchilla_loss(N, D, **TRUE) * np.exp(mis)))
    return np.array(rows).T


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_frontier_fit_recovers_the_law_under_mistuning_and_symmetric_does_not(seed):
    N, D, _, L = mistuned_sweep(seed)
    sym = fit("chinchilla", {"N": N, "D": D}, L)
    front = fit("chinchilla", {"N": N, "D": D}, L, loss="frontier")
    assert front.loss == "frontier" and front.overestimate_penalty == FRONTIER_PENALTY
    assert sym.loss == "huber" and sym.overestimate_penalty == 1.0
    assert front.reliable, front.warnings
    assert abs(front.p["alpha"] - 0.35) < 0.02 and abs(front.p["beta"] - 0.37) < 0.02
    assert max(abs(sym.p["alpha"] - 0.35), abs(sym.p["beta"] - 0.37)) > 0.02     # measured 0.036-0.10
    # the frontier law runs below (almost) every run; the symmetric one through the middle
    pred_f = chinchilla_loss(N, D, **front.p)
    pred_s = chinchilla_loss(N, D, **sym.p)
    assert np.mean(pred_f > L * (1 + 1e-3)) < 0.15 and np.mean(pred_s > L * (1 + 1e-3)) > 0.3


def test_symmetric_huber_stays_the_default_and_penalty_one_is_symmetric():
    N, D, _, L = mistuned_sweep(0)
    a = fit("chinchilla", {"N": N, "D": D}, L)
    b = fit("chinchilla", {"N": N, "D": D}, L, overestimate_penalty=1.0)
    assert a.theta == b.theta and a.loss == "huber"
    c = fit("chinchilla", {"N": N, "D": D}, L, overestimate_penalty=30.0)
    assert c.loss == "frontier" and c.overestimate_penalty == 30.0


def test_asymmetric_objective_and_gradient():
    r = np.array([-2e-3, -5e-4, 5e-4, 2e-3])
    assert np.allclose(asym_huber(r, 1e-3, 10.0), huber(r) * np.array([1, 1, 10, 10]))
    N, D, _, L = mistuned_sweep(1)
    f = objective(FORMS["chinchilla"], {"N": N, "D": D}, L, overestimate_penalty=10.0)
    theta = np.array([6.1, 7.6, 0.6, 0.35, 0.37])
    _, g = f(theta)
    eps = 1e-6
    fd = np.array([(f(theta + eps * e)[0] - f(theta - eps * e)[0]) / (2 * eps) for e in np.eye(5)])
    assert np.allclose(g, fd, rtol=1e-5, atol=1e-9)


def test_frontier_on_a_handful_of_points_is_flagged_unreliable():
    N, D, _, L = mistuned_sweep(0, budgets=np.logspace(18, 19, 2))      # 60 runs
    r = fit("chinchilla", {"N": N[:20], "D": D[:20]}, L[:20], loss="frontier")
    assert not r.reliable and any("frontier fit on 20 runs" in w for w in r.warnings)
    with pytest.raises(FitError, match="penalty must be a number >= 1"):
        fit("chinchilla", {"N": N, "D": D}, L, overestimate_penalty=0.5)
    with pytest.raises(FitError, match="unknown fit loss"):
        fit("chinchilla", {"N": N, "D": D}, L, loss="quantile")


def test_backtest_compares_frontier_and_symmetric_on_the_same_runs():
    N, D, C, L = mistuned_sweep(0, budgets=np.logspace(18, 22, 9))
    rows = backtest(["chinchilla"], {"N": N, "D": D}, L, C, cutoff=1e21, losses=("huber", "frontier"))
    by = {r["loss"]: r for r in rows}
    assert set(by) == {"huber", "frontier"} and all(r["error"] == "" for r in rows)
    # against the best held-out run of each cell the frontier fit extrapolates better
    assert by["frontier"]["envelope_median_abs_rel_err"] < by["huber"]["envelope_median_abs_rel_err"]
    assert by["frontier"]["envelope_median_abs_rel_err"] < 0.01
    assert by["huber"]["envelope_mean_rel_err"] > 0.01          # the average-run fit is pessimistic


def test_bootstrap_of_a_frontier_fit_keeps_its_penalty():
    N, D, _, L = mistuned_sweep(2)
    base = fit("chinchilla", {"N": N, "D": D}, L, loss="frontier")
    boot = bootstrap("chinchilla", {"N": N, "D": D}, L, n_resamples=40, seed=0, base=base)
    assert boot.n_failed == 0
    lo, hi = boot.ci()["alpha"]
    assert lo <= base.p["alpha"] <= hi
