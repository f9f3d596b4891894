"""Issue 13: one guard between stored data and every page. Whatever a stored dataset holds, no page
raises; an error is one message naming the dataset and what to fix (lib/scaling_explorer/app/guard.py)."""
import numpy as np
import pandas as pd
import pytest

from conftest import run_page

N = np.repeat(np.logspace(7, 9.5, 6), 3)
D = N * np.tile([10.0, 20.0, 40.0], 6)
L = 1.8 + 480 / N ** 0.35 + 2100 / D ** 0.37


def good():
    return {"n_params": N.copy(), "n_tokens": D.copy(), "compute_flops": 6 * N * D, "loss": L.copy()}


def _with(**changes):
    cols = good()
    for k, fn in changes.items():
        cols[k] = fn(cols[k])
    return cols


def _set(i, x):
    def f(a):
        a = a.copy()
        a[i] = x
        return a
    return f


# Stored as-is (straight into the store, past the upload check: an old import, another tool, a bug).
HOSTILE = {
    "nan loss": _with(loss=_set(4, np.nan)),
    "inf compute": _with(compute_flops=_set(2, np.inf)),
    "zero params": _with(n_params=_set(0, 0.0)),
    "negative tokens": _with(n_tokens=_set(5, -1e9)),
    "constant loss": _with(loss=lambda a: np.full_like(a, 2.5)),
    "all runs identical": {k: np.full(18, v[0]) for k, v in good().items()},
    "two runs": {k: v[:2] for k, v in good().items()},
    "N = 1e300": _with(n_params=_set(7, 1e300)),
    "pf-days read as flops": _with(compute_flops=lambda a: a / 8.64e19, n_tokens=lambda a: a / 8.64e19),
    "loss 1e30": _with(loss=_set(3, 1e30)),
}


def _store(name, cols):
    from scaling_explorer import store
    runs = pd.DataFrame({"run_name": [f"r{i}" for i in range(len(cols["loss"]))], **cols})
    with store.connect_user() as con:
        return store.import_runs(con, runs, name).dataset_id


def _no_traceback(at):
    assert not at.exception, [e.value for e in at.exception]
    return [e.value for e in at.error]


@pytest.mark.parametrize("name", list(HOSTILE))
def test_no_stored_dataset_makes_a_page_raise(name):
    ds = _store(name, HOSTILE[name])
    fit = run_page("fit", ds=ds, forms="chinchilla,kaplan_nd,gadre", hold="20")
    errors = _no_traceback(fit)
    for e in errors:
        assert "Traceback" not in e and ("dataset “" in e or "fitted" in e or "runs" in e), e
    for form in ("chinchilla", "kaplan_nd", "gadre"):
        planner = run_page("planner", law=f"fit:{ds}:{form}", C="1e22")
        shown = _no_traceback(planner) + [m.value for m in planner.metric]
        assert shown, "the planner says something: a plan or a message"
        for e in _no_traceback(planner):
            assert "for dataset “" in e and name in e, e        # names the dataset (its stored name)


def test_an_error_anywhere_in_the_fit_drawing_becomes_one_message_naming_the_dataset(monkeypatch):
    from scaling_explorer import views
    ds = _store("guard probe: predictions", good())

    def boom(*a, **k):
        raise OverflowError("(34, 'Numerical result out of range')")
    monkeypatch.setattr(views, "fit_predictions", boom)
    at = run_page("fit", ds=ds, forms="chinchilla")
    errors = _no_traceback(at)
    msg = [e for e in errors if e.startswith("Could not fit and draw this dataset")]
    assert len(msg) == 1, errors
    assert "guard probe: predictions" in msg[0] and "unit mistake" in msg[0] and "upload check" in msg[0]
    # what was drawn before the error stays; the next section still runs
    assert at.dataframe, "the fitted-parameters table drawn before the error is still there"
    assert any("Fit any law form" in s.value for s in at.subheader)


def test_an_error_in_the_plan_view_names_the_dataset_and_keeps_the_page(monkeypatch):
    from scaling_explorer import figures
    ds = _store("guard probe: plan", _with(loss=lambda a: a * 1.001))   # other content: its own dataset

    def boom(*a, **k):
        raise RuntimeError("a plotting bug")
    monkeypatch.setattr(figures, "isoflop_figure", boom)
    at = run_page("planner", law=f"fit:{ds}:chinchilla", C="1e21")
    errors = _no_traceback(at)
    assert len(errors) == 1 and errors[0].startswith("Could not show the plan for dataset “guard probe: plan (")
    assert "This is a bug in Scaling Explorer, not in your data" in errors[0]
    assert at.metric, "the plan's numbers drawn before the error stay on screen"


def test_every_page_is_guarded_by_the_app_itself(monkeypatch):
    """app.py wraps each page in the guard: an error no page section catches still becomes a message."""
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT
    from scaling_explorer.app import cache

    def boom(*a, **k):
        raise ValueError("store returned garbage")
    monkeypatch.setattr(cache, "tables_index", boom)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(e.value.startswith("Could not show this page: store returned garbage") for e in at.error)


@pytest.mark.parametrize("exc, words", [
    (OverflowError("math range error"), ["unit mistake", "PF-days", "upload check"]),
    (ZeroDivisionError("division by zero"), ["unit mistake"]),
    (KeyError("loss"), ["no column 'loss'", "map that column"]),
    (ValueError("array must not contain infs or NaNs"), ["infs or NaNs", "Re-import"]),
    (RuntimeError("x"), ["bug in Scaling Explorer", "address bar"]),
])
def test_explain_names_the_dataset_and_what_to_fix(exc, words):
    from scaling_explorer.app.guard import explain
    msg = explain("fit Chinchilla", exc, "my sweep.csv")
    assert msg.startswith("Could not fit Chinchilla for dataset “my sweep.csv”: ")
    for w in words:
        assert w in msg, (w, msg)


def test_explain_a_fit_error_and_a_store_error():
    import duckdb

    from scaling_explorer.app.guard import explain
    from scaling_explorer.fitting import FitError
    assert "Check the runs on the Data page" in explain("fit", FitError("need at least 5 runs, got 2"), "x")
    assert "need at least 5 runs, got 2" in explain("fit", FitError("need at least 5 runs, got 2"), "x")
    msg = explain("read", duckdb.IOException("Could not set lock on file"))
    assert msg.startswith("Could not read: the store could not be read (IOException") and "Reload" in msg
