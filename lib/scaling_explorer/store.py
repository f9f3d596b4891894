"""The DuckDB stores: the published store built from ``data/``, and the user store of imports.

* The published store is rebuilt from the cited text files in ``data/`` whenever their hash
  changes. It is built into a temporary file and moved into place in one rename, so a
  reader never sees half a build, and it is opened read-only when serving.
* User datasets live in a separate file. An import is one transaction: it lands whole or
  not at all. Every query uses ``?`` parameters; no SQL is built from user values.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import threading
import time
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from . import userdb
from .forms import FORMS
from .laws import Law, make_law

# The checkout: lib/scaling_explorer/store.py -> the folder holding data/ (an editable install,
# `pip install -e .`, keeps it there). SCALING_EXPLORER_DATA points elsewhere if needed.
ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("SCALING_EXPLORER_DATA", ROOT / "data"))


def var_dir() -> Path:
    d = Path(os.environ.get("SCALING_EXPLORER_VAR", ROOT / "var"))
    d.mkdir(parents=True, exist_ok=True)
    return d


# ---- reading data/ ---------------------------------------------------------------------------

def _source_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in data_dir.rglob("*") if p.is_file() and p.suffix in (".toml", ".csv"))


# Bump when the published store's build changes (columns, parsing), so a store built by older code
# from the same data/ is rebuilt rather than served with missing columns.
PUBLISHED_SCHEMA = "2: structured conventions, example"


def data_hash(data_dir: Path = DATA_DIR) -> str:
    h = hashlib.sha256(PUBLISHED_SCHEMA.encode() + b"\0")
    for p in _source_files(data_dir):
        h.update(p.relative_to(data_dir).as_posix().encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def load_sources(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    with open(data_dir / "sources.toml", "rb") as f:
        rows = tomllib.load(f)["source"]
    df = pd.DataFrame(rows)
    for col in ("source_id", "short", "authors", "year", "title", "arxiv_id", "url", "licence", "notes"):
        if col not in df:
            df[col] = ""
    return df[["source_id", "short", "authors", "year", "title", "arxiv_id", "url", "licence", "notes"]]


# Structured fit domains, where the paper states them: C in FLOPs, N in the law's parameter
# convention, D in tokens, x in a single-variable law's own unit (its `variable`).
RANGES = ("c_range", "n_range", "d_range", "x_range")
_LAW_META = ("name", "form", "family", "source", "locator", "variable", "compute_unit", "model_scale",
             "param_convention", "compute_convention", "params_counted", "flops", "allocate_from", "frontier",
             "dataset", "domain", "latex", "verified", "check", "example", "notes", "metric", "x_unit")


def load_laws_table(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    with open(data_dir / "laws.toml", "rb") as f:
        rows = tomllib.load(f)["law"]
    out = []
    for r in rows:
        rec = {"slug": r["slug"]}
        for k in _LAW_META:
            rec[k] = r.get(k, True if k == "verified" else "")
        rec["params_json"] = json.dumps(r["params"], sort_keys=True)
        for k in RANGES:
            rng = r.get(k, [])
            if rng and not (len(rng) == 2 and all(isinstance(v, (int, float)) and v > 0 for v in rng)
                            and rng[0] < rng[1]):
                raise ValueError(f"law {r['slug']}: {k} must be [low, high] with 0 < low < high, got {rng!r}")
            rec[f"{k}_json"] = json.dumps([float(v) for v in rng])
        out.append(rec)
    return pd.DataFrame(out)


RUN_TEXT = ("model", "organisation", "verified", "arxiv_id", "url", "locator", "quote", "notes")
RUN_NUM = ("total_params", "active_params", "training_tokens", "training_compute_flops")


def load_notable_runs(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Documented training runs; every row must name its source, locator and quote."""
    df = pd.read_csv(data_dir / "runs" / "notable_runs.csv", dtype={c: str for c in RUN_TEXT}, keep_default_na=False,
                     na_values={c: [""] for c in RUN_NUM + ("year",)})
    for c in ("model", "url", "locator", "quote"):
        bad = df[df[c].str.strip() == ""]
        if len(bad):
            raise ValueError(f"notable_runs.csv: {c} missing for {', '.join(bad['model'][:5])}")
    if df["model"].duplicated().any():
        raise ValueError("notable_runs.csv: duplicated model names")
    for c in RUN_NUM:
        df[c] = pd.to_numeric(df[c], errors="raise").astype(float)
    df["year"] = pd.to_numeric(df["year"]).astype("Int64")
    return df.sort_values(["year", "model"], kind="stable").reset_index(drop=True)


