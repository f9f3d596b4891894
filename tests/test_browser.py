"""Real-browser test: the app served by `streamlit run`, driven by Debian's chromium via Playwright.

Skipped when chromium or the playwright package is missing, unless REQUIRE_BROWSER=1 (then it fails).
Screenshots go to <repo>/artifacts/ (git-ignored).
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LINK = "/planner?law=muennighoff2023-c4&C=1e22&U=2.5e10&gpus=512"
TIMEOUT_MS = 60_000


def _chromium() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _require_browser() -> str:
    """The chromium path; skip (or fail with REQUIRE_BROWSER=1) when the browser stack is missing."""
    missing = []
    exe = _chromium()
    if exe is None:
        missing.append("chromium (/usr/bin/chromium; apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright Python package (pip install -r requirements-dev.txt)")
    if missing:
        msg = "browser test needs " + " and ".join(missing)
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(msg + " (REQUIRE_BROWSER=1)", pytrace=False)
        pytest.skip(msg)
    return exe


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200 and r.read().decode().strip() == "ok"
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def chromium_path() -> str:
    return _require_browser()


@contextlib.contextmanager
def _served(tmp_path_factory, base_path: str = ""):
    """`streamlit run app.py` on a free port (under `base_path`, as `make serve BASE_PATH=…`), its DuckDB
    files in a temporary dir; yields the app's address."""
    port = _free_port()
    # the in-place charts (opt-in, scaling_explorer.app.charts) are what these tests check the pages with
    env = dict(os.environ, SCALING_EXPLORER_VAR=str(tmp_path_factory.mktemp("var")))
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
           "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
           *(["--server.baseUrlPath", base_path] if base_path else [])]
    log = tmp_path_factory.mktemp("streamlit") / "stderr.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
    base = f"http://127.0.0.1:{port}" + (f"/{base_path}" if base_path else "")
    try:
        deadline = time.monotonic() + 60
        while not _healthy(base + "/_stcore/health"):
            if proc.poll() is not None or time.monotonic() > deadline:
                why = f"exited with code {proc.returncode}" if proc.poll() is not None else "not healthy after 60 s"
                pytest.fail(f"streamlit {why}; stderr:\n{log.read_text(errors='replace')}", pytrace=False)
            time.sleep(0.25)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def app_url(chromium_path, tmp_path_factory):
    with _served(tmp_path_factory) as base:
        yield base


@pytest.fixture
def browser_page(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            page.set_default_timeout(TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def _query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(url).query).items()}


