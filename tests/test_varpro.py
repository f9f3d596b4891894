"""Variable projection for the Chinchilla form, and the batched bootstrap built on its speed."""
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from conftest import shared_file
from scaling_explorer.fitting import FORMS, LBFGS_OPTIONS, bootstrap, fit, objective, varpro_starts

TRUE = {"E": 1.8, "A": 480.0, "B": 2100.0, "alpha": 0.35, "beta": 0.37}


def chinchilla_loss(N, D, E, A, B, alpha, beta):
    return E + A / np.asarray(N, float) ** alpha + B / np.asarray(D, float) ** beta


@pytest.fixture(scope="module")
def epoch():
    df = pd.read_csv(shared_file("chinchilla_epoch2024", "svg_extracted_data.csv"))
    df = df.sort_values("loss", ascending=False, kind="stable").iloc[5:]
    N = df["Model Size"].to_numpy(float)
    return N, df["Training FLOP"].to_numpy(float) / (6 * N), df["loss"].to_numpy(float)


def test_varpro_reaches_the_grid_optimum_on_epochs_points(epoch):
    N, D, L = epoch
    vp = fit("chinchilla", {"N": N, "D": D}, L)                      # variable projection (default)
    grid = fit("chinchilla", {"N": N, "D": D}, L, starts="grid")     # Hoffmann's 4,500-start grid
    assert vp.objective <= 1.0182741e-3 and abs(vp.objective - grid.objective) <= 1e-12
    assert vp.reliable and vp.n_at_best == vp.n_refined >= 3 and vp.n_refined < grid.n_refined
    for k in ("alpha", "beta", "E"):
        assert vp.p[k] == pytest.approx(grid.p[k], abs=1e-6)


def test_varpro_starts_are_near_the_truth_on_clean_data():
    rng = np.random.default_rng(0)
    C = 10 ** rng.uniform(18, 22, 80)
    N = np.sqrt(C / 120) * 10 ** rng.uniform(-1, 1, 80)
    D = C / (6 * N)
    T, s = varpro_starts(FORMS["chinchilla"], {"N": N, "D": D}, chinchilla_loss(N, D, **TRUE))
    assert np.all(np.diff(s) >= 0)
    assert abs(T[0][3] - 0.35) < 0.05 and abs(T[0][4] - 0.37) < 0.05      # on the exponent grid
    r = fit("chinchilla", {"N": N, "D": D}, chinchilla_loss(N, D, **TRUE))
    for k, v in TRUE.items():
        assert r.p[k] == pytest.approx(v, rel=1e-4)


def test_batched_bootstrap_matches_per_resample_scipy():
    # the batched L-BFGS lands on the same optimum as scipy's L-BFGS-B for every resample
    rng = np.random.default_rng(3)
    C = 10 ** rng.uniform(18, 22, 100)
    N = np.sqrt(C / 120) * 10 ** rng.uniform(-0.8, 0.8, 100)
    D = C / (6 * N)
    L = chinchilla_loss(N, D, **TRUE) * np.exp(rng.normal(0, 0.01, 100))
    X = {"N": N, "D": D}
    base = fit("chinchilla", X, L)
    boot = bootstrap("chinchilla", X, L, n_resamples=12, seed=7, base=base)
    assert boot.n_failed == 0 and len(boot.thetas) == 12
    form = FORMS["chinchilla"]
    r2 = np.random.default_rng(7)
    for theta in boot.thetas:
        w = np.bincount(r2.integers(0, 100, 100), minlength=100).astype(float)
        res = minimize(objective(form, X, L, weights=w), base.theta, jac=True, method="L-BFGS-B",
                       bounds=form.bounds, options=LBFGS_OPTIONS)
        f = objective(form, X, L, weights=w)
        assert f(theta)[0] <= res.fun * (1 + 1e-9) + 1e-15
        assert np.allclose(theta[3:], res.x[3:], atol=1e-5)