def load_tables_meta(data_dir: Path = DATA_DIR) -> list[dict]:
    with open(data_dir / "tables.toml", "rb") as f:
        return tomllib.load(f)["table"]


# ---- the published store -------------------------------------------------------------------

def _validate(sources: pd.DataFrame, laws: pd.DataFrame, tables: list[dict], data_dir: Path) -> None:
    ids = set(sources["source_id"])
    if len(ids) != len(sources):
        raise ValueError("duplicate source_id in data/sources.toml")
    if laws["slug"].duplicated().any():
        raise ValueError("duplicate law slug in data/laws.toml")
    for _, r in laws.iterrows():
        if r["source"] not in ids:
            raise ValueError(f"law {r['slug']}: unknown source {r['source']!r}")
        if not str(r["locator"]).strip():
            raise ValueError(f"law {r['slug']}: no locator")
        make_law(r["slug"], r["form"], json.loads(r["params_json"]))  # checks parameter names
    for t in tables:
        if t["source"] not in ids or not t.get("locator"):
            raise ValueError(f"table {t['id']}: needs a known source and a locator")
        if not (data_dir / "tables" / f"{t['id']}.csv").exists():
            raise ValueError(f"table {t['id']}: data/tables/{t['id']}.csv missing")


def build_published(db_path: Path, data_dir: Path = DATA_DIR) -> str:
    """Build the published store at db_path from data_dir; returns the data hash."""
    sources = load_sources(data_dir)
    laws = load_laws_table(data_dir)
    tables = load_tables_meta(data_dir)
    _validate(sources, laws, tables, data_dir)
    digest = data_hash(data_dir)
    tmp = db_path.with_suffix(".duckdb.tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        con.register("src_df", sources.sort_values("source_id").reset_index(drop=True))
        con.execute("CREATE TABLE sources AS SELECT * FROM src_df")
        con.register("law_df", laws.sort_values("slug").reset_index(drop=True))
        con.execute("CREATE TABLE laws AS SELECT * FROM law_df")
        meta = pd.DataFrame([{k: t.get(k, "") for k in ("id", "title", "source", "locator", "notes")}
                             for t in sorted(tables, key=lambda t: t["id"])])
        con.register("tbl_meta", meta)
        con.execute("CREATE TABLE published_tables AS SELECT * FROM tbl_meta")
        rows = []
        for t in tables:
            df = pd.read_csv(data_dir / "tables" / f"{t['id']}.csv", dtype=str, keep_default_na=False)
            df.insert(0, "table_id", t["id"])
            df.insert(1, "row_no", range(len(df)))
            long_t = df.melt(id_vars=["table_id", "row_no"], var_name="column", value_name="value")
            long_t.insert(2, "col_no", long_t["column"].map({c: i for i, c in enumerate(df.columns)}))
            rows.append(long_t)
        long = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
            columns=["table_id", "row_no", "col_no", "column", "value"])
        con.register("tbl_rows", long)
        con.execute("CREATE TABLE table_cells AS SELECT * FROM tbl_rows")
        runs_csv = data_dir / "runs" / "notable_runs.csv"
        if runs_csv.exists():
            nr = load_notable_runs(data_dir)
            con.register("nr_df", nr)
            con.execute("CREATE TABLE notable_runs AS SELECT * FROM nr_df")
        con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
        con.execute("INSERT INTO meta VALUES ('data_hash', ?)", [digest])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, db_path)
    return digest


def published_path() -> Path:
    return var_dir() / "published.duckdb"


_build_lock = threading.Lock()


def ensure_published(db_path: Path | None = None, data_dir: Path = DATA_DIR) -> Path:
    """Rebuild the published store if it is missing or its data hash differs from data/."""
    db_path = db_path or published_path()
    with _build_lock:
        want = data_hash(data_dir)
        have = None
        if db_path.exists():
            try:
                with duckdb.connect(str(db_path), read_only=True) as con:
                    have = con.execute("SELECT value FROM meta WHERE key = 'data_hash'").fetchone()[0]
            except (duckdb.Error, TypeError):
                have = None
        if have != want:
            build_published(db_path, data_dir)
    return db_path


def connect_published(db_path: Path | None = None) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(ensure_published(db_path)), read_only=True)


_shared: dict[tuple[str, bool], duckdb.DuckDBPyConnection] = {}
_shared_lock = threading.Lock()


