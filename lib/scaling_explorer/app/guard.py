"""The one guard between stored data and a page: nothing computed from a stored dataset (a fit,
a plan with a fitted law, a figure, a metric, a table) may raise in a page. An error becomes one
message that names the dataset and says what to fix; the traceback goes to the server log.

    with guard.section("draw the fit", ds):        # a block of figures, metrics and tables
        ...
    p = guard.value("plan with this law", cache.plan, law, C, ds=ds)   # a value; None on error

``explain`` (pure) turns an exception into that message; every page and view uses it, and
``app.py`` wraps each whole page in ``section`` as the last resort.
"""
from __future__ import annotations

import contextlib
import logging

import streamlit as st

from ..fitting import FitError

log = logging.getLogger("scaling_explorer")

UNITS = ("This usually means a unit mistake in the stored runs (compute in PF-days stored as FLOPs, tokens "
         "in billions stored as tokens, loss as perplexity). Re-import the file on the Fit page: its upload "
         "check proposes the unit that makes C ≈ 6·N·D.")


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return (text[0] if text else "")[:200]


def advice(e: BaseException) -> str:
    """What went wrong, in words, and what to fix (no traceback)."""
    why = _first_line(e)
    if isinstance(e, FitError):
        return f"{why.rstrip('.')}. Check the runs on the Data page, or re-import them with the upload check."
    if isinstance(e, (OverflowError, FloatingPointError, ZeroDivisionError)):
        return f"a number overflowed or was divided by zero ({why or type(e).__name__}). {UNITS}"
    if isinstance(e, KeyError):
        return (f"the dataset has no column {why}. Re-import it and map that column (n_params, n_tokens, "
                "compute_flops, loss).")
    if isinstance(e, (ValueError, TypeError, ArithmeticError)):
        return f"{why.rstrip('.') or type(e).__name__}. {UNITS}"
    if type(e).__module__.lstrip("_").split(".")[0] in ("duckdb", "psycopg"):
        return (f"the store could not be read ({type(e).__name__}: {why}). Reload the page; if it persists, "
                "the server log has the details.")
    return (f"{type(e).__name__}: {why}. This is a bug in Scaling Explorer, not in your data: the link in the "
            "address bar reproduces it.")


def _label(ds: str | None) -> str | None:
    if not ds:
        return None
    try:
        from . import cache
        return cache.dataset_label(ds)
    except Exception:       # the label itself comes from the store
        return str(ds)[:40]


def explain(what: str, e: BaseException, dataset_label: str | None = None) -> str:
    """The message a page shows: 'Could not <what> for dataset “<label>”: <advice>'."""
    where = f" for dataset “{dataset_label}”" if dataset_label else ""
    return f"Could not {what}{where}: {advice(e)}"


def report(what: str, e: BaseException, ds: str | None = None) -> None:
    log.exception("could not %s (dataset %s)", what, ds)
    st.error(explain(what, e, _label(ds)), icon="🛑")


@contextlib.contextmanager
def section(what: str, ds: str | None = None):
    """Draw a block; an exception (not Streamlit's own stop/rerun, which are BaseExceptions) ends
    the block with one message. What was drawn before the error stays on screen."""
    try:
        yield
    except Exception as e:
        report(what, e, ds)


def value(what: str, fn, *args, ds: str | None = None, **kwargs):
    """fn(*args, **kwargs), or None after showing the message."""
    try:
        return fn(*args, **kwargs)
    except Exception as e:
        report(what, e, ds)
        return None
