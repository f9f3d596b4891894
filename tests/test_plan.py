"""The planning core (lib.plan) and the one form registry (lib.forms): budget exactness over every
stored law, conventions named, data limits applied, warnings where a plan leaves the evidence,
and the regressions measured on the old main (issue "One law model, one planning core")."""
import inspect
import math

import numpy as np
import pytest

from scaling_explorer import allocation, conventions, plan
from scaling_explorer.forms import FIT_FORMS, FORMS
from scaling_explorer.laws import FLOP_FORMULAS, PARAM_COUNTS, from_fit, make_law

BUDGETS = (1e18, 1e21, 1e23, 3.8e25, 1e27)


@pytest.fixture(scope="module")
def alloc_laws(laws):
    return [lw for lw in laws.values() if lw.has_allocation]


# ---- the registry -----------------------------------------------------------------------------

def test_every_form_names_the_parameters_its_function_takes():
    for slug, form in FORMS.items():
        if form.fn is None:
            continue
        sig = [p for p in inspect.signature(form.fn).parameters]
        assert tuple(sig[-len(form.params):]) == form.params, slug


@pytest.mark.parametrize("slug", sorted(FIT_FORMS))
def test_every_fittable_form_predicts_what_its_published_function_gives(slug):
    """The fit's log-space prediction at θ equals the law function at to_params(θ): one law, not two."""
    form = FORMS[slug]
    rng = np.random.default_rng(0)
    n = 40
    X = {"N": 10 ** rng.uniform(7, 10, n), "D": 10 ** rng.uniform(9, 12, n), "U": 10 ** rng.uniform(9, 11, n),
         "x": 10 ** rng.uniform(3, 9, n), "L": rng.uniform(2, 4, n), "P": 2.0 ** rng.integers(0, 4, n),
         "S1": 10 ** rng.uniform(0, 3, n), "S2": rng.uniform(0, 5, n), "Nbar": 10 ** rng.uniform(7, 10, n)}
    X["C"], X["M"] = 6 * X["N"] * X["D"], X["D"] / X["N"]
    lo = np.array([b[0] for b in form.bounds])
    hi = np.array([b[1] for b in form.bounds])
    starts = form.starts()
    checked = 0
    for theta in starts[rng.choice(len(starts), size=min(len(starts), 12), replace=False)]:
        theta = np.clip(theta, lo, hi)
        if slug in ("power_law", "power_offset") and theta[-1] <= 0:
            continue
        with np.errstate(all="ignore"):
            pred = form.pred(theta, X)[0]
            p = form.to_params(theta)
            if not all(np.isfinite(list(p.values()))):
                continue
            args = {"chinchilla": ("N", "D"), "kaplan_nd": ("N", "D"), "muennighoff": ("N", "D", "U"),
                    "gadre": ("N", "D"), "downstream": ("L",), "parallel": ("N", "P"), "avg_param": ("Nbar", "D"),
                    "lr_anneal": ("S1", "S2")}.get(slug, ("x",))
            direct = np.log(form.fn(*(X[a] for a in args), **p))
        ok = np.isfinite(pred) & np.isfinite(direct)
        if ok.sum() < n // 2:
            continue
        assert np.allclose(pred[ok], direct[ok], rtol=1e-9, atol=1e-9), (slug, theta)
        checked += 1
    assert checked >= 3, slug


def test_a_fitted_power_offset_becomes_a_law_of_the_published_form():
    from scaling_explorer.fitting import fit
    x = np.logspace(6, 11, 40)
    y = 1.7 + (4.7e8 / x) ** 0.3
    law = from_fit(fit("power_offset", {"x": x}, y), "fit:x:power_offset", "fit", "x")
    assert law.form == "power_offset" and set(law.p) == {"E", "x_0", "alpha"}
    assert law.p["x_0"] == pytest.approx(4.7e8, rel=1e-3) and law.p["alpha"] == pytest.approx(0.3, rel=1e-4)


def test_every_allocating_law_states_its_conventions_as_data(alloc_laws):
    for lw in alloc_laws:
        assert lw.flops in FLOP_FORMULAS and lw.flops, lw.slug
        assert lw.params_counted in PARAM_COUNTS, lw.slug
        if lw.form == "allocation_power" and lw.p["k_D"] > 0:
            assert lw.allocate_from in ("N", "D"), lw.slug
    kaplan = {lw.slug: lw for lw in alloc_laws}["kaplan2020-lnd"]
    assert kaplan.frontier == "derived"


# ---- budget exactness -------------------------------------------------------------------------

