"""Workspaces, trash and the user store's back ends. The store tests take the `udb` fixture, so each
runs against DuckDB and against PostgreSQL (a throwaway cluster; skipped locally without one,
required in CI). The page tests (AppTest) try to reach another workspace's datasets through every
page, URL parameter and export."""
import threading
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, charts, run_page
from scaling_explorer import ingest, store, userdb

T0 = datetime(2026, 1, 10, 12, 0, 0)


def runs_frame(k: int, n: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(k)
    N = np.logspace(7, 9, n) * (1 + 0.01 * k)
    D = 20 * N
    return pd.DataFrame({"run_name": [f"s{k}-{i}" for i in range(n)], "n_params": N, "n_tokens": D,
                         "compute_flops": 6 * N * D,
                         "loss": 1.8 + 480 / N ** 0.35 + 2100 / D ** 0.37 + rng.normal(0, 1e-3, n)})


def csv_of(k: int) -> bytes:
    return runs_frame(k).rename(columns={"run_name": "name", "n_params": "params", "n_tokens": "tokens"}) \
        .drop(columns=["compute_flops"]).to_csv(index=False).encode()


MAPPING = ingest.Mapping(n_params="params", loss="loss", n_tokens="tokens", run_name="name")


# ---- the store, on both back ends ----------------------------------------------------------------

def test_workspace_tokens_are_unguessable_and_checked(udb):
    a, b = store.new_workspace(udb), store.new_workspace(udb)
    assert a != b and len(a) == 32 and store.valid_token(a)         # token_urlsafe(24): 192 random bits
    assert store.workspace_exists(udb, a) and store.workspace_exists(udb, store.DEFAULT_WS)
    for guess in (a[:-1] + ("A" if a[-1] != "A" else "B"), a[:20], "x" * 32, "' OR 1=1 --", "", "../default"):
        assert not store.workspace_exists(udb, guess), guess


def test_each_workspace_sees_only_its_datasets(udb):
    a, b = store.new_workspace(udb), store.new_workspace(udb)
    in_a = ingest.import_csv(store.scoped(udb, a), csv_of(1), MAPPING, "mine")
    in_b = ingest.import_csv(store.scoped(udb, b), csv_of(1), MAPPING, "theirs")     # the same file
    in_default = ingest.import_csv(udb, csv_of(1), MAPPING, "public")
    assert len({in_a.dataset_id, in_b.dataset_id, in_default.dataset_id}) == 3
    assert in_default.dataset_id == store.content_id(ingest.normalise(ingest.read_table(csv_of(1)), MAPPING),
                                                     ingest.numeric_table(ingest.read_table(csv_of(1))))
    assert list(store.list_datasets(udb, a)["id"]) == [in_a.dataset_id]
    assert list(store.list_datasets(udb, b)["id"]) == [in_b.dataset_id]
    assert list(store.list_datasets(udb)["id"]) == [in_default.dataset_id]
    # another workspace's id, from any workspace, opens nothing and changes nothing
    before = store.store_checksum(udb)
    for ws, other in ((a, in_b.dataset_id), (b, in_a.dataset_id), (store.DEFAULT_WS, in_a.dataset_id),
                      (a, in_default.dataset_id), (a, "0123456789abcdef"), (a, "' OR '1'='1")):
        assert store.get_runs(udb, other, ws).empty
        assert store.get_table(udb, other, ws).empty
        assert store.dataset_info(udb, other, ws) is None and store.dataset_name(udb, other, ws) is None
        assert not store.rename_dataset(udb, ws, other, "stolen", "x")
        assert not store.delete_dataset(udb, ws, other)
        assert not store.restore_dataset(udb, ws, other)
    assert store.store_checksum(udb) == before
    got = store.get_runs(udb, in_a.dataset_id, a)
    assert len(got) == 12 and got["run_name"].tolist() == runs_frame(1)["run_name"].tolist()
    assert list(store.get_table(udb, in_a.dataset_id, a).columns) == ["params", "tokens", "loss"]


def test_rename_annotate_delete_restore_and_purge_with_a_controlled_clock(udb, monkeypatch):
    ws = store.new_workspace(udb, user="ada@example.org")
    scope = store.scoped(udb, ws, "ada@example.org")
    ds = ingest.import_csv(scope, csv_of(2), MAPPING, "sweep").dataset_id
    keep = ingest.import_csv(scope, csv_of(3), MAPPING, "kept").dataset_id
    assert store.dataset_info(udb, ds, ws)["created_by"] == "ada@example.org"
    assert store.rename_dataset(udb, ws, ds, "sweep v2", "lr 3e-4, cosine")
    info = store.dataset_info(udb, ds, ws)
    assert (info["name"], info["note"]) == ("sweep v2", "lr 3e-4, cosine")

    assert store.delete_dataset(udb, ws, ds, user="bob@example.org", now=T0)
    assert not store.delete_dataset(udb, ws, ds, now=T0)                    # already in the trash
    assert list(store.list_datasets(udb, ws)["id"]) == [keep]
    trash = store.list_trash(udb, ws)
    assert list(trash["id"]) == [ds] and trash["deleted_by"].iloc[0] == "bob@example.org"
    assert trash["purge_after"].iloc[0] == T0 + timedelta(days=30)
    assert store.get_runs(udb, ds, ws).empty                               # a link to it opens nothing …
    info = store.dataset_info(udb, ds, ws)                                 # … but can say it was deleted
    assert info["deleted_at"] == T0 and info["deleted_by"] == "bob@example.org"

    assert store.restore_dataset(udb, ws, ds)                              # round trip: all rows back
    assert len(store.get_runs(udb, ds, ws)) == 12 and store.list_trash(udb, ws).empty

    store.delete_dataset(udb, ws, ds, now=T0)
    assert store.purge_trash(udb, now=T0 + timedelta(days=29, hours=23)) == 0
    assert store.restore_dataset(udb, ws, ds)                              # still restorable on day 29
    store.delete_dataset(udb, ws, ds, now=T0)
    monkeypatch.setattr(store, "clock", lambda: T0 + timedelta(days=30, minutes=1))   # the module clock
    assert store.purge_trash(udb) == 1
    assert store.dataset_info(udb, ds, ws) is None and not store.restore_dataset(udb, ws, ds)
    left = [r[0] for r in udb.rows("SELECT DISTINCT dataset_id FROM runs")]
    assert left == [keep] and [r[0] for r in udb.rows("SELECT DISTINCT dataset_id FROM cells")] == [keep]


def test_importing_a_trashed_upload_again_restores_it(udb):
    ws = store.new_workspace(udb)
    ds = ingest.import_csv(store.scoped(udb, ws), csv_of(4), MAPPING, "x").dataset_id
    store.delete_dataset(udb, ws, ds)
    again = ingest.import_csv(store.scoped(udb, ws), csv_of(4), MAPPING, "x")
    assert again.dataset_id == ds and not again.created
    assert list(store.list_datasets(udb, ws)["id"]) == [ds]


def test_failed_import_leaves_nothing(udb):
    before = store.store_checksum(udb)
    with pytest.raises(RuntimeError):
        store.import_runs(store.scoped(udb, store.new_workspace(udb)), runs_frame(5), "half", _fail_after_dataset_row=True)
    after_ws = [r for r in udb.rows("SELECT count(*) FROM datasets")][0][0]
    assert after_ws == 0 and udb.rows("SELECT count(*) FROM runs")[0][0] == 0
    assert before != store.store_checksum(udb)          # only the new workspace row differs
    assert store.list_datasets(udb).empty


def _sessions(dbs, workspaces, n, errors, ids):
    from scaling_explorer.fitting import fit_law

    def session(k):
        try:
            db, ws = dbs[k % len(dbs)], workspaces[k % len(workspaces)]
            res = store.import_runs(store.scoped(db, ws), runs_frame(k), f"session {k}")
            ids[k] = (ws, res.dataset_id)
            back = store.get_runs(db, res.dataset_id, ws)
            assert back["run_name"].tolist() == runs_frame(k)["run_name"].tolist()
            fit_law("chinchilla", back["n_params"], back["n_tokens"], back["loss"], n_refine=4)
            listed = set(store.list_datasets(db, ws)["id"])
            assert res.dataset_id in listed
        except Exception as e:  # collected, asserted below
            errors.append(f"session {k}: {type(e).__name__}: {e}")
    threads = [threading.Thread(target=session, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)


def test_twenty_sessions_in_two_workspaces_import_fit_and_read_at_once(udb, request):
    """On PostgreSQL the sessions go through two separate back ends (two pools: as two processes)."""
    dbs = [udb]
    if udb.kind == "postgres":
        dbs.append(store.open_user_db(udb.url))
    a, b = store.new_workspace(udb), store.new_workspace(udb)
    errors, ids = [], {}
    _sessions(dbs, [a, b], 20, errors, ids)
    assert not errors, errors
    assert len({d for _, d in ids.values()}) == 20
    for ws in (a, b):
        mine = {d for w, d in ids.values() if w == ws}
        assert set(store.list_datasets(udb, ws)["id"]) == mine and len(mine) == 10     # no cross-talk
    counts = udb.rows("SELECT dataset_id, count(*) FROM runs GROUP BY dataset_id")
    assert len(counts) == 20 and all(c == 12 for _, c in counts)                       # none lost or doubled
    for extra in dbs[1:]:
        extra.close()


def test_the_same_upload_from_two_sessions_at_once_is_stored_once(udb):
    ws = store.new_workspace(udb)
    dbs = [udb] + ([store.open_user_db(udb.url)] if udb.kind == "postgres" else [])
    results, errors = [], []

    def go(k):
        try:
            results.append(store.import_runs(store.scoped(dbs[k % len(dbs)], ws), runs_frame(9), "same"))
        except Exception as e:
            errors.append(f"{type(e).__name__}: {e}")
    threads = [threading.Thread(target=go, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert len({r.dataset_id for r in results}) == 1 and sum(r.created for r in results) == 1
    assert udb.rows("SELECT count(*) FROM runs")[0][0] == 12


def test_schema_migration_is_idempotent_and_old_datasets_join_the_default_workspace(tmp_path):
    """A user store written before workspaces: its datasets stay reachable by their old links."""
    import duckdb
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE datasets (id VARCHAR PRIMARY KEY, name VARCHAR, note VARCHAR, n_rows INTEGER, "
                    "source_columns VARCHAR, created_at TIMESTAMP DEFAULT current_timestamp)")
        con.execute("CREATE TABLE runs (dataset_id VARCHAR, row_no INTEGER, run_name VARCHAR, n_params DOUBLE, "
                    "n_tokens DOUBLE, compute_flops DOUBLE, loss DOUBLE)")
        con.execute("INSERT INTO datasets (id, name, note, n_rows, source_columns) VALUES "
                    "('3f2a3f2a3f2a3f2a', 'old', '', 1, '{}')")
        con.execute("INSERT INTO runs VALUES ('3f2a3f2a3f2a3f2a', 0, 'r', 1e8, 2e9, 1.2e18, 3.0)")
    for _ in range(2):
        with store.connect_user(path) as con:
            assert list(store.list_datasets(con)["id"]) == ["3f2a3f2a3f2a3f2a"]
            assert len(store.get_runs(con, "3f2a3f2a3f2a3f2a")) == 1
            assert con.execute("SELECT count(*) FROM workspaces").fetchone()[0] == 1


def test_postgres_schema_is_created_once_by_processes_starting_together(postgres_url):
    from conftest import fresh_postgres_db
    url = fresh_postgres_db(postgres_url)
    errors, dbs = [], []

    def start():
        try:
            dbs.append(store.open_user_db(url))
        except Exception as e:
            errors.append(f"{type(e).__name__}: {e}")
    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert dbs[0].rows("SELECT count(*) FROM workspaces")[0][0] == 1
    for db in dbs:
        db.close()


def test_database_url_picks_the_back_end(monkeypatch, tmp_path, postgres_url):
    from conftest import fresh_postgres_db
    monkeypatch.setenv("SCALING_EXPLORER_VAR", str(tmp_path))
    monkeypatch.delenv("SCALING_EXPLORER_DATABASE_URL", raising=False)
    assert store.open_user_db().kind == "duckdb"
    monkeypatch.setenv("SCALING_EXPLORER_DATABASE_URL", fresh_postgres_db(postgres_url))
    db = store.open_user_db()
    assert db.kind == "postgres" and isinstance(db, userdb.PostgresBackend)
    db.close()


# ---- the pages: workspace A cannot reach workspace B -----------------------------------------------

def _page(page: str, **params):
    return run_page(page, **params)


def _text(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [w.value for w in at.warning]
    parts += [e.value for e in at.error] + [s.value for s in at.success]
    for sb in at.selectbox:
        parts += [str(o) for o in sb.options]
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    for t in at.table:
        parts.append(t.value.to_csv())
    return " ".join(parts)


@pytest.fixture(scope="module")
def two_workspaces():
    """Workspaces A and B in the app's own user store, each with one dataset (names that must not leak)."""
    db = store.shared_user_db()
    a, b = store.new_workspace(db), store.new_workspace(db)
    da = ingest.import_csv(store.scoped(db, a), csv_of(11), MAPPING, "alpha-secret-sweep").dataset_id
    dbb = ingest.import_csv(store.scoped(db, b), csv_of(12), MAPPING, "bravo-secret-sweep").dataset_id
    return {"a": a, "b": b, "da": da, "db": dbb}


def test_fit_page_lists_only_the_workspace_datasets(two_workspaces):
    w = two_workspaces
    at = _page("fit", ws=w["a"])
    ids = at.selectbox(key="fit.ds").options
    text = _text(at)
    assert any(w["da"] in o for o in ids) and not any(w["db"] in o for o in ids)
    assert "bravo-secret-sweep" not in text
    default = _page("fit")
    assert not any(w["da"] in o or w["db"] in o for o in default.selectbox(key="fit.ds").options)


@pytest.mark.parametrize("how", ["id from the other workspace", "guessed id", "tampered workspace",
                                 "no workspace", "other workspace's token with its id"])
def test_fit_page_link_cannot_open_another_workspace_dataset(two_workspaces, how):
    w = two_workspaces
    params = {"id from the other workspace": {"ws": w["a"], "ds": w["db"]},
              "guessed id": {"ws": w["a"], "ds": "0123456789abcdef"},
              "tampered workspace": {"ws": w["b"][:-2] + "zz", "ds": w["db"]},
              "no workspace": {"ds": w["db"]},
              "other workspace's token with its id": {"ws": w["b"], "ds": w["da"]}}[how]
    at = _page("fit", **params, forms="chinchilla", boot="0")
    assert at.selectbox(key="fit.ds").value == "demo"
    text = _text(at)
    hidden = {"other workspace's token with its id": ["alpha"], "id from the other workspace": ["bravo"],
              "guessed id": ["bravo"]}.get(how, ["alpha", "bravo"])
    assert not [h for h in hidden if f"{h}-secret-sweep" in text]
    assert "Some link parameters were not used" in text or "does not exist" in text
    if how == "tampered workspace":
        assert "does not exist on this server" in text


def test_planner_cannot_use_a_law_fitted_to_another_workspace(two_workspaces):
    w = two_workspaces
    mine = _page("planner", ws=w["a"], law=f"fit:{w['da']}:chinchilla")
    assert mine.selectbox[0].value == f"fit:{w['da']}:chinchilla"
    theirs = _page("planner", ws=w["a"], law=f"fit:{w['db']}:chinchilla")
    assert theirs.selectbox[0].value != f"fit:{w['db']}:chinchilla"
    assert not any(w["db"] in o for o in theirs.selectbox[0].options)
    assert "bravo-secret-sweep" not in _text(theirs)


def test_exported_link_carries_the_workspace_and_the_fitted_dataset(two_workspaces):
    w = two_workspaces
    at = _page("planner", ws=w["a"], law=f"fit:{w['da']}:chinchilla")
    links = [c.value for c in at.code if "law=" in c.value]
    assert links and all(f"ws={w['a']}" in lk and w["da"] in lk for lk in links)
    assert at.query_params["ws"] == [w["a"]] or at.query_params["ws"] == w["a"]


def test_data_page_lists_only_the_workspace_uploads(two_workspaces):
    w = two_workspaces
    text = _text(_page("data", ws=w["a"], view="datasets"))
    assert "alpha-secret-sweep" in text and "bravo-secret-sweep" not in text


def test_cached_fits_are_not_served_across_workspaces(two_workspaces):
    """B's session fits its dataset (cached by id); A's session asking for that id gets refused,
    not the cached result."""
    from streamlit.testing.v1 import AppTest
    w = two_workspaces
    _page("fit", ws=w["b"], ds=w["db"], forms="chinchilla")          # fills the caches with B's fit
    script = f"""
import streamlit as st
from scaling_explorer.app import cache
st.query_params["ws"] = {w['a']!r}
st.write(cache.fit({w['db']!r}, "chinchilla"))
"""
    at = AppTest.from_string(script, default_timeout=60).run()
    assert not at.exception
    assert any("is not in this workspace" in e.value for e in at.error)


def test_delete_restore_and_a_link_to_a_deleted_dataset_on_the_page(two_workspaces):
    db = store.shared_user_db()
    ws = store.new_workspace(db)
    ds = ingest.import_csv(store.scoped(db, ws), csv_of(13), MAPPING, "to-delete").dataset_id
    at = _page("fit", ws=ws, ds=ds)
    at.text_input(key="ws.name").set_value("renamed sweep")
    at.button(key="ws.save").click().run()
    assert store.dataset_info(db, ds, ws)["name"] == "renamed sweep"
    at.button(key="ws.delete").click().run()
    assert not at.exception
    assert store.dataset_info(db, ds, ws)["deleted_at"] is not None
    assert at.selectbox(key="fit.ds").value == "demo"
    link = _page("fit", ws=ws, ds=ds)                                 # the old link says so plainly
    assert any("was deleted from this workspace" in m.value for m in link.warning)
    link.button(key="ws.restore_link").click().run()
    assert not link.exception
    assert store.dataset_info(db, ds, ws)["deleted_at"] is None
    assert link.selectbox(key="fit.ds").value == ds
    # B's dataset through A's page: no delete button reaches it
    w = two_workspaces
    other = _page("fit", ws=w["a"], ds=w["db"])
    assert other.selectbox(key="fit.ds").value == "demo"
    assert store.dataset_info(db, w["db"], w["b"])["deleted_at"] is None


def test_new_workspace_is_one_click_and_starts_empty(two_workspaces):
    at = _page("fit")
    at.button(key="ws.new").click().run()
    assert not at.exception
    ws = at.session_state["ws"]
    assert store.valid_token(ws) and ws != store.DEFAULT_WS
    assert at.selectbox(key="fit.ds").options == [at.selectbox(key="fit.ds").options[0]]     # the demo only
    assert any(f"ws={ws}" in s.value for s in at.success)


def test_sign_in_when_configured_guards_every_page():
    from streamlit.testing.v1 import AppTest
    for page in ("laws", "planner", "fit", "families", "data"):
        at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
        at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                              "client_id": "c", "client_secret": "s",
                              "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert [b.label for b in at.button] == ["Sign in"], page
        assert not at.dataframe and not charts(at), page


@pytest.mark.parametrize("page", ["laws", "planner", "fit", "families", "data"])
@pytest.mark.parametrize("ws", ["' OR '1'='1", "default' --", "x" * 5000, "../../etc/passwd", "A" * 32])
def test_hostile_workspace_links_open_the_default_workspace_with_a_notice(page, ws):
    before = store.store_checksum(store.shared_user_db())
    at = _page(page, ws=ws)
    assert any("does not exist on this server" in m.value for m in at.warning)
    assert "ws" not in at.query_params
    assert store.store_checksum(store.shared_user_db()) == before
