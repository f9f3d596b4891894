"""Bad input and abuse: a corpus of malformed uploads, hostile links, property-based tests of
the importer and the URL decoder, concurrent sessions on one store, and static security checks."""
import io
import math
import re
import threading

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from scaling_explorer import ingest, store
from scaling_explorer.state import Field, decode, encode

GOOD_ROWS = [(f"r{i}", 1e7 * 2 ** i, 2e8 * 2 ** i, 3.5 - 0.1 * i) for i in range(8)]


def csv_bytes(rows, header="name,params,tokens,loss", sep=","):
    lines = [header] + [sep.join(str(v) for v in r) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


GOOD = csv_bytes(GOOD_ROWS)
MAPPING = ingest.Mapping(n_params="params", loss="loss", n_tokens="tokens", run_name="name")


def _with(row, col, value):
    rows = [list(r) for r in GOOD_ROWS]
    rows[row][col] = value
    return csv_bytes(rows)


MALFORMED = {
    "empty file": b"",
    "only whitespace": b"   \n\n  ",
    "header only": b"name,params,tokens,loss\n",
    "no header (numbers first)": csv_bytes(GOOD_ROWS, header="r,1e7,2e8,3.5"),
    "one column": b"params\n" + b"1e8\n" * 10,
    "one row": csv_bytes(GOOD_ROWS[:1]),
    "two rows": csv_bytes(GOOD_ROWS[:2]),
    "five rows": csv_bytes(GOOD_ROWS[:5]),
    "duplicated column": csv_bytes(GOOD_ROWS, header="name,params,params,loss"),
    "duplicated column, other case": csv_bytes(GOOD_ROWS, header="name,params,PARAMS,loss"),
    "blank column name": csv_bytes(GOOD_ROWS, header="name,,tokens,loss"),
    "misnamed loss column": csv_bytes(GOOD_ROWS, header="name,params,tokens,val"),
    "misnamed params column": csv_bytes(GOOD_ROWS, header="name,size,tokens,loss"),
    "missing tokens and compute": b"name,params,loss\n" + b"".join(f"r{i},{1e8 * (i + 1)},3.0\n".encode()
                                                                    for i in range(8)),
    "ragged rows": GOOD + b"x,1,2,3,4,5,6\n",
    "string in params": _with(2, 1, "big"),
    "string in loss": _with(3, 3, "low"),
    "empty loss cell": _with(3, 3, ""),
    "NaN loss": _with(1, 3, "NaN"),
    "nan lower-case tokens": _with(1, 2, "nan"),
    "inf tokens": _with(4, 2, "inf"),
    "-inf loss": _with(4, 3, "-inf"),
    "zero params": _with(0, 1, "0"),
    "negative params": _with(0, 1, "-1e9"),
    "zero tokens": _with(5, 2, "0"),
    "negative loss": _with(6, 3, "-2.0"),
    "zero loss": _with(6, 3, "0"),
    "loss in bits-per-1000": _with(6, 3, "3500"),
    "formula injection =cmd": _with(2, 3, "=cmd|' /C calc'!A0"),
    "formula injection @SUM": _with(2, 1, "@SUM(A1:A9)"),
    "formula injection +cmd": _with(2, 3, "+cmd|' /C calc'!A0"),
    "formula injection -cmd": _with(2, 3, "-2+3+cmd|' /C calc'!A0"),
    "latin-1 bytes": GOOD.replace(b"r1", "r\u00e9".encode("latin-1")),
    "utf-16": GOOD.decode().encode("utf-16"),
    "binary NUL": b"name,params\x00,tokens,loss\n" + GOOD.split(b"\n", 1)[1],
    "hex numbers": _with(1, 1, "0x1F"),
    "thousands separators": _with(1, 1, '"1,000,000"'),
    "over the size cap (200 MB)": b"a,b\n" + b"1,2\n" * (50 * 2 ** 20),
    "too many rows": b"name,params,tokens,loss\n" + b"r,1e8,2e9,3.0\n" * (ingest.MAX_ROWS + 5),
    "parquet: text in numeric column": parquet_bytes(pd.DataFrame({"params": ["a"] * 8, "tokens": [1e9] * 8,
                                                                   "loss": [3.0] * 8})),
    "parquet: missing loss": parquet_bytes(pd.DataFrame({"params": [1e8 * (i + 1) for i in range(8)],
                                                         "tokens": [1e9] * 8})),
    "parquet: corrupt": b"PAR1" + b"\x00garbage" * 10,
    "parquet: NaN params": parquet_bytes(pd.DataFrame({"params": [np.nan] + [1e8] * 7, "tokens": [1e9] * 8,
                                                       "loss": [3.0] * 8})),
    "semicolons with one mapped column missing": csv_bytes(GOOD_ROWS, header="name;params;tokens;val", sep=";"),
}


def test_corpus_size():
    assert len(MALFORMED) >= 40


@pytest.fixture
def user_con(tmp_path):
    con = store.connect_user(tmp_path / "u.duckdb")
    ingest.import_csv(con, GOOD, MAPPING, "kept")
    yield con
    con.close()


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_upload_is_refused_and_nothing_stored(user_con, name):
    before = store.store_checksum(user_con)
    with pytest.raises(ingest.IngestError) as e:
        ingest.import_csv(user_con, MALFORMED[name], MAPPING, name)
    msg = str(e.value)
    assert len(msg) > 25 and "Traceback" not in msg
    assert store.store_checksum(user_con) == before


def test_good_parquet_imports_like_csv(tmp_path):
    con = store.connect_user(tmp_path / "u.duckdb")
    df = pd.DataFrame(GOOD_ROWS, columns=["name", "params", "tokens", "loss"])
    res = ingest.import_csv(con, parquet_bytes(df), MAPPING, "parquet")
    runs = store.get_runs(con, res.dataset_id)
    assert len(runs) == 8 and runs["n_params"].iloc[3] == pytest.approx(8e7)


# ---- hostile links -------------------------------------------------------------------------

HOSTILE = [
    ("planner", {"law": "nope"}), ("planner", {"law": "'; DROP TABLE laws; --"}),
    ("planner", {"law": "<script>alert(1)</script>"}), ("planner", {"law": "fit:../../etc/passwd:chinchilla"}),
    ("planner", {"law": "fit:demo:nope"}), ("planner", {"C": "1e308"}), ("planner", {"C": "-1e22"}),
    ("planner", {"C": "1e-308"}), ("planner", {"C": "NaN"}), ("planner", {"C": "Infinity"}),
    ("planner", {"C": "9" * 500}), ("planner", {"U": "-5"}), ("planner", {"inf": "abc"}),
    ("planner", {"fixN": "1e99"}), ("planner", {"gpus": "99999999999"}), ("planner", {"gpus": "1.5"}),
    ("planner", {"mfu": "0"}), ("planner", {"mfu": "2"}), ("planner", {"price": "-1"}),
    ("planner", {"seed": "-7"}), ("planner", {"boot": "100000"}), ("planner", {"gpu": "<b>TPU</b>"}),
    ("planner", {"cmp": "kaplan2020-nopt,kaplan2020-nopt,zzz"}), ("planner", {"zzz": "1", "C": "1e22"}),
    ("laws", {"laws": ",,,"}), ("laws", {"laws": "x" * 10000}), ("laws", {"C": "1e22 OR 1=1"}),
    ("laws", {"runs": "maybe"}), ("fit", {"ds": "../../../../etc/passwd"}), ("fit", {"ds": "demo' OR '1'='1"}),
    ("fit", {"forms": "eval(__import__('os'))"}), ("fit", {"af": "bnsl", "afcols": "a,b,c,d,e,f,g"}),
    ("fit", {"hold": "99"}), ("data", {"view": "../../secrets"}), ("data", {"table": "hoffmann2022_table3;--"}),
    ("families", {"fam": "F99"}), ("families", {"L": "1e400"}),
]


def test_hostile_corpus_size():
    assert len(HOSTILE) >= 30


@pytest.mark.parametrize("page, params", HOSTILE, ids=[f"{p}-{'-'.join(q)}" for p, q in HOSTILE])
def test_hostile_link_opens_with_a_notice_and_changes_nothing(page, params):
    from streamlit.testing.v1 import AppTest
    with store.connect_user() as con:
        before = store.store_checksum(con)
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    notices = " ".join(w.value for w in at.warning)
    assert "Some link parameters were not used" in notices
    rendered = " ".join(m.value for m in at.markdown) + notices
    assert "<script>" not in rendered.replace("'<script>", "")  # only ever quoted inside a notice
    with store.connect_user() as con:
        assert store.store_checksum(con) == before


# ---- property-based ------------------------------------------------------------------------

FIELDS = (
    Field("law", "choice", "a", choices=("a", "b")),
    Field("C", "log10", 23.0, lo=18.0, hi=27.0, step=0.1),
    Field("U", "log10", math.inf, lo=9.0, hi=15.0, step=0.1, allow_inf=True),
    Field("inf", "log10", -math.inf, lo=9.0, hi=16.0, step=0.1, allow_none=True),
    Field("laws", "multi", ("a",), choices=("a", "b", "c")),
    Field("n", "int", 8, lo=1, hi=1000),
    Field("x", "float", 0.4, lo=0.01, hi=1.0),
)


def _valid(values):
    assert values["law"] in ("a", "b")
    assert 18.0 <= values["C"] <= 27.0
    assert math.isinf(values["U"]) or 9.0 <= values["U"] <= 15.0
    assert values["inf"] == -math.inf or 9.0 <= values["inf"] <= 16.0
    assert set(values["laws"]) <= {"a", "b", "c"} and values["laws"]
    assert isinstance(values["n"], int) and 1 <= values["n"] <= 1000
    assert 0.01 <= values["x"] <= 1.0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["law", "C", "U", "inf", "laws", "n", "x", "junk", "embed"]) | st.text(max_size=20),
                       st.lists(st.text(max_size=300), min_size=0, max_size=3), max_size=8))
