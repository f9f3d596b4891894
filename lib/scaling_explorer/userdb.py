"""The user store's two back ends behind one small interface: DuckDB (a file beside the published
store, the default; one writing process) or PostgreSQL through psycopg 3 (set
``SCALING_EXPLORER_DATABASE_URL=postgresql://…``; several processes on one or more machines).

store.py writes every statement once, with ``?`` placeholders; the PostgreSQL back end turns them
into psycopg's ``%s``. No SQL here or in store.py is built from user values. The schema is created
and migrated by ``migrate()`` at connect time, idempotently (PostgreSQL: under an advisory lock, so
processes starting together do not race)."""
from __future__ import annotations

import hashlib
import os
import queue
import threading
from contextlib import contextmanager

import pandas as pd

# Portable DDL (DuckDB and PostgreSQL). Tables as before workspaces existed, then the migrations.
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS datasets (id VARCHAR PRIMARY KEY, name VARCHAR, note VARCHAR, "
    "n_rows INTEGER, source_columns VARCHAR, created_at TIMESTAMP DEFAULT current_timestamp)",
    "CREATE TABLE IF NOT EXISTS runs (dataset_id VARCHAR, row_no INTEGER, run_name VARCHAR, "
    "n_params DOUBLE PRECISION, n_tokens DOUBLE PRECISION, compute_flops DOUBLE PRECISION, loss DOUBLE PRECISION)",
    # every numeric column of an upload, long format, for fitting any form to any columns
    "CREATE TABLE IF NOT EXISTS cells (dataset_id VARCHAR, row_no INTEGER, col_no INTEGER, col VARCHAR, "
    "value DOUBLE PRECISION)",
    "CREATE TABLE IF NOT EXISTS workspaces (id VARCHAR PRIMARY KEY, name VARCHAR, created_at TIMESTAMP, "
    "created_by VARCHAR DEFAULT '')",
    # migration 1 (workspaces, trash, sign-in): datasets stored before it belong to the default workspace
    "ALTER TABLE datasets ADD COLUMN IF NOT EXISTS workspace VARCHAR DEFAULT 'default'",
    "ALTER TABLE datasets ADD COLUMN IF NOT EXISTS created_by VARCHAR DEFAULT ''",
    "ALTER TABLE datasets ADD COLUMN IF NOT EXISTS deleted_at TIMESTAMP",
    "ALTER TABLE datasets ADD COLUMN IF NOT EXISTS deleted_by VARCHAR DEFAULT ''",
    "INSERT INTO workspaces (id, name, created_at) VALUES ('default', 'Default workspace', current_timestamp) "
    "ON CONFLICT (id) DO NOTHING",
)
PG_ONLY = (
    "CREATE INDEX IF NOT EXISTS runs_dataset ON runs (dataset_id)",
    "CREATE INDEX IF NOT EXISTS cells_dataset ON cells (dataset_id)",
    "CREATE INDEX IF NOT EXISTS datasets_workspace ON datasets (workspace)",
)
TABLES = ("cells", "datasets", "runs", "workspaces")
INSERT_RUNS = ("runs", ("dataset_id", "row_no", "run_name", "n_params", "n_tokens", "compute_flops", "loss"))
INSERT_CELLS = ("cells", ("dataset_id", "row_no", "col_no", "col", "value"))
_DUCK_INSERT = {
    "runs": "INSERT INTO runs SELECT dataset_id, row_no, run_name, n_params, n_tokens, compute_flops, loss FROM incoming",
    "cells": "INSERT INTO cells SELECT dataset_id, row_no, col_no, col, value FROM incoming",
}
_PG_COPY = {
    "runs": "COPY runs (dataset_id, row_no, run_name, n_params, n_tokens, compute_flops, loss) FROM STDIN",
    "cells": "COPY cells (dataset_id, row_no, col_no, col, value) FROM STDIN",
}
_SELECT_ALL = {t: "SELECT * FROM " + t for t in TABLES}     # fixed table names, never user values


def database_url() -> str:
    return os.environ.get("SCALING_EXPLORER_DATABASE_URL", "").strip()


class Backend:
    """What store.py needs: rows(sql, params), frame(sql, params), and a transaction whose handle
    has rows() and insert(table, frame). Subclasses: DuckDBBackend, PostgresBackend."""
    kind = "?"

    def rows(self, sql: str, params=()) -> list[tuple]:
        with self.transaction(autocommit=True) as tx:
            return tx.rows(sql, params)

    def frame(self, sql: str, params=(), dtypes: dict | None = None) -> pd.DataFrame:
        with self.transaction(autocommit=True) as tx:
            return tx.frame(sql, params, dtypes)

    def checksum(self) -> str:
        h = hashlib.sha256()
        for name in TABLES:
            df = self.frame(_SELECT_ALL[name])
            df = df.sort_values(list(df.columns), kind="stable").reset_index(drop=True) if len(df) else df
            h.update(name.encode())
            h.update(pd.util.hash_pandas_object(df.astype(str), index=False).values.tobytes())
        return h.hexdigest()


