"""The fitting routine: synthetic recovery, gradients, diagnostics, bad data."""
import numpy as np
import pytest

from scaling_explorer.forms import FIT_FORMS as FORMS
from scaling_explorer.fitting import FitError, fit_law, fit_power_law, huber, objective
from scaling_explorer.forms import chinchilla_loss, kaplan_nd_loss

TRUE_CH = {"E": 1.8, "A": 500.0, "B": 2000.0, "alpha": 0.35, "beta": 0.37}
TRUE_KA = {"N_c": 6.4e13, "D_c": 1.8e13, "alpha_N": 0.076, "alpha_D": 0.103}


def _grid(seed=0, n=80):
    rng = np.random.default_rng(seed)
    C = 10 ** rng.uniform(18, 22, n)
    N = 10 ** rng.uniform(7.5, 10.5, n)
    D = C / (6 * N)
    return rng, N, D


def test_recovers_chinchilla_parameters_with_fixed_seed():
    rng, N, D = _grid(0)
    L = chinchilla_loss(N, D, **TRUE_CH) * np.exp(rng.normal(0, 0.002, N.size))
    r = fit_law("chinchilla", N, D, L)
    assert r.converged and not r.at_bounds and r.reliable
    assert r.p["alpha"] == pytest.approx(0.35, abs=0.02)
    assert r.p["beta"] == pytest.approx(0.37, abs=0.02)
    assert r.p["E"] == pytest.approx(1.8, abs=0.02)
    assert r.n_at_best >= 2 and r.n_refined >= r.n_at_best


def test_recovers_exact_parameters_without_noise():
    _, N, D = _grid(1)
    r = fit_law("chinchilla", N, D, chinchilla_loss(N, D, **TRUE_CH))
    for k, v in TRUE_CH.items():
        assert r.p[k] == pytest.approx(v, rel=1e-4), k
    assert r.residual_max_abs < 1e-7


def test_recovers_kaplan_parameters():
    rng, N, D = _grid(2)
    L = kaplan_nd_loss(N, D, **TRUE_KA) * np.exp(rng.normal(0, 0.001, N.size))
    r = fit_law("kaplan_nd", N, D, L)
    assert r.converged
    assert r.p["alpha_N"] == pytest.approx(0.076, abs=0.005)
    assert r.p["alpha_D"] == pytest.approx(0.103, abs=0.005)


def test_robust_to_outliers():
    rng, N, D = _grid(3)
    L = chinchilla_loss(N, D, **TRUE_CH) * np.exp(rng.normal(0, 0.001, N.size))
    L[:4] *= 1.5   # four wild runs
    r = fit_law("chinchilla", N, D, L)
    assert r.p["alpha"] == pytest.approx(0.35, abs=0.02)
    assert r.p["E"] == pytest.approx(1.8, abs=0.03)


@pytest.mark.parametrize("model", ["chinchilla", "kaplan_nd"])
def test_analytic_gradient_matches_finite_differences(model):
    rng, N, D = _grid(4, 40)
    L = chinchilla_loss(N, D, **TRUE_CH) * np.exp(rng.normal(0, 0.05, N.size))
    f = objective(FORMS[model], {"N": N, "D": D}, L)
    theta = np.array([5.5, 7.0, 0.4, 0.3, 0.35]) if model == "chinchilla" else np.array([30.0, 30.5, 0.08, 0.1])
    _, g = f(theta)
    eps = 1e-6
    fd = np.array([(f(theta + eps * e)[0] - f(theta - eps * e)[0]) / (2 * eps) for e in np.eye(theta.size)])
    assert np.allclose(g, fd, rtol=1e-5, atol=1e-9)


def test_huber_is_quadratic_then_linear():
    assert huber(np.array([5e-4]))[0] == pytest.approx(0.5 * 25e-8)
    assert huber(np.array([1e-2]))[0] == pytest.approx(1e-3 * (1e-2 - 5e-4))


@pytest.mark.parametrize("bad, message", [
    (dict(N=[1e8] * 10), "same model parameters"),
    (dict(n=3), "cannot determine"),
    (dict(L_nan=True), "NaN"),
    (dict(L_neg=True), "positive"),
])
def test_bad_data_raises_clear_fit_error(bad, message):
    n = bad.get("n", 10)
    N = np.array(bad.get("N", np.logspace(7, 9, n)), float)
    D = np.logspace(9, 11, n)
    L = chinchilla_loss(N, D, **TRUE_CH)
    if bad.get("L_nan"):
        L[2] = np.nan
    if bad.get("L_neg"):
        L[1] = -1
    with pytest.raises(FitError, match=message):
        fit_law("chinchilla", N, D, L)


def test_constant_losses_are_flagged_unreliable():
    _, N, D = _grid(5, 20)
    r = fit_law("chinchilla", N, D, np.full(N.size, 2.5))
    assert not r.reliable
    assert any("equal" in w for w in r.warnings)


def test_power_law_fit():
    x = np.logspace(16, 20, 9)
    coef, exp, r2 = fit_power_law(x, 3e-2 * x ** 0.5)
    assert exp == pytest.approx(0.5) and coef == pytest.approx(3e-2) and r2 == pytest.approx(1.0)
    with pytest.raises(FitError):
        fit_power_law([1.0, 1.0], [2.0, 3.0])