def test_url_decoder_never_fails_and_always_yields_valid_values(params):
    values, notices = decode(params, FIELDS)
    _valid(values)
    again, _ = decode({k: [v] for k, v in encode(values, FIELDS).items()}, FIELDS)
    assert encode(again, FIELDS) == encode(values, FIELDS)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(lambda s: s.encode("utf-8", "ignore")))
@example(b"\r\x01;")            # found by hypothesis: a bare CR in the header broke the csv module
def test_csv_importer_only_ever_raises_ingest_errors(data):
    try:
        df = ingest.read_table(data)
        ingest.normalise(df, MAPPING)
    except ingest.IngestError:
        pass


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(1e3, 1e13), st.floats(1e6, 1e14), st.floats(0.5, 10)), min_size=6, max_size=30))
def test_valid_numeric_rows_always_import(rows):
    data = csv_bytes([(f"r{i}", *r) for i, r in enumerate(rows)])
    runs = ingest.normalise(ingest.read_table(data), MAPPING)
    assert len(runs) == len(rows) and np.all(runs["compute_flops"] > 0)


# ---- concurrency ---------------------------------------------------------------------------

def test_twenty_sessions_import_fit_and_read_at_once(tmp_path):
    con = store.connect_user(tmp_path / "u.duckdb")
    from scaling_explorer.fitting import fit_law
    errors, ids = [], {}

    def session(k):
        try:
            rng = np.random.default_rng(k)
            N = np.logspace(7, 9, 12) * (1 + 0.01 * k)
            D = 20 * N
            runs = pd.DataFrame({"run_name": [f"s{k}-{i}" for i in range(12)], "n_params": N, "n_tokens": D,
                                 "compute_flops": 6 * N * D,
                                 "loss": 1.8 + 480 / N ** 0.35 + 2100 / D ** 0.37 + rng.normal(0, 1e-3, 12)})
            res = store.import_runs(con, runs, f"session {k}")
            ids[k] = res.dataset_id
            back = store.get_runs(con, res.dataset_id)
            assert back["run_name"].tolist() == runs["run_name"].tolist()
            fit_law("chinchilla", back["n_params"], back["n_tokens"], back["loss"], n_refine=4)
            store.list_datasets(con)
        except Exception as e:  # collected, asserted below
            errors.append(f"session {k}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=session, args=(k,)) for k in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(set(ids.values())) == 20
    counts = con.execute("SELECT dataset_id, count(*) FROM runs GROUP BY dataset_id").fetchall()
    assert len(counts) == 20 and all(c == 12 for _, c in counts)
    assert con.execute("SELECT count(*) FROM datasets").fetchone()[0] == 20


# ---- static checks -------------------------------------------------------------------------

def _sources():
    paths = sorted((ROOT / "lib").rglob("*.py")) + sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]
    return [(p, p.read_text()) for p in paths]


