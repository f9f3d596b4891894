"""Streamlit glue, part 2 of 3: widgets seeded from the URL and written back to it, so every
view is a link (decode and encode live in lib.state, which is pure)."""
from __future__ import annotations

import math
import re
from typing import Sequence

import streamlit as st

from ..state import Field, Info, decode, encode, info_text, notice_text
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
    guard()


def guard() -> None:
    """Every page, in one place: when the deployer configured Streamlit's OpenID Connect sign-in
    ([auth] in .streamlit/secrets.toml), nobody gets further than a sign-in button until signed in;
    without it nothing changes. Then the session's workspace is read from the link (ws=), with a
    notice when the link names no workspace this server knows."""
    from . import cache
    if cache.auth_configured() and not cache.signed_in():
        st.title("Scaling Explorer")
        st.info("This server asks you to sign in first.")
        st.button("Sign in", type="primary", on_click=st.login)
        st.stop()
    cache.workspace()
    bad = st.session_state.pop("ws.unknown", None)
    if bad:
        st.warning("This link names a workspace that does not exist on this server (mistyped or cut short?). "
                   "Showing the default workspace instead; ask whoever shared the link for the full address.",
                   icon="⚠️")


def wkey(page: str, f: Field) -> str:
    return f"{page}.{f.key}"


def keys(page: str, fields: Sequence[Field]) -> dict[str, str]:
    return {f.key: wkey(page, f) for f in fields}


# (page, field keys whose widgets were drawn in the page's previous run, those drawn in this run)
_RUN = "_widgets.bound"


def url_view(page: str, fields: Sequence[Field]) -> None:
    """Seed the page's widget state from the URL when it is not yet set (first run, new tab,
    shared link); show a notice for anything in the URL that was ignored or clamped.

    Call it once at the top of every run of the page, before its widgets (it also starts the
    run's record of which widgets ``bind`` draws)."""
    ss = st.session_state
    last_page, _, drawn = ss.get(_RUN, (None, set(), set()))
    ss[_RUN] = (page, set(drawn) if last_page == page else set(), set())
    box = st.container()   # the notices' place, drawn on every run: what follows keeps its place (notes())
    if all(wkey(page, f) in ss for f in fields):
        return
    raw = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
    values, notices = decode(raw, fields)
    for f in fields:   # seed only what is missing: never overwrite a value set in this session
        if wkey(page, f) not in ss:
            v = values[f.key]
            ss[wkey(page, f)] = list(v) if f.kind == "multi" else v
    if info_text(notices):
        box.info(info_text(notices), icon=":material/link:")
    if any(not isinstance(n, Info) for n in notices):
        box.warning(notice_text(notices), icon="⚠️")


def bind(page: str, f: Field) -> str:
    """The widget key of URL field ``f``, for a widget drawn in this run: use it as ``key=`` of
    every widget whose value is a URL field (``log_slider`` does).

    Why: a widget that is not drawn in a run (a family view that does not show the compute
    slider) loses its widget state at the end of that run, while the page's value lives on (in
    the URL, re-seeded by ``url_view``, or in session state). When the widget is drawn again,
    Streamlit sends the browser the widget's *default* (a select_slider's first option: 1e18)
    unless the value was assigned in this very run, while the script reads the kept value: the
    slider then shows 1e18 beside a chart at 1e22, and the next nudge writes 1.26e18 into the
    link. So a widget not drawn in the page's previous run gets its value assigned again here,
    which makes Streamlit send it with the widget. A widget drawn in the previous run is left
    alone: re-assigning it on every run would push stale values over input typed meanwhile."""
    ss = st.session_state
    k = wkey(page, f)
    run = ss.get(_RUN)
    if run is None or run[0] != page:       # url_view not called first: treat every widget as new
        run = ss[_RUN] = (page, set(), set())
    if k in ss and f.key not in run[1]:
        ss[k] = ss[k]
    run[2].add(f.key)
    return k


def keep(page: str, fields: Sequence[Field]) -> None:
    """Keep the values of fields whose widgets this run does not draw (a closed tab or section): call it
    in that run. Streamlit drops an undrawn widget's state at the end of the run, and its key then falls
    back to the last value the *script* assigned (the link's, seeded when the page opened), so a value
    typed since would silently revert. Assigning the current value makes it the one kept."""
    ss = st.session_state
    for f in fields:
        k = wkey(page, f)
        if k in ss:
            ss[k] = ss[k]


def current_values(page: str, fields: Sequence[Field]) -> dict:
    ss = st.session_state
    return {f.key: (tuple(ss[wkey(page, f)]) if f.kind == "multi" else ss[wkey(page, f)]) for f in fields}


def sync_url(page: str, fields: Sequence[Field]) -> dict:
    """Write the non-default widget values to the URL; return the current values."""
    values = current_values(page, fields)
    want = encode(values, fields)
    have = {k: st.query_params.get(k) for k in st.query_params.keys()}
    if have.get("ws"):            # the workspace is no page's field: the link keeps it (app.cache.workspace)
        want["ws"] = have["ws"]
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
    key = bind(page, f)
    current = st.session_state.get(key)
    if current is not None and current not in options:   # an exact value from a link
        options = sorted(options + [current])
    return container.select_slider(f.label, options=options, key=key, format_func=fmt, help=help)


def law_table_config(sci: Sequence[str] = ("N*", "D*"), fixed: dict | None = None, law: str = "law") -> dict:
    """column_config for a table of laws whose answer comes first: the law's name pinned at a
    medium width (the full name in the cell's tooltip), then the numbers: sci columns in
    scientific notation to 3 significant digits, fixed maps column -> printf format."""
    cfg = {law: st.column_config.TextColumn(law, width="medium", pinned=True)}
    cfg |= {c: st.column_config.NumberColumn(format="%.2e") for c in sci}
    cfg |= {c: st.column_config.NumberColumn(format=f) for c, f in (fixed or {}).items()}
    return cfg


_MD_MARKS = re.compile(r"([\\`*_{}\[\]<>#|~$])")


def md(text) -> str:
    """Stored text (a name, locator, note) shown as itself in st.markdown, st.caption or a label:
    markdown and LaTeX marks escaped, so a locator's `__main__` is not bold "main", `R_N*, R_D*`
    is not italic and `$N_p$` is not a formula."""
    return _MD_MARKS.sub(r"\\\1", str(text))


def notes(items, topic: str | None = None) -> None:
    """Render lib.plan Notes (warnings first), optionally only one topic's, in one container (an empty
    one takes no space): however many a budget raises, what follows keeps its place in the page, so its
    charts are updated where they are (app.charts) rather than drawn anew at a shifted position."""
    shown = sorted((n for n in items if topic is None or n.topic == topic), key=lambda n: n.level != "warning")
    with st.container():
        for n in shown:
            (st.warning if n.level == "warning" else st.info)(n.text)


def row():
    """Elements side by side in one horizontal container, wrapping on a narrow screen. Metrics and
    buttons go here rather than into st.columns: a rerun re-sends one block and its elements instead
    of a block, a column per element and the element, which a slider press pays for in the browser."""
    return st.container(horizontal=True, gap="medium")