def _wait_for(predicate, timeout_s: float, what: str, page):
    """Poll `predicate()` until it returns something truthy; fail with `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        got = predicate()
        if got:
            return got
        if time.monotonic() > deadline:
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / "browser_failure.png"
            page.screenshot(path=str(shot), full_page=True)
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}; url={page.url}; "
                                 f"screenshot {shot}")
        page.wait_for_timeout(200)


def test_planner_link_renders_and_slider_updates_url(app_url, browser_page):
    page = browser_page
    page.goto(app_url + LINK)
    page.get_by_role("heading", name="Budget planner").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()

    metric = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text("N* (parameters)", exact=True))
    n_value = metric.get_by_test_id("stMetricValue")
    n_value.wait_for()
    title = page.locator(".js-plotly-plot .gtitle").first
    title.wait_for()

    # 1. The widgets show the values from the link.
    law_box = page.get_by_role("combobox", name="Law", exact=True)       # not "Hyperparameter law"
    assert "Data-constrained law" in law_box.input_value()
    # the law's whole name is in view (it was cut off in a third-width column before)
    assert law_box.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), law_box.input_value()
    compute = page.get_by_test_id("stSlider").filter(has_text="compute budget")
    thumb_label = compute.get_by_test_id("stSliderThumbValue")
    assert thumb_label.inner_text().strip() == "1e22 FLOPs"
    gpus = page.get_by_test_id("stNumberInput").filter(has_text="GPU count").locator("input")
    assert gpus.input_value() == "512"
    # every law to compare is in view as a chip (in a column Streamlit keeps chips on one scrolling row)
    chips = page.get_by_test_id("stMultiSelect").filter(has_text="Compare this budget").evaluate(
        """el => { const box = el.querySelector('[data-testid=stMultiSelectTagsContainer]').getBoundingClientRect();
                   const tags = [...el.querySelectorAll('[data-tag]')].map(t => t.getBoundingClientRect());
                   return [tags.length, tags.filter(r => r.left >= box.left - 1 && r.right <= box.right + 1
                                                    && r.bottom <= box.bottom + 1).length]; }""")
    assert chips[0] == 5 and chips[1] == chips[0], f"{chips[1]} of {chips[0]} comparison chips in view"

    # 2. A Plotly chart with drawn traces.
    assert page.locator(".js-plotly-plot .scatterlayer path").count() > 0

    # 3. The allocation for C = 1e22 with 25 B unique tokens (Muennighoff et al. 2023, C4 fit).
    n_before = n_value.inner_text().strip()
    title_before = title.text_content().strip()
    assert n_before.endswith(" B"), n_before
    assert 6.5 <= float(n_before.split()[0]) <= 7.5, n_before
    assert "C = " in title_before and "FLOPs" in title_before, title_before
    assert _query(page.url).get("C") == "1e22"
    assert page.get_by_test_id("stException").count() == 0, page.get_by_test_id("stException").first.inner_text()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser_planner_before.png"), full_page=True)

    # 4. Move the compute slider five grid steps right (0.1 decade each): URL, metric and chart follow.
    # The chart is updated in place (Plotly.react on the same element, scaling_explorer.app.charts), not
    # torn down and drawn again: the element marked here is still the one drawn after the move.
    page.locator(".js-plotly-plot").first.evaluate("el => { el.dataset.seenBefore = 'yes'; }")
    slider = compute.get_by_role("slider")
    slider.focus()
    for _ in range(5):
        slider.press("ArrowRight")

    c_after = _wait_for(lambda: (c := _query(page.url).get("C")) not in (None, "1e22") and c,
                        20, "the URL's C parameter to change from 1e22", page)
    _wait_for(lambda: n_value.inner_text().strip() != n_before, 20, "the N* metric to change", page)
    _wait_for(lambda: title.text_content().strip() != title_before, 20, "the isoFLOP chart title to change", page)
    # Let the last rerun settle: the URL, the slider label and the chart title agree on the new budget
    # (the URL keeps 3 significant digits, the slider label 2, the title uses Python's "e+22").
    def settled():
        c = _query(page.url).get("C")
        label = thumb_label.inner_text().strip().removesuffix(" FLOPs")
        shown = title.text_content().strip().removeprefix("Loss vs model size at C = ").removesuffix(" FLOPs")
        try:
            ok = abs(float(label) / float(c) - 1) < 0.05 and abs(float(shown) / float(c) - 1) < 1e-3
        except (TypeError, ValueError):
            return None
        return c if ok else None
    c_after = None
    for _ in range(10):   # the same agreed value twice, a second apart: no rerun left in flight
        c_prev, c_after = c_after, _wait_for(settled, 20, "the URL's C, slider label and chart title to agree", page)
        if c_after == c_prev:
            break
        page.wait_for_timeout(1000)

    assert float(c_after) > 1e22
    assert n_value.inner_text().strip() != n_before
    assert title.text_content().strip() != title_before
    assert page.locator(".js-plotly-plot").first.evaluate("el => el.dataset.seenBefore") == "yes", \
        "the isoFLOP chart was drawn anew instead of updated in place"
    assert page.locator(".js-plotly-plot .scatterlayer path").count() > 0
    assert page.get_by_test_id("stException").count() == 0, page.get_by_test_id("stException").first.inner_text()

    page.screenshot(path=str(ARTIFACTS / "browser_planner_after.png"), full_page=True)


PAGES = {
    "laws": ("/?laws=hoffmann2022-eq10,hoffmann2022-eq10-unrounded,besiroglu2024-refit,kaplan2020-lcmin"
             "&C=5.76e23", "Published scaling laws", 4),
    "fit": ("/fit", "Fit your runs", 3),
    "data": ("/data?view=tables&table=hoffmann2022_table3", "Data", 0),
    "families": ("/families?fam=F3&C=1e21", "Law families", 1),
    "families_precision": ("/families?fam=F6&N=1e8&D=1e10&pw=4", "Law families", 1),
    "families_parallel": ("/families?fam=F8&N=2.8e9&P=4", "Law families", 2),
    "families_schedules": ("/families?fam=F7", "Law families", 4),
    "families_broken": ("/families?fam=F10&bn_c1=0.8", "Law families", 1),
    "families_domains": ("/families?fam=F12&dlaw=edwards2024-loglik-n&x=1e7", "Law families", 1),
    "planner_whatif": ("/planner?law=muennighoff2023-c4&C=1e22&U=2.5e10&inf=2e12&fixN=3e9", "Budget planner", 2),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_renders_from_a_link(app_url, browser_page, name):
    link, heading, n_charts = PAGES[name]
    page = browser_page
    page.goto(app_url + link)
    page.get_by_role("heading", name=heading).wait_for()
    # the sidebar is app.py's navigation, not Streamlit's file list
    page.get_by_test_id("stSidebarNav").get_by_text("Budget planner").wait_for()
    if n_charts:
        _wait_for(lambda: page.locator(".js-plotly-plot .scatterlayer path").count() > 0, 60, "charts", page)
        _wait_for(lambda: page.locator(".js-plotly-plot").count() >= n_charts, 60, f"{n_charts} charts", page)
    else:
        page.get_by_test_id("stDataFrame").first.wait_for()
    page.wait_for_timeout(500)
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_test_id("stAlertContentError").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser_{name}.png"), full_page=True)


def test_upload_fit_and_share_link(app_url, browser_page, tmp_path):
    """A person uploads runs, imports them, and a teammate opens the copied link to the same fit."""
    rows = ["model,params,flops,final_loss"]
    for i, n in enumerate([2e7, 5e7, 1e8, 2e8, 5e8, 1e9]):
        for ratio in (10, 20, 40):
            d = ratio * n
            loss = 1.8 + 480 / n ** 0.35 + 2100 / d ** 0.37
            rows.append(f"m{i}-{ratio},{n:g},{6 * n * d:g},{loss:.6f}")
    csv_path = tmp_path / "team_runs.csv"
    csv_path.write_text("\n".join(rows) + "\n")

    page = browser_page
    page.goto(app_url + "/fit")
    page.get_by_role("heading", name="Fit your runs").wait_for()
    page.get_by_text("Import runs from a CSV").click()
    page.locator("input[type=file]").set_input_files(str(csv_path))
    # the guessed mapping: params -> N, flops -> C; loss has a non-standard name and must be mapped by hand
    loss_box = page.get_by_test_id("stSelectbox").filter(has_text="Loss").get_by_role("combobox")
    loss_box.click()
    page.get_by_role("option", name="final_loss").click()
    page.get_by_role("button", name="Import").click()
    page.get_by_text("Imported 18 runs as dataset").wait_for()
    ds = _wait_for(lambda: _query(page.url).get("ds"), 20, "the dataset id in the URL", page)
    page.locator(".js-plotly-plot .scatterlayer path").first.wait_for()
    shared = page.url
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser_fit_upload.png"), full_page=True)

    teammate = page.context.browser.new_page(viewport={"width": 1400, "height": 1800})
    teammate.goto(shared)
    teammate.get_by_role("heading", name="Fit your runs").wait_for()
    box = teammate.get_by_test_id("stSelectbox").filter(has_text="Dataset").get_by_role("combobox")
    _wait_for(lambda: ds in box.input_value(), 30, "the shared dataset to be selected", teammate)
    assert "team_runs.csv" in box.input_value()
    teammate.get_by_text("18 runs").wait_for()
    assert teammate.get_by_test_id("stException").count() == 0


def test_loss_curve_upload_and_any_form_fit(app_url, browser_page, tmp_path):
    """A loss curve (step, lr, loss) has no parameter column: it is stored as columns and the
    LR-annealing form is fitted to it through the column pickers."""
    import numpy as np
    from scaling_explorer.schedules import annealing_areas, lr_schedule
    lr = lr_schedule("wsd", 2000, 2e-3, warmup=50, final_frac=0.1, decay_frac=0.2)
    S1, S2 = annealing_areas(lr, 0.999)
    loss = 2.0 + 0.8 * S1 ** -0.5 - 0.6 * S2
    keep = np.arange(50, 2000, 10)
    csv_path = tmp_path / "curve.csv"
    csv_path.write_text("step,lr,loss\n" + "".join(f"{i + 1},{lr[i]:.8g},{loss[i]:.8g}\n" for i in keep))

    page = browser_page
    page.set_default_timeout(90_000)
    page.goto(app_url + "/fit")
    page.get_by_role("heading", name="Fit your runs").wait_for()
    page.get_by_text("Import runs from a CSV").click()
    page.locator("input[type=file]").set_input_files(str(csv_path))
    page.get_by_role("button", name="Import").click()
    page.get_by_text("columns only").wait_for()
    page.get_by_text("has no mapped parameter/loss columns").wait_for()

    def pick(label: str, option: str, settled):
        """Choose an option, then wait for the rerun it triggers to land in the URL."""
        box = page.get_by_test_id("stSelectbox").filter(
            has=page.get_by_test_id("stWidgetLabel").get_by_text(label, exact=True)).get_by_role("combobox")
        box.click()
        box.fill(option)                 # type to filter: the list shows only its first options
        page.get_by_role("option", name=option, exact=False).first.click()
        _wait_for(settled, 60, f"'{option}' chosen for '{label}' to reach the URL", page)

    pick("Law form", "Loss curve under an LR schedule", lambda: _query(page.url).get("af") == "lr_anneal")
    page.get_by_test_id("stSelectbox").filter(has_text="learning rate at that step").wait_for()
    pick("step", "step", lambda: _query(page.url).get("afcols", "").startswith("step"))
    pick("learning rate at that step", "lr", lambda: _query(page.url).get("afcols", "").startswith("step,lr"))
    pick("target: loss", "loss", lambda: _query(page.url).get("afcols") == "step,lr,loss")
    _wait_for(lambda: _query(page.url).get("afcols") == "step,lr,loss", 30, "the form's columns in the URL", page)
    assert _query(page.url).get("af") == "lr_anneal"
    page.locator(".js-plotly-plot .gtitle", has_text="loss vs step").wait_for()
    assert page.get_by_test_id("stException").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser_fit_any_form.png"), full_page=True)


def test_planner_export_downloads_plan_and_citations(app_url, browser_page):
    import json
    page = browser_page
    page.goto(app_url + "/planner?law=hoffmann2022-eq10-unrounded&C=5.76e23&inf=2e12&cmp=kaplan2020-nopt")
    page.get_by_role("heading", name="Budget planner").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    with page.expect_download() as dl:
        page.get_by_role("button", name="The plan (JSON)").click()
    plan = json.loads(open(dl.value.path()).read())
    assert plan["law"]["slug"] == "hoffmann2022-eq10-unrounded"
    assert plan["inputs"]["C_flops"] == pytest.approx(5.76e23)
    assert 3.9e10 < plan["compute_optimal"]["N"] < 4.1e10      # the paper's 40B for the Gopher budget
    assert plan["compute_optimal"]["C_spent"] == pytest.approx(5.76e23, rel=1e-9)
    assert plan["comparison"]["convention"] == "published" and len(plan["comparison"]["rows"]) == 2
    assert any(n["level"] == "warning" for n in plan["notes"])   # an UNVERIFIED law says so in the export
    assert "C=5.76e23" in plan["link"] and plan["link"].startswith(app_url)
    with page.expect_download() as dl:
        page.get_by_role("button", name="Citations (BibTeX)").click()
    bib = open(dl.value.path()).read()
    assert "@misc{hoffmann2022," in bib and "@misc{kaplan2020," in bib and "2203.15556" in bib
    with page.expect_download() as dl:
        page.get_by_role("button", name="Numbers on screen (CSV)").click()
    assert open(dl.value.path()).readline().startswith("law,N*,D*,D*/N*,loss")   # the numbers first
    # the link shown on the page reopens the same view
    shown = page.locator("code").filter(has_text="/planner?").first.inner_text().strip()
    page.goto(shown)
    page.get_by_test_id("stSlider").filter(has_text="Compute budget").get_by_test_id("stSliderThumbValue").filter(
        has_text="5.76e23 FLOPs").wait_for()


def test_family_view_exports_its_own_numbers_and_drives_the_streams_slider(app_url, browser_page):
    import csv
    import io
    import json
    page = browser_page
    page.goto(app_url + "/families?fam=F8&N=2.8e9")
    page.get_by_role("heading", name="Law families").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    slider = page.get_by_test_id("stSlider").filter(has_text="Parallel streams P").get_by_role("slider")
    slider.focus()
    slider.press("ArrowRight")                                   # P 4 -> 8
    _wait_for(lambda: "P=8" in page.url, 30, "P=8 in the link", page)
    with page.expect_download() as dl:
        page.get_by_role("button", name="Numbers on screen (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(open(dl.value.path()).read())))
    stack = next(r for r in rows if "Stack" in r["law"])
    from scaling_explorer.forms import parallel_loss
    p = {"E": 0.6912, "A": 0.01131, "alpha": 0.1894, "k": 0.3935}    # data/laws.toml, chen2025-parallel-stack
    assert float(stack["P"]) == 8 and float(stack["loss at P = 8"]) == pytest.approx(float(parallel_loss(2.8e9, 8, **p)),
                                                                                     abs=1e-4)
    def json_export():
        with page.expect_download() as dl:
            page.get_by_role("button", name="The family (JSON)").click()
        return json.loads(open(dl.value.path()).read())
    payload = json_export()
    for _ in range(10):      # the button may still hold the previous run's payload while a rerun finishes
        if "P=8" in payload["link"]:
            break
        page.wait_for_timeout(1000)
        payload = json_export()
    assert payload["family"] == "F8" and "P=8" in payload["link"] and len(payload["on_screen"]) == 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser_families_parallel_p8.png"), full_page=True)


@pytest.mark.parametrize("name, data, message", [
    ("empty.csv", b"", "The file is empty"),
    ("formula.csv", b"params,tokens,loss\n" + b"".join(f"{1e8 * (i + 1)},{2e9 * (i + 1)},=cmd|' /C calc'!A0\n".encode()
                                                        for i in range(8)), "holds formulas"),
    ("nan.csv", b"params,tokens,loss\n" + b"".join(f"{1e8 * (i + 1)},{2e9 * (i + 1)},{'NaN' if i == 3 else 3.0}\n"
                                                    .encode() for i in range(8)), "NaN"),
])
def test_bad_upload_shows_a_message_in_the_page(app_url, browser_page, tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    page = browser_page
    page.goto(app_url + "/fit")
    page.get_by_role("heading", name="Fit your runs").wait_for()
    page.get_by_text("Import runs from a CSV").click()
    page.locator("input[type=file]").set_input_files(str(path))
    if name != "empty.csv":          # the preview reads; the check names the problem before any import
        page.get_by_test_id("stAlertContentError").filter(has_text=message).first.wait_for()
        page.get_by_role("button", name="Import").click()     # and pressing Import anyway stores nothing
    alert = page.get_by_test_id("stAlertContentError").filter(has_text=message).filter(has_text="Nothing was stored")
    alert.wait_for()
    assert page.get_by_test_id("stException").count() == 0
    if name == "formula.csv":
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser_bad_upload.png"), full_page=True)


def test_twenty_browser_sessions_at_once_keep_their_own_state(app_url, chromium_path):
    """Twenty real sessions (websockets) on one server, opened together from twenty different links:
    each shows its own budget and answer; none fails or sees another's state."""
    from playwright.sync_api import sync_playwright
    budgets = [f"{m}e{e}" for e in (19, 20, 21, 22, 24) for m in (2, 3, 5, 7)]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            pages = []
            for c in budgets:                       # start all twenty loads before waiting on any
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                page.set_default_timeout(120_000)
                page.goto(f"{app_url}/planner?law=hoffmann2022-eq10&C={c}", wait_until="commit")
                pages.append(page)
            shown = []
            for c, page in zip(budgets, pages):
                metric = page.get_by_test_id("stMetric").filter(
                    has=page.get_by_test_id("stMetricLabel").get_by_text("Compute (FLOPs)", exact=True))
                metric.get_by_test_id("stMetricValue").filter(has_text=c).wait_for()
                assert page.get_by_test_id("stException").count() == 0
                shown.append((c, _query(page.url).get("C")))
            assert all(c == in_url for c, in_url in shown), shown
        finally:
            browser.close()


