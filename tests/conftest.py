import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "published"
sys.path.insert(0, str(ROOT / "lib"))
# Every test session gets its own store folder: nothing touches the developer's var/.
os.environ.setdefault("SCALING_EXPLORER_VAR", tempfile.mkdtemp(prefix="scaling-explorer-test-"))


def shared_file(*parts) -> Path:
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is absent: the shared published data sits beside the checkout in CI "
                    "(../shared/data/published); nothing to validate against here")
    return p


@pytest.fixture(scope="session")
def pub_con(tmp_path_factory):
    from scaling_explorer import store
    path = tmp_path_factory.mktemp("pub") / "published.duckdb"
    store.build_published(path)
    con = store.connect_published(path)
    yield con
    con.close()


@pytest.fixture(scope="session")
def laws(pub_con):
    from scaling_explorer import store
    return store.load_laws(pub_con)


def serve_shared(*required):
    """A 127.0.0.1 HTTP server over ../shared/data/published (the registry's mirror in tests), as
    a generator for a fixture; skips with a reason when a required file is absent."""
    import functools
    import http.server
    import threading
    for parts in required:
        shared_file(*parts)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SHARED))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty user store in this test's own folder."""
    from scaling_explorer import store
    monkeypatch.setenv("SCALING_EXPLORER_VAR", str(tmp_path))
    con = store.connect_user(tmp_path / "user.duckdb")
    yield con
    con.close()


# ---- PostgreSQL: a throwaway cluster for the user-store tests -------------------------------------

def postgres_required() -> bool:
    """In CI (CI=true) or with REQUIRE_POSTGRES=1 the PostgreSQL tests must run: a missing server fails."""
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def postgres_url():
    """postgresql://… of a cluster started for this test session in a temporary folder on 127.0.0.1
    (Debian's postgresql package: initdb and pg_ctl from /usr/lib/postgresql/*/bin, run as the
    postgres user since PostgreSQL refuses root), stopped after. SCALING_EXPLORER_TEST_DATABASE_URL
    uses a server you already run instead. Skips with the reason when neither is there, except in CI."""
    from pg_cluster import PostgresUnavailable, throwaway_cluster
    given = os.environ.get("SCALING_EXPLORER_TEST_DATABASE_URL")
    if given:
        yield given
        return
    try:
        with throwaway_cluster() as url:
            yield url
    except PostgresUnavailable as e:
        if postgres_required():
            pytest.fail(f"PostgreSQL is required here (CI=true or REQUIRE_POSTGRES=1): {e}", pytrace=False)
        pytest.skip(f"no PostgreSQL server: {e} (apt-get install -y postgresql, or set "
                    "SCALING_EXPLORER_TEST_DATABASE_URL)")


def fresh_postgres_db(url: str) -> str:
    """A new empty database on the test cluster; its URL."""
    import uuid

    import psycopg
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("CREATE DATABASE " + name)      # a generated name, not user input
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["duckdb", "postgres"])
def udb(request, tmp_path):
    """An empty user store on each back end: the same tests run against DuckDB and PostgreSQL."""
    from scaling_explorer import store, userdb
    if request.param == "duckdb":
        db = userdb.DuckDBBackend(store.connect_user(tmp_path / "user.duckdb"))
    else:
        db = store.open_user_db(fresh_postgres_db(request.getfixturevalue("postgres_url")))
    yield db
    db.close()


def run_page(page: str, timeout: float = 120, **params):
    """Run one page with AppTest, driven by URL parameters, and fail on any exception it shows."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=timeout)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


class _Downloads(dict):
    def __getitem__(self, label):
        data = super().__getitem__(label)
        return data() if callable(data) else data


@pytest.fixture
def downloads(monkeypatch):
    """What each download button drawn since would download, by label: a button whose file is made
    when pressed (a function) is pressed here."""
    from streamlit.delta_generator import DeltaGenerator
    sent = _Downloads()
    original = DeltaGenerator.download_button

    def record(self, label, data, *args, **kwargs):
        sent[label] = data
        return original(self, label, data, *args, **kwargs)
    monkeypatch.setattr(DeltaGenerator, "download_button", record)
    return sent


def charts(at) -> list:
    """Every chart a page drew: the in-place chart component (scaling_explorer.app.charts), or
    st.plotly_chart where that falls back."""
    from scaling_explorer.app import charts as in_place
    return [e for e in at.get("bidi_component") if e.proto.component_name == in_place.NAME] + list(at.get("plotly_chart"))


def figures(at) -> list[dict]:
    """The figures (data, layout) of every chart a page drew."""
    from scaling_explorer.app import charts as in_place
    return [in_place.figure_of(e) for e in charts(at)]
