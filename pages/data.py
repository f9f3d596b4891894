"""Data: the stored sources, laws, published tables, training runs and the run-dataset
registry, with citations; CSV and BibTeX download."""
import pandas as pd
import streamlit as st

from scaling_explorer import registry
from scaling_explorer.app import cache, guard, upload, widgets, workspaces
from scaling_explorer.cite import bibtex
from scaling_explorer.state import Field
from scaling_explorer.units import frame_for_csv, table_for_display

PAGE = "data"
widgets.require_navigation()
tables = cache.tables_index()
FIELDS = (
    Field("view", "choice", "laws", choices=("laws", "sources", "tables", "runs", "datasets"), label="View"),
    Field("table", "choice", tables["id"].iloc[0], choices=tuple(tables["id"]), label="Table"),
    Field("filter", "text", "", hi=100, label="Filter"),
    Field("reg", "choice", next(iter(registry.load_registry()), ""), choices=tuple(registry.load_registry()),
          label="Dataset"),
)
K = {f.key: f for f in FIELDS}
st.title("Data")
st.caption("Everything in the published store, each row with its paper and locator. Built from the cited text "
           "files in data/; numbers marked UNVERIFIED could not be checked against the paper text.")
widgets.url_view(PAGE, FIELDS)
st.radio("Show", FIELDS[0].choices, key=widgets.bind(PAGE, K["view"]), horizontal=True, format_func=str.capitalize)
view = st.session_state[widgets.wkey(PAGE, FIELDS[0])]
link = {"url": st.column_config.LinkColumn("paper", display_text="arXiv")}
if view == "laws":
    df = cache.laws_table()[["slug", "name", "citation", "locator", "form", "params_json", "verified", "check",
                             "example", "params_counted", "flops", "param_convention", "compute_convention",
                             "dataset", "notes", "url", "source"]]
    st.caption("check: what each number was checked against (the paper's text, or the authors' released code or "
               "data, named with repository, path and commit). example: the test in tests/test_worked_examples.py "
               "(or elsewhere) that reproduces the paper's own worked example from the stored numbers, run in CI.")
elif view == "sources":
    df = cache.sources_table()
elif view == "datasets":
    reg = registry.load_registry()
    st.caption("Public run datasets the explorer can fetch (plain CSV, never pickles). Each download is checked "
               "against its sha256 before anything is stored; offline, nothing changes. Set SCALING_EXPLORER_MIRROR "
               "to fetch from a mirror laid out like the registry's paths.")
    pick = st.selectbox("Dataset", list(reg), key=widgets.bind(PAGE, K["reg"]), format_func=lambda i: reg[i].name)
    if st.button("Fetch, verify and import", key="data.fetch"):
        with st.spinner(f"Fetching {pick} …"):
            res, err = upload.fetch_registered(pick)
        if err:
            st.error(err)
        else:
            st.success(f"{'Imported' if res.created else 'Already stored:'} {res.n_rows} runs as dataset "
                       f"{res.dataset_id}. Open it on the Fit page: {workspaces.link(res.dataset_id)}")
    with guard.section("list your uploads"):
        mine = cache.workspace_datasets()
        st.caption(f"Your uploads in this workspace ({len(mine)}; other workspaces' are not shown): open them on "
                   "the Fit page.")
        if len(mine):
            st.table(mine.head(50).set_index("id"))
    df = pd.DataFrame([{"id": e.id, "name": e.name, "licence": e.licence, "sha256": e.sha256, "url": e.url,
                        "units": e.units, "mapping": str(e.mapping), "description": e.description}
                       for e in reg.values()])
elif view == "runs":
    st.caption("Documented LLM training runs: parameters (total, and active for MoE), training tokens and compute "
               "where the source states them, each with its quote and locator. Rows marked verified = no rest on "
               "secondary copies.")
    df = cache.notable_runs()
else:
    st.selectbox("Table", list(tables["id"]), key=widgets.bind(PAGE, K["table"]),
                 format_func=lambda t: f"{tables.set_index('id').loc[t, 'citation']}, "
                                       f"{tables.set_index('id').loc[t, 'locator']}: "
                                       f"{tables.set_index('id').loc[t, 'title']}")
    meta = tables.set_index("id").loc[st.session_state[widgets.wkey(PAGE, FIELDS[1])]]
    st.markdown(f"**{widgets.md(meta['title'])}** — {widgets.md(meta['citation'])}, {widgets.md(meta['locator'])} "
                f"([paper]({meta['url']}))")
    if meta["notes"]:
        st.caption(widgets.md(meta["notes"]))
    df = cache.published_table(meta.name)
query = st.text_input("Filter rows (text match in any column, as shown)", key=widgets.bind(PAGE, K["filter"]),
                      max_chars=100)
v = widgets.sync_url(PAGE, FIELDS)
display = table_for_display(df)        # one format per quantity, "—" for a missing value
if query:
    keep = display.apply(lambda col: col.str.contains(query, case=False, regex=False)).any(axis=1)
    df, display = df[keep], display[keep]
st.dataframe(display, hide_index=True, column_config=link)
sources = cache.sources_table()
cited = {"laws": "source", "sources": "source_id"}.get(view)
shown = sources[sources["source_id"].isin(set(df[cited]))] if cited else sources
c1, c2 = st.columns(2)
c1.download_button(f"Download {view} (CSV)", frame_for_csv(df).to_csv(index=False), f"scaling_explorer_{view}.csv", "text/csv")
c2.download_button("Citations (BibTeX)", bibtex(shown), "scaling_explorer.bib", "application/x-bibtex")