def shared_connection(kind: str) -> duckdb.DuckDBPyConnection:
    """One connection per store file per process, opened once under a lock (sessions starting
    together must not race to open or create the same file); callers take a cursor per query."""
    with _shared_lock:
        path = ensure_published() if kind == "published" else user_path()
        key = (str(path), kind == "published")
        con = _shared.get(key)
        if con is None:
            con = duckdb.connect(str(path), read_only=True) if kind == "published" else connect_user(path)
            _shared[key] = con
        return con


def shared_user_db() -> userdb.Backend:
    """The user store of this process, opened (and migrated) once: PostgreSQL when
    SCALING_EXPLORER_DATABASE_URL is set, otherwise the shared DuckDB connection to var/user.duckdb."""
    url = userdb.database_url()
    if not url:
        return userdb.DuckDBBackend(shared_connection("user"))
    with _shared_lock:
        db = _shared.get(("postgres", url))
        if db is None:
            db = _shared[("postgres", url)] = userdb.open_postgres(url)
        return db


def store_checksum(con) -> str:
    """A checksum of a store's content (every table, rows in a fixed order)."""
    if isinstance(con, (userdb.Backend, Scope)):
        return userdb.wrap(con).checksum()
    h = hashlib.sha256()
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name").fetchall()]
    for name in names:
        df = con.table(name).df()
        df = df.sort_values(list(df.columns), kind="stable").reset_index(drop=True) if len(df) else df
        h.update(name.encode())
        h.update(pd.util.hash_pandas_object(df.astype(str), index=False).values.tobytes())
    return h.hexdigest()


# ---- queries on the published store -------------------------------------------------------

def laws_df(con) -> pd.DataFrame:
    return con.execute(
        "SELECT l.*, s.short AS citation, s.arxiv_id, s.url, s.title AS paper_title "
        "FROM laws l JOIN sources s ON l.source = s.source_id ORDER BY l.slug").df()


def sources_df(con) -> pd.DataFrame:
    return con.execute("SELECT * FROM sources ORDER BY year, source_id").df()


def tables_df(con) -> pd.DataFrame:
    return con.execute(
        "SELECT t.id, t.title, t.locator, t.notes, s.short AS citation, s.url FROM published_tables t "
        "JOIN sources s ON t.source = s.source_id ORDER BY t.id").df()


def table_rows(con, table_id: str) -> pd.DataFrame:
    long = con.execute("SELECT row_no, \"column\", value FROM table_cells WHERE table_id = ? ORDER BY row_no, col_no",
                       [table_id]).df()
    if long.empty:
        return pd.DataFrame()
    order = list(dict.fromkeys(long["column"]))
    wide = long.pivot(index="row_no", columns="column", values="value")
    return wide[order].reset_index(drop=True)


def notable_runs_df(con) -> pd.DataFrame:
    names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
    if "notable_runs" not in names:
        return pd.DataFrame()
    return con.execute("SELECT * FROM notable_runs ORDER BY year, model").df()


def row_to_law(r) -> Law:
    return make_law(
        r["slug"], r["form"], json.loads(r["params_json"]), name=r["name"], source_id=r["source"],
        citation=r.get("citation", ""), locator=r["locator"], variable=r["variable"] or "",
        compute_unit=r["compute_unit"] or "FLOP", model_scale=r["model_scale"] or "N",
        param_convention=r["param_convention"], compute_convention=r["compute_convention"],
        params_counted=r.get("params_counted", "") or "", flops=r.get("flops", "") or "",
        allocate_from=r.get("allocate_from", "") or "", frontier=r.get("frontier", "") or "",
        check=r.get("check", "") or "", example=r.get("example", "") or "",
        dataset=r["dataset"], verified=bool(r["verified"]), notes=r["notes"], family=r.get("family", "") or "",
        latex=r.get("latex", "") or FORMS[r["form"]].latex, metric=r.get("metric", "") or "",
        x_unit=r.get("x_unit", "") or "",
        **{k: tuple(json.loads(r.get(f"{k}_json") or "[]")) for k in RANGES})


def load_laws(con) -> dict[str, Law]:
    return {r["slug"]: row_to_law(r) for _, r in laws_df(con).iterrows()}


# ---- the user store --------------------------------------------------------------------------
#
# Tables: workspaces (id = the unguessable token a link carries; 'default' for links without one),
# datasets (with workspace, created_by, deleted_at, deleted_by), runs and cells. The statements are
# run through userdb's back end: DuckDB by default, PostgreSQL with SCALING_EXPLORER_DATABASE_URL.