# Records where every text is drawn on the data grids' canvases (st.dataframe draws on a canvas: its
# header cells have no DOM box), in CSS pixels relative to the canvas.
_RECORD_GRID_TEXT = """
(() => {
  const fillText = CanvasRenderingContext2D.prototype.fillText;
  let next = 1;
  window.__gridText = [];
  CanvasRenderingContext2D.prototype.fillText = function (text, x, y, maxWidth) {
    try {
      const c = this.canvas;
      if (c && c.dataset && c.closest && c.closest('[data-testid="stDataFrame"]')) {
        if (!c.dataset.rec) c.dataset.rec = String(next++);
        const m = this.getTransform();
        const p = new DOMPoint(x, y).matrixTransform(m);
        const r = c.width / (c.getBoundingClientRect().width || c.width) || 1;
        const w = this.measureText(String(text)).width * m.a / r;
        let left = p.x / r;
        if (this.textAlign === 'right' || this.textAlign === 'end') left -= w;
        else if (this.textAlign === 'center') left -= w / 2;
        window.__gridText.push({rec: c.dataset.rec, text: String(text), left: left, right: left + w, y: p.y / r});
        if (window.__gridText.length > 40000) window.__gridText.splice(0, 20000);
      }
    } catch (e) {}
    return fillText.call(this, text, x, y, maxWidth);
  };
})();
"""
_NUMBER = re.compile(r"^[-+−]?\d[\d,]*(\.\d+)?(e[-+]?\d+)?(\s?[kMBTP%])?$|^[-+−]?\.\d+$")
PHONE = {"width": 390, "height": 844}


