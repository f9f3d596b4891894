"""App latency and a large store, measured in one run on this machine.

1. Server-side rerun after a slider change, per page, with a warm cache (AppTest): median over
   repeated changes. Target: median <= 150 ms.
2. First load of each page (cold: the first run in this process).
3. Slider change to an updated chart in real Chromium (streamlit run on 127.0.0.1 + Playwright,
   Debian's chromium). Target: <= 1 s.
4. A user store holding 1,000,000 imported runs: import time (target <= 30 s), a filtered
   query (target <= 200 ms), and this process's peak memory.

Prints each figure with its target and the ratio target / measured (>= 1 meets the target).

    python bench/app_latency.py [--no-browser] [--rows 1000000]
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lib"))
os.environ.setdefault("SCALING_EXPLORER_VAR", tempfile.mkdtemp(prefix="scaling-explorer-bench-"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

# page, URL parameters, the slider (select_slider index) moved, and the values it alternates between
PAGES = [
    ("laws", {}, 0, [22.0, 23.0, 24.0, 25.0]),
    ("planner", {"law": "muennighoff2023-c4", "U": "2.5e10", "inf": "2e12", "fixN": "3e9"}, 0, [21.0, 22.0, 23.0, 24.0]),
    ("fit", {"hold": "0"}, None, None),
    ("families", {"fam": "F3"}, 0, [20.0, 21.0, 22.0, 23.0]),
    ("families", {"fam": "F6"}, 0, [8.0, 8.5, 9.0, 9.5]),            # N slider of the precision view
    ("families", {"fam": "F8"}, 1, [1, 2, 4, 8]),                    # parallel streams P
    ("families", {"fam": "F12", "dlaw": "edwards2024-loglik-n"}, 0, [6.0, 6.5, 7.0, 7.5]),
    ("data", {}, None, None),
]


def report(name, measured, target, unit="ms", lower_is_better=True):
    ratio = target / measured if lower_is_better else measured / target
    flag = "meets" if ratio >= 1 else "MISSES"
    print(f"{name:58s} {measured:10.1f} {unit:3s} target {target:g} {unit}  ratio {ratio:6.2f}  {flag}")


def rerun_latency(reps: int):
    from streamlit.testing.v1 import AppTest
    print("-- server-side reruns (AppTest; warm cache = every value seen once before timing) --")
    for page, params, slider, values in PAGES:
        page_label = page + (f"/{params['fam']}" if "fam" in params else "")
        at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=300)
        for k, v in params.items():
            at.query_params[k] = v
        t = time.perf_counter()
        at.run()
        print(f"{'first load: ' + page_label + ' (cold, no target)':58s} {(time.perf_counter() - t) * 1e3:10.1f} ms")
        if slider is None:
            times = []
            for _ in range(reps):
                t = time.perf_counter()
                at.run()
                times.append((time.perf_counter() - t) * 1e3)
            report(f"rerun, no change: {page_label} (median of {reps})", statistics.median(times), 150)
            continue
        for v in values:                       # warm the caches for every value
            at.select_slider[slider].set_value(v).run()
        times = []
        for i in range(reps):
            t = time.perf_counter()
            at.select_slider[slider].set_value(values[i % len(values)]).run()
            times.append((time.perf_counter() - t) * 1e3)
        assert not at.exception, [e.value for e in at.exception]
        report(f"slider change rerun: {page_label} (median of {reps})", statistics.median(times), 150)


def figure_build(reps: int = 30):
    """The frontier chart as the app builds it (plain dicts, one unvalidated go.Figure) against
    the same chart through plotly's validating constructor (the reference), in this run."""
    from scaling_explorer import figures
    C = np.logspace(18, 27, 60)
    curves = [{"name": f"law {i}", "citation": "Paper", "locator": "Eq. 1", "C": C, "N": 0.1 * C ** 0.5 * (i + 1)}
              for i in range(4)]
    import plotly.graph_objects as go

    def ours():
        return figures.frontier_figure(curves, "N", "N*(C)", marker_C=1e22)

    spec = ours().to_dict()

    def reference():
        return go.Figure(spec)

    out = {}
    for name, f in (("reference", reference), ("explorer", ours)):
        f()
        t = time.perf_counter()
        for _ in range(reps):
            f()
        out[name] = (time.perf_counter() - t) / reps * 1e3
    print(f"-- one frontier chart, 4 laws (mean of {reps} builds) --")
    print(f"{'build: plotly validating constructor (reference)':58s} {out['reference']:10.2f} ms")
    print(f"{'build: explorer builder (dicts, one unvalidated Figure)':58s} {out['explorer']:10.2f} ms  "
          f"ratio {out['reference'] / out['explorer']:6.1f}x faster")