def test_every_plan_spends_exactly_its_budget(alloc_laws):
    for lw in alloc_laws:
        for C in BUDGETS:
            for U in (math.inf, 3e10):
                p = plan.plan(lw, C, U=U)
                assert abs(6 * p.N * p.D / C - 1) <= 1e-9, (lw.slug, C, U)
                assert p.C_spent == pytest.approx(C, rel=1e-9)


@pytest.mark.parametrize("convention", sorted(conventions.CHOICES))
def test_every_comparison_row_spends_the_budget_in_the_chosen_convention(alloc_laws, convention):
    for C in (1e21, 3.8e25):
        for row in plan.compare(alloc_laws, C, convention=convention):
            assert abs(row["C spent"] / C - 1) <= 1e-9, (row["slug"], C, convention)
            assert row["convention"], row["slug"]


def test_kaplan_and_shen_allocations_no_longer_overspend(laws):
    """Measured on the old main: kaplan2020-nopt spent 1.806x its budget at every C, shen2024-linear-llama
    1.55x at 1e23 and 5.79x at 3.8e25. Now the N*(C) rule is kept and D* follows from the budget,
    and the plan says by how much the paper's two rules disagree."""
    for slug, C, gap in (("kaplan2020-nopt", 1e23, 1.806), ("kaplan2020-nopt", 3.8e25, 1.806),
                         ("shen2024-linear-llama", 1e23, 1.549), ("shen2024-linear-llama", 3.8e25, 5.791)):
        p = plan.plan(laws[slug], C)
        assert 6 * p.N * p.D == pytest.approx(C, rel=1e-12)
        assert float(allocation.published_rule_gap(laws[slug], C)) == pytest.approx(gap, rel=1e-3)
        assert any(f"{gap:.4g}× the budget" in n.text[:200] or f"{float(allocation.published_rule_gap(laws[slug], C)):.4g}×"
                   in n.text for n in p.notes_for("law")), slug
    # the N rule itself is untouched: Kaplan Table 6, N = 1.3e9 C^0.73 (C in PF-days)
    assert plan.plan(laws["kaplan2020-nopt"], 8.64e19).N == pytest.approx(1.3e9, rel=1e-12)


def test_derived_frontier_is_labelled(laws):
    p = plan.plan(laws["kaplan2020-lnd"], 1e23)
    assert any("Derived frontier" in n.text for n in p.notes_for("law"))
    assert "(derived frontier)" in plan.frontier(laws["kaplan2020-lnd"], [1e23])["label"]
    row = plan.compare([laws["kaplan2020-lnd"]], 1e23)[0]
    assert row["law"].endswith("(derived)")


# ---- conventions ------------------------------------------------------------------------------

def test_pearce_song_conversion_round_trips_and_matches_their_formula():
    N = np.array([1e6, 1e8, 1e10, 1e12])
    T = conventions.nonemb_to_total(N)
    assert T == pytest.approx(N + 47491 * N ** (1 / 3), rel=1e-12)
    assert conventions.total_to_nonemb(T) == pytest.approx(N, rel=1e-9)
    assert conventions.converter("flops-per-token", "total") is None
    assert conventions.converter("active", "non-embedding") is None


def test_comparison_converts_only_where_a_cited_conversion_exists(laws):
    rows = {r["slug"]: r for r in plan.compare([laws[s] for s in ("hoffmann2022-eq10", "kaplan2020-nopt",
                                                                   "deepseek2024-alloc")], 1e23, convention="total")}
    assert "Pearce & Song" in rows["kaplan2020-nopt"]["convention"]
    assert rows["deepseek2024-alloc"]["convention"].startswith("not converted")
    assert rows["hoffmann2022-eq10"]["convention"] == "total parameters"
    own = plan.plan(laws["kaplan2020-nopt"], 1e23)
    assert rows["kaplan2020-nopt"]["N*"] > own.N      # total counts add the embedding
    published = {r["slug"]: r for r in plan.compare([laws["kaplan2020-nopt"]], 1e23)}
    assert published["kaplan2020-nopt"]["N*"] == pytest.approx(own.N, rel=1e-12)


# ---- data limits and warnings -----------------------------------------------------------------

def test_a_data_limit_applies_to_every_law_with_a_loss(laws):
    """Old main: Hoffmann's law with U = 25e9 and 1e13 inference tokens trained on 79 epochs at
    1,064 tokens per parameter, no warning. Now U enters its loss through effective data."""
    p = plan.plan(laws["hoffmann2022-eq10"], 1e22, U=25e9, inference_tokens=1e13)
    assert any("effective data" in n.text for n in p.notes_for("data"))
    free = plan.plan(laws["hoffmann2022-eq10"], 1e22)
    assert p.loss > free.loss and p.N > free.N          # less data: a bigger model, a higher loss
    a = p.inference["inference_aware"]
    if a["D"] / 25e9 > 4:
        assert p.notes_for("inference"), "an inference-aware plan past 4 epochs must say so"


