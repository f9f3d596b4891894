"""Every fittable form recovers known parameters; bootstrap, back-test and isoFLOP method."""
import numpy as np
import pytest

from scaling_explorer import allocation
from scaling_explorer.forms import FIT_FORMS as FORMS
from scaling_explorer.fitting import (FitError, backtest, bootstrap, fit, isoflop_fit, objective, prediction_band)
from scaling_explorer.forms import chinchilla_loss, muennighoff_loss
from scaling_explorer.laws import make_law

RNG_SEED = 11


def _x(n=60, lo=6, hi=11, seed=RNG_SEED):
    rng = np.random.default_rng(seed)
    return rng, np.sort(10 ** rng.uniform(lo, hi, n))


@pytest.mark.parametrize("form, truth, make_y", [
    # Henighan's form L = E + (x_0/x)^alpha, here with x_0 = 400^(1/0.3) (A = 400 in E + A x^-alpha)
    ("power_offset", {"x_0": 400.0 ** (1 / 0.3), "E": 1.7, "alpha": 0.3}, lambda x, p: p["E"] + (p["x_0"] / x) ** p["alpha"]),
    ("power_law", {"x_c": 8.8e13, "alpha": 0.076}, lambda x, p: (p["x_c"] / x) ** p["alpha"]),
])
def test_single_variable_forms_recover_parameters(form, truth, make_y):
    rng, x = _x()
    y = make_y(x, truth) * np.exp(rng.normal(0, 0.001, x.size))
    r = fit(form, {"x": x}, y)
    assert r.converged
    for k, v in truth.items():
        assert r.p[k] == pytest.approx(v, rel=0.05), k


def test_broken_power_law_recovers_the_break():
    rng, x = _x(120, 2, 12)
    truth = {"a": 0.05, "b": 20.0, "c0": 0.1, "c1": 0.4, "d1": 1e7, "f1": 0.3}
    y = truth["a"] + truth["b"] * x ** -truth["c0"] * (1 + (x / truth["d1"]) ** (1 / truth["f1"])) ** (
        -truth["c1"] * truth["f1"])
    y = y * np.exp(rng.normal(0, 0.001, x.size))
    r = fit("bnsl", {"x": x}, y)
    assert r.converged
    assert r.residual_rms < 0.003
    assert r.p["c0"] == pytest.approx(0.1, abs=0.03)
    assert r.p["c0"] + r.p["c1"] == pytest.approx(0.5, abs=0.05)   # slope after the break
    assert np.log10(r.p["d1"]) == pytest.approx(7.0, abs=0.4)


def test_downstream_error_map_recovers_parameters():
    rng = np.random.default_rng(3)
    L = np.linspace(2.0, 5.0, 40)
    err = (0.9 - 5.0 * np.exp(-1.5 * L)) * np.exp(rng.normal(0, 0.002, L.size))
    r = fit("downstream", {"L": L}, err)
    assert r.converged
    assert r.p["epsilon"] == pytest.approx(0.9, abs=0.01)
    assert r.p["k"] == pytest.approx(5.0, rel=0.1)
    assert r.p["gamma"] == pytest.approx(1.5, abs=0.05)


def test_data_constrained_form_recovers_decay_constants():
    p = dict(a=6.255414, b=7.3049974, e=0.6254804, alpha=0.3526596, beta=0.3526596, R_D_star=15.387756,
             R_N_star=5.309743)
    rng = np.random.default_rng(5)
    N = 10 ** rng.uniform(7.5, 9.5, 150)
    U = 10 ** rng.uniform(8.5, 10.5, 150)
    D = U * 10 ** rng.uniform(0, 1.7, 150)          # 1 to 50 epochs
    L = muennighoff_loss(N, D, U, **p) * np.exp(rng.normal(0, 0.0005, N.size))
    r = fit("muennighoff", {"N": N, "D": D, "U": U}, L)
    assert r.converged
    assert r.p["R_D_star"] == pytest.approx(15.39, rel=0.15)
    assert r.p["R_N_star"] == pytest.approx(5.31, rel=0.2)


