"""Scaling Explorer: page config and navigation only."""
from urllib.parse import urlparse

import streamlit as st

from scaling_explorer.app import cache, guard
from scaling_explorer.state import normalise_path

st.set_page_config(page_title="Scaling Explorer", page_icon=":material/trending_up:", layout="wide")

pages = [
    st.Page("pages/laws.py", title="Published laws", icon=":material/menu_book:", url_path="laws", default=True),
    st.Page("pages/planner.py", title="Budget planner", icon=":material/calculate:", url_path="planner"),
    st.Page("pages/fit.py", title="Fit your runs", icon=":material/insights:", url_path="fit"),
    st.Page("pages/families.py", title="Law families", icon=":material/category:", url_path="families"),
    st.Page("pages/data.py", title="Data", icon=":material/table_view:", url_path="data"),
]
# A link typed with another case (/PLANNER?C=1e24) opens that page with its query, not the home page.
asked = urlparse(str(st.context.url or "")).path.rstrip("/").rsplit("/", 1)[-1]
known = {p.url_path: p for p in pages}
match = normalise_path(asked, list(known))
if match and match != asked:
    st.switch_page(known[match], query_params=st.query_params.to_dict())
nav = st.navigation(pages)
st.sidebar.radio("Chart download format", ["png", "svg"], key="img_fmt", horizontal=True,
                 help="The camera icon on each chart downloads it in this format.")
with guard.section("show this page", st.query_params.get("ds")):   # the last resort: pages guard their own
    nav.run()                                                        # sections, this catches what they miss
# Pages write their own parameters to the URL; keep the workspace in it, so the address bar is a link
# that reopens this workspace (page switches drop query parameters; the session keeps the workspace).
ws = cache.workspace()
if ws != "default" and st.query_params.get("ws") != ws:
    st.query_params["ws"] = ws