def test_no_user_text_rendered_as_html_and_no_eval():
    for path, text in _sources():
        assert "unsafe_allow_html" not in text, path.name
        assert not re.search(r"(?<![\w.])(eval|exec)\(", text), path.name
        assert not re.search(r"import pickle|pickle\.loads?\(|read_pickle\(|unpickl", text), path.name


def test_server_config_keeps_xsrf_and_caps_uploads():
    import tomllib
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["server"]["maxUploadSize"] * 2 ** 20 <= ingest.MAX_UPLOAD_BYTES
    assert cfg["server"]["address"] in ("localhost", "127.0.0.1")


def test_import_killed_mid_write_leaves_the_store_as_it_was(tmp_path):
    """A real crash: a child process starts writing four million runs in one transaction and is
    SIGKILLed before it can commit; reopening the store finds exactly what was there before."""
    import signal
    import subprocess
    import sys
    import time
    db = tmp_path / "u.duckdb"
    with store.connect_user(db) as con:
        ingest.import_csv(con, GOOD, MAPPING, "kept")
        before = store.store_checksum(con)
    child = (
        "import sys, numpy as np, pandas as pd\n"
        f"sys.path.insert(0, {str(ROOT / 'lib')!r})\n"
        "from scaling_explorer import store\n"
        f"con = store.connect_user({str(db)!r})\n"
        "store.content_id = lambda runs, table=None: 'deadbeefdeadbeef'  # skip hashing: go straight to the write\n"
        "n = 4_000_000\n"
        "N = np.logspace(6, 12, n); D = 20 * N\n"
        "runs = pd.DataFrame({'run_name': ['r'] * n, 'n_params': N, 'n_tokens': D, 'compute_flops': 6 * N * D,"
        " 'loss': np.full(n, 3.0)})\n"
        "print('importing', flush=True)\n"
        "store.import_runs(con, runs, 'never lands')\n"
        "print('committed', flush=True)\n")
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "importing"
    time.sleep(0.7)                      # mid-write: the whole import takes about 1.3 s here
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with store.connect_user(db) as con:
        assert store.store_checksum(con) == before
        assert con.execute("SELECT count(*) FROM datasets WHERE name = 'never lands'").fetchone()[0] == 0
