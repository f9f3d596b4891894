"""Streamlit glue, part 3 of 3: exports of what is on screen (CSV numbers, JSON of the plan or
fit with the link and package versions, BibTeX of the sources) and chart download settings."""
from __future__ import annotations

import functools
import json

import streamlit as st


def chart_config(name: str) -> dict:
    """Plotly's camera button downloads the chart in the format picked in the sidebar."""
    fmt = st.session_state.get("img_fmt", "png")
    return {"displaylogo": False, "toImageButtonOptions": {"format": fmt, "filename": f"scaling_explorer_{name}",
                                                           "scale": 2 if fmt == "png" else 1}}


@functools.lru_cache(maxsize=1)
def versions() -> dict:
    """Package versions for exports (read once: importlib.metadata is slow on every rerun)."""
    from importlib.metadata import version
    return {p: version(p) for p in ("streamlit", "numpy", "scipy", "plotly", "duckdb")}


def query_string() -> str:
    from urllib.parse import urlencode
    q = {k: st.query_params.get(k) for k in st.query_params.keys()}
    return ("?" + urlencode(q)) if q else ""


def export_row(obj, table, source_ids, stem: str, sources=None) -> None:
    """Export what is on screen: the numbers (CSV), the plan or fit (JSON), the citations
    (BibTeX), and the link that reopens this view. ``obj`` is the JSON's content, or a function that
    makes it when the JSON is downloaded (a part that is costly and not on screen); ``sources`` is the
    published sources table."""
    from ..cite import bibtex
    from ..units import frame_for_csv
    base = str(st.context.url or "").split("?")[0]
    tail = {"link": base + query_string(), "versions": versions()}
    if sources is None:
        from .cache import sources_table
        sources = sources_table()
    srcs = sources[sources["source_id"].isin([s for s in source_ids if s])]
    def as_json() -> str:
        return json.dumps({**(obj() if callable(obj) else obj), **tail}, indent=2, default=str)

    from .widgets import row
    r = row()
    # contents made when a button is pressed (deferred), from this run's values: a rerun sends three
    # unchanged buttons instead of three new files
    r.download_button("Numbers on screen (CSV)", lambda: frame_for_csv(table).to_csv(index=False), f"{stem}.csv",
                      "text/csv", on_click="ignore")
    r.download_button(f"The {stem} (JSON)", as_json, f"{stem}.json", "application/json", on_click="ignore")
    r.download_button("Citations (BibTeX)", lambda: bibtex(srcs), f"{stem}.bib", "application/x-bibtex",
                      disabled=srcs.empty, on_click="ignore")
    st.caption("Link to this view (copy it with the button at the right):")
    st.code(tail["link"], language=None)
