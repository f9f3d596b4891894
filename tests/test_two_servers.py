"""Two `streamlit run` processes on different ports share one PostgreSQL user store (a throwaway
cluster, see conftest.postgres_url): a dataset uploaded through one opens by link on the other;
concurrent browser sessions split across the two servers import, fit and read with no lost or
duplicated rows and no cross-talk between workspaces; a process killed mid-import leaves nothing
half-written. Needs chromium and PostgreSQL (skipped locally without them, required in CI)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlparse

import numpy as np
import pytest

from conftest import ROOT, fresh_postgres_db
from test_browser import ARTIFACTS, CHROMIUM_ARGS, _free_port, _healthy, _query, _require_browser, _wait_for

SESSIONS = int(os.environ.get("TWO_SERVER_SESSIONS", "20"))


@pytest.fixture(scope="module")
def shared_db(postgres_url):
    return fresh_postgres_db(postgres_url)


def _start_server(db_url: str, var, log):
    port = _free_port()
    env = dict(os.environ, SCALING_EXPLORER_VAR=str(var), SCALING_EXPLORER_DATABASE_URL=db_url)
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
             "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
    return proc, f"http://127.0.0.1:{port}"


def _wait_healthy(proc, base, log):
    deadline = time.monotonic() + 90
    while not _healthy(base + "/_stcore/health"):
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"streamlit at {base} did not start; stderr:\n{log.read_text(errors='replace')}",
                        pytrace=False)
        time.sleep(0.25)


def _stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def two_servers(shared_db, tmp_path_factory):
    """Two servers, each with its own var/ (published store) and the same SCALING_EXPLORER_DATABASE_URL."""
    _require_browser()
    started = []
    try:
        for i in range(2):
            log = tmp_path_factory.mktemp(f"log{i}") / "stderr.log"
            started.append((*_start_server(shared_db, tmp_path_factory.mktemp(f"var{i}"), log), log))
        for proc, base, log in started:
            _wait_healthy(proc, base, log)
        yield [base for _, base, _ in started]
    finally:
        for proc, _, _ in started:
            _stop(proc)


def _csv(tmp_path, k: int, n: int = 12):
    rng = np.random.default_rng(k)
    rows = ["name,params,tokens,loss"]
    for i, N in enumerate(np.logspace(7, 9, n) * (1 + 0.01 * k)):
        D = 20 * N * (1 + i % 3)
        rows.append(f"k{k}-{i},{N:.6g},{D:.6g},{1.8 + 480 / N ** 0.35 + 2100 / D ** 0.37 + rng.normal(0, 1e-3):.6f}")
    path = tmp_path / f"session_{k}.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def _stalled(page, k: int, console: list[str], elapsed: float, error: Exception):
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"two_servers_stalled_session_{k}.png"
    try:
        page.screenshot(path=str(shot), full_page=True)
        text = page.locator("body").inner_text(timeout=10_000)[:1500]
    except Exception as inner:                                  # noqa: BLE001 - the report must still be made
        text = f"(page unreadable: {inner})"
    pytest.fail(f"session {k} stalled after {elapsed:.0f} s ({type(error).__name__}); screenshot {shot}\n"
                f"page text:\n{text}\nlast console messages:\n" + "\n".join(console[-30:]), pytrace=False)


def _upload(page, path):
    page.get_by_text("Import runs from a CSV").click()
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="Import").wait_for()


def test_dataset_uploaded_through_one_server_opens_by_link_on_the_other(two_servers, tmp_path):
    from playwright.sync_api import sync_playwright
    one, two = two_servers
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_require_browser(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            page.set_default_timeout(60_000)
            page.goto(one + "/fit")
            page.get_by_role("heading", name="Fit your runs").wait_for()
            page.get_by_role("button", name="New workspace").click()
            page.get_by_text("Created a workspace").wait_for()
            ws = _wait_for(lambda: _query(page.url).get("ws"), 20, "the workspace in the URL", page)
            _upload(page, _csv(tmp_path, 0))
            page.get_by_role("button", name="Import").click()
            page.get_by_text("Imported 12 runs as dataset").wait_for()
            ds = _wait_for(lambda: _query(page.url).get("ds"), 20, "the dataset id in the URL", page)
            _wait_for(lambda: _query(page.url).get("ws") == ws, 20, "the workspace kept in the link", page)
            link = urlparse(page.url)

            teammate = browser.new_page(viewport={"width": 1400, "height": 1800})
            teammate.set_default_timeout(60_000)
            teammate.goto(f"{two}{link.path}?{link.query}")                 # the same link, the other server
            box = teammate.get_by_test_id("stSelectbox").filter(has_text="Dataset").get_by_role("combobox").first
            _wait_for(lambda: ds in box.input_value(), 30, "the shared dataset on the second server", teammate)
            assert "session_0.csv" in box.input_value()
            teammate.get_by_text("12 runs fitted").wait_for()
            assert teammate.get_by_test_id("stException").count() == 0

            stranger = browser.new_page(viewport={"width": 1400, "height": 1800})  # the id without the workspace
            stranger.set_default_timeout(60_000)
            stranger.goto(f"{two}/fit?ds={ds}")
            stranger.get_by_text("Some link parameters were not used").wait_for()
            box = stranger.get_by_test_id("stSelectbox").filter(has_text="Dataset").get_by_role("combobox").first
            assert ds not in box.input_value() and "session_0" not in stranger.content()
        finally:
            browser.close()


def test_concurrent_sessions_on_two_servers_import_fit_and_read_without_cross_talk(two_servers, shared_db,
                                                                                    tmp_path):
    """SESSIONS browser sessions (20 by default), alternating between the two servers and two
    workspaces, each import their own file at once and fit it; the database then holds each upload
    once, whole, in its own workspace."""
    from playwright.sync_api import sync_playwright

    from scaling_explorer import store
    db = store.open_user_db(shared_db)
    spaces = [store.new_workspace(db), store.new_workspace(db)]
    files = [_csv(tmp_path, 100 + k) for k in range(SESSIONS)]
    started = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_require_browser(), args=CHROMIUM_ARGS)
        try:
            pages, consoles = [], []
            for k in range(SESSIONS):
                page = browser.new_page(viewport={"width": 1200, "height": 1400})
                page.set_default_timeout(240_000)
                consoles.append([])
                page.on("console", lambda m, log=consoles[-1]: log.append(f"{m.type}: {m.text[:300]}"))
                page.goto(f"{two_servers[k % 2]}/fit?ws={spaces[(k // 2) % 2]}", wait_until="commit")
                pages.append(page)
            for k, page in enumerate(pages):
                page.get_by_role("heading", name="Fit your runs").wait_for()
                _upload(page, files[k])
            for page in pages:                       # press Import in all sessions before waiting on any
                page.get_by_role("button", name="Import").click()
            shown = []
            for k, page in enumerate(pages):
                try:
                    page.get_by_text("Imported 12 runs as dataset").wait_for()
                    page.get_by_text("Fitted parameters and diagnostics").wait_for()
                except Exception as e:              # a stalled session: keep what it showed, for the next reader
                    _stalled(page, k, consoles[k], time.monotonic() - started, e)
                ds = _wait_for(lambda: _query(page.url).get("ds"), 60, "the dataset id in the URL", page)
                box = page.get_by_test_id("stSelectbox").filter(has_text="Dataset").get_by_role("combobox").first
                assert f"session_{100 + k}.csv" in box.input_value()
                assert page.get_by_test_id("stException").count() == 0
                shown.append((k, ds, _query(page.url).get("ws")))
        finally:
            browser.close()
    elapsed = time.monotonic() - started
    ids = {k: ds for k, ds, _ in shown}
    assert len(set(ids.values())) == SESSIONS
    for w, ws in enumerate(spaces):
        mine = {ids[k] for k in range(SESSIONS) if (k // 2) % 2 == w}
        assert set(store.list_datasets(db, ws)["id"]) == mine                     # no cross-talk
        assert all(wsk == ws for k, _, wsk in shown if (k // 2) % 2 == w)
    counts = dict(db.rows("SELECT dataset_id, count(*) FROM runs GROUP BY dataset_id"))
    assert all(counts[ds] == 12 for ds in ids.values())                          # none lost or doubled
    print(f"\n{SESSIONS} browser sessions on 2 servers imported, fitted and read in {elapsed:.1f} s")
    db.close()


def test_process_killed_mid_import_leaves_nothing_half_written(shared_db):
    """A process writing through the same library (as a server does) is SIGKILLed in the middle of
    a 600,000-row import into PostgreSQL: the database is exactly as it was, and still serves."""
    from scaling_explorer import store
    db = store.open_user_db(shared_db)
    before = store.store_checksum(db)
    child = (
        "import sys, numpy as np, pandas as pd\n"
        f"sys.path.insert(0, {str(ROOT / 'lib')!r})\n"
        "from scaling_explorer import store\n"
        f"db = store.open_user_db({shared_db!r})\n"
        "n = 600_000\n"
        "N = np.logspace(6, 12, n); D = 20 * N\n"
        "runs = pd.DataFrame({'run_name': ['r'] * n, 'n_params': N, 'n_tokens': D, 'compute_flops': 6 * N * D,"
        " 'loss': np.full(n, 3.0)})\n"
        "store.content_id = lambda runs, table=None: 'deadbeefdeadbeef'\n"
        "orig = store.userdb._PgTx.insert\n"
        "def insert(self, spec, df):\n"
        "    print('writing', flush=True)\n"
        "    return orig(self, spec, df)\n"
        "store.userdb._PgTx.insert = insert\n"
        "store.import_runs(db, runs, 'never lands')\n"
        "print('committed', flush=True)\n")
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    time.sleep(0.5)                                  # inside the COPY of the runs
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 30                 # the server notices the dropped connection and rolls back
    while db.rows("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                  "AND pid <> pg_backend_pid() AND state <> 'idle'")[0][0] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert store.store_checksum(db) == before
    assert db.rows("SELECT count(*) FROM datasets WHERE name = 'never lands'")[0][0] == 0
    assert db.rows("SELECT count(*) FROM runs WHERE dataset_id = 'deadbeefdeadbeef'")[0][0] == 0
    db.close()


def test_server_killed_mid_import_leaves_nothing_half_written(shared_db, tmp_path):
    """A real server: a browser uploads 200,000 runs and presses Import; when the server's COPY into
    PostgreSQL is under way the server process is SIGKILLed. Nothing of that upload is in the database,
    which is otherwise as it was."""
    from playwright.sync_api import sync_playwright

    from scaling_explorer import store
    db = store.open_user_db(shared_db)
    proc, base = _start_server(shared_db, tmp_path / "var", tmp_path / "stderr.log")
    try:
        _wait_healthy(proc, base, tmp_path / "stderr.log")
        n = 200_000
        N = np.logspace(7, 10, n)
        D = 20 * N
        big = tmp_path / "big_sweep.csv"
        pd_rows = ["name,params,tokens,loss"] + [f"r{i},{a:.9g},{b:.9g},{1.8 + 480 / a ** 0.35 + 2100 / b ** 0.37:.9f}"
                                                  for i, (a, b) in enumerate(zip(N, D))]
        big.write_text("\n".join(pd_rows) + "\n")
        before = store.store_checksum(db)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=_require_browser(), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1800})
                page.set_default_timeout(120_000)
                page.goto(base + "/fit")
                page.get_by_role("heading", name="Fit your runs").wait_for()
                _upload(page, big)
                page.get_by_role("button", name="Import").click()
                deadline = time.monotonic() + 120
                while not db.rows("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                  "AND pid <> pg_backend_pid() AND state = 'active' AND strpos(query, 'COPY') = 1")[0][0]:
                    assert time.monotonic() < deadline, "the server never started writing"
                    time.sleep(0.02)
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
            finally:
                browser.close()
    finally:
        if proc.poll() is None:
            _stop(proc)
    deadline = time.monotonic() + 30                 # PostgreSQL sees the dropped connection and rolls back
    while db.rows("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                  "AND pid <> pg_backend_pid() AND state <> 'idle'")[0][0] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert store.store_checksum(db) == before
    assert db.rows("SELECT count(*) FROM datasets WHERE name = 'big_sweep.csv'")[0][0] == 0
    db.close()
