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


def export_row(obj: dict, table, source_ids, stem: str, sources=None) -> None:
    """Export what is on screen: the numbers (CSV), the plan or fit (JSON), the citations
    (BibTeX), and the link that reopens this view. ``sources`` is the published sources table."""
    from ..cite import bibtex
    from ..units import frame_for_csv
    base = str(st.context.url or "").split("?")[0]
    payload = {**obj, "link": base + query_string(), "versions": versions()}
    if sources is None:
        from .cache import sources_table
        sources = sources_table()
    srcs = sources[sources["source_id"].isin([s for s in source_ids if s])]
    c = st.columns(3)
    c[0].download_button("Numbers on screen (CSV)", frame_for_csv(table).to_csv(index=False), f"{stem}.csv", "text/csv")
    c[1].download_button(f"The {stem} (JSON)", json.dumps(payload, indent=2, default=str), f"{stem}.json",
                         "application/json")
    c[2].download_button("Citations (BibTeX)", bibtex(srcs), f"{stem}.bib", "application/x-bibtex",
                         disabled=srcs.empty)
    st.caption("Link to this view (copy it with the button at the right):")
    st.code(payload["link"], language=None)