DEFAULT_WS = "default"
RETENTION_DAYS = 30
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def clock() -> datetime:
    """Now, in UTC without a zone (what the store keeps). Tests replace it (or pass now=)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def user_path() -> Path:
    return var_dir() / "user.duckdb"


def connect_user(db_path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """The DuckDB user store at db_path (default var/user.duckdb), created and migrated."""
    con = duckdb.connect(str(db_path or user_path()))
    userdb.migrate_duckdb(con)
    return con


def open_user_db(url: str | None = None) -> userdb.Backend:
    """The user store this process serves: PostgreSQL when SCALING_EXPLORER_DATABASE_URL (or url)
    is set, otherwise the DuckDB file. Schema created and migrated here, idempotently."""
    url = userdb.database_url() if url is None else url
    if url:
        return userdb.open_postgres(url)
    return userdb.DuckDBBackend(connect_user())


@dataclass(frozen=True)
class Scope:
    """A store handle bound to a workspace and a signed-in user, for callers (ingest.import_csv,
    registry.fetch_and_import) that pass a connection through without knowing about workspaces."""
    backend: userdb.Backend
    workspace: str = DEFAULT_WS
    user: str = ""


def scoped(con, workspace: str = DEFAULT_WS, user: str = "") -> Scope:
    return Scope(userdb.wrap(con), workspace or DEFAULT_WS, user or "")


def _ws(con, workspace: str | None) -> str:
    return workspace or getattr(con, "workspace", DEFAULT_WS)


def valid_token(ws: str) -> bool:
    return ws == DEFAULT_WS or bool(_TOKEN.match(str(ws)))


def new_workspace(con, name: str = "", user: str = "", now: datetime | None = None) -> str:
    """Create a workspace; returns its token (secrets.token_urlsafe(24): 192 random bits)."""
    token = secrets.token_urlsafe(24)
    with userdb.wrap(con).transaction() as tx:
        tx.rows("INSERT INTO workspaces (id, name, created_at, created_by) VALUES (?, ?, ?, ?)",
                [token, (name or "Workspace")[:200], now or clock(), (user or "")[:200]])
    return token


def workspace_exists(con, ws: str) -> bool:
    if not valid_token(ws):
        return False
    return bool(userdb.wrap(con).rows("SELECT 1 FROM workspaces WHERE id = ?", [ws]))


@dataclass(frozen=True)
class ImportResult:
    dataset_id: str
    created: bool
    n_rows: int


RUN_COLUMNS = ("run_name", "n_params", "n_tokens", "compute_flops", "loss")


def content_id(runs: pd.DataFrame, table: pd.DataFrame | None = None) -> str:
    """Content hash of normalised runs (and the numeric table): the same upload gives the
    same id on every server."""
    h = hashlib.sha256(runs[list(RUN_COLUMNS)].to_csv(index=False, float_format="%.17g").encode())
    if table is not None and len(table.columns):
        h.update(table.to_csv(index=False, float_format="%.17g").encode())
    return h.hexdigest()[:16]


def dataset_id_in(workspace: str, content: str) -> str:
    """The id of an upload in a workspace: the content hash itself in the default workspace (links
    made before workspaces keep working), a hash of workspace and content elsewhere, so the same
    file in two workspaces is two datasets and an id reveals nothing about its workspace."""
    if workspace == DEFAULT_WS:
        return content
    return hashlib.sha256((workspace + "\0" + content).encode()).hexdigest()[:16]


def import_runs(con, runs: pd.DataFrame, name: str, note: str = "", source_columns: dict | None = None,
                table: pd.DataFrame | None = None, _fail_after_dataset_row: bool = False,
                workspace: str | None = None, user: str | None = None, now: datetime | None = None) -> ImportResult:
    """Store normalised runs (and optionally every numeric column of the upload) in a workspace
    (default: the handle's scope, else the default workspace) under their content hash, in one
    transaction: all of it lands, or none of it. Importing an upload that is in the workspace's
    trash restores it.

    ImportResult.n_rows is the number of rows stored: the runs, or for a columns-only import
    (no runs, a numeric table) the table's rows; the same count whether just created or found."""
    missing = [c for c in RUN_COLUMNS if c not in runs]
    if missing:
        raise ValueError(f"runs lack columns {missing}")
    db, ws = userdb.wrap(con), _ws(con, workspace)
    user = (user if user is not None else getattr(con, "user", "")) or ""
    ds_id = dataset_id_in(ws, content_id(runs, table))
    n_rows = len(runs) if len(runs) else (0 if table is None else len(table))

    def existing() -> ImportResult | None:
        got = db.rows("SELECT deleted_at FROM datasets WHERE id = ?", [ds_id])
        if not got:
            return None
        if got[0][0] is not None:
            restore_dataset(db, ws, ds_id)
        return ImportResult(ds_id, False, n_rows)

    found = existing()
    if found:
        return found
    df = runs[list(RUN_COLUMNS)].copy()
    df.insert(0, "row_no", np.arange(len(df), dtype=np.int32))
    df.insert(0, "dataset_id", ds_id)
    long = None
    if table is not None and len(table.columns):
        long = table.reset_index(drop=True).rename_axis("row_no").reset_index().melt(
            id_vars="row_no", var_name="col", value_name="value")
        long.insert(0, "dataset_id", ds_id)
        long.insert(2, "col_no", long["col"].map({c: i for i, c in enumerate(table.columns)}).astype(np.int32))
        long["row_no"] = long["row_no"].astype(np.int32)
        long["value"] = long["value"].astype(float)
    try:
        with db.transaction() as tx:
            tx.rows("INSERT INTO datasets (id, name, note, n_rows, source_columns, created_at, workspace, created_by) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [ds_id, name[:200], note[:2000], n_rows, json.dumps(source_columns or {}), now or clock(), ws,
                     user[:200]])
            if _fail_after_dataset_row:
                raise RuntimeError("simulated failure mid-import")
            tx.insert(userdb.INSERT_RUNS, df)
            if long is not None:
                tx.insert(userdb.INSERT_CELLS, long)
    except Exception as e:
        # another session or process is storing the same upload: once it has committed, that one counts
        if userdb.is_unique_violation(e):
            for _ in range(200):
                if found := existing():
                    return found
                time.sleep(0.05)
        raise
    return ImportResult(ds_id, True, n_rows)


