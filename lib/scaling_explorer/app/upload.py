"""Streamlit glue for the Fit page's import: preview, column mapping, the upload check of
lib.ingest (units questioned, duplicates and outliers named, fixes accepted with one click), and
the import itself. Nothing is stored until the user presses Import with no error left."""
from __future__ import annotations

import os

import streamlit as st

from .. import ingest, registry
from . import cache

LABELS = {"n_params": "Parameters N", "n_tokens": "Tokens D", "compute_flops": "Compute C",
          "loss": "Loss", "run_name": "Run name (optional)"}


def _mapping() -> ingest.Mapping | None:
    """The mapping picked in the selects, None for a columns-only import; IngestError when half set."""
    ss = st.session_state
    pick = {t: (None if ss.get(f"map.{t}", "—") == "—" else ss[f"map.{t}"]) for t in ingest.GUESSES}
    if pick["n_params"] is None and pick["loss"] is None:
        return None
    if pick["n_params"] is None or pick["loss"] is None:
        raise ingest.IngestError("Map both the model-parameters column and the loss column, or neither "
                                 "(to store the columns only, e.g. a loss curve).")
    return ingest.Mapping(**pick)


def _accepted(findings) -> list:
    return [fx for f in findings for fx in f.fixes if st.session_state.get(f"fix.{fx.id}")]


def _do_import(data: bytes, filename: str, ds_key: str, cols_key: str, fixes: list) -> None:
    ss = st.session_state
    try:
        mapping = _mapping()
        res = ingest.import_csv(cache.user_scope(), data, mapping, ss.get("imp.name") or filename, ss.get("imp.note", ""),
                                compute_unit=ss.get("imp.cunit", "FLOPs"), param_convention=ss.get("imp.pconv", "total"),
                                fixes=fixes, check=True)
    except ingest.IngestError as e:
        ss["imp.error"] = str(e)
        return
    ss.pop("imp.error", None)
    cache.changed()
    ss[ds_key] = res.dataset_id
    ss[cols_key] = []
    what = "runs" if mapping is not None else "rows (columns only: fit them below with any law form)"
    fixed = f" Fixes applied: {'; '.join(fx.label for fx in fixes)}." if fixes else ""
    ss["imp.done"] = (f"Imported {res.n_rows} {what} as dataset {res.dataset_id}.{fixed}" if res.created else
                      f"This upload is already stored as dataset {res.dataset_id}; opened it.")


def _show_findings(findings) -> None:
    for f in findings:
        box = {"error": st.error, "warning": st.warning}.get(f.severity, st.info)
        box(f.message)
        for fx in f.fixes:
            st.checkbox(f"Fix: {fx.label}", key=f"fix.{fx.id}")


