"""The Fit page on real sweeps (issue 11): the frontier fit, the sweep and its lower envelope with
all / best-per-cell runs, loss curves reduced per run, run-grouped bootstraps, bad input as plain
messages, and each registered dataset opened with one click (from a 127.0.0.1 mirror)."""
import io
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, charts, run_page, serve_shared
from scaling_explorer import figures, ingest, registry, store, sweeps
from scaling_explorer.fitting import FitError, fit

TRUE = {"E": 1.8, "A": 480.0, "B": 2100.0, "alpha": 0.35, "beta": 0.37}


def law(N, D):
    return TRUE["E"] + TRUE["A"] / N ** TRUE["alpha"] + TRUE["B"] / D ** TRUE["beta"]


def sweep_csv(seed=0) -> bytes:
    """Six sizes per budget, five learning rates per (N, D) cell, mistuning never below the law."""
    rng = np.random.default_rng(seed)
    rows = []
    for C in np.logspace(18, 21.5, 8):
        for N in np.sqrt(C / 120) * np.logspace(-0.6, 0.6, 6):
            D = C / (6 * N)
            for j, lr in enumerate((3e-4, 6e-4, 1e-3, 2e-3, 4e-3)):
                off = j - 2 + rng.uniform(-0.5, 0.5)
                rows.append((f"run-{len(rows)}", N, D, lr, 256, law(N, D) * np.exp(0.02 * (np.log10(N) - 6.5) * off ** 2)))
    df = pd.DataFrame(rows, columns=["run_id", "params", "tokens", "learning_rate", "batch_size", "loss"])
    return df.to_csv(index=False).encode()


def curves_csv(step_col="step", contradictory=False) -> bytes:
    """Eight runs (four sizes, two learning rates), 20 checkpoints each, a warmup bump early on."""
    rows = []
    for i, N in enumerate((2e7, 6e7, 2e8, 6e8)):
        for k, bad in enumerate((1.0, 1.03)):
            for step in range(50, 1050, 50):
                D = 20 * N * step / 1000
                n = N * (2 if contradictory and step == 1000 and i == 0 else 1)
                warm = 0.5 if step < 100 else 0.0
                rows.append((f"r{i}{k}", step, n, D, law(N, D) * bad + warm))
    df = pd.DataFrame(rows, columns=["run_id", step_col, "params", "tokens", "loss"])
    return df.to_csv(index=False).encode()


def stored(data: bytes, name: str) -> str:
    with store.connect_user() as con:
        return ingest.import_csv(con, data, ingest.Mapping(n_params="params", n_tokens="tokens", loss="loss",
                                                           run_name="run_id"), name).dataset_id


def run_fit(**params) -> AppTest:
    return run_page("fit", timeout=180, **params)


def texts(at, kind):
    return " ".join(str(e.value) for e in getattr(at, kind))


# ---- pure parts: the sweep figure and lib.sweeps.prepare ----------------------------------------

def test_sweep_figure_shows_every_run_and_the_best_per_cell():
    df = pd.read_csv(io.BytesIO(sweep_csv())).rename(columns={"run_id": "run_name", "params": "n_params",
                                                             "tokens": "n_tokens"})
    df["compute_flops"] = 6 * df["n_params"] * df["n_tokens"]
    env = sweeps.envelope(df)
    fig = figures.sweep_figure(df, env)
    sent = json.loads(fig.to_json())
    assert sent == json.loads(go.Figure(fig.to_dict()).to_json())        # what plotly's validation would send
    assert fig.data[0].name == "all runs (240)" and len(fig.data[0].x) == 240
    best = fig.data[1:]
    assert sum(len(t.x) for t in best) == len(env) == 48
    assert all(t.name.startswith("best per cell, N = ") and "best of" in t.hovertemplate for t in best)
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "linear"


def _runs_and_table(data: bytes):
    df = pd.read_csv(io.BytesIO(data))
    runs = pd.DataFrame({"run_name": df["run_id"].astype(str), "n_params": df["params"], "n_tokens": df["tokens"],
                         "compute_flops": 6 * df["params"] * df["tokens"], "loss": df["loss"]})
    return runs, df.drop(columns=["run_id"])