_DATASET_COLUMNS = {"id": str, "name": str, "note": str, "n_rows": "int64", "created_at": "datetime64[us]",
                    "created_by": str}


def list_datasets(con, workspace: str | None = None) -> pd.DataFrame:
    """The workspace's datasets (not those in its trash), newest first."""
    return userdb.wrap(con).frame(
        "SELECT id, name, note, n_rows, created_at, created_by FROM datasets "
        "WHERE workspace = ? AND deleted_at IS NULL ORDER BY created_at DESC, id", [_ws(con, workspace)],
        _DATASET_COLUMNS)


def list_trash(con, workspace: str | None = None, now: datetime | None = None) -> pd.DataFrame:
    """The workspace's deleted datasets, with when each is purged (RETENTION_DAYS after deletion)."""
    df = userdb.wrap(con).frame(
        "SELECT id, name, note, n_rows, deleted_at, deleted_by FROM datasets "
        "WHERE workspace = ? AND deleted_at IS NOT NULL ORDER BY deleted_at DESC, id", [_ws(con, workspace)],
        {"id": str, "name": str, "note": str, "n_rows": "int64", "deleted_at": "datetime64[us]", "deleted_by": str})
    df["purge_after"] = pd.to_datetime(df["deleted_at"]) + timedelta(days=RETENTION_DAYS)
    return df


def dataset_info(con, dataset_id: str, workspace: str | None = None) -> dict | None:
    """name, note, n_rows, created_at/by, deleted_at/by of a dataset of the workspace (deleted or
    not); None when the workspace has no dataset with this id."""
    rows = userdb.wrap(con).rows(
        "SELECT name, note, n_rows, created_at, created_by, deleted_at, deleted_by FROM datasets "
        "WHERE id = ? AND workspace = ?", [str(dataset_id), _ws(con, workspace)])
    if not rows:
        return None
    return dict(zip(("name", "note", "n_rows", "created_at", "created_by", "deleted_at", "deleted_by"), rows[0]))


def _live(con, dataset_id: str, workspace: str | None) -> bool:
    info = dataset_info(con, dataset_id, workspace)
    return info is not None and info["deleted_at"] is None


def get_runs(con, dataset_id: str, workspace: str | None = None) -> pd.DataFrame:
    """A live dataset's runs; empty for an id the workspace does not have (or has in its trash)."""
    return userdb.wrap(con).frame(
        "SELECT r.run_name, r.n_params, r.n_tokens, r.compute_flops, r.loss FROM runs r "
        "JOIN datasets d ON d.id = r.dataset_id WHERE r.dataset_id = ? AND d.workspace = ? AND d.deleted_at IS NULL "
        "ORDER BY r.row_no", [str(dataset_id), _ws(con, workspace)],
        {"run_name": str, "n_params": float, "n_tokens": float, "compute_flops": float, "loss": float})