def _first_numeric_column(page, frame) -> dict:
    """The first column of an st.dataframe whose cells are numbers, as drawn: its header and cell texts
    with their left and right edges in page pixels."""
    draws = []
    for canvas in frame.locator("canvas").all():
        rec, box = canvas.get_attribute("data-rec"), canvas.bounding_box()
        if rec is None or box is None:
            continue
        last = {}
        for d in page.evaluate("rec => window.__gridText.filter(d => d.rec === rec)", rec):
            last[(d["text"], round(d["y"]), round(d["left"]))] = d      # the latest frame's draws
        draws += [{**d, "left": box["x"] + d["left"], "right": box["x"] + d["right"], "y": box["y"] + d["y"]}
                  for d in last.values()]
    assert draws, "nothing drawn on the grid"
    top = min(d["y"] for d in draws)
    headers = sorted((d for d in draws if d["y"] - top < 12), key=lambda d: d["left"])
    cells = [d for d in draws if d["y"] - top >= 12]
    for i, h in enumerate(headers):
        end = headers[i + 1]["left"] - 4 if i + 1 < len(headers) else float("inf")
        col = [c for c in cells if h["left"] - 12 <= c["left"] < end]
        if any(_NUMBER.match(c["text"].strip()) for c in col):
            return {"header": h, "cells": col}
    raise AssertionError(f"no numeric column in view; headers drawn: {[h['text'] for h in headers]}")