def import_panel(ds_key: str, cols_key: str) -> None:
    """The 'Import runs' expander: file → preview → mapping and units → check with fixes → Import."""
    with st.expander("Import runs from a CSV", expanded=False):
        st.markdown("One row per run: model parameters, training tokens **or** training compute (C = 6ND), and final "
                    "loss in nats/token — or any numeric columns (say step, lr, loss) to fit a form of your choice "
                    f"below. Up to {ingest.MAX_UPLOAD_BYTES // 2**20} MiB and {ingest.MAX_ROWS:,} rows. Imports are "
                    "stored on this server under a content hash, so a link to the fit opens for your team. The file "
                    "is checked first; nothing is stored while an error remains.")
        up = st.file_uploader("CSV or Parquet file", type=["csv", "tsv", "txt", "parquet"], key="imp.file")
        if up is None:
            return
        try:
            preview = ingest.read_table(up.getvalue())
        except ingest.IngestError as e:
            st.error(str(e) + " Nothing was stored.")
            return
        st.dataframe(preview.head(5), hide_index=True)
        for note in ingest.read_notes(preview):
            st.caption(note)
        guess = ingest.guess_mapping(preview.columns)
        if guess["n_params"] is None:      # no parameter column: store the columns only
            guess = {k: (val if k == "run_name" else None) for k, val in guess.items()}
        opts = ["—"] + list(preview.columns)
        for col, (t, lab) in zip(st.columns(5), LABELS.items()):
            col.selectbox(lab, opts, index=opts.index(guess[t]) if guess[t] else 0, key=f"map.{t}")
        u1, u2 = st.columns(2)
        u1.selectbox("Compute column is in", list(ingest.COMPUTE_UNITS), key="imp.cunit",
                     help="PF-days are converted at 8.64e19 FLOPs each; the store keeps FLOPs.")
        u2.selectbox("Parameters count", list(ingest.PARAM_CONVENTIONS), key="imp.pconv",
                     help="Stored with the dataset: laws fitted on non-embedding or active counts are not "
                          "comparable with total-parameter laws.")
        st.text_input("Dataset name", value=up.name[:100], key="imp.name", max_chars=200)
        st.text_input("Note (optional)", key="imp.note", max_chars=2000)
        fixes: list = []
        try:
            mapping = _mapping()
        except ingest.IngestError as e:
            st.error(str(e))
            mapping = None
        if mapping is not None:
            ss = st.session_state
            findings = ingest.check_runs(preview, mapping, compute_unit=ss.get("imp.cunit", "FLOPs"),
                                         param_convention=ss.get("imp.pconv", "total"))
            _show_findings(findings)
            fixes = _accepted(findings)
            if fixes:    # a fix can reveal the next finding: check the fixed file again
                after = ingest.check_runs(ingest.apply_fixes(preview, fixes), mapping,
                                          compute_unit=ss.get("imp.cunit", "FLOPs"),
                                          param_convention=ss.get("imp.pconv", "total"))
                left = [f for f in after if f.severity == "error"]
                st.caption(f"With the {len(fixes)} accepted fix(es): " + ("no error left." if not left else
                           f"{len(left)} error(s) left: " + " ".join(f.message for f in left)))
                seen = {a.id for a in fixes}
                for f in after:
                    for fx in f.fixes:
                        if fx.id not in seen:
                            st.checkbox(f"Fix: {fx.label}", key=f"fix.{fx.id}")
                fixes += [fx for fx in _accepted(after) if fx.id not in seen]
            elif not ingest.errors(findings):
                st.caption("The check found nothing to fix." if not findings else "No error: the import can go ahead.")
        st.button("Import", type="primary", on_click=_do_import,
                  args=(up.getvalue(), up.name, ds_key, cols_key, fixes))
        if "imp.error" in st.session_state:
            st.error(st.session_state["imp.error"] + " Nothing was stored.")


# ---- the run-dataset registry: one click fetches, verifies and imports (Data and Fit pages) ----

def fetch_registered(entry_id: str):
    """Fetch, verify (sha256) and import a registered dataset into the user store, from
    SCALING_EXPLORER_MIRROR when set. Returns (ImportResult, None), or (None, the message saying
    why not: offline, checksum mismatch, ...; nothing was stored)."""
    reg = registry.load_registry()
    if entry_id not in reg:
        return None, f"Unknown dataset {entry_id!r}; nothing was fetched."
    try:
        res = registry.fetch_and_import(reg[entry_id], cache.user_scope(), os.environ.get("SCALING_EXPLORER_MIRROR"))
        cache.changed()
        return res, None
    except (registry.RegistryError, ingest.IngestError) as e:
        return None, str(e)


def _open_registered(pick_key: str, ds_key: str, cols_key: str) -> None:
    ss = st.session_state
    res, err = fetch_registered(ss[pick_key])
    if err:
        ss["reg.error"] = err
        return
    ss.pop("reg.error", None)
    ss[ds_key] = res.dataset_id
    ss[cols_key] = []
    ss["imp.done"] = (f"{'Imported' if res.created else 'Opened'} {registry.load_registry()[ss[pick_key]].name}: "
                      f"{res.n_rows} runs, dataset {res.dataset_id} (sha256 verified).")


def registry_panel(ds_key: str, cols_key: str) -> None:
    """'Open a public dataset': pick a registered dataset, one click fetches, verifies, imports
    and opens it. Offline the message says so and nothing changes."""
    reg = registry.load_registry()
    with st.expander("Open a public run dataset", expanded=False):
        st.caption("Plain CSV from the registry (data/datasets.toml), checked against its sha256 before anything is "
                   "stored; set SCALING_EXPLORER_MIRROR to fetch from a mirror. Licences are on the Data page.")
        c1, c2 = st.columns([3, 1])
        c1.selectbox("Public dataset", list(reg), key="fit.reg", format_func=lambda i: f"{reg[i].name} ({i})")
        c2.button("Fetch and open", key="fit.fetch", on_click=_open_registered, args=("fit.reg", ds_key, cols_key))
        if "reg.error" in st.session_state:
            st.error(st.session_state.pop("reg.error"))
