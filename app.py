"""Scaling Explorer: page config and navigation only."""
import streamlit as st

st.set_page_config(page_title="Scaling Explorer", page_icon="📈", layout="wide")

pages = [
    st.Page("pages/laws.py", title="Published laws", icon="📚", url_path="laws", default=True),
    st.Page("pages/planner.py", title="Budget planner", icon="🧮", url_path="planner"),
    st.Page("pages/fit.py", title="Fit your runs", icon="📐", url_path="fit"),
    st.Page("pages/data.py", title="Data", icon="🗂️", url_path="data"),
]
st.navigation(pages).run()