PHONE_PAGES = {
    "laws": ("/?laws=hoffmann2022-eq10,hoffmann2022-eq10-unrounded,besiroglu2024-refit,kaplan2020-lcmin,"
             "deepseek2024-alloc&C=5.76e23", "Published scaling laws"),
    "planner": ("/planner?law=muennighoff2023-c4&C=1e22&U=2.5e10", "Budget planner"),
}


@pytest.mark.parametrize("name", list(PHONE_PAGES))
def test_phone_width_keeps_the_first_numbers_of_every_table_in_view(app_url, chromium_path, name):
    """At 390 px (a phone), every table shows its first numeric column whole: its header and its cells end
    inside the table and inside the screen. Old main: the law names pushed N* off a phone's screen."""
    from playwright.sync_api import sync_playwright

    link, heading = PHONE_PAGES[name]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
            page.set_default_timeout(TIMEOUT_MS)
            page.add_init_script(_RECORD_GRID_TEXT)
            page.goto(app_url + link)
            page.get_by_role("heading", name=heading).wait_for()
            _wait_for(lambda: page.locator(".js-plotly-plot .scatterlayer path").count() > 0, 60, "charts", page)
            page.get_by_test_id("stDataFrame").first.wait_for()
            page.wait_for_timeout(1500)
            assert page.get_by_test_id("stException").count() == 0
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"browser_phone_{name}_top.png"))
            checked = 0
            for i, frame in enumerate(page.get_by_test_id("stDataFrame").all()):
                box = frame.bounding_box()
                if box is None or box["width"] == 0:      # in a tab that is not open
                    continue
                frame.scroll_into_view_if_needed()
                page.wait_for_timeout(600)
                box = frame.bounding_box()
                col = _first_numeric_column(page, frame)
                limit = min(PHONE["width"], box["x"] + box["width"]) + 0.5
                head = col["header"]
                assert head["right"] <= limit, f"table {i}: header '{head['text']}' ends at {head['right']:.0f} px > {limit:.0f}"
                for c in col["cells"]:
                    assert c["right"] <= limit, f"table {i}: '{c['text']}' under '{head['text']}' ends at {c['right']:.0f} px"
                page.screenshot(path=str(ARTIFACTS / f"browser_phone_{name}_table{i}.png"))
                checked += 1
            assert checked >= 1
        finally:
            browser.close()