@pytest.mark.parametrize("form", [f for f in FORMS.values() if f.analytic_jac], ids=lambda f: f.slug)
def test_analytic_jacobians_match_finite_differences(form):
    rng = np.random.default_rng(9)
    X = {k: 10 ** rng.uniform(7, 11, 30) for k in form.inputs}
    theta = form.starts()[len(form.starts()) // 3] + 0.05
    y = form.predict(theta, X) * np.exp(rng.normal(0, 0.05, 30))
    f = objective(form, X, y)
    _, g = f(theta)
    fd = np.array([(f(theta + h)[0] - f(theta - h)[0]) / 2e-6 for h in 1e-6 * np.eye(theta.size)])
    assert np.allclose(g, fd, rtol=1e-4, atol=1e-9)


def _chinchilla_runs(seed=0, n=120, noise=0.005):
    rng = np.random.default_rng(seed)
    C = 10 ** rng.uniform(18, 22, n)
    N = np.sqrt(C / 120) * 10 ** rng.uniform(-0.8, 0.8, n)
    D = C / (6 * N)
    L = chinchilla_loss(N, D, 1.8, 480.0, 2100.0, 0.35, 0.37) * np.exp(rng.normal(0, noise, n))
    return N, D, C, L


def test_bootstrap_is_seeded_and_covers_truth():
    N, D, _, L = _chinchilla_runs()
    a = bootstrap("chinchilla", {"N": N, "D": D}, L, n_resamples=150, seed=4)
    b = bootstrap("chinchilla", {"N": N, "D": D}, L, n_resamples=150, seed=4)
    c = bootstrap("chinchilla", {"N": N, "D": D}, L, n_resamples=150, seed=5)
    assert a.samples == b.samples and a.samples != c.samples
    assert a.n_failed == 0 and len(a.samples) == 150
    lo, hi = a.ci(0.95)["alpha"]
    assert lo < 0.35 < hi and hi - lo < 0.2
    se = a.se()
    assert 0 < se["E"] < 0.2 and 0 < se["alpha"] < 0.1


def test_bootstrap_bands_on_frontier_and_predictions():
    N, D, _, L = _chinchilla_runs()
    boot = bootstrap("chinchilla", {"N": N, "D": D}, L, n_resamples=100, seed=1)
    C = np.logspace(18, 24, 7)
    nstar = np.array([allocation.compute_optimal(make_law("s", "chinchilla", p), C)["N"] for p in boot.param_dicts()])
    lo, mid, hi = (np.asarray(v) for v in __import__("scaling_explorer.fitting", fromlist=["band"]).band(nstar))
    assert np.all(lo <= mid) and np.all(mid <= hi)
    assert np.all((hi - lo)[-1] > (hi - lo)[0])      # the band widens with extrapolation
    plo, pmid, phi = prediction_band(boot, {"N": N[:5], "D": D[:5]})
    assert np.all(plo < phi)


def test_backtest_reports_extrapolation_error_per_form():
    N, D, C, L = _chinchilla_runs(noise=0.002)
    rows = backtest(["chinchilla", "kaplan_nd"], {"N": N, "D": D}, L, C, cutoff=1e21)
    by = {r["form"]: r for r in rows}
    assert by["chinchilla"]["n_test"] > 10 and by["chinchilla"]["error"] == ""
    assert by["chinchilla"]["median_abs_rel_err"] < 0.01
    assert by["chinchilla"]["median_abs_rel_err"] < by["kaplan_nd"]["median_abs_rel_err"]
    none = backtest(["chinchilla"], {"N": N, "D": D}, L, C, cutoff=1e30)
    assert none[0]["error"].startswith("no runs above")


def test_isoflop_method_recovers_allocation_exponent():
    rows = []
    for C in np.logspace(18, 21, 7):
        n_mid = np.sqrt(C / 120)
        for N in n_mid * np.logspace(-0.7, 0.7, 9):
            rows.append((N, C))
    N, C = np.array(rows).T
    L = chinchilla_loss(N, C / (6 * N), 1.8, 480.0, 2100.0, 0.35, 0.37)
    r = isoflop_fit(N, C, L)
    assert all(b["ok"] for b in r.budgets)
    assert r.a == pytest.approx(0.37 / 0.72, abs=0.01)
    assert r.a + r.b == pytest.approx(1.0, abs=1e-9)


def test_isoflop_method_explains_failures():
    with pytest.raises(FitError, match="at least two budgets"):
        isoflop_fit([1e8, 2e8, 4e8], [1e19, 1e19, 1e19], [3.0, 2.9, 3.1])


@pytest.mark.parametrize("bad, message", [
    ({"N": [1e8, 2e8], "D": [1e9, 2e9], "y": [3.0, 2.9]}, "cannot determine"),
    ({"N": [1e8] * 8, "D": np.logspace(9, 10, 8), "y": np.linspace(3, 2.5, 8)}, "same model parameters"),
    ({"N": np.logspace(8, 9, 8), "D": np.logspace(9, 10, 8), "y": [3, 2.9, np.nan, 2.7, 2.6, 2.5, 2.4, 2.3]},
     "NaN"),
])
def test_degenerate_data_names_the_problem(bad, message):
    with pytest.raises(FitError, match=message):
        fit("chinchilla", {"N": bad["N"], "D": bad["D"]}, bad["y"])


def test_huge_dynamic_range_still_fits():
    rng = np.random.default_rng(2)
    N = 10 ** rng.uniform(3, 14, 80)
    D = 10 ** rng.uniform(5, 16, 80)
    L = chinchilla_loss(N, D, 1.8, 480.0, 2100.0, 0.35, 0.37) * np.exp(rng.normal(0, 0.001, 80))
    r = fit("chinchilla", {"N": N, "D": D}, L)
    assert r.converged and r.p["alpha"] == pytest.approx(0.35, abs=0.02)


def test_gadre_form_recovers_parameters():
    from scaling_explorer.forms import gadre_loss
    rng = np.random.default_rng(8)
    N = 10 ** rng.uniform(7, 9.5, 80)
    M = 10 ** rng.uniform(0.5, 2.7, 80)
    D = M * N
    L = gadre_loss(N, D, 1.51, 141.0, 190.0, 0.121) * np.exp(rng.normal(0, 0.001, N.size))
    r = fit("gadre", {"C": 6 * N * D, "M": M}, L)
    assert r.converged
    assert r.p["eta"] == pytest.approx(0.121, abs=0.01)
    assert r.p["E"] == pytest.approx(1.51, abs=0.1)
    law = make_law("g", "gadre", r.p)
    assert allocation.compute_optimal(law, 1e21)["tokens_per_param"][0] == pytest.approx(3.43, rel=0.15)


def test_average_parameter_form_is_chinchilla_on_nbar():
    rng = np.random.default_rng(4)
    Nbar = 10 ** rng.uniform(7, 10, 70)
    D = 10 ** rng.uniform(9, 11.5, 70)
    L = chinchilla_loss(Nbar, D, 1.8, 480.0, 2100.0, 0.35, 0.37) * np.exp(rng.normal(0, 0.001, 70))
    a = fit("avg_param", {"Nbar": Nbar, "D": D}, L)
    b = fit("chinchilla", {"N": Nbar, "D": D}, L)
    for k in b.p:
        assert a.p[k] == pytest.approx(b.p[k], rel=1e-6), k
    assert a.p["alpha"] == pytest.approx(0.35, abs=0.02)


def test_lr_annealing_curve_recovers_parameters():
    from scaling_explorer.schedules import annealing_areas, lr_schedule
    truth = {"L0": 2.0, "A": 0.8, "alpha": 0.5, "C": 0.6}
    X = {"S1": [], "S2": []}
    y = []
    for kind in ("cosine", "wsd", "constant"):       # fitted on three schedules at once
        lr = lr_schedule(kind, 3000, 3e-3, warmup=100, final_frac=0.1, decay_frac=0.2)
        S1, S2 = annealing_areas(lr, 0.999)
        keep = slice(100, None, 20)
        X["S1"] += list(S1[keep])
        X["S2"] += list(S2[keep])
        y += list(truth["L0"] + truth["A"] * S1[keep] ** -truth["alpha"] - truth["C"] * S2[keep])
    y = np.array(y) * np.exp(np.random.default_rng(1).normal(0, 0.0005, len(y)))
    r = fit("lr_anneal", {k: np.array(v) for k, v in X.items()}, y)
    assert r.converged
    for k, v in truth.items():
        assert r.p[k] == pytest.approx(v, rel=0.05), k


def test_schedules_and_annealing_areas():
    from scaling_explorer.schedules import annealing_areas, lr_schedule
    const = lr_schedule("constant", 100, 1e-3)
    S1, S2 = annealing_areas(const, 0.999)
    assert S1[-1] == pytest.approx(0.1) and np.all(S2 == 0)          # no decay, no annealing area
    cos = lr_schedule("cosine", 1000, 1e-3, warmup=10, final_frac=0.1)
    assert cos[9] == pytest.approx(1e-3) and cos[-1] == pytest.approx(1e-4, rel=1e-6)
    wsd = lr_schedule("wsd", 1000, 1e-3, decay_frac=0.2)
    assert np.all(wsd[:800] == 1e-3) and wsd[-1] == pytest.approx(1e-4)
    # lam -> 0: each step counts only its own drop, so S2 at the end is the total drop
    _, S2_0 = annealing_areas(wsd, 0.0)
    assert S2_0[-1] == pytest.approx(1e-3 - 1e-4)
    with pytest.raises(ValueError):
        lr_schedule("linear", 100, 1e-3)
    with pytest.raises(ValueError):
        annealing_areas([1e-3, -1.0])


def test_annealing_areas_from_logged_steps_match_the_full_schedule():
    from scaling_explorer.schedules import annealing_areas, annealing_areas_at, lr_schedule
    lr = lr_schedule("cosine", 1000, 1e-3, warmup=20)
    S1, S2 = annealing_areas(lr, 0.99)
    steps = np.r_[1, np.arange(20, 1001, 20)]     # logged from the first step
    s1, s2 = annealing_areas_at(steps, lr[steps - 1], 0.99)
    assert np.abs(s1 - S1[steps - 1]).max() < 1e-4 * S1[-1] and np.abs(s2 - S2[steps - 1]).max() < 1e-3 * S2[-1]
    with pytest.raises(ValueError, match="increasing"):
        annealing_areas_at([3, 2, 5], [1e-3, 1e-3, 1e-3])
