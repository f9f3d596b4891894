"""Throughput of the user store on PostgreSQL with one and with two processes (each with 8 threads, as
a Streamlit server's sessions), against the DuckDB file for reference: imports of 12-run uploads into
two workspaces, then reads (a dataset's runs, a workspace's list). Starts a throwaway cluster like the
tests (tests/pg_cluster.py). Run: .venv/bin/python bench/two_process.py"""
from __future__ import annotations

import multiprocessing as mp
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "lib"), str(ROOT / "tests")]

IMPORTS, READS, THREADS = 200, 1000, 8


def runs_frame(k: int) -> pd.DataFrame:
    N = np.logspace(7, 9, 12) * (1 + 1e-6 * k)
    D = 20 * N
    return pd.DataFrame({"run_name": [f"r{i}" for i in range(12)], "n_params": N, "n_tokens": D,
                         "compute_flops": 6 * N * D, "loss": 1.8 + 480 / N ** 0.35 + 2100 / D ** 0.37})


def worker(target: str, spaces: list[str], offset: int, out):
    from scaling_explorer import store, userdb
    db = store.open_user_db(target) if target.startswith("postgresql") else \
        userdb.DuckDBBackend(store.connect_user(Path(target)))
    ids: list[tuple[str, str]] = []

    def imp(k):
        ws = spaces[k % 2]
        ids.append((ws, store.import_runs(store.scoped(db, ws), runs_frame(offset + k), f"b{k}").dataset_id))

    def read(k):
        ws, ds = ids[k % len(ids)]
        assert len(store.get_runs(db, ds, ws)) == 12
        if k % 10 == 0:
            store.list_datasets(db, ws)
    with ThreadPoolExecutor(THREADS) as ex:
        t0 = time.perf_counter()
        list(ex.map(imp, range(IMPORTS)))
        t1 = time.perf_counter()
        list(ex.map(read, range(READS)))
        t2 = time.perf_counter()
    out.put((t1 - t0, t2 - t1))


def measure(target: str, processes: int) -> tuple[float, float]:
    from scaling_explorer import store, userdb
    db = store.open_user_db(target) if target.startswith("postgresql") else \
        userdb.DuckDBBackend(store.connect_user(Path(target)))
    spaces = [store.new_workspace(db), store.new_workspace(db)]
    db.close()
    q = mp.get_context("spawn").Queue()
    procs = [mp.get_context("spawn").Process(target=worker, args=(target, spaces, 10_000 * (i + 1), q))
             for i in range(processes)]
    for p in procs:
        p.start()
    res = [q.get() for _ in procs]
    for p in procs:
        p.join()
    wall_imp = max(r[0] for r in res)
    wall_read = max(r[1] for r in res)
    return processes * IMPORTS / wall_imp, processes * READS / wall_read


def main():
    from conftest import fresh_postgres_db
    from pg_cluster import PostgresUnavailable, throwaway_cluster
    duck = Path(tempfile.mkdtemp()) / "user.duckdb"
    i1, r1 = measure(str(duck), 1)
    print(f"DuckDB file, 1 process x {THREADS} threads: {i1:7.0f} imports/s  {r1:7.0f} reads/s")
    try:
        with throwaway_cluster() as url:
            for n in (1, 2):
                imp, rd = measure(fresh_postgres_db(url), n)
                print(f"PostgreSQL, {n} process(es) x {THREADS} threads: {imp:7.0f} imports/s  {rd:7.0f} reads/s")
    except PostgresUnavailable as e:
        print(f"PostgreSQL skipped: {e} (apt-get install -y postgresql)")


if __name__ == "__main__":
    main()
