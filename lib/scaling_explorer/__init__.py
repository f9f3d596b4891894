"""Scaling Explorer: published neural scaling laws, a fitting engine and a budget planner.

In a notebook (numpy, scipy, pandas and duckdb are all it needs; no Streamlit, no Plotly):

    >>> from scaling_explorer import published_laws
    >>> from scaling_explorer.plan import plan
    >>> law = published_laws()["hoffmann2022-eq10-unrounded"]
    >>> p = plan(law, 5.76e23)                  # the Gopher budget
    >>> round(p.N / 1e9, 1), round(p.tokens_per_param, 1)
    (40.4, 58.9)

See README.md ("Use the library from a notebook") for fitting your own runs.
"""
from __future__ import annotations

from .fitting import FitError, bootstrap, fit, fit_law
from .laws import Law, from_fit, make_law

__all__ = ["FitError", "Law", "bootstrap", "fit", "fit_law", "from_fit", "make_law", "published_laws"]


def published_laws() -> dict[str, Law]:
    """Every published law in the store (built from the checkout's data/ on first use), by slug."""
    from . import store
    with store.connect_published() as con:
        return store.load_laws(con)