@pytest.fixture
def own_server(chromium_path, tmp_path_factory):
    with _served(tmp_path_factory) as base:
        yield base


def test_planner_drives_a_plan_to_a_run_config_and_a_sweep_design(own_server, browser_page):
    """Issue 15: from a plan to a run config, memory per GPU and a sweep design, through the UI; the URL
    keeps the inputs and the plan's JSON export carries the numbers the page shows, with the YAML/TOML block.

    On a server of its own: after the whole browser suite on the shared server (uploads, twenty sessions,
    phone widths), two CI runs on 2026-12-02 saw this session's main planner widgets all come back at their
    first options (law, C = 1e18, GPU count 1, no laws to compare) once the run-config tabs were used.
    Not reproduced with any subset of the earlier tests (see the closing note); it is under investigation,
    and the check right after the section opens stays."""
    import json
    app_url = own_server
    page = browser_page
    page.set_default_timeout(90_000)
    page.goto(app_url + "/planner?law=hoffmann2022-eq10-unrounded&C=1e22&rc=0")
    page.get_by_role("heading", name="Budget planner").wait_for()
    section = page.get_by_test_id("stExpander").filter(has_text="Run config: from this plan to a run you can launch")
    rc_tabs = page.get_by_test_id("stTabs").filter(has=page.get_by_role("tab", name="Sweep design"))
    assert rc_tabs.count() == 0                      # closed by default: a budget press redraws none of it
    section.get_by_text("Run config: from this plan to a run you can launch").click()
    _wait_for(lambda: _query(page.url).get("rc") == "1", 60, "rc=1 in the link once the section is opened", page)
    rc_tabs.wait_for()
    opened = _query(page.url)      # opening the section keeps the link's plan (a CI run once saw every widget reset)
    if (opened.get("law"), opened.get("C")) != ("hoffmann2022-eq10-unrounded", "1e22"):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser_runconfig_opened_reset.png"), full_page=True)
    assert (opened.get("law"), opened.get("C")) == ("hoffmann2022-eq10-unrounded", "1e22"), opened

    def metric(label: str):
        return page.get_by_test_id("stMetric").filter(
            has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)).get_by_test_id("stMetricValue")

    def number_input(label: str):
        return page.get_by_test_id("stNumberInput").filter(
            has=page.get_by_test_id("stWidgetLabel").get_by_text(label, exact=False)).locator("input")

    def settle(key: str, want: str, what: str):
        _wait_for(lambda: _query(page.url).get(key) == want, 60, what, page)
        page.wait_for_timeout(800)
        _wait_for(lambda: page.get_by_test_id("stStatusWidget").count() == 0 or
                  not page.get_by_test_id("stStatusWidget").is_visible(), 60, "the rerun to finish", page)

    # 1. Config tab: change the sequence length; the link keeps it, the global batch shows it.
    rc_tabs.get_by_role("tab", name="Config").click()
    seq = number_input("Sequence length")
    seq.fill("2048")
    seq.press("Enter")
    settle("seq", "2048", "seq=2048 in the link")
    _wait_for(lambda: metric("Global batch").inner_text().strip().endswith("× 2048"), 60,
              "the global batch in 2048-token sequences", page)
    layers, width = (int(t) for t in metric("Layers × width").inner_text().split("×"))
    params_shown = metric("Config parameters").inner_text().strip()
    batch_seqs = int(metric("Global batch").inner_text().split("×")[0])
    steps_shown = int(metric("Steps").inner_text().strip().replace(",", ""))
    ARTIFACTS.mkdir(exist_ok=True)
    rc_tabs.screenshot(path=str(ARTIFACTS / "browser_runconfig_config.png"))

    # 2. Does it fit: memory per GPU against the accelerator preset.
    rc_tabs.get_by_role("tab", name="Does it fit").click()
    total = metric("Total per GPU (GB)")
    total.wait_for()
    total_gb = float(total.inner_text().strip())
    rc_tabs.screenshot(path=str(ARTIFACTS / "browser_runconfig_fit.png"))

    # 3. Sweep design: change the noise level; the interval on N* follows and the link keeps it.
    rc_tabs.get_by_role("tab", name="Sweep design").click()
    noise = number_input("Noise level")
    noise.fill("0.010")
    noise.press("Enter")
    settle("noise", "0.01", "noise=0.01 in the link")
    proposed = rc_tabs.get_by_text("Proposed:", exact=False).first
    _wait_for(lambda: re.search(r"\(×(\d+\.\d\d)\)", proposed.inner_text()), 60, "the N* interval", page)
    ratio_shown = float(re.search(r"\(×(\d+\.\d\d)\)", proposed.inner_text()).group(1))
    rc_tabs.get_by_test_id("stDataFrame").wait_for()
    rc_tabs.screenshot(path=str(ARTIFACTS / "browser_runconfig_sweep.png"))
    assert page.get_by_test_id("stException").count() == 0
    q = _query(page.url)
    assert q.get("seq") == "2048" and q.get("noise") == "0.01" and q.get("C") == "1e22", q

    # 4. The plan's JSON carries the same run config, memory and sweep.
    with page.expect_download() as dl:
        page.get_by_role("button", name="The plan (JSON)").click()
    plan = json.loads(open(dl.value.path()).read())
    rc = plan["run_config"]
    cfg = rc["config"]
    assert (cfg["shape"]["n_layers"], cfg["shape"]["d_model"]) == (layers, width)
    assert cfg["seq_len"] == 2048 and cfg["batch_sequences"] == batch_seqs and cfg["steps"] == steps_shown
    value, unit = params_shown.split()
    assert cfg["params"]["law_N"] == pytest.approx(float(value) * {"M": 1e6, "B": 1e9, "T": 1e12}[unit], rel=6e-3)
    assert abs(cfg["params"]["law_N"] / plan["compute_optimal"]["N"] - 1) < 0.1      # the config sits near N*
    assert cfg["steps"] * cfg["batch_tokens"] == pytest.approx(cfg["tokens"], rel=0.01)
    assert float(f"{rc['memory']['per_device_gb']['total']:.3g}") == total_gb
    sw = rc["sweep_design"]
    assert sw["noise"] == pytest.approx(0.01) and sw["designs"][0]["design"] == "proposed"
    assert round(sw["designs"][0]["N* interval (×)"], 2) == ratio_shown
    assert f"n_layers: {layers}" in rc["yaml"] and f"n_layers = {layers}" in rc["toml"]
    assert "seq_len: 2048" in rc["yaml"]

    # 5. The YAML/TOML block is the section's fourth tab.
    rc_tabs.get_by_role("tab", name="YAML / TOML").click()
    block = rc_tabs.locator("code").filter(has_text="n_layers")
    block.first.wait_for()
    assert f"n_layers: {layers}" in block.first.inner_text()
    _wait_for(lambda: _query(page.url).get("rctab") == "YAML / TOML", 60, "the open tab in the link", page)
    rc_tabs.screenshot(path=str(ARTIFACTS / "browser_runconfig_yaml.png"))


