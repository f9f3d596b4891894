"""lib.sweep_design: grid, seeded simulation, refit agreement with isoflop_fit, add/drop budgets."""
import math
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from scaling_explorer import published_laws
from scaling_explorer.isoflop import isoflop_fit
from scaling_explorer.laws import evaluate_loss
from scaling_explorer.sweep_design import _vertex_parabola, compare_designs, design_grid, simulate


@pytest.fixture(scope="module")
def law():
    return published_laws()["hoffmann2022-eq10-unrounded"]


def test_grid_spends_the_small_budget_and_centres_on_N_star(law):
    g = design_grid(law, 1e20, 5, 7)
    assert g["C"].sum() * 7 == pytest.approx(1e20)
    assert np.allclose(np.diff(np.log10(g["C"])), 0.5)
    assert np.allclose(6 * g["N"] * g["D"], g["C"][:, None])


def test_vectorised_refit_equals_isoflop_fit_parabola(law):
    g = design_grid(law, 1e20, 4, 7)
    rng = np.random.default_rng(3)
    L = evaluate_loss(law, g["N"], g["D"]) * np.exp(0.01 * rng.standard_normal(g["N"].shape))
    xo, lo = _vertex_parabola(np.log(g["N"]), L[None])
    res = isoflop_fit(g["N"].ravel(), np.repeat(g["C"], 7), L.ravel(), method="parabola")
    assert np.allclose(np.exp(xo[0]), [b["N_opt"] for b in res.budgets], rtol=1e-9)
    assert np.allclose(lo[0], [b["loss_opt"] for b in res.budgets], rtol=1e-9)


def test_noise_free_sweep_recovers_the_law_and_noise_widens_the_interval(law):
    g = design_grid(law, 1e20)
    exact = simulate(law, g, 1e23, 0.0, 20)
    assert exact["N_median"] == pytest.approx(exact["N_true"], rel=0.05)
    assert exact["loss_median"] == pytest.approx(exact["loss_true"], rel=0.01)
    lo, hi = simulate(law, g, 1e23, 0.002, 300, seed=1), simulate(law, g, 1e23, 0.02, 300, seed=1)
    assert hi["N_ratio"] > lo["N_ratio"] > 1
    assert simulate(law, g, 1e23, 0.01, 300, seed=5) == simulate(law, g, 1e23, 0.01, 300, seed=5)   # seeded
    assert lo["N_ci"][0] < lo["N_true"] < lo["N_ci"][1]


def test_adding_budgets_narrows_and_dropping_widens_and_it_is_fast(law):
    t = time.perf_counter()
    rows = {r["design"]: r for r in compare_designs(law, 1e20, 1e23, 0.005)}
    assert time.perf_counter() - t < 3.0
    base = rows["proposed"]["N* interval (×)"]
    assert rows["add a budget above"]["N* interval (×)"] < base < rows["drop largest budget"]["N* interval (×)"]
    assert rows["add a budget above"]["runs compute"] > rows["proposed"]["runs compute"]


def test_cubic_refit_goes_through_isoflop_fit(law):
    r = simulate(law, design_grid(law, 1e20), 1e23, 0.005, 20, method="cubic")
    assert r["n_sims"] == 20 and math.isfinite(r["N_median"])


@pytest.mark.slow
def test_simple_scaling_laws_suggest_runs_on_the_same_inputs():
    """simple-scaling-laws needs Python >= 3.12: run only where bench/peers.py made var/peers/ssl."""
    py = Path(__file__).resolve().parents[1] / "var" / "peers" / "ssl" / "bin" / "python"
    if not py.exists():
        pytest.skip("no var/peers/ssl venv (bench/peers.py makes it with pyenv's Python 3.12)")
    out = subprocess.run([str(py), "-c", "import simple_scaling_laws as s; print(hasattr(s, 'suggest_runs'), "
                          "hasattr(s, 'score_design'))"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    if "True" not in out.stdout:
        pytest.skip(f"this simple-scaling-laws has no suggest_runs/score_design: {out.stdout.strip()}")
