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