def test_prepare_reduces_curves_and_groups_checkpoints_by_run():
    runs, table = _runs_and_table(curves_csv())
    final = sweeps.prepare(runs, table, how="final")
    assert final.curves and len(final.rows) == 8 and final.groups is None
    assert "dropped 8 warmup checkpoints" in final.notes[0] and "'step' is the step column" in final.notes[0]
    assert (final.rows["compute_flops"] == 6 * final.rows["n_params"] * final.rows["n_tokens"]).all()
    every = sweeps.prepare(runs, table, how="checkpoints")
    assert len(every.rows) == 8 * 19 and len(set(every.groups)) == 8
    best = sweeps.prepare(runs, table, how="final", mode="best")
    assert len(best.rows) == 4 and best.max_in_cell == 2 and best.loss == "huber"
    assert sweeps.prepare(runs, table, mode="frontier").loss == "frontier"


def test_prepare_says_what_it_assumed_and_refuses_what_cannot_be_fitted():
    runs, table = _runs_and_table(curves_csv(step_col="epoch_marker"))
    p = sweeps.prepare(runs, table)                    # no step column: rows are fitted as runs, and said
    assert not p.curves and len(p.rows) == 160 and "no step column" in p.notes[0]
    runs, table = _runs_and_table(curves_csv(contradictory=True))
    with pytest.raises(FitError, match="different model sizes"):
        sweeps.prepare(runs, table)
    runs, table = _runs_and_table(curves_csv())
    with pytest.raises(FitError, match="one model size"):
        sweeps.prepare(runs.assign(n_params=1e8), table)


# ---- the page --------------------------------------------------------------------------------

def test_sweep_page_shows_the_envelope_and_fits_all_best_or_frontier():
    ds = stored(sweep_csv(), "lr sweep")
    at = run_fit(ds=ds, forms="chinchilla", hold="20")
    assert at.radio(key="fit.loss").value == "huber" and at.radio(key="fit.pick").value == "all"
    assert "the law follows the best-tuned runs" in texts(at, "caption")
    assert len(charts(at)) == 4                       # the sweep chart + the three fit charts
    assert "varying learning_rate, batch_size" in texts(at, "caption") and "240 runs in 48" in texts(at, "caption")
    bt = at.dataframe[1].value                                     # the sweep: both fit losses back-tested
    assert set(bt["loss"]) == {"Symmetric Huber (default)", "Frontier fit (asymmetric)"}

    def alpha(a):
        return float(a.dataframe[0].value["parameters"].iloc[0].split("alpha = ")[1].split(",")[0].split(" ")[0])
    best = run_fit(ds=ds, forms="chinchilla", hold="0", pick="best")
    assert "best run of each of 48 (N, D) cells (192 worse runs left out)" in texts(best, "info")
    front = run_fit(ds=ds, forms="chinchilla", hold="0", loss="frontier")
    assert abs(alpha(front) - 0.35) < 0.02 < abs(alpha(at) - 0.35)   # the frontier fit recovers the law
    # the page's widget changes write the link
    at.radio(key="fit.loss").set_value("frontier").run()
    assert at.query_params["loss"] in ("frontier", ["frontier"])


def test_fit_export_says_which_loss_was_used():
    from scaling_explorer.app import fit_views
    runs, table = _runs_and_table(curves_csv())
    prep = sweeps.prepare(runs, table, how="checkpoints")
    r = fit("chinchilla", {"N": prep.rows["n_params"], "D": prep.rows["n_tokens"]}, prep.rows["loss"], loss="frontier")
    out = json.loads(fit_views.export_json("x", {"chinchilla": r}, {}, 0, 0, "frontier", prep))
    assert out["loss"] == "frontier" and out["overestimate_penalty"] > 1
    assert out["fits"]["chinchilla"]["loss"] == "frontier" and out["n_runs"] == 152
    assert out["runs_fitted"] == {"mode": "all", "loss_curves": "checkpoints", "bootstrap_resamples_runs": True,
                                  "notes": list(prep.notes)}