def get_table(con, dataset_id: str, workspace: str | None = None) -> pd.DataFrame:
    """Every numeric column of an upload, in its original order (empty as get_runs)."""
    long = userdb.wrap(con).frame(
        "SELECT c.row_no, c.col_no, c.col, c.value FROM cells c JOIN datasets d ON d.id = c.dataset_id "
        "WHERE c.dataset_id = ? AND d.workspace = ? AND d.deleted_at IS NULL ORDER BY c.col_no, c.row_no",
        [str(dataset_id), _ws(con, workspace)])
    if long.empty:
        return pd.DataFrame()
    long["value"] = long["value"].astype(float)
    order = list(dict.fromkeys(long["col"]))
    return long.pivot(index="row_no", columns="col", values="value")[order].reset_index(drop=True)


def dataset_name(con, dataset_id: str, workspace: str | None = None) -> str | None:
    info = dataset_info(con, dataset_id, workspace)
    return info["name"] if info else None


def dataset_param_convention(con, dataset_id: str, workspace: str | None = None) -> str:
    """What a stored dataset's parameter column counts ('total', 'non-embedding', 'active (MoE)'),
    as chosen at import; '' when the import did not say."""
    rows = userdb.wrap(con).rows("SELECT source_columns FROM datasets WHERE id = ? AND workspace = ?",
                                 [str(dataset_id), _ws(con, workspace)])
    try:
        return str(json.loads(rows[0][0] or "{}").get("units", {}).get("parameters", "")) if rows else ""
    except (ValueError, AttributeError):
        return ""


def _update(con, sql: str, params: list) -> bool:
    return bool(userdb.wrap(con).rows(sql, params))


def rename_dataset(con, workspace: str, dataset_id: str, name: str | None = None, note: str | None = None) -> bool:
    """Rename and/or annotate a live dataset of the workspace; False when it has none with this id."""
    if not _live(con, dataset_id, workspace):
        return False
    if name is not None and name.strip():
        _update(con, "UPDATE datasets SET name = ? WHERE id = ? AND workspace = ? RETURNING id",
                [name.strip()[:200], dataset_id, workspace])
    if note is not None:
        _update(con, "UPDATE datasets SET note = ? WHERE id = ? AND workspace = ? RETURNING id",
                [note[:2000], dataset_id, workspace])
    return True


def delete_dataset(con, workspace: str, dataset_id: str, user: str = "", now: datetime | None = None) -> bool:
    """Move a dataset of the workspace to its trash (restorable for RETENTION_DAYS)."""
    return _update(con, "UPDATE datasets SET deleted_at = ?, deleted_by = ? WHERE id = ? AND workspace = ? "
                        "AND deleted_at IS NULL RETURNING id", [now or clock(), (user or "")[:200], dataset_id, workspace])


def restore_dataset(con, workspace: str, dataset_id: str) -> bool:
    """Take a dataset out of the workspace's trash (before it is purged)."""
    return _update(con, "UPDATE datasets SET deleted_at = NULL, deleted_by = '' WHERE id = ? AND workspace = ? "
                        "AND deleted_at IS NOT NULL RETURNING id", [dataset_id, workspace])


def purge_trash(con, now: datetime | None = None) -> int:
    """Remove for good every dataset deleted more than RETENTION_DAYS ago (all workspaces), each in
    one transaction; returns how many."""
    db = userdb.wrap(con)
    cutoff = (now or clock()) - timedelta(days=RETENTION_DAYS)
    ids = [r[0] for r in db.rows("SELECT id FROM datasets WHERE deleted_at IS NOT NULL AND deleted_at < ?",
                                 [cutoff])]
    for ds in ids:
        with db.transaction() as tx:
            tx.rows("DELETE FROM runs WHERE dataset_id = ?", [ds])
            tx.rows("DELETE FROM cells WHERE dataset_id = ?", [ds])
            tx.rows("DELETE FROM datasets WHERE id = ?", [ds])
    return len(ids)


if __name__ == "__main__":
    path = ensure_published()
    with duckdb.connect(str(path), read_only=True) as _con:
        n_laws = _con.execute("SELECT count(*) FROM laws").fetchone()[0]
        n_src = _con.execute("SELECT count(*) FROM sources").fetchone()[0]
    print(f"published store ready: {path} ({n_laws} laws from {n_src} papers)")
