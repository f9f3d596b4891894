"""Streamlit glue, part 2 of 3: widgets seeded from the URL and written back to it, so every
view is a link (decode and encode live in lib.state, which is pure)."""
from __future__ import annotations

import math
from typing import Sequence

import streamlit as st

from ..state import Field, decode, encode, notice_text
from ..units import fmt_sci


def require_navigation() -> None:
    """Run a page only inside app.py's st.navigation.

    With a ``pages/`` folder beside app.py, a fresh server answers a deep link (/planner?…)
    by running the page file alone (Streamlit's legacy multipage mode) until app.py has run
    once: no page config, wrong sidebar. Switch that mode off and rerun, so app.py runs and
    routes to the same page with the same query string."""
    from streamlit.runtime.pages_manager import PagesManager
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def wkey(page: str, f: Field) -> str:
    return f"{page}.{f.key}"


def keys(page: str, fields: Sequence[Field]) -> dict[str, str]:
    return {f.key: wkey(page, f) for f in fields}


def url_view(page: str, fields: Sequence[Field]) -> None:
    """Seed the page's widget state from the URL when it is not yet set (first run, new tab,
    shared link); show a notice for anything in the URL that was ignored or clamped."""
    ss = st.session_state
    if all(wkey(page, f) in ss for f in fields):
        return
    raw = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
    values, notices = decode(raw, fields)
    for f in fields:   # seed only what is missing: never overwrite a value set in this session
        if wkey(page, f) not in ss:
            v = values[f.key]
            ss[wkey(page, f)] = list(v) if f.kind == "multi" else v
    if notices:
        st.warning(notice_text(notices), icon="⚠️")


def current_values(page: str, fields: Sequence[Field]) -> dict:
    ss = st.session_state
    return {f.key: (tuple(ss[wkey(page, f)]) if f.kind == "multi" else ss[wkey(page, f)]) for f in fields}


def sync_url(page: str, fields: Sequence[Field]) -> dict:
    """Write the non-default widget values to the URL; return the current values."""
    values = current_values(page, fields)
    want = encode(values, fields)
    have = {k: st.query_params.get(k) for k in st.query_params.keys()}
    if want != have:
        st.query_params.from_dict(want)
    return values


def log_slider(page: str, f: Field, unit: str, container=st, help: str | None = None):
    def fmt(x):
        # 3 significant digits, as in the URL: labels must be unique (Streamlit maps values by label)
        if math.isinf(x):
            return "unlimited" if x > 0 else "none"
        return f"{fmt_sci(10 ** x)} {unit}"
    options = f.options()
    current = st.session_state.get(wkey(page, f))
    if current is not None and current not in options:   # an exact value from a link
        options = sorted(options + [current])
    return container.select_slider(f.label, options=options, key=wkey(page, f), format_func=fmt, help=help)


def notes(items, topic: str | None = None) -> None:
    """Render lib.plan Notes (warnings first), optionally only one topic's."""
    for n in sorted((n for n in items if topic is None or n.topic == topic), key=lambda n: n.level != "warning"):
        (st.warning if n.level == "warning" else st.info)(n.text)