class _DuckTx:
    def __init__(self, cur):
        self.cur = cur

    def rows(self, sql, params=()):
        return self.cur.execute(sql, list(params)).fetchall()

    def frame(self, sql, params=(), dtypes=None):
        df = self.cur.execute(sql, list(params)).df()
        return df.astype(dtypes) if dtypes and len(df) == 0 else df

    def insert(self, spec, df: pd.DataFrame) -> None:
        table, cols = spec
        self.cur.register("incoming", df[list(cols)])
        try:
            self.cur.execute(_DUCK_INSERT[table])
        finally:
            self.cur.unregister("incoming")


class DuckDBBackend(Backend):
    """A DuckDB connection shared by the process; a cursor per operation."""
    kind = "duckdb"

    def __init__(self, con):
        self.con = con

    @contextmanager
    def transaction(self, autocommit: bool = False):
        cur = self.con.cursor()
        try:
            if autocommit:
                yield _DuckTx(cur)
                return
            cur.execute("BEGIN TRANSACTION")
            try:
                yield _DuckTx(cur)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        finally:
            cur.close()

    def checksum(self) -> str:
        from .store import store_checksum
        return store_checksum(self.con)

    def close(self):
        self.con.close()


def migrate_duckdb(con) -> None:
    for stmt in SCHEMA:
        con.execute(stmt)


class _PgTx(_DuckTx):
    def rows(self, sql, params=()):
        self.cur.execute(sql.replace("?", "%s"), list(params))
        return self.cur.fetchall() if self.cur.description else []

    def frame(self, sql, params=(), dtypes=None):
        self.cur.execute(sql.replace("?", "%s"), list(params))
        df = pd.DataFrame(self.cur.fetchall(), columns=[d.name for d in self.cur.description])
        if dtypes:
            df = df.astype({k: v for k, v in dtypes.items() if k in df})
        return df

    def insert(self, spec, df: pd.DataFrame) -> None:
        table, cols = spec
        columns = [df[c].astype(object).where(df[c].notna(), None).tolist() for c in cols]
        with self.cur.copy(_PG_COPY[table]) as cp:
            for row in zip(*columns):
                cp.write_row(row)


class PostgresBackend(Backend):
    """psycopg 3 connections from a small pool (one per concurrent operation, reused)."""
    kind = "postgres"

    def __init__(self, url: str, pool_size: int = 8):
        import psycopg
        self.psycopg = psycopg
        self.url = url
        self.pool: queue.LifoQueue = queue.LifoQueue()
        self.pool_size = pool_size
        self._lock = threading.Lock()

    def _take(self):
        while True:
            try:
                conn = self.pool.get_nowait()
            except queue.Empty:
                return self.psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            if not conn.closed and not conn.broken:
                return conn

    def _give(self, conn):
        if conn.closed or conn.broken or self.pool.qsize() >= self.pool_size:
            conn.close()
        else:
            self.pool.put(conn)

    @contextmanager
    def transaction(self, autocommit: bool = False):
        conn = self._take()
        try:
            with conn.cursor() as cur:
                if autocommit:
                    yield _PgTx(cur)
                else:
                    with conn.transaction():
                        yield _PgTx(cur)
        finally:
            self._give(conn)

    def migrate(self) -> None:
        with self.transaction() as tx:
            tx.rows("SELECT pg_advisory_xact_lock(7210414)")      # one process migrates at a time
            for stmt in SCHEMA + PG_ONLY:
                tx.rows(stmt)

    def close(self):
        while not self.pool.empty():
            self.pool.get_nowait().close()


def is_unique_violation(exc: BaseException) -> bool:
    """Two processes importing the same upload at once: the second's insert conflicts."""
    name = type(exc).__name__
    return name in ("UniqueViolation", "ConstraintException", "TransactionException") or "Conflict" in str(exc)


def wrap(con) -> Backend:
    """A Backend for a store handle: a Backend (or a workspace scope) as is, a DuckDB connection wrapped."""
    if isinstance(con, Backend):
        return con
    if hasattr(con, "backend"):
        return con.backend
    return DuckDBBackend(con)


def open_postgres(url: str) -> PostgresBackend:
    db = PostgresBackend(url)
    db.migrate()
    return db
