"""lib.runconfig: shape, exact parameter count in the law's convention, hyperparameters, steps, loss."""
import math

import pytest

from scaling_explorer import published_laws
from scaling_explorer.laws import evaluate_loss
from scaling_explorer.plan import plan
from scaling_explorer.runconfig import Shape, config_text, deepseek_M, param_count, run_config


@pytest.fixture(scope="module")
def laws():
    return published_laws()


def steplaw(laws):
    return {s: laws[s] for s in ("li2025-steplaw-lr", "li2025-steplaw-batchsize-tool")}


def test_param_count_matches_kaplan_12_L_d2_plus_stated_terms():
    # Kaplan et al. 2020 §3.1: N ≈ 12 n_layer d_model² (d_ff = 4 d_model); GPT-2's (48, 1600) shape (Fig. 5).
    s = Shape(48, 1600, 25, 64, 6400, 50257)
    c = param_count(s)
    assert c["kaplan_12Ld2"] == 12 * 48 * 1600 ** 2
    assert c["non_embedding"] == c["kaplan_12Ld2"] + 48 * 2 * 1600 + 1600        # norm gains, stated
    assert c["total"] == c["non_embedding"] + 2 * 50257 * 1600                  # untied in/out embeddings


def test_deepseek_M_is_table_3s_45_1B_for_32x4096():
    # DeepSeek LLM §3.2 M = 72 L d² + 12 L d l_seq; Table 3 lists 45.1B FLOPs/token for 32 layers × 4096
    # (as in tests/test_worked_examples.py).
    assert deepseek_M(Shape(32, 4096, 32, 128, 16384, 32000), 4096) == pytest.approx(45.1e9, rel=0.002)


@pytest.mark.parametrize("slug", ["hoffmann2022-eq10-unrounded", "kaplan2020-nopt", "muennighoff2023-c4",
                                  "deepseek2024-alloc", "besiroglu2024-refit"])
@pytest.mark.parametrize("rule", ["kaplan", "hoffmann-a9"])
def test_config_is_near_N_star_in_the_laws_convention(laws, slug, rule):
    p = plan(laws[slug], 1e22)
    rc = run_config(p, laws["deepseek2024-lr-batch"], rule=rule)
    counts = param_count(rc.shape)
    own = counts["non_embedding"] if laws[slug].params_counted == "non-embedding" else counts["total"]
    assert rc.params["law_N"] == own
    assert abs(own / p.N - 1) < 0.05
    assert rc.shape.d_model % rc.shape.head_dim == 0 and rc.shape.n_heads * rc.shape.head_dim == rc.shape.d_model
    assert rc.tokens == rc.steps * rc.batch_tokens and rc.batch_tokens == rc.batch_sequences * rc.seq_len
    assert rc.compute == pytest.approx(1e22, rel=0.01)               # same budget, rounded to whole steps
    if laws[slug].has_loss_nd:
        assert rc.loss_config == pytest.approx(float(evaluate_loss(laws[slug], own, rc.tokens)))
        assert rc.loss_cost == pytest.approx(rc.loss_config - p.loss)
    else:
        assert rc.loss_config is None


def test_hyperparameters_follow_the_stored_laws_and_warn_outside_their_range(laws):
    p = plan(laws["hoffmann2022-eq10-unrounded"], 1e22)
    rc = run_config(p, laws["deepseek2024-lr-batch"])
    q = laws["deepseek2024-lr-batch"].p
    C = rc.hyper["compute_MD"]
    assert rc.lr == pytest.approx(q["eta_coeff"] * C ** q["eta_exp"])
    assert rc.batch_tokens == pytest.approx(q["B_coeff"] * C ** q["B_exp"], rel=rc.seq_len / rc.batch_tokens)
    assert any("Extrapolation: C" in n.text for n in rc.notes)           # fitted on 1e17–2e19 only
    small = run_config(plan(laws["hoffmann2022-eq10-unrounded"], 1e19), laws["deepseek2024-lr-batch"])
    assert not any("DeepSeek" in n.text and "Extrapolation" in n.text for n in small.notes)
    s = run_config(p, steplaw(laws))
    N = s.params["non_embedding"]
    D = p.C / (6 * s.params["law_N"])
    assert s.lr == pytest.approx(math.exp(0.5863) * N ** -0.7129 * D ** 0.3075, rel=1e-3)
    assert any("Step Law was fitted" in n.text for n in s.notes)


def test_size_off_N_star_costs_loss_and_schedules(laws):
    p = plan(laws["hoffmann2022-eq10-unrounded"], 1e22)
    for sched in ("constant", "cosine", "wsd"):
        rc = run_config(p, laws["deepseek2024-lr-batch"], schedule=sched)
        assert rc.decay_steps == {"constant": 0, "cosine": rc.steps - rc.warmup_steps,
                                  "wsd": round(0.2 * rc.steps)}[sched]
        assert rc.loss_cost >= -1e-6                # N* is the optimum: any other size costs loss
    text = config_text(rc, "toml")
    assert "[model]" in text and f"n_layers = {rc.shape.n_layers}" in text and 'lr_schedule = "wsd"' in text
    assert "n_layers: " in config_text(rc, "yaml")
    assert rc.to_dict()["shape"]["n_layers"] == rc.shape.n_layers
