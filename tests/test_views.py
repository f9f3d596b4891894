"""The pure functions behind the Law families views."""
import math

import numpy as np
import pytest

from scaling_explorer import views
from scaling_explorer.laws import make_law


def _power(slug, k, a, unit="PF-day"):
    return make_law(slug, "power_coeff", {"k": k, "a": a}, variable="C", compute_unit=unit)


def test_compute_multiplier_and_crossover_are_consistent():
    base, other = _power("b", 3.7087, -0.0798), _power("o", 3.4788, -0.0753)   # Shen et al. Table 3
    C = 1e22
    r = views.compare_power_laws(base, other, C)
    u = 8.64e19
    # the other law at multiplier * C reaches the base law's loss at C
    assert other.p["k"] * (r["multiplier"] * C / u) ** other.p["a"] == pytest.approx(r["base_loss"], rel=1e-12)
    # at the crossover both laws give the same loss, and the multiplier there is 1
    at = views.compare_power_laws(base, other, r["crossover_flops"])
    assert at["loss"] == pytest.approx(at["base_loss"], rel=1e-9)
    assert at["multiplier"] == pytest.approx(1.0, rel=1e-6)
    # a law compared with itself: multiplier 1, no crossover
    same = views.compare_power_laws(base, base, C)
    assert same["multiplier"] == pytest.approx(1.0) and math.isinf(same["crossover_flops"])
    with pytest.raises(ValueError, match="different units"):
        views.compare_power_laws(base, _power("g", 1.0, -0.1, "GFLOP"), C)


def test_schedule_curves_orders_schedules_by_their_areas():
    kw = dict(steps=4000, peak=3e-4, warm=100, final=0.1, decay=0.2, lam=0.999)
    _, _, no_anneal = views.schedule_curves(**kw, L0=2.0, A=0.5, alpha=0.5, C=0.0)
    # without the annealing term the largest area S1 (the constant schedule) ends lowest
    assert no_anneal["constant"] < no_anneal["warmup-stable-decay"] < no_anneal["cosine"]
    lrs, losses, anneal = views.schedule_curves(**kw, L0=2.0, A=0.5, alpha=0.5, C=1.0)
    assert anneal["constant"] == pytest.approx(no_anneal["constant"])     # a constant LR anneals nothing
    assert anneal["cosine"] < no_anneal["cosine"] and anneal["warmup-stable-decay"] < no_anneal["warmup-stable-decay"]
    assert all(len(c["x"]) <= 400 for c in lrs)
    assert all(c["x"].min() >= 100 for c in losses)                         # the loss is drawn after warmup
    with pytest.raises(ValueError, match="warmup must be shorter"):
        views.schedule_curves(**{**kw, "warm": 4000}, L0=2.0, A=0.5, alpha=0.5, C=1.0)


def test_bnsl_shape_follows_its_asymptotes():
    xs, y, before, after, at_break = views.bnsl_shape(a=1.7, c0=0.3, c1=0.8, d1=1e8, f1=0.5)
    far_left, far_right = xs < 1e5, xs > 1e11
    assert np.allclose(y[far_left], before[far_left], rtol=1e-3)
    assert np.allclose(y[far_right], after[far_right], rtol=1e-3)
    slope = np.diff(np.log(y)) / np.diff(np.log(xs))
    assert slope[0] == pytest.approx(-0.3, abs=1e-3) and slope[-1] == pytest.approx(-1.1, abs=1e-3)
    assert np.isnan(before[xs > 1e9]).all() and np.isnan(after[xs < 1e7]).all()
    assert at_break == pytest.approx(2 ** (-0.8 * 0.5))       # (1 + 1)^(-c1 f1) with b = d1^c0


def test_bnsl_shape_stays_positive_at_the_slider_extremes():
    # a large limit a and a steep, tiny reducible part: no cancellation to 0 on the log axis
    xs, y, before, after, at_break = views.bnsl_shape(a=10.0, c0=2.0, c1=2.0, d1=1e8, f1=0.05)
    assert np.all(np.isfinite(y) & (y > 0))
    from scaling_explorer.forms import bnsl
    assert at_break + 10.0 == pytest.approx(float(bnsl(1e8, 10.0, 1e16, 2.0, 2.0, 1e8, 0.05)))


def test_law_span_and_input_units():
    law = make_law("t", "power_log10norm", {"log10_A0": -6.65, "B0": 0.101}, variable="C", compute_unit="PF-day")
    assert views.law_span(law) == (-9.0, 2.0)
    assert float(views.law_input(law, 2.0)) == pytest.approx(2.0 * 8.64e19)
    ranged = make_law("v", "power_scaled", {"beta": 2.0, "alpha": -0.23}, variable="N", x_range=(0.0185, 2.0))
    lo, hi = views.law_span(ranged)
    assert 10 ** lo == pytest.approx(0.00185) and 10 ** hi == pytest.approx(20.0)
    assert float(views.law_input(ranged, 3.0)) == 3.0
