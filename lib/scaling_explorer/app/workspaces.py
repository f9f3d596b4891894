"""Streamlit glue for workspaces on the Fit page: the current workspace and its link, one click to
create one, rename / annotate / delete the open dataset, the trash with restore, and what a link to
a deleted dataset shows. The rules (who sees what, the 30-day trash) are in lib.store."""
from __future__ import annotations

from datetime import timedelta

import streamlit as st

from .. import store
from . import cache


def _create(ds_key: str) -> None:
    cache.create_workspace()
    st.session_state[ds_key] = cache.DEMO_ID
    st.session_state["ws.created"] = True


def _restore(ds: str, ds_key: str) -> None:
    if store.restore_dataset(cache.user_con(), cache.workspace(), ds):
        cache.changed()
        st.session_state[ds_key] = ds
        st.session_state["imp.done"] = f"Restored dataset {ds} from the trash."


def _delete(ds: str, ds_key: str) -> None:
    if store.delete_dataset(cache.user_con(), cache.workspace(), ds, user=cache.current_user()):
        cache.changed()
        st.session_state[ds_key] = cache.DEMO_ID
        st.session_state["imp.done"] = (f"Moved dataset {ds} to this workspace's trash: restore it there within "
                                        f"{store.RETENTION_DAYS} days.")


def _save(ds: str) -> None:
    ss = st.session_state
    if store.rename_dataset(cache.user_con(), cache.workspace(), ds, ss.get("ws.name"), ss.get("ws.note")):
        cache.changed()
        ss["imp.done"] = f"Saved the name and note of dataset {ds}."


def link(ds: str | None = None) -> str:
    """The path a teammate opens: the workspace (unless default) and the dataset."""
    ws = cache.workspace()
    q = "&".join(([f"ws={ws}"] if ws != store.DEFAULT_WS else []) + ([f"ds={ds}"] if ds else []))
    return "/fit" + (f"?{q}" if q else "")


def panel(ds_key: str) -> None:
    """The workspace line at the top of the Fit page, with the 'New workspace' button. Always the same
    elements (notices go in a container), so the widgets below keep their place and their state."""
    ws = cache.workspace()
    c1, c2 = st.columns([4, 1])
    if st.session_state.pop("ws.created", False):
        c1.success(f"Created a workspace. Its link (bookmark it, share it with your team): {link()}")
    elif ws == store.DEFAULT_WS:
        c1.caption("Workspace: **default** — uploads here are listed for everyone who opens this server without a "
                   "workspace link. A new workspace keeps your team's uploads apart: only its link opens it.")
    else:
        c1.caption("Workspace: **private link** — whoever has this link sees this workspace's datasets and nothing "
                   f"else. Keep it to come back: `{link()}`")
    c2.button("New workspace", key="ws.new", on_click=_create, args=(ds_key,),
              help="Creates a workspace reached only by its unguessable link (192 random bits).")


def deleted_link(raw_ds: str, ds_key: str) -> None:
    """A link to a dataset of this workspace that is in its trash: say so, offer the restore."""
    box = st.container()        # always drawn: the widgets below keep their place
    info = store.dataset_info(cache.user_con(), raw_ds, cache.workspace()) if raw_ds != cache.DEMO_ID else None
    if info is None or info["deleted_at"] is None:
        return
    purge = info["deleted_at"] + timedelta(days=store.RETENTION_DAYS)
    who = f" by {info['deleted_by']}" if info["deleted_by"] else ""
    box.warning(f"Dataset “{info['name']}” ({raw_ds}) was deleted from this workspace on "
               f"{info['deleted_at']:%Y-%m-%d %H:%M} UTC{who}. It stays in the trash until {purge:%Y-%m-%d}; "
               "restore it to open it again.")
    box.button("Restore this dataset", key="ws.restore_link", on_click=_restore, args=(raw_ds, ds_key))


def manage(ds: str, ds_key: str) -> None:
    """Rename, annotate or delete the open dataset; the workspace's trash with restore."""
    trash = store.list_trash(cache.user_con(), cache.workspace())
    with st.expander(f"Manage datasets (trash: {len(trash)})", expanded=False):
        if ds != cache.DEMO_ID:
            info = store.dataset_info(cache.user_con(), ds, cache.workspace()) or {}
            st.text_input("Name", value=info.get("name", ""), key="ws.name", max_chars=200)
            st.text_area("Note", value=info.get("note", ""), key="ws.note", max_chars=2000)
            c1, c2 = st.columns(2)
            c1.button("Save name and note", key="ws.save", on_click=_save, args=(ds,))
            c2.button("Delete this dataset", key="ws.delete", on_click=_delete, args=(ds, ds_key),
                      help=f"Moves it to the trash; restorable for {store.RETENTION_DAYS} days, then purged.")
            who = f" by {info['created_by']}" if info.get("created_by") else ""
            st.caption(f"Link: `{link(ds)}` · imported {info.get('created_at', '')}{who}")
        if trash.empty:
            st.caption(f"The trash is empty. Deleted datasets stay there {store.RETENTION_DAYS} days.")
        for _, r in trash.head(20).iterrows():
            c1, c2 = st.columns([4, 1])
            who = f" by {r['deleted_by']}" if r["deleted_by"] else ""
            c1.caption(f"{r['name']} ({r['id']}, {r['n_rows']} rows): deleted {r['deleted_at']:%Y-%m-%d}{who}, "
                       f"purged after {r['purge_after']:%Y-%m-%d}")
            c2.button("Restore", key=f"ws.restore.{r['id']}", on_click=_restore, args=(r["id"], ds_key))