def test_loss_curves_are_reduced_on_screen_and_the_bootstrap_resamples_runs():
    ds = stored(curves_csv(), "loss curves")
    at = run_fit(ds=ds, forms="chinchilla", hold="0")
    assert at.radio(key="fit.curve").value == "final"
    assert "dropped 8 warmup checkpoints" in texts(at, "info") and "kept 8 points" in texts(at, "info")
    ann = run_fit(ds=ds, forms="chinchilla", hold="0", curve="annealed")
    assert "lowest loss in the last 10% of steps" in texts(ann, "info")
    ck = run_fit(ds=ds, forms="chinchilla", hold="0", curve="checkpoints", boot="200", seed="1")
    assert "kept 152 points" in texts(ck, "info")
    assert "resamples of the 8 runs (whole runs" in texts(ck, "caption")
    assert "±" in ck.dataframe[0].value["parameters"].iloc[0]


@pytest.mark.parametrize("make, kind, words", [
    (lambda: curves_csv(step_col="epoch_marker"), "info", "there is no step column"),
    (lambda: curves_csv(contradictory=True), "error", "different model sizes"),
    (lambda: pd.read_csv(io.BytesIO(sweep_csv())).assign(params=1e8).to_csv(index=False).encode(), "error",
     "one model size"),
    (lambda: pd.read_csv(io.BytesIO(sweep_csv())).iloc[::40].to_csv(index=False).encode(), "warning",
     "Treat this fit as unreliable"),
], ids=["checkpoints-without-step", "contradictory-run-id", "one-model-size", "frontier-on-a-handful"])
def test_bad_sweeps_get_plain_messages(make, kind, words):
    ds = stored(make(), f"bad sweep {words}")
    at = run_fit(ds=ds, forms="chinchilla", hold="0", loss="frontier")
    assert words in texts(at, kind)
    assert "Traceback" not in texts(at, "error")


# ---- one click opens a registered dataset ----------------------------------------------------

@pytest.fixture(scope="module")
def mirror():
    yield from serve_shared(("sardana2023", "trainingresults.csv"))


def test_a_registered_dataset_opens_on_the_fit_page_with_one_click(mirror, monkeypatch):
    monkeypatch.setenv("SCALING_EXPLORER_MIRROR", mirror)
    at = run_fit(forms="chinchilla", hold="0")
    assert at.selectbox[0].value == "demo"
    at.selectbox(key="fit.reg").set_value("sardana-2023-beyond-chinchilla")
    at.button(key="fit.fetch").click().run()
    assert not at.exception, [e.value for e in at.exception]
    ds = at.selectbox[0].value
    assert ds != "demo" and "47 runs" in texts(at, "success")
    assert at.query_params["ds"] in (ds, [ds])
    assert len(at.dataframe[0].value) == 1 and "alpha = " in at.dataframe[0].value["parameters"].iloc[0]


def test_offline_the_fetch_says_so_and_nothing_changes(monkeypatch, tmp_path):
    monkeypatch.setenv("SCALING_EXPLORER_MIRROR", "http://127.0.0.1:9")      # nothing listens on port 9
    monkeypatch.setattr(registry, "cache_dir", lambda: tmp_path)            # and nothing cached
    with store.connect_user() as con:
        before = store.store_checksum(con)
    at = run_fit(hold="0")
    at.selectbox(key="fit.reg").set_value("epoch-chinchilla-2024")
    at.button(key="fit.fetch").click().run()
    assert not at.exception
    assert "offline" in texts(at, "error") and at.selectbox[0].value == "demo"
    with store.connect_user() as con:
        assert store.store_checksum(con) == before
    # the Data page fetches through the same function and says the same
    data = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=120)
    data.query_params["view"] = "datasets"
    data.run()
    data.selectbox(key="data.reg").set_value("epoch-chinchilla-2024")
    data.button(key="data.fetch").click().run()
    assert not data.exception and "offline" in texts(data, "error")
