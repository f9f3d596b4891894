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