def browser_latency():
    exe = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
    if exe is None:
        print("-- browser: skipped, no chromium (apt-get install chromium) --")
        return
    from playwright.sync_api import sync_playwright
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # a store folder of its own: DuckDB lets one process write a file, and this process holds its own
    env = dict(os.environ, SCALING_EXPLORER_VAR=tempfile.mkdtemp(prefix="scaling-explorer-bench-server-"))
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
                             "--server.port", str(port), "--server.headless", "true"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if urllib.request.urlopen(base + "/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.25)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=exe, args=["--headless", "--no-sandbox", "--disable-gpu",
                                                             "--disable-background-networking",
                                                             "--disable-component-update", "--disable-sync"])
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(base + "/planner?law=hoffmann2022-eq10-unrounded&C=1e22")
            title = page.locator(".js-plotly-plot .gtitle").first
            title.wait_for(timeout=60000)
            slider = page.get_by_test_id("stSlider").filter(has_text="Compute budget").get_by_role("slider")
            times = []
            for i in range(12):
                before = title.text_content()
                slider.focus()
                t = time.perf_counter()
                slider.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
                while title.text_content() == before:
                    if time.perf_counter() - t > 10:
                        raise RuntimeError("chart did not update within 10 s")
                    page.wait_for_timeout(10)
                times.append((time.perf_counter() - t) * 1e3)
                page.wait_for_timeout(300)
            b.close()
        report("browser: slider key press -> chart title updated (median of 12)", statistics.median(times), 1000)
        report("browser: slowest of 12", max(times), 1000)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def big_store(rows: int):
    from scaling_explorer import store
    print(f"-- user store with {rows:,} imported runs --")
    con = store.connect_user(Path(os.environ["SCALING_EXPLORER_VAR"]) / "big.duckdb")
    rng = np.random.default_rng(0)
    N = 10 ** rng.uniform(6, 12, rows)
    D = N * 10 ** rng.uniform(0, 3, rows)
    runs = pd.DataFrame({"run_name": np.char.add("run ", np.arange(rows).astype(str)), "n_params": N, "n_tokens": D,
                         "compute_flops": 6 * N * D, "loss": 1.8 + 400 / N ** 0.34 + 400 / D ** 0.28})
    t = time.perf_counter()
    res = store.import_runs(con, runs, "a million runs")
    report(f"import {rows:,} runs (one transaction)", time.perf_counter() - t, 30, "s")
    cur = con.cursor()
    times = []
    for lo in (1e18, 1e19, 1e20, 1e21, 1e22):
        t = time.perf_counter()
        page = cur.execute("SELECT run_name, n_params, n_tokens, compute_flops, loss FROM runs WHERE dataset_id = ? "
                           "AND compute_flops BETWEEN ? AND ? ORDER BY compute_flops LIMIT 1000",
                           [res.dataset_id, lo, lo * 10]).df()
        times.append((time.perf_counter() - t) * 1e3)
    report("filtered page query (1,000 rows of a C range), median of 5", statistics.median(times), 200)
    assert len(page) == 1000
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak memory of this process (RSS)':58s} {rss:10.0f} MiB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=15)
    args = ap.parse_args()
    figure_build()
    rerun_latency(args.reps)
    if not args.no_browser:
        browser_latency()
    big_store(args.rows)


if __name__ == "__main__":
    main()