def test_laws_table_shows_a_dash_not_none_where_a_law_has_no_allocation(app_url, browser_page):
    """Issue 13: Kaplan L(C_min) has no N*, D*: the grid draws "—" there (N*, D* stay number columns),
    and the marked budget as 5.76e23, not 5.760000000000009e+23 in an error cell."""
    page = browser_page
    page.add_init_script(_RECORD_GRID_TEXT)
    page.goto(app_url + "/?laws=hoffmann2022-eq10,kaplan2020-lcmin&C=5.76e23")
    page.get_by_role("heading", name="Published scaling laws").wait_for()
    page.get_by_test_id("stDataFrame").first.scroll_into_view_if_needed()

    def drawn():
        texts = {d["text"].strip() for d in page.evaluate("window.__gridText || []")}
        return texts if {"N*", "3.22e+10"} <= texts or {"N*", "3.22e10"} <= texts else None
    texts = _wait_for(drawn, 60, "the laws table to be drawn", page)
    assert "None" not in texts and "—" in texts, sorted(texts)
    assert "5.76e23" in texts and not any("5.760000" in t for t in texts), sorted(texts)
    ARTIFACTS.mkdir(exist_ok=True)
    page.get_by_test_id("stDataFrame").first.screenshot(path=str(ARTIFACTS / "browser_laws_table_dash.png"))


def test_charts_draw_when_served_under_a_base_path(chromium_path, tmp_path_factory, browser_page):
    """`make serve BASE_PATH=explorer`: the charts load Plotly.js from /explorer/app/static/ and draw."""
    page = browser_page
    with _served(tmp_path_factory, "explorer") as base:
        page.goto(base + "/families?fam=F3&C=1e21")
        page.locator(".js-plotly-plot .scatterlayer path").first.wait_for()
        assert page.get_by_text("The chart library did not load").count() == 0
        assert page.evaluate("() => [...document.scripts].some(s => s.src.includes('/explorer/app/static/plotly-'))")