@pytest.mark.parametrize("inference_tokens", [1e12, 1e13, 1e14])
def test_inference_aware_plan_warns_on_epochs(laws, inference_tokens):
    """Old main: Muennighoff law, C = 1e22, U = 25e9: the alternative needed 15.6, 33 and 63 epochs with no warning."""
    p = plan.plan(laws["muennighoff2023-c4"], 1e22, U=25e9, inference_tokens=inference_tokens)
    a = p.inference["inference_aware"]
    epochs = a["D"] / 25e9
    assert epochs > 4
    texts = [n.text for n in p.notes_for("inference") if n.level == "warning"]
    assert any(f"{epochs:.1f} epochs" in t for t in texts), texts
    assert p.to_dict()["notes"], "warnings travel in the JSON export"


def test_allocation_only_law_with_a_data_limit_says_it_repeats_data(laws):
    p = plan.plan(laws["deepseek2024-alloc"], 1e24, U=1e11)
    texts = " ".join(n.text for n in p.notes_for("data"))
    assert "no loss function" in texts and "repeats" in texts


def test_fixed_size_plan_warns_out_of_domain_and_on_epochs(laws):
    p = plan.plan(laws["hoffmann2022-eq10"], 1e24, U=1e10, fixed_N=1e9)
    fixed = " ".join(n.text for n in p.notes_for("fixed"))
    assert "epochs" in fixed and "Extrapolation: D" in fixed


def test_optimum_on_a_search_bound_is_flagged():
    # a law whose loss keeps falling with N at fixed C: no interior optimum, the search ends on its bound
    law = make_law("edge", "chinchilla", {"E": 1.0, "A": 1e6, "B": 1e-9, "alpha": 0.5, "beta": 0.05},
                   params_counted="total", flops="6ND")
    opt = allocation.compute_optimal(law, 1e21, U=1e12)
    assert bool(opt["on_bound"][0])
    p = plan.plan(law, 1e21, U=1e12)
    assert any("edge of the search range" in n.text for n in p.notes_for("optimum"))


def test_plan_refuses_laws_without_allocation_and_bad_budgets(laws):
    with pytest.raises(ValueError, match="no compute-optimal allocation"):
        plan.plan(laws["kaplan2020-ln"], 1e22)
    with pytest.raises(ValueError, match="positive"):
        plan.plan(laws["hoffmann2022-eq10"], -1.0)


def test_plan_export_is_plain_json(laws):
    import json
    p = plan.plan(laws["muennighoff2023-c4"], 1e22, U=25e9, inference_tokens=1e12, fixed_N=3e9,
                  hardware=plan.Hardware("x", 8, 1e15, 0.4, 2.0))
    d = json.loads(json.dumps(p.to_dict()))
    assert d["compute_optimal"]["C_spent"] == pytest.approx(1e22)
    assert d["law"]["parameters_counted"] == "total parameters"
    assert d["cost"]["gpu_hours"] > 0 and d["fixed_size"]["loss"] > 0


def test_bootstrap_summaries_do_not_raise_when_every_resample_failed():
    """Old main: BootstrapResult.se()/ci() raised IndexError when every resample failed."""
    from scaling_explorer.fitting import BootstrapResult
    empty = BootstrapResult(model="chinchilla", seed=0, n_resamples=10, samples=(), param_names=("E", "A", "B", "alpha",
                            "beta"), n_failed=10)
    assert all(math.isnan(v) for v in empty.se().values())
    assert all(math.isnan(lo) and math.isnan(hi) for lo, hi in empty.ci().values())
    one = BootstrapResult(model="chinchilla", seed=0, n_resamples=10, samples=((1.7, 400.0, 410.0, 0.34, 0.28),),
                          param_names=("E", "A", "B", "alpha", "beta"), n_failed=9)
    assert math.isnan(one.se()["E"]) and one.ci()["E"] == (1.7, 1.7)


def test_isoflop_hover_keeps_each_size_with_its_tokens():
    """Old main: with a loss dropped (non-finite), the hover's D values shifted against N."""
    from scaling_explorer.figures import isoflop_figure
    N = np.array([1e8, 1e9, 1e10, 1e11])
    curve = {"N": N, "D": 1e21 / (6 * N), "loss": np.array([np.nan, 2.5, 2.4, 2.6]), "N_opt": 1e10, "loss_opt": 2.4}
    tr = isoflop_figure(curve, "law", "paper", 1e21).data[0]
    assert list(tr.x) == [1e9, 1e10, 1e11]
    assert np.allclose(np.asarray(tr.customdata, float), 1e21 / (6 * np.array([1e9, 1e10, 1e11])))