def test_laws_legend_takes_the_height_its_entries_need_at_the_drawn_width(app_url, browser_page):
    """The shared legend is sized in the browser (charts.fitLegend): at desktop width its entries sit
    side by side, so it is shorter than the one-column height the server sends, and nothing is cut off."""
    page = browser_page
    page.goto(app_url + "/?laws=hoffmann2022-eq10,besiroglu2024-refit,kaplan2020-nopt,deepseek2024-alloc&C=1e22")
    page.locator(".js-plotly-plot .scatterlayer path").first.wait_for()
    legend_chart = page.locator(".se-plot").first

    def fitted():
        got = legend_chart.evaluate("el => { const lg = el.querySelector('.legend');"   # null until drawn
                                    " return el._fullLayout && lg && [el._fullLayout.height, el.__seFitted || 0,"
                                    " lg.getBoundingClientRect().height]; }")
        return got if got and got[1] and abs(got[0] - got[1]) <= 2 else None
    height, _, legend_px = _wait_for(fitted, 30, "the legend chart to be fitted to its legend", page)
    one_column = 12 + 6 * 21        # six entries stacked, none wrapped: below what the server sends
    assert height < one_column and legend_px <= height, (height, legend_px, one_column)


# Each frontier chart's budget line: its centre from the chart's left edge (px) and the x Plotly keeps for it.
_BUDGET_LINES = """() => [...document.querySelectorAll('.se-plot')].flatMap(el => {
  const paths = el.querySelectorAll('.shapelayer path[data-index="0"]');
  if (paths.length !== 1 || !el.layout || !el.layout.shapes) return [];
  const line = paths[0].getBoundingClientRect(), box = el.getBoundingClientRect();
  return [[line.left + line.width / 2 - box.left, el.layout.shapes[0].x0, el._fullLayout.shapes[0].x0]];
})"""


def test_a_moved_budget_line_sits_where_a_page_opened_on_that_budget_draws_it(app_url, browser_page):
    """The laws page moves its four budget lines without Plotly.react (charts.moveLines). After slider
    presses, a resize, and a change of traces after a move, each line is where a fresh page opened on
    the same link draws it, and Plotly keeps the new x (what a zoom or a PNG export draws)."""
    page = browser_page
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(app_url + "/?C=1e22")
    _wait_for(lambda: len(page.evaluate(_BUDGET_LINES)) == 4, 60, "four budget lines", page)
    page.evaluate("() => { window.__reacts = 0; const react = window.Plotly.react;"
                  " window.Plotly.react = function (...a) { window.__reacts++; return react.apply(this, a); }; }")
    slider = page.get_by_test_id("stSlider").filter(has_text="Marked compute budget").get_by_role("slider")

    def press(key: str, C: float):
        slider.focus()
        slider.press(key)
        _wait_for(lambda: all(abs(x0 / C - 1) < 1e-9 for _, x0, _ in page.evaluate(_BUDGET_LINES) or [(0, 0, 0)]),
                  60, f"the budget lines at C = {C:.3g}", page)

    def as_a_fresh_page_draws_them(width: int):
        fresh = page.context.browser.new_page()
        try:
            fresh.set_viewport_size({"width": width, "height": 1000})
            fresh.goto(page.url)
            _wait_for(lambda: len(fresh.evaluate(_BUDGET_LINES)) == 4, 60, "a fresh page's budget lines", fresh)
            fresh.wait_for_timeout(500)
            want, got = fresh.evaluate(_BUDGET_LINES), page.evaluate(_BUDGET_LINES)
        finally:
            fresh.close()
        assert [round(x0 / w0, 9) for (_, x0, _), (_, w0, _) in zip(got, want)] == [1.0] * 4, (got, want)
        assert all(full == x0 for _, x0, full in got), got
        assert all(abs(g[0] - w[0]) <= 1.0 for g, w in zip(got, want)), (got, want)   # pixels

    press("ArrowRight", 10 ** 22.1)
    press("End", 1e27)                                  # across the chart: about 300 px
    press("ArrowLeft", 10 ** 26.9)
    assert page.evaluate("window.__reacts") == 0       # moved, not redrawn
    assert _query(page.url)["C"] == "7.94e26", page.url
    as_a_fresh_page_draws_them(1400)
    page.set_viewport_size({"width": 1000, "height": 1000})          # Plotly redraws at the new width
    page.wait_for_timeout(1500)
    as_a_fresh_page_draws_them(1000)
    page.get_by_test_id("stRadio").get_by_text("off", exact=True).click()    # new traces: Plotly.react
    _wait_for(lambda: _query(page.url).get("runs") == "off" and page.evaluate("window.__reacts") >= 4, 60,
              "the charts redrawn without the runs", page)
    press("Home", 1e18)
    page.wait_for_timeout(1000)
    as_a_fresh_page_draws_them(1000)
